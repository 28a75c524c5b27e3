import HotlineModel

/// A skill an agent must hold, at `minimumLevel` (1...10) or better.
public struct SkillRequirement: Hashable, Sendable, Codable, CustomStringConvertible {
    public var skill: String
    public var minimumLevel: Int

    public init(_ skill: String, minimumLevel: Int = 1) {
        self.skill = skill
        self.minimumLevel = minimumLevel
    }

    public var description: String { "\(skill)>=\(minimumLevel)" }
}

/// How a queue picks among the free agents who may take a contact. Every strategy ends
/// its ties on the agent id, so a decision never depends on the order agents logged in.
public enum RoutingStrategy: String, Hashable, Sendable, Codable, CaseIterable {
    /// The agent free the longest (since their last call's wrap-up ended, or they became available).
    case longestIdle = "longest-idle"
    /// The agent with the highest levels in the skills the contact needs; then the longest idle.
    case mostSkilled = "most-skilled"
    /// The next agent after the one this queue offered last, in agent-id order.
    case roundRobin = "round-robin"
    /// The agent busy (reserved, on calls, in wrap-up) the smallest share of their
    /// logged-in time; then the longest idle.
    case leastOccupied = "least-occupied"
}

/// What a caller is offered when they have waited the queue's maximum.
public enum MaximumWaitOffer: String, Hashable, Sendable, Codable {
    case voicemail
    case callback
    /// Either, the caller chooses.
    case voicemailOrCallback = "voicemail-or-callback"
}

/// One step of a queue's escalation, `afterSeconds` after a contact entered the queue.
public struct EscalationStep: Hashable, Sendable {
    public enum Action: Hashable, Sendable {
        /// Every required skill's minimum level drops to at most this level.
        case relaxMinimumLevel(to: Int)
        /// Agents with this skill may take the contact too (an alternative, not an extra requirement).
        case addSkill(SkillRequirement)
        /// The contact moves to another queue, keeping its place by its original arrival.
        case overflow(to: String)
    }

    public var afterSeconds: Int
    public var action: Action

    public init(afterSeconds: Int, _ action: Action) {
        self.afterSeconds = afterSeconds
        self.action = action
    }
}

/// A queue: who may take its contacts, in which order, and what happens as they wait.
public struct QueueConfiguration: Hashable, Sendable {
    public var id: String
    /// The name callers and agents see, per language.
    public var names: [Language: String]
    public var requiredSkills: [SkillRequirement]
    public var strategy: RoutingStrategy
    /// Service-level target: `serviceLevelPercent` % answered within `serviceLevelSeconds`.
    public var serviceLevelPercent: Int
    public var serviceLevelSeconds: Int
    /// Longest wait before the caller is offered `maximumWaitOffer`; nil: no limit.
    public var maximumWaitSeconds: Int?
    public var maximumWaitOffer: MaximumWaitOffer
    /// Most contacts waiting at once; a new one is refused beyond it. nil: no limit.
    public var maximumLength: Int?
    public var escalation: [EscalationStep]
    /// Seconds an agent's phone rings before the offer goes to the next agent and the
    /// agent becomes not ready ("missed call").
    public var ringSeconds: Int
    /// After-call work: this many seconds, or until the agent ends it when nil.
    public var wrapUpSeconds: Int?
    /// The desktop requires a disposition before the agent can end wrap-up.
    public var wrapUpRequiresDisposition: Bool
    /// Position and estimated-wait announcements every this many seconds; nil: none.
    public var announceEverySeconds: Int?
    /// A returning customer's previous agent is preferred when their last call with that
    /// agent ended at most this long ago; nil: no preference.
    public var preferredAgentWindowSeconds: Int?
    /// Handle time (talk + wrap-up) assumed for the wait estimate until calls were handled.
    public var defaultHandleSeconds: Int
    /// Record the calls answered from this queue.
    public var records: Bool
    /// A key a waiting caller presses to hang up and be called back, keeping their place
    /// (announced with the position); nil: no callback while waiting. The host's, not
    /// routing's: a callback is queued by ``ACDEngine/convertToCallback(_:number:now:)``.
    public var callbackKey: Character?

    public init(id: String, names: [Language: String] = [:], requiredSkills: [SkillRequirement],
                strategy: RoutingStrategy = .longestIdle, serviceLevelPercent: Int = 80, serviceLevelSeconds: Int = 20,
                maximumWaitSeconds: Int? = nil, maximumWaitOffer: MaximumWaitOffer = .voicemailOrCallback,
                maximumLength: Int? = nil, escalation: [EscalationStep] = [], ringSeconds: Int = 15,
                wrapUpSeconds: Int? = 10, wrapUpRequiresDisposition: Bool = false, announceEverySeconds: Int? = 30,
                preferredAgentWindowSeconds: Int? = nil, defaultHandleSeconds: Int = 180, records: Bool = true,
                callbackKey: Character? = nil) {
        self.id = id
        self.names = names
        self.requiredSkills = requiredSkills
        self.strategy = strategy
        self.serviceLevelPercent = serviceLevelPercent
        self.serviceLevelSeconds = serviceLevelSeconds
        self.maximumWaitSeconds = maximumWaitSeconds
        self.maximumWaitOffer = maximumWaitOffer
        self.maximumLength = maximumLength
        self.escalation = escalation
        self.ringSeconds = ringSeconds
        self.wrapUpSeconds = wrapUpSeconds
        self.wrapUpRequiresDisposition = wrapUpRequiresDisposition
        self.announceEverySeconds = announceEverySeconds
        self.preferredAgentWindowSeconds = preferredAgentWindowSeconds
        self.defaultHandleSeconds = defaultHandleSeconds
        self.records = records
        self.callbackKey = callbackKey
    }

    /// Who may take a contact at each stage of its wait: stage 0 is `requiredSkills`, and
    /// every relaxing or skill-adding step opens the next. Each stage admits everyone the
    /// stage before admitted (the steps only widen), which routing relies on.
    var stages: [Eligibility] {
        var current = Eligibility(sets: [requiredSkills])
        var result = [current]
        for step in escalation.sorted(by: { $0.afterSeconds < $1.afterSeconds }) {
            switch step.action {
            case .relaxMinimumLevel(let level):
                current.sets = current.sets.map { $0.map { SkillRequirement($0.skill, minimumLevel: min($0.minimumLevel, level)) } }
                result.append(current)
            case .addSkill(let requirement):
                current.sets.append([requirement])
                result.append(current)
            case .overflow:
                break
            }
        }
        return result
    }
}

/// Agents meeting every requirement of any one set may take the contact (compiled to
/// skill numbers for routing: `CompiledEligibility`).
struct Eligibility: Hashable, Sendable {
    var sets: [[SkillRequirement]]
}

/// A queue configuration that cannot work as written.
public struct QueueConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var queue: String
    /// The escalation step concerned (its index in the configuration), if any.
    public var step: Int?
    public var message: String

    public var description: String {
        "queue \(queue)" + (step.map { ", escalation step \($0 + 1)" } ?? "") + ": \(message)"
    }
}

extension QueueConfiguration {
    /// Every problem of `queues` taken together (overflow targets must exist, overflow
    /// must not loop). Empty when they are fine.
    public static func problems(_ queues: [QueueConfiguration]) -> [QueueConfigurationError] {
        var problems: [QueueConfigurationError] = []
        var byID: [String: QueueConfiguration] = [:]
        for queue in queues {
            if byID[queue.id] != nil {
                problems.append(QueueConfigurationError(queue: queue.id, message: "is defined twice; give each queue its own id"))
            }
            byID[queue.id] = queue
        }
        for queue in queues {
            problems += queue.ownProblems(known: Set(byID.keys))
        }
        // Overflow loops: following overflow targets from a queue must not come back to it.
        for queue in queues {
            var seen: [String] = [queue.id]
            var current = queue
            while let target = current.overflowTarget, let next = byID[target] {
                if seen.contains(target) {
                    if target == queue.id {
                        problems.append(QueueConfigurationError(queue: queue.id, message:
                            "overflow goes round in a loop (\((seen + [target]).joined(separator: " -> "))); end the chain at a queue that does not overflow"))
                    }
                    break
                }
                seen.append(target)
                current = next
            }
        }
        return problems
    }

    var overflowTarget: String? {
        for step in escalation { if case .overflow(let target) = step.action { return target } }
        return nil
    }

    private func ownProblems(known: Set<String>) -> [QueueConfigurationError] {
        var problems: [QueueConfigurationError] = []
        func problem(_ message: String, step: Int? = nil) {
            problems.append(QueueConfigurationError(queue: id, step: step, message: message))
        }
        if id.isEmpty || !id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            problem("the id must be letters, digits, '-' or '_'")
        }
        if requiredSkills.isEmpty { problem("requires no skill; name at least one (agents are matched by skill)") }
        for requirement in requiredSkills where !Skill.levels.contains(requirement.minimumLevel) {
            problem("skill \(requirement.skill) asks for level \(requirement.minimumLevel); levels run 1 to 10")
        }
        if Set(requiredSkills.map(\.skill)).count != requiredSkills.count { problem("names a skill twice; list each skill once") }
        if !(1...100).contains(serviceLevelPercent) || serviceLevelSeconds < 1 {
            problem("service level \(serviceLevelPercent) % in \(serviceLevelSeconds) s is not a target; use 1-100 % in 1 s or more")
        }
        if let m = maximumWaitSeconds, m < 1 { problem("maximum wait \(m) s must be at least 1 s (or left out for no limit)") }
        if let m = maximumLength, m < 1 { problem("maximum length \(m) must be at least 1 (or left out for no limit)") }
        if ringSeconds < 1 || ringSeconds > 300 { problem("ring time \(ringSeconds) s must be 1-300 s") }
        if let w = wrapUpSeconds, w < 0 { problem("wrap-up \(w) s cannot be negative") }
        if let a = announceEverySeconds, a < 5 { problem("announcements every \(a) s would talk over each other; use 5 s or more") }
        if let p = preferredAgentWindowSeconds, p < 1 { problem("the preferred-agent window must be at least 1 s (or left out)") }
        if defaultHandleSeconds < 1 { problem("the default handle time must be at least 1 s") }

        var previous = -1
        var minimum = requiredSkills.map(\.minimumLevel).max() ?? 1
        var alternatives = Set(requiredSkills.map(\.skill))
        var overflowAt: Int?
        for (index, step) in escalation.enumerated() {
            if step.afterSeconds < 1 { problem("runs after \(step.afterSeconds) s; steps run 1 s or more after a contact arrives", step: index) }
            if step.afterSeconds <= previous {
                problem("runs at \(step.afterSeconds) s, not after the step before it (\(previous) s); list steps in time order", step: index)
            }
            previous = max(previous, step.afterSeconds)
            if let overflowAt {
                problem("can never run: the contact has left for another queue at \(overflowAt) s; remove it or move it before the overflow", step: index)
                continue
            }
            if let m = maximumWaitSeconds, step.afterSeconds >= m {
                problem("runs at \(step.afterSeconds) s, at or after the maximum wait (\(m) s), so it never changes who answers; make it earlier or raise the maximum wait", step: index)
            }
            switch step.action {
            case .relaxMinimumLevel(let level):
                if !Skill.levels.contains(level) { problem("relaxes to level \(level); levels run 1 to 10", step: index) }
                if level >= minimum {
                    problem("relaxes to level \(level), but no requirement is above it by then; lower the level or remove the step", step: index)
                }
                minimum = min(minimum, level)
            case .addSkill(let requirement):
                if !Skill.levels.contains(requirement.minimumLevel) {
                    problem("adds skill \(requirement.skill) at level \(requirement.minimumLevel); levels run 1 to 10", step: index)
                }
                if !alternatives.insert(requirement.skill).inserted {
                    problem("adds skill \(requirement.skill), which the queue already accepts; name another skill", step: index)
                }
            case .overflow(let target):
                if target == id { problem("overflows to itself; name another queue", step: index) }
                else if !known.contains(target) { problem("overflows to queue \(target), which does not exist; define it or fix the name", step: index) }
                overflowAt = step.afterSeconds
            }
        }
        return problems
    }
}

extension QueueConfiguration {
    /// Whether an agent with these skills (name → level) holds every skill the queue
    /// requires at its minimum level: the agents it is staffed by (before escalation).
    public func isServed(by skills: [String: Int]) -> Bool {
        requiredSkills.allSatisfy { (skills[$0.skill] ?? 0) >= $0.minimumLevel }
    }
}
