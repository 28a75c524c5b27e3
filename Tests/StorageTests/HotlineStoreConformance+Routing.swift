import HotlineModel
import Storage
import XCTest

/// Agent state changes and call records; see `HotlineStoreConformance`.
extension HotlineStoreConformance {
    static let routingT0: Int64 = 1_700_000_000_000

    static func at(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: routingT0 + ms) }

    static func change(
        _ agent: AgentID, _ sequence: Int64, _ from: AgentStateName, _ to: AgentStateName,
        reason: NotReadyReason? = nil, call: InteractionID? = nil, at ms: Int64, cause: String = "agent"
    ) -> AgentStateChange {
        AgentStateChange(agentID: agent, sequence: sequence, from: from, to: to, reason: reason, interactionID: call,
                         at: at(ms), cause: cause)
    }

    /// A record with every field set: a no-answer, a transfer by the second agent to a
    /// second queue, the third agent answering; text with commas, quotes and Chinese.
    static func fullRecord(_ n: Int, arrived: Int64 = 0) -> CallRecord {
        let t = { (ms: Int64) in at(arrived + ms) }
        return CallRecord(
            interactionID: InteractionID("i-\(n)"), sipCallID: "call-\(n)@sipp", caller: "+8613800138000",
            dialled: "10000", arrivedAt: t(0), ivrEndedAt: t(20_000), queuedAt: t(20_000), firstOfferedAt: t(35_000),
            answeredAt: t(62_000), endedAt: t(400_000), ivrPath: ["语言", "main-menu", "cards"], ivrOutcome: "transfer",
            queue: "cards-vip", queues: ["cards", "cards-vip"], waitMs: 42_000,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: t(35_000), endedAt: t(50_000),
                            result: .noAnswer),
                CallSegment(position: 1, agentID: "u-2", queue: "cards", offeredAt: t(50_500), answeredAt: t(62_000),
                            endedAt: t(200_000), result: .transferred, talkMs: 120_000, holdMs: 18_000,
                            wrapUpMs: 30_000, disposition: "escalated", notes: "客户要求挂失, \"urgent\""),
                CallSegment(position: 2, agentID: "u-3", queue: "cards-vip", offeredAt: t(201_000),
                            answeredAt: t(205_000), endedAt: t(400_000), result: .answered, talkMs: 190_000,
                            holdMs: 5_000, wrapUpMs: 45_000, disposition: "resolved"),
            ],
            transfers: [
                CallTransfer(at: t(120_000), kind: .attended, byAgent: "u-2", target: .agent("u-9"), completed: false),
                CallTransfer(at: t(200_000), kind: .blind, byAgent: "u-2", target: .queue("cards-vip"), completed: true,
                             note: "已核实身份, card 6222 lost"),
                CallTransfer(at: t(300_000), kind: .blind, byAgent: nil, target: .number("+861088888888"),
                             completed: false),
            ],
            disposition: "resolved", recordingPath: "/data/recordings/2026-11-25/i-\(n).wav", outcome: .answered,
            endReason: "caller hung up")
    }

    /// A record just started: every optional nil, every list empty.
    static func bareRecord(_ n: Int, arrived: Int64 = 0) -> CallRecord {
        CallRecord(interactionID: InteractionID("i-\(n)"), caller: "anonymous", dialled: "10000", arrivedAt: at(arrived))
    }

    func agentStateHistory() async throws {
        try await withStore { store in
            for n in 1...3 { try await store.createUser(Fixtures.user(n)) }
            let none = try await store.latestAgentStates()
            XCTAssertEqual(none, [])
            try await store.appendAgentStateChanges([])

            let one: [AgentStateChange] = [
                Self.change("u-1", 0, .loggedOut, .notReady, reason: .login, at: 0),
                Self.change("u-1", 1, .notReady, .available, at: 5_000),
                Self.change("u-1", 2, .available, .reserved, call: "i-1", at: 60_000, cause: "offer"),
                Self.change("u-1", 3, .reserved, .notReady, reason: .missedCall, at: 75_000, cause: "ring no answer"),
            ]
            try await store.appendAgentStateChanges(one)
            // A second batch continues the history; a custom reason and a Chinese cause round-trip.
            let more: [AgentStateChange] = [
                Self.change("u-1", 4, .notReady, .notReady, reason: "team-huddle", at: 80_000, cause: "班长要求"),
                Self.change("u-1", 7, .notReady, .loggedOut, at: 90_000, cause: String(repeating: "x", count: 200)),
                Self.change("u-2", 0, .loggedOut, .available, at: 1_000),
                Self.change("u-2", 1, .available, .onCall, call: "i-2", at: 2_000),
                Self.change("u-2", 2, .onCall, .wrapUp, call: "i-2", at: 70_000, cause: "caller hung up"),
            ]
            try await store.appendAgentStateChanges(more)

            let history = try await store.agentStateChanges(of: "u-1", from: nil, to: nil, limit: 100)
            XCTAssertEqual(history, one + more.prefix(2))
            let firstTwo = try await store.agentStateChanges(of: "u-1", from: nil, to: nil, limit: 2)
            XCTAssertEqual(firstTwo, Array(one.prefix(2)))
            // [from, to): the change at exactly `to` is left out, the one at `from` kept.
            let window = try await store.agentStateChanges(of: "u-1", from: Self.at(5_000), to: Self.at(80_000), limit: 100)
            XCTAssertEqual(window, Array(one[1...3]))
            let since = try await store.agentStateChanges(of: "u-1", from: Self.at(75_001), to: nil, limit: 100)
            XCTAssertEqual(since, Array(more.prefix(2)))
            let before = try await store.agentStateChanges(of: "u-1", from: nil, to: Self.at(5_000), limit: 100)
            XCTAssertEqual(before, [one[0]])
            let nobody = try await store.agentStateChanges(of: "u-3", from: nil, to: nil, limit: 100)
            XCTAssertEqual(nobody, [])

            let latest = try await store.latestAgentStates()
            XCTAssertEqual(latest, [more[1], more[4]])

            // The history goes with the user.
            try await store.deleteUser(id: "u-2")
            let afterDelete = try await store.latestAgentStates()
            XCTAssertEqual(afterDelete, [more[1]])
            let gone = try await store.agentStateChanges(of: "u-2", from: nil, to: nil, limit: 100)
            XCTAssertEqual(gone, [])
        }
    }

    func agentStateErrors() async throws {
        try await withStore { store in
            try await store.createUser(Fixtures.user(1))
            let first = Self.change("u-1", 0, .loggedOut, .notReady, reason: .login, at: 0)
            try await store.appendAgentStateChanges([first])

            await assertStorageError(.conflict, field: .sequence) {
                try await store.appendAgentStateChanges([Self.change("u-1", 0, .notReady, .available, at: 1)])
            }
            // All or none: the duplicate inside the batch takes the good change with it.
            let good = Self.change("u-1", 1, .notReady, .available, at: 1)
            await assertStorageError(.conflict, field: .sequence) {
                try await store.appendAgentStateChanges([good, good])
            }
            await assertStorageError(.notFound, field: .agentID) {
                try await store.appendAgentStateChanges([good, Self.change("u-9", 0, .loggedOut, .available, at: 1)])
            }
            var history = try await store.agentStateChanges(of: "u-1", from: nil, to: nil, limit: 10)
            XCTAssertEqual(history, [first])

            let invalid: [(StorageError.Field, AgentStateChange)] = [
                (.reason, Self.change("u-1", 1, .available, .notReady, at: 1)),
                (.reason, Self.change("u-1", 1, .available, .notReady, reason: "Lunch", at: 1)),
                (.reason, Self.change("u-1", 1, .available, .notReady, reason: "", at: 1)),
                (.reason, Self.change("u-1", 1, .available, .notReady, reason: "coffee break", at: 1)),
                (.reason, Self.change("u-1", 1, .available, .notReady, reason: NotReadyReason(String(repeating: "a", count: 33)), at: 1)),
                (.reason, Self.change("u-1", 1, .notReady, .available, reason: .break, at: 1)),
                (.interactionID, Self.change("u-1", 1, .available, .reserved, at: 1)),
                (.interactionID, Self.change("u-1", 1, .reserved, .onCall, call: "", at: 1)),
                (.interactionID, Self.change("u-1", 1, .wrapUp, .available, call: "i-1", at: 1)),
                (.cause, Self.change("u-1", 1, .notReady, .available, at: 1, cause: " ")),
                (.cause, Self.change("u-1", 1, .notReady, .available, at: 1, cause: String(repeating: "x", count: 201))),
                (.sequence, Self.change("u-1", -1, .notReady, .available, at: 1)),
                (.agentID, Self.change("u 1", 1, .notReady, .available, at: 1)),
            ]
            for (field, change) in invalid {
                await assertStorageError(.invalid, field: field) { try await store.appendAgentStateChanges([good, change]) }
            }
            history = try await store.agentStateChanges(of: "u-1", from: nil, to: nil, limit: 10)
            XCTAssertEqual(history, [first])
            // The longest reason passes.
            let longest = Self.change("u-1", 1, .notReady, .notReady, reason: NotReadyReason(String(repeating: "a", count: 32)), at: 1)
            try await store.appendAgentStateChanges([longest])
            history = try await store.agentStateChanges(of: "u-1", from: nil, to: nil, limit: 10)
            XCTAssertEqual(history, [first, longest])

            await assertStorageError(.invalid, field: .paging) {
                try await store.agentStateChanges(of: "u-1", from: nil, to: nil, limit: 0)
            }
            await assertStorageError(.invalid, field: .paging) {
                try await store.agentStateChanges(of: "u-1", from: nil, to: nil, limit: PageRequest.maximumLimit + 1)
            }
        }
    }

    func callRecordRoundTrip() async throws {
        try await withStore { store in
            for n in 1...2 { try await store.createInteraction(Self.call(n)) }
            let full = Self.fullRecord(1)
            XCTAssertEqual(full.agents, ["u-2", "u-3"])
            XCTAssertEqual(full.talkMs, 310_000)
            XCTAssertEqual(full.holdMs, 23_000)
            XCTAssertEqual(full.wrapUpMs, 75_000)
            try await store.saveCallRecord(full)
            let reread = try await store.callRecord(of: "i-1")
            XCTAssertEqual(reread, full)

            let bare = Self.bareRecord(2, arrived: 1)
            try await store.saveCallRecord(bare)
            let bareReread = try await store.callRecord(of: "i-2")
            XCTAssertEqual(bareReread, bare)
            let missing = try await store.callRecord(of: "i-3")
            XCTAssertNil(missing)

            let listed = try await store.callRecords(from: nil, to: nil, queue: nil, limit: 10, after: nil)
            XCTAssertEqual(listed, [full, bare])
            let unfinished = try await store.unfinishedCallRecords()
            XCTAssertEqual(unfinished, [bare])
        }
    }

    /// Saving again replaces the whole record: fewer segments and transfers leave none of
    /// the old ones behind.
    func callRecordReplace() async throws {
        try await withStore { store in
            try await store.createInteraction(Self.call(1))
            var record = Self.fullRecord(1)
            record.endedAt = nil
            record.outcome = nil
            record.segments[2].endedAt = nil
            try await store.saveCallRecord(record)
            var unfinished = try await store.unfinishedCallRecords()
            XCTAssertEqual(unfinished, [record])

            var shorter = Self.fullRecord(1)
            shorter.segments = [CallSegment(position: 0, agentID: "u-7", queue: "cards", offeredAt: Self.at(35_000),
                                            answeredAt: Self.at(40_000), endedAt: Self.at(400_000), result: .answered,
                                            talkMs: 360_000)]
            shorter.transfers = []
            shorter.queues = ["cards"]
            shorter.queue = "cards"
            shorter.answeredAt = Self.at(40_000)
            shorter.endReason = "agent hung up"
            try await store.saveCallRecord(shorter)
            let reread = try await store.callRecord(of: "i-1")
            XCTAssertEqual(reread, shorter)
            unfinished = try await store.unfinishedCallRecords()
            XCTAssertEqual(unfinished, [])

            // And back to more than before.
            let full = Self.fullRecord(1)
            try await store.saveCallRecord(full)
            let again = try await store.callRecord(of: "i-1")
            XCTAssertEqual(again, full)
        }
    }

    func callRecordErrors() async throws {
        try await withStore { store in
            try await store.createInteraction(Self.call(1))
            await assertStorageError(.notFound, field: .interactionID) { try await store.saveCallRecord(Self.fullRecord(9)) }

            let base = Self.fullRecord(1)
            func with(_ change: (inout CallRecord) -> Void) -> CallRecord {
                var record = base
                change(&record)
                return record
            }
            let invalid: [(StorageError.Field, CallRecord)] = [
                (.interactionID, with { $0.interactionID = "" }),
                (.time, with { $0.queuedAt = Self.at(-1) }),
                (.time, with { $0.ivrEndedAt = Self.at(400_001) }),
                (.time, with { $0.answeredAt = Self.at(34_999) }),
                (.time, with { $0.firstOfferedAt = nil }),
                (.duration, with { $0.waitMs = -1 }),
                (.duration, with { $0.segments[1].talkMs = -1 }),
                (.duration, with { $0.segments[2].holdMs = -1 }),
                (.duration, with { $0.segments[2].wrapUpMs = -1 }),
                (.segments, with { $0.segments.remove(at: 0) }),
                (.segments, with { $0.segments[0].answeredAt = Self.at(36_000) }),
                (.segments, with { $0.segments[2].answeredAt = nil }),
                (.segments, with { $0.segments[2].answeredAt = Self.at(200_000) }),
                (.segments, with { $0.segments[2].endedAt = Self.at(204_000) }),
                (.segments, with { $0.segments[0].result = .ringing }),
                (.segments, with { $0.segments[0].offeredAt = Self.at(-1) }),
                (.agentID, with { $0.segments[0].agentID = "u 1" }),
                (.queue, with { $0.segments[0].queue = " " }),
                (.queue, with { $0.queue = "cards" }),
                (.queue, with { $0.queue = nil }),
                (.queue, with { $0.queues = ["cards", ""]; $0.queue = "" }),
                (.outcome, with { $0.outcome = nil }),
                (.outcome, with { $0.endedAt = nil }),
                (.transfers, with { $0.transfers[0].at = Self.at(-1) }),
                (.transfers, with { $0.transfers[1].target = .queue("") }),
                (.transfers, with { $0.transfers[2].target = .number(" ") }),
                (.transfers, with { $0.transfers[0].target = .agent("") }),
                (.path, with { $0.recordingPath = "" }),
                (StorageError.Field(rawValue: "ivrPath"), with { $0.ivrPath = ["main", ""] }),
            ]
            for (field, record) in invalid {
                await assertStorageError(.invalid, field: field) { try await store.saveCallRecord(record) }
            }
            let stored = try await store.callRecord(of: "i-1")
            XCTAssertNil(stored)
        }
    }

    func callRecordPaging() async throws {
        try await withStore { store in
            // i-1 and i-2 arrive in the same millisecond: the id breaks the tie.
            let arrivals: [(Int, Int64, String?)] = [(3, 0, "cards"), (2, 1_000, "billing"), (1, 1_000, "cards"),
                                                    (4, 2_000, nil), (5, 3_000, "cards")]
            var records: [Int: CallRecord] = [:]
            for (n, arrived, queue) in arrivals {
                try await store.createInteraction(Self.call(n))
                var record = Self.bareRecord(n, arrived: arrived)
                record.queue = queue
                record.queues = queue.map { [$0] } ?? []
                try await store.saveCallRecord(record)
                records[n] = record
            }
            func ids(_ list: [CallRecord]) -> [String] { list.map(\.interactionID.rawValue) }

            let all = try await store.callRecords(from: nil, to: nil, queue: nil, limit: 10, after: nil)
            XCTAssertEqual(all, [3, 1, 2, 4, 5].compactMap { records[$0] })
            let page1 = try await store.callRecords(from: nil, to: nil, queue: nil, limit: 2, after: nil)
            XCTAssertEqual(ids(page1), ["i-3", "i-1"])
            let page2 = try await store.callRecords(from: nil, to: nil, queue: nil, limit: 2, after: "i-1")
            XCTAssertEqual(ids(page2), ["i-2", "i-4"])
            let page3 = try await store.callRecords(from: nil, to: nil, queue: nil, limit: 2, after: "i-4")
            XCTAssertEqual(ids(page3), ["i-5"])
            let end = try await store.callRecords(from: nil, to: nil, queue: nil, limit: 2, after: "i-5")
            XCTAssertEqual(end, [])

            let window = try await store.callRecords(from: Self.at(1_000), to: Self.at(3_000), queue: nil, limit: 10, after: nil)
            XCTAssertEqual(ids(window), ["i-1", "i-2", "i-4"])
            let cards = try await store.callRecords(from: nil, to: nil, queue: "cards", limit: 10, after: nil)
            XCTAssertEqual(ids(cards), ["i-3", "i-1", "i-5"])
            let cardsPage = try await store.callRecords(from: Self.at(500), to: nil, queue: "cards", limit: 1, after: "i-1")
            XCTAssertEqual(ids(cardsPage), ["i-5"])

            await assertStorageError(.invalid, field: .paging) {
                try await store.callRecords(from: nil, to: nil, queue: nil, limit: 2, after: "i-9")
            }
            await assertStorageError(.invalid, field: .paging) {
                try await store.callRecords(from: nil, to: nil, queue: nil, limit: 0, after: nil)
            }
        }
    }

    /// The two routing writes in the journal's batch: each lands as its own method would
    /// have it, and one that fails is reported alone.
    func routingJournalBatch() async throws {
        try await withStore { store in
            try await store.createUser(Fixtures.user(1))
            try await store.createInteraction(Self.call(1))
            let login = Self.change("u-1", 0, .loggedOut, .notReady, reason: .login, at: 0)
            let ready = Self.change("u-1", 1, .notReady, .available, at: 1_000)
            var started = Self.bareRecord(1)
            started.queuedAt = Self.at(500)
            started.queue = "cards"
            started.queues = ["cards"]
            let finished = Self.fullRecord(1)
            var badRecord = Self.fullRecord(1)
            badRecord.waitMs = -5
            let results = await store.perform([
                .appendAgentStateChanges([login]),
                .saveCallRecord(started),
                .appendAgentStateChanges([ready, login]),       // login's sequence is taken: neither lands
                .saveCallRecord(Self.fullRecord(9)),             // no interaction i-9
                .appendAgentStateChanges([Self.change("u-9", 0, .loggedOut, .available, at: 0)]),
                .saveCallRecord(badRecord),
                .appendAgentStateChanges([Self.change("u-1", 1, .available, .reserved, at: 0)]),  // no interaction id
                .saveCallRecord(finished),
                .appendAgentStateChanges([ready]),
            ])
            XCTAssertEqual(results.map { $0 == nil }, [true, true, false, false, false, false, false, true, true])
            let errors = results.map { $0 as? StorageError }
            XCTAssertEqual(errors[2]?.code, .conflict, "\(String(describing: results[2]))")
            XCTAssertEqual(errors[2]?.field, .sequence)
            XCTAssertEqual(errors[3]?.code, .notFound, "\(String(describing: results[3]))")
            XCTAssertEqual(errors[3]?.field, .interactionID)
            XCTAssertEqual(errors[4]?.code, .notFound, "\(String(describing: results[4]))")
            XCTAssertEqual(errors[4]?.field, .agentID)
            XCTAssertEqual(errors[5]?.code, .invalid, "\(String(describing: results[5]))")
            XCTAssertEqual(errors[5]?.field, .duration)
            XCTAssertEqual(errors[6]?.code, .invalid, "\(String(describing: results[6]))")
            XCTAssertEqual(errors[6]?.field, .interactionID)

            let history = try await store.agentStateChanges(of: "u-1", from: nil, to: nil, limit: 10)
            XCTAssertEqual(history, [login, ready])
            let record = try await store.callRecord(of: "i-1")
            XCTAssertEqual(record, finished)
            let missing = try await store.callRecord(of: "i-9")
            XCTAssertNil(missing)

            // A batch where only the routing write fails: the others still land.
            try await store.createInteraction(Self.call(2))
            let alone = await store.perform([
                .saveCallRecord(Self.bareRecord(2)), .appendAgentStateChanges([ready]),
                .createInteraction(Self.call(3)),
            ])
            XCTAssertNil(alone[0])
            XCTAssertEqual((alone[1] as? StorageError)?.code, .conflict, "\(String(describing: alone[1]))")
            XCTAssertNil(alone[2])
            let second = try await store.callRecord(of: "i-2")
            XCTAssertEqual(second, Self.bareRecord(2))
            let third = try await store.interaction(id: "i-3")
            XCTAssertEqual(third, Self.call(3))
        }
    }
}
