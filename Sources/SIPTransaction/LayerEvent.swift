import SIPMessage

/// What the `TransactionLayer` asks of the network adapter (send, timers) and tells the TU
/// (requests, responses, outcomes). The adapter runs them in order.
///
/// Timers are named by the pair (timer, transaction): `startTimer` for a pair that is
/// already scheduled replaces it; `cancelTimer` for one that is not is a no-op; after
/// `terminated(id)` every timer of `id` may be dropped (firing one is harmless: the layer
/// ignores timers of transactions it no longer has).
public enum LayerEvent: Sendable, Hashable {
    case send(SIPMessage, to: SIPPeer)
    case startTimer(TransactionTimer, TransactionID, at: SIPInstant)
    case cancelTimer(TransactionTimer, TransactionID)
    /// A new server transaction for the TU; answer it with `sendResponse(_:for:now:)`.
    /// `from` is where the request came from (responses go to `peer(of:)`).
    case request(SIPRequest, TransactionID, from: SIPPeer)
    /// A new CANCEL server transaction, with the INVITE server transaction it targets
    /// (RFC 3261 §9.2); nil when there is none, and the TU answers the CANCEL with 481.
    case cancel(SIPRequest, cancelTransaction: TransactionID, inviteTransaction: TransactionID?)
    /// An ACK for a 2xx sent by an INVITE server transaction in the RFC 6026 Accepted state:
    /// the TU stops retransmitting that 2xx.
    case ackForAcceptedInvite(SIPRequest, TransactionID, from: SIPPeer)
    /// An ACK that matches no transaction (after Timer L, or for a 2xx sent statelessly):
    /// the TU matches it to a dialog or drops it.
    case strayACK(SIPRequest, from: SIPPeer)
    /// A response for a client transaction, including 2xx retransmissions in Accepted.
    case response(SIPResponse, TransactionID)
    /// A response that matches no client transaction. RFC 3261 §18.1.2 says discard; a TU may
    /// use a stray 2xx to an INVITE to ACK (and BYE) it again (RFC 6026 §7.2).
    case strayResponse(SIPResponse, from: SIPPeer)
    /// Timer B, F or H fired: the TU treats it as a 408.
    case timeout(TransactionID)
    /// A send failed, or the request could not become a transaction: the TU treats it as a 503.
    case transportError(TransactionID)
    /// The transaction is gone from the table.
    case terminated(TransactionID)
}
