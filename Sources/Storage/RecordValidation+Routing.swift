import HotlineModel

// The rules for routing records (see `RoutingStore`), applied by every backend before
// writing so SQLite and PostgreSQL reject the same input with the same message. The
// schema repeats the essential ones (state names, reason codes, ranges, time order).
//
// As for self-service records, nothing is trimmed or rewritten: a stored record is
// exactly the one the caller passed, and bad input is refused, not repaired.

extension NotReadyReason {
    /// Longest reason code.
    public static let maximumLength = 32

    /// Throws `.invalid` on `reason` unless the code is 1 to 32 lower-case ASCII letters,
    /// digits and `-`.
    public func validateForStorage() throws(StorageError) {
        guard (1...Self.maximumLength).contains(rawValue.utf8.count),
              rawValue.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else {
            throw .invalid(.reason, """
                Not-ready reason "\(rawValue)" must be 1 to \(Self.maximumLength) lower-case letters, digits or \
                hyphens, e.g. "break" or "team-huddle".
                """)
        }
    }
}

extension AgentStateChange {
    /// Longest `cause`, in Unicode scalars (what SQL `length` counts).
    public static let maximumCauseLength = 200

    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.identifier(agentID.rawValue, field: .agentID, of: "agent")
        let change = "State change \(sequence) of agent \(agentID)"
        guard sequence >= 0 else {
            throw .invalid(.sequence, "\(change) has a negative sequence; number each agent's changes 0, 1, 2, ...")
        }
        switch (to, reason) {
        case (.notReady, nil):
            throw .invalid(.reason, "\(change) goes to not-ready without a reason; give one, e.g. \"break\".")
        case (.notReady, let reason?):
            try reason.validateForStorage()
        case (_, let reason?):
            throw .invalid(.reason, """
                \(change) goes to \(to.rawValue) with reason "\(reason)"; only a change to not-ready has a reason.
                """)
        case (_, nil):
            break
        }
        let withCall: Bool
        switch to {
        case .reserved, .onCall, .wrapUp: withCall = true
        case .loggedOut, .available, .notReady: withCall = false
        }
        switch (withCall, interactionID) {
        case (true, nil):
            throw .invalid(.interactionID, "\(change) goes to \(to.rawValue) without the call; give its interaction id.")
        case (true, let interaction?):
            try SelfServiceRule.identifier(interaction.rawValue, field: .interactionID, of: "interaction")
        case (false, let interaction?):
            throw .invalid(.interactionID, """
                \(change) goes to \(to.rawValue) with interaction \(interaction); only reserved, on-call and \
                wrap-up are about a call.
                """)
        case (false, nil):
            break
        }
        guard !cause.trimmedForStorage.isEmpty, cause.unicodeScalars.count <= Self.maximumCauseLength else {
            throw .invalid(.cause, """
                The cause of \(change) must be 1 to \(Self.maximumCauseLength) characters saying what caused it, \
                e.g. "agent" or "ring no answer".
                """)
        }
    }
}

extension CallRecord {
    /// Throws `.invalid` naming the first field at fault: times out of order (`time`),
    /// negative lengths (`duration`), segments not numbered 0..<n or inconsistent with
    /// their result (`segments`), bad transfers (`transfers`), the last queue against the
    /// list (`queue`), an outcome without an end or the reverse (`outcome`).
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.identifier(interactionID.rawValue, field: .interactionID, of: "interaction")
        let record = "The call record of \(interactionID)"

        // Times: nothing before arrival, nothing after the end, answered after offered.
        let times: [(String, Timestamp?)] = [("IVR end", ivrEndedAt), ("queueing", queuedAt),
                                             ("first offer", firstOfferedAt), ("answer", answeredAt),
                                             ("end", endedAt)]
        for case let (name, time?) in times where time < arrivedAt {
            throw .invalid(.time, "\(record) has its \(name) before the arrival; check the clock passed as now.")
        }
        if let endedAt {
            for case let (name, time?) in times where time > endedAt {
                throw .invalid(.time, "\(record) has its \(name) after the end; check the clock passed as now.")
            }
        }
        switch (firstOfferedAt, answeredAt) {
        case (nil, _?):
            throw .invalid(.time, "\(record) is answered but never offered; set firstOfferedAt.")
        case (let offered?, let answered?) where answered < offered:
            throw .invalid(.time, "\(record) is answered before it was offered; check the clock passed as now.")
        default:
            break
        }
        if let waitMs, waitMs < 0 {
            throw .invalid(.duration, "\(record) has a wait of \(waitMs) ms; a length cannot be negative.")
        }

        for node in ivrPath where node.trimmedForStorage.isEmpty {
            throw .invalid(StorageError.Field(rawValue: "ivrPath"), "\(record) lists an IVR node without a name; name every node.")
        }
        for name in queues where name.trimmedForStorage.isEmpty {
            throw .invalid(.queue, "\(record) lists a queue without a name; name every queue.")
        }
        guard queue == queues.last else {
            throw .invalid(.queue, """
                \(record) has the last queue \(queue.map { "\"\($0)\"" } ?? "nil") but the queues \(queues); the last \
                queue is the last of the list (nil when the call never queued).
                """)
        }
        switch (outcome, endedAt) {
        case (nil, _?):
            throw .invalid(.outcome, "\(record) has ended but has no outcome; set how the call ended.")
        case (_?, nil):
            throw .invalid(.outcome, "\(record) has an outcome but no end; set endedAt when the call ends.")
        default:
            break
        }
        if let recordingPath, recordingPath.trimmedForStorage.isEmpty {
            throw .invalid(.path, "\(record) has an empty recording path; leave it nil when nothing was recorded.")
        }

        for (index, segment) in segments.enumerated() {
            try segment.validateForStorage(index: index, arrivedAt: arrivedAt, of: record)
        }
        for transfer in transfers {
            try transfer.validateForStorage(arrivedAt: arrivedAt, of: record)
        }
    }
}

extension CallSegment {
    fileprivate func validateForStorage(index: Int, arrivedAt: Timestamp, of record: String) throws(StorageError) {
        guard position == index else {
            throw .invalid(.segments, "\(record) has segment \(position) at index \(index); number the segments 0, 1, 2, ... in order.")
        }
        let segment = "Segment \(position) of \(record.lowercasedFirst)"
        try SelfServiceRule.identifier(agentID.rawValue, field: .agentID, of: "agent")
        if let queue, queue.trimmedForStorage.isEmpty {
            throw .invalid(.queue, "\(segment) has an empty queue; leave it nil for a transfer straight to the agent.")
        }
        guard offeredAt >= arrivedAt else {
            throw .invalid(.segments, "\(segment) is offered before the call arrived; check the clock passed as now.")
        }
        if let answeredAt, answeredAt < offeredAt {
            throw .invalid(.segments, "\(segment) is answered before it was offered; check the clock passed as now.")
        }
        if let endedAt, endedAt < (answeredAt ?? offeredAt) {
            throw .invalid(.segments, "\(segment) ends before it was \(answeredAt == nil ? "offered" : "answered").")
        }
        for (name, value) in [("talk", talkMs), ("hold", holdMs), ("wrap-up", wrapUpMs)] where value < 0 {
            throw .invalid(.duration, "\(segment) has \(value) ms of \(name) time; a length cannot be negative.")
        }
        let answered: Bool
        switch result {
        case .answered, .transferred, .lost: answered = true
        case .ringing, .noAnswer, .busy, .unreachable, .cancelled: answered = false
        }
        guard answered == (answeredAt != nil) else {
            throw .invalid(.segments, answered
                ? "\(segment) is \(result.rawValue) but has no answer time; set answeredAt."
                : "\(segment) is \(result.rawValue) but has an answer time; a segment answered is answered or transferred.")
        }
        if result == .ringing, endedAt != nil {
            throw .invalid(.segments, "\(segment) is still ringing but has ended; set the result it ended with.")
        }
    }
}

extension CallTransfer {
    fileprivate func validateForStorage(arrivedAt: Timestamp, of record: String) throws(StorageError) {
        guard at >= arrivedAt else {
            throw .invalid(.transfers, "A transfer in \(record.lowercasedFirst) is before the call arrived; check the clock passed as now.")
        }
        if let byAgent {
            try SelfServiceRule.identifier(byAgent.rawValue, field: .transfers, of: "transferring agent")
        }
        if let note, note.isEmpty || note.count > CallTransfer.maximumNoteLength {
            throw .invalid(.transfers, "A transfer note in \(record.lowercasedFirst) has \(note.count) characters; keep it to \(CallTransfer.maximumNoteLength).")
        }
        switch target {
        case .queue(let name) where name.trimmedForStorage.isEmpty,
             .number(let name) where name.trimmedForStorage.isEmpty:
            throw .invalid(.transfers, "A transfer in \(record.lowercasedFirst) has an empty target; name the queue or number.")
        case .agent(let agent):
            try SelfServiceRule.identifier(agent.rawValue, field: .transfers, of: "target agent")
        case .queue, .number:
            break
        }
    }
}

extension String {
    /// "The call record of ..." → "the call record of ...", for messages that quote it mid-sentence.
    fileprivate var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
