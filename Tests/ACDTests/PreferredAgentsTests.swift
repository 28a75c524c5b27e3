import ACD
import HotlineModel
import XCTest

final class PreferredAgentsTests: XCTestCase {
    private func record(_ caller: String, segments: [(String, answered: Bool, ended: Double)]) -> CallRecord {
        var r = CallRecord(interactionID: "i-1", caller: caller, dialled: "10000", arrivedAt: t(0))
        r.segments = segments.enumerated().map { i, s in
            CallSegment(position: i, agentID: AgentID(rawValue: s.0), queue: "telecom", offeredAt: t(1),
                        answeredAt: s.answered ? t(2) : nil, endedAt: t(s.ended), result: s.answered ? .answered : .noAnswer)
        }
        r.endedAt = t(100)
        return r
    }

    func testTheLastAgentWhoAnsweredIsPreferredWithinTheWindow() {
        var preferred = PreferredAgents(keepSeconds: 3600)
        preferred.note(record("13800138000", segments: [("a1", answered: true, ended: 50), ("a2", answered: false, ended: 60)]))
        XCTAssertEqual(preferred.agent(for: "13800138000", windowSeconds: 600, now: t(650)), agent("a1"))
        XCTAssertNil(preferred.agent(for: "13800138000", windowSeconds: 600, now: t(651)), "the window runs from the end of a1's part")
        XCTAssertNil(preferred.agent(for: "13800138000", windowSeconds: nil, now: t(60)), "a queue without a window prefers nobody")
        XCTAssertNil(preferred.agent(for: "13900139000", windowSeconds: 600, now: t(60)))
    }

    func testALaterCallReplacesAnEarlierOneButNotTheOtherWay() {
        var preferred = PreferredAgents(keepSeconds: 3600)
        preferred.note(caller: "1", agent: agent("a1"), at: t(10))
        preferred.note(caller: "1", agent: agent("a2"), at: t(20))
        preferred.note(caller: "1", agent: agent("a3"), at: t(15))   // read back late from the store
        XCTAssertEqual(preferred.agent(for: "1", windowSeconds: 60, now: t(30)), agent("a2"))
    }

    func testACallNobodyAnsweredLeavesNoPreference() {
        var preferred = PreferredAgents(keepSeconds: 3600)
        preferred.note(record("13800138000", segments: [("a1", answered: false, ended: 20)]))
        XCTAssertEqual(preferred.count, 0)
    }

    func testCallersOutsideTheLongestWindowAreForgottenAsTheMemoryGrows() {
        var preferred = PreferredAgents(keepSeconds: 60)
        for n in 0..<4095 { preferred.note(caller: "old-\(n)", agent: agent("a1"), at: t(0)) }
        XCTAssertEqual(preferred.count, 4095)
        preferred.note(caller: "new", agent: agent("a2"), at: t(61))
        XCTAssertEqual(preferred.count, 1, "the 4096th entry drops everyone older than 60 s")
        XCTAssertEqual(preferred.agent(for: "new", windowSeconds: 60, now: t(62)), agent("a2"))
    }
}
