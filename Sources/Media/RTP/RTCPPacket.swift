/// One reception report block of an SR or RR (RFC 3550 §6.4.1).
public struct RTCPReportBlock: Hashable, Sendable {
    /// The source this block reports on.
    public var ssrc: UInt32
    /// Fraction of packets lost since the previous report, in 1/256 (RFC 3550 §6.4.1, A.3).
    public var fractionLost: UInt8
    /// Cumulative packets lost, a 24-bit signed value (duplicates can make it negative).
    public var cumulativeLost: Int32
    /// Cycles (high 16 bits) and highest sequence number received (low 16 bits).
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter in timestamp units (RFC 3550 §6.4.1, A.8).
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received from this source.
    public var lastSR: UInt32
    /// Delay since that SR, in units of 1/65536 s.
    public var delaySinceLastSR: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, extendedHighestSequence: UInt32,
                jitter: UInt32, lastSR: UInt32, delaySinceLastSR: UInt32) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        // RFC 3550 §6.4.1: clamp to what 24 signed bits hold.
        self.cumulativeLost = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSR = lastSR
        self.delaySinceLastSR = delaySinceLastSR
    }

    static let length = 24
}

/// A sender report (RFC 3550 §6.4.1, PT 200).
public struct RTCPSenderReport: Hashable, Sendable {
    public var ssrc: UInt32
    /// 64-bit NTP timestamp of this report (seconds since 1900 in the high 32 bits).
    public var ntpTimestamp: UInt64
    /// The RTP timestamp corresponding to `ntpTimestamp`.
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public var reports: [RTCPReportBlock]

    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32,
                octetCount: UInt32, reports: [RTCPReportBlock] = []) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
    }

    /// The middle 32 bits of `ntpTimestamp`: what a receiver echoes as LSR.
    public var compactNTP: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp >> 16) }
}

/// A receiver report (RFC 3550 §6.4.2, PT 201).
public struct RTCPReceiverReport: Hashable, Sendable {
    public var ssrc: UInt32
    public var reports: [RTCPReportBlock]

    public init(ssrc: UInt32, reports: [RTCPReportBlock] = []) {
        self.ssrc = ssrc
        self.reports = reports
    }
}

/// One packet of a compound RTCP packet (RFC 3550 §6.1).
public enum RTCPPacket: Hashable, Sendable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    /// SDES, BYE, APP or anything else, kept verbatim: the count field and the body after
    /// the 4-byte common header (padding removed).
    case other(packetType: UInt8, count: UInt8, body: [UInt8])

    public static let senderReportType: UInt8 = 200
    public static let receiverReportType: UInt8 = 201

    /// Parses a compound RTCP packet (RFC 3550 §6.1: one or more packets back to back,
    /// the first an SR or RR, each length field in 32-bit words minus one).
    public static func parseCompound(_ bytes: UnsafeRawBufferPointer) throws(RTPError) -> [RTCPPacket] {
        let n = bytes.count
        var offset = 0
        var packets: [RTCPPacket] = []
        guard n >= 4 else { throw RTPError(.tooShort, packetLength: n, offset: 0) }
        while offset < n {
            guard n - offset >= 4 else { throw RTPError(.tooShort, packetLength: n, offset: offset) }
            let b0 = bytes[offset]
            guard b0 >> 6 == 2 else { throw RTPError(.wrongVersion, packetLength: n, offset: offset) }
            let count = b0 & 0x1F
            let type = bytes[offset + 1]
            let length = 4 * (Int(bytes.rtpUInt16(at: offset + 2)) + 1)
            guard offset + length <= n else {
                throw RTPError(.rtcpLengthBeyondPacket, packetLength: n, offset: offset)
            }
            var end = offset + length
            if b0 & 0x20 != 0 {
                let pad = Int(bytes[end - 1])
                guard pad > 0, end - pad >= offset + 4 else {
                    throw RTPError(.paddingBeyondLength, packetLength: n, offset: end - 1)
                }
                end -= pad
            }
            if packets.isEmpty, type != senderReportType, type != receiverReportType {
                throw RTPError(.compoundMustStartWithReport, packetLength: n, offset: offset)
            }
            packets.append(try parseOne(bytes, type: type, count: count, start: offset, end: end))
            offset += length
        }
        return packets
    }

    /// Convenience over `parseCompound(_: UnsafeRawBufferPointer)` for an array.
    public static func parseCompound(_ bytes: [UInt8]) throws(RTPError) -> [RTCPPacket] {
        let result: Result<[RTCPPacket], RTPError> = bytes.withUnsafeBytes { raw in
            Result { () throws(RTPError) in try parseCompound(raw) }
        }
        return try result.get()
    }

    private static func parseOne(_ bytes: UnsafeRawBufferPointer, type: UInt8, count: UInt8,
                                 start: Int, end: Int) throws(RTPError) -> RTCPPacket {
        let n = bytes.count
        switch type {
        case senderReportType, receiverReportType:
            let fixed = type == senderReportType ? 28 : 8
            guard end - start >= fixed else { throw RTPError(.tooShort, packetLength: n, offset: start) }
            guard end - start >= fixed + Int(count) * RTCPReportBlock.length else {
                throw RTPError(.reportBlocksBeyondLength, packetLength: n, offset: start)
            }
            let ssrc = bytes.rtpUInt32(at: start + 4)
            var reports: [RTCPReportBlock] = []
            reports.reserveCapacity(Int(count))
            for i in 0..<Int(count) {
                reports.append(parseBlock(bytes, at: start + fixed + i * RTCPReportBlock.length))
            }
            if type == receiverReportType { return .receiverReport(RTCPReceiverReport(ssrc: ssrc, reports: reports)) }
            let ntp = UInt64(bytes.rtpUInt32(at: start + 8)) << 32 | UInt64(bytes.rtpUInt32(at: start + 12))
            return .senderReport(RTCPSenderReport(
                ssrc: ssrc, ntpTimestamp: ntp, rtpTimestamp: bytes.rtpUInt32(at: start + 16),
                packetCount: bytes.rtpUInt32(at: start + 20), octetCount: bytes.rtpUInt32(at: start + 24),
                reports: reports))
        default:
            return .other(packetType: type, count: count, body: Array(bytes[(start + 4)..<end]))
        }
    }

    private static func parseBlock(_ bytes: UnsafeRawBufferPointer, at o: Int) -> RTCPReportBlock {
        let word = bytes.rtpUInt32(at: o + 4)
        // RFC 3550 §6.4.1: cumulative lost is 24-bit two's complement; sign-extend.
        let lost = Int32(bitPattern: (word & 0x00FF_FFFF) << 8) >> 8
        return RTCPReportBlock(ssrc: bytes.rtpUInt32(at: o), fractionLost: UInt8(word >> 24),
                               cumulativeLost: lost, extendedHighestSequence: bytes.rtpUInt32(at: o + 8),
                               jitter: bytes.rtpUInt32(at: o + 12), lastSR: bytes.rtpUInt32(at: o + 16),
                               delaySinceLastSR: bytes.rtpUInt32(at: o + 20))
    }

    /// Serializes packets back to back as one compound packet (no padding).
    public static func serializeCompound(_ packets: [RTCPPacket]) -> [UInt8] {
        var out: [UInt8] = []
        for packet in packets { packet.append(to: &out) }
        return out
    }

    /// Appends this packet's wire form to `out`.
    public func append(to out: inout [UInt8]) {
        func u32(_ v: UInt32) { out.append(contentsOf: [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16),
                                                        UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]) }
        func header(count: Int, type: UInt8, bodyLength: Int) {
            precondition(count < 32, "RTCP count field is 5 bits")
            let words = (4 + bodyLength) / 4 - 1
            out.append(0x80 | UInt8(count))
            out.append(type)
            out.append(UInt8(words >> 8))
            out.append(UInt8(truncatingIfNeeded: words))
        }
        func blocks(_ reports: [RTCPReportBlock]) {
            for r in reports {
                u32(r.ssrc)
                u32(UInt32(r.fractionLost) << 24 | UInt32(bitPattern: r.cumulativeLost) & 0x00FF_FFFF)
                u32(r.extendedHighestSequence)
                u32(r.jitter)
                u32(r.lastSR)
                u32(r.delaySinceLastSR)
            }
        }
        switch self {
        case .senderReport(let sr):
            header(count: sr.reports.count, type: Self.senderReportType, bodyLength: 24 + 24 * sr.reports.count)
            u32(sr.ssrc)
            u32(UInt32(truncatingIfNeeded: sr.ntpTimestamp >> 32))
            u32(UInt32(truncatingIfNeeded: sr.ntpTimestamp))
            u32(sr.rtpTimestamp)
            u32(sr.packetCount)
            u32(sr.octetCount)
            blocks(sr.reports)
        case .receiverReport(let rr):
            header(count: rr.reports.count, type: Self.receiverReportType, bodyLength: 4 + 24 * rr.reports.count)
            u32(rr.ssrc)
            blocks(rr.reports)
        case .other(let type, let count, let body):
            precondition(body.count % 4 == 0, "RTCP bodies are whole 32-bit words")
            header(count: Int(count), type: type, bodyLength: body.count)
            out.append(contentsOf: body)
        }
    }
}
