import XCTest
import HotlineModel
@testable import CTI

final class SessionTableTests: XCTestCase {
    func t(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: ms) }

    func testIdleTimeoutRestartsWithEachRequest() {
        var table = SessionTable(idleTimeout: 1_000, maximumAge: 10_000)
        let s = table.create(username: "1001", roles: [.agent], token: "tok", csrfToken: "csrf", now: t(0))
        XCTAssertEqual(s.expiresAt(idle: 1_000, maximum: 10_000), t(1_000))
        guard case .valid = table.touch("tok", now: t(999)) else { return XCTFail("still valid at 999") }
        guard case .valid(let again) = table.touch("tok", now: t(1_900)) else { return XCTFail("touched at 999: valid to 1999") }
        XCTAssertEqual(again.csrfToken, "csrf")
        XCTAssertEqual(table.touch("tok", now: t(2_900)), .expired)
        XCTAssertEqual(table.touch("tok", now: t(2_901)), .expired, "an expired token stays known as expired")
        XCTAssertEqual(table.touch("other", now: t(0)), .unknown)
    }

    func testMaximumAgeEndsEvenAnActiveSession() {
        var table = SessionTable(idleTimeout: 1_000, maximumAge: 2_500)
        _ = table.create(username: "1001", roles: [.agent], token: "tok", csrfToken: "c", now: t(0))
        for ms in stride(from: Int64(500), through: 2_000, by: 500) {
            guard case .valid = table.touch("tok", now: t(ms)) else { return XCTFail("valid at \(ms)") }
        }
        XCTAssertEqual(table.touch("tok", now: t(2_500)), .expired)
    }

    func testLogoutAndPerUserLimit() {
        var table = SessionTable(perUserLimit: 2)
        _ = table.create(username: "1001", roles: [.agent], token: "a", csrfToken: "c", now: t(0))
        _ = table.create(username: "1001", roles: [.agent], token: "b", csrfToken: "c", now: t(1))
        _ = table.create(username: "1001", roles: [.agent], token: "c", csrfToken: "c", now: t(2))
        XCTAssertEqual(table.touch("a", now: t(3)), .expired, "the oldest of three went")
        XCTAssertTrue(table.end("b", now: t(4)))
        XCTAssertFalse(table.end("b", now: t(5)))
        XCTAssertEqual(table.touch("b", now: t(5)), .expired)
        _ = table.create(username: "1002", roles: [.agent], token: "d", csrfToken: "c", now: t(6))
        table.endAll(of: "1001", now: t(7))
        XCTAssertEqual(table.touch("c", now: t(8)), .expired)
        guard case .valid = table.touch("d", now: t(8)) else { return XCTFail("1002 is untouched") }
        XCTAssertEqual(table.count, 1)
    }
}
