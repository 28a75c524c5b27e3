import HotlineModel
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// Writes interactions and their recordings to the store as calls progress: in the order
/// they happen, off the SIP loop (the loop never waits for the database), so a crash
/// loses at most what was still queued and leaves every started call and recording in the
/// store for ``recover(store:now:logger:)`` to close at the next start.
///
/// A `Service`: listed first in the group it is shut down last, after the SIP service and
/// the media engine have queued their last rows, and it writes everything queued before
/// it returns.
public final class InteractionJournal: Service, Sendable {
    private let store: any HotlineStore
    private let logger: Logger
    /// Entries written and not yet stored, in order; `wakes` tells `run` there are some.
    private let pending = NIOLockedValueBox<[JournalWrite]>([])
    private let wakes: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init(store: any HotlineStore, logger: Logger) {
        self.store = store
        self.logger = logger
        (wakes, continuation) = AsyncStream.makeStream(of: Void.self)
    }

    func write(_ entry: JournalWrite) {
        pending.withLockedValue { $0.append(entry) }
        continuation.yield()
    }

    /// Stops taking entries; ``run()`` returns once it has written those queued.
    func finish() { continuation.finish() }

    public func run() async {
        await withGracefulShutdownHandler {
            for await _ in wakes { await storePending() }
            await storePending()
        } onGracefulShutdown: {
            self.finish()
        }
    }

    /// Everything queued, in one batch: while one batch is being stored the next one
    /// gathers, so under load a transaction carries many calls' rows.
    private func storePending() async {
        let batch = pending.withLockedValue { entries -> [JournalWrite] in
            defer { entries.removeAll(keepingCapacity: true) }
            return entries
        }
        guard !batch.isEmpty else { return }
        let results = await store.perform(batch)
        for (entry, error) in zip(batch, results) {
            guard let error else { continue }
            // A refused row is a bug (or a record storage's rules reject); only a backend
            // failure is about the disk.
            let advice = (error as? StorageError)?.code == .backend ? "; check the data directory's disk and permissions" : ""
            logger.error("could not store \(entry.kind): \(error)\(advice)", metadata: ["store.entry": "\(entry)"])
        }
    }

    /// At start-up: interactions and recordings a stopped Hotline left open are closed.
    /// A recording gets the length its file reached (the WAV header is rewritten every
    /// second, so that is what a player sees) and status `interrupted`; its interaction
    /// ends when the recording does (or when it started, without one), reason `interrupted`.
    static func recover(store: any InteractionStore, now: Timestamp, logger: Logger) async throws {
        var endOf: [InteractionID: Timestamp] = [:]
        for var recording in try await store.recordings(status: .recording) {
            let bytes = fileSize(recording.path) ?? 0
            let channels: Int64 = recording.layout == .stereo ? 2 : 1
            let header: Int64 = 44
            recording.bytes = bytes
            recording.durationMilliseconds = max(0, bytes - header) / (16 * channels)  // 8000 Hz × 2 bytes
            recording.status = .interrupted
            recording.error = bytes == 0
                ? "Hotline stopped while recording and the file \(recording.path) is missing or empty"
                : "Hotline stopped while recording; the file holds the first \(recording.durationMilliseconds / 1000) s"
            try await store.updateRecording(recording)
            let end = recording.startedAt.adding(milliseconds: recording.durationMilliseconds)
            endOf[recording.interactionID] = max(end, endOf[recording.interactionID] ?? end)
            logger.warning("recording interrupted by a stop of Hotline: marked interrupted", metadata: [
                "recording.path": "\(recording.path)", "recording.duration_ms": "\(recording.durationMilliseconds)"])
        }
        let open = try await store.unfinishedInteractions()
        for var interaction in open {
            interaction.state = .ended
            interaction.endedAt = max(interaction.startedAt, min(endOf[interaction.id] ?? interaction.startedAt, now))
            interaction.endReason = "interrupted"
            try await store.updateInteraction(interaction)
        }
        if !open.isEmpty {
            logger.warning("calls cut short by a stop of Hotline marked interrupted", metadata: ["interactions": "\(open.count)"])
        }
    }

    private static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }
}

extension Timestamp {
    /// The wall clock now.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSinceEpoch: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}
