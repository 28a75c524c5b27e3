import ACD
import HotlineModel
import Logging
import Storage

/// Records name agents by extension (their SIP username), as phones and queue reports
/// know them; state changes and interactions name them by user id (foreign keys).
///
/// Keeps each call's ``CallRecordBuilder`` from the answer to the end of its last
/// wrap-up, and stores the record after every milestone that matters to reports (so a
/// crash loses no finished call; ``recover(store:now:logger:)`` closes the rest).
///
/// Lives on the SIP loop.
final class CallRecordKeeper: @unchecked Sendable {
    private var builders: [InteractionID: CallRecordBuilder] = [:]
    private let journal: InteractionJournal
    private let logger: Logger

    init(journal: InteractionJournal, logger: Logger) {
        self.journal = journal
        self.logger = logger
    }

    /// A call was answered by a line: its record starts (and is stored, so a crash marks it interrupted).
    func started(_ id: InteractionID, sipCallID: String?, caller: String, dialled: String, at: Timestamp) {
        guard builders[id] == nil else { return }
        let builder = CallRecordBuilder(interactionID: id, sipCallID: sipCallID, caller: caller, dialled: dialled, arrivedAt: at)
        builders[id] = builder
        journal.write(.saveCallRecord(builder.record))
    }

    func record(of id: InteractionID) -> CallRecord? { builders[id]?.record }

    /// Applies `change` to the call's record and stores it when `store` (most milestones;
    /// IVR steps are folded in without a write of their own). The record is let go once
    /// the call has ended and every agent who answered it has finished their wrap-up.
    func update(_ id: InteractionID, store: Bool = true, _ change: (inout CallRecordBuilder) -> Void) {
        guard var builder = builders[id] else { return }
        let ignoredBefore = builder.ignored.count
        change(&builder)
        for reason in builder.ignored.dropFirst(ignoredBefore) {
            logger.warning("call record: a milestone did not apply: \(reason)", metadata: ["interaction.id": "\(id)"])
        }
        let record = builder.record
        if record.outcome != nil, !builder.awaitsWrapUp {
            builders[id] = nil
        } else {
            builders[id] = builder
        }
        if store { journal.write(.saveCallRecord(record)) }
    }

    /// At start-up: records a stopped Hotline left open are closed as interrupted.
    static func recover(store: any RoutingStore, now: Timestamp, logger: Logger) async throws {
        let open = try await store.unfinishedCallRecords()
        for record in open {
            var builder = CallRecordBuilder(resuming: record)
            builder.interrupted(at: now)
            try await store.saveCallRecord(builder.record)
        }
        if !open.isEmpty {
            logger.warning("call records of calls cut short by a stop of Hotline marked interrupted", metadata: [
                "records": "\(open.count)"])
        }
    }
}
