import Media
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A WAV file being written off the event loop: writes are applied in order on the
/// blocking-I/O thread pool, so the media clock never waits for the disk.
///
/// Each `submit` is a chunk of audio followed by the header's size fields (see
/// `WAVWriter`), so after a crash the file holds a valid WAV of everything submitted
/// up to the last chunk: at most one second is lost with the default chunk size.
final class RecordingFile: Sendable {
    let path: String
    private let fd: CInt
    private let pool: NIOThreadPool
    private let state = NIOLockedValueBox(State())

    private struct State {
        var queue: [WAVWrite] = []
        var draining = false
        var closing: EventLoopPromise<String?>?
        var closed = false
        /// The first write that failed.
        var error: String?
    }

    private init(path: String, fd: CInt, pool: NIOThreadPool) {
        self.path = path
        self.fd = fd
        self.pool = pool
    }

    /// Creates the file (and its directory) with `header`, on the thread pool.
    static func create(path: String, header: [UInt8], eventLoop: any EventLoop,
                       pool: NIOThreadPool = .singleton) -> EventLoopFuture<RecordingFile> {
        pool.runIfActive(eventLoop: eventLoop) {
            try makeDirectories(for: path)
            let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o640)
            guard fd >= 0 else {
                throw MediaNetworkError("cannot create recording \(path): \(String(cString: strerror(errno))); "
                                        + "check that the data directory is writable")
            }
            let file = RecordingFile(path: path, fd: fd, pool: pool)
            try file.writeAll(WAVWrite(offset: 0, bytes: header))
            return file
        }
    }

    /// Queues writes; they reach the file in submission order.
    func submit(_ writes: [WAVWrite]) {
        guard !writes.isEmpty else { return }
        let start = state.withLockedValue { s -> Bool in
            guard !s.closed, s.closing == nil else { return false }
            s.queue.append(contentsOf: writes)
            if s.draining { return false }
            s.draining = true
            return true
        }
        if start { pool.submit { [self] _ in drain() } }
    }

    /// Writes what is queued, syncs and closes the file. Succeeds with the first write
    /// error, if any (the file then holds what came before it).
    func close(on eventLoop: any EventLoop) -> EventLoopFuture<String?> {
        let promise = eventLoop.makePromise(of: String?.self)
        enum Next { case drain, drainRunning, alreadyClosed(String?) }
        let next = state.withLockedValue { s -> Next in
            guard !s.closed, s.closing == nil else { return .alreadyClosed(s.error) }
            s.closing = promise
            if s.draining { return .drainRunning }
            s.draining = true
            return .drain
        }
        switch next {
        case .drain: pool.submit { [self] _ in drain() }
        case .drainRunning: break  // the running drain sees `closing` when the queue is empty
        case .alreadyClosed(let error): promise.succeed(error)
        }
        return promise.futureResult
    }

    private func drain() {
        while true {
            let (batch, closing) = state.withLockedValue { s -> ([WAVWrite], EventLoopPromise<String?>?) in
                let batch = s.queue
                s.queue.removeAll()
                if batch.isEmpty {
                    s.draining = false
                    if let p = s.closing { s.closed = true; s.closing = nil; return ([], p) }
                }
                return (batch, nil)
            }
            if batch.isEmpty {
                if let closing {
                    fsync(fd)
                    Glibc.close(fd)
                    closing.succeed(state.withLockedValue { $0.error })
                }
                return
            }
            for w in batch {
                do { try writeAll(w) } catch {
                    state.withLockedValue { if $0.error == nil { $0.error = "\(error)" } }
                }
            }
        }
    }

    private func writeAll(_ write: WAVWrite) throws {
        var done = 0
        try write.bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(write.offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MediaNetworkError("writing recording \(path) failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    /// `mkdir -p` of the file's directory.
    private static func makeDirectories(for path: String) throws {
        guard let slash = path.lastIndex(of: "/") else { return }
        var current = path.hasPrefix("/") ? "" : "."
        for part in path[..<slash].split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o750) != 0, errno != EEXIST {
                throw MediaNetworkError("cannot create directory \(current) for recordings: \(String(cString: strerror(errno)))")
            }
        }
    }
}
