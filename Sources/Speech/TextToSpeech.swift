import HotlineModel
import Logging
import Media

/// A spoken text, ready to play.
public struct SpeechResult: Sendable, Hashable {
    /// 8 kHz mono 16-bit audio; its `id` is `tts-` and the cache key, the same for the
    /// same text, voice and rate in every process.
    public var prompt: Prompt
    /// Served from memory or the disk cache rather than rendered for this request.
    public var cached: Bool
    /// Time spent running espeak-ng, decoding and resampling; 0 when `cached`.
    public var renderMilliseconds: Double

    public init(prompt: Prompt, cached: Bool, renderMilliseconds: Double) {
        self.prompt = prompt
        self.cached = cached
        self.renderMilliseconds = renderMilliseconds
    }
}

/// Counters since the ``TextToSpeech`` was created, for the cache hit rate.
public struct SpeechStatistics: Sendable, Hashable {
    /// Calls to ``TextToSpeech/prompt(_:language:)``, including those made by prewarming.
    public var requests = 0
    /// Texts espeak-ng rendered successfully.
    public var renders = 0
    /// Requests answered from the in-memory cache.
    public var memoryHits = 0
    /// Requests answered from a file in the cache directory.
    public var diskHits = 0
    /// Requests that waited for a render or disk read another request had started.
    public var inFlightJoins = 0
    /// Renders that failed.
    public var failures = 0
    /// Cached files that could not be read back and were rendered again.
    public var corruptFiles = 0

    public init() {}

    /// Share of requests answered without running espeak-ng for them (0 before the first request).
    public var hitRate: Double {
        requests == 0 ? 0 : Double(memoryHits + diskHits + inFlightJoins) / Double(requests)
    }
}

/// Speaks texts with espeak-ng, rendering each (text, voice, rate) once and caching the
/// 8 kHz audio in memory and on disk.
///
/// An actor because its state (the in-memory cache, the renders in flight, the render
/// slots, the counters) is touched between suspension points of many concurrent
/// requests; the slow work (espeak-ng on its own thread, file reads and writes) runs off
/// the actor, so a render never blocks a memory hit.
///
/// Concurrent requests for one key share one render; renders of different keys run at
/// most ``maximumConcurrentRenders`` at a time, so prewarming a large flow does not fork
/// a process per prompt at once.
public actor TextToSpeech {
    public nonisolated let cacheDirectory: String
    /// espeak-ng's `-s`, words per minute.
    public nonisolated let wordsPerMinute: Int
    public nonisolated let maximumConcurrentRenders: Int
    /// The espeak-ng executable in use, or `nil` when none was given and none is on `PATH`.
    public nonisolated var executablePath: String? { synthesizer.executable }

    public private(set) var statistics = SpeechStatistics()

    private let synthesizer: ESpeakSynthesizer
    private let store: PromptFileStore
    private let logger: Logger
    private var memory: RecentPrompts
    /// Lookups (disk, then render) in progress, by key; later requests for a key await the first.
    private var inFlight: [SpeechKey: Task<Resolution, Never>] = [:]
    private var freeRenderSlots: Int
    private var renderSlotWaiters: [CheckedContinuation<Void, Never>] = []

    /// - Parameters:
    ///   - cacheDirectory: where rendered prompts are kept; created on the first write.
    ///   - executablePath: espeak-ng's path; `nil` looks for `espeak-ng` on `PATH`.
    ///   - wordsPerMinute: speaking rate (espeak-ng's default is 175; 80…450 is its range).
    ///   - timeout: how long one render may take before espeak-ng is killed.
    ///   - maximumConcurrentRenders: espeak-ng processes running at once.
    ///   - memoryByteBudget: bytes of samples kept in memory (16 000 a second of speech).
    public init(
        cacheDirectory: String,
        executablePath: String? = nil,
        wordsPerMinute: Int = 175,
        timeout: Duration = .seconds(10),
        maximumConcurrentRenders: Int = 2,
        memoryByteBudget: Int = 16 << 20,
        logger: Logger
    ) {
        precondition((80...450).contains(wordsPerMinute), "espeak-ng speaks 80 to 450 words per minute")
        precondition(maximumConcurrentRenders > 0, "at least one render must be able to run")
        precondition(timeout > .zero, "a render needs time")
        self.cacheDirectory = cacheDirectory
        self.wordsPerMinute = wordsPerMinute
        self.maximumConcurrentRenders = maximumConcurrentRenders
        self.synthesizer = ESpeakSynthesizer(
            executable: executablePath ?? ESpeakSynthesizer.locateOnPath(),
            wordsPerMinute: wordsPerMinute, timeout: timeout)
        self.store = PromptFileStore(directory: cacheDirectory)
        self.logger = logger
        self.memory = RecentPrompts(byteBudget: memoryByteBudget)
        self.freeRenderSlots = maximumConcurrentRenders
    }

    /// `text` spoken in `language`'s voice: from memory, else from the disk cache, else rendered.
    ///
    /// A rendered prompt that cannot be written to the cache directory is still returned
    /// (and kept in memory); the failure is logged, and ``prewarm(_:)`` reports it.
    public func prompt(_ text: String, language: Language) async throws(SpeechError) -> SpeechResult {
        try await resolve(text, language: language).result.get()
    }

    /// Speaks every item ahead of time (a flow's static prompts, when the flow loads) and
    /// returns what went wrong, in the order of `items`, rather than stopping at the first problem.
    public func prewarm(_ items: [(String, Language)]) async -> [SpeechError] {
        let problems = await withTaskGroup(of: (Int, [SpeechError]).self) { group in
            for (index, (text, language)) in items.enumerated() {
                group.addTask {
                    let resolution = await self.resolve(text, language: language)
                    var problems: [SpeechError] = []
                    if case .failure(let error) = resolution.result { problems.append(error) }
                    if let error = resolution.cacheProblem { problems.append(error) }
                    return (index, problems)
                }
            }
            var problems: [(Int, [SpeechError])] = []
            for await item in group { problems.append(item) }
            return problems
        }
        return problems.sorted { $0.0 < $1.0 }.flatMap(\.1)
    }

    // MARK: Lookup

    /// The outcome of one lookup, shared by every request that joined it.
    struct Resolution: Sendable {
        var result: Result<SpeechResult, SpeechError>
        /// The audio was rendered but could not be cached on disk.
        var cacheProblem: SpeechError?
    }

    private func resolve(_ text: String, language: Language) async -> Resolution {
        let key = SpeechKey(text: text, voice: SpeechModule.voice(for: language), wordsPerMinute: wordsPerMinute)
        statistics.requests += 1
        if let prompt = memory.prompt(for: key.hex) {
            statistics.memoryHits += 1
            return Resolution(result: .success(SpeechResult(prompt: prompt, cached: true, renderMilliseconds: 0)))
        }
        if let running = inFlight[key] {
            statistics.inFlightJoins += 1
            return await running.value
        }
        // An unstructured task, so a request that is cancelled does not cancel the render
        // the requests that joined it are waiting for.
        let task = Task { await self.load(key) }
        inFlight[key] = task
        return await task.value
    }

    /// Disk, then espeak-ng; leaves the result in memory and on disk.
    private func load(_ key: SpeechKey) async -> Resolution {
        defer { inFlight[key] = nil }
        let store = store
        switch await Self.read(key, from: store) {
        case .found(let samples):
            statistics.diskHits += 1
            let prompt = Prompt(id: key.promptID, samples: samples)
            memory.insert(prompt, for: key.hex)
            return Resolution(result: .success(SpeechResult(prompt: prompt, cached: true, renderMilliseconds: 0)))
        case .unusable(let reason):
            statistics.corruptFiles += 1
            logger.warning("A cached speech file is unusable; rendering the text again.", metadata: [
                "speech.path": "\(store.path(for: key))",
                "speech.reason": "\(reason)",
                "speech.voice": "\(key.voice)",
            ])
        case .missing:
            break
        }

        await acquireRenderSlot()
        let rendered: (samples: [Int16], milliseconds: Double)
        do {
            rendered = try await synthesizer.render(key.text, voice: key.voice)
        } catch {
            releaseRenderSlot()
            statistics.failures += 1
            logger.error("Speech could not be rendered.", metadata: [
                "speech.voice": "\(key.voice)",
                "speech.error.code": "\(error.code)",
                "error.message": "\(error.message)",
            ])
            return Resolution(result: .failure(error))
        }
        releaseRenderSlot()
        statistics.renders += 1
        let prompt = Prompt(id: key.promptID, samples: rendered.samples)
        memory.insert(prompt, for: key.hex)
        logger.debug("Rendered speech.", metadata: [
            "speech.key": "\(key.hex)",
            "speech.voice": "\(key.voice)",
            "speech.render_ms": "\(rendered.milliseconds)",
            "speech.duration_ms": "\(prompt.durationMilliseconds)",
        ])
        var resolution = Resolution(result: .success(
            SpeechResult(prompt: prompt, cached: false, renderMilliseconds: rendered.milliseconds)))
        do {
            try await Self.write(rendered.samples, for: key, to: store)
        } catch {
            logger.warning("Rendered speech could not be cached; it will be rendered again after a restart.", metadata: [
                "speech.voice": "\(key.voice)",
                "error.message": "\(error.message)",
            ])
            resolution.cacheProblem = error
        }
        return resolution
    }

    // File I/O off the actor: these are nonisolated, so they run on the global executor.
    private nonisolated static func read(_ key: SpeechKey, from store: PromptFileStore) async -> PromptFileStore.Lookup {
        store.read(key)
    }

    private nonisolated static func write(_ samples: [Int16], for key: SpeechKey, to store: PromptFileStore) async throws(SpeechError) {
        try store.write(samples, for: key)
    }

    // MARK: Render slots

    private func acquireRenderSlot() async {
        if freeRenderSlots > 0 {
            freeRenderSlots -= 1
            return
        }
        await withCheckedContinuation { renderSlotWaiters.append($0) }
    }

    /// Hands the slot straight to the longest waiter, so a new arrival cannot overtake it.
    private func releaseRenderSlot() {
        if renderSlotWaiters.isEmpty {
            freeRenderSlots += 1
        } else {
            renderSlotWaiters.removeFirst().resume()
        }
    }
}
