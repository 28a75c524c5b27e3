import Foundation
import GRDB
import HotlineModel
import Storage
@testable import StorageSQLite
import XCTest

/// The "v4-routing" schema itself rejects bad rows written around the store.
final class RoutingSchemaTests: XCTestCase {
    private func store() async throws -> SQLiteStore {
        let store = try SQLiteStore(.inMemory)
        try await store.createUser(Fixtures.user(1))
        try await store.createInteraction(HotlineStoreConformance.call(1))
        return store
    }

    func testRoutingSchemaEnforcesInvariants() async throws {
        let store = try await store()
        let change = "INSERT INTO agent_state_changes (agent_id, sequence, from_state, to_state, reason, interaction_id, changed_at, cause) VALUES"
        let record = """
            INSERT INTO call_records (interaction_id, caller, dialled, arrived_at, ivr_ended_at, queued_at, first_offered_at,
                answered_at, ended_at, ivr_path, queue, queues, wait_ms, recording_path, outcome) VALUES
            """
        let segment = """
            INSERT INTO call_segments (interaction_id, position, agent_id, queue, offered_at, answered_at, ended_at, result,
                talk_ms, hold_ms, wrap_up_ms) VALUES
            """
        let transfer = "INSERT INTO call_transfers (interaction_id, position, transferred_at, kind, by_agent, target_kind, target, completed) VALUES"
        let accepted = [
            "\(change) ('u-1', 0, 'logged-out', 'not-ready', 'team-huddle-2', NULL, 0, 'agent')",
            "\(change) ('u-1', 1, 'not-ready', 'reserved', NULL, 'i-1', 0, 'offer')",
            "\(record) ('i-1', 'a', 'b', 10, 11, 12, 13, 14, 20, '[]', 'q', '[\"q\"]', 2, '/r.wav', 'answered')",
            "\(segment) ('i-1', 0, 'u-1', 'q', 13, 14, 20, 'answered', 6, 0, 0)",
            "\(segment) ('i-1', 1, 'u-2', NULL, 13, NULL, NULL, 'ringing', 0, 0, 0)",
            "\(transfer) ('i-1', 0, 15, 'blind', NULL, 'number', '+8610', 1)",
        ]
        for sql in accepted {
            try await store.writer.write { db in try db.execute(sql: sql) }
        }
        let rejected = [
            "\(change) ('u-9', 5, 'logged-out', 'available', NULL, NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'offline', 'available', NULL, NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'available', 'busy', NULL, NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'available', 'not-ready', NULL, NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'not-ready', 'available', 'break', NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'available', 'not-ready', 'Break', NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'available', 'not-ready', 'coffee break', NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'available', 'not-ready', '', NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'available', 'not-ready', '\(String(repeating: "a", count: 33))', NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'available', 'on-call', NULL, NULL, 0, 'agent')",
            "\(change) ('u-1', 5, 'wrap-up', 'available', NULL, 'i-1', 0, 'agent')",
            "\(change) ('u-1', 5, 'not-ready', 'available', NULL, NULL, 0, '')",
            "\(change) ('u-1', 5, 'not-ready', 'available', NULL, NULL, 0, '\(String(repeating: "x", count: 201))')",
            "\(change) ('u-1', -1, 'not-ready', 'available', NULL, NULL, 0, 'agent')",
            "\(change) ('u-1', 0, 'not-ready', 'available', NULL, NULL, 0, 'agent')",
            "DELETE FROM call_records; \(record) ('i-9', 'a', 'b', 10, NULL, NULL, NULL, NULL, NULL, '[]', NULL, '[]', NULL, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, 9, NULL, NULL, NULL, NULL, '[]', NULL, '[]', NULL, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, 9, NULL, NULL, NULL, '[]', NULL, '[]', NULL, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, 12, 11, NULL, '[]', NULL, '[]', NULL, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, NULL, 11, NULL, '[]', NULL, '[]', NULL, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, NULL, NULL, 20, '[]', NULL, '[]', NULL, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, NULL, NULL, NULL, '[]', NULL, '[]', NULL, NULL, 'answered')",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, NULL, NULL, 20, '[]', NULL, '[]', NULL, NULL, 'hung-up')",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, NULL, NULL, NULL, 'main', NULL, '[]', NULL, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, NULL, NULL, NULL, '[]', '', '[]', NULL, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, NULL, NULL, NULL, '[]', NULL, '[]', -1, NULL, NULL)",
            "DELETE FROM call_records; \(record) ('i-1', 'a', 'b', 10, NULL, NULL, NULL, NULL, NULL, '[]', NULL, '[]', NULL, '', NULL)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, 12, NULL, 'answered', 0, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, 14, 13, 'answered', 0, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, NULL, 12, 'no-answer', 0, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, NULL, NULL, 'answered', 0, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, 14, NULL, 'busy', 0, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, NULL, 14, 'ringing', 0, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, NULL, NULL, 'declined', 0, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, 14, NULL, 'answered', -1, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, 14, NULL, 'answered', 0, -1, 0)",
            "\(segment) ('i-1', 2, 'u-1', 'q', 13, 14, NULL, 'answered', 0, 0, -1)",
            "\(segment) ('i-1', -1, 'u-1', 'q', 13, NULL, NULL, 'ringing', 0, 0, 0)",
            "\(segment) ('i-1', 2, '', 'q', 13, NULL, NULL, 'ringing', 0, 0, 0)",
            "\(segment) ('i-1', 2, 'u-1', '', 13, NULL, NULL, 'ringing', 0, 0, 0)",
            "\(segment) ('i-9', 0, 'u-1', 'q', 13, NULL, NULL, 'ringing', 0, 0, 0)",
            "\(transfer) ('i-1', 1, 15, 'warm', NULL, 'number', '+8610', 1)",
            "\(transfer) ('i-1', 1, 15, 'blind', NULL, 'extension', '+8610', 1)",
            "\(transfer) ('i-1', 1, 15, 'blind', NULL, 'queue', '', 1)",
            "\(transfer) ('i-1', 1, 15, 'blind', '', 'queue', 'q', 1)",
            "\(transfer) ('i-1', 1, 15, 'blind', NULL, 'queue', 'q', 2)",
            "\(transfer) ('i-9', 0, 15, 'blind', NULL, 'queue', 'q', 1)",
        ]
        await assertSchemaRejects(rejected, in: store)
    }

    /// Interactions have no delete in the API; a record, its segments and transfers still
    /// go with one deleted by hand (an archive job), and state history stays.
    func testInteractionDeleteCascadesToCallRecord() async throws {
        let store = try await store()
        try await store.saveCallRecord(HotlineStoreConformance.fullRecord(1))
        let onCall = HotlineStoreConformance.change("u-1", 0, .available, .onCall, call: "i-1", at: 0)
        try await store.appendAgentStateChanges([onCall])
        try await store.writer.write { db in try db.execute(sql: "DELETE FROM interactions WHERE id = 'i-1'") }
        let record = try await store.callRecord(of: "i-1")
        XCTAssertNil(record)
        let counts = try await store.writer.read { db in
            try ["call_records", "call_segments", "call_transfers"].map { table in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1
            }
        }
        XCTAssertEqual(counts, [0, 0, 0])
        let states = try await store.latestAgentStates()
        XCTAssertEqual(states, [onCall])
    }

    func testRoutingMigrationsFollowSelfService() async throws {
        let store = try SQLiteStore(.inMemory)
        let migrations = try await store.appliedMigrations()
        XCTAssertEqual(Array(migrations.drop { $0 != "v3-self-service" }.prefix(3)),
                       ["v3-self-service", "v4-routing", "v5-lost-agents-transfer-notes"])
    }

    /// v5 rebuilds call_segments: rows written under v4 survive it, and 'lost' and
    /// transfer notes are accepted after it (and still checked).
    func testV5KeepsV4RowsAndAcceptsLostSegments() throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false   // rows without their interactions: only these tables matter here
        let queue = try DatabaseQueue(configuration: configuration)
        try SQLiteSchema.migrator.migrate(queue, upTo: "v4-routing")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO call_records (interaction_id, caller, dialled, arrived_at, first_offered_at, answered_at, ivr_path, queues)
                    VALUES ('i-1', '1000', '95500', 0, 10, 20, '[]', '["cards"]');
                INSERT INTO call_segments (interaction_id, position, agent_id, offered_at, answered_at, ended_at, result, talk_ms, hold_ms, wrap_up_ms)
                    VALUES ('i-1', 0, '1001', 10, 20, 30, 'answered', 10, 0, 0);
                INSERT INTO call_transfers (interaction_id, position, transferred_at, kind, target_kind, target, completed)
                    VALUES ('i-1', 0, 30, 'blind', 'queue', 'cards', 1);
                """)
        }
        try SQLiteSchema.migrator.migrate(queue)
        try queue.write { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT result FROM call_segments WHERE interaction_id = 'i-1'"), "answered")
            try db.execute(sql: """
                INSERT INTO call_segments (interaction_id, position, agent_id, offered_at, answered_at, ended_at, result, talk_ms, hold_ms, wrap_up_ms)
                    VALUES ('i-1', 1, '1002', 40, 41, 50, 'lost', 9, 0, 0);
                UPDATE call_transfers SET note = '已核实 verified' WHERE interaction_id = 'i-1';
                """)
            XCTAssertThrowsError(try db.execute(sql: """
                INSERT INTO call_segments (interaction_id, position, agent_id, offered_at, ended_at, result, talk_ms, hold_ms, wrap_up_ms)
                    VALUES ('i-1', 2, '1003', 60, 70, 'lost', 0, 0, 0)
                """), "a lost part was answered")
            XCTAssertThrowsError(try db.execute(sql: "UPDATE call_transfers SET note = '' WHERE interaction_id = 'i-1'"))
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT note FROM call_transfers"), "已核实 verified")
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM call_segments"), 2)
        }
    }
}
