import ACD
import HotlineModel
import Yams

/// The `queues:` section:
///
/// ```yaml
/// queues:
///   - id: cards
///     names: {zh-CN: 银行卡服务, en-US: Card services}
///     skills: [cards:5]                 # NAME:MINIMUM_LEVEL, every one required
///     strategy: most-skilled            # longest-idle, most-skilled, round-robin, least-occupied
///     service_level: {percent: 80, seconds: 20}
///     max_wait_seconds: 600
///     max_wait_offer: voicemail-or-callback
///     max_length: 50
///     ring_seconds: 15
///     wrap_up_seconds: 30               # or `agent`: until the agent ends it
///     wrap_up_requires_disposition: true
///     announce_every_seconds: 45        # or `never`
///     preferred_agent_window_seconds: 86400
///     default_handle_seconds: 240
///     record: true
///     callback_key: "*"                 # a waiting caller presses it to be called back, keeping their place
///     escalation:
///       - {after_seconds: 60, relax_minimum_level: 2}
///       - {after_seconds: 120, add_skill: banking:3}
///       - {after_seconds: 300, overflow: general}
/// ```
/// Problems of the queues taken together (an overflow to a queue that does not exist, an
/// overflow loop, a step that can never run) are reported at the queue or step at fault.
extension ConfigurationReader {
    static let queueKeys = ["id", "names", "skills", "strategy", "service_level", "max_wait_seconds", "max_wait_offer",
                            "max_length", "ring_seconds", "wrap_up_seconds", "wrap_up_requires_disposition",
                            "announce_every_seconds", "preferred_agent_window_seconds", "default_handle_seconds", "record",
                            "escalation", "callback_key"]

    /// One queue as an administrator sends it: the mapping of a `queues:` item (JSON is
    /// YAML too), its `id` the path's or left out. Checked alone; the routing engine checks
    /// it with the others (overflow targets) when it is applied.
    public func readQueue(text: String, id: String) throws(ConfigurationError) -> QueueConfiguration {
        guard let root = try compose(text), case .mapping(var mapping) = root else {
            throw ConfigurationError(file: file, message: "the queue must be one mapping, e.g. {\"names\": {...}, \"skills\": [\"cards:5\"]}")
        }
        if let given = mapping[Node("id")] {
            guard given.string == id else { throw error(given, "id", "'\(given.string ?? "")' differs from the queue in the path (\(id)); leave id out") }
        } else {
            mapping[Node("id")] = Node(id)
        }
        return try readQueues(.sequence(Node.Sequence([.mapping(mapping)])), together: false)[0]
    }

    func readQueues(_ node: Node, together: Bool = true) throws(ConfigurationError) -> [QueueConfiguration] {
        guard case .sequence(let items) = node else { throw error(node, "queues", "must be a list of queues (`- id: cards`)") }
        var queues: [QueueConfiguration] = []
        var nodes: [(queue: Node, steps: [Node])] = []
        for (i, item) in items.enumerated() {
            let path = "queues[\(i)]"
            var queue = QueueConfiguration(id: "", requiredSkills: [])
            var stepNodes: [Node] = []
            var sawID = false, sawSkills = false
            for (k, v) in try mapping(item, key: path) {
                let key = try scalarKey(k)
                let at = "\(path).\(key)"
                switch key {
                case "id":
                    queue.id = try string(v, key: at)
                    sawID = true
                case "names":
                    for (lk, lv) in try mapping(v, key: at) {
                        let tag = try scalarKey(lk)
                        guard let language = Language(rawValue: tag) else {
                            throw error(lk, at, "'\(tag)' is not a supported language; use zh-CN or en-US")
                        }
                        let name = try string(lv, key: "\(at).\(tag)")
                        guard !name.allSatisfy(\.isWhitespace) else { throw error(lv, "\(at).\(tag)", "is empty; give the queue's name in \(tag)") }
                        queue.names[language] = name
                    }
                case "skills":
                    queue.requiredSkills = try skillList(v, key: at)
                    sawSkills = true
                case "strategy":
                    let s = try string(v, key: at)
                    guard let strategy = RoutingStrategy(rawValue: s) else {
                        throw error(v, at, "'\(s)' is not a strategy; use \(RoutingStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    queue.strategy = strategy
                case "service_level":
                    for (sk, sv) in try mapping(v, key: at) {
                        switch try scalarKey(sk) {
                        case "percent": queue.serviceLevelPercent = try int(sv, key: "\(at).percent", range: 1...100)
                        case "seconds": queue.serviceLevelSeconds = try int(sv, key: "\(at).seconds", range: 1...3600)
                        case let other: throw unknownKey(sk, other, in: at, known: ["percent", "seconds"])
                        }
                    }
                case "max_wait_seconds": queue.maximumWaitSeconds = try int(v, key: at, range: 1...86_400)
                case "max_wait_offer":
                    let s = try string(v, key: at)
                    guard let offer = MaximumWaitOffer(rawValue: s) else {
                        throw error(v, at, "'\(s)' is not an offer; use voicemail, callback or voicemail-or-callback")
                    }
                    queue.maximumWaitOffer = offer
                case "max_length": queue.maximumLength = try int(v, key: at, range: 1...1_000_000)
                case "ring_seconds": queue.ringSeconds = try int(v, key: at, range: 1...300)
                case "wrap_up_seconds":
                    if try string(v, key: at) == "agent" {
                        queue.wrapUpSeconds = nil
                    } else {
                        queue.wrapUpSeconds = try int(v, key: at, range: 0...3600)
                    }
                case "wrap_up_requires_disposition": queue.wrapUpRequiresDisposition = try bool(v, key: at)
                case "announce_every_seconds":
                    if try string(v, key: at) == "never" {
                        queue.announceEverySeconds = nil
                    } else {
                        queue.announceEverySeconds = try int(v, key: at, range: 5...3600)
                    }
                case "preferred_agent_window_seconds": queue.preferredAgentWindowSeconds = try int(v, key: at, range: 1...31_536_000)
                case "default_handle_seconds": queue.defaultHandleSeconds = try int(v, key: at, range: 1...86_400)
                case "record": queue.records = try bool(v, key: at)
                case "callback_key":
                    let key = try string(v, key: at)
                    guard key.count == 1, let c = key.first, "0123456789*#".contains(c) else {
                        throw error(v, at, "'\(key)' is not one phone key; use one of 0-9, * or #")
                    }
                    queue.callbackKey = c
                case "escalation":
                    guard case .sequence(let steps) = v else { throw error(v, at, "must be a list of steps (`- {after_seconds: 60, relax_minimum_level: 2}`)") }
                    for (j, stepNode) in steps.enumerated() {
                        queue.escalation.append(try escalationStep(stepNode, path: "\(at)[\(j)]"))
                        stepNodes.append(stepNode)
                    }
                default:
                    throw unknownKey(k, key, in: path, known: Self.queueKeys)
                }
            }
            guard sawID else { throw error(item, path, "has no id; add `id: cards` (the name flows transfer to)") }
            guard sawSkills else { throw error(item, path, "has no skills; add `skills: [cards:5]` (agents are matched by skill)") }
            queues.append(queue)
            nodes.append((item, stepNodes))
        }
        // The queues taken together; each problem at its queue or step.
        if together, let first = QueueConfiguration.problems(queues).first,
           let index = queues.firstIndex(where: { $0.id == first.queue }) {
            let at = first.step.flatMap { nodes[index].steps.indices.contains($0) ? nodes[index].steps[$0] : nil } ?? nodes[index].queue
            let key = "queues[\(index)]" + (first.step.map { ".escalation[\($0)]" } ?? "")
            throw error(at, key, first.message)
        }
        return queues
    }

    /// `[cards:5, banking]`: skill names with an optional minimum level (1 when left out).
    private func skillList(_ node: Node, key: String) throws(ConfigurationError) -> [SkillRequirement] {
        var result: [SkillRequirement] = []
        for item in try stringList(node, key: key) {
            result.append(try skillRequirement(item, node: node, key: key))
        }
        return result
    }

    private func skillRequirement(_ text: String, node: Node, key: String) throws(ConfigurationError) -> SkillRequirement {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw error(node, key, "'\(text)' is not SKILL or SKILL:LEVEL (letters, digits, '-', '_'; e.g. cards:5)")
        }
        guard parts.count <= 2 else { throw error(node, key, "'\(text)' has more than one ':'; write SKILL:LEVEL") }
        guard parts.count == 2 else { return SkillRequirement(name) }
        guard let level = Int(parts[1]), (1...10).contains(level) else {
            throw error(node, key, "'\(text)': the level must be a whole number from 1 to 10")
        }
        return SkillRequirement(name, minimumLevel: level)
    }

    private func escalationStep(_ node: Node, path: String) throws(ConfigurationError) -> EscalationStep {
        var after: Int?
        var action: EscalationStep.Action?
        let actionKeys = ["relax_minimum_level", "add_skill", "overflow"]
        for (k, v) in try mapping(node, key: path) {
            let key = try scalarKey(k)
            let at = "\(path).\(key)"
            if actionKeys.contains(key), action != nil {
                throw error(k, at, "a step does one thing; split relax_minimum_level, add_skill and overflow into separate steps")
            }
            switch key {
            case "after_seconds": after = try int(v, key: at, range: 1...86_400)
            case "relax_minimum_level": action = .relaxMinimumLevel(to: try int(v, key: at, range: 1...10))
            case "add_skill": action = .addSkill(try skillRequirement(try string(v, key: at), node: v, key: at))
            case "overflow": action = .overflow(to: try string(v, key: at))
            default: throw unknownKey(k, key, in: path, known: ["after_seconds"] + actionKeys)
            }
        }
        guard let after else { throw error(node, path, "has no after_seconds; say when the step runs (`after_seconds: 60`)") }
        guard let action else { throw error(node, path, "does nothing; add relax_minimum_level, add_skill or overflow") }
        return EscalationStep(afterSeconds: after, action)
    }
}
