import Foundation
import Media

/// Runs espeak-ng once per text and returns its speech as 8 kHz mono samples.
///
/// espeak-ng is started directly (Foundation's `Process`, which uses `posix_spawn`),
/// never through a shell: the text is one argument after `--`, so quotes, `$(…)`,
/// newlines and a leading `-` reach espeak-ng as text. The WAVE file comes back on
/// stdout (`--stdout`); stdout and stderr are each drained on their own thread until
/// end of file, so a long sentence cannot fill a pipe and stall the child, and the
/// child is always waited for. A child still running after `timeout` is killed.
struct ESpeakSynthesizer: Sendable {
    /// The executable, or `nil` when none was configured and none is on `PATH`.
    let executable: String?
    /// espeak-ng's `-s`: speaking rate in words per minute.
    let wordsPerMinute: Int
    let timeout: Duration
    /// espeak-ng always writes 22 050 Hz; the filter is built once instead of per render.
    private let resampler22050: Resampler

    init(executable: String?, wordsPerMinute: Int, timeout: Duration) {
        self.executable = executable
        self.wordsPerMinute = wordsPerMinute
        self.timeout = timeout
        do {
            resampler22050 = try Resampler(inputRate: 22050)
        } catch {
            preconditionFailure("22 050 Hz is one of Resampler.commonInputRates: \(error)")
        }
    }

    /// The first `espeak-ng` on `PATH` that is executable.
    static func locateOnPath(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/espeak-ng"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The arguments for speaking `text` in `voice` to stdout.
    func arguments(text: String, voice: String) -> [String] {
        // A NUL would end the C string the argument becomes; speak it as a pause instead.
        let text = text.contains("\0") ? text.replacingOccurrences(of: "\0", with: " ") : text
        // -b 1: the text is UTF-8 whatever the locale.
        return ["-v", voice, "-s", String(wordsPerMinute), "-b", "1", "--stdout", "--", text]
    }

    /// Speaks `text`; the samples are 8 kHz mono, the milliseconds cover espeak-ng, decoding and resampling.
    func render(_ text: String, voice: String) async throws(SpeechError) -> (samples: [Int16], milliseconds: Double) {
        guard let executable else {
            throw SpeechError(
                code: .notInstalled, voice: voice, text: text,
                message: "espeak-ng is not on PATH; \(SpeechError.installHint).")
        }
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw SpeechError(
                code: .notInstalled, voice: voice, text: text,
                message: "There is no executable espeak-ng at \(executable); \(SpeechError.installHint), or configure the path it is installed at.")
        }
        guard text.utf8.count <= Self.maximumTextBytes else {
            throw SpeechError(
                code: .textTooLong, voice: voice, text: text,
                message: "The text is \(text.utf8.count) bytes; espeak-ng takes at most \(Self.maximumTextBytes) at a time. Split it into sentences and play them one after another.")
        }
        let arguments = arguments(text: text, voice: voice)
        let timeout = timeout
        let resampler = resampler22050
        let result: Result<(samples: [Int16], milliseconds: Double), SpeechError> =
            await withCheckedContinuation { continuation in
                // Blocking reads and waits belong on a thread of their own, not the
                // cooperative pool; renders are few (TextToSpeech bounds them) and short.
                Thread.detachNewThread {
                    let clock = ContinuousClock()
                    let start = clock.now
                    let outcome = Self.run(executable, arguments: arguments, timeout: timeout)
                    let result = Self.samples(from: outcome, executable: executable, voice: voice, text: text,
                                              timeout: timeout, resampler: resampler)
                    let elapsed = clock.now - start
                    let milliseconds = Double(elapsed.components.seconds) * 1000
                        + Double(elapsed.components.attoseconds) / 1e15
                    continuation.resume(returning: result.map { (samples: $0, milliseconds: milliseconds) })
                }
            }
        return try result.get()
    }

    // MARK: The process

    /// How one run of espeak-ng ended.
    enum Outcome: Sendable {
        case launchFailed(String)
        case exited(status: Int32, stdout: [UInt8], stderr: [UInt8], timedOut: Bool)
    }

    /// Starts `executable`, drains both pipes, waits for it; kills it after `timeout`.
    static func run(_ executable: String, arguments: [String], timeout: Duration) -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // espeak-ng reads stdin when it has no text argument; make sure it never waits on ours.
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            return .launchFailed((error as NSError).localizedDescription)
        }
        let watchdog = Watchdog(process)
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { watchdog.fire() }

        let stderrBytes = ByteBox()
        let stderrDrained = DispatchSemaphore(value: 0)
        let stderrHandle = stderr.fileHandleForReading
        Thread.detachNewThread {
            stderrBytes.set(Array(stderrHandle.readDataToEndOfFile()))
            stderrDrained.signal()
        }
        let stdoutBytes = Array(stdout.fileHandleForReading.readDataToEndOfFile())
        stderrDrained.wait()
        process.waitUntilExit()
        let timedOut = watchdog.disarm()
        try? stdout.fileHandleForReading.close()
        try? stderrHandle.close()
        return .exited(status: process.terminationStatus, stdout: stdoutBytes, stderr: stderrBytes.get(), timedOut: timedOut)
    }

    /// Turns what espeak-ng wrote into 8 kHz samples, or says why there are none.
    static func samples(
        from outcome: Outcome, executable: String, voice: String, text: String,
        timeout: Duration, resampler: Resampler
    ) -> Result<[Int16], SpeechError> {
        switch outcome {
        case .launchFailed(let reason):
            return .failure(SpeechError(
                code: .notInstalled, voice: voice, text: text,
                message: "espeak-ng at \(executable) could not be started (\(reason)); \(SpeechError.installHint)."))
        case .exited(_, _, _, timedOut: true):
            return .failure(SpeechError(
                code: .timedOut, voice: voice, text: text,
                message: "espeak-ng did not finish within \(timeout) and was killed; shorten the text, or check that espeak-ng runs (`espeak-ng -v \(voice) hello`)."))
        case .exited(let status, _, let stderr, timedOut: false) where status != 0:
            // The end of stderr says what finally went wrong; a runaway stream is cut to it.
            var detail = String(decoding: stderr.suffix(stderrExcerptBytes), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if stderr.count > stderrExcerptBytes { detail = "…" + detail }
            return .failure(SpeechError(
                code: .exitedWithFailure, voice: voice, text: text,
                message: "espeak-ng exited with status \(status): \(detail.isEmpty ? "(nothing on stderr)" : detail). Check that voice \(voice) is installed (`espeak-ng --voices`; apt-get install espeak-ng-data)."))
        case .exited(_, let stdout, _, timedOut: false):
            let audio: WAVAudio
            do {
                audio = try WAVReader.read(stdout)
            } catch {
                return .failure(SpeechError(
                    code: .noAudio, voice: voice, text: text,
                    message: "espeak-ng wrote \(stdout.count) bytes that are not a WAVE file (\(error.message)); check that `espeak-ng --stdout` works on this machine."))
            }
            let samples: [Int16]
            do {
                let mono = Resampler.downmixToMono(audio.samples, channels: audio.format.channels)
                samples = audio.format.sampleRate == resampler.inputRate
                    ? resampler.resample(mono)
                    : try Resampler(inputRate: audio.format.sampleRate).resample(mono)
            } catch {
                return .failure(SpeechError(
                    code: .noAudio, voice: voice, text: text,
                    message: "espeak-ng wrote audio at \(audio.format.sampleRate) Hz, which cannot be converted to 8 kHz: \(error.message)"))
            }
            // Text with nothing to say (only punctuation, an empty string) gives a few
            // milliseconds of digital silence; playing it would sound like a dead line.
            let peak = samples.reduce(0) { max($0, Int($1).magnitude) }
            guard peak >= silencePeak else {
                return .failure(SpeechError(
                    code: .noAudio, voice: voice, text: text,
                    message: "espeak-ng produced no audible speech for this text in voice \(voice); give the prompt words the voice can say."))
            }
            return .success(samples)
        }
    }

    /// The longest text rendered in one run. A prompt is a few sentences; Linux refuses a
    /// single argument over 128 KiB (MAX_ARG_STRLEN), and a long text would run into the timeout.
    static let maximumTextBytes = 8192

    /// How much of espeak-ng's stderr an error message quotes.
    static let stderrExcerptBytes = 1000

    /// Below −60 dBFS a whole render is silence.
    static let silencePeak: UInt = 33
}

/// Kills the child when the timeout fires first; `disarm()` after it exited says whether it did.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    /// The child until it exits; released then, though the timer holds the watchdog until it fires.
    private var process: Process?
    private var fired = false

    init(_ process: Process) { self.process = process }

    func fire() {
        lock.lock()
        defer { lock.unlock() }
        // `isRunning` turns false once Foundation has reaped the child, so the pid is not
        // yet free for reuse while it is true. SIGKILL: a hung espeak-ng may ignore SIGTERM,
        // and it holds nothing that needs a clean shutdown.
        guard let process, process.isRunning else { return }
        fired = true
        kill(process.processIdentifier, SIGKILL)
    }

    /// Stops a later `fire()` from signalling; true when it already killed the child.
    func disarm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        process = nil
        return fired
    }
}

/// Bytes handed from the stderr reader thread to the waiting one.
private final class ByteBox: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    func set(_ bytes: [UInt8]) {
        lock.lock()
        self.bytes = bytes
        lock.unlock()
    }

    func get() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }
}
