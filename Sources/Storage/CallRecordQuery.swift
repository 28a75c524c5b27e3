import HotlineModel

/// What the interactions list filters call records by (see
/// `RoutingStore.callRecords(matching:limit:after:)`). Every filter is optional; the ones
/// given must all match.
public struct CallRecordQuery: Hashable, Sendable {
    /// `arrivedAt >= from`.
    public var from: Timestamp?
    /// `arrivedAt < to`.
    public var to: Timestamp?
    /// The agent took part: the record has a segment (an offer) to this agent, answered or not.
    public var agent: AgentID?
    /// The call waited in this queue at some point: any of ``CallRecord/queues``, not only
    /// the last.
    public var queue: String?
    public var outcome: CallOutcome?
    /// The caller's number exactly as stored in ``CallRecord/caller``.
    public var caller: String?
    /// The customer the interaction was identified as (`Interaction.customerID`).
    public var customer: CustomerID?

    public init(from: Timestamp? = nil, to: Timestamp? = nil, agent: AgentID? = nil, queue: String? = nil,
                outcome: CallOutcome? = nil, caller: String? = nil, customer: CustomerID? = nil) {
        self.from = from
        self.to = to
        self.agent = agent
        self.queue = queue
        self.outcome = outcome
        self.caller = caller
        self.customer = customer
    }
}
