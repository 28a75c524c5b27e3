import SIPMessage
import SIPTransaction
import XCTest

/// RFC 3261 §17.2.1 and RFC 6026 §7.1, state by state, with exact actions.
final class ServerInviteTransactionTests: XCTestCase {
    let invite = Fixture.invite(extra: [(.timestamp, "54")])
    let peer = Fixture.alice

    private var trying: SIPResponse {
        var headers = SIPHeaders()
        headers.add(.via, invite.headers[.via]!)
        headers.add(.from, invite.headers[.from]!)
        headers.add(.to, invite.headers[.to]!)
        headers.add(.callID, invite.headers[.callID]!)
        headers.add(.cseq, invite.headers[.cseq]!)
        headers.add(.timestamp, "54")
        return SIPResponse(statusCode: 100, headers: headers)
    }

    private func start(_ peer: SIPPeer? = nil) -> ServerInviteTransaction {
        ServerInviteTransaction.start(request: invite, peer: peer ?? self.peer, now: .ms(0)).0
    }

    private func completed(_ peer: SIPPeer? = nil, with code: Int = 486) -> (ServerInviteTransaction, SIPResponse) {
        var tx = start(peer)
        let final = Fixture.response(code, to: invite, toTag: "uas1")
        _ = tx.sendResponse(final, now: .ms(1000))
        return (tx, final)
    }

    // MARK: Proceeding

    /// The 100 Trying is sent at once and copies Via, From, To (no tag), Call-ID, CSeq and
    /// Timestamp (§8.2.6.1, §8.2.6.2).
    func testStartSends100TryingAtOnceAndPassesTheInviteUp() {
        let (tx, actions) = ServerInviteTransaction.start(request: invite, peer: peer, now: .ms(0))
        XCTAssertEqual(actions, [.send(.response(trying), to: peer), .deliverRequest(invite)])
        XCTAssertEqual(tx.state, .proceeding)
        XCTAssertEqual(tx.lastResponse, trying)
    }

    func testRetransmittedInviteGetsTheLastProvisional() {
        var tx = start()
        XCTAssertEqual(tx.receive(invite, now: .ms(500)), [.send(.response(trying), to: peer)])
        let ringing = Fixture.response(180, to: invite, toTag: "uas1")
        XCTAssertEqual(tx.sendResponse(ringing, now: .ms(600)), [.send(.response(ringing), to: peer)])
        XCTAssertEqual(tx.state, .proceeding)
        XCTAssertEqual(tx.receive(invite, now: .ms(1500)), [.send(.response(ringing), to: peer)])
        // An ACK before any final acknowledges nothing.
        XCTAssertEqual(tx.receive(Fixture.request(.ack), now: .ms(1600)), [])
    }

    // MARK: Completed

    func testNon2xxStartsTimersGAndH() {
        var tx = start()
        let busy = Fixture.response(486, to: invite, toTag: "uas1")
        XCTAssertEqual(tx.sendResponse(busy, now: .ms(1000)), [
            .send(.response(busy), to: peer), .startTimer(.G, at: .ms(1500)), .startTimer(.H, at: .ms(33000)),
        ])
        XCTAssertEqual(tx.state, .completed)
        XCTAssertEqual(tx.receive(invite, now: .ms(1200)), [.send(.response(busy), to: peer)])
        // The TU cannot change its mind.
        XCTAssertEqual(tx.sendResponse(Fixture.response(200, to: invite, toTag: "uas1"), now: .ms(1300)), [])
        XCTAssertEqual(tx.sendResponse(Fixture.response(180, to: invite, toTag: "uas1"), now: .ms(1300)), [])
    }

    /// §17.2.1: G doubles from T1 capped at T2; H ends it at 64·T1 with a timeout.
    func testTimerGCapsAtT2UntilTimerHTimesOut() {
        var (tx, final) = completed()
        var timers = MachineTimers()
        timers.apply([.startTimer(.G, at: .ms(1500)), .startTimer(.H, at: .ms(33000))])
        var resent: [SIPInstant] = []
        var last: [TransactionAction] = []
        while let (timer, at) = timers.next {
            timers.take(timer)
            let actions = tx.timerFired(timer, now: at)
            timers.apply(actions)
            if actions.first == .send(.response(final), to: peer) { resent.append(at) }
            last = actions
        }
        XCTAssertEqual(resent, [1500, 2500, 4500, 8500, 12500, 16500, 20500, 24500, 28500, 32500].map(SIPInstant.ms))
        XCTAssertEqual(last, [.cancelTimer(.G), .timedOut, .terminated])
        XCTAssertEqual(tx.state, .terminated)
    }

    func testReliableNon2xxStartsOnlyTimerH() {
        var tx = start(Fixture.aliceTCP)
        let busy = Fixture.response(486, to: invite, toTag: "uas1")
        XCTAssertEqual(tx.sendResponse(busy, now: .ms(0)), [.send(.response(busy), to: Fixture.aliceTCP), .startTimer(.H, at: .ms(32000))])
        XCTAssertEqual(tx.timerFired(.G, now: .ms(500)), [])
        XCTAssertEqual(tx.timerFired(.H, now: .ms(32000)), [.timedOut, .terminated])
    }

    // MARK: Confirmed

    func testACKConfirmsAndTimerIAbsorbsRetransmissions() {
        var (tx, _) = completed()
        let ack = Fixture.request(.ack, toTag: "uas1")
        XCTAssertEqual(tx.receive(ack, now: .ms(1200)), [.cancelTimer(.G), .cancelTimer(.H), .startTimer(.I, at: .ms(6200))])
        XCTAssertEqual(tx.state, .confirmed)
        XCTAssertEqual(tx.receive(ack, now: .ms(1300)), [])
        XCTAssertEqual(tx.receive(invite, now: .ms(1400)), [])
        XCTAssertEqual(tx.timerFired(.G, now: .ms(1500)), [])
        XCTAssertEqual(tx.timerFired(.I, now: .ms(6200)), [.terminated])
        XCTAssertEqual(tx.state, .terminated)
    }

    /// §17.2.1: I is zero on reliable transports.
    func testACKOverTCPTerminatesAtOnce() {
        var (tx, _) = completed(Fixture.aliceTCP)
        XCTAssertEqual(tx.receive(Fixture.request(.ack, toTag: "uas1"), now: .ms(1200)), [.cancelTimer(.H), .terminated])
    }

    // MARK: Accepted (RFC 6026)

    func test2xxMovesToAcceptedWhereInvitesAreAbsorbedAndACKsGoUp() {
        var tx = start()
        let ok = Fixture.response(200, to: invite, toTag: "uas1")
        XCTAssertEqual(tx.sendResponse(ok, now: .ms(2000)), [.send(.response(ok), to: peer), .startTimer(.L, at: .ms(34000))])
        XCTAssertEqual(tx.state, .accepted)
        XCTAssertNil(tx.lastResponse, "Accepted keeps nothing of the 2xx while it lingers for Timer L")
        // Retransmitted INVITEs are absorbed: not resent a 2xx (the TU does that), not passed up.
        XCTAssertEqual(tx.receive(invite, now: .ms(2100)), [])
        // The TU's 2xx retransmissions go out through the transaction.
        XCTAssertEqual(tx.sendResponse(ok, now: .ms(2500)), [.send(.response(ok), to: peer)])
        XCTAssertEqual(tx.sendResponse(Fixture.response(486, to: invite, toTag: "uas1"), now: .ms(2600)), [])
        let ack = Fixture.ackFor2xx(of: invite, toTag: "uas1")
        XCTAssertEqual(tx.receive(ack, now: .ms(2700)), [.deliverRequest(ack)])
        XCTAssertEqual(tx.receive(ack, now: .ms(2800)), [.deliverRequest(ack)])
        XCTAssertEqual(tx.timerFired(.H, now: .ms(3000)), [])
        XCTAssertEqual(tx.timerFired(.L, now: .ms(34000)), [.terminated])
        XCTAssertEqual(tx.receive(invite, now: .ms(34100)), [])
    }

    func test2xxOverTCPStillStartsTimerL() {
        var tx = start(Fixture.aliceTCP)
        let ok = Fixture.response(200, to: invite, toTag: "uas1")
        XCTAssertEqual(tx.sendResponse(ok, now: .ms(0)), [.send(.response(ok), to: Fixture.aliceTCP), .startTimer(.L, at: .ms(32000))])
    }

    // MARK: Transport errors (§17.2.4)

    func testTransportErrors() {
        var proceeding = start()
        XCTAssertEqual(proceeding.transportFailed(now: .ms(1)), [.transportError, .terminated])

        var (completedTx, _) = completed()
        XCTAssertEqual(completedTx.transportFailed(now: .ms(1)), [.cancelTimer(.G), .cancelTimer(.H), .transportError, .terminated])

        var (confirmed, _) = completed()
        _ = confirmed.receive(Fixture.request(.ack, toTag: "uas1"), now: .ms(2))
        XCTAssertEqual(confirmed.transportFailed(now: .ms(3)), [.cancelTimer(.I), .transportError, .terminated])

        // RFC 6026: the 2xx is the TU's; the transaction keeps absorbing INVITEs until L.
        var (accepted, _) = completed(with: 200)
        XCTAssertEqual(accepted.transportFailed(now: .ms(2)), [.transportError])
        XCTAssertEqual(accepted.state, .accepted)
        XCTAssertEqual(accepted.transportFailed(now: .ms(3)), [.transportError])
    }
}
