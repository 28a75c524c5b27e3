import SIPMessage
import SIPTransaction
import XCTest

/// RFC 3261 §17.1.2, state by state, with exact actions.
final class ClientNonInviteTransactionTests: XCTestCase {
    let options = Fixture.request(.options)
    let peer = Fixture.bob

    private func start(_ peer: SIPPeer? = nil) -> ClientNonInviteTransaction {
        ClientNonInviteTransaction.start(request: options, peer: peer ?? self.peer, now: .ms(0)).0
    }

    /// Fires timers in deadline order until none is left; returns the instants of the
    /// retransmissions and the actions of the last firing.
    private func run(_ tx: inout ClientNonInviteTransaction, timers: inout MachineTimers,
                     onTimer: (TransactionTimer, SIPInstant, inout ClientNonInviteTransaction) -> Void = { _, _, _ in })
        -> (retransmissions: [SIPInstant], last: [TransactionAction]) {
        var retransmissions: [SIPInstant] = []
        var last: [TransactionAction] = []
        while let (timer, at) = timers.next {
            timers.take(timer)
            onTimer(timer, at, &tx)
            let actions = tx.timerFired(timer, now: at)
            timers.apply(actions)
            if actions.contains(.send(.request(options), to: peer)) { retransmissions.append(at) }
            last = actions
        }
        return (retransmissions, last)
    }

    func testStartOverUDPSendsAndStartsTimersEAndF() {
        let (tx, actions) = ClientNonInviteTransaction.start(request: options, peer: peer, now: .ms(100))
        XCTAssertEqual(actions, [
            .send(.request(options), to: peer), .startTimer(.E, at: .ms(600)), .startTimer(.F, at: .ms(32100)),
        ])
        XCTAssertEqual(tx.state, .trying)
    }

    func testStartOverTLSStartsOnlyTimerF() {
        let tls = SIPPeer(transport: .tls, host: "192.0.2.20", port: 5061, connectionID: 3)
        let (_, actions) = ClientNonInviteTransaction.start(request: options, peer: tls, now: .ms(0))
        XCTAssertEqual(actions, [.send(.request(options), to: tls), .startTimer(.F, at: .ms(32000))])
    }

    /// §17.1.2.2: E doubles from T1 and is capped at T2 (0.5, 1, 2, 4, 4, 4 ... s); F at 64·T1.
    func testTimerECapsAtT2UntilTimerFTimesOut() {
        var (tx, actions) = ClientNonInviteTransaction.start(request: options, peer: peer, now: .ms(0))
        var timers = MachineTimers()
        timers.apply(actions)
        let (retransmissions, last) = run(&tx, timers: &timers)
        XCTAssertEqual(retransmissions,
                       [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500].map(SIPInstant.ms))
        XCTAssertEqual(last, [.cancelTimer(.E), .timedOut, .terminated])
        XCTAssertEqual(tx.state, .terminated)
        actions = tx.timerFired(.E, now: .ms(35500))
        XCTAssertEqual(actions, [])
    }

    /// §17.1.2.2: once in Proceeding, E fires every T2.
    func testTimerEIsT2InProceeding() {
        var tx = start()
        XCTAssertEqual(tx.timerFired(.E, now: .ms(500)), [.send(.request(options), to: peer), .startTimer(.E, at: .ms(1500))])
        let trying = Fixture.response(100, to: options)
        XCTAssertEqual(tx.receive(trying, now: .ms(700)), [.deliverResponse(trying)])
        XCTAssertEqual(tx.state, .proceeding)
        XCTAssertEqual(tx.timerFired(.E, now: .ms(1500)), [.send(.request(options), to: peer), .startTimer(.E, at: .ms(5500))])
        XCTAssertEqual(tx.timerFired(.E, now: .ms(5500)), [.send(.request(options), to: peer), .startTimer(.E, at: .ms(9500))])
        XCTAssertEqual(tx.receive(trying, now: .ms(6000)), [.deliverResponse(trying)])
        XCTAssertEqual(tx.timerFired(.F, now: .ms(32000)), [.cancelTimer(.E), .timedOut, .terminated])
    }

    func testFinalInTryingCompletesAndStartsTimerK() {
        var tx = start()
        let ok = Fixture.response(200, to: options, toTag: "b1")
        XCTAssertEqual(tx.receive(ok, now: .ms(300)), [
            .cancelTimer(.E), .cancelTimer(.F), .deliverResponse(ok), .startTimer(.K, at: .ms(5300)),
        ])
        XCTAssertEqual(tx.state, .completed)
        // Retransmissions of the final, and anything else, are absorbed.
        XCTAssertEqual(tx.receive(ok, now: .ms(800)), [])
        XCTAssertEqual(tx.receive(Fixture.response(100, to: options), now: .ms(900)), [])
        XCTAssertEqual(tx.timerFired(.E, now: .ms(500)), [])
        XCTAssertEqual(tx.timerFired(.F, now: .ms(32000)), [])
        XCTAssertEqual(tx.timerFired(.K, now: .ms(5300)), [.terminated])
        XCTAssertEqual(tx.state, .terminated)
    }

    func testFinalInProceedingCompletes() {
        var tx = start()
        _ = tx.receive(Fixture.response(100, to: options), now: .ms(10))
        let notFound = Fixture.response(404, to: options, toTag: "b1")
        XCTAssertEqual(tx.receive(notFound, now: .ms(20)), [
            .cancelTimer(.E), .cancelTimer(.F), .deliverResponse(notFound), .startTimer(.K, at: .ms(5020)),
        ])
    }

    /// §17.1.2.2: K is zero on reliable transports.
    func testFinalOverTCPTerminatesAtOnce() {
        var tx = start(Fixture.bobTCP)
        let ok = Fixture.response(200, to: options, toTag: "b1")
        XCTAssertEqual(tx.receive(ok, now: .ms(300)), [.cancelTimer(.F), .deliverResponse(ok), .terminated])
        XCTAssertEqual(tx.state, .terminated)
    }

    func testReliableTransportIgnoresTimerEAndTimesOutAtF() {
        var tx = start(Fixture.bobTCP)
        XCTAssertEqual(tx.timerFired(.E, now: .ms(500)), [])
        XCTAssertEqual(tx.timerFired(.F, now: .ms(32000)), [.timedOut, .terminated])
    }

    func testTransportErrors() {
        var trying = start()
        XCTAssertEqual(trying.transportFailed(now: .ms(1)), [.cancelTimer(.E), .cancelTimer(.F), .transportError, .terminated])
        XCTAssertEqual(trying.transportFailed(now: .ms(2)), [])

        var tcp = start(Fixture.bobTCP)
        _ = tcp.receive(Fixture.response(100, to: options), now: .ms(1))
        XCTAssertEqual(tcp.transportFailed(now: .ms(2)), [.cancelTimer(.F), .transportError, .terminated])

        var completed = start()
        _ = completed.receive(Fixture.response(200, to: options, toTag: "b"), now: .ms(1))
        XCTAssertEqual(completed.transportFailed(now: .ms(2)), [.cancelTimer(.K), .transportError, .terminated])
    }
}
