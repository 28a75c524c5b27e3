/// The timers of RFC 3261 §17 (table 4 in appendix A) and RFC 6026 §8.4 (L) and §8.7 (M).
///
/// | timer | machine | meaning |
/// |---|---|---|
/// | A | client INVITE | request retransmission, doubling from T1 (unreliable only) |
/// | B | client INVITE | transaction timeout, 64·T1 |
/// | D | client INVITE | wait for response retransmissions in Completed |
/// | E | client non-INVITE | request retransmission, doubling from T1, capped at T2 (unreliable only) |
/// | F | client non-INVITE | transaction timeout, 64·T1 |
/// | G | server INVITE | final response retransmission, doubling from T1, capped at T2 (unreliable only) |
/// | H | server INVITE | wait for ACK, 64·T1 |
/// | I | server INVITE | absorb ACK retransmissions in Confirmed, T4 (0 reliable) |
/// | J | server non-INVITE | absorb request retransmissions in Completed, 64·T1 (0 reliable) |
/// | K | client non-INVITE | absorb response retransmissions in Completed, T4 (0 reliable) |
/// | L | server INVITE | RFC 6026 Accepted: absorb INVITE retransmissions, 64·T1 |
/// | M | client INVITE | RFC 6026 Accepted: pass 2xx retransmissions to the TU, 64·T1 |
///
/// There is no timer C (proxies only) and no 200 ms "send 100 Trying" timer: the server
/// INVITE transaction sends its 100 Trying at once (see `ServerInviteTransaction`).
public enum TransactionTimer: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case A, B, D, E, F, G, H, I, J, K, L, M

    public var description: String {
        switch self {
        case .A: return "A"
        case .B: return "B"
        case .D: return "D"
        case .E: return "E"
        case .F: return "F"
        case .G: return "G"
        case .H: return "H"
        case .I: return "I"
        case .J: return "J"
        case .K: return "K"
        case .L: return "L"
        case .M: return "M"
        }
    }
}

/// T1, T2 and T4 of RFC 3261 §17.1.1.1 and table 4; every other timer derives from them.
public struct TransactionTimerSettings: Sendable, Hashable {
    /// Round-trip time estimate; the first retransmission interval.
    public var t1: Duration = .milliseconds(500)
    /// The maximum retransmission interval for non-INVITE requests and INVITE responses.
    public var t2: Duration = .seconds(4)
    /// The longest a message stays in the network.
    public var t4: Duration = .seconds(5)
    /// Timer D on unreliable transports: "at least 32 seconds" (§17.1.1.2). Kept separate from
    /// T1 because it covers the *server's* response retransmissions, whose T1 we don't know.
    public var timerD: Duration = .seconds(32)

    public init(t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5),
                timerD: Duration = .seconds(32)) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
        self.timerD = timerD
    }

    /// 64·T1: timers B, F, H, J (unreliable), L and M.
    public var transactionTimeout: Duration { t1 * 64 }
}
