/// The RFC 3264 §4 offer/answer state of one SIP session, modelled on pjmedia's
/// `sdp_neg.h`: at most one offer outstanding, every answer paired with the offer
/// before it, and the o= version counted across the session (RFC 3264 §8).
///
/// ```
///                        +------+
///                        | idle |
///                        +------+
///            sendOffer()  |    |  receiveOffer()
///                         v    v
///          +-----------+          +---------------+
///          | offerSent |          | offerReceived |
///          +-----------+          +---------------+
///                |  receiveAnswer()   |  sendAnswer()
///                |  ok                |  ok
///                +--------+   +-------+
///                         v   v
///                      +--------+ --- sendOffer() ----> offerSent
///                      | stable |
///                      +--------+ --- receiveOffer() -> offerReceived
///                                     (re-offers: hold, resume, refresh)
/// ```
///
/// From `offerSent`, ``cancelOffer()`` or an unusable answer, and from
/// `offerReceived`, ``rejectOffer()`` or an offer we cannot accept, go back to the
/// phase that was left: `idle` when no exchange has completed yet, else `stable`
/// with the previous ``session`` still in force.
///
/// Events the current phase does not allow return an error and change nothing;
/// the error's ``SDPNegotiationError/sipStatus`` is the response for the SIP request
/// that carried the event (491 for glare, 500 for an offer while one is pending,
/// RFC 3261 §14.2).
///
/// Which SIP message carries which event is the dialog layer's business: an offer
/// may ride in an INVITE, a 200 OK (to an INVITE without SDP), UPDATE or PRACK
/// (RFC 6337 §2.1 lists the patterns).
public struct OfferAnswerState: Sendable, Hashable {
    /// Where the exchange is.
    public enum Phase: Sendable, Hashable {
        /// No offer/answer exchange has completed and none is under way.
        /// Exits: ``OfferAnswerState/sendOffer(local:direction:)`` → `offerSent`;
        /// ``OfferAnswerState/receiveOffer(_:)`` → `offerReceived`.
        case idle
        /// We sent this offer and wait for its answer.
        /// Exits: ``OfferAnswerState/receiveAnswer(_:)`` → `stable` (or back to
        /// `idle`/`stable` when the answer is unusable);
        /// ``OfferAnswerState/cancelOffer()`` → back to `idle`/`stable`.
        case offerSent(SessionDescription)
        /// The peer sent this offer and we owe the answer.
        /// Exits: ``OfferAnswerState/sendAnswer(local:)`` → `stable` (or back to
        /// `idle`/`stable` when we cannot accept it);
        /// ``OfferAnswerState/rejectOffer()`` → back to `idle`/`stable`.
        case offerReceived(SessionDescription)
        /// An exchange completed; ``OfferAnswerState/session`` holds it.
        /// Exits: `sendOffer` → `offerSent`; `receiveOffer` → `offerReceived`.
        case stable
    }

    /// A completed exchange.
    public struct Session: Sendable, Hashable {
        /// The SDP we sent (offer or answer).
        public var local: SessionDescription
        /// The SDP the peer sent.
        public var remote: SessionDescription
        /// The audio stream they agreed on.
        public var media: NegotiatedMedia
    }

    /// Where the exchange is.
    public private(set) var phase: Phase = .idle
    /// The last completed exchange. Kept while a re-offer is under way, and still in
    /// force if the re-offer fails (RFC 3261 §14.1: a failed re-INVITE leaves the
    /// session unchanged).
    public private(set) var session: Session?
    /// The `o=` version of the last SDP we sent, cancelled offers included: the next
    /// one must be this plus one, never a reused number (RFC 3264 §8).
    public private(set) var lastSentVersion: UInt64?
    /// Builds offers and answers.
    public var negotiator: SDPNegotiator

    public init(negotiator: SDPNegotiator = SDPNegotiator()) {
        self.negotiator = negotiator
    }

    /// The phase to return to when an exchange is abandoned.
    private var settled: Phase { session == nil ? .idle : .stable }

    // MARK: We offer

    /// Makes our offer: the first of the session, or a re-offer that keeps the
    /// previous m-lines (RFC 3264 §8). Use `direction: .sendonly` to put the peer on
    /// hold and `.sendrecv` to resume.
    public mutating func sendOffer(
        local: LocalMedia,
        direction: MediaDirection = .sendrecv
    ) -> Result<SessionDescription, SDPNegotiationError> {
        switch phase {
        case .idle, .stable:
            let offer = negotiator.offer(
                local: local, direction: direction, previousVersion: lastSentVersion,
                previousMedia: session?.local.media ?? [])
            lastSentVersion = offer.origin.sessionVersion
            phase = .offerSent(offer)
            return .success(offer)
        case .offerSent:
            return .failure(.outOfOrder("our previous offer is still outstanding; wait for its answer or cancel it (RFC 3264 §4)"))
        case .offerReceived:
            return .failure(.outOfOrder("the peer's offer must be answered before we offer (RFC 3264 §4)"))
        }
    }

    /// Takes the peer's answer to our outstanding offer.
    public mutating func receiveAnswer(_ answer: SessionDescription) -> Result<NegotiatedMedia, SDPNegotiationError> {
        switch phase {
        case .offerSent(let offer):
            switch negotiator.process(answer: answer, toOffer: offer) {
            case .success(let media):
                session = Session(local: offer, remote: answer, media: media)
                phase = .stable
                return .success(media)
            case .failure(let error):
                phase = settled
                return .failure(error)
            }
        case .idle, .stable:
            return .failure(.outOfOrder("an answer arrived but no offer of ours is outstanding (RFC 3264 §4)"))
        case .offerReceived:
            return .failure(.outOfOrder("an answer arrived while we owe the peer an answer (RFC 3264 §4)"))
        }
    }

    /// Abandons our outstanding offer, e.g. when the re-INVITE carrying it was
    /// answered 491 or 488, or the initial INVITE failed.
    public mutating func cancelOffer() -> Result<Void, SDPNegotiationError> {
        switch phase {
        case .offerSent:
            phase = settled
            return .success(())
        case .idle, .stable, .offerReceived:
            return .failure(.outOfOrder("there is no offer of ours to cancel"))
        }
    }

    // MARK: Peer offers

    /// Takes the peer's offer; answer it with ``sendAnswer(local:)`` or refuse it
    /// with ``rejectOffer()``.
    public mutating func receiveOffer(_ offer: SessionDescription) -> Result<Void, SDPNegotiationError> {
        switch phase {
        case .idle, .stable:
            phase = .offerReceived(offer)
            return .success(())
        case .offerSent:
            return .failure(.glare("the peer offered while our offer is outstanding; answer its request with 491 (RFC 3261 §14.2)"))
        case .offerReceived:
            return .failure(.offerPending("the peer offered again before we answered its previous offer; answer 500 with Retry-After (RFC 3261 §14.2)"))
        }
    }

    /// Answers the peer's outstanding offer. On failure the offer is dropped and the
    /// previous session (if any) stays in force; send the error's status (488).
    public mutating func sendAnswer(local: LocalMedia) -> Result<NegotiatedAnswer, SDPNegotiationError> {
        switch phase {
        case .offerReceived(let offer):
            switch negotiator.answer(to: offer, local: local, previousVersion: lastSentVersion) {
            case .success(let negotiated):
                lastSentVersion = negotiated.answer.origin.sessionVersion
                session = Session(local: negotiated.answer, remote: offer, media: negotiated.media)
                phase = .stable
                return .success(negotiated)
            case .failure(let error):
                phase = settled
                return .failure(error)
            }
        case .idle, .stable:
            return .failure(.outOfOrder("there is no peer offer to answer (RFC 3264 §4)"))
        case .offerSent:
            return .failure(.outOfOrder("we cannot answer while our own offer is outstanding (RFC 3264 §4)"))
        }
    }

    /// Refuses the peer's outstanding offer without answering it, e.g. when the
    /// INVITE carrying it is rejected for reasons other than media.
    public mutating func rejectOffer() -> Result<Void, SDPNegotiationError> {
        switch phase {
        case .offerReceived:
            phase = settled
            return .success(())
        case .idle, .stable, .offerSent:
            return .failure(.outOfOrder("there is no peer offer to reject"))
        }
    }
}
