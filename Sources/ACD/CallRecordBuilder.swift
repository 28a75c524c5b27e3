import HotlineModel

/// Folds what happens to one call into its ``CallRecord``, one method per milestone, so
/// the server can store ``record`` after each and a crash loses nothing that happened.
///
/// ```
///  arrived ─ivrStep, ivrEnded─▶ queued ─offered─▶ ringing ─answered─▶ talking (held, resumed)
///                                 │                 │                   │
///                       leftQueue ▼     offerFailed ▼       transferred ▼ agentLeft
///                   voicemail or callback     next offer        the part ends; queued or offered again
///
///  any of these ─ended, interrupted─▶ ended ─wrapUpEnded (once per answered part)─▶ ended
/// ```
///
/// Every method applies when it can and otherwise changes nothing: an event that cannot
/// apply to the call as it stands (an answer with no offer ringing, anything but a wrap-up
/// after the end, a name storage would refuse) is listed in ``ignored`` with the reason,
/// for the server to log. Nothing traps.
///
/// Time never runs backwards in a record: an event stamped before the one applied last
/// (clocks of different sources a few ms apart) is taken as happening at that last time,
/// and listed in ``ignored``. So every length is at least 0 and the times satisfy storage's
/// order rules (`validateForStorage()` in Storage), which the builder keeps for every
/// record it produces, partial ones included, given a valid interaction id.
public struct CallRecordBuilder: Sendable {
    /// The call as known so far; store it after every milestone.
    public private(set) var record: CallRecord
    /// What was ignored or adjusted, oldest first: `"<milestone> [agent]: <why>"`.
    public private(set) var ignored: [String] = []

    /// The time of the last event applied: the earliest time the next one may have.
    private var clock: Timestamp
    /// The caller is on hold in the answered segment at `segment` since `since`.
    private var hold: (segment: Int, since: Timestamp)?
    /// Positions of the segments whose wrap-up has ended.
    private var wrappedUp: Set<Int> = []

    public init(interactionID: InteractionID, sipCallID: String?, caller: String, dialled: String,
                arrivedAt: Timestamp) {
        record = CallRecord(interactionID: interactionID, sipCallID: sipCallID, caller: caller, dialled: dialled,
                            arrivedAt: arrivedAt)
        clock = arrivedAt
    }

    /// Continues a record stored before a restart, typically to close it with
    /// ``interrupted(at:)``. What the record does not keep is taken as absent: a hold that
    /// was open counts as talk, and a segment's wrap-up counts as ended once it has a
    /// length, a disposition or notes.
    public init(resuming record: CallRecord) {
        self.record = record
        var latest = record.arrivedAt
        for case let time? in [record.ivrEndedAt, record.queuedAt, record.firstOfferedAt, record.answeredAt,
                               record.endedAt] {
            latest = max(latest, time)
        }
        for segment in record.segments {
            for case let time? in [segment.offeredAt, segment.answeredAt, segment.endedAt] { latest = max(latest, time) }
        }
        for transfer in record.transfers { latest = max(latest, transfer.at) }
        clock = latest
        wrappedUp = Set(record.segments.filter { $0.wrapUpMs > 0 || $0.disposition != nil || $0.notes != nil }
            .map(\.position))
    }

    /// Whether an agent who answered has yet to finish the wrap-up of their part: the
    /// record is complete when the call has ended and this is false.
    public var awaitsWrapUp: Bool {
        record.segments.contains { $0.answeredAt != nil && !wrappedUp.contains($0.position) }
    }

    /// Whether `agent` answered a part of the call whose wrap-up has not ended.
    public func awaitsWrapUp(of agent: AgentID) -> Bool {
        record.segments.contains { $0.agentID == agent && $0.answeredAt != nil && !wrappedUp.contains($0.position) }
    }

    // MARK: IVR

    /// The IVR entered `node`.
    public mutating func ivrStep(node: String) {
        guard isUp("ivrStep \(node)") else { return }
        guard !node.isBlank else { return ignore("ivrStep: a node without a name") }
        record.ivrPath.append(node)
    }

    /// The IVR let go of the call, with what it concluded (`transfer`, `self-served`, ...).
    public mutating func ivrEnded(outcome: String?, at: Timestamp) {
        guard isUp("ivrEnded") else { return }
        guard record.ivrEndedAt == nil else { return ignore("ivrEnded: the IVR has already ended") }
        record.ivrEndedAt = time(at, "ivrEnded")
        record.ivrOutcome = outcome
    }

    // MARK: Queues and offers

    /// The call joined `queue`: the first time, the call's wait starts.
    public mutating func queued(queue: String, at: Timestamp) {
        guard isUp("queued \(queue)") else { return }
        guard !queue.isBlank else { return ignore("queued: a queue without a name") }
        let at = time(at, "queued \(queue)")
        if record.queuedAt == nil { record.queuedAt = at }
        record.queues.append(queue)
        record.queue = queue
    }

    /// The caller left the queue without an agent and the call goes on (to voicemail, or
    /// the IVR confirming a callback): the wait ends here, not when the call does.
    public mutating func leftQueue(at: Timestamp) {
        guard isUp("leftQueue") else { return }
        guard let queuedAt = record.queuedAt else { return ignore("leftQueue: the call never queued") }
        guard record.waitMs == nil else { return ignore("leftQueue: the wait is already recorded") }
        record.waitMs = milliseconds(from: queuedAt, to: time(at, "leftQueue"))
    }

    /// `agent`'s phone rings with the call; `queue` is nil for a transfer straight to the agent.
    public mutating func offered(agent: AgentID, queue: String?, at: Timestamp) {
        let event = "offered \(agent)"
        guard isUp(event) else { return }
        guard agent.rawValue.isStorableIdentifier else { return ignore("\(event): not a valid agent id") }
        if let queue, queue.isBlank { return ignore("\(event): a queue without a name") }
        if ringingSegment(of: agent) != nil { return ignore("\(event): already ringing") }
        if talkingSegment(of: agent) != nil { return ignore("\(event): already on the call") }
        let at = time(at, event)
        if record.firstOfferedAt == nil { record.firstOfferedAt = at }
        record.segments.append(CallSegment(position: record.segments.count, agentID: agent, queue: queue,
                                           offeredAt: at, result: .ringing))
    }

    /// `agent`'s phone stopped ringing without answering: `result` is `.noAnswer`, `.busy`,
    /// `.unreachable` or `.cancelled`.
    public mutating func offerFailed(agent: AgentID, result: CallSegment.Result, at: Timestamp) {
        let event = "offerFailed \(agent)"
        guard isUp(event) else { return }
        switch result {
        case .noAnswer, .busy, .unreachable, .cancelled:
            break
        case .ringing, .answered, .transferred, .lost:
            return ignore("\(event): \(result.rawValue) is not how an offer fails")
        }
        guard let index = ringingSegment(of: agent) else { return ignore("\(event): no offer to the agent is ringing") }
        record.segments[index].endedAt = time(at, event)
        record.segments[index].result = result
    }

    /// `agent` answered the offer ringing on their phone. The first answer ends the wait.
    public mutating func answered(agent: AgentID, at: Timestamp) {
        let event = "answered \(agent)"
        guard isUp(event) else { return }
        guard let index = ringingSegment(of: agent) else { return ignore("\(event): no offer to the agent is ringing") }
        let at = time(at, event)
        record.segments[index].answeredAt = at
        record.segments[index].result = .answered
        if record.answeredAt == nil {
            record.answeredAt = at
            if let queuedAt = record.queuedAt, record.waitMs == nil {
                record.waitMs = milliseconds(from: queuedAt, to: at)
            }
        }
    }

    // MARK: Talking

    /// The agent on the call put the caller on hold.
    public mutating func held(at: Timestamp) {
        guard isUp("held") else { return }
        guard let index = currentSegment else { return ignore("held: no agent is on the call") }
        guard hold == nil else { return ignore("held: already on hold") }
        hold = (index, time(at, "held"))
    }

    /// The caller is back from hold.
    public mutating func resumed(at: Timestamp) {
        guard isUp("resumed") else { return }
        guard let hold else { return ignore("resumed: not on hold") }
        addHold(to: hold.segment, since: hold.since, until: time(at, "resumed"))
    }

    /// A transfer was asked for (`completed` false: an attended one is consulting, or any
    /// was cancelled or refused) or done. A completed transfer by the agent on the call
    /// ends their part, as `.transferred`. Completing an attended transfer updates the
    /// consulting one it completes (same agent and target), whose time becomes the time
    /// the call moved.
    public mutating func transferred(kind: CallTransfer.Kind, byAgent: AgentID?, target: CallTransfer.Target,
                                     at: Timestamp, completed: Bool, note: String? = nil) {
        let event = "transferred" + (byAgent.map { " \($0)" } ?? "")
        guard isUp(event) else { return }
        if let byAgent, !byAgent.rawValue.isStorableIdentifier { return ignore("\(event): not a valid agent id") }
        switch target {
        case .queue(let name), .number(let name):
            if name.isBlank { return ignore("\(event): a target without a name") }
        case .agent(let agent):
            if !agent.rawValue.isStorableIdentifier { return ignore("\(event): the target is not a valid agent id") }
        }
        let at = time(at, event)
        let note = note.flatMap { $0.isBlank ? nil : String($0.prefix(CallTransfer.maximumNoteLength)) }
        let transfer = CallTransfer(at: at, kind: kind, byAgent: byAgent, target: target, completed: completed, note: note)
        if completed, kind == .attended, let consulting = record.transfers.lastIndex(where: {
            $0.kind == .attended && !$0.completed && $0.byAgent == byAgent && $0.target == target
        }) {
            record.transfers[consulting] = transfer
        } else {
            record.transfers.append(transfer)
        }
        if completed, let byAgent, let index = talkingSegment(of: byAgent) {
            close(index, as: .transferred, at: at)
        }
    }

    /// `agent`'s phone vanished mid-call (the caller is re-queued, or the call ends after):
    /// their part ends as `.lost`.
    public mutating func agentLost(agent: AgentID, at: Timestamp) {
        let event = "agentLost \(agent)"
        guard isUp(event) else { return }
        guard let index = talkingSegment(of: agent) else {
            return ignore(ringingSegment(of: agent) == nil
                ? "\(event): the agent is not on the call"
                : "\(event): the agent's phone is still ringing; report it with offerFailed")
        }
        close(index, as: .lost, at: time(at, event))
    }

    /// `agent` finished the after-call work of their last part of the call (which must
    /// have ended). The call's disposition becomes the last one given.
    public mutating func wrapUpEnded(agent: AgentID, disposition: String?, notes: String?, at: Timestamp) {
        let event = "wrapUpEnded \(agent)"
        guard let index = record.segments.lastIndex(where: {
            $0.agentID == agent && $0.answeredAt != nil && $0.endedAt != nil
        }) else {
            return ignore(talkingSegment(of: agent) == nil
                ? "\(event): the agent never answered the call"
                : "\(event): the agent is still on the call")
        }
        if let later = talkingSegment(of: agent), later > index { return ignore("\(event): the agent is still on the call") }
        guard !wrappedUp.contains(index) else { return ignore("\(event): the wrap-up has already ended") }
        let at = time(at, event)
        wrappedUp.insert(index)
        let endedAt = record.segments[index].endedAt ?? at
        record.segments[index].wrapUpMs = milliseconds(from: endedAt, to: at)
        if let disposition {
            record.segments[index].disposition = disposition
            record.disposition = disposition
        }
        if let notes { record.segments[index].notes = notes }
    }

    /// The call is being recorded to `path` (absolute). The first path given stays.
    public mutating func recording(path: String) {
        guard isUp("recording") else { return }
        guard !path.isBlank else { return ignore("recording: an empty path") }
        if let current = record.recordingPath { return ignore("recording: already recorded to \(current)") }
        record.recordingPath = path
    }

    // MARK: The end

    /// The call ended: a phone still ringing is `.cancelled`, the agent on the call's part
    /// ends with the call, and a wait that never met an agent ends here unless
    /// ``leftQueue(at:)`` ended it. Only ``wrapUpEnded(agent:disposition:notes:at:)`` applies after.
    public mutating func ended(outcome: CallOutcome, reason: String, at: Timestamp) {
        guard isUp("ended") else { return }
        let at = time(at, "ended")
        for index in record.segments.indices where record.segments[index].endedAt == nil {
            switch record.segments[index].result {
            case .ringing:
                record.segments[index].endedAt = at
                record.segments[index].result = .cancelled
            case .answered, .transferred:
                close(index, as: record.segments[index].result, at: at)
            case .noAnswer, .busy, .unreachable, .cancelled, .lost:
                break  // these always have an end
            }
        }
        record.endedAt = at
        record.outcome = outcome
        record.endReason = reason
        if let queuedAt = record.queuedAt, record.waitMs == nil {
            record.waitMs = milliseconds(from: queuedAt, to: at)
        }
    }

    /// Closes a call that was up when Hotline stopped (start-up recovery): ``ended(outcome:reason:at:)``
    /// with `.interrupted`.
    public mutating func interrupted(at: Timestamp) {
        ended(outcome: .interrupted, reason: CallRecord.EndReason.interrupted, at: at)
    }

    // MARK: Helpers

    /// The last offer to `agent` still ringing.
    private func ringingSegment(of agent: AgentID) -> Int? {
        record.segments.lastIndex { $0.agentID == agent && $0.result == .ringing }
    }

    /// `agent`'s part of the call while they are on it.
    private func talkingSegment(of agent: AgentID) -> Int? {
        record.segments.lastIndex { $0.agentID == agent && $0.result == .answered && $0.endedAt == nil }
    }

    /// The part of the agent who answered last and is still on the call.
    private var currentSegment: Int? {
        record.segments.lastIndex { $0.result == .answered && $0.endedAt == nil }
    }

    /// Ends an answered part at `at`: an open hold ends with it, talk is the rest.
    private mutating func close(_ index: Int, as result: CallSegment.Result, at: Timestamp) {
        if let hold, hold.segment == index { addHold(to: index, since: hold.since, until: at) }
        let answeredAt = record.segments[index].answeredAt ?? record.segments[index].offeredAt
        record.segments[index].endedAt = at
        record.segments[index].result = result
        // Holds lie within the part (time never runs backwards), so this is at least 0.
        record.segments[index].talkMs = max(0, milliseconds(from: answeredAt, to: at) - record.segments[index].holdMs)
    }

    private mutating func addHold(to index: Int, since: Timestamp, until: Timestamp) {
        let (sum, overflow) = record.segments[index].holdMs
            .addingReportingOverflow(milliseconds(from: since, to: until))
        record.segments[index].holdMs = overflow ? .max : sum
        hold = nil
    }

    /// False, with the reason listed, once the call has ended.
    private mutating func isUp(_ event: String) -> Bool {
        guard record.endedAt == nil else {
            ignore("\(event): the call has ended")
            return false
        }
        return true
    }

    /// `at`, or the last event's time when `at` is earlier (listed in ``ignored``).
    private mutating func time(_ at: Timestamp, _ event: String) -> Timestamp {
        guard at < clock else {
            clock = at
            return at
        }
        ignore("\(event): \(milliseconds(from: at, to: clock)) ms before the previous event; taken as \(clock)")
        return clock
    }

    private mutating func ignore(_ reason: String) {
        ignored.append(reason)
    }
}

/// `end - start` in ms, at least 0, and `Int64.max` rather than overflowing.
private func milliseconds(from start: Timestamp, to end: Timestamp) -> Int64 {
    let (difference, overflow) = end.millisecondsSinceEpoch.subtractingReportingOverflow(start.millisecondsSinceEpoch)
    if overflow { return end > start ? .max : 0 }
    return max(0, difference)
}

extension String {
    /// Empty or only white space: what storage refuses as a name (its `trimmedForStorage` is empty).
    fileprivate var isBlank: Bool { allSatisfy(\.isWhitespace) }

    /// Storage's rule for ids (`SelfServiceRule.identifier`; ACD cannot import Storage):
    /// 1 to 128 characters, no space or control character.
    fileprivate var isStorableIdentifier: Bool {
        !isEmpty && count <= 128 && !unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F }
    }
}
