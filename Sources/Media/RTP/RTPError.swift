/// A malformed RTP or RTCP packet: what was wrong and where (STYLE habit 7).
///
/// Packets from the network are untrusted; the adapter drops them and counts the code.
public struct RTPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of malformation was found.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Fewer bytes than the fixed header (12 for RTP, 8 for an RTCP SR/RR) needs.
        public static let tooShort = Code("tooShort")
        /// The version field is not 2 (RFC 3550 §5.1).
        public static let wrongVersion = Code("wrongVersion")
        /// The padding count is zero or reaches into the header (RFC 3550 §5.1, P bit).
        public static let paddingBeyondLength = Code("paddingBeyondLength")
        /// The CSRC list runs past the end of the packet (RFC 3550 §5.1, CC field).
        public static let csrcBeyondLength = Code("csrcBeyondLength")
        /// The header extension runs past the end of the packet (RFC 3550 §5.3.1).
        public static let extensionBeyondLength = Code("extensionBeyondLength")
        /// An RTCP length field points past the end of the compound packet (RFC 3550 §6.4).
        public static let rtcpLengthBeyondPacket = Code("rtcpLengthBeyondPacket")
        /// An RTCP SR/RR's report count needs more bytes than its length gives (RFC 3550 §6.4.1).
        public static let reportBlocksBeyondLength = Code("reportBlocksBeyondLength")
        /// A compound RTCP packet must start with an SR or RR (RFC 3550 §6.1).
        public static let compoundMustStartWithReport = Code("compoundMustStartWithReport")
    }

    public let code: Code
    /// Total length of the offending packet in bytes.
    public let packetLength: Int
    /// Byte offset at which the problem was found.
    public let offset: Int

    public init(_ code: Code, packetLength: Int, offset: Int) {
        self.code = code
        self.packetLength = packetLength
        self.offset = offset
    }

    public var description: String {
        "malformed RTP/RTCP packet (\(code)) at byte \(offset) of \(packetLength): dropped; check the peer's media stack if this repeats"
    }
}
