import SDP
import XCTest

/// We offer (RFC 3264 §5) and process the answer (§6, §7).
final class SDPNegotiatorOfferTests: XCTestCase {
    private let negotiator = SDPNegotiator()
    private let ourOffer = Fixtures.crlf("""
        v=0
        o=hotline 4242 1 IN IP4 192.0.2.10
        s=-
        c=IN IP4 192.0.2.10
        t=0 0
        m=audio 40000 RTP/AVP 0 8 101
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-16
        a=ptime:20
        a=sendrecv

        """)

    private func process(_ answer: String, toOffer offer: SessionDescription? = nil) throws -> Result<NegotiatedMedia, SDPNegotiationError> {
        negotiator.process(answer: try Fixtures.parse(answer), toOffer: offer ?? negotiator.offer(local: Fixtures.local))
    }

    private func answerBody(_ media: String, address: String = "198.51.100.7") -> String {
        "v=0\r\no=- 5 5 IN IP4 \(address)\r\ns=-\r\nc=IN IP4 \(address)\r\nt=0 0\r\n" + media
    }

    func testOffer() {
        XCTAssertEqual(negotiator.offer(local: Fixtures.local).serialized(), ourOffer)
    }

    func testHoldReOfferIsSendonlyWithNextVersion() {
        let offer = negotiator.offer(local: Fixtures.local, direction: .sendonly, previousVersion: 7)
        XCTAssertEqual(offer.origin.sessionVersion, 8)
        XCTAssertEqual(offer.media[0].direction, .sendonly)
    }

    func testReOfferKeepsPreviousMLinesInPlace() throws {
        let previous = try negotiator.answer(to: try Fixtures.parse(Fixtures.linphone), local: Fixtures.local).value().answer
        let offer = negotiator.offer(local: Fixtures.local, previousVersion: 1, previousMedia: previous.media)
        XCTAssertEqual(offer.media.map(\.mediaType), ["audio", "video"])
        XCTAssertEqual(offer.media.map(\.port), [40000, 0])
        XCTAssertEqual(offer.media[1].formats, ["96", "97"])
        XCTAssertEqual(offer.media[0].formats, ["0", "8", "101"])
        XCTAssertEqual(offer.origin.sessionVersion, 2)
    }

    func testSIPpStyleAnswer() throws {
        let media = try process(answerBody("m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")).value()
        XCTAssertEqual(media, NegotiatedMedia(
            mediaIndex: 0, remoteAddress: "198.51.100.7", remotePort: 6000,
            remoteRTCPAddress: "198.51.100.7", remoteRTCPPort: 6001,
            codec: RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000),
            telephoneEventPayloadType: nil, ptime: 20, remotePtime: nil,
            direction: .sendrecv, isHold: false, localPort: 40000))
    }

    func testAnswerWithPCMAAndTelephoneEvent() throws {
        let media = try process(answerBody(
            "m=audio 7000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
                + "a=fmtp:101 0-15\r\na=ptime:30\r\na=rtcp:7005 IN IP4 198.51.100.8\r\n")).value()
        XCTAssertEqual(media.codec, RTPMap(payloadType: 8, encodingName: "PCMA", clockRate: 8000))
        XCTAssertEqual(media.telephoneEventPayloadType, 101)
        XCTAssertEqual(media.remotePtime, 30)
        XCTAssertEqual(media.ptime, 20)
        XCTAssertEqual(media.remoteRTCPAddress, "198.51.100.8")
        XCTAssertEqual(media.remoteRTCPPort, 7005)
    }

    func testAnswerThatRenumberedTelephoneEventIsTolerated() throws {
        let media = try process(answerBody("m=audio 7000 RTP/AVP 0 96\r\na=rtpmap:96 telephone-event/8000\r\n")).value()
        XCTAssertEqual(media.telephoneEventPayloadType, 96)
    }

    func testAnswerDirectionsFromOurSide() throws {
        let cases: [(MediaDirection, String, MediaDirection, Bool)] = [
            (.sendrecv, "a=sendrecv", .sendrecv, false),
            (.sendrecv, "a=recvonly", .sendonly, false),
            (.sendrecv, "a=sendonly", .recvonly, false),
            (.sendrecv, "a=inactive", .inactive, false),
            (.sendonly, "a=recvonly", .sendonly, true),  // we hold the peer
            (.inactive, "a=inactive", .inactive, true),
        ]
        for (offered, answered, ours, isHold) in cases {
            let offer = negotiator.offer(local: Fixtures.local, direction: offered)
            let media = try process(answerBody("m=audio 7000 RTP/AVP 0\r\n\(answered)\r\n"), toOffer: offer).value()
            XCTAssertEqual(media.direction, ours, "\(offered) answered \(answered)")
            XCTAssertEqual(media.isHold, isHold, "\(offered) answered \(answered)")
        }
    }

    func testAnswerAtUnspecifiedAddressDoesNotReceive() throws {
        let media = try process(answerBody("m=audio 7000 RTP/AVP 0\r\n", address: "0.0.0.0")).value()
        XCTAssertEqual(media.direction, .recvonly)
    }

    func testAnswerWithWrongMLineCount() throws {
        let error = try process(answerBody("m=audio 7000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n")).error()
        XCTAssertEqual(error, SDPNegotiationError(
            code: .mediaMismatch,
            message: "the answer has 2 m-lines for the offer's 1; RFC 3264 §6 requires exactly one per offered m-line",
            sipStatus: 488, warningCode: 307, warningText: "Session description parameter not understood"))
    }

    func testAnswerWithWrongMediaType() throws {
        let error = try process(answerBody("m=video 7000 RTP/AVP 96\r\n")).error()
        XCTAssertEqual(error?.code, .mediaMismatch)
        XCTAssertEqual(error?.message, "answer m-line #1 is video but the offered one is audio (RFC 3264 §6)")
    }

    func testAnswerRejectingAudio() throws {
        let error = try process(answerBody("m=audio 0 RTP/AVP 0\r\n")).error()
        XCTAssertEqual(error?.code, .audioRejected)
        XCTAssertEqual(error?.message, "the answer rejected our audio stream (m=audio #1 with port 0)")
    }

    func testAnswerWithoutOurCodecs() throws {
        let error = try process(answerBody("m=audio 7000 RTP/AVP 18\r\n")).error()
        XCTAssertEqual(error?.code, .noCommonCodec)
        XCTAssertEqual(error?.message, "the answer accepts 18 G729/8000; we support PCMU/8000, PCMA/8000")
    }

    /// Our offer answered by our own answerer: both ends agree.
    func testLoopback() throws {
        let callee = LocalMedia(address: "2001:db8::99", rtpPort: 50000, sessionID: 77, sessionVersion: 1)
        let offer = negotiator.offer(local: Fixtures.local)
        let answered = try negotiator.answer(to: offer, local: callee).value()
        let media = try negotiator.process(answer: answered.answer, toOffer: offer).value()
        XCTAssertEqual(answered.media.codec, media.codec)
        XCTAssertEqual(answered.media.telephoneEventPayloadType, 101)
        XCTAssertEqual(media.telephoneEventPayloadType, 101)
        XCTAssertEqual(media.remoteAddress, "2001:db8::99")
        XCTAssertEqual(media.remotePort, 50000)
        XCTAssertEqual(answered.media.remotePort, 40000)
    }
}
