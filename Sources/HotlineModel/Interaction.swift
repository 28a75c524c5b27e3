/// One contact between a customer and the center on one channel, from the first signal
/// to the end: a phone call, a chat session, an SMS thread or an email conversation.
///
/// This is the record shape shared by CTI, call records and analytics. The lifecycle
/// rules (which state may follow which) live in the CTI module, not here.
public struct Interaction: Hashable, Codable, Sendable {
    /// How the customer reached us.
    public enum Channel: String, CaseIterable, Hashable, Codable, Sendable {
        case call
        case chat
        case sms
        case email
    }

    /// Who started it.
    public enum Direction: String, CaseIterable, Hashable, Codable, Sendable {
        /// The customer contacted the center.
        case inbound
        /// The center (an agent, a campaign or a callback) contacted the customer.
        case outbound
    }

    /// Where the interaction stands. Coarse on purpose; CTI refines it with events.
    public enum State: String, CaseIterable, Hashable, Codable, Sendable {
        /// Seen (INVITE received, chat opened), nothing done yet.
        case initiated
        /// Talking to the IVR or a bot.
        case ivr
        /// Waiting in a queue for an agent.
        case queued
        /// Offered to an agent who has not accepted yet.
        case offered
        /// An agent is handling it.
        case connected
        /// Finished; `endedAt` is set.
        case ended
    }

    public var id: InteractionID
    public var channel: Channel
    public var direction: Direction
    /// The originating address: caller number, chat visitor id, sender email.
    public var from: String
    /// The destination address: dialled service number, chat widget, mailbox.
    public var to: String
    public var state: State
    /// The matched customer, once known.
    public var customerID: CustomerID?
    /// The agent handling it, once connected.
    public var agentID: AgentID?
    public var startedAt: Timestamp
    public var endedAt: Timestamp?
    /// The SIP Call-ID of a call's first leg, to find the interaction from the signalling.
    public var sipCallID: String?
    /// How it ended, when it has: `caller hung up`, `interrupted` (Hotline stopped), ...
    public var endReason: String?

    public init(
        id: InteractionID,
        channel: Channel,
        direction: Direction,
        from: String,
        to: String,
        state: State = .initiated,
        customerID: CustomerID? = nil,
        agentID: AgentID? = nil,
        startedAt: Timestamp,
        endedAt: Timestamp? = nil,
        sipCallID: String? = nil,
        endReason: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.direction = direction
        self.from = from
        self.to = to
        self.state = state
        self.customerID = customerID
        self.agentID = agentID
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.sipCallID = sipCallID
        self.endReason = endReason
    }
}
