import Foundation
import GRDB
import HotlineModel
import Storage
@testable import StorageSQLite
import XCTest

/// The "v3-self-service" schema itself rejects bad rows written around the store.
final class SelfServiceSchemaTests: XCTestCase {
    func testSelfServiceSchemaEnforcesInvariants() async throws {
        let store = try SQLiteStore(.inMemory)
        try await Fixtures.storeReferenceData(in: store)
        try await store.createInteraction(HotlineStoreConformance.call(1))
        let account = "INSERT INTO service_accounts (number, customer_id, kind, plan_zh, plan_en, balance_minor, balance_currency, opened_at) VALUES"
        let bill = "INSERT INTO bills (id, account_number, period, amount_minor, amount_currency, issued_at, due_date, paid) VALUES"
        let card = "INSERT INTO cards (number, customer_id, account_number, status, expires) VALUES"
        let summary = """
            INSERT INTO ivr_summaries (interaction_id, flow, flow_version, language, variables_json, transfer_queue,
                transfer_skills, transfer_priority, transfer_reason, transfer_requested_at, started_at, ended_at) VALUES
            """
        let pin = "INSERT INTO pins (subject_kind, subject_key, customer_id, account_number, card_number, hash, failures) VALUES"
        let accepted = [
            "\(account) ('0012345', 'c-1', 'bank', 'x', 'y', -5, 'USD', 0)",
            "\(bill) ('b-ok', '13800138000', '2026-12', 1, 'CNY', 0, '2027-01-31', 0)",
            "\(summary) ('i-1', 'f', 0, 'zh-CN', '{}', 'q', '[]', 10, NULL, 5, 0, 0)",
            "\(pin) ('account', '13800138000', NULL, '13800138000', NULL, 'h', 0)",
        ]
        for sql in accepted {
            try await store.writer.write { db in try db.execute(sql: sql) }
        }
        let rejected = [
            "\(account) ('12345', 'c-1', 'bank', 'x', 'y', 0, 'CNY', 0)",
            "\(account) ('1234567a', 'c-1', 'bank', 'x', 'y', 0, 'CNY', 0)",
            "\(account) ('1234567', 'c-1', 'savings', 'x', 'y', 0, 'CNY', 0)",
            "\(account) ('1234567', 'c-1', 'bank', 'x', 'y', 0, 'cny', 0)",
            "\(account) ('1234567', 'c-1', 'bank', 'x', 'y', 0, 'CN1', 0)",
            "\(account) ('1234567', 'c-1', 'bank', 'x', 'y', 0, 'CNYY', 0)",
            "\(account) ('1234567', 'c-9', 'bank', 'x', 'y', 0, 'CNY', 0)",
            "\(account) ('1234567', 'c-1', 'bank', '', 'y', 0, 'CNY', 0)",
            "\(account) ('1234567', 'c-1', 'bank', 'x', 'y', NULL, 'CNY', 0)",
            "\(bill) ('b-1', '13800138000', '2026-13', 1, 'CNY', 0, '2026-11-20', 0)",
            "\(bill) ('b-1', '13800138000', '2026/11', 1, 'CNY', 0, '2026-11-20', 0)",
            "\(bill) ('b-1', '13800138000', '202a-11', 1, 'CNY', 0, '2026-11-20', 0)",
            "\(bill) ('b-1', '13800138000', '2026-11', 1, 'CNY', 0, '2026-11-32', 0)",
            "\(bill) ('b-1', '13800138000', '2026-11', 1, 'CNY', 0, '2026-1-20', 0)",
            "\(bill) ('b-1', '13800138000', '2026-11', 1, 'CNY', 0, '2026-11-20', 2)",
            "\(bill) ('b-1', '99999999', '2026-11', 1, 'CNY', 0, '2026-11-20', 0)",
            "\(card) ('622202020011223', 'c-1', '6222020200112233', 'active', '2029-08')",
            "\(card) ('6222020200112233000', 'c-1', '6222020200112233', 'stolen', '2029-08')",
            "\(card) ('6222020200112233000', 'c-1', '6222020200112233', 'active', '2029-8')",
            "\(card) ('6222020200112233000', 'c-1', '99999999', 'active', '2029-08')",
            "INSERT INTO card_transactions (id, card_number, occurred_at, amount_minor, amount_currency, merchant_zh, merchant_en) VALUES ('t', '6222020200112233445', 0, 1, 'CNY', '', 'x')",
            "INSERT INTO orders (number, customer_id, placed_at, status, total_minor, total_currency, items_zh, items_en) VALUES ('1000000009', 'c-1', 0, 'lost', 1, 'CNY', 'x', 'y')",
            "INSERT INTO parcels (tracking_number, order_number, carrier_zh, carrier_en, status, location_zh, location_en, estimated_delivery, updated_at) VALUES ('SF1', '1000012345', 'a', 'b', 'in_transit', 'c', 'd', NULL, 0)",
            "INSERT INTO parcels (tracking_number, order_number, carrier_zh, carrier_en, status, location_zh, location_en, estimated_delivery, updated_at) VALUES ('SF0000000009', '1000012345', 'a', 'b', 'lost', 'c', 'd', NULL, 0)",
            "INSERT INTO parcels (tracking_number, order_number, carrier_zh, carrier_en, status, location_zh, location_en, estimated_delivery, updated_at) VALUES ('SF0000000009', '1000012345', 'a', 'b', 'in_transit', 'c', 'd', 'soon', 0)",
            "INSERT INTO tickets (number, category, kind, status, created_at, summary) VALUES ('1234567', 'a', 'b', 'open', 0, '')",
            "INSERT INTO tickets (number, category, kind, status, created_at, summary) VALUES ('123456789', 'a', 'b', 'open', 0, '')",
            "INSERT INTO tickets (number, category, kind, status, created_at, summary) VALUES ('1234567x', 'a', 'b', 'open', 0, '')",
            "INSERT INTO tickets (number, category, kind, status, created_at, summary) VALUES ('12345678', 'a', 'b', 'pending', 0, '')",
            "INSERT INTO return_requests (number, order_number, reason, status, created_at) VALUES ('50000009', '1000000009', 'x', 'requested', 0)",
            "INSERT INTO return_requests (number, order_number, reason, status, created_at) VALUES ('50000009', '1000012345', 'x', 'lost', 0)",
            "INSERT INTO voicemails (id, interaction_id, from_address, to_address, path, duration_ms, created_at, heard) VALUES ('v', 'i-1', 'a', 'b', 'p', -1, 0, 0)",
            "INSERT INTO voicemails (id, interaction_id, from_address, to_address, path, duration_ms, created_at, heard) VALUES ('v', 'i-9', 'a', 'b', 'p', 1, 0, 0)",
            "INSERT INTO callback_requests (id, number, status, created_at) VALUES ('c', '1', 'waiting', 0)",
            "INSERT INTO ivr_steps (interaction_id, position, flow, node, kind, outcome, started_at, duration_ms) VALUES ('i-1', -1, 'f', 'n', 'k', 'o', 0, 0)",
            "INSERT INTO ivr_steps (interaction_id, position, flow, node, kind, outcome, started_at, duration_ms) VALUES ('i-1', 0, 'f', 'n', 'k', 'o', 0, -1)",
            "DELETE FROM ivr_summaries; \(summary) ('i-1', 'f', 0, 'zh-CN', '{}', 'q', '[]', 11, NULL, 5, 0, NULL)",
            "DELETE FROM ivr_summaries; \(summary) ('i-1', 'f', 0, 'zh-CN', '{}', 'q', NULL, 1, NULL, 5, 0, NULL)",
            "DELETE FROM ivr_summaries; \(summary) ('i-1', 'f', 0, 'zh-CN', '{}', NULL, NULL, NULL, 'why', NULL, 0, NULL)",
            "DELETE FROM ivr_summaries; \(summary) ('i-1', 'f', 0, 'zh-CN', '[]', NULL, NULL, NULL, NULL, NULL, 0, NULL)",
            "DELETE FROM ivr_summaries; \(summary) ('i-1', 'f', 0, 'fr-FR', '{}', NULL, NULL, NULL, NULL, NULL, 0, NULL)",
            "DELETE FROM ivr_summaries; \(summary) ('i-1', 'f', 0, 'zh-CN', '{}', NULL, NULL, NULL, NULL, NULL, 10, 9)",
            "\(pin) ('customer', 'c-1', NULL, NULL, NULL, 'h', 0)",
            "\(pin) ('customer', 'c-1', 'c-2', NULL, NULL, 'h', 0)",
            "\(pin) ('card', '6222020200112233445', NULL, '13800138000', '6222020200112233445', 'h', 0)",
            "\(pin) ('customer', 'c-9', 'c-9', NULL, NULL, 'h', 0)",
            "\(pin) ('customer', 'c-1', 'c-1', NULL, NULL, 'h', -1)",
        ]
        await assertSchemaRejects(rejected, in: store)
    }

    /// Voicemail, steps and summaries go with their interaction; tickets and callbacks
    /// stay without it.
    func testInteractionDeleteCascadesAndNulls() async throws {
        let store = try SQLiteStore(.inMemory)
        try await Fixtures.storeReferenceData(in: store)
        try await store.createInteraction(HotlineStoreConformance.call(1))
        try await store.createVoicemail(Fixtures.voicemail("vm-1", interaction: "i-1", at: 1))
        try await store.appendIVRSteps([Fixtures.step("i-1", 0)])
        try await store.saveIVRSummary(Fixtures.summary("i-1", startedAt: 0))
        let ticket = try await store.createTicket(Fixtures.ticket(customer: "c-1", interaction: "i-1", at: 1))
        try await store.createCallback(Fixtures.callback("cb-1", interaction: "i-1", at: 1))
        let returned = try await store.createReturn(Fixtures.returnRequest(order: "1000012345", interaction: "i-1", at: 1))
        try await store.writer.write { db in try db.execute(sql: "DELETE FROM interactions WHERE id = 'i-1'") }
        let voicemails = try await store.voicemails(of: "i-1")
        XCTAssertEqual(voicemails, [])
        let steps = try await store.ivrSteps(of: "i-1")
        XCTAssertEqual(steps, [])
        let summary = try await store.ivrSummary(of: "i-1")
        XCTAssertNil(summary)
        let keptTicket = try await store.ticket(number: ticket.number)
        XCTAssertEqual(keptTicket?.interactionID, nil)
        XCTAssertEqual(keptTicket?.customerID, "c-1")
        let callbacks = try await store.callbacks(status: .pending, limit: 10)
        XCTAssertEqual(callbacks.map(\.id), ["cb-1"])
        XCTAssertNil(callbacks.first?.interactionID)
        let keptReturn = try await store.returnRequest(number: returned.number)
        XCTAssertNil(keptReturn?.interactionID)
        XCTAssertEqual(keptReturn?.orderNumber, "1000012345")
    }

    /// The last 8-digit number is the last one handed out.
    func testTicketNumbersRunOutWithAClearError() async throws {
        let store = try SQLiteStore(.inMemory)
        try await store.writer.write { db in
            try db.execute(sql: "INSERT INTO tickets (number, category, kind, status, created_at, summary) VALUES ('99999998', 'a', 'b', 'open', 0, '')")
        }
        let last = try await store.createTicket(Fixtures.ticket(customer: nil, at: 1))
        XCTAssertEqual(last.number, "99999999")
        let error = await assertStorageError(.backend) { try await store.createTicket(Fixtures.ticket(customer: nil, at: 2)) }
        XCTAssertTrue(error?.message.contains("used up") ?? false, "\(String(describing: error))")
    }

    /// The reads of SelfServiceStore, as the store spells them, use the v3 indexes.
    func testSelfServiceReadsUseIndexes() async throws {
        let store = try SQLiteStore(.inMemory)
        let queries = [
            "SELECT * FROM service_accounts WHERE customer_id = 'c' ORDER BY kind, opened_at, number",
            "SELECT * FROM bills WHERE account_number = 'a' ORDER BY period DESC, id DESC LIMIT 3",
            "SELECT * FROM cards WHERE customer_id = 'c' ORDER BY number",
            "SELECT * FROM card_transactions WHERE card_number = 'c' ORDER BY occurred_at DESC, id DESC LIMIT 3",
            "SELECT * FROM orders WHERE customer_id = 'c' ORDER BY placed_at DESC, number DESC LIMIT 3",
            "SELECT * FROM parcels WHERE order_number = 'o' ORDER BY tracking_number",
            "SELECT * FROM tickets WHERE customer_id = 'c' AND status IN ('open', 'in_progress') ORDER BY created_at DESC, number DESC LIMIT 3",
            "SELECT * FROM voicemails WHERE interaction_id = 'i' ORDER BY created_at, id",
            "SELECT * FROM callback_requests WHERE status = 'pending' ORDER BY created_at, id LIMIT 3",
            "SELECT * FROM ivr_steps WHERE interaction_id = 'i' ORDER BY position",
            "SELECT s.* FROM ivr_summaries s JOIN interactions i ON i.id = s.interaction_id WHERE s.transfer_queue IS NOT NULL AND i.state = 'queued' ORDER BY s.transfer_requested_at, s.interaction_id LIMIT 3",
            "SELECT MAX(number) FROM tickets",
        ]
        for sql in queries {
            let plan = try await store.writer.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
            }
            // Every table is reached through an index and no read sorts rows on the fly.
            XCTAssertTrue(plan.allSatisfy { $0.contains("INDEX") }, "\(sql): \(plan)")
            XCTAssertFalse(plan.contains { $0.contains("TEMP B-TREE") }, "\(sql): \(plan)")
        }
    }
}
