@testable import ACD
import HotlineModel
import XCTest

/// Random sequences of commands and time steps; after each, the engine's invariant must
/// hold: no waiting contact may be taken by an available agent, and every agent's state
/// agrees with the contacts and calls.
final class ACDInvariantTests: XCTestCase {
    func violations(_ acd: ACDEngine, now: Timestamp) -> [String] {
        var problems: [String] = []
        for c in acd.contacts.compactMap({ $0 }) where c.offeredTo == nil {
            if !c.waiting { problems.append("\(c.request.id) neither offered nor waiting") }
            let eligibility = acd.queueTable[c.queue].stages[c.stage]
            for a in acd.agents.compactMap({ $0 }) where a.state == .available && eligibility.admits(a) {
                problems.append("contact \(c.request.id) waits in \(acd.queueID(c.queue)) stage \(c.stage) while \(a.profile.id) is available")
            }
        }
        for (slot, a) in acd.agents.enumerated() {
            guard let a else { continue }
            switch a.state {
            case .reserved(let c):
                if acd.contactSlots[c].flatMap({ acd.contacts[$0]?.offeredTo }) != slot {
                    problems.append("\(a.profile.id) reserved for \(c), which is not offered to them")
                }
            case .onCall(let c):
                if acd.calls[c]?.agent != a.profile.id { problems.append("\(a.profile.id) on \(c), which is not their call") }
            case .available:
                for skill in a.skillList where !acd.free[skill].contains(slot) {
                    problems.append("\(a.profile.id) available but not indexed under skill \(skill)")
                }
            case .loggedOut, .wrapUp, .notReady:
                for (skill, set) in acd.free.enumerated() where set.contains(slot) {
                    problems.append("\(a.profile.id) \(a.state) but free under skill \(skill)")
                }
            }
        }
        let waiting = acd.buckets.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        if waiting != acd.contacts.compactMap({ $0 }).filter(\.waiting).count { problems.append("heaps hold \(waiting) contacts") }
        return problems
    }

    func testRandomCommandsKeepTheInvariant() throws {
        let queues = [
            QueueConfiguration(id: "billing", requiredSkills: [SkillRequirement("billing", minimumLevel: 6)], strategy: .longestIdle,
                               maximumWaitSeconds: 200, escalation: [EscalationStep(afterSeconds: 20, .relaxMinimumLevel(to: 2)),
                                                                     EscalationStep(afterSeconds: 40, .addSkill(SkillRequirement("general")))],
                               ringSeconds: 8, wrapUpSeconds: 5, announceEverySeconds: 15),
            QueueConfiguration(id: "cards", requiredSkills: [SkillRequirement("cards")], strategy: .mostSkilled,
                               escalation: [EscalationStep(afterSeconds: 30, .overflow(to: "general"))], ringSeconds: 5, wrapUpSeconds: 0),
            QueueConfiguration(id: "general", requiredSkills: [SkillRequirement("general")], strategy: .roundRobin, wrapUpSeconds: nil),
            QueueConfiguration(id: "orders", requiredSkills: [SkillRequirement("orders"), SkillRequirement("english")],
                               strategy: .leastOccupied, maximumLength: 5),
        ]
        for seed in 1...20 {
            var random = SimulationRandom(seed: UInt64(seed))
            var acd = try ACDEngine(queues: queues)
            let skillNames = ["billing", "cards", "general", "orders", "english"]
            var now = 0.0
            var nextContact = 0
            for step in 0..<600 {
                now += Double(random.below(4000)) / 1000
                let at = t(now)
                _ = acd.advance(to: at)
                let agentID = agent("a\(random.below(12))")
                let contacts = acd.contactSlots.keys.sorted { $0.rawValue < $1.rawValue }
                let calls = acd.calls.keys.sorted { $0.rawValue < $1.rawValue }
                switch random.below(12) {
                case 0:
                    var skills: [String: Int] = [:]
                    for _ in 0..<(1 + random.below(3)) { skills[skillNames[random.below(skillNames.count)]] = 1 + random.below(10) }
                    _ = try? acd.login(AgentProfile(id: agentID, skills: skills), ready: random.below(2) == 0, now: at)
                case 1: _ = try? acd.logout(agentID, now: at, force: random.below(3) == 0)
                case 2: _ = try? acd.makeAvailable(agentID, now: at)
                case 3: _ = try? acd.makeNotReady(agentID, reason: .break, now: at)
                case 4: _ = try? acd.endWrapUp(agentID, now: at)
                case 5: _ = acd.phoneUnavailable(agentID, now: at)
                case 6, 7:
                    nextContact += 1
                    _ = try? acd.enqueue(ContactRequest(id: contact("c\(nextContact)"), queue: queues[random.below(4)].id,
                                                        priority: random.below(3), preferredAgent: random.below(4) == 0 ? agentID : nil), now: at)
                case 8:
                    if let c = contacts.first(where: { acd.contact($0)?.offeredTo != nil }) { _ = try? acd.offerAnswered(c, now: at) }
                case 9:
                    if !calls.isEmpty { _ = try? acd.callEnded(calls[random.below(calls.count)], now: at) }
                case 10:
                    if !contacts.isEmpty { _ = try? acd.abandon(contacts[random.below(contacts.count)], now: at) }
                default:
                    if let c = contacts.first(where: { acd.contact($0)?.offeredTo != nil }) {
                        _ = try? acd.offerFailed(c, [.noAnswer, .busy, .unreachable][random.below(3)], now: at)
                    }
                }
                let problems = violations(acd, now: at)
                XCTAssertEqual(problems, [], "seed \(seed), step \(step)")
                if !problems.isEmpty { return }
            }
        }
    }
}
