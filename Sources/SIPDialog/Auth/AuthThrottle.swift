/// Limits password guessing: failed digest attempts are counted per source address and
/// per username, and after a few failures each further attempt must wait an exponentially
/// growing back-off. Pure: time is an input (`now`, nanoseconds, any epoch).
///
/// Rates, per key (a source or a user), with the default ``Policy``:
///
///     failures 1…5       no wait (5 guesses at once)
///     failure 5+k        blocked for min(2^k s, 300 s): 1 s, 2 s, 4 s … 256 s, 300 s, 300 s …
///     900 s without a failure: the count is forgiven
///
/// So an attacker retrying as soon as allowed gets 24 guesses in its first hour, then
/// 12 per hour. The fastest strategy of all (5 + 7 guesses over 127 s, then wait 900 s to be
/// forgiven) gets 12 guesses per 1027 s, about 42 per hour or 0.7 per minute, and no
/// strategy gets more than 51 in any hour. Spreading guesses over many users does not help a
/// single source; spreading over many sources does not help against a single user.
///
/// The caller checks before verifying credentials, and records a failure only for a wrong
/// response (``DigestVerifier/Rejection/wrongResponse``): a request without credentials or
/// with a stale nonce tests no password. A refused attempt is not a failure, so hammering
/// a blocked key does not extend its block.
///
/// Trade-offs: per-user limits let an attacker delay a real user's registration by at most
/// ``Policy/maximumBackoffSeconds`` at a time (phones retry); many phones behind one NAT
/// share a source key, so give ``AuthThrottle/init(sourcePolicy:userPolicy:)`` a larger
/// `freeFailures` for sources there. Memory: at most ``Policy/maximumTrackedKeys`` keys per
/// table; beyond that the least recently failed key is forgotten.
public struct AuthThrottle: Sendable {
    public struct Policy: Sendable, Hashable {
        /// Failures allowed before back-off starts.
        public var freeFailures: Int
        /// Back-off after failure `freeFailures`; doubles with each further failure.
        public var initialBackoffSeconds: Int64
        public var maximumBackoffSeconds: Int64
        /// A key with no failure for this long starts again from zero. Keep it above
        /// `maximumBackoffSeconds`, or a patient attacker is forgiven at every step.
        public var forgetAfterSeconds: Int64
        /// Cap on keys tracked per table (sources, users): about 100 bytes each.
        public var maximumTrackedKeys: Int

        public init(
            freeFailures: Int = 5, initialBackoffSeconds: Int64 = 1, maximumBackoffSeconds: Int64 = 300,
            forgetAfterSeconds: Int64 = 900, maximumTrackedKeys: Int = 10_000
        ) {
            self.freeFailures = max(1, freeFailures)
            self.initialBackoffSeconds = max(1, initialBackoffSeconds)
            self.maximumBackoffSeconds = max(self.initialBackoffSeconds, maximumBackoffSeconds)
            self.forgetAfterSeconds = max(0, forgetAfterSeconds)
            self.maximumTrackedKeys = max(1, maximumTrackedKeys)
        }
    }

    public enum Decision: Sendable, Hashable {
        case allowed
        /// Refuse without checking credentials (e.g. 403 or 503 with `Retry-After`).
        case throttled(retryAfterSeconds: Int)
    }

    private(set) var sources: FailureTable
    private(set) var users: FailureTable

    public init(sourcePolicy: Policy = Policy(), userPolicy: Policy = Policy()) {
        sources = FailureTable(policy: sourcePolicy)
        users = FailureTable(policy: userPolicy)
    }

    /// Whether an attempt from `source` (e.g. `udp:192.0.2.7:5060`) for `user` may be
    /// verified now. `user` is nil when the request carries no credentials.
    public func check(source: String, user: String?, now: Int64) -> Decision {
        var blockedUntil = sources.blockedUntil(source) ?? .min
        if let user, let userBlock = users.blockedUntil(user) {
            blockedUntil = max(blockedUntil, userBlock)
        }
        guard blockedUntil > now else { return .allowed }
        let remaining = blockedUntil - now
        let seconds = remaining / 1_000_000_000 + (remaining % 1_000_000_000 == 0 ? 0 : 1)
        return .throttled(retryAfterSeconds: Int(clamping: seconds))
    }

    /// Counts a wrong response against both keys.
    public mutating func recordFailure(source: String, user: String?, now: Int64) {
        sources.recordFailure(source, now: now)
        if let user { users.recordFailure(user, now: now) }
    }

    /// Forgets the user's failures. The source keeps its count: one valid account must
    /// not let a source keep guessing other users' passwords.
    public mutating func recordSuccess(source: String, user: String?, now: Int64) {
        if let user { users.reset(user) }
    }
}

/// Failure counts for one kind of key, bounded, least recently failed evicted first.
struct FailureTable: Sendable {
    private struct Entry: Sendable {
        var failures: Int
        var lastFailure: Int64
        var blockedUntil: Int64
        var stamp: UInt64
    }

    let policy: AuthThrottle.Policy
    private var entries: [String: Entry] = [:]
    /// Keys in failure order; an element is current only if its stamp matches the entry.
    private var order: [(key: String, stamp: UInt64)] = []
    private var head = 0
    private var nextStamp: UInt64 = 0

    init(policy: AuthThrottle.Policy) {
        self.policy = policy
    }

    var count: Int { entries.count }
    /// Elements in the eviction queue, current or outdated; O(maximumTrackedKeys).
    var queuedCount: Int { order.count - head }

    func blockedUntil(_ key: String) -> Int64? {
        entries[key]?.blockedUntil
    }

    mutating func recordFailure(_ key: String, now: Int64) {
        var entry = entries[key] ?? Entry(failures: 0, lastFailure: now, blockedUntil: .min, stamp: 0)
        let quiet = now.subtractingReportingOverflow(entry.lastFailure)
        if entry.failures > 0, quiet.overflow || quiet.partialValue >= Self.nanoseconds(policy.forgetAfterSeconds) {
            entry.failures = 0
        }
        entry.failures = entry.failures == .max ? .max : entry.failures + 1
        entry.lastFailure = now
        if entry.failures >= policy.freeFailures {
            let exponent = min(entry.failures - policy.freeFailures, 62)
            let (doubled, overflow) = policy.initialBackoffSeconds.multipliedReportingOverflow(by: 1 << exponent)
            let backoff = overflow ? policy.maximumBackoffSeconds : min(doubled, policy.maximumBackoffSeconds)
            let (until, late) = now.addingReportingOverflow(Self.nanoseconds(backoff))
            entry.blockedUntil = late ? .max : until
        }
        entry.stamp = nextStamp
        nextStamp += 1
        entries[key] = entry
        order.append((key, entry.stamp))
        evictIfNeeded()
    }

    mutating func reset(_ key: String) {
        entries[key] = nil
    }

    private mutating func evictIfNeeded() {
        while entries.count > policy.maximumTrackedKeys, head < order.count {
            let (key, stamp) = order[head]
            head += 1
            if entries[key]?.stamp == stamp { entries[key] = nil }
        }
        // Repeated failures of tracked keys leave outdated elements behind: rebuild from
        // the entries once they outnumber them, so `order` stays O(maximumTrackedKeys).
        if order.count - head > 2 * entries.count + 64 {
            order = entries.map { ($0.key, $0.value.stamp) }.sorted { $0.stamp < $1.stamp }
            head = 0
        } else if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    static func nanoseconds(_ seconds: Int64) -> Int64 {
        NonceService.nanoseconds(seconds: seconds)
    }
}
