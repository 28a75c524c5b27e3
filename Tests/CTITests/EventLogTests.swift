import XCTest
import HotlineModel
@testable import CTI

final class EventLogTests: XCTestCase {
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_000)

    func log(_ n: Int, capacity: Int, base: Int64 = 0) -> EventLog {
        var log = EventLog(capacity: capacity, startingAfter: base)
        for i in 0..<n { _ = log.append(type: EventType.agentState, subject: "agents/\(i)", time: Self.t0, data: ["i": .int(i)]) }
        return log
    }

    func testSequenceNumbersIncreaseFromTheBase() {
        var log = EventLog(capacity: 4, startingAfter: 100)
        XCTAssertEqual(log.append(type: "a", subject: "s", time: Self.t0, data: nil).sequence, 101)
        XCTAssertEqual(log.append(type: "a", subject: "s", time: Self.t0, data: nil).sequence, 102)
        XCTAssertEqual(log.lastSequence, 102)
        XCTAssertEqual(log.oldestSequence, 101)
    }

    func testReplayAfterASeenNumberGivesExactlyTheRest() {
        let log = log(5, capacity: 10)
        XCTAssertEqual(log.events(after: 2), .events(Array(log.ordered.suffix(3))))
        XCTAssertEqual(log.events(after: 2).eventsSequences, [3, 4, 5])
        XCTAssertEqual(log.events(after: 5), .events([]), "up to date")
        XCTAssertEqual(log.events(after: 0).eventsSequences, [1, 2, 3, 4, 5], "the oldest held is 1: nothing missed")
    }

    func testRingDropsTheOldestAndReportsAGap() {
        let log = log(7, capacity: 4)   // holds 4...7
        XCTAssertEqual(log.oldestSequence, 4)
        XCTAssertEqual(log.ordered.map(\.sequence), [4, 5, 6, 7])
        XCTAssertEqual(log.events(after: 3).eventsSequences, [4, 5, 6, 7], "3 seen, 4 is held: no gap")
        guard case .gap(let oldest, let events) = log.events(after: 2) else { return XCTFail("3 is gone: a gap") }
        XCTAssertEqual(oldest, 4)
        XCTAssertEqual(events.map(\.sequence), [4, 5, 6, 7])
    }

    func testANumberAheadOfTheStreamIsAGap() {
        let log = log(3, capacity: 4, base: 500)
        guard case .gap(let oldest, _) = log.events(after: 9_000) else { return XCTFail("a client from another run") }
        XCTAssertEqual(oldest, 501)
        let empty = EventLog(capacity: 4, startingAfter: 10)
        XCTAssertEqual(empty.events(after: 10), .events([]))
        XCTAssertEqual(empty.events(after: 3), .gap(oldest: 11, events: []))
    }
}

extension EventLog.Replay {
    var eventsSequences: [Int64]? { if case .events(let e) = self { e.map(\.sequence) } else { nil } }
}
