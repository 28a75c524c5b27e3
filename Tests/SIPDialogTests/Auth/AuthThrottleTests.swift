import XCTest

#if canImport(SIPAuth)
@testable import SIPAuth
#else
@testable import SIPDialog
#endif

final class AuthThrottleTests: XCTestCase {
    private let second: Int64 = 1_000_000_000
    private let start: Int64 = 1_700_000_000 * 1_000_000_000

    /// Guesses once as early as allowed at or after `time`; returns when the guess happened.
    private func guess(
        _ throttle: inout AuthThrottle, source: String = "udp:198.51.100.9:5060", user: String? = "1001",
        at time: Int64
    ) -> Int64 {
        var time = time
        while case .throttled(let seconds) = throttle.check(source: source, user: user, now: time) {
            time += Int64(seconds) * second
        }
        throttle.recordFailure(source: source, user: user, now: time)
        return time
    }

    private func seconds(_ times: [Int64]) -> [Int64] {
        times.map { ($0 - start) / second }
    }

    func testFiveFreeFailuresThenOneSecond() {
        var throttle = AuthThrottle()
        for _ in 0..<5 {
            XCTAssertEqual(throttle.check(source: "s", user: "u", now: start), .allowed)
            throttle.recordFailure(source: "s", user: "u", now: start)
        }
        XCTAssertEqual(throttle.check(source: "s", user: "u", now: start), .throttled(retryAfterSeconds: 1))
        XCTAssertEqual(
            throttle.check(source: "s", user: "u", now: start + second - 1), .throttled(retryAfterSeconds: 1))
        XCTAssertEqual(throttle.check(source: "s", user: "u", now: start + second), .allowed)
        throttle.recordFailure(source: "s", user: "u", now: start + second)
        XCTAssertEqual(throttle.check(source: "s", user: "u", now: start + second), .throttled(retryAfterSeconds: 2))
        XCTAssertEqual(
            throttle.check(source: "s", user: "u", now: start + second + 1), .throttled(retryAfterSeconds: 2))
        XCTAssertEqual(
            throttle.check(source: "s", user: "u", now: start + 2 * second + 1), .throttled(retryAfterSeconds: 1))
    }

    /// The documented rate: a greedy attacker gets 24 guesses in its first hour.
    func testGreedyAttackerGets24GuessesInTheFirstHour() {
        var throttle = AuthThrottle()
        var times: [Int64] = []
        var time = start
        while true {
            time = guess(&throttle, at: time)
            guard time < start + 3600 * second else { break }
            times.append(time)
        }
        XCTAssertEqual(
            seconds(times),
            [
                0, 0, 0, 0, 0, 1, 3, 7, 15, 31, 63, 127, 255, 511, 811, 1111, 1411, 1711, 2011, 2311, 2611, 2911, 3211,
                3511,
            ])
        // The loop's last guess, at 3811 s, fell outside the hour; the back-off stays capped.
        XCTAssertEqual(time, start + 3811 * second)
        XCTAssertEqual(throttle.check(source: "x", user: "1001", now: time), .throttled(retryAfterSeconds: 300))
    }

    /// The documented bound: 12 guesses, then 900 s of silence buys 5 free guesses again.
    func testForgivenessNeeds900QuietSeconds() {
        var throttle = AuthThrottle()
        var times: [Int64] = []
        for _ in 0..<12 { times.append(guess(&throttle, at: times.last ?? start)) }
        XCTAssertEqual(seconds(times), [0, 0, 0, 0, 0, 1, 3, 7, 15, 31, 63, 127])

        var impatient = throttle
        impatient.recordFailure(source: "udp:198.51.100.9:5060", user: "1001", now: start + 1027 * second - 1)
        XCTAssertEqual(
            impatient.check(source: "other", user: "1001", now: start + 1027 * second - 1),
            .throttled(retryAfterSeconds: 256))

        var more: [Int64] = []
        for _ in 0..<6 { more.append(guess(&throttle, at: more.last ?? start + 1027 * second)) }
        XCTAssertEqual(seconds(more), [1027, 1027, 1027, 1027, 1027, 1028])
    }

    /// The best plan found by exhaustive search over streak lengths gets 51 guesses in an
    /// hour, as documented; replay it against the real throttle.
    func testBestStrategyGets51GuessesInAnHour() {
        var throttle = AuthThrottle()
        var count = 0
        var streakStart = start
        for streak in [12, 13, 13, 13] {
            var time = streakStart
            for _ in 0..<streak {
                time = guess(&throttle, at: time)
                XCTAssertLessThan(time, start + 3600 * second)
                count += 1
            }
            streakStart = time + 900 * second
        }
        XCTAssertEqual(count, 51)
    }

    func testOneSourceCannotSpreadGuessesOverUsers() {
        var throttle = AuthThrottle()
        for index in 0..<5 { throttle.recordFailure(source: "s", user: "u\(index)", now: start) }
        XCTAssertEqual(throttle.check(source: "s", user: "fresh", now: start), .throttled(retryAfterSeconds: 1))
        XCTAssertEqual(throttle.check(source: "other", user: "fresh", now: start), .allowed)
    }

    func testManySourcesCannotSpreadGuessesOverOneUser() {
        var throttle = AuthThrottle()
        for index in 0..<5 { throttle.recordFailure(source: "s\(index)", user: "1001", now: start) }
        XCTAssertEqual(throttle.check(source: "fresh", user: "1001", now: start), .throttled(retryAfterSeconds: 1))
        XCTAssertEqual(throttle.check(source: "fresh", user: "1002", now: start), .allowed)
        XCTAssertEqual(throttle.check(source: "fresh", user: nil, now: start), .allowed)
    }

    func testTheLongerBlockWins() {
        var throttle = AuthThrottle()
        for _ in 0..<7 { throttle.recordFailure(source: "s", user: "a", now: start) }
        for _ in 0..<5 { throttle.recordFailure(source: "t", user: "b", now: start) }
        XCTAssertEqual(throttle.check(source: "t", user: "a", now: start), .throttled(retryAfterSeconds: 4))
        XCTAssertEqual(throttle.check(source: "s", user: "b", now: start), .throttled(retryAfterSeconds: 4))
        XCTAssertEqual(throttle.check(source: "t", user: "b", now: start), .throttled(retryAfterSeconds: 1))
    }

    func testSuccessResetsTheUserButNotTheSource() {
        var throttle = AuthThrottle()
        for _ in 0..<4 { throttle.recordFailure(source: "s", user: "1001", now: start) }
        throttle.recordSuccess(source: "s", user: "1001", now: start)
        XCTAssertEqual(throttle.users.count, 0)
        throttle.recordFailure(source: "s2", user: "1001", now: start)
        XCTAssertEqual(throttle.check(source: "s2", user: "1001", now: start), .allowed)
        throttle.recordFailure(source: "s", user: "1002", now: start)
        XCTAssertEqual(throttle.check(source: "s", user: "1003", now: start), .throttled(retryAfterSeconds: 1))
        throttle.recordSuccess(source: "s", user: nil, now: start)
        XCTAssertEqual(throttle.check(source: "s", user: "1003", now: start), .throttled(retryAfterSeconds: 1))
    }

    func testFailuresWithoutUserCountOnlyForTheSource() {
        var throttle = AuthThrottle()
        for _ in 0..<5 { throttle.recordFailure(source: "s", user: nil, now: start) }
        XCTAssertEqual(throttle.users.count, 0)
        XCTAssertEqual(throttle.check(source: "s", user: nil, now: start), .throttled(retryAfterSeconds: 1))
    }

    func testSeparatePolicyForSourcesBehindNAT() {
        var throttle = AuthThrottle(sourcePolicy: .init(freeFailures: 50))
        for index in 0..<10 { throttle.recordFailure(source: "office", user: "u\(index)", now: start) }
        XCTAssertEqual(throttle.check(source: "office", user: "u10", now: start), .allowed)
    }

    func testTrackedKeysAreCappedLeastRecentlyFailedFirst() {
        let policy = AuthThrottle.Policy(freeFailures: 1, maximumTrackedKeys: 3)
        var throttle = AuthThrottle(sourcePolicy: policy, userPolicy: policy)
        for (offset, key) in ["a", "b", "c"].enumerated() {
            throttle.recordFailure(source: key, user: nil, now: start + Int64(offset))
        }
        throttle.recordFailure(source: "a", user: nil, now: start + 3)
        throttle.recordFailure(source: "d", user: nil, now: start + 4)
        XCTAssertEqual(throttle.sources.count, 3)
        XCTAssertEqual(throttle.check(source: "b", user: nil, now: start + 5), .allowed)
        XCTAssertEqual(throttle.check(source: "a", user: nil, now: start + 5), .throttled(retryAfterSeconds: 2))
        XCTAssertEqual(throttle.check(source: "c", user: nil, now: start + 5), .throttled(retryAfterSeconds: 1))
        XCTAssertEqual(throttle.check(source: "d", user: nil, now: start + 5), .throttled(retryAfterSeconds: 1))
    }

    func testEvictionQueueStaysBounded() {
        let policy = AuthThrottle.Policy(maximumTrackedKeys: 10)
        var throttle = AuthThrottle(sourcePolicy: policy, userPolicy: policy)
        for index in 0..<10_000 {
            throttle.recordFailure(source: "s\(index % 3)", user: "u\(index % 50)", now: start + Int64(index))
        }
        XCTAssertEqual(throttle.sources.count, 3)
        XCTAssertEqual(throttle.users.count, 10)
        XCTAssertLessThanOrEqual(throttle.sources.queuedCount, 2 * 3 + 64 + 1)
        XCTAssertLessThanOrEqual(throttle.users.queuedCount, 1024 + 2 * 10 + 64)
    }

    func testPolicyIsClampedToSaneValues() {
        let policy = AuthThrottle.Policy(
            freeFailures: 0, initialBackoffSeconds: 0, maximumBackoffSeconds: -1, forgetAfterSeconds: -5,
            maximumTrackedKeys: 0)
        XCTAssertEqual(
            policy,
            AuthThrottle.Policy(
                freeFailures: 1, initialBackoffSeconds: 1, maximumBackoffSeconds: 1, forgetAfterSeconds: 0,
                maximumTrackedKeys: 1))
    }

    func testExtremeTimesDoNotOverflow() {
        var throttle = AuthThrottle(sourcePolicy: .init(freeFailures: 1, maximumBackoffSeconds: .max))
        for _ in 0..<70 { throttle.recordFailure(source: "s", user: nil, now: .max - 1) }
        XCTAssertEqual(throttle.check(source: "s", user: nil, now: .max - 1), .throttled(retryAfterSeconds: 1))
        // initial × 4 overflows: the back-off is the maximum, which the policy raised to initial.
        var huge = AuthThrottle(
            sourcePolicy: .init(freeFailures: 1, initialBackoffSeconds: .max / 2, maximumBackoffSeconds: 7))
        for _ in 0..<3 { huge.recordFailure(source: "s", user: nil, now: 0) }
        XCTAssertEqual(
            huge.check(source: "s", user: nil, now: 0), .throttled(retryAfterSeconds: Int(Int64.max / second) + 1))
        // Time running backwards past the overflow counts as a long quiet period: forgiven.
        throttle.recordFailure(source: "s", user: nil, now: .min)
        XCTAssertEqual(throttle.check(source: "s", user: nil, now: .min), .throttled(retryAfterSeconds: 1))
    }
}
