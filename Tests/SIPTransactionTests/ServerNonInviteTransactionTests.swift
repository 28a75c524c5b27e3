import SIPMessage
import SIPTransaction
import XCTest

/// RFC 3261 §17.2.2, state by state, with exact actions.
final class ServerNonInviteTransactionTests: XCTestCase {
    let register = Fixture.request(.register, uri: "sip:biloxi.example.com")
    let peer = Fixture.alice

    private func start(_ peer: SIPPeer? = nil) -> ServerNonInviteTransaction {
        ServerNonInviteTransaction.start(request: register, peer: peer ?? self.peer, now: .ms(0)).0
    }

    func testStartPassesTheRequestUpAndSendsNothing() {
        let (tx, actions) = ServerNonInviteTransaction.start(request: register, peer: peer, now: .ms(0))
        XCTAssertEqual(actions, [.deliverRequest(register)])
        XCTAssertEqual(tx.state, .trying)
        XCTAssertNil(tx.lastResponse)
    }

    func testRetransmissionInTryingIsAbsorbed() {
        var tx = start()
        XCTAssertEqual(tx.receive(register, now: .ms(500)), [])
        XCTAssertEqual(tx.state, .trying)
    }

    func testProvisionalMovesToProceedingAndIsResentOnRetransmission() {
        var tx = start()
        let trying = Fixture.response(100, to: register)
        XCTAssertEqual(tx.sendResponse(trying, now: .ms(100)), [.send(.response(trying), to: peer)])
        XCTAssertEqual(tx.state, .proceeding)
        XCTAssertEqual(tx.receive(register, now: .ms(500)), [.send(.response(trying), to: peer)])
        let queued = Fixture.response(182, to: register)
        XCTAssertEqual(tx.sendResponse(queued, now: .ms(600)), [.send(.response(queued), to: peer)])
        XCTAssertEqual(tx.receive(register, now: .ms(1500)), [.send(.response(queued), to: peer)])
    }

    func testFinalStartsTimerJAndIsResentOnRetransmission() {
        var tx = start()
        let ok = Fixture.response(200, to: register, toTag: "r1")
        XCTAssertEqual(tx.sendResponse(ok, now: .ms(100)), [.send(.response(ok), to: peer), .startTimer(.J, at: .ms(32100))])
        XCTAssertEqual(tx.state, .completed)
        XCTAssertEqual(tx.receive(register, now: .ms(500)), [.send(.response(ok), to: peer)])
        XCTAssertEqual(tx.receive(register, now: .ms(1500)), [.send(.response(ok), to: peer)])
        XCTAssertEqual(tx.sendResponse(Fixture.response(500, to: register, toTag: "r1"), now: .ms(1600)), [])
        XCTAssertEqual(tx.sendResponse(Fixture.response(100, to: register), now: .ms(1600)), [])
        XCTAssertEqual(tx.timerFired(.J, now: .ms(32100)), [.terminated])
        XCTAssertEqual(tx.state, .terminated)
        XCTAssertEqual(tx.receive(register, now: .ms(32200)), [])
    }

    func testFinalAfterProvisional() {
        var tx = start()
        _ = tx.sendResponse(Fixture.response(100, to: register), now: .ms(10))
        let unauthorized = Fixture.response(401, to: register, toTag: "r1")
        XCTAssertEqual(tx.sendResponse(unauthorized, now: .ms(20)),
                       [.send(.response(unauthorized), to: peer), .startTimer(.J, at: .ms(32020))])
    }

    /// §17.2.2: J is zero on reliable transports.
    func testFinalOverTCPTerminatesAtOnce() {
        var tx = start(Fixture.aliceTCP)
        let ok = Fixture.response(200, to: register, toTag: "r1")
        XCTAssertEqual(tx.sendResponse(ok, now: .ms(100)), [.send(.response(ok), to: Fixture.aliceTCP), .terminated])
        XCTAssertEqual(tx.state, .terminated)
    }

    func testTimersOtherThanJAreIgnored() {
        var tx = start()
        for timer in TransactionTimer.allCases { XCTAssertEqual(tx.timerFired(timer, now: .ms(1)), []) }
        XCTAssertEqual(tx.state, .trying)
    }

    func testTransportErrors() {
        var trying = start()
        XCTAssertEqual(trying.transportFailed(now: .ms(1)), [.transportError, .terminated])

        var proceeding = start()
        _ = proceeding.sendResponse(Fixture.response(100, to: register), now: .ms(1))
        XCTAssertEqual(proceeding.transportFailed(now: .ms(2)), [.transportError, .terminated])

        var completed = start()
        _ = completed.sendResponse(Fixture.response(200, to: register, toTag: "r"), now: .ms(1))
        XCTAssertEqual(completed.transportFailed(now: .ms(2)), [.cancelTimer(.J), .transportError, .terminated])
        XCTAssertEqual(completed.transportFailed(now: .ms(3)), [])
    }
}
