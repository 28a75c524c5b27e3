import HotlineModel
import Storage
import XCTest

/// Interaction and recording checks; see `HotlineStoreConformance`.
extension HotlineStoreConformance {
    static func call(_ n: Int, startedAt: Int64 = 1_700_000_000_000) -> Interaction {
        Interaction(id: InteractionID("i-\(n)"), channel: .call, direction: .inbound, from: "+8613800138000",
                    to: "10000", state: .initiated, startedAt: Timestamp(millisecondsSinceEpoch: startedAt + Int64(n)),
                    sipCallID: "call-\(n)@sipp")
    }

    func interactionLifecycle() async throws {
        try await withStore { store in
            let first = try await store.createInteraction(Self.call(1))
            XCTAssertEqual(first, Self.call(1))
            let found = try await store.interaction(id: "i-1")
            XCTAssertEqual(found, Self.call(1))
            let second = try await store.createInteraction(Self.call(2))
            var unfinished = try await store.unfinishedInteractions()
            XCTAssertEqual(unfinished, [first, second])

            var ended = first
            ended.state = .ended
            ended.endedAt = first.startedAt.adding(milliseconds: 65_000)
            ended.endReason = "caller hung up"
            let customer = try await store.createCustomer(Fixtures.customer(1, phones: ["+86 138-0013-8000"]))
            ended.customerID = customer.id
            try await store.updateInteraction(ended)
            let reread = try await store.interaction(id: "i-1")
            XCTAssertEqual(reread, ended)
            unfinished = try await store.unfinishedInteractions()
            XCTAssertEqual(unfinished, [second])

            // Deleting the customer keeps the interaction and forgets who it was.
            try await store.deleteCustomer(id: customer.id)
            let orphan = try await store.interaction(id: "i-1")
            XCTAssertNil(orphan?.customerID)
            XCTAssertEqual(orphan?.endReason, "caller hung up")
        }
    }

    /// The journal's batch: every write lands as its own method would have it, and one
    /// that fails is reported at its index without taking the others with it.
    func journalBatch() async throws {
        try await withStore { store in
            var one = Self.call(1)
            one.state = .ivr
            let step = IVRStepRecord(interactionID: "i-1", position: 0, flow: "telecom", node: "lang", kind: "language",
                                     input: "1", outcome: "language zh-CN", startedAt: one.startedAt, milliseconds: 900)
            let summary = IVRSummary(interactionID: "i-1", flow: "telecom", flowVersion: 1, language: .zhCN,
                                     startedAt: one.startedAt)
            var orphan = step
            orphan.interactionID = "i-9"
            var badStep = step
            badStep.position = -1
            let results = await store.perform([
                .createInteraction(Self.call(1)), .updateInteraction(one), .createInteraction(Self.call(1)),
                .appendIVRSteps([step]), .appendIVRSteps([orphan]), .appendIVRSteps([badStep]),
                .saveIVRSummary(summary), .createInteraction(Self.call(2)), .updateInteraction(Self.call(8)),
            ])
            XCTAssertEqual(results.count, 9)
            XCTAssertEqual(results.map { $0 == nil }, [true, true, false, true, false, false, true, true, false])
            XCTAssertEqual((results[2] as? StorageError)?.code, .conflict, "\(String(describing: results[2]))")
            XCTAssertEqual((results[4] as? StorageError)?.code, .notFound, "\(String(describing: results[4]))")
            XCTAssertEqual((results[5] as? StorageError)?.code, .invalid, "\(String(describing: results[5]))")
            XCTAssertEqual((results[8] as? StorageError)?.code, .notFound, "\(String(describing: results[8]))")
            let stored = try await store.interaction(id: "i-1")
            XCTAssertEqual(stored, one)
            let second = try await store.interaction(id: "i-2")
            XCTAssertEqual(second, Self.call(2))
            let steps = try await store.ivrSteps(of: "i-1")
            XCTAssertEqual(steps, [step])
            let savedSummary = try await store.ivrSummary(of: "i-1")
            XCTAssertEqual(savedSummary, summary)
            let none = await store.perform([])
            XCTAssertTrue(none.isEmpty)

            // A write of several rows that fails on its second leaves none of them, and the
            // write after it still lands.
            var later = step
            later.position = 1
            let clash = step   // position 0 is taken
            let partial = await store.perform([.appendIVRSteps([later, clash]), .createInteraction(Self.call(3))])
            XCTAssertEqual((partial[0] as? StorageError)?.code, .conflict, "\(String(describing: partial[0]))")
            XCTAssertNil(partial[1])
            let stepsAfter = try await store.ivrSteps(of: "i-1")
            XCTAssertEqual(stepsAfter, [step])
            let third = try await store.interaction(id: "i-3")
            XCTAssertEqual(third, Self.call(3))
        }
    }

    func interactionErrors() async throws {
        try await withStore { store in
            try await store.createInteraction(Self.call(1))
            await assertStorageError(.conflict, field: .id) { try await store.createInteraction(Self.call(1)) }
            await assertStorageError(.notFound) { try await store.updateInteraction(Self.call(9)) }
            // The schema keeps state and end time together.
            var endedWithoutTime = Self.call(1)
            endedWithoutTime.state = .ended
            await assertStorageError(.invalid) { try await store.updateInteraction(endedWithoutTime) }
            var endedBeforeStart = Self.call(1)
            endedBeforeStart.state = .ended
            endedBeforeStart.endedAt = endedBeforeStart.startedAt.adding(milliseconds: -1)
            await assertStorageError(.invalid) { try await store.updateInteraction(endedBeforeStart) }
            let missing = try await store.interaction(id: "i-9")
            XCTAssertNil(missing)
        }
    }

    func recordingLifecycle() async throws {
        try await withStore { store in
            try await store.createInteraction(Self.call(1))
            let start = Timestamp(millisecondsSinceEpoch: 1_700_000_000_500)
            var recording = CallRecording(id: "r-1", interactionID: "i-1", path: "/data/recordings/2026-11-25/a.wav",
                                          layout: .stereo, startedAt: start)
            try await store.createRecording(recording)
            var listed = try await store.recordings(of: "i-1")
            XCTAssertEqual(listed, [recording])
            var inProgress = try await store.recordings(status: .recording)
            XCTAssertEqual(inProgress, [recording])

            recording.status = .complete
            recording.durationMilliseconds = 61_000
            recording.bytes = 1_952_044
            recording.pauses = [CallRecording.Pause(startMilliseconds: 12_000, endMilliseconds: 19_500),
                                CallRecording.Pause(startMilliseconds: 40_000, endMilliseconds: 41_000)]
            try await store.updateRecording(recording)
            listed = try await store.recordings(of: "i-1")
            XCTAssertEqual(listed, [recording])
            inProgress = try await store.recordings(status: .recording)
            XCTAssertEqual(inProgress, [])

            let mono = CallRecording(id: "r-2", interactionID: "i-1", path: "/data/recordings/2026-11-25/b.wav",
                                     layout: .mono, status: .incomplete, startedAt: start.adding(milliseconds: 1),
                                     durationMilliseconds: 3_000, bytes: 48_044, error: "No space left on device")
            try await store.createRecording(mono)
            listed = try await store.recordings(of: "i-1")
            XCTAssertEqual(listed, [recording, mono])
            let incomplete = try await store.recordings(status: .incomplete)
            XCTAssertEqual(incomplete, [mono])
        }
    }

    func recordingErrors() async throws {
        try await withStore { store in
            try await store.createInteraction(Self.call(1))
            let recording = CallRecording(id: "r-1", interactionID: "i-1", path: "/r/a.wav", layout: .mono,
                                          startedAt: Timestamp(millisecondsSinceEpoch: 1))
            try await store.createRecording(recording)
            var samePath = recording
            samePath.id = "r-2"
            await assertStorageError(.conflict, field: .path) { try await store.createRecording(samePath) }
            var sameID = recording
            sameID.path = "/r/b.wav"
            await assertStorageError(.conflict, field: .id) { try await store.createRecording(sameID) }
            var noInteraction = recording
            noInteraction.id = "r-3"
            noInteraction.path = "/r/c.wav"
            noInteraction.interactionID = "i-9"
            await assertStorageError(.notFound) { try await store.createRecording(noInteraction) }
            var unknown = recording
            unknown.id = "r-9"
            await assertStorageError(.notFound) { try await store.updateRecording(unknown) }
            var negative = recording
            negative.durationMilliseconds = -1
            await assertStorageError(.invalid) { try await store.updateRecording(negative) }
        }
    }
}
