import SDP
import XCTest

/// We answer (RFC 3264 §6): offers from real user agents, holds, failures.
final class SDPNegotiatorAnswerTests: XCTestCase {
    private let negotiator = SDPNegotiator()

    private func answer(_ offer: String, local: LocalMedia = Fixtures.local, previousVersion: UInt64? = nil) throws -> NegotiatedAnswer {
        try negotiator.answer(to: try Fixtures.parse(offer), local: local, previousVersion: previousVersion).value()
    }

    private func refusal(_ offer: String) throws -> SDPNegotiationError? {
        negotiator.answer(to: try Fixtures.parse(offer), local: Fixtures.local).error()
    }

    // MARK: Real-world offers

    func testSIPpOffer() throws {
        let negotiated = try answer(Fixtures.sipp)
        XCTAssertEqual(negotiated.answer.serialized(), Fixtures.crlf("""
            v=0
            o=hotline 4242 1 IN IP4 192.0.2.10
            s=-
            c=IN IP4 192.0.2.10
            t=0 0
            m=audio 40000 RTP/AVP 0
            a=rtpmap:0 PCMU/8000
            a=ptime:20
            a=sendrecv

            """))
        XCTAssertEqual(negotiated.media, NegotiatedMedia(
            mediaIndex: 0, remoteAddress: "127.0.0.1", remotePort: 6000,
            remoteRTCPAddress: "127.0.0.1", remoteRTCPPort: 6001,
            codec: RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000),
            telephoneEventPayloadType: nil, ptime: 20, remotePtime: nil,
            direction: .sendrecv, isHold: false, localPort: 40000))
    }

    func testBaresipOfferGetsPCMUAndTelephoneEventWithoutRTCPMux() throws {
        let negotiated = try answer(Fixtures.baresip)
        XCTAssertEqual(negotiated.answer.media, [MediaDescription(
            mediaType: "audio", port: 40000, formats: ["0", "101"],
            attributes: [
                SDPAttribute(name: "rtpmap", value: "0 PCMU/8000"),
                SDPAttribute(name: "rtpmap", value: "101 telephone-event/8000"),
                SDPAttribute(name: "fmtp", value: "101 0-16"),
                SDPAttribute(name: "ptime", value: "20"),
                SDPAttribute(name: "sendrecv"),
            ])])
        XCTAssertEqual(negotiated.media, NegotiatedMedia(
            mediaIndex: 0, remoteAddress: "192.168.1.10", remotePort: 10000,
            remoteRTCPAddress: "192.168.1.10", remoteRTCPPort: 10001,
            codec: RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000),
            telephoneEventPayloadType: 101, ptime: 20, remotePtime: 20,
            direction: .sendrecv, isHold: false, localPort: 40000))
    }

    func testOffererOrderDecidesCodecAndRTCPAttributeIsHonoured() throws {
        let negotiated = try answer(Fixtures.baresipPCMAFirst)
        XCTAssertEqual(negotiated.answer.media[0].formats, ["8", "101"])
        XCTAssertEqual(negotiated.media.codec, RTPMap(payloadType: 8, encodingName: "PCMA", clockRate: 8000))
        XCTAssertEqual(negotiated.media.telephoneEventPayloadType, 101)
        XCTAssertEqual(negotiated.media.remotePort, 20000)
        XCTAssertEqual(negotiated.media.remoteRTCPPort, 20001)
    }

    func testLinphoneOfferWithManyCodecsAndVideo() throws {
        let negotiated = try answer(Fixtures.linphone)
        XCTAssertEqual(negotiated.answer.serialized(), Fixtures.crlf("""
            v=0
            o=hotline 4242 1 IN IP4 192.0.2.10
            s=-
            c=IN IP4 192.0.2.10
            t=0 0
            m=audio 40000 RTP/AVP 0 100
            a=rtpmap:0 PCMU/8000
            a=rtpmap:100 telephone-event/8000
            a=fmtp:100 0-16
            a=ptime:20
            a=sendrecv
            m=video 0 RTP/AVP 96 97

            """))
        XCTAssertEqual(negotiated.media.codec, RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000))
        XCTAssertEqual(negotiated.media.telephoneEventPayloadType, 100, "the 8000 Hz one, matching PCMU (RFC 4733 §2.1)")
        XCTAssertEqual(negotiated.media.remoteAddress, "192.168.0.20")
        XCTAssertEqual(negotiated.media.remotePort, 7078)
    }

    func testDynamicPayloadTypeMatchesByNameCaseInsensitively() throws {
        let negotiated = try answer(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
                + "m=audio 5000 RTP/AVP 112 110 111\r\na=rtpmap:112 PCMA/16000\r\na=rtpmap:110 pcma/8000\r\n"
                + "a=rtpmap:111 Telephone-Event/8000\r\n")
        XCTAssertEqual(negotiated.media.codec, RTPMap(payloadType: 110, encodingName: "PCMA", clockRate: 8000))
        XCTAssertEqual(negotiated.media.telephoneEventPayloadType, 111)
        XCTAssertEqual(negotiated.answer.media[0].formats, ["110", "111"])
    }

    func testTelephoneEventAtAnotherClockRateIsNotAccepted() throws {
        let negotiated = try answer(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
                + "m=audio 5000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/48000\r\n")
        XCTAssertNil(negotiated.media.telephoneEventPayloadType)
        XCTAssertEqual(negotiated.answer.media[0].formats, ["8"])
    }

    func testIPv6OfferIsAnsweredFromOurIPv6Address() throws {
        let local = LocalMedia(address: "[2001:db8::10]", rtpPort: 40002, sessionID: 9, sessionVersion: 3)
        let negotiated = try answer(
            "v=0\r\no=- 1 1 IN IP6 2001:db8::20\r\ns=-\r\nc=IN IP6 2001:db8::20\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n",
            local: local)
        XCTAssertEqual(negotiated.answer.origin, Origin(
            username: "hotline", sessionID: 9, sessionVersion: 3, addrType: "IP6", address: "2001:db8::10"))
        XCTAssertEqual(negotiated.answer.connection, Connection(addrType: "IP6", address: "2001:db8::10"))
        XCTAssertEqual(negotiated.media.remoteAddress, "2001:db8::20")
    }

    // MARK: m-lines: same count, same order (RFC 3264 §6)

    func testEveryOtherMLineIsRejectedInPlace() throws {
        let offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
            + "m=video 6024 RTP/AVP 107\r\na=rtpmap:107 H263-1998/90000\r\n"
            + "m=audio 6000 RTP/AVP 18\r\n"  // G.729 only: unusable
            + "m=audio 0 RTP/AVP 0\r\n"  // disabled by the offerer
            + "m=audio 6002 RTP/AVP 8 0\r\n"
            + "m=application 9 UDP/BFCP *\r\n"
        let negotiated = try answer(offer)
        XCTAssertEqual(negotiated.answer.media.count, 5)
        XCTAssertEqual(negotiated.answer.media.map(\.mediaType), ["video", "audio", "audio", "audio", "application"])
        XCTAssertEqual(negotiated.answer.media.map(\.port), [0, 0, 0, 40000, 0])
        XCTAssertEqual(negotiated.answer.media.map(\.proto), ["RTP/AVP", "RTP/AVP", "RTP/AVP", "RTP/AVP", "UDP/BFCP"])
        XCTAssertEqual(negotiated.answer.media.map(\.formats), [["107"], ["18"], ["0"], ["8"], ["*"]])
        XCTAssertEqual(negotiated.media.mediaIndex, 3)
        XCTAssertEqual(negotiated.media.remotePort, 6002)
        XCTAssertEqual(negotiated.media.codec.encodingName, "PCMA")
    }

    // MARK: Directions and hold (RFC 3264 §6.1, §8.4)

    private func sipp(direction: String? = nil, sessionDirection: String? = nil, address: String = "127.0.0.1") -> String {
        "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 \(address)\r\nt=0 0\r\n"
            + (sessionDirection.map { "a=\($0)\r\n" } ?? "")
            + "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            + (direction.map { "a=\($0)\r\n" } ?? "")
    }

    func testDirectionIsAnsweredFromOurSide() throws {
        let cases: [(offer: String, answered: MediaDirection, isHold: Bool)] = [
            (sipp(), .sendrecv, false),
            (sipp(direction: "sendrecv"), .sendrecv, false),
            (sipp(direction: "sendonly"), .recvonly, true),
            (sipp(direction: "recvonly"), .sendonly, false),
            (sipp(direction: "inactive"), .inactive, true),
            (sipp(sessionDirection: "sendonly"), .recvonly, true),
            (sipp(direction: "sendrecv", sessionDirection: "inactive"), .sendrecv, false),
            // RFC 2543 hold: nothing can be sent to 0.0.0.0.
            (sipp(address: "0.0.0.0"), .recvonly, true),
            (sipp(direction: "recvonly", address: "0.0.0.0"), .inactive, true),
        ]
        for (offer, answered, isHold) in cases {
            let negotiated = try answer(offer)
            XCTAssertEqual(negotiated.answer.media[0].direction, answered, offer)
            XCTAssertEqual(negotiated.media.direction, answered, offer)
            XCTAssertEqual(negotiated.media.isHold, isHold, offer)
        }
    }

    func testHoldAndResumeIncrementTheVersion() throws {
        let first = try answer(sipp())
        XCTAssertEqual(first.answer.origin.sessionVersion, 1)

        let hold = try answer(sipp(direction: "sendonly"), previousVersion: first.answer.origin.sessionVersion)
        XCTAssertEqual(hold.answer.origin.sessionVersion, 2)
        XCTAssertEqual(hold.answer.origin.sessionID, 4242, "RFC 3264 §8: only the version changes")
        XCTAssertEqual(hold.answer.media[0].direction, .recvonly)
        XCTAssertTrue(hold.media.isHold)

        let resume = try answer(sipp(direction: "sendrecv"), previousVersion: hold.answer.origin.sessionVersion)
        XCTAssertEqual(resume.answer.origin.sessionVersion, 3)
        XCTAssertEqual(resume.answer.media[0].direction, .sendrecv)
        XCTAssertFalse(resume.media.isHold)
        XCTAssertEqual(resume.media.codec, first.media.codec)
    }

    func testTimingIsCopiedFromTheOffer() throws {
        let negotiated = try answer(try String(decoding: Fixtures.rfc5118Body("mult-ip-in-sdp"), as: UTF8.self))
        XCTAssertEqual(negotiated.answer.timing, [Timing(start: 0, stop: 0)])
        let timed = try answer(Fixtures.sipp.replacingOccurrences(of: "t=0 0", with: "t=3338481189 3370017201"))
        XCTAssertEqual(timed.answer.timing, [Timing(start: 3_338_481_189, stop: 3_370_017_201)])
    }

    // MARK: Refusals: 488 with a Warning (RFC 3261 §21.4.26, §20.43)

    func testNoCommonCodecIs488With305() throws {
        let error = try refusal(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
                + "m=audio 5000 RTP/AVP 18 96\r\na=rtpmap:96 opus/48000/2\r\nm=video 5002 RTP/AVP 97\r\n")
        XCTAssertEqual(error, SDPNegotiationError(
            code: .noCommonCodec,
            message: "m=audio #1 offers 18 G729/8000, 96 opus/48000/2; we support PCMU/8000, PCMA/8000",
            sipStatus: 488, warningCode: 305, warningText: "Incompatible media format"))
        XCTAssertEqual(error?.warningHeaderValue(agent: "hotline.example.com"), "305 hotline.example.com \"Incompatible media format\"")
        XCTAssertEqual(
            error?.description,
            "SDP negotiation noCommonCodec (SIP 488, warning 305): m=audio #1 offers 18 G729/8000, 96 opus/48000/2; we support PCMU/8000, PCMA/8000")
    }

    func testNoAudioIs488With304() throws {
        let error = try refusal(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=video 6024 RTP/AVP 107\r\nm=audio 0 RTP/AVP 0\r\n")
        XCTAssertEqual(error, SDPNegotiationError(
            code: .noAudioStream,
            message: "the offer has no active audio m-line (it has m=video port 6024, m=audio port 0)",
            sipStatus: 488, warningCode: 304, warningText: "Media type not available"))
    }

    func testSRTPOnlyIs488With302() throws {
        let error = try refusal(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 5000 RTP/SAVP 0\r\n"
                + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n")
        XCTAssertEqual(error, SDPNegotiationError(
            code: .incompatibleTransport,
            message: "m=audio #1 uses RTP/SAVP; only RTP/AVP is supported (no SRTP, no AVPF)",
            sipStatus: 488, warningCode: 302, warningText: "Incompatible transport protocol"))
    }

    func testOfferWithoutConnectionBuiltInCodeIsRefused() {
        var offer = SessionDescription(
            origin: Origin(sessionID: 1, sessionVersion: 1, addrType: "IP4", address: "192.0.2.5"),
            media: [MediaDescription(mediaType: "audio", port: 5000, formats: ["0"])])
        offer.connection = nil
        let error = negotiator.answer(to: offer, local: Fixtures.local).error()
        XCTAssertEqual(error?.code, .missingConnection)
        XCTAssertEqual(error?.sipStatus, 488)
    }
}
