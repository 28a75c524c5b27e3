/// An announcement prepared once for playback: mono 8 kHz 16-bit audio, cut into 20 ms
/// G.711 payloads in both laws (RFC 3551 §4.5.14; ptime 20 ms, so 160 samples a packet).
///
/// Built from a ``WAVAudio`` of any rate and channel count the ``Resampler`` takes. The
/// payloads are encoded when the prompt is made (at start-up, or on the speech task that
/// rendered it), never on a media loop: a media loop that stopped to encode a long prompt
/// held up every other leg's 20 ms clock by milliseconds (a debug build took 7 ms for a
/// 5 s prompt). A prompt played to a thousand callers is the same value, encoded once.
public struct Prompt: Hashable, Sendable {
    /// The name the flow refers to the prompt by.
    public let id: String
    /// Mono 16-bit linear samples at 8 kHz.
    public let samples: [Int16]
    private let muLawFrames: [[UInt8]]
    private let aLawFrames: [[UInt8]]

    /// A prompt from audio already at 8 kHz mono.
    public init(id: String, samples: [Int16]) {
        self.id = id
        self.samples = samples
        self.muLawFrames = Self.encode(samples, law: .muLaw)
        self.aLawFrames = Self.encode(samples, law: .aLaw)
    }

    /// The 160-byte payloads in `law`, one per 20 ms frame, the last padded with
    /// ``silenceByte(_:)``; prepared when the prompt was made.
    public func frames(_ law: CompandingLaw) -> [[UInt8]] {
        switch law {
        case .muLaw: muLawFrames
        case .aLaw: aLawFrames
        }
    }

    /// Prompts are the same when their id and audio are (the payloads follow from the audio).
    public static func == (a: Prompt, b: Prompt) -> Bool { a.id == b.id && a.samples == b.samples }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(samples)
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
    /// ``silenceByte(_:)``.
    private static func encode(_ samples: [Int16], law: CompandingLaw) -> [[UInt8]] {
        let size = MediaModule.samplesPerFrame
        let frameCount = (samples.count + size - 1) / size
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
