import SIPTransaction
import XCTest

final class SIPInstantTests: XCTestCase {
    func testAddingAndSubtractingDurations() {
        let t = SIPInstant(nanoseconds: 1_000)
        XCTAssertEqual(t + .milliseconds(500), SIPInstant(nanoseconds: 500_001_000))
        XCTAssertEqual(t + .nanoseconds(-1_000), SIPInstant(nanoseconds: 0))
        XCTAssertEqual(SIPInstant(nanoseconds: 3_000_000_000) - SIPInstant(nanoseconds: 500_000_000), .milliseconds(2500))
        XCTAssertLessThan(t, t + .nanoseconds(1))
    }

    func testDeadlinesSaturateInsteadOfTrapping() {
        let late = SIPInstant(nanoseconds: .max - 10)
        XCTAssertEqual(late + .seconds(1), SIPInstant(nanoseconds: .max))
        XCTAssertEqual(SIPInstant(nanoseconds: 0) + .seconds(Int64.max), SIPInstant(nanoseconds: .max))
        XCTAssertEqual(SIPInstant(nanoseconds: .min + 1) + .seconds(-1), SIPInstant(nanoseconds: .min))
    }

    func testTimerSettingsDefaultsAreRFC3261Table4() {
        let settings = TransactionTimerSettings()
        XCTAssertEqual(settings.t1, .milliseconds(500))
        XCTAssertEqual(settings.t2, .seconds(4))
        XCTAssertEqual(settings.t4, .seconds(5))
        XCTAssertEqual(settings.timerD, .seconds(32))
        XCTAssertEqual(settings.transactionTimeout, .seconds(32))
    }

    func testReliability() {
        XCTAssertEqual(SIPTransportKind.allCases.filter(\.isReliable), [.tcp, .tls, .ws, .wss])
    }
}
