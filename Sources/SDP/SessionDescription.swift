/// An SDP session description (RFC 8866, which obsoletes RFC 4566).
///
/// The model keeps every field the RFC defines, in the order it defines them:
///
/// ```
/// Session description             Media description (one per m= line)
///   v=  version                     m=  media, port, proto, formats
///   o=  origin                      i=  media title
///   s=  session name                c=  connection (overrides the session one)
///   i=  session information         b=  bandwidth
///   u=  URI                         k=  encryption key (obsolete)
///   e=  email addresses             a=  attributes
///   p=  phone numbers
///   c=  connection
///   b=  bandwidth
///   t=  timing, each with its r= repeat times
///   z=  time zone adjustments
///   k=  encryption key (obsolete)
///   a=  attributes
/// ```
///
/// Unknown attributes are kept verbatim. Unknown line types are skipped on parse
/// (see `init(parsing:limits:)`). `SessionDescription` is `Hashable` so
/// that a re-offer can be compared with the previous SDP (RFC 3264 §8).
public struct SessionDescription: Sendable, Hashable {
    /// `v=`: protocol version, always 0 (RFC 8866 §5.1).
    public var version: Int
    /// `o=`: who created the session and which version of it this is (RFC 8866 §5.2).
    public var origin: Origin
    /// `s=`: session name (RFC 8866 §5.3). A body whose `s=` is empty or blank
    /// parses to `""`, which serializes as `s= ` as the RFC recommends.
    public var sessionName: String
    /// `i=`: session information (RFC 8866 §5.4).
    public var information: String?
    /// `u=`: URI of a description of the session (RFC 8866 §5.5).
    public var uri: String?
    /// `e=`: email addresses, verbatim (RFC 8866 §5.6).
    public var emails: [String]
    /// `p=`: phone numbers, verbatim (RFC 8866 §5.6).
    public var phones: [String]
    /// `c=`: session-level connection data; media without their own `c=` use it
    /// (RFC 8866 §5.7).
    public var connection: Connection?
    /// `b=`: session-level bandwidth (RFC 8866 §5.8).
    public var bandwidths: [Bandwidth]
    /// `t=` with their `r=`: when the session is active (RFC 8866 §5.9). At least one.
    public var timing: [Timing]
    /// `z=`: time zone adjustments, verbatim (RFC 8866 §5.11).
    public var timeZones: String?
    /// `k=`: encryption key, verbatim; obsolete (RFC 8866 §5.12).
    public var encryptionKey: String?
    /// Session-level `a=` lines, in order (RFC 8866 §5.13).
    public var attributes: [SDPAttribute]
    /// The media descriptions, in order (RFC 8866 §5.14). Their order matters in
    /// offer/answer: the answer's m-lines pair with the offer's by position
    /// (RFC 3264 §6).
    public var media: [MediaDescription]

    public init(
        version: Int = 0,
        origin: Origin,
        sessionName: String = "-",
        information: String? = nil,
        uri: String? = nil,
        emails: [String] = [],
        phones: [String] = [],
        connection: Connection? = nil,
        bandwidths: [Bandwidth] = [],
        timing: [Timing] = [Timing()],
        timeZones: String? = nil,
        encryptionKey: String? = nil,
        attributes: [SDPAttribute] = [],
        media: [MediaDescription] = []
    ) {
        self.version = version
        self.origin = origin
        self.sessionName = sessionName
        self.information = information
        self.uri = uri
        self.emails = emails
        self.phones = phones
        self.connection = connection
        self.bandwidths = bandwidths
        self.timing = timing
        self.timeZones = timeZones
        self.encryptionKey = encryptionKey
        self.attributes = attributes
        self.media = media
    }

    /// The session-level direction attribute, if any (RFC 8866 §6.7).
    public var direction: MediaDirection? { attributes.direction }

    /// The direction that applies to `media`: its own direction attribute, else the
    /// session-level one, else `sendrecv` (RFC 8866 §6.7, RFC 3264 §5.1).
    public func direction(of media: MediaDescription) -> MediaDirection {
        media.direction ?? direction ?? .sendrecv
    }

    /// The connection that applies to `media`: its first own `c=`, else the
    /// session-level one (RFC 8866 §5.7).
    public func connection(of media: MediaDescription) -> Connection? {
        media.connection ?? connection
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`
/// (RFC 8866 §5.2).
///
/// The tuple of all fields but `sessionVersion` identifies the session; the version
/// goes up by one each time a party sends a changed description (RFC 3264 §8).
public struct Origin: Sendable, Hashable {
    /// The user's login on the originating host, or `-` (RFC 8866 §5.2).
    public var username: String
    /// A numeric session identifier, unique for `username` on this host.
    public var sessionID: UInt64
    /// The version of this session description.
    public var sessionVersion: UInt64
    /// Network type, `IN` for the Internet.
    public var netType: String
    /// Address type, `IP4` or `IP6`.
    public var addrType: String
    /// The address (or FQDN) of the machine the session was created on, without
    /// brackets.
    public var address: String

    public init(
        username: String = "-",
        sessionID: UInt64,
        sessionVersion: UInt64,
        netType: String = "IN",
        addrType: String,
        address: String
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.netType = netType
        self.addrType = addrType
        self.address = address
    }
}

/// `t=<start-time> <stop-time>` and the `r=` lines that follow it (RFC 8866 §5.9,
/// §5.10). `t=0 0` means a permanent session, which is what SIP calls use.
public struct Timing: Sendable, Hashable {
    /// NTP seconds, 0 for unbounded.
    public var start: UInt64
    /// NTP seconds, 0 for unbounded.
    public var stop: UInt64
    /// The `r=` lines after this `t=`, verbatim.
    public var repeats: [String]

    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8), e.g. `b=AS:64` or `b=TIAS:64000`
/// (RFC 3890).
public struct Bandwidth: Sendable, Hashable {
    /// `CT`, `AS`, `TIAS`, `RR`, `RS` or an experimental `X-` type; kept as sent.
    public var type: String
    /// The value, in the unit of the type (kbit/s for `CT` and `AS`).
    public var value: UInt64

    public init(type: String, value: UInt64) {
        self.type = type
        self.value = value
    }
}
