/// A domain event in the one shape used everywhere: the WebSocket stream, webhooks and
/// stored history (DESIGN.md). On the wire it is a CloudEvents 1.0 envelope
/// (`specversion`, `id`, `source`, `type`, `subject`, `time`, `datacontenttype`, `data`)
/// plus `seq`; the adapter that writes it adds the source (the node).
///
/// Consumers resume after a disconnect by asking for the events after the last `sequence`
/// they saw, so sequence numbers are assigned by the stream, strictly increasing, never
/// reused.
public struct Event: Hashable, Codable, Sendable {
    /// Position in the stream; strictly increasing.
    public var sequence: Int64
    /// Dotted name such as `interaction.offered` or `agent.state` (``EventType``).
    public var type: String
    /// What the event is about, as a path: `agents/1001`, `interactions/<id>`, `queues/cards`.
    public var subject: String
    public var time: Timestamp
    public var data: JSONValue
    /// Who the event concerns: the agents it is about or addressed to, and the queues. The
    /// stream filters and authorises on these; they are not sent.
    public var agents: [String]
    public var queues: [String]

    public init(sequence: Int64, type: String, subject: String, time: Timestamp, data: JSONValue,
                agents: [String] = [], queues: [String] = []) {
        self.sequence = sequence
        self.type = type
        self.subject = subject
        self.time = time
        self.data = data
        self.agents = agents
        self.queues = queues
    }
}

/// The event types Hotline emits.
public enum EventType {
    /// An agent's state changed (data: agent, name, state, reason, interaction, since, previous, cause).
    public static let agentState = "agent.state"
    /// An agent's phone started ringing with a contact: the screen pop.
    public static let interactionOffered = "interaction.offered"
    /// The offer was withdrawn (no answer, busy, caller hung up, routed elsewhere).
    public static let interactionOfferCancelled = "interaction.offer-cancelled"
    public static let interactionQueued = "interaction.queued"
    /// The stream refused (not signed in, forbidden, a bad query): sent once before closing.
    public static let streamError = "stream.error"
    public static let interactionAnswered = "interaction.answered"
    public static let interactionEnded = "interaction.ended"
    /// A wrap-up finished with its disposition and notes.
    public static let interactionWrappedUp = "interaction.wrapped-up"
    /// A queue's live figures (at most about once a second per queue).
    public static let queueStats = "queue.stats"
    /// Sent by the stream itself: the replay is done (data: replayed, current).
    public static let streamReady = "stream.ready"
    /// Sent by the stream itself: events after the client's last one are gone (data: oldest).
    public static let streamReset = "stream.reset"

    public static let all: [String] = [agentState, interactionOffered, interactionOfferCancelled, interactionQueued,
                                       interactionAnswered, interactionEnded, interactionWrappedUp, queueStats]
}
