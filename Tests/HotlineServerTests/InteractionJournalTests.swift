import HotlineModel
import Logging
import Storage
import StorageSQLite
import XCTest
@testable import HotlineServer

#if canImport(Glibc)
import Glibc
#endif

final class InteractionJournalTests: XCTestCase {
    private let logger = Logger(label: "test")

    /// Entries reach the store in the order written; `run` returns after writing what was
    /// queued before `finish`.
    func testWritesInOrder() async throws {
        let store = try SQLiteStore(.inMemory)
        let journal = InteractionJournal(store: store, logger: logger)
        let running = Task { await journal.run() }
        var call = Interaction(id: "i-1", channel: .call, direction: .inbound, from: "sip:1001@x", to: "10000",
                               startedAt: Timestamp(millisecondsSinceEpoch: 1_000), sipCallID: "c1")
        journal.write(.createInteraction(call))
        call.state = .ivr
        journal.write(.updateInteraction(call))
        var recording = CallRecording(id: "r-1", interactionID: "i-1", path: "/tmp/none.wav", layout: .stereo,
                                      startedAt: Timestamp(millisecondsSinceEpoch: 1_100))
        journal.write(.createRecording(recording))
        recording.status = .complete
        recording.durationMilliseconds = 5_000
        journal.write(.updateRecording(recording))
        call.state = .ended
        call.endedAt = Timestamp(millisecondsSinceEpoch: 6_500)
        call.endReason = "caller hung up"
        journal.write(.updateInteraction(call))
        journal.finish()
        await running.value
        let stored = try await store.interaction(id: "i-1")
        XCTAssertEqual(stored, call)
        let recordings = try await store.recordings(of: "i-1")
        XCTAssertEqual(recordings, [recording])
        try await store.close()
    }

    /// After a crash: a recording still `recording` gets the length its file reached and
    /// `interrupted`; its interaction ends when the recording does; an interaction with
    /// no recording ends at its start; finished ones are left alone.
    func testRecoverMarksWhatAStopLeftOpen() async throws {
        let store = try SQLiteStore(.inMemory)
        let path = NSTemporaryDirectory() + "hotline-recover-\(getpid()).wav"
        defer { unlink(path) }
        // 44-byte header + 3 s of stereo 16-bit 8 kHz = 96,000 bytes.
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(ftruncate(fd, 44 + 96_000), 0)
        close(fd)

        let start = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        let recorded = Interaction(id: "i-1", channel: .call, direction: .inbound, from: "a", to: "10000", state: .ivr,
                                   startedAt: start)
        let silent = Interaction(id: "i-2", channel: .call, direction: .inbound, from: "b", to: "10000", state: .initiated,
                                 startedAt: start.adding(milliseconds: 10))
        var finished = Interaction(id: "i-3", channel: .call, direction: .inbound, from: "c", to: "10000", state: .ended,
                                   startedAt: start, endedAt: start.adding(milliseconds: 500), endReason: "caller hung up")
        try await store.createInteraction(recorded)
        try await store.createInteraction(silent)
        try await store.createInteraction(finished)
        let cut = CallRecording(id: "r-1", interactionID: "i-1", path: path, layout: .stereo,
                                startedAt: start.adding(milliseconds: 200))
        let missing = CallRecording(id: "r-2", interactionID: "i-2", path: path + ".gone", layout: .mono,
                                    startedAt: start.adding(milliseconds: 20))
        try await store.createRecording(cut)
        try await store.createRecording(missing)

        try await InteractionJournal.recover(store: store, now: start.adding(milliseconds: 3_600_000), logger: logger)

        let recordings = try await store.recordings(status: .interrupted)
        XCTAssertEqual(recordings.map(\.id), ["r-2", "r-1"])
        let r1 = recordings.first { $0.id == "r-1" }
        XCTAssertEqual(r1?.bytes, 96_044)
        XCTAssertEqual(r1?.durationMilliseconds, 3_000)
        XCTAssertEqual(r1?.error, "Hotline stopped while recording; the file holds the first 3 s")
        let r2 = recordings.first { $0.id == "r-2" }
        XCTAssertEqual(r2?.bytes, 0)
        XCTAssertEqual(r2?.durationMilliseconds, 0)

        let i1 = try await store.interaction(id: "i-1")
        XCTAssertEqual(i1?.state, .ended)
        XCTAssertEqual(i1?.endedAt, start.adding(milliseconds: 3_200))
        XCTAssertEqual(i1?.endReason, "interrupted")
        let i2 = try await store.interaction(id: "i-2")
        XCTAssertEqual(i2?.endedAt, start.adding(milliseconds: 20))
        let i3 = try await store.interaction(id: "i-3")
        finished.state = .ended
        XCTAssertEqual(i3, finished)
        let open = try await store.unfinishedInteractions()
        XCTAssertEqual(open, [])
        try await store.close()
    }
}
