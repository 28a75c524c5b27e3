/// Per-source rate limiting of inbound SIP messages: a token bucket per source address,
/// so one flooding source is cut down to its rate without starving the others.
/// Pure; time is an input (nanoseconds).
public struct FloodGuard: Sendable {
    public struct Policy: Sendable, Hashable {
        /// Sustained messages per second per source; 0 disables the guard.
        public var messagesPerSecond: Int
        public var burst: Int
        /// Sources never limited (e.g. a SIP load balancer in front of the node).
        public var exempt: Set<String>
        /// Bound on tracked sources; the stalest is forgotten first.
        public var maximumSources: Int

        public init(messagesPerSecond: Int = 2000, burst: Int = 4000, exempt: Set<String> = [], maximumSources: Int = 65_536) {
            self.messagesPerSecond = messagesPerSecond
            self.burst = burst
            self.exempt = exempt
            self.maximumSources = maximumSources
        }
    }

    private struct Bucket: Sendable {
        var tokens: Double
        var updated: Int64
    }

    public let policy: Policy
    private var buckets: [String: Bucket] = [:]

    public init(policy: Policy = Policy()) { self.policy = policy }

    public var trackedSources: Int { buckets.count }

    /// Whether a message from `source` may be processed now; consumes a token if so.
    public mutating func admit(source: String, now: Int64) -> Bool {
        guard policy.messagesPerSecond > 0, !policy.exempt.contains(source) else { return true }
        let rate = Double(policy.messagesPerSecond) / 1e9
        var b = buckets[source] ?? Bucket(tokens: Double(policy.burst), updated: now)
        b.tokens = min(Double(policy.burst), b.tokens + Double(max(0, now - b.updated)) * rate)
        b.updated = now
        let ok = b.tokens >= 1
        if ok { b.tokens -= 1 }
        if buckets[source] == nil, buckets.count >= policy.maximumSources { evictStalest() }
        buckets[source] = b
        return ok
    }

    private mutating func evictStalest() {
        // Full buckets carry no information: drop those first, else the stalest.
        if let full = buckets.first(where: { $0.value.tokens >= Double(policy.burst) })?.key {
            buckets[full] = nil
        } else if let stale = buckets.min(by: { $0.value.updated < $1.value.updated })?.key {
            buckets[stale] = nil
        }
    }
}
