import SIPMessage
import SIPTransaction
import XCTest

/// RFC 3261 §17.1.1 and RFC 6026 §7.2, state by state, with exact actions.
final class ClientInviteTransactionTests: XCTestCase {
    let invite = Fixture.invite()
    let peer = Fixture.bob

    private func start(_ peer: SIPPeer? = nil, at now: SIPInstant = .ms(0)) -> ClientInviteTransaction {
        ClientInviteTransaction.start(request: invite, peer: peer ?? self.peer, now: now).0
    }

    // MARK: Calling

    func testStartOverUDPSendsInviteAndStartsTimersAAndB() {
        let (tx, actions) = ClientInviteTransaction.start(request: invite, peer: peer, now: .ms(1000))
        XCTAssertEqual(actions, [
            .send(.request(invite), to: peer),
            .startTimer(.A, at: .ms(1500)),
            .startTimer(.B, at: .ms(33000)),
        ])
        XCTAssertEqual(tx.state, .calling)
    }

    func testStartOverTCPStartsOnlyTimerB() {
        let (_, actions) = ClientInviteTransaction.start(request: invite, peer: Fixture.bobTCP, now: .ms(0))
        XCTAssertEqual(actions, [.send(.request(invite), to: Fixture.bobTCP), .startTimer(.B, at: .ms(32000))])
    }

    /// §17.1.1.2: A doubles (0.5, 1, 2, 4, 8, 16 s ...) with no T2 cap, and B ends it at 64·T1.
    func testTimerARetransmitsWithDoublingUntilTimerBTimesOut() {
        var (tx, actions) = ClientInviteTransaction.start(request: invite, peer: peer, now: .ms(0))
        var timers = MachineTimers()
        timers.apply(actions)
        var retransmissions: [SIPInstant] = []
        var rescheduled: [SIPInstant] = []
        var last: [TransactionAction] = []
        while let (timer, at) = timers.next {
            timers.take(timer)
            actions = tx.timerFired(timer, now: at)
            timers.apply(actions)
            if timer == .A {
                XCTAssertEqual(actions.first, .send(.request(invite), to: peer))
                retransmissions.append(at)
                if case .startTimer(.A, let next) = actions.last { rescheduled.append(next) }
            } else {
                last = actions
                XCTAssertEqual(at, .ms(32000))
            }
        }
        XCTAssertEqual(retransmissions, [500, 1500, 3500, 7500, 15500, 31500].map(SIPInstant.ms))
        XCTAssertEqual(rescheduled, [1500, 3500, 7500, 15500, 31500, 63500].map(SIPInstant.ms))
        XCTAssertEqual(last, [.cancelTimer(.A), .timedOut, .terminated])
        XCTAssertEqual(tx.state, .terminated)
    }

    func testReliableTransportNeverRetransmitsAndTimesOutAtB() {
        var tx = start(Fixture.bobTCP)
        XCTAssertEqual(tx.timerFired(.A, now: .ms(500)), [])
        XCTAssertEqual(tx.timerFired(.B, now: .ms(32000)), [.timedOut, .terminated])
    }

    // MARK: Proceeding

    func testProvisionalStopsRetransmissionsAndTimerB() {
        var tx = start()
        let ringing = Fixture.response(180, to: invite, toTag: "b1")
        XCTAssertEqual(tx.receive(ringing, now: .ms(200)), [
            .cancelTimer(.A), .cancelTimer(.B), .deliverResponse(ringing),
        ])
        XCTAssertEqual(tx.state, .proceeding)
        let progress = Fixture.response(183, to: invite, toTag: "b1")
        XCTAssertEqual(tx.receive(progress, now: .ms(300)), [.deliverResponse(progress)])
        XCTAssertEqual(tx.timerFired(.A, now: .ms(500)), [])
        XCTAssertEqual(tx.timerFired(.B, now: .ms(32000)), [])
        XCTAssertEqual(tx.state, .proceeding)
    }

    func testProvisionalOverTCPCancelsOnlyTimerB() {
        var tx = start(Fixture.bobTCP)
        let trying = Fixture.response(100, to: invite)
        XCTAssertEqual(tx.receive(trying, now: .ms(10)), [.cancelTimer(.B), .deliverResponse(trying)])
    }

    // MARK: Completed

    func testNon2xxInCallingSendsACKAndStartsTimerD() {
        var tx = start()
        let busy = Fixture.response(486, to: invite, toTag: "b1")
        let ack = ClientInviteTransaction.ack(for: invite, response: busy)
        XCTAssertEqual(tx.receive(busy, now: .ms(700)), [
            .cancelTimer(.A), .cancelTimer(.B),
            .send(.request(ack), to: peer),
            .deliverResponse(busy),
            .startTimer(.D, at: .ms(32700)),
        ])
        XCTAssertEqual(tx.state, .completed)
    }

    func testNon2xxInProceedingSendsACKAndStartsTimerD() {
        var tx = start()
        _ = tx.receive(Fixture.response(180, to: invite, toTag: "b1"), now: .ms(100))
        let declined = Fixture.response(603, to: invite, toTag: "b1")
        let ack = ClientInviteTransaction.ack(for: invite, response: declined)
        XCTAssertEqual(tx.receive(declined, now: .ms(5000)), [
            .send(.request(ack), to: peer), .deliverResponse(declined), .startTimer(.D, at: .ms(37000)),
        ])
    }

    func testRetransmittedFinalInCompletedResendsACKOnly() {
        var tx = start()
        let busy = Fixture.response(486, to: invite, toTag: "b1")
        _ = tx.receive(busy, now: .ms(700))
        let ack = ClientInviteTransaction.ack(for: invite, response: busy)
        XCTAssertEqual(tx.receive(busy, now: .ms(1200)), [.send(.request(ack), to: peer)])
        XCTAssertEqual(tx.receive(busy, now: .ms(2200)), [.send(.request(ack), to: peer)])
        XCTAssertEqual(tx.receive(Fixture.response(180, to: invite, toTag: "b1"), now: .ms(2300)), [])
        XCTAssertEqual(tx.receive(Fixture.response(200, to: invite, toTag: "b1"), now: .ms(2400)), [])
        XCTAssertEqual(tx.timerFired(.D, now: .ms(32700)), [.terminated])
        XCTAssertEqual(tx.state, .terminated)
    }

    /// §17.1.1.2: Timer D is zero on reliable transports; the machine terminates at once.
    func testNon2xxOverTCPTerminatesAtOnce() {
        var tx = start(Fixture.bobTCP)
        let busy = Fixture.response(486, to: invite, toTag: "b1")
        let ack = ClientInviteTransaction.ack(for: invite, response: busy)
        XCTAssertEqual(tx.receive(busy, now: .ms(700)), [
            .cancelTimer(.B), .send(.request(ack), to: Fixture.bobTCP), .deliverResponse(busy), .terminated,
        ])
    }

    /// §17.1.1.3: Request-URI, Call-ID, From and CSeq number of the INVITE; To of the response;
    /// only the INVITE's top Via; its Route set; nothing else of the INVITE (no body, no Contact).
    func testACKForNon2xxFollowsSection17_1_1_3() {
        let invite = Fixture.invite(routes: ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"],
                                    extra: [(.contact, "<sip:alice@192.0.2.10>"), (.contentType, "application/sdp")])
        var withBody = invite
        withBody.body = Array("v=0\r\n".utf8)
        let response = Fixture.response(407, to: withBody, toTag: "px1")
        let ack = ClientInviteTransaction.ack(for: withBody, response: response)
        XCTAssertEqual(ack.method, .ack)
        XCTAssertEqual(ack.uri, invite.uri)
        XCTAssertEqual(ack.headers.fields, [
            SIPHeaderField(name: .via, value: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds"),
            SIPHeaderField(name: .maxForwards, value: "70"),
            SIPHeaderField(name: .route, value: "<sip:p1.example.com;lr>"),
            SIPHeaderField(name: .route, value: "<sip:p2.example.com;lr>"),
            SIPHeaderField(name: .from, value: "Alice <sip:alice@atlanta.example.com>;tag=1928301774"),
            SIPHeaderField(name: .to, value: "Bob <sip:bob@biloxi.example.com>;tag=px1"),
            SIPHeaderField(name: .callID, value: "a84b4c76e66710@pc33.atlanta.example.com"),
            SIPHeaderField(name: .cseq, value: "314159 ACK"),
        ])
        XCTAssertEqual(ack.body, [])
        XCTAssertNoThrow(try ack.validate())
    }

    func testACKKeepsTheCSeqNumberAsWritten() {
        var invite = Fixture.invite()
        invite.headers.set(.cseq, "0009 INVITE")
        let ack = ClientInviteTransaction.ack(for: invite, response: Fixture.response(500, to: invite, toTag: "t"))
        XCTAssertEqual(ack.headers[.cseq], "0009 ACK")
        XCTAssertEqual(try ack.cseq(), CSeq(9, .ack))
    }

    // MARK: Accepted (RFC 6026)

    func test2xxMovesToAcceptedAndPassesRetransmissionsUp() {
        var tx = start()
        let ok = Fixture.response(200, to: invite, toTag: "b1")
        XCTAssertEqual(tx.receive(ok, now: .ms(900)), [
            .cancelTimer(.A), .cancelTimer(.B), .deliverResponse(ok), .startTimer(.M, at: .ms(32900)),
        ])
        XCTAssertEqual(tx.state, .accepted)
        // The transaction never ACKs a 2xx; the TU does, for each one it is given.
        XCTAssertEqual(tx.receive(ok, now: .ms(1400)), [.deliverResponse(ok)])
        let forked = Fixture.response(200, to: invite, toTag: "b2")
        XCTAssertEqual(tx.receive(forked, now: .ms(1500)), [.deliverResponse(forked)])
        XCTAssertEqual(tx.receive(Fixture.response(180, to: invite, toTag: "b3"), now: .ms(1600)), [])
        XCTAssertEqual(tx.receive(Fixture.response(486, to: invite, toTag: "b3"), now: .ms(1700)), [])
        XCTAssertEqual(tx.timerFired(.A, now: .ms(1500)), [])
        XCTAssertEqual(tx.timerFired(.M, now: .ms(32900)), [.terminated])
        XCTAssertEqual(tx.receive(ok, now: .ms(33000)), [])
    }

    func test2xxOverTCPStillStartsTimerM() {
        var tx = start(Fixture.bobTCP)
        _ = tx.receive(Fixture.response(180, to: invite, toTag: "b1"), now: .ms(100))
        let ok = Fixture.response(200, to: invite, toTag: "b1")
        XCTAssertEqual(tx.receive(ok, now: .ms(4000)), [.deliverResponse(ok), .startTimer(.M, at: .ms(36000))])
    }

    // MARK: Transport errors (§17.1.4)

    func testTransportErrorInCallingInformsTUAndTerminates() {
        var tx = start()
        XCTAssertEqual(tx.transportFailed(now: .ms(1)), [.cancelTimer(.A), .cancelTimer(.B), .transportError, .terminated])
        XCTAssertEqual(tx.state, .terminated)
        XCTAssertEqual(tx.transportFailed(now: .ms(2)), [])
        XCTAssertEqual(tx.timerFired(.B, now: .ms(32000)), [])
    }

    func testTransportErrorInProceedingAndCompleted() {
        var proceeding = start()
        _ = proceeding.receive(Fixture.response(180, to: invite, toTag: "b1"), now: .ms(1))
        XCTAssertEqual(proceeding.transportFailed(now: .ms(2)), [.transportError, .terminated])

        var completed = start()
        _ = completed.receive(Fixture.response(486, to: invite, toTag: "b1"), now: .ms(1))
        XCTAssertEqual(completed.transportFailed(now: .ms(2)), [.cancelTimer(.D), .transportError, .terminated])
    }

    func testTransportErrorInAcceptedIsIgnored() {
        var tx = start()
        _ = tx.receive(Fixture.response(200, to: invite, toTag: "b1"), now: .ms(1))
        XCTAssertEqual(tx.transportFailed(now: .ms(2)), [])
        XCTAssertEqual(tx.state, .accepted)
    }
}
