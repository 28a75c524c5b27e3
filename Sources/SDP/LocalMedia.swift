/// Our side of one call leg: where we receive RTP and how our `o=` line reads.
///
/// The B2BUA reserves one RTP port per leg (RTCP on port + 1, RFC 3550 §11) and
/// keeps the `o=` identity for the life of the session: RFC 3264 §8 requires every
/// later SDP to repeat username, session id and address, changing only the version.
public struct LocalMedia: Sendable, Hashable {
    /// The address we receive RTP on, IPv4 or IPv6 (without brackets). Written in
    /// `c=` and `o=`.
    public var address: String
    /// The RTP port reserved for this leg.
    public var rtpPort: UInt16
    /// `o=` sess-id: any number, unique per session on this host (RFC 8866 §5.2).
    public var sessionID: UInt64
    /// `o=` sess-version of the first SDP we send. Later ones increase it by one
    /// (RFC 3264 §8): pass the previous version to ``SDPNegotiator``, or let
    /// ``OfferAnswerState`` count.
    public var sessionVersion: UInt64
    /// `o=` username; `-` when there is no user id (RFC 8866 §5.2).
    public var username: String
    /// `s=`; SIP gives it no meaning, `-` is customary (RFC 3264 §5).
    public var sessionName: String

    public init(
        address: String,
        rtpPort: UInt16,
        sessionID: UInt64,
        sessionVersion: UInt64,
        username: String = "hotline",
        sessionName: String = "-"
    ) {
        self.address = Connection.unbracketed(address)
        self.rtpPort = rtpPort
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.username = username
        self.sessionName = sessionName
    }

    /// `c=IN IP4 <address>` or `c=IN IP6 <address>`.
    public var connection: Connection { Connection(address: address) }

    /// Our `o=` line at `version`.
    func origin(version: UInt64) -> Origin {
        let connection = self.connection
        return Origin(
            username: username, sessionID: sessionID, sessionVersion: version,
            netType: connection.netType, addrType: connection.addrType, address: connection.address)
    }
}
