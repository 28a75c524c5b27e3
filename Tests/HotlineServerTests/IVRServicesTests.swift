import HotlineModel
import IVR
import Logging
import Storage
import StorageSQLite
import XCTest
@testable import HotlineServer

/// The store requests flows make, against a real (in-memory) SQLite store seeded with the
/// demo data: the values are the documented shapes with the personas' exact figures.
final class IVRServicesTests: XCTestCase {
    static let logger = Logger(label: "test")
    /// Cheap hashes: the cost is not what these tests are about.
    static let hasher = PINHasher(rounds: 1 << 4)

    static func seededStore() async throws -> SQLiteStore {
        let store = try SQLiteStore(.inMemory)
        _ = try await DemoSeeder.seed(into: store, hasher: hasher, bulkHasher: hasher, logger: logger)
        return store
    }

    func services(_ store: SQLiteStore, policy: PINPolicy = PINPolicy()) -> IVRServices {
        IVRServices(store: store, hasher: Self.hasher, policy: policy, logger: Self.logger)
    }

    func testLookupsGiveTheDocumentedShapes() async throws {
        let store = try await Self.seededStore()
        let s = services(store)

        let customer = await s.lookup(.customer, key: "13800138000")
        XCTAssertEqual(customer?.member("id"), "c-demo-001")
        XCTAssertEqual(customer?.member("name"), "张伟")
        XCTAssertEqual(customer?.member("name_en"), "Wei Zhang")
        XCTAssertEqual(customer?.member("phone"), "13800138000")
        // By customer id, account number and card number too.
        let v101 = await s.lookup(.customer, key: "c-demo-004")?.member("name")
        XCTAssertEqual(v101, "王芳")
        let v102 = await s.lookup(.customer, key: "6222020200112233445")?.member("id")
        XCTAssertEqual(v102, "c-demo-004")

        let balance = await s.lookup(.balance, key: "c-demo-001")
        XCTAssertEqual(balance, .record(["number": "13800138000", "kind": "telecom", "balance": 56.3, "currency": "CNY",
                                         "plan_zh": "畅享 129", "plan_en": "Unlimited 129"]))
        let v103 = await s.lookup(.balance, key: "13900139000")?.member("balance")
        XCTAssertEqual(v103, -12.4)
        let v104 = await s.lookup(.balance, key: "6222020200112233445")?.member("balance")
        XCTAssertEqual(v104, 12345.67)

        let bills = await s.lookup(.bills, key: "13800138000")
        XCTAssertEqual(bills?.member("count"), 3)
        XCTAssertEqual(bills?.member("unpaid_count"), 1)
        XCTAssertEqual(bills?.member("unpaid_total"), 129)
        XCTAssertEqual(bills?.member("latest"), .record(["id": bills?.member("latest")?.member("id") ?? .null,
                                                          "period": "2026-10", "amount": 129, "currency": "CNY",
                                                          "due": "2026-11-20", "paid": false]))

        let transactions = await s.lookup(.transactions, key: "6222020200112233445")
        XCTAssertEqual(transactions?.member("items")?.member("0"), .record([
            "date": "2026-10-31", "time": "14:20", "amount": -38, "currency": "CNY", "merchant_zh": "星巴克",
            "merchant_en": "Starbucks", "kind": "debit"]))
        XCTAssertEqual(transactions?.member("items")?.member("1")?.member("kind"), "credit")
        XCTAssertEqual(transactions?.member("items")?.member("1")?.member("amount"), 8500)

        let order = await s.lookup(.orders, key: "1000012345")
        XCTAssertEqual(order?.member("status"), "shipped")
        XCTAssertEqual(order?.member("status_zh"), "已发货")
        XCTAssertEqual(order?.member("total"), 299)
        XCTAssertEqual(order?.member("parcel")?.member("tracking"), "SF1234567890")
        XCTAssertEqual(order?.member("parcel")?.member("status_en"), "in transit")
        XCTAssertEqual(order?.member("parcel")?.member("eta"), "2026-11-03")
        let v105 = await s.lookup(.orders, key: "1000054321")?.member("parcel")
        XCTAssertEqual(v105, .null)
        let v106 = await s.lookup(.parcels, key: "1000067890")?.member("first")?.member("eta")
        XCTAssertEqual(v106, "")

        let cards = await s.lookup(.cards, key: "13600136000")
        XCTAssertEqual(cards?.member("count"), 1)
        XCTAssertEqual(cards?.member("items")?.member("0")?.member("last4"), "3445")

        // Known but empty is found with count 0; unknown is not found.
        let v107 = await s.lookup(.tickets, key: "13800138000")?.member("count")
        XCTAssertEqual(v107, 0)
        let v108 = await s.lookup(.customer, key: "19999999999")
        XCTAssertNil(v108)
        let v109 = await s.lookup(.orders, key: "1999999999")
        XCTAssertNil(v109)
        let v110 = await s.lookup(.transactions, key: "6222020200000000000")
        XCTAssertNil(v110)
        let v111 = await s.lookup(.balance, key: "")
        XCTAssertNil(v111)
        try await store.close()
    }

    func testVerifyCountsWrongPINsLocksAndForgivesAfterTheLock() async throws {
        let store = try await Self.seededStore()
        let s = services(store, policy: PINPolicy(maximumFailures: 3, lockoutMilliseconds: 60_000))
        let t0 = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
        let card = "6222020200555566667"

        let v112 = await s.verify(method: .card, identifier: card, pin: "000000", now: t0)
        XCTAssertEqual(v112, .wrongPIN(triesLeft: 2))
        let v113 = await s.verify(method: .card, identifier: card, pin: "000001", now: t0)
        XCTAssertEqual(v113, .wrongPIN(triesLeft: 1))
        let v114 = await s.verify(method: .card, identifier: card, pin: "000002", now: t0)
        XCTAssertEqual(v114, .locked)
        // Locked: even the right PIN is refused until the lock runs out.
        let v115 = await s.verify(method: .card, identifier: card, pin: "246810", now: t0.adding(milliseconds: 59_999))
        XCTAssertEqual(v115, .locked)
        let record = try await store.pin(PINSubject(.card, card))
        XCTAssertEqual(record?.failures, 3)
        XCTAssertEqual(record?.lockedUntil, t0.adding(milliseconds: 60_000))
        guard case .verified(let customer) = await s.verify(method: .card, identifier: card, pin: "246810",
                                                            now: t0.adding(milliseconds: 60_000)) else {
            return XCTFail("the right PIN after the lock should verify")
        }
        XCTAssertEqual(customer.member("id"), "c-demo-006")
        let cleared = try await store.pin(PINSubject(.card, card))
        XCTAssertEqual(cleared?.failures, 0)
        XCTAssertNil(cleared?.lockedUntil)

        // Caller ID and phone check the customer's phone-service PIN; unknown numbers are unknown.
        guard case .verified = await s.verify(method: .callerID, identifier: "13800138000", pin: "123456", now: t0) else {
            return XCTFail("张伟's PIN by caller ID")
        }
        let v116 = await s.verify(method: .phone, identifier: "13900139000", pin: "123456", now: t0)
        XCTAssertEqual(v116, .wrongPIN(triesLeft: 2))
        let v117 = await s.verify(method: .phone, identifier: "19999999999", pin: "123456", now: t0)
        XCTAssertEqual(v117, .unknownIdentifier)
        // An account without a PIN of its own takes its owner's.
        guard case .verified = await s.verify(method: .account, identifier: "13800138000", pin: "123456", now: t0) else {
            return XCTFail("the owner's PIN for an account without one")
        }
        try await store.close()
    }

    func testCreatedTicketsAndReturnsGetNumbersAndLinks() async throws {
        let store = try await Self.seededStore()
        let s = services(store)
        let now = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
        let asker = IVRServices.Asker(interactionID: nil, callerNumber: "13800138000", customerID: "c-demo-001")

        let ticket = await s.create(.ticket, fields: ["category": "broadband", "kind": "no-connection"], asker: asker, now: now)
        XCTAssertEqual(ticket?.member("number"), "10000001")
        XCTAssertEqual(ticket?.member("status"), "open")
        let stored = try await store.ticket(number: "10000001")
        XCTAssertEqual(stored?.customerID, "c-demo-001")
        XCTAssertEqual(stored?.summary, "broadband/no-connection, reported by 13800138000 in the IVR")
        let v118 = await s.create(.ticket, fields: ["category": "broadband", "kind": "slow"], asker: asker, now: now)
        XCTAssertEqual(v118?.member("number"), "10000002")
        // A required field left empty (an unset variable) is refused: the flow's on_error.
        let v119 = await s.create(.ticket, fields: ["category": "broadband", "kind": " "], asker: asker, now: now)
        XCTAssertNil(v119)

        let anonymous = IVRServices.Asker(interactionID: nil, callerNumber: "13500135000", customerID: nil)
        let request = await s.create(.return, fields: ["order": "1000012345", "reason": "damaged"], asker: anonymous, now: now)
        XCTAssertEqual(request?.member("number"), "50000001")
        // Without a verified caller, the order's owner.
        let storedReturn = try await store.returnRequest(number: "50000001")
        XCTAssertEqual(storedReturn?.customerID, "c-demo-007")
        let v120 = await s.create(.return, fields: ["order": "1999999999", "reason": "damaged"], asker: anonymous, now: now)
        XCTAssertNil(v120)
        try await store.close()
    }

    func testDatesAndTimesAreChinaTime() {
        // 2026-10-31T06:20:00Z is 14:20 in China.
        let t = Timestamp(millisecondsSinceEpoch: 1_793_427_600_000)
        XCTAssertEqual(LocalTime(t, utcOffsetMinutes: 480).date, "2026-10-31")
        XCTAssertEqual(LocalTime(t, utcOffsetMinutes: 480).time, "14:20")
        XCTAssertEqual(LocalTime(Timestamp(millisecondsSinceEpoch: -1), utcOffsetMinutes: 0).date, "1969-12-31")
        XCTAssertEqual(LocalTime(Timestamp(millisecondsSinceEpoch: 951_782_400_000), utcOffsetMinutes: 0).date, "2000-02-29")
    }
}
