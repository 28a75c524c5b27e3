import SIPMessage

/// What a transaction machine asks its owner to do. The machines never do I/O; the
/// `TransactionLayer` (and through it the network adapter) performs these in order.
///
/// Timer contract: `startTimer` for a timer that is already running replaces it;
/// `cancelTimer` for a timer that is not running is a no-op. A timer that fires in a state
/// where it means nothing is ignored by the machine.
public enum TransactionAction: Sendable, Hashable {
    case send(SIPMessage, to: SIPPeer)
    case startTimer(TransactionTimer, at: SIPInstant)
    case cancelTimer(TransactionTimer)
    /// Server side: a request for the TU (the request that created the transaction, or an
    /// ACK for a 2xx in the RFC 6026 Accepted state).
    case deliverRequest(SIPRequest)
    /// Client side: a response for the TU.
    case deliverResponse(SIPResponse)
    /// Timer B, F or H fired: the TU treats it as a 408 (RFC 3261 §8.1.3.1).
    case timedOut
    /// A send by this transaction failed (RFC 3261 §17.1.4, §17.2.4): the TU treats it as a 503.
    case transportError
    /// The transaction reached Terminated; its owner must forget it now (§17.1.1.2: destroyed
    /// "the instant it enters the Terminated state").
    case terminated
}
