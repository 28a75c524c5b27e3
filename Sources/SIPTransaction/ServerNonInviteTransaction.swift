import SIPMessage

/// The non-INVITE server transaction of RFC 3261 §17.2.2 (also used for CANCEL).
///
/// ```
///                      start: request to TU
///                                |
///          request               v
///          retransmission  +-----------+
///          absorbed   +----|           |
///                     |    |  Trying   |-------------------------------+
///                     +--->|           |  200-699 from TU: send it,    |
///                          +-----------+  J = 64·T1 (0 reliable)       |
///                                | 1xx from TU: send it               |
///                                v                                    |
///          request         +------------+                             |
///          retransmission  |            |  1xx from TU: send it       |
///          resend last +---| Proceeding |---+                         |
///          provisional |   |            |   |                         |
///                      +-->+------------+<--+                         |
///                             |       | 200-699 from TU: send it,     |
///                             |       | J = 64·T1 (0 reliable)        |
///          transport error:   |       v                               |
///          inform TU          |  +-----------+ <----------------------+
///                             |  |           |  request retransmission:
///                             |  | Completed |--+  resend final
///                             |  |           |<-+
///                             |  +-----------+
///                             |       | Timer J fires / transport error
///                             v       v
///                          +------------+
///                          | Terminated |
///                          +------------+
/// ```
///
/// A zero-length timer J (reliable transports) is not started: the final response moves the
/// machine straight to Terminated. Responses from the TU after the final are dropped.
public struct ServerNonInviteTransaction: Sendable {
    /// The states of §17.2.2.
    public enum State: Sendable, Hashable {
        /// Request received and passed up; nothing sent. Exits: Proceeding (1xx from the TU),
        /// Completed (200-699 from the TU), Terminated (transport error; final on a reliable
        /// transport).
        case trying
        /// A provisional was sent. Exits: Completed (200-699 from the TU), Terminated
        /// (transport error; final on a reliable transport).
        case proceeding
        /// The final was sent; retransmitted requests get it again. Exit: Terminated
        /// (Timer J, transport error).
        case completed
        /// Final. No exits; every event is ignored.
        case terminated
    }

    public private(set) var state: State
    /// Where responses go (RFC 3261 §18.2.2, RFC 3581 §4).
    public let peer: SIPPeer
    public let timers: TransactionTimerSettings
    /// The response a retransmitted request gets; nil in Trying. The request itself is not
    /// kept: nothing after `start` needs it, and Completed lingers 32 s (Timer J).
    public private(set) var lastResponse: SIPResponse?

    private var isReliable: Bool { peer.transport.isReliable }

    private init(request: SIPRequest, peer: SIPPeer, timers: TransactionTimerSettings) {
        self.state = .trying
        self.peer = peer
        self.timers = timers
    }

    /// Creates the transaction in Trying and passes the request to the TU.
    /// `request` is the request as the TU should see it (with `received`/`rport` stamped).
    public static func start(request: SIPRequest, peer: SIPPeer, timers: TransactionTimerSettings = .init(),
                             now: SIPInstant) -> (ServerNonInviteTransaction, [TransactionAction]) {
        (ServerNonInviteTransaction(request: request, peer: peer, timers: timers), [.deliverRequest(request)])
    }

    /// A retransmission of the request (§17.2.3).
    public mutating func receive(_ request: SIPRequest, now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .trying:
            return []
        case .proceeding, .completed:
            guard let lastResponse else { return [] }
            return [.send(.response(lastResponse), to: peer)]
        case .terminated:
            return []
        }
    }

    /// A response from the TU for this transaction.
    public mutating func sendResponse(_ response: SIPResponse, now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .trying, .proceeding:
            lastResponse = response
            if response.statusCode < 200 {
                state = .proceeding
                return [.send(.response(response), to: peer)]
            }
            if isReliable {
                state = .terminated
                return [.send(.response(response), to: peer), .terminated]
            }
            state = .completed
            return [.send(.response(response), to: peer), .startTimer(.J, at: now + timers.transactionTimeout)]
        case .completed, .terminated:
            return []
        }
    }

    public mutating func timerFired(_ timer: TransactionTimer, now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .completed:
            guard timer == .J else { return [] }
            state = .terminated
            return [.terminated]
        case .trying, .proceeding, .terminated:
            return []
        }
    }

    /// The transport could not send a response (§17.2.4).
    public mutating func transportFailed(now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .trying, .proceeding:
            state = .terminated
            return [.transportError, .terminated]
        case .completed:
            // Only unreliable transports linger in Completed, so Timer J is running.
            state = .terminated
            return [.cancelTimer(.J), .transportError, .terminated]
        case .terminated:
            return []
        }
    }
}
