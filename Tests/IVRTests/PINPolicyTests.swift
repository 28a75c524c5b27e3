import HotlineModel
import XCTest
@testable import IVR

final class PINPolicyTests: XCTestCase {
    private let policy = PINPolicy(maximumFailures: 3, lockoutMilliseconds: 60_000)
    private func at(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: 1_000_000 + ms) }

    func testThreeWrongPINsLockForTheConfiguredTime() {
        var attempts = PINAttempts()
        var decision: PINPolicy.Decision
        (decision, attempts) = policy.attempt(matched: false, attempts, now: at(0))
        XCTAssertEqual(decision, .wrongPIN(triesLeft: 2))
        (decision, attempts) = policy.attempt(matched: false, attempts, now: at(10))
        XCTAssertEqual(decision, .wrongPIN(triesLeft: 1))
        (decision, attempts) = policy.attempt(matched: false, attempts, now: at(20))
        XCTAssertEqual(decision, .locked(until: at(60_020)))
        XCTAssertEqual(attempts, PINAttempts(failures: 3, lastFailure: at(20), lockedUntil: at(60_020)))
        // While locked even the right PIN is refused, and nothing changes.
        let (whileLocked, unchanged) = policy.attempt(matched: true, attempts, now: at(60_019))
        XCTAssertEqual(whileLocked, .locked(until: at(60_020)))
        XCTAssertEqual(unchanged, attempts)
        XCTAssertEqual(policy.lockedUntil(attempts, now: at(60_019)), at(60_020))
        // When the lock has run out the count starts afresh.
        XCTAssertNil(policy.lockedUntil(attempts, now: at(60_020)))
        (decision, attempts) = policy.attempt(matched: false, attempts, now: at(60_020))
        XCTAssertEqual(decision, .wrongPIN(triesLeft: 2))
        XCTAssertEqual(attempts.failures, 1)
        XCTAssertNil(attempts.lockedUntil)
    }

    func testARightPINClearsTheCount() {
        var attempts = PINAttempts()
        var decision: PINPolicy.Decision
        (_, attempts) = policy.attempt(matched: false, attempts, now: at(0))
        (_, attempts) = policy.attempt(matched: false, attempts, now: at(1))
        (decision, attempts) = policy.attempt(matched: true, attempts, now: at(2))
        XCTAssertEqual(decision, .verified)
        XCTAssertEqual(attempts, PINAttempts())
        (decision, _) = policy.attempt(matched: false, attempts, now: at(3))
        XCTAssertEqual(decision, .wrongPIN(triesLeft: 2))
    }

    func testOneTryPolicyLocksAtOnce() {
        let strict = PINPolicy(maximumFailures: 1, lockoutMilliseconds: 5)
        let (decision, attempts) = strict.attempt(matched: false, PINAttempts(), now: at(0))
        XCTAssertEqual(decision, .locked(until: at(5)))
        XCTAssertEqual(attempts.failures, 1)
    }
}
