import SIPMessage
import SIPTransaction
import XCTest

/// Client side of the layer: creating transactions, matching responses by branch and CSeq
/// method (§17.1.3), stray responses, refusals, and full timer runs through the layer.
final class TransactionLayerClientTests: XCTestCase {
    let tx1 = TransactionID(rawValue: 1)
    let tx2 = TransactionID(rawValue: 2)
    let bob = Fixture.bob

    func testInviteOverUDPStartsTimersAAndB() {
        var h = LayerHarness()
        let invite = Fixture.invite()
        let (id, events) = h.sendRequest(invite, to: bob)
        XCTAssertEqual(id, tx1)
        XCTAssertEqual(events, [
            .send(.request(invite), to: bob), .startTimer(.A, tx1, at: .ms(500)), .startTimer(.B, tx1, at: .ms(32000)),
        ])
        XCTAssertEqual(h.layer.count, 1)
        XCTAssertEqual(h.layer.peer(of: tx1), bob)
    }

    func testResponsesMatchByBranchAndCSeqMethod() {
        var h = LayerHarness()
        let invite = Fixture.invite()
        _ = h.sendRequest(invite, to: bob)
        let ringing = Fixture.response(180, to: invite, toTag: "b1")
        XCTAssertEqual(h.receive(ringing, from: bob), [.cancelTimer(.A, tx1), .cancelTimer(.B, tx1), .response(ringing, tx1)])
        let ok = Fixture.response(200, to: invite, toTag: "b1")
        XCTAssertEqual(h.receive(ok, from: bob), [.response(ok, tx1), .startTimer(.M, tx1, at: .ms(32000))])
        XCTAssertEqual(h.receive(ok, from: bob), [.response(ok, tx1)], "RFC 6026: 2xx retransmissions reach the TU")

        let otherBranch = Fixture.response(200, to: Fixture.invite(branch: "z9hG4bKunknown"), toTag: "b1")
        XCTAssertEqual(h.receive(otherBranch, from: bob), [.strayResponse(otherBranch, from: bob)])
        var otherMethod = ok
        otherMethod.headers.set(.cseq, "314159 BYE")
        XCTAssertEqual(h.receive(otherMethod, from: bob), [.strayResponse(otherMethod, from: bob)])

        XCTAssertEqual(h.advanceToNextDeadline(), [.terminated(tx1)])
        XCTAssertEqual(h.receive(ok, from: bob), [.strayResponse(ok, from: bob)])
    }

    /// CANCEL shares the INVITE's branch (§9.1); the CSeq method keeps their responses apart.
    func testInviteAndCancelWithTheSameBranchAreSeparateTransactions() {
        var h = LayerHarness()
        let invite = Fixture.invite()
        _ = h.sendRequest(invite, to: bob)
        h.receive(Fixture.response(180, to: invite, toTag: "b1"), from: bob)
        h.advance(to: .ms(10000))
        let cancel = Fixture.request(.cancel)
        let (cancelID, events) = h.sendRequest(cancel, to: bob)
        XCTAssertEqual(cancelID, tx2)
        XCTAssertEqual(events, [
            .send(.request(cancel), to: bob), .startTimer(.E, tx2, at: .ms(10500)), .startTimer(.F, tx2, at: .ms(42000)),
        ])
        let cancelled = Fixture.response(200, to: cancel, toTag: "b1")
        XCTAssertEqual(h.receive(cancelled, from: bob), [
            .cancelTimer(.E, tx2), .cancelTimer(.F, tx2), .response(cancelled, tx2), .startTimer(.K, tx2, at: .ms(15000)),
        ])
        let terminated = Fixture.response(487, to: invite, toTag: "b1")
        let ack = ClientInviteTransaction.ack(for: invite, response: terminated)
        XCTAssertEqual(h.receive(terminated, from: bob), [
            .send(.request(ack), to: bob), .response(terminated, tx1), .startTimer(.D, tx1, at: .ms(42000)),
        ])
        XCTAssertEqual(h.receive(terminated, from: bob), [.send(.request(ack), to: bob)])
        h.runUntilIdle()
        XCTAssertEqual(h.layer.count, 0)
        XCTAssertEqual(h.log.suffix(2).map(\.event), [.terminated(tx2), .terminated(tx1)])
    }

    /// A full E run through the layer: 0.5, 1, 2, 4, 4 ... s, then Timer F at 32 s.
    func testNonInviteTimesOutAfterARetransmissionRun() {
        var h = LayerHarness()
        let options = Fixture.request(.options)
        _ = h.sendRequest(options, to: bob)
        h.runUntilIdle()
        XCTAssertEqual(h.sends.map(\.at), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500].map(SIPInstant.ms))
        XCTAssertEqual(h.log.suffix(3).map(\.event), [.cancelTimer(.E, tx1), .timeout(tx1), .terminated(tx1)])
        XCTAssertEqual(h.now, .ms(32000))
        XCTAssertEqual(h.layer.count, 0)
    }

    func testInviteOverTCPTimesOutAtTimerBWithoutRetransmitting() {
        var h = LayerHarness()
        _ = h.sendRequest(Fixture.invite(transport: "TCP"), to: Fixture.bobTCP)
        h.runUntilIdle()
        XCTAssertEqual(h.sends.count, 1)
        XCTAssertEqual(h.log.suffix(2).map(\.event), [.timeout(tx1), .terminated(tx1)])
        XCTAssertEqual(h.now, .ms(32000))
    }

    func testCustomTimerSettingsScaleEveryTimer() {
        let fast = TransactionTimerSettings(t1: .milliseconds(100), t2: .milliseconds(400), t4: .seconds(1))
        var h = LayerHarness(layer: TransactionLayer(timers: fast))
        _ = h.sendRequest(Fixture.request(.options), to: bob)
        h.runUntilIdle()
        XCTAssertEqual(h.sends.map(\.at), [0, 100, 300, 700, 1100, 1500, 1900, 2300, 2700, 3100, 3500, 3900, 4300, 4700, 5100,
                                          5500, 5900, 6300].map(SIPInstant.ms))
        XCTAssertEqual(h.now, .ms(6400))
    }

    func testTransportFailureReachesTheTU() {
        var h = LayerHarness()
        _ = h.sendRequest(Fixture.invite(), to: bob)
        XCTAssertEqual(h.transportFailed(for: tx1), [
            .cancelTimer(.A, tx1), .cancelTimer(.B, tx1), .transportError(tx1), .terminated(tx1),
        ])
        XCTAssertEqual(h.layer.count, 0)
    }

    // MARK: Refusals and stateless sends

    func testRequestsThatCannotBeTransactionsAreRefused() {
        var h = LayerHarness()
        var noCSeq = Fixture.request(.options)
        noCSeq.headers.remove(.cseq)
        let cases: [(String, SIPRequest)] = [
            ("no branch", Fixture.request(.options, branch: nil)),
            ("bare magic cookie", Fixture.request(.options, branch: "z9hG4bK")),
            ("RFC 2543 branch", Fixture.request(.options, branch: "abc")),
            ("CSeq method differs", Fixture.request(.options, cseqMethod: .info)),
            ("no CSeq", noCSeq),
        ]
        for (index, (why, request)) in cases.enumerated() {
            let id = TransactionID(rawValue: UInt64(index + 1))
            XCTAssertEqual(h.sendRequest(request, to: bob).1, [.transportError(id), .terminated(id)], why)
        }
        XCTAssertEqual(h.layer.count, 0)
    }

    func testABranchAlreadyInUseIsRefused() {
        var h = LayerHarness()
        _ = h.sendRequest(Fixture.request(.options), to: bob)
        XCTAssertEqual(h.sendRequest(Fixture.request(.options), to: bob).1, [.transportError(tx2), .terminated(tx2)])
        XCTAssertEqual(h.layer.count, 1)
    }

    func testClientTransactionsAreBoundedToo() {
        var h = LayerHarness(layer: TransactionLayer(maxTransactions: 1))
        _ = h.sendRequest(Fixture.request(.options, branch: "z9hG4bK1"), to: bob)
        XCTAssertEqual(h.sendRequest(Fixture.request(.options, branch: "z9hG4bK2"), to: bob).1,
                       [.transportError(tx2), .terminated(tx2)])
    }

    func testACKFor2xxIsSentStatelessly() {
        var h = LayerHarness()
        let ack = Fixture.ackFor2xx(of: Fixture.invite(), toTag: "b1")
        XCTAssertEqual(h.sendRequest(ack, to: bob).1, [.send(.request(ack), to: bob)])
        XCTAssertEqual(h.layer.sendStateless(.request(ack), to: bob), [.send(.request(ack), to: bob)])
        XCTAssertEqual(h.layer.count, 0)
    }

    func testMalformedResponsesAreDroppedAndServerCallsOnClientTransactionsIgnored() {
        var h = LayerHarness()
        let invite = Fixture.invite()
        _ = h.sendRequest(invite, to: bob)
        var noCallID = Fixture.response(180, to: invite)
        noCallID.headers.remove(.callID)
        XCTAssertEqual(h.receive(noCallID, from: bob), [])
        XCTAssertEqual(h.sendResponse(Fixture.response(200, to: invite), for: tx1), [])
        XCTAssertEqual(h.layer.timerFired(.A, for: TransactionID(rawValue: 99), now: .ms(0)), [])
    }
}
