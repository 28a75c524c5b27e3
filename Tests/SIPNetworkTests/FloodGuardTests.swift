import XCTest
@testable import SIPNetwork

final class FloodGuardTests: XCTestCase {
    let second: Int64 = 1_000_000_000

    func testBurstThenSustainedRate() {
        var guardian = FloodGuard(policy: .init(messagesPerSecond: 10, burst: 20))
        let admitted = (0..<100).filter { _ in guardian.admit(source: "10.0.0.1", now: 0) }.count
        XCTAssertEqual(admitted, 20, "the burst is admitted at once, then nothing")
        // One second later, ten more tokens.
        let later = (0..<100).filter { _ in guardian.admit(source: "10.0.0.1", now: second) }.count
        XCTAssertEqual(later, 10)
    }

    func testOneSourceDoesNotStarveAnother() {
        var guardian = FloodGuard(policy: .init(messagesPerSecond: 10, burst: 10))
        for _ in 0..<1000 { _ = guardian.admit(source: "attacker", now: 5) }
        XCTAssertFalse(guardian.admit(source: "attacker", now: 5))
        XCTAssertTrue(guardian.admit(source: "customer", now: 5))
    }

    func testExemptAndDisabled() {
        var exempt = FloodGuard(policy: .init(messagesPerSecond: 1, burst: 1, exempt: ["lb"]))
        XCTAssertEqual((0..<50).filter { _ in exempt.admit(source: "lb", now: 0) }.count, 50)
        var off = FloodGuard(policy: .init(messagesPerSecond: 0, burst: 1))
        XCTAssertEqual((0..<50).filter { _ in off.admit(source: "x", now: 0) }.count, 50)
    }

    func testTrackedSourcesAreBounded() {
        var guardian = FloodGuard(policy: .init(messagesPerSecond: 10, burst: 10, maximumSources: 100))
        for i in 0..<1000 { _ = guardian.admit(source: "s\(i)", now: Int64(i)) }
        XCTAssertLessThanOrEqual(guardian.trackedSources, 100)
    }
}

final class HostPortTests: XCTestCase {
    func testForms() {
        XCTAssertEqual(HostPort("127.0.0.1:5060"), HostPort(host: "127.0.0.1", port: 5060))
        XCTAssertEqual(HostPort("[::1]:5070"), HostPort(host: "::1", port: 5070))
        XCTAssertEqual(HostPort("example.com", defaultPort: 5060), HostPort(host: "example.com", port: 5060))
        XCTAssertNil(HostPort("127.0.0.1"))
        XCTAssertNil(HostPort("127.0.0.1:99999"))
        XCTAssertNil(HostPort(":5060"))
        XCTAssertNil(HostPort("[::1"))
        XCTAssertEqual(HostPort(host: "::1", port: 5060).description, "[::1]:5060")
    }
}
