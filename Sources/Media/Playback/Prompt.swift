/// An announcement prepared once for playback: mono 8 kHz 16-bit audio, cut into 20 ms
/// G.711 payloads on demand (RFC 3551 §4.5.14; ptime 20 ms, so 160 samples a packet).
///
/// Built from a ``WAVAudio`` of any rate and channel count the ``Resampler`` takes; the
/// encoded frames are cached per law by ``PromptCache`` so a prompt played to a thousand
/// callers is encoded once.
public struct Prompt: Hashable, Sendable {
    /// The name the flow refers to the prompt by (and the cache keys it by).
    public let id: String
    /// Mono 16-bit linear samples at 8 kHz.
    public let samples: [Int16]

    /// A prompt from audio already at 8 kHz mono.
    public init(id: String, samples: [Int16]) {
        self.id = id
        self.samples = samples
    }

    /// A prompt from a decoded WAVE file: downmixed and resampled to 8 kHz
    /// (``Resampler/narrowband(_:)``).
    public init(id: String, wav: WAVAudio) throws(ResamplerError) {
        self.init(id: id, samples: try Resampler.narrowband(wav))
    }

    /// 20 ms frames, the last one padded with silence.
    public var frameCount: Int {
        (samples.count + MediaModule.samplesPerFrame - 1) / MediaModule.samplesPerFrame
    }

    /// Length in milliseconds (8 samples per millisecond).
    public var durationMilliseconds: Int { samples.count / 8 }

    /// The code word G.711 sends for silence: μ-law 0xFF, A-law 0xD5 (the code words
    /// for linear 0, G.711 Tables 1a and 2a).
    public static func silenceByte(_ law: CompandingLaw) -> UInt8 {
        switch law {
        case .muLaw: 0xFF
        case .aLaw: 0xD5
        }
    }

    /// 160-byte G.711 payloads, one per 20 ms frame; the last frame is padded with
    /// ``silenceByte(_:)``. Encodes every time: go through ``PromptCache`` to encode once.
    public func encodedFrames(law: CompandingLaw) -> [[UInt8]] {
        let size = MediaModule.samplesPerFrame
        var frames: [[UInt8]] = []
        frames.reserveCapacity(frameCount)
        samples.withUnsafeBufferPointer { pcm in
            var start = 0
            while start < pcm.count {
                let end = min(start + size, pcm.count)
                var frame: [UInt8] = []
                frame.reserveCapacity(size)
                G711.encode(UnsafeBufferPointer(rebasing: pcm[start..<end]), law: law, into: &frame)
                if frame.count < size {
                    frame.append(contentsOf: repeatElement(Self.silenceByte(law), count: size - frame.count))
                }
                frames.append(frame)
                start = end
            }
        }
        return frames
    }
}

/// Encoded prompt frames, kept per prompt id and law within a byte budget; the least
/// recently used entry is evicted first when a new one does not fit.
///
/// A plain value: the adapter that owns it (one per event loop) passes it `inout`.
/// A prompt larger than the whole budget is encoded and returned but not kept.
public struct PromptCache: Sendable {
    /// What an entry is cached under.
    public struct Key: Hashable, Sendable {
        public var promptID: String
        public var law: CompandingLaw

        public init(promptID: String, law: CompandingLaw) {
            self.promptID = promptID
            self.law = law
        }
    }

    private struct Entry: Sendable {
        var frames: [[UInt8]]
        var bytes: Int
        var lastUse: UInt64
    }

    /// Payload bytes the cache may hold.
    public let byteBudget: Int
    /// Payload bytes held now (160 per frame).
    public private(set) var bytesUsed = 0
    /// Prompts encoded because they were not cached (each is one ``Prompt/encodedFrames(law:)``).
    public private(set) var encodeCount = 0
    /// Lookups answered from the cache.
    public private(set) var hitCount = 0
    /// Entries evicted to make room.
    public private(set) var evictionCount = 0
    private var entries: [Key: Entry] = [:]
    private var clock: UInt64 = 0

    /// A cache holding up to `byteBudget` bytes of payload (50 frames × 160 bytes = 8 000 a second).
    public init(byteBudget: Int) {
        precondition(byteBudget >= 0, "a byte budget is not negative")
        self.byteBudget = byteBudget
    }

    /// The payloads of `prompt` in `law`, encoded on the first request and cached.
    ///
    /// Entries are keyed by the prompt id: a prompt whose audio changed must get a new
    /// id or be ``remove(promptID:)``-ed first.
    public mutating func frames(for prompt: Prompt, law: CompandingLaw) -> [[UInt8]] {
        let key = Key(promptID: prompt.id, law: law)
        clock += 1
        if var entry = entries[key] {
            hitCount += 1
            entry.lastUse = clock
            entries[key] = entry
            return entry.frames
        }
        let frames = prompt.encodedFrames(law: law)
        encodeCount += 1
        let bytes = frames.count * MediaModule.samplesPerFrame
        guard bytes <= byteBudget else { return frames }
        while bytesUsed + bytes > byteBudget, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
            bytesUsed -= oldest.value.bytes
            evictionCount += 1
        }
        entries[key] = Entry(frames: frames, bytes: bytes, lastUse: clock)
        bytesUsed += bytes
        return frames
    }

    /// Whether `promptID` in `law` is cached (does not count as a use).
    public func contains(promptID: String, law: CompandingLaw) -> Bool {
        entries[Key(promptID: promptID, law: law)] != nil
    }

    /// The cached keys, least recently used first: the order eviction takes them in.
    public var keysByRecency: [Key] {
        entries.sorted { $0.value.lastUse < $1.value.lastUse }.map(\.key)
    }

    /// Drops `promptID` in every law (its file changed or was deleted).
    public mutating func remove(promptID: String) {
        for law in CompandingLaw.allCases {
            if let entry = entries.removeValue(forKey: Key(promptID: promptID, law: law)) {
                bytesUsed -= entry.bytes
            }
        }
    }
}
