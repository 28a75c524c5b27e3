/// RTP ports for call legs: even ports in a range, RTCP on the odd one above
/// (RFC 3550 §11). Pure bookkeeping; the media adapter opens the sockets.
///
/// Ports are handed out first in, first out: a port released at hang-up goes to the back
/// of the queue, so its socket has long been closed (and stray packets of the old call
/// have stopped) before another call gets it.
public struct RTPPortPool: Sendable, Hashable {
    public let range: ClosedRange<UInt16>
    private var free: [UInt16]
    /// Index of the next port to hand out in `free`; the ones before it are spent.
    private var head = 0
    private var inUse: Set<UInt16> = []

    public init(range: ClosedRange<UInt16> = 20000...29999) {
        self.range = range
        let lowEven = range.lowerBound + (range.lowerBound % 2)
        self.free = stride(from: lowEven, to: range.upperBound, by: 2).map { $0 }
    }

    public var available: Int { free.count - head }
    public var allocated: Int { inUse.count }

    public mutating func allocate() -> UInt16? {
        guard head < free.count else { return nil }
        let p = free[head]
        head += 1
        // Drop the spent prefix once it is half the array, so memory stays bounded.
        if head >= 64, head * 2 >= free.count {
            free.removeFirst(head)
            head = 0
        }
        inUse.insert(p)
        return p
    }

    /// Returns a port to the pool; releasing a port twice or one not ours does nothing.
    public mutating func release(_ port: UInt16) {
        guard inUse.remove(port) != nil else { return }
        free.append(port)
    }

    /// Whether `port` is handed out now.
    public func isAllocated(_ port: UInt16) -> Bool { inUse.contains(port) }
}
