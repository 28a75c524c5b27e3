import HotlineModel
import Storage
import XCTest

/// The interactions list's call-record search; see `HotlineStoreConformance`.
extension HotlineStoreConformance {
    static let callerA = "+8613800138000"
    static let callerB = "+8613900139000"
    static let oddQueue = "售后 \"vip\"/2"

    /// A finished (or, without `outcome`, unfinished) record whose segments are offered a
    /// second apart from one second after arrival; answered and transferred ones are
    /// answered half a second after their offer.
    static func searchRecord(
        _ n: Int, arrived: Int64, caller: String, queues: [String],
        segments: [(AgentID, String?, CallSegment.Result)] = [], outcome: CallOutcome?
    ) -> CallRecord {
        let t = { (ms: Int64) in at(arrived + ms) }
        let parts = segments.enumerated().map { index, segment in
            let (agent, queue, result) = segment
            let offered = Int64(index + 1) * 1_000
            let answered: Bool
            switch result {
            case .answered, .transferred, .lost: answered = true
            case .ringing, .noAnswer, .busy, .unreachable, .cancelled: answered = false
            }
            return CallSegment(position: index, agentID: agent, queue: queue, offeredAt: t(offered),
                               answeredAt: answered ? t(offered + 500) : nil,
                               endedAt: result == .ringing ? nil : t(offered + 900), result: result,
                               talkMs: answered ? 400 : 0)
        }
        return CallRecord(
            interactionID: InteractionID("i-\(n)"), sipCallID: "call-\(n)@sipp", caller: caller, dialled: "10000",
            arrivedAt: t(0), queuedAt: queues.isEmpty ? nil : t(500), firstOfferedAt: parts.first?.offeredAt,
            answeredAt: parts.first(where: { $0.answeredAt != nil })?.answeredAt,
            endedAt: outcome == nil ? nil : t(10_000), queue: queues.last, queues: queues,
            waitMs: queues.isEmpty ? nil : 500, segments: parts, outcome: outcome)
    }

    /// Seven calls from two customers (one call without a customer), two ties in arrival,
    /// overflows (billing → cards, cards → cards-vip), an unfinished call.
    ///
    /// Newest first: i-7 (4 s), i-6, i-5 (3 s), i-4 (2 s), i-3, i-2 (1 s), i-1 (0 s).
    static func searchRecords() -> [CallRecord] {
        [
            searchRecord(1, arrived: 0, caller: callerA, queues: ["cards"], segments: [("u-1", "cards", .answered)],
                         outcome: .answered),
            searchRecord(2, arrived: 1_000, caller: callerB, queues: ["billing", "cards"],
                         segments: [("u-2", "billing", .noAnswer), ("u-3", "cards", .answered)], outcome: .answered),
            // Waited in billing, left before any offer: only `queues` knows.
            searchRecord(3, arrived: 1_000, caller: callerA, queues: ["billing"], outcome: .abandonedInQueue),
            searchRecord(4, arrived: 2_000, caller: "anonymous", queues: [oddQueue], outcome: .voicemail),
            searchRecord(5, arrived: 3_000, caller: callerA, queues: ["cards", "cards-vip"],
                         segments: [("u-1", "cards", .transferred), ("u-2", "cards-vip", .answered)], outcome: .answered),
            searchRecord(6, arrived: 3_000, caller: callerB, queues: ["cards"], segments: [("u-1", "cards", .ringing)],
                         outcome: nil),
            // Caller A's number, but identified as customer 2.
            searchRecord(7, arrived: 4_000, caller: callerA, queues: ["billing"],
                         segments: [("u-3", "billing", .noAnswer)], outcome: .abandonedInQueue),
        ]
    }

    /// The customer each search record's interaction was identified as.
    static let searchCustomers: [Int: CustomerID] = [1: "c-1", 2: "c-2", 3: "c-1", 5: "c-1", 7: "c-2"]

    /// Stores the search records (and their interactions and customers).
    static func storeSearchRecords(_ store: any HotlineStore) async throws {
        for n in 1...2 { try await store.createCustomer(Fixtures.customer(n)) }
        for record in searchRecords() {
            let n = Int(record.interactionID.rawValue.dropFirst(2))!
            var interaction = call(n)
            interaction.customerID = searchCustomers[n]
            try await store.createInteraction(interaction)
            try await store.saveCallRecord(record)
        }
    }

    func callRecordSearchFilters() async throws {
        try await withStore { store in
            try await Self.storeSearchRecords(store)
            let records = Dictionary(uniqueKeysWithValues: Self.searchRecords().map { ($0.interactionID, $0) })
            func search(_ query: CallRecordQuery, limit: Int = 50, after: InteractionID? = nil) async throws -> [String] {
                try await store.callRecords(matching: query, limit: limit, after: after).map(\.interactionID.rawValue)
            }

            // No filter: every record, newest first, ties by id descending, whole.
            let all = try await store.callRecords(matching: CallRecordQuery(), limit: 50, after: nil)
            XCTAssertEqual(all, [7, 6, 5, 4, 3, 2, 1].map { records[InteractionID("i-\($0)")]! })

            // [from, to) on arrival.
            var ids = try await search(CallRecordQuery(from: Self.at(1_000), to: Self.at(3_000)))
            XCTAssertEqual(ids, ["i-4", "i-3", "i-2"])
            ids = try await search(CallRecordQuery(from: Self.at(3_000)))
            XCTAssertEqual(ids, ["i-7", "i-6", "i-5"])
            ids = try await search(CallRecordQuery(to: Self.at(1_000)))
            XCTAssertEqual(ids, ["i-1"])
            ids = try await search(CallRecordQuery(from: Self.at(5_000)))
            XCTAssertEqual(ids, [])

            // Agent: any offer, answered, unanswered, transferred or still ringing.
            ids = try await search(CallRecordQuery(agent: "u-1"))
            XCTAssertEqual(ids, ["i-6", "i-5", "i-1"])
            ids = try await search(CallRecordQuery(agent: "u-2"))
            XCTAssertEqual(ids, ["i-5", "i-2"])
            ids = try await search(CallRecordQuery(agent: "u-3"))
            XCTAssertEqual(ids, ["i-7", "i-2"])
            ids = try await search(CallRecordQuery(agent: "u-9"))
            XCTAssertEqual(ids, [])

            // Queue: any queue the call waited in, not only the last; exact names.
            ids = try await search(CallRecordQuery(queue: "cards"))
            XCTAssertEqual(ids, ["i-6", "i-5", "i-2", "i-1"])
            ids = try await search(CallRecordQuery(queue: "billing"))
            XCTAssertEqual(ids, ["i-7", "i-3", "i-2"])
            ids = try await search(CallRecordQuery(queue: "cards-vip"))
            XCTAssertEqual(ids, ["i-5"])
            ids = try await search(CallRecordQuery(queue: Self.oddQueue))
            XCTAssertEqual(ids, ["i-4"])
            ids = try await search(CallRecordQuery(queue: "card"))
            XCTAssertEqual(ids, [])
            ids = try await search(CallRecordQuery(queue: "\"cards\""))
            XCTAssertEqual(ids, [])

            // Outcome; an unfinished call has none and matches no outcome.
            ids = try await search(CallRecordQuery(outcome: .answered))
            XCTAssertEqual(ids, ["i-5", "i-2", "i-1"])
            ids = try await search(CallRecordQuery(outcome: .abandonedInQueue))
            XCTAssertEqual(ids, ["i-7", "i-3"])
            ids = try await search(CallRecordQuery(outcome: .interrupted))
            XCTAssertEqual(ids, [])

            // Caller: the digits exactly as stored.
            ids = try await search(CallRecordQuery(caller: Self.callerA))
            XCTAssertEqual(ids, ["i-7", "i-5", "i-3", "i-1"])
            ids = try await search(CallRecordQuery(caller: "anonymous"))
            XCTAssertEqual(ids, ["i-4"])
            ids = try await search(CallRecordQuery(caller: "8613800138000"))
            XCTAssertEqual(ids, [])

            // Customer: the interaction's customer, not the caller's number.
            ids = try await search(CallRecordQuery(customer: "c-1"))
            XCTAssertEqual(ids, ["i-5", "i-3", "i-1"])
            ids = try await search(CallRecordQuery(customer: "c-2"))
            XCTAssertEqual(ids, ["i-7", "i-2"])
            ids = try await search(CallRecordQuery(customer: "c-9"))
            XCTAssertEqual(ids, [])

            // Combinations: every filter given must match.
            ids = try await search(CallRecordQuery(agent: "u-1", queue: "cards"))
            XCTAssertEqual(ids, ["i-6", "i-5", "i-1"])
            ids = try await search(CallRecordQuery(agent: "u-1", outcome: .answered))
            XCTAssertEqual(ids, ["i-5", "i-1"])
            ids = try await search(CallRecordQuery(agent: "u-3", queue: "cards-vip"))
            XCTAssertEqual(ids, [])
            ids = try await search(CallRecordQuery(from: Self.at(2_000), agent: "u-3"))
            XCTAssertEqual(ids, ["i-7"])
            ids = try await search(CallRecordQuery(to: Self.at(3_000), queue: "cards", outcome: .answered))
            XCTAssertEqual(ids, ["i-2", "i-1"])
            ids = try await search(CallRecordQuery(queue: "billing", caller: Self.callerA, customer: "c-1"))
            XCTAssertEqual(ids, ["i-3"])
            ids = try await search(CallRecordQuery(caller: Self.callerA, customer: "c-2"))
            XCTAssertEqual(ids, ["i-7"])
            let every = try await store.callRecords(
                matching: CallRecordQuery(from: Self.at(3_000), to: Self.at(3_001), agent: "u-2", queue: "cards",
                                          outcome: .answered, caller: Self.callerA, customer: "c-1"),
                limit: 50, after: nil)
            XCTAssertEqual(every, [records["i-5"]!])

            // A customer deleted: their interactions forget them, so the search does too.
            try await store.deleteCustomer(id: "c-2")
            ids = try await search(CallRecordQuery(customer: "c-2"))
            XCTAssertEqual(ids, [])
            ids = try await search(CallRecordQuery(customer: "c-1"))
            XCTAssertEqual(ids, ["i-5", "i-3", "i-1"])
        }
    }

    func callRecordSearchPaging() async throws {
        try await withStore { store in
            try await Self.storeSearchRecords(store)
            let records = Dictionary(uniqueKeysWithValues: Self.searchRecords().map { ($0.interactionID, $0) })
            func search(_ query: CallRecordQuery, limit: Int, after: InteractionID?) async throws -> [String] {
                try await store.callRecords(matching: query, limit: limit, after: after).map(\.interactionID.rawValue)
            }

            // Pages of two: the first boundary splits the tie at 3 s (i-6 | i-5), the id
            // keeps the order across it.
            let first = try await store.callRecords(matching: CallRecordQuery(), limit: 2, after: nil)
            XCTAssertEqual(first, [records["i-7"]!, records["i-6"]!])
            var ids = try await search(CallRecordQuery(), limit: 2, after: "i-6")
            XCTAssertEqual(ids, ["i-5", "i-4"])
            ids = try await search(CallRecordQuery(), limit: 2, after: "i-4")
            XCTAssertEqual(ids, ["i-3", "i-2"])
            ids = try await search(CallRecordQuery(), limit: 2, after: "i-2")
            XCTAssertEqual(ids, ["i-1"])
            ids = try await search(CallRecordQuery(), limit: 2, after: "i-1")
            XCTAssertEqual(ids, [])
            // Pages of one through the tie at 1 s.
            ids = try await search(CallRecordQuery(), limit: 1, after: "i-4")
            XCTAssertEqual(ids, ["i-3"])
            ids = try await search(CallRecordQuery(), limit: 1, after: "i-3")
            XCTAssertEqual(ids, ["i-2"])

            // Filtered pages; `after` need not match the filter, only exist.
            ids = try await search(CallRecordQuery(queue: "cards"), limit: 1, after: "i-6")
            XCTAssertEqual(ids, ["i-5"])
            ids = try await search(CallRecordQuery(queue: "cards"), limit: 2, after: "i-5")
            XCTAssertEqual(ids, ["i-2", "i-1"])
            ids = try await search(CallRecordQuery(caller: Self.callerA), limit: 50, after: "i-6")
            XCTAssertEqual(ids, ["i-5", "i-3", "i-1"])
            ids = try await search(CallRecordQuery(from: Self.at(1_000), agent: "u-2"), limit: 50, after: "i-3")
            XCTAssertEqual(ids, ["i-2"])

            // A record saved while paging (arriving later) neither repeats nor shifts the
            // pages after the cursor.
            try await store.createInteraction(Self.call(8))
            try await store.saveCallRecord(Self.searchRecord(8, arrived: 5_000, caller: Self.callerB, queues: ["cards"],
                                                             outcome: .abandonedInQueue))
            ids = try await search(CallRecordQuery(), limit: 2, after: "i-6")
            XCTAssertEqual(ids, ["i-5", "i-4"])
            ids = try await search(CallRecordQuery(queue: "cards"), limit: 2, after: nil)
            XCTAssertEqual(ids, ["i-8", "i-6"])

            await assertStorageError(.invalid, field: .paging) {
                try await store.callRecords(matching: CallRecordQuery(), limit: 2, after: "i-9")
            }
            await assertStorageError(.invalid, field: .paging) {
                try await store.callRecords(matching: CallRecordQuery(queue: "cards"), limit: 2, after: "")
            }
            for limit in [0, -5, PageRequest.maximumLimit + 1] {
                await assertStorageError(.invalid, field: .limit) {
                    try await store.callRecords(matching: CallRecordQuery(), limit: limit, after: nil)
                }
            }
            let most = try await search(CallRecordQuery(), limit: PageRequest.maximumLimit, after: nil)
            XCTAssertEqual(most, ["i-8", "i-7", "i-6", "i-5", "i-4", "i-3", "i-2", "i-1"])
        }
    }
}
