import HotlineModel

/// A random duration for the simulator.
public enum Distribution: Hashable, Sendable {
    case exponential(meanSeconds: Double)
    case fixed(seconds: Double)
    /// Drawn uniformly from measured values (handle times from call records).
    case empirical([Double])

    func draw(_ random: inout SimulationRandom) -> Double {
        switch self {
        case .exponential(let mean):
            return -mean * naturalLogarithm(1 - random.unit())
        case .fixed(let seconds):
            return seconds
        case .empirical(let values):
            return values.isEmpty ? 0 : values[random.below(values.count)]
        }
    }
}

/// What to simulate: one queue, Poisson arrivals, agents on a schedule.
public struct SimulationConfiguration: Hashable, Sendable {
    /// Arrivals per hour (a Poisson process).
    public var arrivalsPerHour: Double
    public var handle: Distribution
    /// How long a caller waits before hanging up; nil: forever.
    public var patience: Distribution?
    /// Agents logged in and available from each hour on: [(0, 20), (8, 35)] means 20 from
    /// the start, 35 from hour 8. Repeats every `scheduleHours` when set.
    public var schedule: [(fromHour: Double, agents: Int)]
    public var scheduleHours: Double?
    public var hours: Double
    /// Hours simulated first and not counted (the queue starts empty).
    public var warmUpHours: Double
    public var queue: QueueConfiguration
    public var seed: UInt64

    public init(arrivalsPerHour: Double, handle: Distribution, patience: Distribution? = nil, agents: Int, hours: Double,
                warmUpHours: Double = 1, serviceLevelSeconds: Int = 20, strategy: RoutingStrategy = .longestIdle, seed: UInt64 = 1) {
        self.arrivalsPerHour = arrivalsPerHour
        self.handle = handle
        self.patience = patience
        self.schedule = [(0, agents)]
        self.hours = hours
        self.warmUpHours = warmUpHours
        self.queue = QueueConfiguration(id: "sim", requiredSkills: [SkillRequirement("sim")], strategy: strategy,
                                        serviceLevelSeconds: serviceLevelSeconds, ringSeconds: 300, wrapUpSeconds: 0,
                                        announceEverySeconds: nil)
        self.seed = seed
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.arrivalsPerHour == b.arrivalsPerHour && a.handle == b.handle && a.patience == b.patience
            && a.schedule.map(\.fromHour) == b.schedule.map(\.fromHour) && a.schedule.map(\.agents) == b.schedule.map(\.agents)
            && a.scheduleHours == b.scheduleHours && a.hours == b.hours && a.warmUpHours == b.warmUpHours
            && a.queue == b.queue && a.seed == b.seed
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(arrivalsPerHour)
        hasher.combine(hours)
        hasher.combine(seed)
    }
}

/// What the simulated queue did over the counted hours.
public struct SimulationResult: Hashable, Sendable {
    public var arrived = 0
    public var answered = 0
    public var abandoned = 0
    /// Answered after waiting more than zero.
    public var waited = 0
    public var answeredInTarget = 0
    public var totalWaitSeconds = 0.0
    /// Agent-seconds logged in and agent-seconds on calls.
    public var staffedSeconds = 0.0
    public var busySeconds = 0.0
    public var simulatedHours = 0.0
    /// Contacts routed in total (warm-up included) and engine events handled.
    public var contactsSimulated = 0
    public var events = 0
    /// The counted hours cut in 20 equal batches (by arrival): answered, waited, total wait.
    /// Their spread gives the figures' standard errors (the batch-means method).
    public var batches = [Batch](repeating: Batch(), count: SimulationResult.batchCount)
    public static let batchCount = 20

    public struct Batch: Hashable, Sendable {
        public var answered = 0
        public var waited = 0
        public var totalWaitSeconds = 0.0
    }

    /// The standard error of the ASA (seconds) from the batch means.
    public var averageSpeedOfAnswerStandardError: Double {
        Self.standardError(batches.filter { $0.answered > 0 }.map { $0.totalWaitSeconds / Double($0.answered) })
    }

    /// The standard error of the probability of waiting from the batch means.
    public var probabilityOfWaitingStandardError: Double {
        Self.standardError(batches.filter { $0.answered > 0 }.map { Double($0.waited) / Double($0.answered) })
    }

    static func standardError(_ means: [Double]) -> Double {
        guard means.count > 1 else { return 0 }
        let mean = means.reduce(0, +) / Double(means.count)
        let variance = means.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(means.count - 1)
        return (variance / Double(means.count)).squareRoot()
    }

    public var probabilityOfWaiting: Double { answered == 0 ? 0 : Double(waited) / Double(answered) }
    public var averageSpeedOfAnswer: Double { answered == 0 ? 0 : totalWaitSeconds / Double(answered) }
    public var serviceLevel: Double { answered + abandoned == 0 ? 0 : Double(answeredInTarget) / Double(answered + abandoned) }
    public var abandonment: Double { arrived == 0 ? 0 : Double(abandoned) / Double(arrived) }
    public var occupancy: Double { staffedSeconds == 0 ? 0 : busySeconds / staffedSeconds }
}

/// A discrete-event simulation that drives the real ``ACDEngine`` on a manual clock:
/// arrivals, answers (agents answer at once), handle times, abandonment, agent schedules.
public struct Simulator: Sendable {
    public var configuration: SimulationConfiguration

    public init(_ configuration: SimulationConfiguration) {
        self.configuration = configuration
    }

    struct Due: Comparable, Sendable {
        var at: Int64
        var sequence: Int64
        static func < (a: Due, b: Due) -> Bool { a.at != b.at ? a.at < b.at : a.sequence < b.sequence }
    }

    public func run() throws -> SimulationResult {
        let c = configuration
        var random = SimulationRandom(seed: c.seed)
        var acd = try ACDEngine(queues: [c.queue])
        func at(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }
        let end = at((c.warmUpHours + c.hours) * 3600)
        let countFrom = at(c.warmUpHours * 3600)
        let meanGap = 3600 / c.arrivalsPerHour
        // Agent schedule changes, repeated every scheduleHours.
        var changes: [(Int64, Int)] = []
        var base = 0.0
        repeat {
            for entry in c.schedule { changes.append((at((base + entry.fromHour) * 3600), entry.agents)) }
            base += c.scheduleHours ?? .infinity
        } while base < c.warmUpHours + c.hours

        // Events by number: 0 the next arrival, 1... the schedule changes, then two per
        // caller slot (handled, patience over). Callers in progress reuse slots.
        var events = IndexedHeap<Due>()
        var positions: [Int] = []
        var sequence: Int64 = 0
        func schedule(_ key: Int, _ ms: Int64) {
            sequence += 1
            events.push(key, Due(at: ms, sequence: sequence), &positions)
        }
        let callerBase = 1 + changes.count
        struct Caller { var id: InteractionID; var arrivedAt: Int64 }
        var callers: [Caller?] = []
        var freeCallers: [Int] = []
        var callerSlots: [InteractionID: Int] = [:]
        schedule(0, at(-meanGap * naturalLogarithm(1 - random.unit())))
        for (index, change) in changes.enumerated() where change.0 < end { schedule(1 + index, change.0) }

        var result = SimulationResult()
        var nextContact = 0
        var staffed: [AgentID] = []        // logged in, in order
        var leaving = 0                    // agents to log out when their call ends
        var lastMark: Int64 = 0
        var onCalls = 0

        func account(until now: Int64) {
            let from = max(lastMark, countFrom), to = min(now, end)
            if to > from {
                let seconds = Double(to - from) / 1000
                result.staffedSeconds += seconds * Double(staffed.count)
                result.busySeconds += seconds * Double(onCalls)
            }
            lastMark = max(lastMark, now)
        }

        func handle(_ actions: [ACDAction], now: Int64) throws {
            var pending = actions
            var i = 0
            while i < pending.count {
                let action = pending[i]
                i += 1
                result.events += 1
                guard case .offer(let id, _, _, _, _) = action, let slot = callerSlots[id], let caller = callers[slot] else { continue }
                // Agents answer at once.
                pending += try acd.offerAnswered(id, now: Timestamp(millisecondsSinceEpoch: now))
                events.remove(callerBase + 2 * slot + 1, &positions)
                onCalls += 1
                let wait = now - caller.arrivedAt
                if caller.arrivedAt >= countFrom {
                    result.answered += 1
                    if wait > 0 { result.waited += 1 }
                    if wait <= Int64(c.queue.serviceLevelSeconds) * 1000 { result.answeredInTarget += 1 }
                    result.totalWaitSeconds += Double(wait) / 1000
                    let batch = min(SimulationResult.batchCount - 1,
                                    Int((caller.arrivedAt - countFrom) * Int64(SimulationResult.batchCount) / max(1, end - countFrom)))
                    result.batches[batch].answered += 1
                    if wait > 0 { result.batches[batch].waited += 1 }
                    result.batches[batch].totalWaitSeconds += Double(wait) / 1000
                }
                schedule(callerBase + 2 * slot, now + max(1, at(c.handle.draw(&random))))
            }
        }

        func release(_ slot: Int) {
            if let caller = callers[slot] { callerSlots[caller.id] = nil }
            callers[slot] = nil
            freeCallers.append(slot)
        }

        while let next = events.first, next.element.at < end {
            let engineDue = acd.nextDeadline?.millisecondsSinceEpoch
            if let engineDue, engineDue < next.element.at {
                account(until: engineDue)
                try handle(acd.advance(to: Timestamp(millisecondsSinceEpoch: engineDue)), now: engineDue)
                continue
            }
            events.popFirst(&positions)
            let now = next.element.at
            account(until: now)
            let time = Timestamp(millisecondsSinceEpoch: now)
            switch next.key {
            case 0:
                nextContact += 1
                result.contactsSimulated += 1
                let id = InteractionID(rawValue: "c\(nextContact)")
                let slot: Int
                if let reused = freeCallers.popLast() {
                    slot = reused
                    callers[slot] = Caller(id: id, arrivedAt: now)
                } else {
                    slot = callers.count
                    callers.append(Caller(id: id, arrivedAt: now))
                }
                callerSlots[id] = slot
                if now >= countFrom { result.arrived += 1 }
                if let patience = c.patience { schedule(callerBase + 2 * slot + 1, now + at(patience.draw(&random))) }
                try handle(acd.enqueue(ContactRequest(id: id, queue: c.queue.id), now: time), now: now)
                schedule(0, now + max(1, at(-meanGap * naturalLogarithm(1 - random.unit()))))
            case let key where key >= callerBase && (key - callerBase) % 2 == 1:
                // Patience over: the caller hangs up.
                let slot = (key - callerBase) / 2
                guard let caller = callers[slot] else { continue }
                if caller.arrivedAt >= countFrom { result.abandoned += 1 }
                release(slot)
                try handle(acd.abandon(caller.id, now: time), now: now)
            case let key where key >= callerBase:
                // Handled: the call ends.
                let slot = (key - callerBase) / 2
                guard let caller = callers[slot] else { continue }
                release(slot)
                onCalls -= 1
                let agentID = acd.agent(on: caller.id)
                if leaving > 0, let agentID {
                    // A shrinking schedule: this agent leaves after the call.
                    leaving -= 1
                    _ = try acd.makeNotReady(agentID, reason: .break, now: time)
                    _ = try acd.callEnded(caller.id, now: time)
                    _ = try acd.logout(agentID, now: time)
                    staffed.removeAll { $0 == agentID }
                } else {
                    try handle(acd.callEnded(caller.id, now: time), now: now)
                }
            default:
                let index = next.key - 1
                let target = changes[index].1
                while staffed.count - leaving < target {
                    if leaving > 0 { leaving -= 1; continue }
                    let id = AgentID(rawValue: "a\(staffed.count + 1)-\(index)")
                    staffed.append(id)
                    try handle(acd.login(AgentProfile(id: id, skills: ["sim": 5]), ready: true, now: time), now: now)
                }
                // Fewer agents: idle ones leave now, busy ones after their call.
                var excess = staffed.count - leaving - target
                for id in staffed.reversed() where excess > 0 {
                    if acd.state(of: id) == .available {
                        _ = try acd.logout(id, now: time)
                        staffed.removeAll { $0 == id }
                        excess -= 1
                    }
                }
                leaving += excess
            }
        }
        account(until: end)
        result.simulatedHours = c.hours
        return result
    }
}

/// A small, fast, seedable generator (PCG-style LCG with an xorshift output) so runs repeat.
public struct SimulationRandom: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        var x = state
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        return x
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// ln(x) for x in (0, 1] without Foundation: x = m·2^e with m in [1, 2), then
/// ln m = 2·atanh((m − 1)/(m + 1)) by its series.
func naturalLogarithm(_ x: Double) -> Double {
    guard x > 0 else { return -.infinity }
    let e = x.exponent
    let m = x.significand   // [1, 2)
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var term = s, sum = 0.0
    var k = 1.0
    while k < 60 {
        sum += term / k
        term *= s2
        k += 2
    }
    return 2 * sum + Double(e) * 0.6931471805599453
}
