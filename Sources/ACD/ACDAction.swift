import HotlineModel

/// A contact asking to be routed: a call transferred from the IVR, a queued callback, a
/// call re-queued after its agent's phone vanished.
public struct ContactRequest: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case call
        /// Call the customer back on `number` when an agent is free (the agent is reserved first).
        case callback(number: String)
    }

    public var id: InteractionID
    public var queue: String
    /// Higher first (0 normal; e.g. 5 VIP, 9 lost card).
    public var priority: Int
    public var kind: Kind
    /// When the contact first started waiting. A re-queued or overflowed contact keeps its
    /// place by it; nil: now.
    public var waitingSince: Timestamp?
    /// The customer's previous agent, when within the queue's preferred-agent window.
    public var preferredAgent: AgentID?

    /// Offered to this agent only (an agent's own outbound call): when their phone does not
    /// take it, it is dropped rather than queued again, and the agent stays available.
    public var onlyTo: AgentID?

    public init(id: InteractionID, queue: String, priority: Int = 0, kind: Kind = .call, waitingSince: Timestamp? = nil,
                preferredAgent: AgentID? = nil, onlyTo: AgentID? = nil) {
        self.onlyTo = onlyTo
        self.id = id
        self.queue = queue
        self.priority = priority
        self.kind = kind
        self.waitingSince = waitingSince
        self.preferredAgent = preferredAgent
    }
}

/// Why an offer did not become a call.
public enum OfferFailure: String, Hashable, Sendable {
    /// The phone rang out (the ring time passed, or the phone gave up: 408, 480).
    case noAnswer = "no-answer"
    /// 486/600: the agent (or their phone) declined.
    case busy
    /// No registered phone, or it could not be reached (503, transport error).
    case unreachable
}

/// Why an offer was withdrawn.
public enum OfferCancellation: String, Hashable, Sendable {
    /// The ring time passed: stop ringing.
    case ringTimeout = "ring-timeout"
    /// The caller hung up while the agent's phone rang.
    case callerLeft = "caller-left"
}

/// What routing asks the host to do, or tells it happened, in order.
public enum ACDAction: Hashable, Sendable {
    /// Ring `agent`'s phone with `contact` (for a callback: reserve the agent, then dial
    /// the customer). Withdrawn by `.cancelOffer` when `ringDeadline` passes.
    case offer(contact: InteractionID, agent: AgentID, queue: String, kind: ContactRequest.Kind, ringDeadline: Timestamp)
    /// Stop ringing `agent` with `contact`.
    case cancelOffer(contact: InteractionID, agent: AgentID, reason: OfferCancellation)
    /// An agent's state changed (to be stored and shown).
    case agentStateChanged(agent: AgentID, from: AgentState, to: AgentState, at: Timestamp, cause: String)
    /// The contact waits in `queue` at `position` (1 = next).
    case queued(contact: InteractionID, queue: String, position: Int)
    /// An escalation step widened who may take the contact.
    case escalated(contact: InteractionID, queue: String, step: Int)
    /// The contact moved to another queue.
    case overflowed(contact: InteractionID, from: String, to: String)
    /// Tell the caller where they are.
    case announce(contact: InteractionID, position: Int, estimatedWaitSeconds: Int)
    /// The caller has waited the queue's maximum: offer voicemail and/or a callback. The
    /// contact keeps waiting until the host removes it or turns it into a callback.
    case maximumWaitReached(contact: InteractionID, queue: String, offer: MaximumWaitOffer)
}

/// A waiting contact, as the supervisor's wallboard lists them.
public struct WaitingContact: Hashable, Sendable {
    public var id: InteractionID
    public var queue: String
    public var priority: Int
    public var kind: ContactRequest.Kind
    public var waitingSince: Timestamp
    public var enteredQueueAt: Timestamp
    /// The escalation stage reached (0: the queue's own requirements).
    public var stage: Int
    /// The agent whose phone rings with it, if any.
    public var offeredTo: AgentID?
}
