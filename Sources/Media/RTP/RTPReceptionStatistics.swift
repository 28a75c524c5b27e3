/// Per-source reception state of RFC 3550 Appendix A.1 (sequence validation), A.3
/// (expected and lost packets) and A.8 (interarrival jitter).
///
/// A new source stays on probation until `minimumSequential` packets arrive in order;
/// then it is counted from that packet on. Jumps larger than `maxDropout` are accepted
/// only when the next packet confirms them (the source restarted).
public struct RTPReceptionStatistics: Hashable, Sendable {
    public static let sequenceModulo: UInt32 = 1 << 16
    /// RFC 3550 A.1 constants.
    public static let maxDropout: UInt16 = 3000
    public static let maxMisorder: UInt16 = 100

    public let minimumSequential: Int
    /// Highest sequence number seen.
    public private(set) var maxSequence: UInt16
    /// Shifted count of sequence number cycles (multiples of 65536).
    public private(set) var cycles: UInt32 = 0
    /// First sequence number counted.
    public private(set) var baseSequence: UInt32
    /// Last 'bad' sequence number + 1 (a jump waiting for confirmation).
    private var badSequence: UInt32 = Self.sequenceModulo + 1
    /// Packets still to see in order before the source is valid.
    public private(set) var probation: Int
    /// Packets received, duplicates included (RFC 3550 A.3).
    public private(set) var received: UInt32 = 0
    private var expectedPrior: UInt32 = 0
    private var receivedPrior: UInt32 = 0
    /// Last relative transit time, or nil before the first valid packet.
    private var lastTransit: Int32?
    /// Jitter scaled by 16, as in RFC 3550 A.8's integer version.
    private var jitterScaled: UInt32 = 0

    /// Starts tracking a source whose first packet carried `sequenceNumber` (A.1 init).
    public init(firstSequenceNumber seq: UInt16, minimumSequential: Int = 2) {
        self.minimumSequential = minimumSequential
        baseSequence = UInt32(seq)
        maxSequence = seq &- 1
        probation = minimumSequential
    }

    private mutating func initSequence(_ seq: UInt16) {
        baseSequence = UInt32(seq)
        maxSequence = seq
        badSequence = Self.sequenceModulo + 1
        cycles = 0
        received = 0
        receivedPrior = 0
        expectedPrior = 0
    }

    /// RFC 3550 A.1 `update_seq`: returns whether the packet is valid (counted).
    public mutating func updateSequence(_ seq: UInt16) -> Bool {
        let delta = seq &- maxSequence
        if probation > 0 {
            // Source not yet valid: packets must be in sequence.
            if seq == maxSequence &+ 1 {
                probation -= 1
                maxSequence = seq
                if probation == 0 {
                    initSequence(seq)
                    received += 1
                    return true
                }
            } else {
                probation = minimumSequential - 1
                maxSequence = seq
            }
            return false
        } else if delta < Self.maxDropout {
            // In order, with a permissible gap.
            if seq < maxSequence { cycles &+= Self.sequenceModulo }
            maxSequence = seq
        } else if UInt32(delta) <= Self.sequenceModulo - UInt32(Self.maxMisorder) {
            // A very large jump: accept only if the next packet follows it.
            if UInt32(seq) == badSequence {
                initSequence(seq)
            } else {
                badSequence = (UInt32(seq) + 1) & (Self.sequenceModulo - 1)
                return false
            }
        }
        // else: duplicate or reordered packet, counted as received.
        received &+= 1
        return true
    }

    /// Records one packet: sequence validation, then (if valid) the jitter estimate.
    /// `arrival` is the arrival time converted to the stream's timestamp units (A.8).
    @discardableResult
    public mutating func record(sequenceNumber: UInt16, timestamp: UInt32, arrival: UInt32) -> Bool {
        guard updateSequence(sequenceNumber) else { return false }
        // RFC 3550 A.8: transit = arrival - timestamp; J += (|D| - J) / 16.
        let transit = Int32(bitPattern: arrival &- timestamp)
        if let last = lastTransit {
            let d = transit &- last
            let magnitude = d.magnitude
            jitterScaled = jitterScaled &+ magnitude &- ((jitterScaled &+ 8) >> 4)
        }
        lastTransit = transit
        return true
    }

    /// Interarrival jitter in timestamp units, as reported in RTCP.
    public var jitter: UInt32 { jitterScaled >> 4 }

    /// Highest sequence number with cycles (A.3 `extended_max`).
    public var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }

    /// Packets expected since the source became valid (A.3).
    public var expected: UInt32 { extendedHighestSequence &- baseSequence &+ 1 }

    /// Cumulative packets lost (A.3); negative when duplicates arrived. Clamped to 24 bits.
    public var lost: Int32 {
        guard probation == 0 else { return 0 }
        let value = Int64(expected) - Int64(received)
        return Int32(min(max(value, -0x80_0000), 0x7F_FFFF))
    }

    /// Fraction lost since the previous call, in 1/256 (A.3); starts a new interval.
    public mutating func takeFractionLost() -> UInt8 {
        guard probation == 0 else { return 0 }
        let expectedNow = expected
        let expectedInterval = expectedNow &- expectedPrior
        expectedPrior = expectedNow
        let receivedInterval = received &- receivedPrior
        receivedPrior = received
        let lostInterval = Int64(expectedInterval) - Int64(receivedInterval)
        guard expectedInterval != 0, lostInterval > 0 else { return 0 }
        return UInt8(min((lostInterval << 8) / Int64(expectedInterval), 255))
    }

    /// A report block for this source (RFC 3550 §6.4.1); starts a new loss interval.
    /// `lastSR` and `delaySinceLastSR` come from the last SR received from it (0 if none).
    public mutating func makeReportBlock(ssrc: UInt32, lastSR: UInt32 = 0,
                                         delaySinceLastSR: UInt32 = 0) -> RTCPReportBlock {
        let fraction = takeFractionLost()
        return RTCPReportBlock(ssrc: ssrc, fractionLost: fraction, cumulativeLost: lost,
                               extendedHighestSequence: extendedHighestSequence, jitter: jitter,
                               lastSR: lastSR, delaySinceLastSR: delaySinceLastSR)
    }
}
