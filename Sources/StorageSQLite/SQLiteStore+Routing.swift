import Foundation
import GRDB
import HotlineModel
import Storage

// Routing's records (RoutingStore) on the "v4-routing" tables.
//
// As for the self-service records, parents (the agent's user, the interaction) are looked
// up inside the writing transaction so a missing one is a `.notFound` naming the field;
// the foreign keys stay as the backstop. A taken (agent, sequence) is left to the primary
// key (race-free) and reported as a conflict on `sequence`.

extension SQLiteStore {
    public func appendAgentStateChanges(_ changes: [AgentStateChange]) async throws {
        for change in changes { try change.validateForStorage() }
        guard let first = changes.first else { return }
        try await write("store \(changes.count) state changes of agent \(first.agentID)") { db in
            try RoutingRows.insertStateChanges(changes, db)
        }
    }

    public func agentStateChanges(of agent: AgentID, from: Timestamp?, to: Timestamp?, limit: Int) async throws
        -> [AgentStateChange] {
        try PageRequest.validateLimit(limit)
        return try await read("list the state changes of agent \(agent)") { db in
            var conditions = ["agent_id = ?"]
            var arguments: [any DatabaseValueConvertible] = [agent.rawValue]
            if let from {
                conditions.append("changed_at >= ?")
                arguments.append(from.millisecondsSinceEpoch)
            }
            if let to {
                conditions.append("changed_at < ?")
                arguments.append(to.millisecondsSinceEpoch)
            }
            return try RoutingRows.stateChanges(db, sql: """
                SELECT agent_id, sequence, from_state, to_state, reason, interaction_id, changed_at, cause
                FROM agent_state_changes WHERE \(conditions.joined(separator: " AND ")) ORDER BY sequence LIMIT ?
                """, arguments + [limit])
        }
    }

    public func latestAgentStates() async throws -> [AgentStateChange] {
        try await read("list the agents' last states") { db in
            try RoutingRows.stateChanges(db, sql: """
                SELECT a.agent_id, a.sequence, a.from_state, a.to_state, a.reason, a.interaction_id, a.changed_at, a.cause
                FROM agent_state_changes a
                JOIN (SELECT agent_id, MAX(sequence) AS last FROM agent_state_changes GROUP BY agent_id) m
                  ON m.agent_id = a.agent_id AND m.last = a.sequence
                ORDER BY a.agent_id
                """, [])
        }
    }

    public func saveCallRecord(_ record: CallRecord) async throws {
        try record.validateForStorage()
        let encoded = try CallRecordRows.Encoded(record)
        try await write("save the call record of \(record.interactionID)") { db in
            try CallRecordRows.save(record, encoded, db)
        }
    }

    public func callRecord(of id: InteractionID) async throws -> CallRecord? {
        try await read("read the call record of \(id)") { db in
            try CallRecordRows.fetch(db, where: "interaction_id = ?", [id.rawValue], limit: 1).first
        }
    }

    public func callRecords(from: Timestamp?, to: Timestamp?, queue: String?, limit: Int, after: InteractionID?)
        async throws -> [CallRecord] {
        try PageRequest.validateLimit(limit)
        return try await read("list call records") { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let from {
                conditions.append("arrived_at >= ?")
                arguments.append(from.millisecondsSinceEpoch)
            }
            if let to {
                conditions.append("arrived_at < ?")
                arguments.append(to.millisecondsSinceEpoch)
            }
            if let queue {
                conditions.append("queue = ?")
                arguments.append(queue)
            }
            if let after {
                let arrived = try CallRecordRows.arrival(of: after, db)
                conditions.append("(arrived_at > ? OR (arrived_at = ? AND interaction_id > ?))")
                arguments += [arrived, arrived, after.rawValue]
            }
            let condition = conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")
            return try CallRecordRows.fetch(db, where: condition, arguments, limit: limit)
        }
    }

    public func callRecords(matching query: CallRecordQuery, limit: Int, after: InteractionID?) async throws
        -> [CallRecord] {
        try PageRequest.requireLimit(limit)
        return try await read("search call records") { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let from = query.from {
                conditions.append("arrived_at >= ?")
                arguments.append(from.millisecondsSinceEpoch)
            }
            if let to = query.to {
                conditions.append("arrived_at < ?")
                arguments.append(to.millisecondsSinceEpoch)
            }
            // Any offer to the agent, answered or not. A probe per record, newest first,
            // through call_segments_by_record_agent: a page of a busy agent's calls stops
            // after its limit. (IN (SELECT ... WHERE agent_id = ?) sorts all of the agent's
            // calls for every page: 170-300 ms for 60,000 of them, against 0.2 ms.)
            if let agent = query.agent {
                conditions.append("""
                    EXISTS (SELECT 1 FROM call_segments s WHERE s.interaction_id = call_records.interaction_id \
                    AND s.agent_id = ?)
                    """)
                arguments.append(agent.rawValue)
            }
            // Every queue the call waited in is in the JSON `queues`; call_segments.queue
            // would miss a queue the caller left before any offer, and `queue` is only the last.
            if let queue = query.queue {
                conditions.append("EXISTS (SELECT 1 FROM json_each(call_records.queues) WHERE json_each.value = ?)")
                arguments.append(queue)
            }
            if let outcome = query.outcome {
                conditions.append("outcome = ?")
                arguments.append(outcome.rawValue)
            }
            if let caller = query.caller {
                conditions.append("caller = ?")
                arguments.append(caller)
            }
            // A customer has few interactions: found through interactions_by_customer, then sorted.
            if let customer = query.customer {
                conditions.append("interaction_id IN (SELECT id FROM interactions WHERE customer_id = ?)")
                arguments.append(customer.rawValue)
            }
            if let after {
                let arrived = try CallRecordRows.arrival(of: after, db)
                conditions.append("(arrived_at < ? OR (arrived_at = ? AND interaction_id < ?))")
                arguments += [arrived, arrived, after.rawValue]
            }
            let condition = conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")
            return try CallRecordRows.fetch(db, where: condition, arguments, limit: limit, newestFirst: true)
        }
    }

    public func unfinishedCallRecords() async throws -> [CallRecord] {
        try await read("list unfinished call records") { db in
            try CallRecordRows.fetch(db, where: "outcome IS NULL", [], limit: nil)
        }
    }
}

/// Row mapping for `agent_state_changes`.
enum RoutingRows {
    static func insertStateChanges(_ changes: [AgentStateChange], _ db: Database) throws {
        var checked = Set<AgentID>()
        for change in changes {
            if checked.insert(change.agentID).inserted {
                try requireAgent(change.agentID, db)
            }
            do {
                try db.cachedStatement(sql: """
                    INSERT INTO agent_state_changes (agent_id, sequence, from_state, to_state, reason, interaction_id,
                                                     changed_at, cause)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [
                        change.agentID.rawValue, change.sequence, change.from.rawValue, change.to.rawValue,
                        change.reason?.rawValue, change.interactionID?.rawValue, change.at.millisecondsSinceEpoch,
                        change.cause,
                    ])
            } catch let error as DatabaseError
                where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
                || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StorageError(code: .conflict, field: .sequence, message: """
                    Agent \(change.agentID) already has state change \(change.sequence); number each agent's changes \
                    after the last one stored (see latestAgentStates).
                    """, underlying: "\(error)")
            }
        }
    }

    static func requireAgent(_ id: AgentID, _ db: Database) throws {
        guard try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM users WHERE id = ?"), arguments: [id.rawValue]) != nil
        else {
            throw StorageError(code: .notFound, field: .agentID, message: """
                Agent \(id) is not a user; create the user (with the agent role) before recording their states.
                """)
        }
    }

    static func stateChanges(_ db: Database, sql: String, _ arguments: [any DatabaseValueConvertible]) throws
        -> [AgentStateChange] {
        try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
            let reason: String? = row["reason"]
            let interaction: String? = row["interaction_id"]
            return AgentStateChange(
                agentID: AgentID(row["agent_id"] as String), sequence: row["sequence"],
                from: try SelfServiceRows.decode(AgentStateName.self, row, "from_state"),
                to: try SelfServiceRows.decode(AgentStateName.self, row, "to_state"),
                reason: reason.map(NotReadyReason.init(rawValue:)), interactionID: interaction.map(InteractionID.init),
                at: Timestamp(millisecondsSinceEpoch: row["changed_at"]), cause: row["cause"])
        }
    }
}

/// Row mapping for `call_records` and its `call_segments` and `call_transfers`.
enum CallRecordRows {
    /// When the record a page continues after arrived; `.invalid` on `paging` when there is none.
    static func arrival(of record: InteractionID, _ db: Database) throws -> Int64 {
        guard let arrived = try Int64.fetchOne(db.cachedStatement(sql: "SELECT arrived_at FROM call_records WHERE interaction_id = ?"),
                                               arguments: [record.rawValue]) else {
            throw StorageError.invalid(.paging, "There is no call record \(record) to continue after; start again from the first page.")
        }
        return arrived
    }

    /// What a record needs encoded before its transaction: the JSON columns.
    struct Encoded: Sendable {
        var ivrPath: String
        var queues: String

        init(_ record: CallRecord) throws {
            ivrPath = try CallRecordRows.jsonArray(record.ivrPath, field: StorageError.Field(rawValue: "ivrPath"))
            queues = try CallRecordRows.jsonArray(record.queues, field: .queue)
        }
    }

    /// Inserts or replaces the record, its segments and its transfers (the caller's
    /// transaction makes it all or nothing).
    static func save(_ r: CallRecord, _ encoded: Encoded, _ db: Database) throws {
        try SelfServiceRows.requireInteraction(r.interactionID, db)
        let id = r.interactionID.rawValue
        try db.cachedStatement(sql: """
            INSERT INTO call_records (interaction_id, sip_call_id, caller, dialled, arrived_at, ivr_ended_at, queued_at,
                first_offered_at, answered_at, ended_at, ivr_path, ivr_outcome, queue, queues, wait_ms, disposition,
                recording_path, outcome, end_reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (interaction_id) DO UPDATE SET
                sip_call_id = excluded.sip_call_id, caller = excluded.caller, dialled = excluded.dialled,
                arrived_at = excluded.arrived_at, ivr_ended_at = excluded.ivr_ended_at, queued_at = excluded.queued_at,
                first_offered_at = excluded.first_offered_at, answered_at = excluded.answered_at,
                ended_at = excluded.ended_at, ivr_path = excluded.ivr_path, ivr_outcome = excluded.ivr_outcome,
                queue = excluded.queue, queues = excluded.queues, wait_ms = excluded.wait_ms,
                disposition = excluded.disposition, recording_path = excluded.recording_path,
                outcome = excluded.outcome, end_reason = excluded.end_reason
            """).execute(arguments: [
                id, r.sipCallID, r.caller, r.dialled, r.arrivedAt.millisecondsSinceEpoch,
                r.ivrEndedAt?.millisecondsSinceEpoch, r.queuedAt?.millisecondsSinceEpoch,
                r.firstOfferedAt?.millisecondsSinceEpoch, r.answeredAt?.millisecondsSinceEpoch,
                r.endedAt?.millisecondsSinceEpoch, encoded.ivrPath, r.ivrOutcome, r.queue, encoded.queues, r.waitMs,
                r.disposition, r.recordingPath, r.outcome?.rawValue, r.endReason,
            ])
        try db.cachedStatement(sql: "DELETE FROM call_segments WHERE interaction_id = ?").execute(arguments: [id])
        for s in r.segments {
            try db.cachedStatement(sql: """
                INSERT INTO call_segments (interaction_id, position, agent_id, queue, offered_at, answered_at, ended_at,
                    result, talk_ms, hold_ms, wrap_up_ms, disposition, notes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    id, s.position, s.agentID.rawValue, s.queue, s.offeredAt.millisecondsSinceEpoch,
                    s.answeredAt?.millisecondsSinceEpoch, s.endedAt?.millisecondsSinceEpoch, s.result.rawValue,
                    s.talkMs, s.holdMs, s.wrapUpMs, s.disposition, s.notes,
                ])
        }
        try db.cachedStatement(sql: "DELETE FROM call_transfers WHERE interaction_id = ?").execute(arguments: [id])
        for (position, t) in r.transfers.enumerated() {
            let (kind, target) = columns(t.target)
            try db.cachedStatement(sql: """
                INSERT INTO call_transfers (interaction_id, position, transferred_at, kind, by_agent, target_kind, target,
                    completed, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    id, position, t.at.millisecondsSinceEpoch, t.kind.rawValue, t.byAgent?.rawValue, kind, target,
                    t.completed ? 1 : 0, t.note,
                ])
        }
    }

    /// Records matching `condition` ordered by arrival then id (both descending when
    /// `newestFirst`), with their segments and transfers (two more queries per 500 records,
    /// not two per record).
    static func fetch(
        _ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible], limit: Int?,
        newestFirst: Bool = false
    ) throws -> [CallRecord] {
        let order = newestFirst ? "arrived_at DESC, interaction_id DESC" : "arrived_at, interaction_id"
        let rows = try Row.fetchAll(db, sql: """
            SELECT interaction_id, sip_call_id, caller, dialled, arrived_at, ivr_ended_at, queued_at, first_offered_at,
                   answered_at, ended_at, ivr_path, ivr_outcome, queue, queues, wait_ms, disposition, recording_path,
                   outcome, end_reason
            FROM call_records WHERE \(condition) ORDER BY \(order)\(limit == nil ? "" : " LIMIT ?")
            """, arguments: StatementArguments(arguments + (limit.map { [$0] } ?? [])))
        var records = try rows.map(record)
        guard !records.isEmpty else { return [] }

        var segments: [String: [CallSegment]] = [:]
        var transfers: [String: [CallTransfer]] = [:]
        for ids in inListChunks(records.map(\.interactionID.rawValue)) {
            for row in try Row.fetchAll(db, sql: """
                SELECT interaction_id, position, agent_id, queue, offered_at, answered_at, ended_at, result, talk_ms,
                       hold_ms, wrap_up_ms, disposition, notes
                FROM call_segments WHERE interaction_id IN (\(sqlPlaceholders(ids.count)))
                ORDER BY interaction_id, position
                """, arguments: StatementArguments(ids)) {
                segments[row["interaction_id"] as String, default: []].append(try segment(row))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT interaction_id, position, transferred_at, kind, by_agent, target_kind, target, completed, note
                FROM call_transfers WHERE interaction_id IN (\(sqlPlaceholders(ids.count)))
                ORDER BY interaction_id, position
                """, arguments: StatementArguments(ids)) {
                transfers[row["interaction_id"] as String, default: []].append(try transfer(row))
            }
        }
        for index in records.indices {
            let id = records[index].interactionID.rawValue
            records[index].segments = segments[id] ?? []
            records[index].transfers = transfers[id] ?? []
        }
        return records
    }

    private static func record(_ row: Row) throws -> CallRecord {
        let outcome: String? = row["outcome"]
        return CallRecord(
            interactionID: InteractionID(row["interaction_id"] as String), sipCallID: row["sip_call_id"],
            caller: row["caller"], dialled: row["dialled"], arrivedAt: Timestamp(millisecondsSinceEpoch: row["arrived_at"]),
            ivrEndedAt: time(row, "ivr_ended_at"), queuedAt: time(row, "queued_at"),
            firstOfferedAt: time(row, "first_offered_at"), answeredAt: time(row, "answered_at"),
            endedAt: time(row, "ended_at"), ivrPath: try strings(row, "ivr_path"), ivrOutcome: row["ivr_outcome"],
            queue: row["queue"], queues: try strings(row, "queues"), waitMs: row["wait_ms"],
            disposition: row["disposition"], recordingPath: row["recording_path"],
            outcome: try outcome.map { raw in
                guard let value = CallOutcome(rawValue: raw) else { throw unreadable("outcome", raw) }
                return value
            },
            endReason: row["end_reason"])
    }

    private static func segment(_ row: Row) throws -> CallSegment {
        let agent: String = row["agent_id"]
        return CallSegment(
            position: row["position"], agentID: AgentID(rawValue: agent), queue: row["queue"],
            offeredAt: Timestamp(millisecondsSinceEpoch: row["offered_at"]), answeredAt: time(row, "answered_at"),
            endedAt: time(row, "ended_at"), result: try SelfServiceRows.decode(CallSegment.Result.self, row, "result"),
            talkMs: row["talk_ms"], holdMs: row["hold_ms"], wrapUpMs: row["wrap_up_ms"],
            disposition: row["disposition"], notes: row["notes"])
    }

    private static func transfer(_ row: Row) throws -> CallTransfer {
        let kind: String = row["target_kind"]
        let value: String = row["target"]
        let target: CallTransfer.Target
        switch kind {
        case "queue": target = .queue(value)
        case "agent": target = .agent(AgentID(rawValue: value))
        case "number": target = .number(value)
        default: throw unreadable("target_kind", kind)
        }
        let by: String? = row["by_agent"]
        let completed: Int = row["completed"]
        return CallTransfer(
            at: Timestamp(millisecondsSinceEpoch: row["transferred_at"]),
            kind: try SelfServiceRows.decode(CallTransfer.Kind.self, row, "kind"),
            byAgent: by.map { AgentID(rawValue: $0) }, target: target, completed: completed != 0, note: row["note"])
    }

    /// `target_kind` and `target` of a transfer target.
    private static func columns(_ target: CallTransfer.Target) -> (String, String) {
        switch target {
        case .queue(let queue): ("queue", queue)
        case .agent(let agent): ("agent", agent.rawValue)
        case .number(let number): ("number", number)
        }
    }

    private static func time(_ row: Row, _ column: String) -> Timestamp? {
        (row[column] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:))
    }

    private static func strings(_ row: Row, _ column: String) throws -> [String] {
        let text: String = row[column]
        guard let values = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw unreadable(column, text)
        }
        return values
    }

    /// `["main","billing"]`: a JSON array of strings, which PostgreSQL can cast to jsonb.
    static func jsonArray(_ values: [String], field: StorageError.Field) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard let data = try? encoder.encode(values) else {
            throw StorageError.invalid(field, "The names \(values) cannot be stored; use plain text names.")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
