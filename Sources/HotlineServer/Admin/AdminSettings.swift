import ACD
import HotlineModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What administrators changed from the web pages: agents' names, roles and skills,
/// queues, and which flow each line runs. Kept in `<data_dir>/admin-settings.json` and laid
/// over the configuration file at start-up, so a change survives a restart; the
/// configuration file itself is never rewritten.
public struct AdminSettings: Codable, Hashable, Sendable {
    public struct Agent: Codable, Hashable, Sendable {
        public var name: String
        public var roles: [String]
        public var skills: [String: Int]
        public var language: String
    }

    public struct Line: Codable, Hashable, Sendable {
        public var name: String
        public var flow: String
    }

    public var agents: [String: Agent] = [:]
    /// Queue id → the queue as a `queues:` item (the configuration's keys), JSON text.
    public var queues: [String: String] = [:]
    public var lines: [String: Line] = [:]

    public init() {}

    public static func path(dataDirectory: String) -> String { dataDirectory + "/admin-settings.json" }

    /// The stored settings; none when there is no file yet.
    public static func load(dataDirectory: String) throws(ConfigurationError) -> AdminSettings {
        let path = path(dataDirectory: dataDirectory)
        guard let text = try? FileIO.read(path) else { return AdminSettings() }
        do {
            return try JSONDecoder().decode(AdminSettings.self, from: Data(text.utf8))
        } catch {
            throw ConfigurationError(file: path, message: "cannot read the administrators' settings (\(error)); "
                                         + "fix or remove the file (the configuration file's values then apply)")
        }
    }

    /// Writes the settings whole: a new file renamed over the old, so a crash leaves one or
    /// the other.
    public func save(dataDirectory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileIO.writeAtomically(Self.path(dataDirectory: dataDirectory), String(decoding: try encoder.encode(self), as: UTF8.self),
                                   mode: 0o600)
    }

    /// The configuration with these settings laid over it. A stored queue that no longer
    /// reads is an error naming it (the server does not start on half a configuration).
    public func applied(to base: HotlineConfiguration) throws(ConfigurationError) -> HotlineConfiguration {
        var config = base
        for i in config.agents.indices {
            guard let a = agents[config.agents[i].username] else { continue }
            config.agents[i].displayName = a.name
            config.agents[i].roles = a.roles
            config.agents[i].skills = a.skills.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            config.agents[i].language = a.language
        }
        let reader = ConfigurationReader(file: "admin-settings.json")
        for (id, text) in queues.sorted(by: { $0.key < $1.key }) {
            let queue = try reader.readQueue(text: text, id: id)
            if let i = config.queues.firstIndex(where: { $0.id == id }) { config.queues[i] = queue } else { config.queues.append(queue) }
        }
        for (number, line) in lines {
            if let i = config.lines.firstIndex(where: { $0.number == number }) {
                config.lines[i].name = line.name
                config.lines[i].flow = line.flow
            } else {
                config.lines.append(.init(number: number, name: line.name, answerAfterMilliseconds: 0, rejectWith: nil,
                                          media: .init(), bridgeTo: nil, flow: line.flow))
            }
        }
        return config
    }
}

extension QueueConfiguration {
    /// The queue as a `queues:` item of the configuration (what `readQueue` reads back).
    public var configDocument: JSONValue {
        func skill(_ s: SkillRequirement) -> String { s.minimumLevel == 1 ? s.skill : "\(s.skill):\(s.minimumLevel)" }
        var doc: [String: JSONValue] = [
            "id": .string(id),
            "names": .object(Dictionary(uniqueKeysWithValues: names.map { ($0.key.rawValue, JSONValue.string($0.value)) })),
            "skills": .strings(requiredSkills.map(skill)),
            "strategy": .string(strategy.rawValue),
            "service_level": ["percent": .int(serviceLevelPercent), "seconds": .int(serviceLevelSeconds)],
            "max_wait_offer": .string(maximumWaitOffer.rawValue),
            "ring_seconds": .int(ringSeconds),
            "wrap_up_seconds": wrapUpSeconds.map { .int($0) } ?? "agent",
            "wrap_up_requires_disposition": .bool(wrapUpRequiresDisposition),
            "announce_every_seconds": announceEverySeconds.map { .int($0) } ?? "never",
            "default_handle_seconds": .int(defaultHandleSeconds),
            "record": .bool(records),
            "escalation": .array(escalation.map { step in
                switch step.action {
                case .relaxMinimumLevel(let level): ["after_seconds": .int(step.afterSeconds), "relax_minimum_level": .int(level)]
                case .addSkill(let s): ["after_seconds": .int(step.afterSeconds), "add_skill": .string(skill(s))]
                case .overflow(let to): ["after_seconds": .int(step.afterSeconds), "overflow": .string(to)]
                }
            }),
        ]
        if let v = maximumWaitSeconds { doc["max_wait_seconds"] = .int(v) }
        if let v = maximumLength { doc["max_length"] = .int(v) }
        if let v = preferredAgentWindowSeconds { doc["preferred_agent_window_seconds"] = .int(v) }
        if let v = callbackKey { doc["callback_key"] = .string(String(v)) }
        return .object(doc)
    }
}
