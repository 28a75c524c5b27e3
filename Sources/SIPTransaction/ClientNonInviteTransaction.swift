import SIPMessage

/// The non-INVITE client transaction of RFC 3261 §17.1.2 (also used for CANCEL).
///
/// ```
///                       start: send request, E = T1 (unreliable), F = 64·T1
///                                     |
///          Timer E fires              v          Timer F fires / transport error
///          resend,              +-----------+    inform TU
///          E = min(2E, T2) +----|           |-------------------------------+
///                          |    |  Trying   |                               |
///                          +--->|           |                               |
///                               +-----------+  200-699 to TU                |
///                         1xx to TU  |   |     K = T4 (0 reliable)          |
///                                    |   +------------------------+         |
///                                    v                            |         |
///          Timer E fires        +------------+                    |         |
///          resend, E = T2  +----|            |  Timer F fires /   |         |
///          1xx to TU       |    | Proceeding |  transport error   |         |
///                          +--->|            |--------------------+-------->+
///                               +------------+                    |         |
///                                    | 200-699 to TU              |         |
///                                    | K = T4 (0 reliable)        |         |
///                                    v                            |         |
///          responses             +-----------+ <------------------+         |
///          absorbed         +----|           |                              |
///                           |    | Completed |                              |
///                           +--->|           |                              |
///                                +-----------+                              |
///                                     | Timer K fires / transport error     |
///                                     v                                     |
///                               +------------+                              |
///                               | Terminated | <----------------------------+
///                               +------------+
/// ```
///
/// A zero-length timer K (reliable transports) is not started: the machine goes straight to
/// Terminated.
public struct ClientNonInviteTransaction: Sendable {
    /// The states of §17.1.2.2.
    public enum State: Sendable, Hashable {
        /// Request sent, nothing heard. Exits: Proceeding (1xx), Completed (200-699),
        /// Terminated (Timer F, transport error; 200-699 on a reliable transport).
        case trying
        /// A provisional arrived; retransmissions continue every T2. Exits: Completed
        /// (200-699), Terminated (Timer F, transport error; 200-699 on a reliable transport).
        case proceeding
        /// A final arrived; its retransmissions are absorbed. Exit: Terminated (Timer K,
        /// transport error).
        case completed
        /// Final. No exits; every event is ignored.
        case terminated
    }

    public private(set) var state: State
    public let request: SIPRequest
    public let peer: SIPPeer
    public let timers: TransactionTimerSettings
    /// The interval Timer E was last started with.
    private var timerEInterval: Duration

    private var isReliable: Bool { peer.transport.isReliable }

    private init(request: SIPRequest, peer: SIPPeer, timers: TransactionTimerSettings) {
        self.state = .trying
        self.request = request
        self.peer = peer
        self.timers = timers
        self.timerEInterval = timers.t1
    }

    /// Creates the transaction in Trying and returns what to do: send the request, start
    /// Timer E (unreliable transports only) and Timer F (§17.1.2.2).
    public static func start(request: SIPRequest, peer: SIPPeer, timers: TransactionTimerSettings = .init(),
                             now: SIPInstant) -> (ClientNonInviteTransaction, [TransactionAction]) {
        let tx = ClientNonInviteTransaction(request: request, peer: peer, timers: timers)
        var actions: [TransactionAction] = [.send(.request(request), to: peer)]
        if !tx.isReliable { actions.append(.startTimer(.E, at: now + timers.t1)) }
        actions.append(.startTimer(.F, at: now + timers.transactionTimeout))
        return (tx, actions)
    }

    /// A response matched to this transaction (§17.1.3).
    public mutating func receive(_ response: SIPResponse, now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .trying, .proceeding:
            if response.statusCode < 200 {
                // Timer E keeps its schedule; it is reset to T2 when it next fires.
                state = .proceeding
                return [.deliverResponse(response)]
            }
            var actions: [TransactionAction] = []
            if !isReliable { actions.append(.cancelTimer(.E)) }
            actions.append(.cancelTimer(.F))
            actions.append(.deliverResponse(response))
            if isReliable {
                state = .terminated
                actions.append(.terminated)
            } else {
                state = .completed
                actions.append(.startTimer(.K, at: now + timers.t4))
            }
            return actions
        case .completed, .terminated:
            return []
        }
    }

    public mutating func timerFired(_ timer: TransactionTimer, now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .trying, .proceeding:
            switch timer {
            case .E:
                guard !isReliable else { return [] }
                // §17.1.2.2: doubling up to T2 in Trying; T2 flat in Proceeding.
                timerEInterval = state == .trying ? min(timerEInterval * 2, timers.t2) : timers.t2
                return [.send(.request(request), to: peer), .startTimer(.E, at: now + timerEInterval)]
            case .F:
                state = .terminated
                var actions: [TransactionAction] = []
                if !isReliable { actions.append(.cancelTimer(.E)) }
                actions.append(contentsOf: [.timedOut, .terminated])
                return actions
            case .A, .B, .D, .G, .H, .I, .J, .K, .L, .M:
                return []
            }
        case .completed:
            guard timer == .K else { return [] }
            state = .terminated
            return [.terminated]
        case .terminated:
            return []
        }
    }

    /// The transport could not send the request (§17.1.4).
    public mutating func transportFailed(now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .trying, .proceeding:
            state = .terminated
            var actions: [TransactionAction] = []
            if !isReliable { actions.append(.cancelTimer(.E)) }
            actions.append(contentsOf: [.cancelTimer(.F), .transportError, .terminated])
            return actions
        case .completed:
            // Only unreliable transports linger in Completed, so Timer K is running.
            state = .terminated
            return [.cancelTimer(.K), .transportError, .terminated]
        case .terminated:
            return []
        }
    }
}
