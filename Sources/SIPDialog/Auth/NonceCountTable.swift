/// Remembers, per server nonce, the highest nonce-count accepted, so a captured request
/// cannot be replayed while its nonce is still fresh (RFC 7616 §3.4, §5.5; RFC 2617 §3.2.2
/// `nc`).
///
/// Memory is bounded: at most ``capacity`` nonces (default 10 000, about 1 MB) are
/// remembered. Entries leave first-in first-out, when their nonce is older than the
/// lifetime (it would be refused as stale anyway) or when the table is full. Forgetting a
/// live nonce would re-open it to replay, so the table also keeps the newest issue time
/// among evicted nonces and refuses any unknown nonce issued at or before it; the client
/// gets `stale=TRUE` and simply retries with a new nonce.
///
/// Only verified responses are recorded, so a client without the password cannot fill the
/// table. A response without qop (RFC 2069) is recorded as count 0, which makes its nonce
/// single-use.
///
/// The table lives in one process: a replay sent to another node that shares the nonce
/// secret is only caught if the load balancer keeps a client on one node.
struct NonceCountTable: Sendable {
    static let defaultCapacity = 10_000

    private struct Entry: Sendable {
        var issuedAt: Int64
        var highestCount: UInt32
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]
    /// Nonces in insertion order; `order[head...]` are the live ones.
    private var order: [String] = []
    private var head = 0
    /// Newest issue time of a nonce evicted while possibly still fresh.
    private(set) var evictedThrough: Int64 = .min

    init(capacity: Int = NonceCountTable.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.count }

    /// Records `nonceCount` for `nonce` if it is higher than any accepted before; returns
    /// false for a replay (or a forgotten nonce), in which case nothing changes.
    mutating func accept(nonce: String, issuedAt: Int64, nonceCount: UInt32, now: Int64, lifetime: Int64)
        -> Bool
    {
        pruneExpired(now: now, lifetime: lifetime)
        if let entry = entries[nonce] {
            guard nonceCount > entry.highestCount else { return false }
            entries[nonce]?.highestCount = nonceCount
            return true
        }
        guard issuedAt > evictedThrough else { return false }
        entries[nonce] = Entry(issuedAt: issuedAt, highestCount: nonceCount)
        order.append(nonce)
        while entries.count > capacity {
            let evicted = popOldest()
            evictedThrough = max(evictedThrough, evicted.issuedAt)
        }
        return true
    }

    /// Drops leading entries whose nonce has outlived `lifetime`: they validate as stale.
    private mutating func pruneExpired(now: Int64, lifetime: Int64) {
        while head < order.count, let entry = entries[order[head]] {
            let (age, overflow) = now.subtractingReportingOverflow(entry.issuedAt)
            guard overflow || age > lifetime else { return }
            _ = popOldest()
        }
    }

    private mutating func popOldest() -> Entry {
        let nonce = order[head]
        head += 1
        // `order[head...]` and `entries` hold the same nonces, so the entry exists.
        let entry = entries.removeValue(forKey: nonce)!
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        return entry
    }
}
