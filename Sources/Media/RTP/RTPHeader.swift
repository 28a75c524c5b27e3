/// The fixed RTP header plus CSRC list (RFC 3550 §5.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers             |
/// ```
///
/// Parsing skips a header extension (RFC 3550 §5.3.1) and strips padding; serializing
/// never writes either, so `hasPadding`/`hasExtension` describe what was received.
public struct RTPHeader: Hashable, Sendable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcs: [UInt32]
    /// The P bit of a parsed packet.
    public var hasPadding: Bool
    /// The X bit of a parsed packet (the extension itself was skipped).
    public var hasExtension: Bool

    public init(marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32,
                ssrc: UInt32, csrcs: [UInt32] = [], hasPadding: Bool = false, hasExtension: Bool = false) {
        precondition(payloadType < 128, "RTP payload type is 7 bits")
        precondition(csrcs.count <= 15, "RTP carries at most 15 CSRCs")
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.hasPadding = hasPadding
        self.hasExtension = hasExtension
    }

    /// Bytes `write(to:)` produces: 12 plus 4 per CSRC.
    public var serializedLength: Int { 12 + 4 * csrcs.count }

    /// Writes the header (without padding or extension) at the start of `buffer`;
    /// returns the number of bytes written. The buffer must hold `serializedLength` bytes.
    @discardableResult
    public func write(to buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= serializedLength, "buffer too small for the RTP header")
        buffer[0] = 0x80 | UInt8(csrcs.count)
        buffer[1] = (marker ? 0x80 : 0) | payloadType
        buffer.rtpStore(sequenceNumber, at: 2)
        buffer.rtpStore(timestamp, at: 4)
        buffer.rtpStore(ssrc, at: 8)
        for (i, csrc) in csrcs.enumerated() { buffer.rtpStore(csrc, at: 12 + 4 * i) }
        return serializedLength
    }

    /// The header followed by `payload`, ready to send.
    public func serialized(payload: some Collection<UInt8> = [UInt8]()) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: serializedLength)
        bytes.withUnsafeMutableBytes { _ = write(to: $0) }
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Parses a packet in place: the header and where its payload lies in `bytes`
    /// (after CSRCs and extension, before padding). No payload bytes are copied.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(RTPError) -> RTPPacketView {
        let n = bytes.count
        guard n >= 12 else { throw RTPError(.tooShort, packetLength: n, offset: n) }
        let b0 = bytes[0]
        guard b0 >> 6 == 2 else { throw RTPError(.wrongVersion, packetLength: n, offset: 0) }
        let padding = b0 & 0x20 != 0
        let ext = b0 & 0x10 != 0
        let cc = Int(b0 & 0x0F)
        var offset = 12
        guard n >= offset + 4 * cc else { throw RTPError(.csrcBeyondLength, packetLength: n, offset: offset) }
        var csrcs: [UInt32] = []
        if cc > 0 {
            csrcs.reserveCapacity(cc)
            for i in 0..<cc { csrcs.append(bytes.rtpUInt32(at: offset + 4 * i)) }
            offset += 4 * cc
        }
        if ext {
            // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then data.
            guard n >= offset + 4 else { throw RTPError(.extensionBeyondLength, packetLength: n, offset: offset) }
            let words = Int(bytes.rtpUInt16(at: offset + 2))
            guard n >= offset + 4 + 4 * words else {
                throw RTPError(.extensionBeyondLength, packetLength: n, offset: offset)
            }
            offset += 4 + 4 * words
        }
        var end = n
        if padding {
            // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
            let count = Int(bytes[n - 1])
            guard count > 0, n - count >= offset else {
                throw RTPError(.paddingBeyondLength, packetLength: n, offset: n - 1)
            }
            end = n - count
        }
        let header = RTPHeader(marker: bytes[1] & 0x80 != 0, payloadType: bytes[1] & 0x7F,
                               sequenceNumber: bytes.rtpUInt16(at: 2),
                               timestamp: bytes.rtpUInt32(at: 4),
                               ssrc: bytes.rtpUInt32(at: 8),
                               csrcs: csrcs, hasPadding: padding, hasExtension: ext)
        return RTPPacketView(header: header, payloadRange: offset..<end)
    }

    /// Convenience over `parse(_: UnsafeRawBufferPointer)` for an array.
    public static func parse(_ bytes: [UInt8]) throws(RTPError) -> RTPPacketView {
        let result: Result<RTPPacketView, RTPError> = bytes.withUnsafeBytes { raw in
            Result { () throws(RTPError) in try parse(raw) }
        }
        return try result.get()
    }
}

/// A parsed RTP packet: the header and the byte range of the payload in the parsed buffer.
public struct RTPPacketView: Hashable, Sendable {
    public var header: RTPHeader
    /// Payload bytes, as offsets into the buffer that was parsed.
    public var payloadRange: Range<Int>

    public init(header: RTPHeader, payloadRange: Range<Int>) {
        self.header = header
        self.payloadRange = payloadRange
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func rtpUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    @inline(__always)
    func rtpUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16
            | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always)
    func rtpStore(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    @inline(__always)
    func rtpStore(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(value >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
}
