import HotlineModel

/// Who last talked to each caller, so a returning caller can be offered to the same agent
/// within a queue's preferred-agent window (``QueueConfiguration/preferredAgentWindowSeconds``).
///
/// Keyed by the caller's number as presented; the time is when that agent's part of the
/// call ended (the window runs from the end of the last conversation, not its start).
public struct PreferredAgents: Sendable {
    private var last: [String: (agent: AgentID, at: Timestamp)] = [:]
    /// Entries older than this are dropped as new ones come (the longest window configured).
    public let keepSeconds: Int
    /// The size at which old entries are next dropped (doubling with what is kept, so
    /// dropping costs O(1) per call on average).
    private var pruneAt = 4096

    public init(keepSeconds: Int) {
        self.keepSeconds = keepSeconds
    }

    /// Remembers what a finished call says: the last agent who answered it, when their part ended.
    public mutating func note(_ record: CallRecord) {
        guard !record.caller.isEmpty,
              let segment = record.segments.last(where: { $0.answeredAt != nil }),
              let at = segment.endedAt ?? record.endedAt else { return }
        note(caller: record.caller, agent: segment.agentID, at: at)
    }

    public mutating func note(caller: String, agent: AgentID, at: Timestamp) {
        if let current = last[caller], current.at > at { return }
        last[caller] = (agent, at)
        if last.count >= pruneAt {
            let cutoff = at.adding(milliseconds: -Int64(keepSeconds) * 1000)
            last = last.filter { $0.value.at >= cutoff }
            pruneAt = max(4096, last.count * 2)
        }
    }

    /// The agent `caller` last talked to, if that was at most `windowSeconds` before `now`.
    public func agent(for caller: String, windowSeconds: Int?, now: Timestamp) -> AgentID? {
        guard let windowSeconds, let entry = last[caller] else { return nil }
        let age = now.millisecondsSinceEpoch - entry.at.millisecondsSinceEpoch
        return age <= Int64(windowSeconds) * 1000 ? entry.agent : nil
    }

    public var count: Int { last.count }
}
