/// An IP address and port as RTP sees them (RFC 4961 §2's "transport address").
///
/// `host` is compared as text, case-insensitively: the adapter passes numeric addresses
/// in one canonical form (the SDP `c=` address and the socket's peer address alike).
public struct RTPTransportAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Same host, whatever the port (NAT keeps the address more often than the port).
    public func hasSameHost(as other: RTPTransportAddress) -> Bool {
        host.lowercased() == other.host.lowercased()
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Symmetric RTP with latching: which incoming packets belong to the call, and where to
/// send ours.
///
/// RFC 4961 §2 has each side send from the port it receives on, so a peer behind NAT is
/// reached by replying to where its packets come from ("latching", RFC 7362 §4). The
/// issue's bad-input rule is that a stranger's audio is never mixed into a call, so the
/// latch holds on to one source:
///
/// ```
///              valid RTP from the SDP host (or any host with allowAnySource)
///   unlatched ───────────────────────────────────────────────────────────▶ latched(source, SSRC)
///      │  everything else: drop                                             │  same source: accept (a new SSRC
///                                                                           │  there is the peer's new stream)
///                                                                           │  other source while the latched
///                                                                           │  one spoke < relatchAfter ago: drop
///                                                                           └─ after that silence, if configured: re-latch
/// ```
///
/// - `unlatched`: exits to `latched` on the first valid RTP packet from an allowed source.
/// - `latched`: stays, re-latches after silence, or returns to `unlatched` on ``renegotiate(remote:)``.
///
/// RTCP gets its own latch on the RTCP port (RFC 4961 §2 applies to it alike).
public struct SourceLatch: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// Latch to the first source at all, not only one from the SDP's host: for
        /// peers behind NAT whose SDP names a private address (RFC 7362 §4).
        public var allowAnySource: Bool
        /// How long the latched source must be silent before another source may take over
        /// (a NAT that rebinds the peer's port mid-call); `nil`, the default, never: the
        /// first source keeps the call until a re-INVITE renegotiates it. Re-latching on
        /// silence lets whoever sends first after a pause take the call's audio (the
        /// "RTP bleed" attack on PBXes that re-learned sources), so it is opt-in.
        public var relatchAfterSilenceMilliseconds: Int64?

        public init(allowAnySource: Bool = false, relatchAfterSilenceMilliseconds: Int64? = nil) {
            precondition((relatchAfterSilenceMilliseconds ?? 0) >= 0, "a silence is not negative")
            self.allowAnySource = allowAnySource
            self.relatchAfterSilenceMilliseconds = relatchAfterSilenceMilliseconds
        }
    }

    /// Why a packet was dropped; the adapter counts drops by reason (see ``drops``).
    public struct DropReason: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Not a valid RTP packet (RFC 3550 §5.1; see ``RTPError``).
        public static let malformed = DropReason("malformed")
        /// Not from the host the SDP negotiated, and `allowAnySource` is off.
        public static let unexpectedHost = DropReason("unexpectedHost")
        /// From an allowed host but not the latched source, which is still talking.
        public static let notLatchedSource = DropReason("notLatchedSource")
    }

    /// What to do with one incoming packet.
    public enum Decision: Hashable, Sendable {
        /// The call's audio: process it.
        case accept
        /// Not the call's: drop it (it was counted).
        case drop(DropReason)
    }

    /// The source currently latched.
    public struct Latched: Hashable, Sendable {
        public var source: RTPTransportAddress
        public var ssrc: UInt32
        /// Arrival of its last accepted packet.
        public var lastPacket: MediaInstant
    }

    public let configuration: Configuration
    /// The address and port SDP negotiated for the peer's media (`c=` and `m=`).
    public private(set) var remote: RTPTransportAddress
    public private(set) var latched: Latched?
    /// Packets dropped, by reason.
    public private(set) var drops: [DropReason: Int] = [:]
    /// Times the latch moved to another source after the first.
    public private(set) var relatchCount = 0
    /// Times the latched source changed its SSRC.
    public private(set) var ssrcChangeCount = 0

    public init(remote: RTPTransportAddress, configuration: Configuration = Configuration()) {
        self.remote = remote
        self.configuration = configuration
    }

    /// Where to send RTP: the latched source once there is one (RFC 4961 §2), else the SDP's address.
    public var sendTarget: RTPTransportAddress { latched?.source ?? remote }

    /// Decides on a raw packet from `source` arriving `now`, parsing its RTP header first.
    public mutating func receive(_ packet: UnsafeRawBufferPointer, from source: RTPTransportAddress,
                                 at now: MediaInstant) -> Decision {
        let ssrc: UInt32
        do {
            ssrc = try RTPHeader.parse(packet).header.ssrc
        } catch {
            return drop(.malformed)
        }
        return receive(ssrc: ssrc, from: source, at: now)
    }

    /// Decides on a raw packet held in an array.
    public mutating func receive(_ packet: [UInt8], from source: RTPTransportAddress, at now: MediaInstant) -> Decision {
        packet.withUnsafeBytes { receive($0, from: source, at: now) }
    }

    /// Decides on a packet whose RTP header already parsed, from its SSRC.
    public mutating func receive(ssrc: UInt32, from source: RTPTransportAddress, at now: MediaInstant) -> Decision {
        // The latched source and SSRC come first: that is every packet of a normal call.
        guard var current = latched else {
            guard isAllowedHost(source) else { return drop(.unexpectedHost) }
            latched = Latched(source: source, ssrc: ssrc, lastPacket: now)
            return .accept
        }
        if current.source == source {
            current.lastPacket = max(current.lastPacket, now)
            if current.ssrc != ssrc {
                // The same transport address is the same peer: a new SSRC there is a
                // restarted stream, or a B2BUA upstream that switched calls without a
                // re-INVITE. Waiting for silence would cut seconds of a transferred call.
                current.ssrc = ssrc
                ssrcChangeCount += 1
            }
            latched = current
            return .accept
        }
        guard isAllowedHost(source) else { return drop(.unexpectedHost) }
        let silence = now.milliseconds - current.lastPacket.milliseconds
        guard let relatch = configuration.relatchAfterSilenceMilliseconds, silence >= relatch else {
            return drop(.notLatchedSource)
        }
        latched = Latched(source: source, ssrc: ssrc, lastPacket: now)
        relatchCount += 1
        return .accept
    }

    /// A re-INVITE changed the peer's media address: forget the latch and start over.
    public mutating func renegotiate(remote: RTPTransportAddress) {
        self.remote = remote
        latched = nil
    }

    /// Drops counted for `reason`.
    public func dropCount(_ reason: DropReason) -> Int { drops[reason, default: 0] }

    private func isAllowedHost(_ source: RTPTransportAddress) -> Bool {
        configuration.allowAnySource || source.host == remote.host || source.hasSameHost(as: remote)
    }

    private mutating func drop(_ reason: DropReason) -> Decision {
        drops[reason, default: 0] += 1
        return .drop(reason)
    }
}
