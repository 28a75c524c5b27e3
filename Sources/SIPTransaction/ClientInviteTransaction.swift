import SIPMessage

/// The INVITE client transaction of RFC 3261 §17.1.1, with the Accepted state of RFC 6026 §7.2.
///
/// ```
///                      start: send INVITE, A = T1 (unreliable), B = 64·T1
///                                   |
///              Timer A fires        v         Timer B fires / transport error
///              resend, A *= 2 +-----------+   inform TU
///                      +------|  Calling  |--------------------------------+
///                      +----->|           |                                |
///                             +-----------+ 2xx                            |
///                  1xx to TU   |    |  |    to TU, M = 64·T1               |
///                  (A, B stop) |    |  +-------------------------+         |
///                              v    |                            |         |
///                 1xx    +------------+  2xx to TU, M = 64·T1    |         |
///                 to TU  | Proceeding |-----------------------+  |         |
///                +-------|            |                       |  |         |
///                +------>+------------+                       v  v         |
///                            |  300-699 (from Calling too)  +----------+   |
///                            |  send ACK, to TU,            | Accepted |   |
///                            |  D = 32 s (0 reliable)       +----------+   |
///                            v                      2xx to TU |  ^  |      |
///          300-699    +-----------+                           +--+  |      |
///          send ACK   | Completed |                                 |      |
///            +--------|           |                   Timer M fires |      |
///            +------->+-----------+                                 |      |
///                            | Timer D fires / transport error      |      |
///                            v                                      |      |
///                     +------------+ <------------------------------+      |
///                     | Terminated | <-------------------------------------+
///                     +------------+
/// ```
///
/// Decisions beyond the RFC text:
/// - Timer B is cancelled when the first provisional arrives: the figure in §17.1.1.2 only
///   has B fire from Calling, and an INVITE may ring for minutes. The TU guards a ringing
///   INVITE with its own timer (and CANCEL).
/// - A zero-length timer D (reliable transports) is not started: the machine goes straight
///   to Terminated.
/// - A 2xx in Completed, or a non-2xx in Accepted, is discarded.
public struct ClientInviteTransaction: Sendable {
    /// The states of §17.1.1.2 and RFC 6026 §7.2.
    public enum State: Sendable, Hashable {
        /// INVITE sent, nothing heard. Exits: Proceeding (1xx), Completed (300-699),
        /// Accepted (2xx), Terminated (Timer B, transport error).
        case calling
        /// A provisional arrived; no more retransmissions. Exits: Completed (300-699),
        /// Accepted (2xx), Terminated (transport error).
        case proceeding
        /// A non-2xx final arrived and was ACKed; ACK resent for each retransmission.
        /// Exits: Terminated (Timer D, transport error).
        case completed
        /// A 2xx arrived; further 2xx (retransmissions, forks) go to the TU, which ACKs them.
        /// Exit: Terminated (Timer M).
        case accepted
        /// Final. No exits; every event is ignored.
        case terminated
    }

    public private(set) var state: State
    public let request: SIPRequest
    public let peer: SIPPeer
    public let timers: TransactionTimerSettings
    /// The current Timer A interval (doubles on every firing, §17.1.1.2).
    private var timerAInterval: Duration
    /// The ACK for the non-2xx final response, built once and resent on retransmissions.
    private var ack: SIPRequest?

    private var isReliable: Bool { peer.transport.isReliable }

    private init(request: SIPRequest, peer: SIPPeer, timers: TransactionTimerSettings) {
        self.state = .calling
        self.request = request
        self.peer = peer
        self.timers = timers
        self.timerAInterval = timers.t1
    }

    /// Creates the transaction in Calling and returns what to do: send the INVITE, start
    /// Timer A (unreliable transports only) and Timer B (§17.1.1.2).
    public static func start(request: SIPRequest, peer: SIPPeer, timers: TransactionTimerSettings = .init(),
                             now: SIPInstant) -> (ClientInviteTransaction, [TransactionAction]) {
        let tx = ClientInviteTransaction(request: request, peer: peer, timers: timers)
        var actions: [TransactionAction] = [.send(.request(request), to: peer)]
        if !tx.isReliable { actions.append(.startTimer(.A, at: now + timers.t1)) }
        actions.append(.startTimer(.B, at: now + timers.transactionTimeout))
        return (tx, actions)
    }

    /// A response matched to this transaction (§17.1.3).
    public mutating func receive(_ response: SIPResponse, now: SIPInstant) -> [TransactionAction] {
        let code = response.statusCode
        switch state {
        case .calling, .proceeding:
            var actions: [TransactionAction] = []
            if state == .calling {
                if !isReliable { actions.append(.cancelTimer(.A)) }
                actions.append(.cancelTimer(.B))
            }
            if code < 200 {
                state = .proceeding
                actions.append(.deliverResponse(response))
            } else if code < 300 {
                // RFC 6026 §7.2: stay around to pass 2xx retransmissions (and forked 2xx) up.
                state = .accepted
                actions.append(.deliverResponse(response))
                actions.append(.startTimer(.M, at: now + timers.transactionTimeout))
            } else {
                // §17.1.1.2, §17.1.1.3: the transaction ACKs a non-2xx itself.
                let ack = ClientInviteTransaction.ack(for: request, response: response)
                self.ack = ack
                actions.append(.send(.request(ack), to: peer))
                actions.append(.deliverResponse(response))
                if isReliable {
                    state = .terminated
                    actions.append(.terminated)
                } else {
                    state = .completed
                    actions.append(.startTimer(.D, at: now + timers.timerD))
                }
            }
            return actions
        case .completed:
            // A retransmitted final: the ACK was lost, send it again; the TU has seen it.
            guard code >= 300, let ack else { return [] }
            return [.send(.request(ack), to: peer)]
        case .accepted:
            return (200..<300).contains(code) ? [.deliverResponse(response)] : []
        case .terminated:
            return []
        }
    }

    public mutating func timerFired(_ timer: TransactionTimer, now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .calling:
            switch timer {
            case .A:
                guard !isReliable else { return [] }
                timerAInterval = timerAInterval * 2
                return [.send(.request(request), to: peer), .startTimer(.A, at: now + timerAInterval)]
            case .B:
                state = .terminated
                var actions: [TransactionAction] = []
                if !isReliable { actions.append(.cancelTimer(.A)) }
                actions.append(contentsOf: [.timedOut, .terminated])
                return actions
            case .D, .E, .F, .G, .H, .I, .J, .K, .L, .M:
                return []
            }
        case .completed:
            guard timer == .D else { return [] }
            state = .terminated
            return [.terminated]
        case .accepted:
            guard timer == .M else { return [] }
            state = .terminated
            return [.terminated]
        case .proceeding, .terminated:
            return []
        }
    }

    /// The transport could not send the INVITE or the ACK (§17.1.4).
    public mutating func transportFailed(now: SIPInstant) -> [TransactionAction] {
        switch state {
        case .calling:
            state = .terminated
            var actions: [TransactionAction] = []
            if !isReliable { actions.append(.cancelTimer(.A)) }
            actions.append(contentsOf: [.cancelTimer(.B), .transportError, .terminated])
            return actions
        case .proceeding:
            state = .terminated
            return [.transportError, .terminated]
        case .completed:
            // Only unreliable transports linger in Completed, so Timer D is running.
            state = .terminated
            return [.cancelTimer(.D), .transportError, .terminated]
        case .accepted:
            // RFC 6026: the TU sends the ACK for a 2xx; this transaction sends nothing.
            return []
        case .terminated:
            return []
        }
    }

    /// The ACK for a non-2xx final response (§17.1.1.3): the INVITE's Request-URI, Call-ID,
    /// From and CSeq number, To from the response (it has the tag), only the INVITE's top Via,
    /// and its Route set. Max-Forwards is copied (§8.1.1.6 wants one in every request).
    public static func ack(for invite: SIPRequest, response: SIPResponse) -> SIPRequest {
        var headers = SIPHeaders()
        if let topVia = invite.headers.values(.via).first { headers.add(.via, topVia) }
        headers.add(.maxForwards, invite.headers[.maxForwards] ?? "70")
        for route in invite.headers.lines(.route) { headers.add(.route, route) }
        if let from = invite.headers[.from] { headers.add(.from, from) }
        if let to = response.headers[.to] ?? invite.headers[.to] { headers.add(.to, to) }
        if let callID = invite.headers[.callID] { headers.add(.callID, callID) }
        headers.add(.cseq, "\(cseqNumberText(invite.headers[.cseq])) ACK")
        return SIPRequest(method: .ack, uri: invite.uri, headers: headers)
    }

    /// The sequence number as written (`0009` stays `0009`, RFC 4475 §3.1.1.1), without
    /// parsing: the layer validated the INVITE before creating the transaction.
    private static func cseqNumberText(_ value: String?) -> String {
        guard let value else { return "0" }
        let digits = value.drop { $0 == " " || $0 == "\t" }.prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? "0" : String(digits)
    }
}
