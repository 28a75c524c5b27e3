import Foundation
import GRDB
import HotlineModel
import Storage
@testable import StorageSQLite
import XCTest

/// The "v7-audit-log" schema: the audit log refuses changes written around the store,
/// and the interactions list's filters have indexes to use.
final class SQLiteAuditSchemaTests: XCTestCase {
    private static let insert = "INSERT INTO audit_log (sequence, at, actor, action, subject, detail) VALUES"

    private func entries(_ store: SQLiteStore) async throws -> [AuditEntry] {
        try await store.auditEntries(subject: nil, actor: nil, limit: 10, before: nil)
    }

    func testAuditLogIsAppendOnly() async throws {
        let store = try SQLiteStore(.inMemory)
        let first = try await store.appendAudit(HotlineStoreConformance.audit("1001", "customer.view", "customers/c-1", at: 0))
        let second = try await store.appendAudit(
            HotlineStoreConformance.audit("1002", "customer.update", "customers/c-1", at: 1, detail: "changed tags"))
        XCTAssertEqual([first.sequence, second.sequence], [1, 2])

        await assertSchemaRejects([
            "UPDATE audit_log SET actor = '1003' WHERE sequence = 1",
            "UPDATE audit_log SET detail = NULL",
            "DELETE FROM audit_log WHERE sequence = 2",
            "DELETE FROM audit_log",
            // REPLACE deletes the old row without firing DELETE triggers: refused on insert.
            "INSERT OR REPLACE INTO audit_log (sequence, at, actor, action, subject) VALUES (1, 9, 'x', 'customer.view', 's')",
            "REPLACE INTO audit_log (sequence, at, actor, action, subject) VALUES (2, 9, 'x', 'customer.view', 's')",
            "\(Self.insert) (1, 9, 'x', 'customer.view', 's', NULL) ON CONFLICT (sequence) DO UPDATE SET actor = 'y'",
        ], in: store)
        // The error says why.
        do {
            try await store.writer.write { db in try db.execute(sql: "UPDATE audit_log SET actor = '1003'") }
            XCTFail("the update was accepted")
        } catch let error as DatabaseError {
            XCTAssertEqual(error.extendedResultCode, .SQLITE_CONSTRAINT_TRIGGER)
            XCTAssertEqual(error.message, "audit_log is append-only: entries cannot be changed")
        }
        let unchanged = try await entries(store)
        XCTAssertEqual(unchanged, [second, first])

        // A raw insert with a new sequence is an append like any other.
        try await store.writer.write { db in
            try db.execute(sql: "\(Self.insert) (3, 2, 'system', 'customer.delete', 'customers/c-1', NULL)")
        }
        let third = try await store.appendAudit(HotlineStoreConformance.audit("1001", "customer.view", "customers/c-2", at: 3))
        XCTAssertEqual(third.sequence, 4)
        try await store.close()
    }

    func testAuditSchemaEnforcesInvariants() async throws {
        let store = try SQLiteStore(.inMemory)
        let accepted = [
            "\(Self.insert) (NULL, 0, '1001', 'customer.view', 'customers/c-1', NULL)",
            "\(Self.insert) (NULL, 0, '1001', 'customer.view', 'customers/c-1', '')",
            "\(Self.insert) (NULL, 0, '\(String(repeating: "用", count: 64))', '\(String(repeating: "a", count: 64))', "
                + "'\(String(repeating: "客", count: 200))', '\(String(repeating: "d", count: 2000))')",
        ]
        for sql in accepted {
            try await store.writer.write { db in try db.execute(sql: sql) }
        }
        await assertSchemaRejects([
            "\(Self.insert) (0, 0, '1001', 'customer.view', 's', NULL)",
            "\(Self.insert) (NULL, NULL, '1001', 'customer.view', 's', NULL)",
            "\(Self.insert) (NULL, 0, NULL, 'customer.view', 's', NULL)",
            "\(Self.insert) (NULL, 0, '', 'customer.view', 's', NULL)",
            "\(Self.insert) (NULL, 0, 'agent 7', 'customer.view', 's', NULL)",
            "\(Self.insert) (NULL, 0, '\(String(repeating: "a", count: 65))', 'customer.view', 's', NULL)",
            "\(Self.insert) (NULL, 0, '1001', '', 's', NULL)",
            "\(Self.insert) (NULL, 0, '1001', 'Customer.View', 's', NULL)",
            "\(Self.insert) (NULL, 0, '1001', 'customer_view', 's', NULL)",
            "\(Self.insert) (NULL, 0, '1001', '\(String(repeating: "a", count: 65))', 's', NULL)",
            "\(Self.insert) (NULL, 0, '1001', 'customer.view', '', NULL)",
            "\(Self.insert) (NULL, 0, '1001', 'customer.view', '  ', NULL)",
            "\(Self.insert) (NULL, 0, '1001', 'customer.view', '\(String(repeating: "s", count: 201))', NULL)",
            "\(Self.insert) (NULL, 0, '1001', 'customer.view', 's', '\(String(repeating: "d", count: 2001))')",
        ], in: store)
        let stored = try await entries(store)
        XCTAssertEqual(stored.map(\.sequence), [3, 2, 1])
        try await store.close()
    }

    /// The plan SQLite picks (without statistics, as a new database has) for each filter
    /// of the interactions list and the audit log: an index, and a newest-first walk that
    /// stops at the limit rather than a sort of every match, except for a customer's
    /// interactions, which are few.
    func testSearchesUseIndexes() async throws {
        let store = try SQLiteStore(.inMemory)
        let newestFirst = "ORDER BY arrived_at DESC, interaction_id DESC LIMIT 50"
        let plans: [(sql: String, steps: [String], sorted: Bool)] = [
            ("SELECT * FROM call_records WHERE 1 = 1 \(newestFirst)",
             ["SCAN call_records USING INDEX call_records_by_arrival"], false),
            ("SELECT * FROM call_records WHERE caller = '1' \(newestFirst)",
             ["SEARCH call_records USING INDEX call_records_by_caller (caller=?)"], false),
            ("SELECT * FROM call_records WHERE outcome = 'answered' AND arrived_at >= 5 \(newestFirst)",
             ["SEARCH call_records USING INDEX call_records_by_outcome (outcome=? AND arrived_at>?)"], false),
            ("""
             SELECT * FROM call_records WHERE EXISTS (SELECT 1 FROM call_segments s
                 WHERE s.interaction_id = call_records.interaction_id AND s.agent_id = 'u') \(newestFirst)
             """,
             ["SCAN call_records USING INDEX call_records_by_arrival",
              "SEARCH s USING COVERING INDEX call_segments_by_record_agent (interaction_id=? AND agent_id=?)"], false),
            ("SELECT * FROM call_records WHERE interaction_id IN (SELECT id FROM interactions WHERE customer_id = 'c') \(newestFirst)",
             ["SEARCH call_records USING INDEX sqlite_autoindex_call_records_1 (interaction_id=?)",
              "SEARCH interactions USING INDEX interactions_by_customer (customer_id=?)"], true),
            ("SELECT * FROM audit_log WHERE subject = 's' ORDER BY sequence DESC LIMIT 50",
             ["SEARCH audit_log USING INDEX audit_log_by_subject (subject=?)"], false),
            ("SELECT * FROM audit_log WHERE actor = 'a' AND sequence < 9 ORDER BY sequence DESC LIMIT 50",
             ["SEARCH audit_log USING INDEX audit_log_by_actor (actor=? AND sequence<?)"], false),
        ]
        for (sql, steps, sorted) in plans {
            let plan = try await store.writer.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)").map { $0["detail"] as String }
            }
            let shown = "\(sql)\n\(plan.joined(separator: "\n"))"
            for step in steps {
                XCTAssertTrue(plan.contains(step), shown)
            }
            XCTAssertEqual(plan.contains("USE TEMP B-TREE FOR ORDER BY"), sorted, shown)
        }
        try await store.close()
    }
}
