import GRDB
import HotlineModel
import Storage

// The audit log (AuditStore) on the "v7-audit-log" table.
//
// The store never names a sequence: SQLite numbers each entry as the next rowid inside the
// inserting transaction, so concurrent appends get distinct, increasing numbers without
// a MAX + 1 race. The table's triggers refuse UPDATE, DELETE and reuse of a sequence.

extension SQLiteStore {
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        try entry.validateForStorage()
        return try await write("append audit entry \(entry.action) on \(entry.subject)") { db in
            try db.cachedStatement(sql: """
                INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)
                """).execute(arguments: [
                    entry.at.millisecondsSinceEpoch, entry.actor, entry.action, entry.subject, entry.detail,
                ])
            var stored = entry
            stored.sequence = db.lastInsertedRowID
            return stored
        }
    }

    public func auditEntries(subject: String?, actor: String?, limit: Int, before: Int64?) async throws
        -> [AuditEntry] {
        try PageRequest.requireLimit(limit)
        return try await read("list audit entries") { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let subject {
                conditions.append("subject = ?")
                arguments.append(subject)
            }
            if let actor {
                conditions.append("actor = ?")
                arguments.append(actor)
            }
            if let before {
                conditions.append("sequence < ?")
                arguments.append(before)
            }
            let condition = conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: """
                SELECT sequence, at, actor, action, subject, detail FROM audit_log
                WHERE \(condition) ORDER BY sequence DESC LIMIT ?
                """, arguments: StatementArguments(arguments + [limit])).map { row in
                    AuditEntry(sequence: row["sequence"], at: Timestamp(millisecondsSinceEpoch: row["at"]),
                               actor: row["actor"], action: row["action"], subject: row["subject"],
                               detail: row["detail"])
                }
        }
    }
}
