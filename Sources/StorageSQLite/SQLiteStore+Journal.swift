import GRDB
import HotlineModel
import Storage

extension SQLiteStore {
    /// The journal's writes in one transaction: one that fails is rolled back alone and
    /// reported at its index (the others are replayed, each in a savepoint of its own). A
    /// call's handful of rows (interaction, IVR summary, steps, recording) then costs one
    /// commit, not one each; the statements are prepared once and cached.
    public func perform(_ writes: [JournalWrite]) async -> [(any Error)?] {
        guard !writes.isEmpty else { return [] }
        // Validation and JSON first, outside the transaction, as the one-by-one methods do.
        var results = [(any Error)?](repeating: nil, count: writes.count)
        var skills = [String?](repeating: nil, count: writes.count)
        var encodedRecords = [CallRecordRows.Encoded?](repeating: nil, count: writes.count)
        for (index, write) in writes.enumerated() {
            do {
                switch write {
                case .appendIVRSteps(let steps):
                    for step in steps { try step.validateForStorage() }
                case .saveIVRSummary(let summary):
                    try summary.validateForStorage()
                    skills[index] = try summary.transfer.map { try SelfServiceRows.skillsJSON($0.skills) }
                case .appendAgentStateChanges(let changes):
                    for change in changes { try change.validateForStorage() }
                case .saveCallRecord(let record):
                    try record.validateForStorage()
                    encodedRecords[index] = try CallRecordRows.Encoded(record)
                case .createInteraction, .updateInteraction, .createRecording, .updateRecording:
                    break
                }
            } catch {
                results[index] = error
            }
        }
        let prepared = results.map { $0 == nil }
        let skillsJSON = skills
        let records = encodedRecords
        do {
            let failures: [Int: StorageError] = try await write("store \(writes.count) call records") { db in
                // Every write at once in one savepoint: the usual case. Should one fail, the
                // savepoint is rolled back and the writes replayed each in a savepoint of its
                // own, so the others still land and the failure is reported alone.
                do {
                    try db.inSavepoint {
                        for (index, write) in writes.enumerated() where prepared[index] {
                            try Self.apply(write, skills: skillsJSON[index], record: records[index], db)
                        }
                        return .commit
                    }
                    return [:]
                } catch {}
                var failures: [Int: StorageError] = [:]
                for (index, write) in writes.enumerated() where prepared[index] {
                    do {
                        try db.inSavepoint {
                            try Self.apply(write, skills: skillsJSON[index], record: records[index], db)
                            return .commit
                        }
                    } catch {
                        let mapped = SQLiteErrorMapping.storageError(for: error, action: Self.action(write))
                        failures[index] = mapped as? StorageError ?? StorageError.backend("Could not \(Self.action(write)).",
                                                                                          underlying: "\(mapped)")
                    }
                }
                return failures
            }
            for (index, failure) in failures { results[index] = failure }
        } catch {
            for index in results.indices where results[index] == nil { results[index] = error }
        }
        return results
    }

    /// `skills`: an IVR summary's transfer skills as stored; `record`: a call record's
    /// JSON columns (both prepared before the transaction).
    private static func apply(_ write: JournalWrite, skills: String?, record: CallRecordRows.Encoded?, _ db: Database) throws {
        switch write {
        case .createInteraction(let i): try InteractionRows.insert(i, db)
        case .updateInteraction(let i): try InteractionRows.update(i, db)
        case .createRecording(let r): try RecordingRows.insert(r, db)
        case .updateRecording(let r): try RecordingRows.update(r, db)
        case .appendIVRSteps(let steps): try SelfServiceRows.insertSteps(steps, db)
        case .saveIVRSummary(let s): try SelfServiceRows.upsertSummary(s, skills: skills, db)
        case .appendAgentStateChanges(let changes): try RoutingRows.insertStateChanges(changes, db)
        case .saveCallRecord(let r): try CallRecordRows.save(r, record ?? CallRecordRows.Encoded(r), db)
        }
    }

    static func action(_ write: JournalWrite) -> String {
        switch write {
        case .createInteraction(let i): "create interaction \(i.id)"
        case .updateInteraction(let i): "update interaction \(i.id)"
        case .createRecording(let r): "store recording \(r.path)"
        case .updateRecording(let r): "update recording \(r.path)"
        case .appendIVRSteps(let steps): "store \(steps.count) IVR steps of \(steps.first?.interactionID.rawValue ?? "-")"
        case .saveIVRSummary(let s): "save the IVR summary of \(s.interactionID)"
        case .appendAgentStateChanges(let changes):
            "store \(changes.count) state changes of agent \(changes.first?.agentID.rawValue ?? "-")"
        case .saveCallRecord(let r): "save the call record of \(r.interactionID)"
        }
    }
}
