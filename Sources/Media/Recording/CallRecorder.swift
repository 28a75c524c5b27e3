/// Turns a call's audio, one 20 ms tick at a time, into the writes of a WAV file.
///
/// - **Layout**: stereo puts the caller on the left and the other party (the agent, or
///   what Hotline played to the caller) on the right; mono mixes both.
/// - **Crash safety**: audio is handed out in chunks of ``flushFrames`` ticks (1 s by
///   default), each followed by the header's size fields (see ``WAVWriter``), so a crash
///   loses at most the chunk being gathered.
/// - **Pause** (PCI DSS: no card numbers on tape): while paused the file gets silence
///   for the time that passes, so both channels and the call's timeline stay aligned,
///   and the paused spans are listed in ``pauses`` for the recording's metadata.
///
/// The recorder does no I/O: the adapter writes ``header`` when it creates the file and
/// then applies each ``WAVWrite`` in order.
public struct CallRecorder: Sendable {
    public enum Layout: String, Hashable, Sendable, CaseIterable {
        case mono
        case stereo
    }

    /// A paused span, in milliseconds from the start of the recording; `end` is nil while it lasts.
    public struct Pause: Hashable, Sendable {
        public var start: Int64
        public var end: Int64?
    }

    public let layout: Layout
    public let flushFrames: Int
    private var writer: WAVWriter
    private var pending: [Int16] = []
    public private(set) var isPaused = false
    public private(set) var pauses: [Pause] = []
    /// Ticks recorded so far (each 20 ms).
    public private(set) var frames = 0
    private var finished = false

    public init(layout: Layout, flushFrames: Int = 50) {
        precondition(flushFrames > 0, "a recorder flushes at least every frame")
        self.layout = layout
        self.flushFrames = flushFrames
        self.writer = WAVWriter(format: WAVFormat(encoding: .pcm16, sampleRate: MediaModule.sampleRate,
                                                  channels: layout == .stereo ? 2 : 1))
        pending.reserveCapacity(flushFrames * MediaModule.samplesPerFrame * (layout == .stereo ? 2 : 1))
    }

    /// The 44-byte header to write at offset 0 when the file is created.
    public var header: [UInt8] { writer.header }
    /// Milliseconds recorded so far.
    public var durationMilliseconds: Int64 { Int64(frames) * 20 }
    /// Bytes of audio handed out so far.
    public var dataByteCount: Int { writer.dataByteCount }

    /// Adds one tick: the caller's G.711 frame (`left`) and the other party's (`right`), each
    /// in its own law; `nil` is silence. Returns the writes to apply when a chunk is complete.
    public mutating func append(left: [UInt8]?, leftLaw: CompandingLaw, right: [UInt8]?, rightLaw: CompandingLaw) -> [WAVWrite] {
        guard !finished else { return [] }
        frames += 1
        let n = MediaModule.samplesPerFrame
        if isPaused {
            pending.append(contentsOf: repeatElement(0, count: layout == .stereo ? 2 * n : n))
        } else {
            let l = decode(left, leftLaw)
            let r = decode(right, rightLaw)
            switch layout {
            case .stereo:
                for i in 0..<n {
                    pending.append(l?[i] ?? 0)
                    pending.append(r?[i] ?? 0)
                }
            case .mono:
                for i in 0..<n {
                    let sum = Int32(l?[i] ?? 0) + Int32(r?[i] ?? 0)
                    pending.append(Int16(clamping: sum))
                }
            }
        }
        guard frames % flushFrames == 0 else { return [] }
        return flush()
    }

    /// Stops putting audio on tape; time keeps running as silence.
    public mutating func pause() {
        guard !isPaused, !finished else { return }
        isPaused = true
        pauses.append(Pause(start: durationMilliseconds, end: nil))
    }

    public mutating func resume() {
        guard isPaused else { return }
        isPaused = false
        pauses[pauses.count - 1].end = durationMilliseconds
    }

    /// The last partial chunk; the recorder takes nothing more afterwards.
    public mutating func finish() -> [WAVWrite] {
        guard !finished else { return [] }
        if isPaused { resume() }
        finished = true
        return flush()
    }

    private mutating func flush() -> [WAVWrite] {
        guard !pending.isEmpty else { return [] }
        defer { pending.removeAll(keepingCapacity: true) }
        return writer.append(pending)
    }

    private func decode(_ frame: [UInt8]?, _ law: CompandingLaw) -> [Int16]? {
        guard let frame, frame.count == MediaModule.samplesPerFrame else { return nil }
        return G711.decode(frame, law: law)
    }
}
