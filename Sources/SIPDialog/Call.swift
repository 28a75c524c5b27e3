import SDP
import SIPMessage
import SIPTransaction

/// One INVITE session as the core tracks it.
struct Call: Sendable {
    enum Direction: Sendable { case inbound, outbound }

    /// States and their exits:
    /// - `offering`: inbound INVITE not yet answered → answered, ended (reject, CANCEL).
    /// - `calling`: our INVITE sent, no dialog → early, confirmed, ended.
    /// - `early`: our INVITE got a 1xx with a tag → confirmed, ended.
    /// - `answered`: we sent 2xx, waiting for ACK → confirmed, terminating (no ACK).
    /// - `confirmed`: the session is up → terminating, ended (BYE received).
    /// - `terminating`: we sent BYE → ended (any response or timeout).
    enum State: Sendable, Equatable { case offering, calling, early, answered, confirmed, terminating }

    let handle: CallHandle
    let direction: Direction
    var state: State
    var dialog: Dialog?
    /// The initial INVITE (received or sent); for UAC, the latest one sent (after auth).
    var invite: SIPRequest
    var inviteTransaction: TransactionID?
    let localTag: String
    var peer: SIPPeer
    var dialled: String

    // Media
    var rtpPort: UInt16?
    /// `rtpPort` came from the pool (and goes back to it at the end).
    var portFromPool = true
    let sessionID: UInt64
    var localSDP: SessionDescription?
    var remoteSDP: SessionDescription?
    var media: NegotiatedMedia?
    /// We sent an offer (late-offer INVITE, or as UAC) and wait for its answer.
    var offerOutstanding = false

    // Inbound 2xx reliability (§13.3.1.4)
    var final2xx: SIPResponse?
    var retransmitInterval: Duration = .milliseconds(500)
    /// An in-dialog INVITE we answered 2xx and whose ACK we await.
    var reinviteAwaitingACK: UInt32?
    var reinviteInProgress = false
    /// `hangup` came between our 2xx and its ACK: the BYE waits for the ACK (§15).
    var hangupAfterACK = false
    var sessionTimer: SessionTimerNegotiation?

    // Outbound
    var credentials: DialCredentials?
    var authAttempts = 0
    var cancelRequested = false
    var gotProvisional = false
    var ack: SIPRequest?
    var plannedDuration: Duration?

    init(handle: CallHandle, direction: Direction, state: State, invite: SIPRequest, localTag: String,
         peer: SIPPeer, dialled: String, sessionID: UInt64) {
        self.handle = handle
        self.direction = direction
        self.state = state
        self.invite = invite
        self.localTag = localTag
        self.peer = peer
        self.dialled = dialled
        self.sessionID = sessionID
    }
}

/// Credentials an outbound call answers a 401/407 challenge with.
public struct DialCredentials: Sendable, Hashable {
    public var username: String
    public var password: String
    public init(username: String, password: String) { self.username = username; self.password = password }
}
