/// The direction attributes `a=sendrecv`, `a=sendonly`, `a=recvonly` and
/// `a=inactive` (RFC 8866 §6.7), always from the point of view of the party that
/// wrote the SDP.
///
/// ```
///                 sends   receives     answered with (RFC 3264 §6.1)
///   sendrecv        ✓        ✓          sendrecv (or less)
///   sendonly        ✓        –          recvonly (or inactive)
///   recvonly        –        ✓          sendonly (or inactive)
///   inactive        –        –          inactive
/// ```
public enum MediaDirection: String, Sendable, Hashable, CaseIterable {
    case sendrecv
    case sendonly
    case recvonly
    case inactive

    /// Builds the direction with the given capabilities.
    public init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    /// True for `sendrecv` and `sendonly`.
    public var sends: Bool {
        switch self {
        case .sendrecv, .sendonly: true
        case .recvonly, .inactive: false
        }
    }

    /// True for `sendrecv` and `recvonly`.
    public var receives: Bool {
        switch self {
        case .sendrecv, .recvonly: true
        case .sendonly, .inactive: false
        }
    }

    /// The same stream seen from the other end: `sendonly` ⇄ `recvonly`.
    /// RFC 3264 §6.1: a `sendonly` offer is answered `recvonly`, a `recvonly` one
    /// `sendonly`, `inactive` with `inactive`, and `sendrecv` with `sendrecv` when the
    /// answerer wants to both send and receive.
    public var reversed: MediaDirection {
        MediaDirection(sends: receives, receives: sends)
    }

    /// The capabilities both directions allow.
    public func intersection(_ other: MediaDirection) -> MediaDirection {
        MediaDirection(sends: sends && other.sends, receives: receives && other.receives)
    }
}
