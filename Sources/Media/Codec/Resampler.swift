/// Converts mono 16-bit audio at a prompt's recording rate to the 8 kHz G.711 uses.
///
/// A rational polyphase resampler (Crochiere and Rabiner, "Interpolation and
/// Decimation of Digital Signals — A Tutorial Review", Proc. IEEE 69(3), 1981):
/// conceptually upsample by L, low-pass, keep every M-th sample, where
/// L/M = 8000/input rate in lowest terms (44.1 kHz: 80/441). Only the taps that
/// meet a non-zero input sample are computed, so each output costs one phase of
/// the filter.
///
/// The low-pass is a Kaiser-windowed sinc (Kaiser, "Nonrecursive digital filter
/// design using the I0-sinh window function", 1974; design formulas from
/// Oppenheim and Schafer, "Discrete-Time Signal Processing", §7.6): cutoff
/// 3650 Hz, passband to 3300 Hz, 60 dB stopband from 4000 Hz, so nothing above
/// the 8 kHz Nyquist frequency folds back into the telephone band (ITU-T G.712
/// asks for 300–3400 Hz). It is built for whole prompts, which are converted once
/// and cached, not for a live stream.
public struct Resampler: Sendable {
    /// The output rate, the only one G.711 knows.
    public static let outputRate = MediaModule.sampleRate
    /// The input rates prompts usually come in; any rate in ``acceptedInputRates``
    /// whose ratio to 8 kHz reduces to a small enough L works.
    public static let commonInputRates = [8000, 16000, 22050, 44100, 48000]
    /// Input rates below 8 kHz would need upsampling, which prompts never need.
    public static let acceptedInputRates = 8000...192_000

    public let inputRate: Int
    /// Upsampling factor L.
    let interpolation: Int
    /// Downsampling factor M.
    let decimation: Int
    /// Taps per polyphase branch.
    let tapsPerPhase: Int
    /// `phases[p * tapsPerPhase + k]` is prototype tap `p + k * L`.
    let phases: [Float]
    /// Filter delay in upsampled samples, compensated so output sample m lines up
    /// with input time m / 8000 s.
    let delay: Int

    static let passbandEdge = 3300.0
    static let stopbandEdge = 4000.0
    static let stopbandAttenuation = 60.0

    /// A resampler from `inputRate` to 8 kHz.
    public init(inputRate: Int) throws(ResamplerError) {
        guard Self.acceptedInputRates.contains(inputRate) else {
            throw ResamplerError(
                code: .rateOutOfRange, inputRate: inputRate,
                message: "Audio at \(inputRate) Hz cannot be converted to 8 kHz; record or export the prompt at 8, 16, 22.05, 44.1 or 48 kHz.")
        }
        let divisor = Self.greatestCommonDivisor(inputRate, Self.outputRate)
        let interpolation = Self.outputRate / divisor
        let decimation = inputRate / divisor
        // The prototype has L × taps coefficients; L = 320 (11.025 kHz, the worst
        // of the usual rates) keeps it near 100 000.
        guard interpolation <= 320 else {
            throw ResamplerError(
                code: .noShortRatio, inputRate: inputRate,
                message: "Audio at \(inputRate) Hz has no short ratio to 8 kHz; convert it with `sox input -r 8000 output.wav` first.")
        }
        self.inputRate = inputRate
        self.interpolation = interpolation
        self.decimation = decimation
        guard interpolation != decimation else {
            tapsPerPhase = 1
            phases = [1]
            delay = 0
            return
        }

        // Oppenheim & Schafer (7.62)–(7.63): length and β for the attenuation A and
        // the transition width Δω, measured at the input rate for one branch.
        let attenuation = Self.stopbandAttenuation
        let beta = 0.1102 * (attenuation - 8.7)
        let transition = 2 * Double.pi * (Self.stopbandEdge - Self.passbandEdge) / Double(inputRate)
        let taps = Int(((attenuation - 8) / (2.285 * transition)).rounded(.up)) + 1
        let length = taps * interpolation
        // An odd-length symmetric prototype (taps 0...2·delay) has an integer delay.
        let delay = (length - 1) / 2
        let upsampledRate = Double(inputRate * interpolation)
        // 2·fc/fs with the cutoff fc midway through the transition band.
        let cutoff = (Self.passbandEdge + Self.stopbandEdge) / upsampledRate
        let windowNorm = Self.besselI0(beta)
        var prototype = [Double](repeating: 0, count: length)
        for n in 0...(2 * delay) {
            let x = Double(n - delay)
            let ratio = x / Double(delay)
            let window = Self.besselI0(beta * (1 - ratio * ratio).squareRoot()) / windowNorm
            prototype[n] = cutoff * Self.sinc(cutoff * x) * window
        }
        // Unity gain at DC for every phase on average: the taps sum to L.
        let sum = prototype.reduce(0, +)
        let scale = Double(interpolation) / sum
        var phases = [Float](repeating: 0, count: length)
        for p in 0..<interpolation {
            for k in 0..<taps {
                phases[p * taps + k] = Float(prototype[p + k * interpolation] * scale)
            }
        }
        self.tapsPerPhase = taps
        self.phases = phases
        self.delay = delay
    }

    /// The number of output samples for `inputCount` input samples: the same duration, rounded down.
    public func outputCount(forInputCount inputCount: Int) -> Int {
        inputCount * interpolation / decimation
    }

    /// `samples` (mono, at ``inputRate``) at 8 kHz. Samples before the start and
    /// after the end are taken as silence, so the first and last few milliseconds
    /// fade in and out over the filter length.
    public func resample(_ samples: [Int16]) -> [Int16] {
        guard interpolation != decimation else { return samples }
        let outputCount = outputCount(forInputCount: samples.count)
        let taps = tapsPerPhase
        let interpolation = interpolation
        let decimation = decimation
        let delay = delay
        return samples.withUnsafeBufferPointer { input in
            phases.withUnsafeBufferPointer { phases in
                [Int16](unsafeUninitializedCapacity: outputCount) { output, initialized in
                    for m in 0..<outputCount {
                        // y[m] = Σₖ h[p + kL] · x[base − k] at upsampled time t = mM + delay.
                        let t = m * decimation + delay
                        let phase = t % interpolation
                        let base = t / interpolation
                        let first = max(0, base - input.count + 1)
                        let last = min(taps - 1, base)
                        var accumulator: Float = 0
                        if first <= last {
                            let row = phase * taps
                            for k in first...last {
                                accumulator += phases[row + k] * Float(input[base - k])
                            }
                        }
                        output[m] = Int16(max(-32768, min(32767, accumulator.rounded())))
                    }
                    initialized = outputCount
                }
            }
        }
    }

    /// Averages the channels of interleaved audio into one (a trailing partial frame is dropped).
    public static func downmixToMono(_ interleaved: [Int16], channels: Int) -> [Int16] {
        precondition(channels > 0, "a frame has at least one channel")
        guard channels > 1 else { return interleaved }
        let frames = interleaved.count / channels
        var mono: [Int16] = []
        mono.reserveCapacity(frames)
        for frame in 0..<frames {
            var sum = 0
            for channel in 0..<channels { sum += Int(interleaved[frame * channels + channel]) }
            mono.append(Int16(sum / channels))
        }
        return mono
    }

    /// `audio` as mono 8 kHz samples, ready for ``G711``: downmix, then resample.
    public static func narrowband(_ audio: WAVAudio) throws(ResamplerError) -> [Int16] {
        let resampler = try Resampler(inputRate: audio.format.sampleRate)
        return resampler.resample(downmixToMono(audio.samples, channels: audio.format.channels))
    }

    // MARK: Arithmetic the standard library does not have

    static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// sin(πx)/(πx), with sinc(0) = 1.
    static func sinc(_ x: Double) -> Double {
        x == 0 ? 1 : sine(Double.pi * x) / (Double.pi * x)
    }

    /// sin(x) by reduction to [−π/2, π/2] and its Taylor series, accurate to ~1e-15
    /// there (the Media module does not import Foundation for `sin`).
    static func sine(_ x: Double) -> Double {
        let twoPi = 2 * Double.pi
        var r = x - (x / twoPi).rounded() * twoPi  // −π...π
        if r > Double.pi / 2 { r = Double.pi - r } else if r < -Double.pi / 2 { r = -Double.pi - r }
        let r2 = r * r
        var term = r
        var sum = r
        var n = 1.0
        while abs(term) > 1e-17 {
            term *= -r2 / ((n + 1) * (n + 2))
            sum += term
            n += 2
        }
        return sum
    }

    /// The modified Bessel function of the first kind, order zero, by its power series.
    static func besselI0(_ x: Double) -> Double {
        let half = x / 2
        var term = 1.0
        var sum = 1.0
        var k = 1.0
        while term > 1e-16 * sum {
            term *= (half / k) * (half / k)
            sum += term
            k += 1
        }
        return sum
    }
}

/// An input rate the ``Resampler`` cannot convert; `message` says what to do instead.
public struct ResamplerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable value to switch on or count.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }

        /// The rate is below 8 kHz or above 192 kHz.
        public static let rateOutOfRange = Code("rateOutOfRange")
        /// The rate's ratio to 8 kHz needs more than 320 filter phases (e.g. 44 099 Hz).
        public static let noShortRatio = Code("noShortRatio")

        public var description: String { name }
    }

    public var code: Code
    public var inputRate: Int
    /// A sentence for the person who supplied the audio, ending with what to do next.
    public var message: String

    public init(code: Code, inputRate: Int, message: String) {
        self.code = code
        self.inputRate = inputRate
        self.message = message
    }

    public var description: String { "ResamplerError.\(code): \(message)" }
}
