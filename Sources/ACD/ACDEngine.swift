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
/// holding its rarest required skill. Agents, contacts, queues and skills are numbered
/// inside the engine (ids are looked up once per command), so a decision hashes no strings.
public struct ACDEngine: Sendable {
    public internal(set) var queues: [String: QueueConfiguration] = [:]
    /// What each queue did, by queue id.
    public var statistics: [String: QueueStatistics] {
        Dictionary(uniqueKeysWithValues: queueTable.map { ($0.settings.id, $0.statistics) })
    }

    typealias Slot = Int

    /// The scalars of a queue's configuration that decisions read (copying the whole
    /// configuration, with its names and steps, costs more than the decision).
    struct QueueSettings: Sendable {
        var id: String
        var strategy: RoutingStrategy
        var maximumLength: Int?
        var serviceLevelSeconds: Int
        var wrapUpSeconds: Int?
        var ringSeconds: Int
        var maximumWaitSeconds: Int?
        var maximumWaitOffer: MaximumWaitOffer
        var announceEverySeconds: Int?
        var defaultHandleSeconds: Int

        init(_ c: QueueConfiguration) {
            id = c.id
            strategy = c.strategy
            maximumLength = c.maximumLength
            serviceLevelSeconds = c.serviceLevelSeconds
            wrapUpSeconds = c.wrapUpSeconds
            ringSeconds = c.ringSeconds
            maximumWaitSeconds = c.maximumWaitSeconds
            maximumWaitOffer = c.maximumWaitOffer
            announceEverySeconds = c.announceEverySeconds
            defaultHandleSeconds = c.defaultHandleSeconds
        }
    }

    struct QueueInfo: Sendable {
        var settings: QueueSettings
        var stages: [CompiledEligibility]
        /// Escalation steps in time order, with the stage each leaves a contact at.
        var steps: [(afterMs: Int64, action: EscalationStep.Action, stage: Int, index: Int)]
        var handleTimes = HandleTimes()
        var statistics = QueueStatistics()
        var staffed: Int?
        var roundRobinLast: AgentID?
        var waiting = 0
    }
    var queueOrdinals: [String: Int] = [:]
    var queueTable: [QueueInfo] = []
    /// Waiting contacts: a heap per queue ordinal and stage; where each contact sits in
    /// its heap, by contact slot (a contact waits in one heap at a time).
    var buckets: [[IndexedHeap<Rank>]] = []
    var bucketPositions: [Int] = []

    var skillOrdinals: [String: Int] = [:]

    struct Agent: Sendable {
        var profile: AgentProfile
        /// Level by skill ordinal (0: not held).
        var levels: [Int]
        var skillList: [Int]
        var state: AgentState = .loggedOut
        var idleSince = Timestamp(millisecondsSinceEpoch: 0)
        var loggedInAt = Timestamp(millisecondsSinceEpoch: 0)
        var busyMs: Int64 = 0
        var busySince: Timestamp?
        /// The state chosen during a call or wrap-up, taken when wrap-up ends.
        var pending: AgentState?
        /// The queue of the call being wrapped up, and when it was answered (handle time).
        var call: (queue: Int, answeredAt: Timestamp)?
        /// (queue ordinal, first stage admitting this agent), computed on demand.
        var eligible: [(queue: Int, stage: Int)]?

        func level(_ skill: Int) -> Int { skill < levels.count ? levels[skill] : 0 }
    }
    var agentSlots: [AgentID: Slot] = [:]
    var agents: [Agent?] = []
    var freeAgentSlots: [Slot] = []
    /// Available agents by skill ordinal.
    var free: [Set<Slot>] = []

    struct Contact: Sendable {
        var request: ContactRequest
        var queue: Int
        var rank: Rank
        var enteredQueueAt: Timestamp
        var stage = 0
        /// The next escalation step to run (index into the queue's steps).
        var nextStep = 0
        var maximumWaitSent = false
        /// The agent whose phone rings with it.
        var offeredTo: Slot?
        var waiting = false
    }
    var contactSlots: [InteractionID: Slot] = [:]
    var contacts: [Contact?] = []
    var freeContactSlots: [Slot] = []
    /// Answered contacts: who took them, from which queue, when.
    var calls: [InteractionID: (agent: AgentID, queue: Int, answeredAt: Timestamp)] = [:]
    /// Waiting contacts by the agent they prefer.
    var preferring: [AgentID: Set<Slot>] = [:]
    /// Consultations in progress (attended transfers), by consultation id.
    var consultations: [InteractionID: Consultation] = [:]

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

    enum Timer: Hashable, Sendable {
        case escalation(Slot)
        case maximumWait(Slot)
        case announce(Slot)
        case ring(Slot)
        case wrapUp(Slot)

        /// A number per timer: five kinds per slot (contacts and agents have their own slots).
        var key: Int {
            switch self {
            case .escalation(let s): s * 5
            case .maximumWait(let s): s * 5 + 1
            case .announce(let s): s * 5 + 2
            case .ring(let s): s * 5 + 3
            case .wrapUp(let s): s * 5 + 4
            }
        }

        init(key: Int) {
            let slot = key / 5
            switch key % 5 {
            case 0: self = .escalation(slot)
            case 1: self = .maximumWait(slot)
            case 2: self = .announce(slot)
            case 3: self = .ring(slot)
            default: self = .wrapUp(slot)
            }
        }
    }
    struct Due: Comparable, Sendable {
        var at: Int64
        var sequence: Int64
        static func < (a: Due, b: Due) -> Bool { a.at != b.at ? a.at < b.at : a.sequence < b.sequence }
    }
    var timers = IndexedHeap<Due>()
    var timerPositions: [Int] = []
    var sequence: Int64 = 0
    /// The latest time the engine was told of (a reconfiguration routes at it).
    var lastNow = Timestamp(millisecondsSinceEpoch: 0)

    public init(queues: [QueueConfiguration]) throws(ACDConfigurationError) {
        try configure(queues)
    }

    // MARK: - Configuration

    /// Replaces the queues. A queue that no longer exists keeps its old configuration while
    /// contacts wait in it; every waiting contact is routed again under the new rules.
    @discardableResult
    public mutating func configure(_ newQueues: [QueueConfiguration]) throws(ACDConfigurationError) -> [ACDAction] {
        let problems = QueueConfiguration.problems(newQueues)
        guard problems.isEmpty else { throw ACDConfigurationError(problems: problems) }
        let waiting = contacts.indices.filter { contacts[$0]?.waiting == true }.sorted { contacts[$0]!.rank < contacts[$1]!.rank }
        for slot in waiting { unpark(slot) }
        var kept = queues.filter { id, _ in contacts.contains { $0.map { queueTable[$0.queue].settings.id == id } ?? false } }
        for queue in newQueues { kept[queue.id] = queue }
        queues = kept
        for (id, queue) in queues.sorted(by: { $0.key < $1.key }) {
            var stage = 0
            let steps = queue.escalation.enumerated().sorted { $0.element.afterSeconds < $1.element.afterSeconds }.map { index, step in
                switch step.action {
                case .relaxMinimumLevel, .addSkill: stage += 1
                case .overflow: break
                }
                return (Int64(step.afterSeconds) * 1000, step.action, stage, index)
            }
            var stages: [CompiledEligibility] = []
            for stage in queue.stages { stages.append(compile(stage)) }
            if let ordinal = queueOrdinals[id] {
                queueTable[ordinal].settings = QueueSettings(queue)
                queueTable[ordinal].stages = stages
                queueTable[ordinal].steps = steps
                buckets[ordinal] = stages.map { _ in IndexedHeap<Rank>() }
            } else {
                queueOrdinals[id] = queueTable.count
                queueTable.append(QueueInfo(settings: QueueSettings(queue), stages: stages, steps: steps))
                buckets.append(stages.map { _ in IndexedHeap<Rank>() })
            }
        }
        for slot in agents.indices where agents[slot] != nil { agents[slot]!.eligible = nil }
        staffingChanged()
        var actions: [ACDAction] = []
        for slot in waiting {
            contacts[slot]!.stage = min(contacts[slot]!.stage, queueTable[contacts[slot]!.queue].stages.count - 1)
            park(slot)
        }
        for slot in waiting where contacts[slot]?.waiting == true { routeContact(slot, now: lastNow, into: &actions) }
        return actions
    }

    /// Starts every queue's figures again (a new day), from `primed` where given (the
    /// day's calls so far, after a restart).
    public mutating func resetStatistics(_ primed: [String: QueueStatistics] = [:]) {
        for i in queueTable.indices { queueTable[i].statistics = primed[queueTable[i].settings.id] ?? QueueStatistics() }
    }

    /// The ordinal of a skill name, numbering new names as they come.
    mutating func skillOrdinal(_ name: String) -> Int {
        if let n = skillOrdinals[name] { return n }
        let n = skillOrdinals.count
        skillOrdinals[name] = n
        free.append([])
        return n
    }

    mutating func compile(_ eligibility: Eligibility) -> CompiledEligibility {
        CompiledEligibility(sets: eligibility.sets.map { set in set.map { (skillOrdinal($0.skill), $0.minimumLevel) } })
    }

    // MARK: - Queries

    public func state(of agent: AgentID) -> AgentState { agentSlots[agent].flatMap { agents[$0]?.state } ?? .loggedOut }

    public var agentStates: [AgentID: AgentState] {
        Dictionary(uniqueKeysWithValues: agents.compactMap { $0.map { ($0.profile.id, $0.state) } })
    }

    public func profile(of agent: AgentID) -> AgentProfile? { agentSlots[agent].flatMap { agents[$0]?.profile } }

    /// Waiting (or ringing) contacts of `queue`, best first.
    public func waiting(in queue: String) -> [WaitingContact] {
        guard let q = queueOrdinals[queue] else { return [] }
        return contacts.compactMap { $0 }.filter { $0.queue == q }.sorted { $0.rank < $1.rank }.map(waitingContact)
    }

    public func contact(_ id: InteractionID) -> WaitingContact? { contactSlots[id].flatMap { contacts[$0] }.map(waitingContact) }

    /// The agent on an answered contact.
    public func agent(on contact: InteractionID) -> AgentID? { calls[contact]?.agent }

    /// 1 for the next contact of its queue; nil for a contact not waiting.
    public func position(of id: InteractionID) -> Int? {
        guard let slot = contactSlots[id] else { return nil }
        return position(slot)
    }

    func position(_ slot: Slot) -> Int? {
        guard let contact = contacts[slot] else { return nil }
        var ahead = 0
        for heap in buckets[contact.queue] {
            for entry in heap.elements where entry.element < contact.rank { ahead += 1 }
        }
        return ahead + 1
    }

    /// Estimated wait in seconds: position × average handle time ÷ agents staffed
    /// (logged in, not "not ready", holding the queue's own required skills), rounded up.
    /// The average handle time (answer to end of wrap-up) is over the queue's last 20
    /// calls, or the queue's `defaultHandleSeconds` before it has any.
    public mutating func estimatedWaitSeconds(of id: InteractionID) -> Int? {
        guard let slot = contactSlots[id] else { return nil }
        return estimatedWaitSeconds(slot)
    }

    mutating func estimatedWaitSeconds(_ slot: Slot) -> Int? {
        guard let contact = contacts[slot], let position = position(slot) else { return nil }
        let info = queueTable[contact.queue]
        let handle = info.handleTimes.average ?? Double(info.settings.defaultHandleSeconds)
        let staffed = max(1, staffedCount(contact.queue))
        return Int((Double(position) * handle / Double(staffed)).rounded(.up))
    }

    /// When ``advance(to:)`` next has something to do.
    public var nextDeadline: Timestamp? { timers.first.map { Timestamp(millisecondsSinceEpoch: $0.element.at) } }

    public var waitingContactCount: Int { contactSlots.count }

    func waitingContact(_ c: Contact) -> WaitingContact {
        WaitingContact(id: c.request.id, queue: queueTable[c.queue].settings.id, priority: c.request.priority, kind: c.request.kind,
                       waitingSince: Timestamp(millisecondsSinceEpoch: c.rank.since), enteredQueueAt: c.enteredQueueAt,
                       stage: c.stage, offeredTo: c.offeredTo.flatMap { agents[$0]?.profile.id })
    }

    func queueID(_ ordinal: Int) -> String { queueTable[ordinal].settings.id }

    // MARK: - Time

    /// Runs everything due by `now` (escalations, ring timeouts, wrap-up ends,
    /// announcements), each at its own deadline, in order.
    public mutating func advance(to now: Timestamp) -> [ACDAction] {
        var actions: [ACDAction] = []
        lastNow = max(lastNow, now)
        while let first = timers.first, first.element.at <= now.millisecondsSinceEpoch {
            timers.popFirst(&timerPositions)
            let at = Timestamp(millisecondsSinceEpoch: first.element.at)
            switch Timer(key: first.key) {
            case .escalation(let slot): escalate(slot, at: at, into: &actions)
            case .maximumWait(let slot): reachMaximumWait(slot, at: at, into: &actions)
            case .announce(let slot): announce(slot, at: at, into: &actions)
            case .ring(let slot): ringTimedOut(slot, at: at, into: &actions)
            case .wrapUp(let slot): finishWrapUp(slot, at: at, cause: "wrap-up time over", into: &actions)
            }
        }
        return actions
    }

    mutating func schedule(_ timer: Timer, at: Timestamp) {
        sequence += 1
        timers.push(timer.key, Due(at: at.millisecondsSinceEpoch, sequence: sequence), &timerPositions)
    }

    mutating func cancel(_ timer: Timer) { timers.remove(timer.key, &timerPositions) }

    func isScheduled(_ timer: Timer) -> Bool { IndexedHeap<Due>.contains(timer.key, timerPositions) }

    /// Puts `value` in a slot of `table`, reusing a freed one when there is one.
    static func occupy<T>(_ value: T, in table: inout [T?], free: inout [Slot]) -> Slot {
        if let slot = free.popLast() {
            table[slot] = value
            return slot
        }
        table.append(value)
        return table.count - 1
    }

    mutating func nextSequence() -> Int64 {
        sequence += 1
        return sequence
    }

    mutating func staffingChanged() {
        for q in queueTable.indices { queueTable[q].staffed = nil }
    }

    mutating func staffedCount(_ queue: Int) -> Int {
        if let cached = queueTable[queue].staffed { return cached }
        let base = queueTable[queue].stages[0]
        var n = 0
        for agent in agents {
            guard let agent else { continue }
            switch agent.state {
            case .available, .reserved, .onCall, .wrapUp: if base.admits(agent) { n += 1 }
            case .loggedOut, .notReady: break
            }
        }
        queueTable[queue].staffed = n
        return n
    }

    // MARK: Waiting contacts

    /// Puts a contact into its queue's heap for its stage.
    mutating func park(_ slot: Slot) {
        guard let c = contacts[slot], !c.waiting else { return }
        buckets[c.queue][c.stage].push(slot, c.rank, &bucketPositions)
        queueTable[c.queue].waiting += 1
        contacts[slot]!.waiting = true
        if let p = c.request.preferredAgent { preferring[p, default: []].insert(slot) }
    }

    /// Takes a contact out of its heap (it is offered, answered or gone).
    mutating func unpark(_ slot: Slot) {
        guard let c = contacts[slot], c.waiting else { return }
        buckets[c.queue][c.stage].remove(slot, &bucketPositions)
        queueTable[c.queue].waiting -= 1
        contacts[slot]!.waiting = false
        if let p = c.request.preferredAgent {
            preferring[p]?.remove(slot)
            if preferring[p]?.isEmpty == true { preferring[p] = nil }
        }
    }

    // MARK: Free agents

    mutating func markFree(_ slot: Slot) {
        guard let skills = agents[slot]?.skillList else { return }
        for skill in skills { free[skill].insert(slot) }
    }

    mutating func markBusy(_ slot: Slot) {
        guard let skills = agents[slot]?.skillList else { return }
        for skill in skills { free[skill].remove(slot) }
    }

    // MARK: - Decisions

    /// The best waiting contact the agent in `slot` may take, or nil.
    mutating func bestContact(for slot: Slot) -> Slot? {
        guard agents[slot] != nil else { return nil }
        let eligible = agents[slot]!.eligible ?? computeEligible(slot)
        var best: (slot: Slot, rank: Rank)?
        for (queue, first) in eligible {
            let heaps = buckets[queue]
            var stage = first
            while stage < heaps.count {
                if let head = heaps[stage].first, best == nil || head.element < best!.rank { best = (head.key, head.element) }
                stage += 1
            }
        }
        // A contact waiting for this agent goes first among contacts of its priority.
        if let mine = preferring[agents[slot]!.profile.id] {
            var preferred: (slot: Slot, rank: Rank)?
            for c in mine {
                guard let contact = contacts[c], contact.waiting,
                      queueTable[contact.queue].stages[contact.stage].admits(agents[slot]!) else { continue }
                if preferred == nil || contact.rank < preferred!.rank { preferred = (c, contact.rank) }
            }
            if let p = preferred, best == nil || p.rank.priority >= best!.rank.priority { best = p }
        }
        return best?.slot
    }

    private mutating func computeEligible(_ slot: Slot) -> [(queue: Int, stage: Int)] {
        var result: [(queue: Int, stage: Int)] = []
        for (queue, info) in queueTable.enumerated() {
            if let first = info.stages.firstIndex(where: { $0.admits(agents[slot]!) }) { result.append((queue, first)) }
        }
        agents[slot]!.eligible = result
        return result
    }

    /// The best available agent for a waiting contact under its queue's strategy, or nil.
    func bestAgent(for slot: Slot, now: Timestamp) -> Slot? {
        guard let c = contacts[slot] else { return nil }
        let info = queueTable[c.queue]
        let eligibility = info.stages[c.stage]
        if let p = c.request.preferredAgent, let a = agentSlots[p], let agent = agents[a], agent.state == .available,
           eligibility.admits(agent) {
            return a
        }
        var best: (slot: Slot, key: StrategyKey)?
        for set in eligibility.sets {
            guard let rarest = set.min(by: { free[$0.skill].count < free[$1.skill].count }) else { continue }
            for candidate in free[rarest.skill] {
                guard set.allSatisfy({ agents[candidate]!.level($0.skill) >= $0.minimum }) else { continue }
                let key = strategyKey(info, candidate, eligibility, now: now)
                if best == nil || key < best!.key { best = (candidate, key) }
            }
        }
        return best?.slot
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
    private func strategyKey(_ queue: QueueInfo, _ slot: Slot, _ eligibility: CompiledEligibility, now: Timestamp) -> StrategyKey {
        let id = agents[slot]!.profile.id.rawValue
        let idle = agents[slot]!.idleSince.millisecondsSinceEpoch
        switch queue.settings.strategy {
        case .longestIdle:
            return StrategyKey(primary: 0, secondary: idle, id: id)
        case .mostSkilled:
            return StrategyKey(primary: -Double(eligibility.score(agents[slot]!)), secondary: idle, id: id)
        case .roundRobin:
            // Agents after the last one offered come first, in id order; then wrap round.
            let after = queue.roundRobinLast.map { id > $0.rawValue } ?? true
            return StrategyKey(primary: after ? 0 : 1, secondary: 0, id: id)
        case .leastOccupied:
            let loggedIn = max(1, now.millisecondsSinceEpoch - agents[slot]!.loggedInAt.millisecondsSinceEpoch)
            let busy = agents[slot]!.busyMs + (agents[slot]!.busySince.map { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch } ?? 0)
            return StrategyKey(primary: Double(busy) / Double(loggedIn), secondary: idle, id: id)
        }
    }
}

/// An ``Eligibility`` with skills numbered.
struct CompiledEligibility: Sendable {
    var sets: [[(skill: Int, minimum: Int)]]

    func admits(_ agent: ACDEngine.Agent) -> Bool {
        sets.contains { set in set.allSatisfy { agent.level($0.skill) >= $0.minimum } }
    }

    /// The sum of the agent's levels over the best set it meets (most-skilled routing).
    func score(_ agent: ACDEngine.Agent) -> Int {
        var best = -1
        for set in sets where set.allSatisfy({ agent.level($0.skill) >= $0.minimum }) {
            best = max(best, set.reduce(0) { $0 + agent.level($1.skill) })
        }
        return best
    }
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

    mutating func answered(afterWaiting wait: Int64, target: Int64) {
        answered += 1
        totalAnsweredWaitMs += wait
        longestAnsweredWaitMs = max(longestAnsweredWaitMs, wait)
        if wait <= target { answeredInTarget += 1 }
        if wait == 0 { answeredAtOnce += 1 }
    }

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
    private var values: [Double] = []
    private var next = 0
    private var sum = 0.0

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
