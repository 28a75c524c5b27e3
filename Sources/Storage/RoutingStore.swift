import HotlineModel

/// What routing writes and reads back: every agent state change (the history and, after
/// a restart, each agent's last state) and one call record per interaction.
///
/// Lists take `limit` in 1...`PageRequest.maximumLimit` (else `.invalid` on `paging`).
/// Time ranges are half-open: `from` included, `to` excluded; nil leaves that end open.
/// Input breaking the rules in `RecordValidation+Routing` fails with `.invalid` naming
/// the field, before anything is written.
public protocol RoutingStore: Sendable {
    /// Stores state changes, all or none. Fails with `.conflict` on `sequence` when an
    /// agent already has a change with that sequence (also within the batch), `.notFound`
    /// on `agentID` when no user has the agent's id, `.invalid` on `reason`, `cause`,
    /// `interactionID`, `sequence` or `agentID` for bad values.
    func appendAgentStateChanges(_ changes: [AgentStateChange]) async throws

    /// One agent's changes with `at` in [`from`, `to`), oldest (lowest sequence) first,
    /// at most `limit`.
    func agentStateChanges(of agent: AgentID, from: Timestamp?, to: Timestamp?, limit: Int) async throws
        -> [AgentStateChange]

    /// The last change (highest sequence) of every agent that has one, ordered by agent
    /// id: where each agent stood when Hotline stopped.
    func latestAgentStates() async throws -> [AgentStateChange]

    /// Stores the record of an interaction, or replaces the stored one whole (segments and
    /// transfers included), in one transaction. Fails with `.notFound` on `interactionID`
    /// when the interaction does not exist.
    func saveCallRecord(_ record: CallRecord) async throws

    /// The record of an interaction, or nil.
    func callRecord(of id: InteractionID) async throws -> CallRecord?

    /// Records with `arrivedAt` in [`from`, `to`), whose last queue (``CallRecord/queue``)
    /// is `queue` when given, ordered by `arrivedAt` then interaction id, at most `limit`,
    /// starting after the record `after` (the last of the previous page). `.invalid` on
    /// `paging` when `after` names no stored record.
    func callRecords(from: Timestamp?, to: Timestamp?, queue: String?, limit: Int, after: InteractionID?) async throws
        -> [CallRecord]

    /// Records matching every filter of `query`, NEWEST first (`arrivedAt` descending, then
    /// interaction id descending), whole (segments and transfers) as `callRecord(of:)` reads
    /// them; at most `limit` (1...`PageRequest.maximumLimit`, else `.invalid` on `limit`),
    /// strictly after (older than) the record `after`, the last of the previous page.
    /// `.invalid` on `paging` when `after` names no stored record.
    func callRecords(matching query: CallRecordQuery, limit: Int, after: InteractionID?) async throws -> [CallRecord]

    /// Records without an outcome (calls that were up when Hotline stopped, after a
    /// restart), ordered by `arrivedAt` then interaction id.
    func unfinishedCallRecords() async throws -> [CallRecord]
}

extension RoutingStore {
    /// Every record that arrived at or after `from`, oldest first, read a page (the
    /// largest) at a time.
    public func callRecords(since from: Timestamp) async throws -> [CallRecord] {
        var all: [CallRecord] = []
        var after: InteractionID?
        while true {
            let page = try await callRecords(from: from, to: nil, queue: nil, limit: PageRequest.maximumLimit, after: after)
            all += page
            guard page.count == PageRequest.maximumLimit, let last = page.last else { return all }
            after = last.interactionID
        }
    }
}
