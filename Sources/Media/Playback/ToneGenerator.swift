/// A call-progress tone as a country's network plays it: the frequencies mixed, their
/// level and the on/off cadence (ITU-T E.180 Supplement 2, "Various tones used in
/// national networks").
public struct ToneCadence: Hashable, Sendable {
    /// Frequencies played together, in Hz (one for China's 450 Hz, two for North America's pairs).
    public var frequencies: [Double]
    /// Level of each frequency, in dBm0 (0 dBm0 is a 22 690 peak in 16-bit linear, G.711).
    public var levelDBm0: Double
    /// Tone on, in milliseconds.
    public var onMilliseconds: Int
    /// Tone off, in milliseconds; 0 plays the tone continuously.
    public var offMilliseconds: Int

    public init(frequencies: [Double], levelDBm0: Double, onMilliseconds: Int, offMilliseconds: Int) {
        precondition(onMilliseconds > 0 && offMilliseconds >= 0, "a cadence has a positive on time")
        self.frequencies = frequencies
        self.levelDBm0 = levelDBm0
        self.onMilliseconds = onMilliseconds
        self.offMilliseconds = offMilliseconds
    }
}

/// Whose call-progress tones a caller hears (E.180 Supplement 2 lists them by country).
public enum ToneCountry: Hashable, Sendable, CaseIterable {
    /// China: 450 Hz (GB 16543 / YD/T 1000).
    case china
    /// North America: the Precise Tone Plan (AT&T, Telcordia GR-506).
    case northAmerica

    /// Ringback: China 450 Hz 1 s on 4 s off; North America 440 + 480 Hz 2 s on 4 s off.
    public var ringback: ToneCadence {
        switch self {
        case .china: ToneCadence(frequencies: [450], levelDBm0: -10, onMilliseconds: 1000, offMilliseconds: 4000)
        case .northAmerica: ToneCadence(frequencies: [440, 480], levelDBm0: -19, onMilliseconds: 2000, offMilliseconds: 4000)
        }
    }

    /// Busy: China 450 Hz 0.35 s on 0.35 s off; North America 480 + 620 Hz 0.5 s on 0.5 s off.
    public var busy: ToneCadence {
        switch self {
        case .china: ToneCadence(frequencies: [450], levelDBm0: -10, onMilliseconds: 350, offMilliseconds: 350)
        case .northAmerica: ToneCadence(frequencies: [480, 620], levelDBm0: -24, onMilliseconds: 500, offMilliseconds: 500)
        }
    }
}

/// Generates tones as 20 ms frames of 160 samples of 8 kHz 16-bit linear audio, ready
/// for ``G711`` and one RTP packet each (RFC 3551 §4.5.14: ptime 20 ms).
///
/// A stateful value: each ``nextFrame()`` continues where the last one stopped, so a
/// tone's phase runs on across frames and cadences are exact to the sample (China's
/// 350 ms busy burst ends in the middle of its 18th frame). Each frequency is a
/// quadrature oscillator rotated by a fixed phasor per sample and renormalized each
/// frame, so there is no per-sample trigonometry; every burst starts at phase 0.
public struct ToneGenerator: Hashable, Sendable {
    /// What to play.
    public enum Tone: Hashable, Sendable {
        /// Ringback (alerting) tone, repeating.
        case ringback(ToneCountry)
        /// Busy tone, repeating.
        case busy(ToneCountry)
        /// Any repeating cadence.
        case cadence(ToneCadence)
        /// One 1 kHz beep of 200 ms at -10 dBm0 (e.g. "record after the tone"), then silence.
        case beep
        /// Silence, forever.
        case silence
        /// In-band DTMF (ITU-T Q.23): each digit's row and column frequencies for
        /// `toneMilliseconds`, then `gapMilliseconds` of silence; then silence.
        /// Q.24 receivers need ≥ 40 ms of tone and of pause.
        case dtmf([DTMFDigit], toneMilliseconds: Int = 100, gapMilliseconds: Int = 100,
                  rowLevelDBm0: Double = -7, columnLevelDBm0: Double = -7)
    }

    /// One stretch of the tone: the oscillators that sound (none for silence) and its length.
    struct Segment: Hashable, Sendable {
        var frequencies: [Double]
        var amplitudes: [Double]
        var samples: Int
    }

    public let tone: Tone
    let segments: [Segment]
    let repeats: Bool
    private var segmentIndex = 0
    private var position = 0
    /// Oscillator state (cos, sin) and per-sample rotation, one lane per frequency of the segment.
    private var re: [Double] = []
    private var im: [Double] = []
    private var rotationCos: [Double] = []
    private var rotationSin: [Double] = []
    /// Samples produced so far.
    public private(set) var samplesGenerated: Int64 = 0

    public init(_ tone: Tone) {
        self.tone = tone
        func cadence(_ c: ToneCadence) -> [Segment] {
            let amplitude = Self.amplitude(dBm0: c.levelDBm0)
            var result = [Segment(frequencies: c.frequencies,
                                  amplitudes: Array(repeating: amplitude, count: c.frequencies.count),
                                  samples: c.onMilliseconds * 8)]
            if c.offMilliseconds > 0 { result.append(Segment(frequencies: [], amplitudes: [], samples: c.offMilliseconds * 8)) }
            return result
        }
        switch tone {
        case .ringback(let country):
            segments = cadence(country.ringback)
            repeats = true
        case .busy(let country):
            segments = cadence(country.busy)
            repeats = true
        case .cadence(let c):
            segments = cadence(c)
            repeats = true
        case .beep:
            segments = [Segment(frequencies: [1000], amplitudes: [Self.amplitude(dBm0: -10)], samples: 1600)]
            repeats = false
        case .silence:
            segments = []
            repeats = false
        case let .dtmf(digits, toneMs, gapMs, rowLevel, columnLevel):
            precondition(toneMs > 0 && gapMs >= 0, "a DTMF digit has a positive duration")
            var result: [Segment] = []
            for digit in digits {
                let (row, column) = Self.frequencies(of: digit)
                result.append(Segment(frequencies: [row, column],
                                      amplitudes: [Self.amplitude(dBm0: rowLevel), Self.amplitude(dBm0: columnLevel)],
                                      samples: toneMs * 8))
                if gapMs > 0 { result.append(Segment(frequencies: [], amplitudes: [], samples: gapMs * 8)) }
            }
            segments = result
            repeats = false
        }
        startSegment()
    }

    /// A finite tone (beep, DTMF) has played out; further frames are silence.
    /// Repeating tones and ``Tone/silence`` never finish.
    public var isFinished: Bool { !repeats && !segments.isEmpty && segmentIndex >= segments.count }

    /// Frames the finite part of the tone lasts (rounded up), or `nil` for a tone that repeats or is silence.
    public var frameCount: Int? {
        guard !repeats, !segments.isEmpty else { return nil }
        let total = segments.reduce(0) { $0 + $1.samples }
        return (total + MediaModule.samplesPerFrame - 1) / MediaModule.samplesPerFrame
    }

    /// The next 20 ms: 160 samples.
    public mutating func nextFrame() -> [Int16] {
        var frame = [Int16](repeating: 0, count: MediaModule.samplesPerFrame)
        var index = 0
        while index < frame.count {
            guard segmentIndex < segments.count else { break }  // finished or silence: the rest stays 0
            let segment = segments[segmentIndex]
            let count = min(frame.count - index, segment.samples - position)
            if !segment.frequencies.isEmpty {
                for i in index..<(index + count) {
                    var value = 0.0
                    for lane in 0..<re.count {
                        value += im[lane] * segment.amplitudes[lane]
                        let r = re[lane] * rotationCos[lane] - im[lane] * rotationSin[lane]
                        im[lane] = re[lane] * rotationSin[lane] + im[lane] * rotationCos[lane]
                        re[lane] = r
                    }
                    frame[i] = Int16(max(-32768, min(32767, value.rounded())))
                }
                // Rounding makes the phasor's length drift by ~1e-16 per sample; pull it back to 1.
                for lane in 0..<re.count {
                    let length = (re[lane] * re[lane] + im[lane] * im[lane]).squareRoot()
                    re[lane] /= length
                    im[lane] /= length
                }
            }
            index += count
            position += count
            if position == segment.samples {
                segmentIndex += 1
                if repeats && segmentIndex == segments.count { segmentIndex = 0 }
                startSegment()
            }
        }
        samplesGenerated += Int64(frame.count)
        return frame
    }

    private mutating func startSegment() {
        position = 0
        guard segmentIndex < segments.count else {
            re = []; im = []; rotationCos = []; rotationSin = []
            return
        }
        let frequencies = segments[segmentIndex].frequencies
        re = Array(repeating: 1, count: frequencies.count)
        im = Array(repeating: 0, count: frequencies.count)
        rotationCos = frequencies.map { Resampler.sine(2 * .pi * $0 / 8000 + .pi / 2) }
        rotationSin = frequencies.map { Resampler.sine(2 * .pi * $0 / 8000) }
    }

    // MARK: Levels and the keypad

    /// Q.23 row (low group) and column (high group) frequencies of `digit`, in Hz.
    public static func frequencies(of digit: DTMFDigit) -> (row: Double, column: Double) {
        let index = DTMFDetector.keypad.firstIndex(of: digit)!
        return (DTMFDetector.rowFrequencies[index / 4], DTMFDetector.columnFrequencies[index % 4])
    }

    /// Peak amplitude of a sine at `dBm0` (G.711: 0 dBm0 is 3.17 dB below a full-scale sine).
    public static func amplitude(dBm0: Double) -> Double {
        22_690 * power10(dBm0 / 20)
    }

    /// 10^x for the small exponents levels need (the module does not import Foundation).
    static func power10(_ x: Double) -> Double {
        // e^y with y = x ln 10, halved until small, its series, then squared back.
        var y = x * 2.302585092994046
        var halvings = 0
        while abs(y) > 0.5 {
            y /= 2
            halvings += 1
        }
        var term = 1.0, sum = 1.0
        for n in 1...20 {
            term *= y / Double(n)
            sum += term
        }
        for _ in 0..<halvings { sum *= sum }
        return sum
    }
}
