import SDP
import SIPMessage
import SIPTransaction

/// Identifies one call (an INVITE session, either direction) inside a `UserAgentCore`.
public struct CallHandle: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: CallHandle, b: CallHandle) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "call-\(rawValue)" }
}

/// What the core needs to know about itself.
public struct UserAgentConfiguration: Sendable, Hashable {
    /// Our SIP domain; also the digest realm.
    public var domain: String
    /// The address we put in Contact, Via sent-by and SDP `c=`.
    public var advertisedHost: String
    public var advertisedPort: Int
    public var userAgent: String
    /// RFC 4028: the smallest session interval we accept (Min-SE, ≥ 90 s) and the one we ask for.
    public var minSessionExpires: Int
    public var sessionExpires: Int
    public var timers: TransactionTimerSettings
    /// The media address for SDP (normally `advertisedHost`).
    public var mediaAddress: String
    /// Service lines and how the core answers them until an IVR takes over.
    public var lines: [String: LineBehavior]

    public init(domain: String = "hotline.local", advertisedHost: String = "127.0.0.1", advertisedPort: Int = 5060,
                userAgent: String = "Hotline/0.1", minSessionExpires: Int = 90, sessionExpires: Int = 1800,
                timers: TransactionTimerSettings = TransactionTimerSettings(), mediaAddress: String? = nil,
                lines: [String: LineBehavior] = [:]) {
        self.domain = domain
        self.advertisedHost = advertisedHost
        self.advertisedPort = advertisedPort
        self.userAgent = userAgent
        self.minSessionExpires = minSessionExpires
        self.sessionExpires = sessionExpires
        self.timers = timers
        self.mediaAddress = mediaAddress ?? advertisedHost
        self.lines = lines
    }

    /// RFC 3261 §20.5: the methods we implement. Others known to us get 405, unknown ones 501.
    public static let allowedMethods: [SIPMethod] = [.invite, .ack, .bye, .cancel, .options, .register, .info, .update,
                                                     .refer]
    /// Methods we recognise but do not accept here (405 Method Not Allowed with Allow).
    public static let knownMethods: Set<SIPMethod> = [.subscribe, .notify, .publish, .message, .prack]
    /// RFC 3261 §20.37 option tags we support: RFC 4028 session timers.
    public static let supportedExtensions: [String] = ["timer"]
    public static let acceptedBodyTypes: [String] = ["application/sdp"]
    /// INFO bodies we take (DTMF relay; the media issue consumes them).
    public static let acceptedInfoTypes: [String] = ["application/dtmf-relay", "application/dtmf"]
}

/// How a dialled number behaves before the IVR exists: answer after a delay, or reject.
public struct LineBehavior: Sendable, Hashable {
    public var name: String
    /// nil: ring until the caller gives up.
    public var answerAfter: Duration?
    /// When set, the call is rejected with this status instead of being answered.
    public var rejectWith: Int?

    public init(name: String, answerAfter: Duration? = .zero, rejectWith: Int? = nil) {
        self.name = name
        self.answerAfter = answerAfter
        self.rejectWith = rejectWith
    }
}

/// Timers the core asks its adapter to run; each fires back into `timerFired(_:now:)`.
public struct UserAgentTimer: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// RFC 3261 §13.3.1.4: retransmit the 2xx, T1 doubling to T2, until the ACK.
        case retransmit2xx
        /// 64·T1 without an ACK for our 2xx: end the dialog with BYE (§13.3.1.4).
        case ackTimeout
        /// Line behaviour: answer a ringing call.
        case answer
        /// RFC 4028 §10: the session expires without a refresh: send BYE.
        case sessionExpiry
        /// RFC 4028 §7.4/§9: we are the refresher: send a refresh.
        case sessionRefresh
        /// An outgoing call's planned end (`hotline dial --duration`).
        case hangup
    }

    public var call: CallHandle
    public var kind: Kind

    public init(_ call: CallHandle, _ kind: Kind) { self.call = call; self.kind = kind }
    public var description: String { "\(call).\(kind)" }
}

/// What the core asks its adapter to do.
public enum UserAgentAction: Sendable, Hashable {
    /// Send a response within a server transaction.
    case respond(SIPResponse, TransactionID)
    /// Send a request through a new client transaction; the adapter then calls
    /// `clientTransactionStarted(_:for:)` with the transaction's id.
    case sendRequest(SIPRequest, to: SIPPeer)
    /// Send outside any transaction: the ACK for a 2xx and 2xx retransmissions (RFC 6026).
    case sendStateless(SIPMessage, to: SIPPeer)
    case startTimer(UserAgentTimer, at: SIPInstant)
    case cancelTimer(UserAgentTimer)
    /// Something the application wants to know.
    case notify(UserAgentEvent)
}

/// Why a call ended.
public enum CallEndReason: Sendable, Hashable, CustomStringConvertible {
    case remoteHangup
    case localHangup
    case cancelled
    case rejected(status: Int)
    case failed(status: Int)
    case ackTimeout
    case sessionExpired
    case transportError
    case timeout

    public var description: String {
        switch self {
        case .remoteHangup: return "remote hangup"
        case .localHangup: return "local hangup"
        case .cancelled: return "cancelled"
        case .rejected(let s): return "rejected \(s)"
        case .failed(let s): return "failed \(s)"
        case .ackTimeout: return "no ACK"
        case .sessionExpired: return "session expired"
        case .transportError: return "transport error"
        case .timeout: return "timeout"
        }
    }
}

/// Events for the application (call control, CTI, logs).
public enum UserAgentEvent: Sendable, Hashable {
    case incomingCall(CallHandle, callID: String, from: String, to: String, dialled: String, peer: SIPPeer)
    case ringing(CallHandle)
    case answered(CallHandle, media: NegotiatedMedia?)
    case mediaUpdated(CallHandle, media: NegotiatedMedia)
    case ended(CallHandle, reason: CallEndReason)
    case registered(aor: String, contact: String, expires: Int)
    case unregistered(aor: String, contact: String)
    case authenticationFailed(user: String, source: String)
    case dtmfInfo(CallHandle, digit: String, durationMs: Int?)
    /// The peer sent REFER in the call's dialog (RFC 3515) and got 202: transfer the other
    /// party to `referTo` (the Refer-To URI without its embedded headers), replacing the
    /// dialog `replaces` names (`callid;to-tag=x;from-tag=y`, RFC 3891) when given; then
    /// report with `UserAgentCore.notifyTransfer`.
    case transferRequested(CallHandle, referTo: String, referredBy: String?, replaces: String?)
}
