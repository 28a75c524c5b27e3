import HotlineModel

/// What one subscriber asked to receive: event types, an agent, a queue (each optional;
/// all given must match). From the stream's query: `?types=agent.state,queue.stats&agent=1001`.
public struct EventFilter: Hashable, Sendable {
    public var types: Set<String>?
    public var agent: String?
    public var queue: String?

    public init(types: Set<String>? = nil, agent: String? = nil, queue: String? = nil) {
        self.types = types
        self.agent = agent
        self.queue = queue
    }

    /// Why a filter cannot be read: which parameter, and what to do.
    public struct Problem: Error, Hashable, Sendable {
        public var field: String
        public var message: String
    }

    /// Reads `types` (comma-separated, each a known type or a prefix ending in `.*`),
    /// `agent` and `queue`.
    public static func parse(types: String?, agent: String?, queue: String?) throws(Problem) -> EventFilter {
        var filter = EventFilter()
        if let types {
            let names = types.split(separator: ",").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
            guard !names.isEmpty else {
                throw Problem(field: "types", message: "types is empty; leave it out for every type, or list some of: "
                                  + EventType.all.joined(separator: ", "))
            }
            for name in names where !EventType.all.contains(name) && !(name.hasSuffix(".*") && EventType.all.contains {
                $0.hasPrefix(String(name.dropLast()))
            }) {
                throw Problem(field: "types", message: "'\(name)' is not an event type; use some of: "
                                  + EventType.all.joined(separator: ", ") + " (or a prefix such as interaction.*)")
            }
            filter.types = Set(names)
        }
        for (name, value) in [("agent", agent), ("queue", queue)] {
            guard let value else { continue }
            guard !value.isEmpty, value.count <= 64, value.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw Problem(field: name, message: "'\(value)' is not an \(name) id (letters, digits, - _ . up to 64)")
            }
        }
        filter.agent = agent
        filter.queue = queue
        return filter
    }

    public func matches(_ event: Event) -> Bool {
        if let types, !types.contains(event.type),
           !types.contains(where: { $0.hasSuffix(".*") && event.type.hasPrefix(String($0.dropLast())) }) {
            return false
        }
        if let agent, !event.agents.contains(agent) { return false }
        if let queue, !event.queues.contains(queue) { return false }
        return true
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
