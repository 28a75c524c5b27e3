import HotlineModel

/// Skills-based routing: queues of waiting contacts, agents and their states, and the
/// decisions that join them. Pure: time is an argument, results are ``ACDAction``s.
///
/// The engine keeps one invariant: **no waiting contact may be taken by an available
/// agent.** Every event that frees an agent looks for that agent's best contact, and every
/// event that adds or widens a contact looks for that contact's best agent, so a match is
/// made the moment it becomes possible and a decision touches one contact or one agent.
///
/// Order between contacts: higher priority first, then the longest waiting (by when the
/// contact first started waiting, kept across overflow and re-queueing), then arrival
/// order. A contact whose preferred agent frees up goes first among contacts of its
/// priority. Order between agents: the queue's ``RoutingStrategy``, ties on agent id.
///
/// Waiting contacts sit in one heap per (queue, escalation stage), so an agent's best
/// contact is the best head among the few heaps whose stage admits the agent; agents free
/// to work are indexed by skill, so a contact's best agent comes from the free agents
/// holding its rarest required skill.
public struct ACDEngine: Sendable {
    public internal(set) var queues: [String: QueueConfiguration] = [:]
    var stages: [String: [Eligibility]] = [:]
    /// Per queue, its escalation steps in time order with the stage each leaves a contact at.
    var steps: [String: [(afterMs: Int64, action: EscalationStep.Action, stage: Int, index: Int)]] = [:]

    struct Agent: Sendable {
        var profile: AgentProfile
        var state: AgentState = .loggedOut
        var idleSince = Timestamp(millisecondsSinceEpoch: 0)
        var loggedInAt = Timestamp(millisecondsSinceEpoch: 0)
        var busyMs: Int64 = 0
        var busySince: Timestamp?
        /// The state chosen during a call or wrap-up, taken when wrap-up ends.
        var pending: AgentState?
        /// The queue of the call being wrapped up, and when it was answered (handle time).
        var call: (queue: String, answeredAt: Timestamp)?
        /// (queue, first stage admitting this agent), computed on demand.
        var eligible: [(queue: String, stage: Int)]?
    }
    var agents: [AgentID: Agent] = [:]
    /// Available agents by skill.
    var free: [String: Set<AgentID>] = [:]

    struct Contact: Sendable {
        var request: ContactRequest
        var queue: String
        var rank: Rank
        var enteredQueueAt: Timestamp
        var stage = 0
        /// The next escalation step to run (index into `steps[queue]`).
        var nextStep = 0
        var maximumWaitSent = false
        var offeredTo: AgentID?
    }
    var contacts: [InteractionID: Contact] = [:]
    /// Answered contacts: who took them, from which queue, when.
    var calls: [InteractionID: (agent: AgentID, queue: String, answeredAt: Timestamp)] = [:]

    struct Rank: Comparable, Sendable {
        var priority: Int
        var since: Int64
        var sequence: Int64
        static func < (a: Rank, b: Rank) -> Bool {
            if a.priority != b.priority { return a.priority > b.priority }
            if a.since != b.since { return a.since < b.since }
            return a.sequence < b.sequence
        }
    }
    struct Bucket: Hashable, Sendable {
        var queue: String
        var stage: Int
    }
    var buckets: [Bucket: IndexedHeap<InteractionID, Rank>] = [:]
    var waitingCount: [String: Int] = [:]
    /// Waiting contacts by the agent they prefer.
    var preferring: [AgentID: Set<InteractionID>] = [:]

    enum Timer: Hashable, Sendable {
        case escalation(InteractionID)
        case maximumWait(InteractionID)
        case announce(InteractionID)
        case ring(InteractionID)
        case wrapUp(AgentID)
    }
    struct Due: Comparable, Sendable {
        var at: Int64
        var sequence: Int64
        static func < (a: Due, b: Due) -> Bool { a.at != b.at ? a.at < b.at : a.sequence < b.sequence }
    }
    var timers = IndexedHeap<Timer, Due>()
    var sequence: Int64 = 0
    /// The latest time the engine was told of (a reconfiguration routes at it).
    var lastNow = Timestamp(millisecondsSinceEpoch: 0)
    var roundRobinLast: [String: AgentID] = [:]
    var handleTimes: [String: HandleTimes] = [:]
    var staffedCache: [String: Int] = [:]
    public internal(set) var statistics: [String: QueueStatistics] = [:]

    public init(queues: [QueueConfiguration]) throws(ACDConfigurationError) {
        try configure(queues)
    }

    // MARK: - Configuration

    /// Replaces the queues. Contacts waiting in a queue that no longer exists stay where
    /// they are (their queue keeps its old configuration until they leave); every waiting
    /// contact is routed again under the new rules.
    @discardableResult
    public mutating func configure(_ newQueues: [QueueConfiguration]) throws(ACDConfigurationError) -> [ACDAction] {
        let problems = QueueConfiguration.problems(newQueues)
        guard problems.isEmpty else { throw ACDConfigurationError(problems: problems) }
        var kept = queues.filter { id, _ in contacts.values.contains { $0.queue == id } }
        for queue in newQueues { kept[queue.id] = queue }
        queues = kept
        for (id, queue) in queues {
            stages[id] = queue.stages
            var stage = 0
            steps[id] = queue.escalation.enumerated().sorted { $0.element.afterSeconds < $1.element.afterSeconds }.map { index, step in
                switch step.action {
                case .relaxMinimumLevel, .addSkill: stage += 1
                case .overflow: break
                }
                return (Int64(step.afterSeconds) * 1000, step.action, stage, index)
            }
            if statistics[id] == nil { statistics[id] = QueueStatistics() }
        }
        for id in agents.keys { agents[id]?.eligible = nil }
        staffedCache = [:]
        // Waiting contacts go back into the heaps of their (possibly fewer) stages and are
        // routed again under the new rules.
        var actions: [ACDAction] = []
        let waiting = contacts.values.filter { $0.offeredTo == nil }.sorted { $0.rank < $1.rank }.map(\.request.id)
        for id in waiting { unpark(id) }
        for id in waiting {
            let last = max(0, (stages[contacts[id]!.queue]?.count ?? 1) - 1)
            contacts[id]!.stage = min(contacts[id]!.stage, last)
            park(id)
        }
        for id in waiting where contacts[id]?.offeredTo == nil { routeContact(id, now: lastNow, into: &actions) }
        return actions
    }

    // MARK: - Queries

    public func state(of agent: AgentID) -> AgentState { agents[agent]?.state ?? .loggedOut }

    public var agentStates: [AgentID: AgentState] { agents.mapValues(\.state) }

    public func profile(of agent: AgentID) -> AgentProfile? { agents[agent]?.profile }

    /// Waiting (or ringing) contacts of `queue`, best first.
    public func waiting(in queue: String) -> [WaitingContact] {
        contacts.values.filter { $0.queue == queue }.sorted { $0.rank < $1.rank }.map(waitingContact)
    }

    public func contact(_ id: InteractionID) -> WaitingContact? { contacts[id].map(waitingContact) }

    /// The agent on an answered contact.
    public func agent(on contact: InteractionID) -> AgentID? { calls[contact]?.agent }

    /// 1 for the next contact of its queue; nil for a contact not waiting.
    public func position(of id: InteractionID) -> Int? {
        guard let contact = contacts[id] else { return nil }
        var ahead = 0
        for (bucket, heap) in buckets where bucket.queue == contact.queue {
            for entry in heap.elements where entry.element < contact.rank { ahead += 1 }
        }
        return ahead + 1
    }

    /// Estimated wait in seconds: position × average handle time ÷ agents staffed
    /// (logged in, not "not ready", holding the queue's own required skills), rounded up.
    /// The average handle time (answer to end of wrap-up) is over the queue's last 20
    /// calls, or the queue's `defaultHandleSeconds` before it has any.
    public mutating func estimatedWaitSeconds(of id: InteractionID) -> Int? {
        guard let contact = contacts[id], let position = position(of: id) else { return nil }
        let handle = handleTimes[contact.queue]?.average ?? Double(queues[contact.queue]?.defaultHandleSeconds ?? 180)
        let staffed = max(1, staffedCount(contact.queue))
        return Int((Double(position) * handle / Double(staffed)).rounded(.up))
    }

    /// When ``advance(to:)`` next has something to do.
    public var nextDeadline: Timestamp? { timers.first.map { Timestamp(millisecondsSinceEpoch: $0.element.at) } }

    public var waitingContactCount: Int { contacts.count }

    private func waitingContact(_ c: Contact) -> WaitingContact {
        WaitingContact(id: c.request.id, queue: c.queue, priority: c.request.priority, kind: c.request.kind,
                       waitingSince: Timestamp(millisecondsSinceEpoch: c.rank.since), enteredQueueAt: c.enteredQueueAt,
                       stage: c.stage, offeredTo: c.offeredTo)
    }

    // MARK: - Time

    /// Runs everything due by `now` (escalations, ring timeouts, wrap-up ends,
    /// announcements), each at its own deadline, in order.
    public mutating func advance(to now: Timestamp) -> [ACDAction] {
        var actions: [ACDAction] = []
        lastNow = max(lastNow, now)
        while let first = timers.first, first.element.at <= now.millisecondsSinceEpoch {
            timers.popFirst()
            let at = Timestamp(millisecondsSinceEpoch: first.element.at)
            switch first.key {
            case .escalation(let id): escalate(id, at: at, into: &actions)
            case .maximumWait(let id): reachMaximumWait(id, at: at, into: &actions)
            case .announce(let id): announce(id, at: at, into: &actions)
            case .ring(let id): ringTimedOut(id, at: at, into: &actions)
            case .wrapUp(let agent): finishWrapUp(agent, at: at, cause: "wrap-up time over", into: &actions)
            }
        }
        return actions
    }

    mutating func schedule(_ timer: Timer, at: Timestamp) {
        sequence += 1
        timers.push(timer, Due(at: at.millisecondsSinceEpoch, sequence: sequence))
    }

    mutating func cancel(_ timer: Timer) { timers.remove(timer) }

    // MARK: - Shared internals (used by the agent and contact extensions)

    mutating func nextSequence() -> Int64 {
        sequence += 1
        return sequence
    }

    mutating func recordHandleTime(_ queue: String, milliseconds: Int64) {
        handleTimes[queue, default: HandleTimes()].add(Double(milliseconds) / 1000)
    }

    mutating func staffingChanged() { staffedCache = [:] }

    mutating func staffedCount(_ queue: String) -> Int {
        if let cached = staffedCache[queue] { return cached }
        guard let base = stages[queue]?.first else { return 0 }
        let n = agents.values.filter { agent in
            switch agent.state {
            case .available, .reserved, .onCall, .wrapUp: base.admits(agent.profile.skills)
            case .loggedOut, .notReady: false
            }
        }.count
        staffedCache[queue] = n
        return n
    }

    // MARK: Waiting contacts

    /// Puts a contact into its queue's heap for its stage.
    mutating func park(_ id: InteractionID) {
        guard let c = contacts[id] else { return }
        buckets[Bucket(queue: c.queue, stage: c.stage), default: IndexedHeap()].push(id, c.rank)
        waitingCount[c.queue, default: 0] += 1
        if let p = c.request.preferredAgent { preferring[p, default: []].insert(id) }
    }

    /// Takes a contact out of its heap (it is offered, answered or gone).
    mutating func unpark(_ id: InteractionID) {
        guard let c = contacts[id] else { return }
        let bucket = Bucket(queue: c.queue, stage: c.stage)
        if buckets[bucket]?.remove(id) != nil {
            waitingCount[c.queue, default: 1] -= 1
        }
        if let p = c.request.preferredAgent {
            preferring[p]?.remove(id)
            if preferring[p]?.isEmpty == true { preferring[p] = nil }
        }
    }

    func waitingCount(in queue: String) -> Int { waitingCount[queue] ?? 0 }

    // MARK: Free agents

    mutating func markFree(_ id: AgentID) {
        guard let agent = agents[id] else { return }
        for skill in agent.profile.skills.keys { free[skill, default: []].insert(id) }
    }

    mutating func markBusy(_ id: AgentID) {
        guard let agent = agents[id] else { return }
        for skill in agent.profile.skills.keys { free[skill]?.remove(id) }
    }

    // MARK: - Decisions

    /// The best waiting contact `agentID` may take, or nil.
    mutating func bestContact(for agentID: AgentID) -> InteractionID? {
        guard let agent = agents[agentID] else { return nil }
        let eligible = agent.eligible ?? computeEligible(agentID)
        var best: (id: InteractionID, rank: Rank)?
        for (queue, first) in eligible {
            let count = stages[queue]?.count ?? 0
            var stage = first
            while stage < count {
                if let head = buckets[Bucket(queue: queue, stage: stage)]?.first, best == nil || head.element < best!.rank {
                    best = (head.key, head.element)
                }
                stage += 1
            }
        }
        // A contact waiting for this agent goes first among contacts of its priority.
        if let mine = preferring[agentID] {
            var preferred: (id: InteractionID, rank: Rank)?
            for id in mine {
                guard let c = contacts[id], c.offeredTo == nil, let stage = stages[c.queue]?[c.stage],
                      stage.admits(agent.profile.skills) else { continue }
                if preferred == nil || c.rank < preferred!.rank { preferred = (id, c.rank) }
            }
            if let p = preferred, best == nil || p.rank.priority >= best!.rank.priority { best = p }
        }
        return best?.id
    }

    private mutating func computeEligible(_ agentID: AgentID) -> [(queue: String, stage: Int)] {
        guard let skills = agents[agentID]?.profile.skills else { return [] }
        var result: [(queue: String, stage: Int)] = []
        for (queue, list) in stages.sorted(by: { $0.key < $1.key }) {
            if let first = list.firstIndex(where: { $0.admits(skills) }) { result.append((queue, first)) }
        }
        agents[agentID]?.eligible = result
        return result
    }

    /// The best available agent for a waiting contact under its queue's strategy, or nil.
    mutating func bestAgent(for id: InteractionID, now: Timestamp) -> AgentID? {
        guard let c = contacts[id], let queue = queues[c.queue], let eligibility = stages[c.queue]?[c.stage] else { return nil }
        if let p = c.request.preferredAgent, let agent = agents[p], agent.state == .available,
           eligibility.admits(agent.profile.skills) {
            return p
        }
        var best: (id: AgentID, key: StrategyKey)?
        for set in eligibility.sets {
            guard let rarest = set.min(by: { (free[$0.skill]?.count ?? 0) < (free[$1.skill]?.count ?? 0) }),
                  let candidates = free[rarest.skill] else { continue }
            for candidate in candidates {
                guard let agent = agents[candidate],
                      set.allSatisfy({ (agent.profile.skills[$0.skill] ?? 0) >= $0.minimumLevel }) else { continue }
                let key = strategyKey(queue, agent, eligibility, now: now)
                if best == nil || key < best!.key { best = (candidate, key) }
            }
        }
        return best?.id
    }

    struct StrategyKey: Comparable {
        var primary: Double
        var secondary: Int64
        var id: String
        static func < (a: StrategyKey, b: StrategyKey) -> Bool {
            if a.primary != b.primary { return a.primary < b.primary }
            if a.secondary != b.secondary { return a.secondary < b.secondary }
            return a.id < b.id
        }
    }

    /// Smaller is better.
    private func strategyKey(_ queue: QueueConfiguration, _ agent: Agent, _ eligibility: Eligibility, now: Timestamp) -> StrategyKey {
        let id = agent.profile.id.rawValue
        let idle = agent.idleSince.millisecondsSinceEpoch
        switch queue.strategy {
        case .longestIdle:
            return StrategyKey(primary: 0, secondary: idle, id: id)
        case .mostSkilled:
            return StrategyKey(primary: -Double(eligibility.score(agent.profile.skills)), secondary: idle, id: id)
        case .roundRobin:
            // Agents after the last one offered come first, in id order; then wrap round.
            let after = roundRobinLast[queue.id].map { id > $0.rawValue } ?? true
            return StrategyKey(primary: after ? 0 : 1, secondary: 0, id: id)
        case .leastOccupied:
            let loggedIn = max(1, now.millisecondsSinceEpoch - agent.loggedInAt.millisecondsSinceEpoch)
            let busy = agent.busyMs + (agent.busySince.map { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch } ?? 0)
            return StrategyKey(primary: Double(busy) / Double(loggedIn), secondary: idle, id: id)
        }
    }

    mutating func noteOffered(queue: String, agent: AgentID) { roundRobinLast[queue] = agent }
}

/// Queue configurations that cannot all work.
public struct ACDConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var problems: [QueueConfigurationError]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// What a queue did, for the wallboard and the simulator.
public struct QueueStatistics: Hashable, Sendable {
    public var entered = 0
    public var answered = 0
    /// Answered within the queue's service-level time.
    public var answeredInTarget = 0
    /// Answered without waiting (an agent was free on arrival).
    public var answeredAtOnce = 0
    public var abandoned = 0
    public var totalAnsweredWaitMs: Int64 = 0
    public var longestAnsweredWaitMs: Int64 = 0
    public var offersFailed = 0

    public init() {}

    /// Answered within target over answered plus abandoned, in %; nil before any.
    public var serviceLevelPercent: Double? {
        let total = answered + abandoned
        return total == 0 ? nil : Double(answeredInTarget) * 100 / Double(total)
    }

    /// Average speed of answer, seconds; nil before any.
    public var averageSpeedOfAnswerSeconds: Double? {
        answered == 0 ? nil : Double(totalAnsweredWaitMs) / 1000 / Double(answered)
    }
}

/// The last 20 handle times of a queue.
struct HandleTimes: Sendable {
    var values: [Double] = []
    var next = 0
    var sum = 0.0

    mutating func add(_ seconds: Double) {
        if values.count < 20 {
            values.append(seconds)
        } else {
            sum -= values[next]
            values[next] = seconds
            next = (next + 1) % 20
        }
        sum += seconds
    }

    var average: Double? { values.isEmpty ? nil : sum / Double(values.count) }
}
