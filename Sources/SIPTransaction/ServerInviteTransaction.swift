import SIPMessage

/// The INVITE server transaction of RFC 3261 §17.2.1, with the Accepted state of RFC 6026 §7.1.
///
/// ```
///                  start: send 100 Trying, INVITE to TU
///                                 |
///          INVITE                 v
///          resend last   +------------+  1xx from TU: send it
///          provisional   |            |----------+
///                 +------| Proceeding |          |
///                 +----->|            |<---------+
///                        +------------+
///       300-699 from TU:  |    |     |  2xx from TU: send it, L = 64·T1
///       send, G = T1      |    |     +----------------------------------+
///       (unreliable),     |    | transport error: inform TU             |
///       H = 64·T1         |    +-------------------------+              |
///                         v                              |              v
///          INVITE   +-----------+  Timer H fires /       |     +----------+  INVITE: absorb
///          Timer G  |           |  transport error:      |     |          |  ACK: to TU
///          resend   | Completed |  inform TU             |     | Accepted |  2xx from TU: send
///          final +--|           |------------------------+     |          |--+
///                +->+-----------+                        |     +----------+<-+
///                         | ACK: I = T4 (0 reliable)     |           |
///                         v                              |           | Timer L fires
///          ACK,     +-----------+                        |           |
///          INVITE   |           |                        |           |
///          absorb +-| Confirmed |                        |           |
///                 +>+-----------+                        |           |
///                         | Timer I fires                |           |
///                         v                              |           |
///                   +------------+ <---------------------+           |
///                   | Terminated | <---------------------------------+
///                   +------------+
/// ```
///
/// Decisions beyond the RFC text:
/// - The 100 Trying is sent at once, not after 200 ms (§17.2.1 allows skipping it only if
///   the TU is known to answer within 200 ms, which a TU that may consult a database or an
///   IVR flow cannot promise). It copies Via, From, To, Call-ID, CSeq and Timestamp (§8.2.6).
/// - A zero-length timer I (reliable transports) is not started: the ACK moves the machine
///   straight to Terminated.
/// - A transport error in Accepted is reported but does not terminate: the TU owns the 2xx
///   and its retransmissions (RFC 6026 §7.1), and retransmitted INVITEs must still be absorbed.
/// - Responses from the TU that the state cannot take (a 1xx after a final, a second
///   non-2xx, a non-2xx after a 2xx) are dropped.
public struct ServerInviteTransaction: Sendable {
    /// The states of §17.2.1 and RFC 6026 §7.1.
    public enum State: Sendable, Hashable {
        /// INVITE received, the TU has not answered finally. Exits: Completed (300-699 from
        /// the TU), Accepted (2xx from the TU), Terminated (transport error).
        case proceeding
        /// A non-2xx final was sent and is retransmitted until ACKed. Exits: Confirmed (ACK),
        /// Terminated (Timer H, transport error; ACK on a reliable transport).
        case completed
        /// The ACK arrived; its retransmissions are absorbed. Exit: Terminated (Timer I,
        /// transport error).
        case confirmed
        /// A 2xx was sent; INVITE retransmissions are absorbed, ACKs go to the TU.
        /// Exit: Terminated (Timer L).
        case accepted
        /// Final. No exits; every event is ignored.
        case terminated
    }

    public private(set) var state: State
    /// Where responses go (RFC 3261 §18.2.2, RFC 3581 §4).
    public let peer: SIPPeer
    public let timers: TransactionTimerSettings
    /// The response a retransmitted INVITE gets: the last provisional, then the final.
    /// nil once Accepted: the 2xx is the TU's to retransmit (RFC 6026 §7.1), so the
    /// transaction keeps nothing of it while it lingers for Timer L. The request is not
    /// kept at all: nothing after `start` needs it, and a node taking thousands of calls a
    /// second holds 32 s worth of these.
    public private(set) var lastResponse: SIPResponse?
    /// The interval Timer G was last started with.
    private var timerGInterval: Duration

    private var isReliable: Bool { peer.transport.isReliable }

    private init(request: SIPRequest, peer: SIPPeer, timers: TransactionTimerSettings) {
        self.state = .proceeding
        self.peer = peer
        self.timers = timers
        self.lastResponse = SIPResponse(statusCode: 100, replyingTo: request)
        self.timerGInterval = timers.t1
    }

    /// Creates the transaction in Proceeding: sends 100 Trying and passes the INVITE to the TU.
    /// `request` is the INVITE as the TU should see it (with `received`/`rport` stamped).
    public static func start(request: SIPRequest, peer: SIPPeer, timers: TransactionTimerSettings = .init(),
                             now: SIPInstant) -> (ServerInviteTransaction, [TransactionAction]) {
        let tx = ServerInviteTransaction(request: request, peer: peer, timers: timers)
        return (tx, tx.resendLast() + [.deliverRequest(request)])
    }

    /// A request matched to this transaction (§17.2.3): a retransmitted INVITE or an ACK.
    public mutating func receive(_ request: SIPRequest, now: SIPInstant) -> [TransactionAction] {
        let isACK = request.method == .ack
        switch state {
        case .proceeding:
            // An ACK before any final response acknowledges nothing.
            return isACK ? [] : resendLast()
        case .completed:
            guard isACK else { return resendLast() }
            var actions: [TransactionAction] = []
            if !isReliable { actions.append(.cancelTimer(.G)) }
            actions.append(.cancelTimer(.H))
            if isReliable {
                state = .terminated
                actions.append(.terminated)
            } else {
                state = .confirmed
                actions.append(.startTimer(.I, at: now + timers.t4))
            }
            return actions
        case .confirmed:
            return []
        case .accepted:
            // RFC 6026 §7.1: INVITE retransmissions MUST NOT reach the TU; the ACK must.
            return isACK ? [.deliverRequest(request)] : []
        case .terminated:
            return []
        }
    }

    /// A response from the TU for this transaction.
    public mutating func sendResponse(_ response: SIPResponse, now: SIPInstant) -> [TransactionAction] {
        let code = response.statusCode
        switch state {
        case .proceeding:
            lastResponse = response
            if code < 200 { return [.send(.response(response), to: peer)] }
            if code < 300 {
                state = .accepted
                lastResponse = nil
                return [.send(.response(response), to: peer), .startTimer(.L, at: now + timers.transactionTimeout)]
            }
            state = .completed
            var actions: [TransactionAction] = [.send(.response(response), to: peer)]
            if !isReliable { actions.append(.startTimer(.G, at: now + timers.t1)) }
            actions.append(.startTimer(.H, at: now + timers.transactionTimeout))
            return actions
        case .accepted:
            // RFC 6026 §7.1: the TU retransmits its 2xx through the transaction.
            guard (200..<300).contains(code) else { return [] }
            return [.send(.response(response), to: peer)]
        case .completed, .confirmed, .terminated:
            return []
        }
    }

    public mutating func timerFired(_ timer: TransactionTimer, now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .completed:
            switch timer {
            case .G:
                guard !isReliable else { return [] }
                timerGInterval = min(timerGInterval * 2, timers.t2)
                return resendLast() + [.startTimer(.G, at: now + timerGInterval)]
            case .H:
                state = .terminated
                var actions: [TransactionAction] = []
                if !isReliable { actions.append(.cancelTimer(.G)) }
                actions.append(contentsOf: [.timedOut, .terminated])
                return actions
            case .A, .B, .D, .E, .F, .I, .J, .K, .L, .M:
                return []
            }
        case .confirmed:
            guard timer == .I else { return [] }
            state = .terminated
            return [.terminated]
        case .accepted:
            guard timer == .L else { return [] }
            state = .terminated
            return [.terminated]
        case .proceeding, .terminated:
            return []
        }
    }

    private func resendLast() -> [TransactionAction] {
        lastResponse.map { [.send(.response($0), to: peer)] } ?? []
    }

    /// The transport could not send a response (§17.2.4).
    public mutating func transportFailed(now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .proceeding:
            state = .terminated
            return [.transportError, .terminated]
        case .completed:
            state = .terminated
            var actions: [TransactionAction] = []
            if !isReliable { actions.append(.cancelTimer(.G)) }
            actions.append(contentsOf: [.cancelTimer(.H), .transportError, .terminated])
            return actions
        case .confirmed:
            // Only unreliable transports linger in Confirmed, so Timer I is running.
            state = .terminated
            return [.cancelTimer(.I), .transportError, .terminated]
        case .accepted:
            return [.transportError]
        case .terminated:
            return []
        }
    }
}
