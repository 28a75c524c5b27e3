import GRDB
import HotlineModel
import Storage

extension SQLiteStore {
    @discardableResult
    public func createInteraction(_ interaction: Interaction) async throws -> Interaction {
        try await write("create interaction \(interaction.id)") { db in try InteractionRows.insert(interaction, db) }
        return interaction
    }

    @discardableResult
    public func updateInteraction(_ interaction: Interaction) async throws -> Interaction {
        try await write("update interaction \(interaction.id)") { db in try InteractionRows.update(interaction, db) }
        return interaction
    }

    public func interaction(id: InteractionID) async throws -> Interaction? {
        try await read("find interaction \(id)") { db in
            try InteractionRows.fetch(db, where: "id = ?", [id.rawValue]).first
        }
    }

    public func unfinishedInteractions() async throws -> [Interaction] {
        try await read("list unfinished interactions") { db in
            try InteractionRows.fetch(db, where: "state <> 'ended'", [])
        }
    }

    public func createRecording(_ recording: CallRecording) async throws {
        try await write("store recording \(recording.path)") { db in try RecordingRows.insert(recording, db) }
    }

    public func updateRecording(_ recording: CallRecording) async throws {
        try await write("update recording \(recording.path)") { db in try RecordingRows.update(recording, db) }
    }

    public func recordings(of interaction: InteractionID) async throws -> [CallRecording] {
        try await read("list the recordings of \(interaction)") { db in
            try RecordingRows.fetch(db, where: "interaction_id = ?", [interaction.rawValue])
        }
    }

    public func recording(id: RecordingID) async throws -> CallRecording? {
        try await read("read recording \(id)") { db in
            try RecordingRows.fetch(db, where: "id = ?", [id.rawValue]).first
        }
    }

    public func recordings(status: CallRecording.Status) async throws -> [CallRecording] {
        try await read("list \(status.rawValue) recordings") { db in
            try RecordingRows.fetch(db, where: "status = ?", [status.rawValue])
        }
    }
}

enum InteractionRows {
    static func insert(_ interaction: Interaction, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO interactions (id, channel, direction, from_address, to_address, state, customer_id,
                                      agent_id, sip_call_id, started_at, ended_at, end_reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: StatementArguments(arguments(interaction)))
    }

    static func update(_ interaction: Interaction, _ db: Database) throws {
        var arguments = arguments(interaction)
        let id = arguments.removeFirst()
        arguments.append(id)
        try db.cachedStatement(sql: """
            UPDATE interactions SET channel = ?, direction = ?, from_address = ?, to_address = ?, state = ?,
                customer_id = ?, agent_id = ?, sip_call_id = ?, started_at = ?, ended_at = ?, end_reason = ?
            WHERE id = ?
            """).execute(arguments: StatementArguments(arguments))
        guard db.changesCount > 0 else {
            throw StorageError.notFound("Interaction \(interaction.id) does not exist; create it first or check the id.")
        }
    }

    static func arguments(_ i: Interaction) -> [(any DatabaseValueConvertible)?] {
        [i.id.rawValue, i.channel.rawValue, i.direction.rawValue, i.from, i.to, i.state.rawValue,
         i.customerID?.rawValue, i.agentID?.rawValue, i.sipCallID, i.startedAt.millisecondsSinceEpoch,
         i.endedAt?.millisecondsSinceEpoch, i.endReason]
    }

    static func fetch(_ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible]) throws -> [Interaction] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, channel, direction, from_address, to_address, state, customer_id, agent_id, sip_call_id,
                   started_at, ended_at, end_reason
            FROM interactions WHERE \(condition) ORDER BY started_at, id
            """, arguments: StatementArguments(arguments))
        return try rows.map { row in
            guard let channel = Interaction.Channel(rawValue: row["channel"]),
                  let direction = Interaction.Direction(rawValue: row["direction"]),
                  let state = Interaction.State(rawValue: row["state"]) else {
                throw StorageError.backend("Interaction \(row["id"] as String) has a value this Hotline does not know; "
                                           + "run the Hotline version that wrote it.")
            }
            let customer: String? = row["customer_id"]
            let agent: String? = row["agent_id"]
            let ended: Int64? = row["ended_at"]
            return Interaction(id: InteractionID(row["id"] as String), channel: channel, direction: direction,
                               from: row["from_address"], to: row["to_address"], state: state,
                               customerID: customer.map(CustomerID.init), agentID: agent.map(AgentID.init),
                               startedAt: Timestamp(millisecondsSinceEpoch: row["started_at"]),
                               endedAt: ended.map(Timestamp.init(millisecondsSinceEpoch:)),
                               sipCallID: row["sip_call_id"], endReason: row["end_reason"])
        }
    }
}

enum RecordingRows {
    static func insert(_ recording: CallRecording, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO recordings (id, interaction_id, path, layout, status, started_at, duration_ms, bytes, pauses, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: StatementArguments(arguments(recording)))
    }

    static func update(_ recording: CallRecording, _ db: Database) throws {
        var arguments = arguments(recording)
        let id = arguments.removeFirst()
        arguments.append(id)
        try db.cachedStatement(sql: """
            UPDATE recordings SET interaction_id = ?, path = ?, layout = ?, status = ?, started_at = ?,
                duration_ms = ?, bytes = ?, pauses = ?, error = ?
            WHERE id = ?
            """).execute(arguments: StatementArguments(arguments))
        guard db.changesCount > 0 else {
            throw StorageError.notFound("Recording \(recording.id) does not exist; create it first or check the id.")
        }
    }

    static func arguments(_ r: CallRecording) -> [(any DatabaseValueConvertible)?] {
        let pauses = "[" + r.pauses.map { "[\($0.startMilliseconds),\($0.endMilliseconds)]" }.joined(separator: ",") + "]"
        return [r.id.rawValue, r.interactionID.rawValue, r.path, r.layout.rawValue, r.status.rawValue,
                r.startedAt.millisecondsSinceEpoch, r.durationMilliseconds, r.bytes, pauses, r.error]
    }

    static func fetch(_ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible]) throws -> [CallRecording] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, interaction_id, path, layout, status, started_at, duration_ms, bytes, pauses, error
            FROM recordings WHERE \(condition) ORDER BY started_at, id
            """, arguments: StatementArguments(arguments))
        return try rows.map { row in
            guard let layout = CallRecording.Layout(rawValue: row["layout"]),
                  let status = CallRecording.Status(rawValue: row["status"]),
                  let pauses = parsePauses(row["pauses"]) else {
                throw StorageError.backend("Recording \(row["id"] as String) has a value this Hotline does not know; "
                                           + "run the Hotline version that wrote it.")
            }
            return CallRecording(id: RecordingID(row["id"] as String), interactionID: InteractionID(row["interaction_id"] as String),
                                 path: row["path"], layout: layout, status: status,
                                 startedAt: Timestamp(millisecondsSinceEpoch: row["started_at"]),
                                 durationMilliseconds: row["duration_ms"], bytes: row["bytes"], pauses: pauses,
                                 error: row["error"])
        }
    }

    /// `[[start,end],...]`, as written by ``arguments(_:)``.
    static func parsePauses(_ text: String) -> [CallRecording.Pause]? {
        let numbers = text.split(whereSeparator: { "[], ".contains($0) }).map { Int64($0) }
        guard numbers.count % 2 == 0, !numbers.contains(nil) else { return nil }
        return stride(from: 0, to: numbers.count, by: 2).map {
            CallRecording.Pause(startMilliseconds: numbers[$0]!, endMilliseconds: numbers[$0 + 1]!)
        }
    }
}
