import ACD
import ArgumentParser
import HotlineModel

/// `hotline bench acd`: routing decisions under a large center's load.
struct ACDBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acd",
        abstract: "Routing decisions per second and their latency with many agents, skills and waiting contacts.")

    @Option var agents: Int = 10_000
    @Option var skills: Int = 200
    @Option(help: "Contacts kept waiting.") var waiting: Int = 50_000
    @Option(name: .customLong("skills-per-agent")) var skillsPerAgent: Int = 5
    @Option(help: "Measured rounds (each: an agent becomes available and takes a contact, a new contact arrives).")
    var rounds: Int = 100_000
    @Option var seed: UInt64 = 1

    func run() throws {
        var random = SimulationRandom(seed: seed)
        let skillNames = (0..<skills).map { "s\($0)" }
        // A queue per skill (minimum level 3, relaxed to 1 after 60 s); every fourth also
        // accepts the next skill after 120 s.
        let queues = (0..<skills).map { i in
            var steps = [EscalationStep(afterSeconds: 60, .relaxMinimumLevel(to: 1))]
            if i % 4 == 0 { steps.append(EscalationStep(afterSeconds: 120, .addSkill(SkillRequirement(skillNames[(i + 1) % skills])))) }
            return QueueConfiguration(id: "q\(i)", requiredSkills: [SkillRequirement(skillNames[i], minimumLevel: 3)],
                                      strategy: RoutingStrategy.allCases[i % 4], escalation: steps, ringSeconds: 30,
                                      wrapUpSeconds: nil, announceEverySeconds: nil)
        }
        var acd = try ACDEngine(queues: queues)
        var now = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        let setupStart = monotonicSeconds()
        var ids: [AgentID] = []
        for a in 0..<agents {
            var set: [String: Int] = [:]
            while set.count < min(skillsPerAgent, skills) { set[skillNames[random.below(skills)]] = 1 + random.below(10) }
            let id = AgentID(rawValue: "agent\(a)")
            ids.append(id)
            _ = try acd.login(AgentProfile(id: id, skills: set), ready: false, now: now)
        }
        var nextContact = 0
        func newContact() -> ContactRequest {
            nextContact += 1
            let priority = random.below(10) == 0 ? 1 + random.below(2) : 0
            return ContactRequest(id: InteractionID(rawValue: "c\(nextContact)"), queue: "q\(random.below(skills))", priority: priority)
        }
        for _ in 0..<waiting { _ = try acd.enqueue(newContact(), now: now) }
        // Escalation: every contact has waited past its steps.
        now = now.adding(milliseconds: 130_000)
        _ = acd.advance(to: now)
        let setup = monotonicSeconds() - setupStart

        var agentDecisions: [Double] = [], contactDecisions: [Double] = []
        agentDecisions.reserveCapacity(rounds)
        contactDecisions.reserveCapacity(rounds)
        var offered = 0
        let clock = ContinuousClock()
        for round in 0..<(rounds + rounds / 10) {
            let measured = round >= rounds / 10
            now = now.adding(milliseconds: 10)
            let id = ids[random.below(ids.count)]
            guard case .notReady = acd.state(of: id) else { continue }
            // An agent becomes available: the engine picks their best contact among all waiting.
            var t0 = clock.now
            let actions = try acd.makeAvailable(id, now: now)
            if measured { agentDecisions.append(Self.microseconds(clock.now - t0)) }
            for case .offer(let contact, let agent, _, _, _) in actions {
                if measured { offered += 1 }
                _ = try acd.offerAnswered(contact, now: now)
                _ = try acd.makeNotReady(agent, reason: .break, now: now)
                _ = try acd.callEnded(contact, now: now)
                _ = try acd.endWrapUp(agent, now: now)
            }
            // A contact arrives: the engine looks for its best free agent.
            t0 = clock.now
            _ = try acd.enqueue(newContact(), now: now)
            if measured { contactDecisions.append(Self.microseconds(clock.now - t0)) }
        }
        // Second phase: no contact waits and every agent is free, so each arriving contact
        // is matched against the free agents holding its queue's skill.
        var freeEngine = try ACDEngine(queues: queues)
        for (a, id) in ids.enumerated() {
            var set: [String: Int] = [:]
            while set.count < min(skillsPerAgent, skills) { set[skillNames[(a * 7 + set.count * 13 + random.below(skills)) % skills]] = 1 + random.below(10) }
            _ = try freeEngine.login(AgentProfile(id: id, skills: set), ready: true, now: now)
        }
        var freeDecisions: [Double] = []
        freeDecisions.reserveCapacity(rounds)
        for round in 0..<(rounds + rounds / 10) {
            now = now.adding(milliseconds: 10)
            let request = newContact()
            let t0 = clock.now
            let actions = try freeEngine.enqueue(request, now: now)
            if round >= rounds / 10 { freeDecisions.append(Self.microseconds(clock.now - t0)) }
            for case .offer(let contact, let agent, _, _, _) in actions {
                _ = try freeEngine.offerAnswered(contact, now: now)
                _ = try freeEngine.makeNotReady(agent, reason: .break, now: now)
                _ = try freeEngine.callEnded(contact, now: now)
                _ = try freeEngine.endWrapUp(agent, now: now)
                _ = try freeEngine.makeAvailable(agent, now: now)
            }
            if case .queued? = actions.first, actions.count == 1 { _ = try freeEngine.withdraw(request.id, now: now) }
        }
        freeDecisions.sort()
        agentDecisions.sort()
        contactDecisions.sort()
        func p(_ values: [Double], _ q: Double) -> Double { values.isEmpty ? 0 : values[min(values.count - 1, Int(Double(values.count) * q))] }
        let total = agentDecisions.reduce(0, +) + contactDecisions.reduce(0, +)
        let decisions = agentDecisions.count + contactDecisions.count
        print("acd: \(agents) agents, \(skills) skills (\(skillsPerAgent) each), \(acd.waitingContactCount) contacts waiting, "
              + "\(queues.count) queues (2-3 stages each); set-up \(fmt(setup, 2)) s")
        print("agent becomes available -> best contact: \(agentDecisions.count) decisions, \(offered) offers; "
              + "p50 \(fmt(p(agentDecisions, 0.5), 2)) µs, p99 \(fmt(p(agentDecisions, 0.99), 2)) µs, max \(fmt(agentDecisions.last ?? 0, 2)) µs")
        print("contact arrives -> best agent: \(contactDecisions.count) decisions; "
              + "p50 \(fmt(p(contactDecisions, 0.5), 2)) µs, p99 \(fmt(p(contactDecisions, 0.99), 2)) µs, max \(fmt(contactDecisions.last ?? 0, 2)) µs")
        print("decisions per second (both kinds, one core): \(Int(Double(decisions) / (total / 1e6)))")
        print("contact arrives, every agent free, nobody waiting -> best agent by the queue's strategy: \(freeDecisions.count) decisions; "
              + "p50 \(fmt(p(freeDecisions, 0.5), 2)) µs, p99 \(fmt(p(freeDecisions, 0.99), 2)) µs, max \(fmt(freeDecisions.last ?? 0, 2)) µs")
    }

    static func microseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
    }
}
