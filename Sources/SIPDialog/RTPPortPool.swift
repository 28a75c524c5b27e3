/// RTP ports for call legs: even ports in a range, RTCP on the odd one above
/// (RFC 3550 §11). Pure bookkeeping; the media issue opens the sockets.
public struct RTPPortPool: Sendable, Hashable {
    public let range: ClosedRange<UInt16>
    private var free: [UInt16]
    private var inUse: Set<UInt16> = []

    public init(range: ClosedRange<UInt16> = 20000...29999) {
        self.range = range
        let lowEven = range.lowerBound + (range.lowerBound % 2)
        // Hand out the lowest first: `removeLast` on a descending array.
        self.free = stride(from: lowEven, to: range.upperBound, by: 2).reversed().map { $0 }
    }

    public var available: Int { free.count }
    public var allocated: Int { inUse.count }

    public mutating func allocate() -> UInt16? {
        guard let p = free.popLast() else { return nil }
        inUse.insert(p)
        return p
    }

    /// Returns a port to the pool; releasing a port twice or one not ours does nothing.
    public mutating func release(_ port: UInt16) {
        guard inUse.remove(port) != nil else { return }
        free.append(port)
    }
}
