import SDP
import XCTest

/// RFC 3264 §4 exchanges: every event in every phase, the exact phase afterwards.
final class OfferAnswerStateTests: XCTestCase {
    private let local = Fixtures.local

    private func sipp(_ direction: String) throws -> SessionDescription {
        try Fixtures.parse(Fixtures.sipp + "a=\(direction)\r\n")
    }

    private func answerTo(_ offer: SessionDescription) throws -> SessionDescription {
        let peer = LocalMedia(address: "198.51.100.7", rtpPort: 7000, sessionID: 5, sessionVersion: 5)
        return try SDPNegotiator().answer(to: offer, local: peer).value().answer
    }

    /// A machine that answered the SIPp offer: stable, version 1 sent.
    private func stableAsAnswerer() throws -> OfferAnswerState {
        var state = OfferAnswerState()
        try state.receiveOffer(try Fixtures.parse(Fixtures.sipp)).value()
        _ = try state.sendAnswer(local: local).value()
        return state
    }

    // MARK: UAS: offer in INVITE, answer in 200

    func testAnswererFlowWithHoldAndResume() throws {
        var state = OfferAnswerState()
        XCTAssertEqual(state.phase, .idle)
        let offer = try Fixtures.parse(Fixtures.sipp)
        try state.receiveOffer(offer).value()
        XCTAssertEqual(state.phase, .offerReceived(offer))

        let first = try state.sendAnswer(local: local).value()
        XCTAssertEqual(state.phase, .stable)
        XCTAssertEqual(state.session?.remote, offer)
        XCTAssertEqual(state.session?.local, first.answer)
        XCTAssertEqual(state.lastSentVersion, 1)

        try state.receiveOffer(try sipp("sendonly")).value()
        let hold = try state.sendAnswer(local: local).value()
        XCTAssertEqual(hold.answer.origin.sessionVersion, 2)
        XCTAssertEqual(hold.answer.media[0].direction, .recvonly)
        XCTAssertEqual(state.session?.media.isHold, true)

        try state.receiveOffer(try sipp("sendrecv")).value()
        let resume = try state.sendAnswer(local: local).value()
        XCTAssertEqual(resume.answer.origin.sessionVersion, 3)
        XCTAssertEqual(state.session?.media.direction, .sendrecv)
        XCTAssertEqual(state.session?.media.isHold, false)
    }

    func testRefusedReOfferKeepsTheSessionAndTheVersion() throws {
        var state = try stableAsAnswerer()
        let before = state.session
        let video = try Fixtures.parse(
            "v=0\r\no=- 1 2 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=video 6024 RTP/AVP 107\r\n")
        try state.receiveOffer(video).value()
        XCTAssertEqual(state.sendAnswer(local: local).error()?.code, .noAudioStream)
        XCTAssertEqual(state.phase, .stable)
        XCTAssertEqual(state.session, before, "RFC 3261 §14.1: a failed re-INVITE changes nothing")
        XCTAssertEqual(state.lastSentVersion, 1, "no SDP was sent")

        try state.receiveOffer(try sipp("sendonly")).value()
        XCTAssertEqual(try state.sendAnswer(local: local).value().answer.origin.sessionVersion, 2)
    }

    func testRefusedInitialOfferReturnsToIdle() throws {
        var state = OfferAnswerState()
        try state.receiveOffer(try Fixtures.parse(Fixtures.sipp.replacingOccurrences(of: "RTP/AVP 0", with: "RTP/AVP 18"))).value()
        let error = state.sendAnswer(local: local).error()
        XCTAssertEqual(error?.sipStatus, 488)
        XCTAssertEqual(error?.warningCode, 305)
        XCTAssertEqual(state.phase, .idle)
        XCTAssertNil(state.session)
    }

    func testRejectOffer() throws {
        var state = OfferAnswerState()
        try state.receiveOffer(try Fixtures.parse(Fixtures.sipp)).value()
        try state.rejectOffer().value()
        XCTAssertEqual(state.phase, .idle)
        XCTAssertEqual(state.rejectOffer().error()?.code, .outOfOrder)
    }

    // MARK: UAC: offer in INVITE, answer in 200

    func testOffererFlowWithHold() throws {
        var state = OfferAnswerState()
        let offer = try state.sendOffer(local: local).value()
        XCTAssertEqual(state.phase, .offerSent(offer))
        XCTAssertEqual(offer.origin.sessionVersion, 1)

        let media = try state.receiveAnswer(try answerTo(offer)).value()
        XCTAssertEqual(state.phase, .stable)
        XCTAssertEqual(media.codec.encodingName, "PCMU")
        XCTAssertEqual(media.remotePort, 7000)

        let hold = try state.sendOffer(local: local, direction: .sendonly).value()
        XCTAssertEqual(hold.origin.sessionVersion, 2)
        let held = try state.receiveAnswer(try answerTo(hold)).value()
        XCTAssertEqual(held.direction, .sendonly)
        XCTAssertTrue(held.isHold)
    }

    func testCancelledReOfferStillConsumesItsVersion() throws {
        var state = try stableAsAnswerer()
        let reOffer = try state.sendOffer(local: local, direction: .sendonly).value()
        XCTAssertEqual(reOffer.origin.sessionVersion, 2)
        try state.cancelOffer().value()  // e.g. the re-INVITE got 491
        XCTAssertEqual(state.phase, .stable)
        XCTAssertEqual(try state.sendOffer(local: local).value().origin.sessionVersion, 3,
                       "RFC 3264 §8: version 2 was sent once and may not carry other content")
    }

    func testUnusableAnswerToInitialOfferReturnsToIdle() throws {
        var state = OfferAnswerState()
        let offer = try state.sendOffer(local: local).value()
        var answer = try answerTo(offer)
        answer.media[0].port = 0
        XCTAssertEqual(state.receiveAnswer(answer).error()?.code, .audioRejected)
        XCTAssertEqual(state.phase, .idle)
        XCTAssertEqual(state.cancelOffer().error()?.code, .outOfOrder)
    }

    // MARK: Out of order (RFC 3264 §4, RFC 3261 §14.2)

    func testGlareIs491AndChangesNothing() throws {
        var state = try stableAsAnswerer()
        let offer = try state.sendOffer(local: local).value()
        let error = state.receiveOffer(try sipp("sendonly")).error()
        XCTAssertEqual(error?.code, .glare)
        XCTAssertEqual(error?.sipStatus, 491)
        XCTAssertEqual(state.phase, .offerSent(offer))
    }

    func testSecondOfferBeforeAnswerIs500() throws {
        var state = OfferAnswerState()
        let offer = try Fixtures.parse(Fixtures.sipp)
        try state.receiveOffer(offer).value()
        let error = state.receiveOffer(try sipp("sendonly")).error()
        XCTAssertEqual(error?.code, .offerPending)
        XCTAssertEqual(error?.sipStatus, 500)
        XCTAssertEqual(state.phase, .offerReceived(offer))
    }

    func testEventsThePhaseDoesNotAllow() throws {
        let sdp = try Fixtures.parse(Fixtures.sipp)

        var idle = OfferAnswerState()
        XCTAssertEqual(idle.receiveAnswer(sdp).error()?.code, .outOfOrder)
        XCTAssertEqual(idle.sendAnswer(local: local).error()?.code, .outOfOrder)
        XCTAssertEqual(idle.cancelOffer().error()?.code, .outOfOrder)
        XCTAssertEqual(idle.rejectOffer().error()?.code, .outOfOrder)
        XCTAssertEqual(idle.phase, .idle)

        var offerSent = OfferAnswerState()
        let offer = try offerSent.sendOffer(local: local).value()
        XCTAssertEqual(offerSent.sendOffer(local: local).error()?.code, .outOfOrder)
        XCTAssertEqual(offerSent.sendAnswer(local: local).error()?.code, .outOfOrder)
        XCTAssertEqual(offerSent.rejectOffer().error()?.code, .outOfOrder)
        XCTAssertEqual(offerSent.phase, .offerSent(offer))

        var offerReceived = OfferAnswerState()
        try offerReceived.receiveOffer(sdp).value()
        XCTAssertEqual(offerReceived.sendOffer(local: local).error()?.code, .outOfOrder)
        XCTAssertEqual(offerReceived.receiveAnswer(sdp).error()?.code, .outOfOrder)
        XCTAssertEqual(offerReceived.cancelOffer().error()?.code, .outOfOrder)
        XCTAssertEqual(offerReceived.phase, .offerReceived(sdp))

        var stable = try stableAsAnswerer()
        XCTAssertEqual(stable.receiveAnswer(sdp).error()?.code, .outOfOrder)
        XCTAssertEqual(stable.sendAnswer(local: local).error()?.code, .outOfOrder)
        XCTAssertEqual(stable.cancelOffer().error()?.code, .outOfOrder)
        XCTAssertEqual(stable.rejectOffer().error()?.code, .outOfOrder)
        XCTAssertEqual(stable.phase, .stable)
    }

    /// After answering a two-stream offer, our re-offer keeps both m-lines
    /// (RFC 3264 §8), video disabled.
    func testOurReOfferAfterAnsweringKeepsMLineCount() throws {
        var state = OfferAnswerState()
        try state.receiveOffer(try Fixtures.parse(Fixtures.linphone)).value()
        _ = try state.sendAnswer(local: local).value()
        let reOffer = try state.sendOffer(local: local, direction: .sendonly).value()
        XCTAssertEqual(reOffer.media.map(\.mediaType), ["audio", "video"])
        XCTAssertEqual(reOffer.media.map(\.port), [40000, 0])
    }
}
