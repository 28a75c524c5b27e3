/// A domain event in the one shape used everywhere: the WebSocket stream, webhooks and
/// stored history.
///
/// Consumers resume after a disconnect by asking for events after the last `sequence`
/// they saw, so sequence numbers are assigned by the emitter, strictly increasing and
/// never reused. The payload is a flat string map so that every consumer (JavaScript,
/// a webhook receiver, a SQL column) can read it without a schema per event type.
public struct Event: Hashable, Codable, Sendable {
    /// Position in the event stream; strictly increasing.
    public var sequence: Int64
    /// Dotted name such as "interaction.queued" or "agent.state_changed".
    public var type: String
    /// The interaction the event is about, if any (agent state changes have none).
    public var interactionID: InteractionID?
    public var timestamp: Timestamp
    /// Event-specific fields, e.g. ["queue": "billing", "agent": "u-7"].
    public var payload: [String: String]

    public init(
        sequence: Int64,
        type: String,
        interactionID: InteractionID? = nil,
        timestamp: Timestamp,
        payload: [String: String] = [:]
    ) {
        self.sequence = sequence
        self.type = type
        self.interactionID = interactionID
        self.timestamp = timestamp
        self.payload = payload
    }
}
