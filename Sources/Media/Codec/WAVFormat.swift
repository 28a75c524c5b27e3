/// The sample format of a RIFF/WAVE file: encoding, rate and channel count.
///
/// Microsoft "Multimedia Programming Interface and Data Specifications 1.0"
/// (1991), the WAVE form and its `fmt ` chunk; format tags from RFC 2361 Appendix A.
public struct WAVFormat: Sendable, Hashable {
    /// How one sample is stored in the `data` chunk.
    public enum Encoding: Sendable, Hashable, CaseIterable {
        /// Signed 16-bit little-endian linear PCM, `WAVE_FORMAT_PCM` (1).
        case pcm16
        /// 8-bit ITU-T G.711 μ-law, `WAVE_FORMAT_MULAW` (7).
        case muLaw
        /// 8-bit ITU-T G.711 A-law, `WAVE_FORMAT_ALAW` (6).
        case aLaw

        /// The `wFormatTag` value, RFC 2361 Appendix A.
        public var formatTag: UInt16 {
            switch self {
            case .pcm16: 1
            case .muLaw: 7
            case .aLaw: 6
            }
        }

        /// Bytes per sample of one channel.
        public var bytesPerSample: Int {
            switch self {
            case .pcm16: 2
            case .muLaw, .aLaw: 1
            }
        }

        /// The G.711 law of a companded encoding; `nil` for linear PCM.
        public var law: CompandingLaw? {
            switch self {
            case .pcm16: nil
            case .muLaw: .muLaw
            case .aLaw: .aLaw
            }
        }
    }

    public var encoding: Encoding
    /// Samples per second of one channel.
    public var sampleRate: Int
    /// Channels, interleaved sample by sample (1 mono, 2 stereo).
    public var channels: Int

    /// 16-bit mono at 8 kHz unless told otherwise: what a recorded call leg is.
    public init(encoding: Encoding = .pcm16, sampleRate: Int = MediaModule.sampleRate, channels: Int = 1) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Bytes of one sample frame across all channels (`nBlockAlign`).
    public var blockAlign: Int { encoding.bytesPerSample * channels }

    /// Bytes per second (`nAvgBytesPerSec`).
    public var byteRate: Int { blockAlign * sampleRate }

    /// `wBitsPerSample`.
    public var bitsPerSample: Int { encoding.bytesPerSample * 8 }
}

/// A decoded WAVE file: linear samples, interleaved when there is more than one channel.
public struct WAVAudio: Sendable, Hashable {
    /// The format as stored in the file (μ-law and A-law are decoded into `samples`).
    public var format: WAVFormat
    /// Interleaved 16-bit linear samples; `samples.count` is a multiple of `format.channels`.
    public var samples: [Int16]
    /// The `data` chunk claimed more bytes than the file holds: a recording that
    /// stopped without closing its file. `samples` holds what was there.
    public var isTruncated: Bool

    public init(format: WAVFormat, samples: [Int16], isTruncated: Bool = false) {
        self.format = format
        self.samples = samples
        self.isTruncated = isTruncated
    }

    /// Sample frames (one sample per channel).
    public var frameCount: Int { format.channels == 0 ? 0 : samples.count / format.channels }
}
