/// In-band DTMF detection (Goertzel) to ITU-T Q.24 tolerances, for calls that did not
/// negotiate telephone-event. Input: 8 kHz 16-bit linear samples in chunks of any size;
/// output: each key press once, with the sample index where its tone began.
///
/// How it decides (every 51 samples, on the last 102, a 12.75 ms window):
/// - Goertzel filters at the 8 row/column frequencies (Q.23) and the column second
///   harmonics, run over 51-sample halves: the two halves' complex outputs give the
///   window's energy per tone and, from their phase advance, each tone's frequency.
/// - A window is a hit for digit (row, column) when
///   1. both tones reach `minimumLevel` (Q.24 sensitivity),
///   2. the twist is within limits (column over row ≤ `normalTwist`, row over column ≤
///      `reverseTwist`),
///   3. each tone stands `relativePeak` above the other tones of its group,
///   4. the two tones carry `minimumToneEnergyFraction` of the window's energy (speech and
///      noise spread their energy, a DTMF pair does not),
///   5. each column's second harmonic is `secondHarmonicRejection` below it (voiced speech
///      has harmonics, a tone has none; rows are not checked because their harmonics fall
///      within a 102-sample filter's bandwidth of a column tone),
///   6. each measured frequency is within twice `maximumFrequencyDeviation` of nominal
///      (the other tone's leakage into a 51-sample half swings one window's estimate);
///      the run's average must then be within `maximumFrequencyDeviation` itself: Q.24
///      asks to accept ±1.5 % and reject ±3.5 %, so the cut is between, at ±2.5 %.
/// - Hits of one digit in consecutive windows form a run. The tone's length is measured
///   from the tone power of the run's windows and of the window on either side (a window
///   the tone fills partly has proportionally less amplitude), so the `minimumDuration` cut is sharp to a few milliseconds whatever
///   the tone's alignment with the halves. The digit is reported once the tone has lasted
///   that long, or at its end (the falling edge) if the run ended first; a reported digit
///   is released after two windows without it, so a one-window dropout does not repeat it.
public struct DTMFDetector: Sendable {
    /// Thresholds, defaulting to Q.24's commonest values.
    public struct Configuration: Hashable, Sendable {
        /// Weakest tone accepted, in dBm0 (a full-scale sine is +3.17 dBm0, G.711).
        public var minimumLevel: Double = -30
        /// Column (high group) above row, in dB.
        public var normalTwist: Double = 8
        /// Row (low group) above column, in dB.
        public var reverseTwist: Double = 4
        /// Tone above every other tone of its group, in dB.
        public var relativePeak: Double = 8
        /// Column second harmonic below the column tone, in dB.
        public var secondHarmonicRejection: Double = 10
        /// Share of the window's energy the two tones must carry.
        public var minimumToneEnergyFraction: Double = 0.7
        /// Largest relative frequency error accepted.
        public var maximumFrequencyDeviation: Double = 0.025
        /// Shortest tone reported, in milliseconds: Q.24 asks to accept 40 ms; 30 ms and
        /// shorter are rejected. Measured to a few milliseconds from the tone power per half.
        public var minimumDuration: Int = 35

        public init() {}
    }

    /// A detected key press: the digit and the index (from 0, counting every sample fed)
    /// of the first sample of the first window that heard it.
    public struct Detection: Hashable, Sendable {
        public var digit: DTMFDigit
        public var startSample: Int64

        public init(digit: DTMFDigit, startSample: Int64) {
            self.digit = digit
            self.startSample = startSample
        }
    }

    public static let rowFrequencies: [Double] = [697, 770, 852, 941]
    public static let columnFrequencies: [Double] = [1209, 1336, 1477, 1633]
    /// Q.23 keypad: rows 697…941 Hz, columns 1209…1633 Hz.
    static let keypad: [DTMFDigit] = [.one, .two, .three, .a, .four, .five, .six, .b,
                                      .seven, .eight, .nine, .c, .star, .zero, .pound, .d]
    static let half = 51
    static let sampleRate = 8000.0

    public let configuration: Configuration
    /// Samples fed so far.
    public var samplesProcessed: Int64 { halvesCompleted * Int64(Self.half) + Int64(count) }
    private var halvesCompleted: Int64 = 0

    // Filter lanes: 0–3 rows, 4–7 columns, 8–11 column second harmonics, 12–15 unused.
    private let cosine: SIMD16<Double>
    private let sine: SIMD16<Double>
    private let rotateCos: SIMD16<Double>       // cos ωM, to move the second half's phase
    private let rotateSin: SIMD16<Double>
    private let maxPhase: SIMD16<Double>        // cos of the largest phase error accepted (run average)
    private let loosePhase: SIMD16<Double>      // the same for twice that error (one window)
    private let minimumEnergy: Double
    private let normalTwist: Double, reverseTwist: Double, relativePeak: Double
    private let harmonicRatio: Double

    // The Goertzel recursion runs in Float: over a 51-sample half its state stays below
    // 2^21 with 24-bit precision, far finer than the dB margins decided on; it halves the cost.
    private let coefficientFloat: SIMD16<Float>  // 2 cos ω
    private var s1 = SIMD16<Float>(), s2 = SIMD16<Float>()
    /// The filters' state is zero (a half began and only zero samples came since): a zero
    /// sample leaves it zero, so digital silence costs a count, not a filter step.
    private var quiet = true
    private var energy = 0.0
    private var count = 0
    private var previous: (re: SIMD16<Double>, im: SIMD16<Double>, energy: Double)?
    /// Energy per filter of the previous window (the one before a run starts).
    private var previousWindowEnergy = SIMD16<Double>()
    /// A run of windows hearing the same digit.
    private struct Run: Sendable {
        var digit: DTMFDigit
        var row: Int, column: Int
        /// Index of the first half of the window before the run (the tone may begin in it).
        var firstHalf: Int64
        /// Energy of the run's two tones in each window from that one on.
        var powers: [Double]
        /// Sums of the windows' unit phase-advance phasors.
        var rowPhase = (re: 0.0, im: 0.0), columnPhase = (re: 0.0, im: 0.0)
        var hits = 1
        var reported = false
        var misses = 0

        mutating func add(_ hit: Hit) {
            rowPhase.re += hit.rowPhase.re
            rowPhase.im += hit.rowPhase.im
            columnPhase.re += hit.columnPhase.re
            columnPhase.im += hit.columnPhase.im
        }
    }

    /// A window that heard a digit, with each tone's phase advance beyond nominal.
    private struct Hit {
        var digit: DTMFDigit
        var row: Int, column: Int
        var rowPhase: (re: Double, im: Double), columnPhase: (re: Double, im: Double)
    }
    private var run: Run?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        var freqs = [Double](repeating: 0, count: 16)
        for i in 0..<4 {
            freqs[i] = Self.rowFrequencies[i]
            freqs[4 + i] = Self.columnFrequencies[i]
            freqs[8 + i] = 2 * Self.columnFrequencies[i]
        }
        var coefficient = SIMD16<Double>(), cosine = SIMD16<Double>(), sine = SIMD16<Double>()
        var rotateCos = SIMD16<Double>(), rotateSin = SIMD16<Double>()
        var maxPhase = SIMD16<Double>(repeating: -2), loosePhase = SIMD16<Double>(repeating: -2)
        let m = Double(Self.half)
        for i in 0..<12 {
            let omega = 2 * Double.pi * freqs[i] / Self.sampleRate
            cosine[i] = dtmfCos(omega)
            sine[i] = dtmfSin(omega)
            coefficient[i] = 2 * cosine[i]
            rotateCos[i] = dtmfCos(omega * m)
            rotateSin[i] = dtmfSin(omega * m)
            if i < 8 {
                // Phase advance over M samples of a tone Δf off nominal is 2πΔf·M/fs.
                let angle = 2 * .pi * configuration.maximumFrequencyDeviation * freqs[i] * m / Self.sampleRate
                maxPhase[i] = dtmfCos(angle)
                loosePhase[i] = 2 * angle >= .pi ? -2 : dtmfCos(2 * angle)
            }
        }
        self.coefficientFloat = SIMD16<Float>(coefficient)
        self.cosine = cosine
        self.sine = sine
        self.rotateCos = rotateCos
        self.rotateSin = rotateSin
        self.maxPhase = maxPhase
        self.loosePhase = loosePhase
        let amplitude = 22_690 * dtmfPow10(configuration.minimumLevel / 20)
        // Energy of a tone of that amplitude in the normalized window energy below: A²N/2.
        minimumEnergy = amplitude * amplitude * Double(2 * Self.half) / 2
        normalTwist = dtmfPow10(configuration.normalTwist / 10)
        reverseTwist = dtmfPow10(configuration.reverseTwist / 10)
        relativePeak = dtmfPow10(configuration.relativePeak / 10)
        harmonicRatio = dtmfPow10(-configuration.secondHarmonicRejection / 10)
    }

    /// Feeds samples; returns the digits whose detection completed within them.
    public mutating func process(_ samples: UnsafeBufferPointer<Int16>) -> [Detection] {
        var detections: [Detection] = []
        var s1 = self.s1, s2 = self.s2, energy = self.energy, count = self.count, quiet = self.quiet
        let coefficient = self.coefficientFloat
        for sample in samples {
            if !(quiet && sample == 0) {
                quiet = false
                let x = Float(sample)
                energy += Double(x * x)
                let s0 = coefficient * s1 - s2 + SIMD16(repeating: x)
                s2 = s1
                s1 = s0
            }
            count += 1
            if count == Self.half {
                halvesCompleted += 1
                let d1 = SIMD16<Double>(s1), d2 = SIMD16<Double>(s2)
                let re = d1 - cosine * d2
                let im = sine * d2
                if let d = endOfHalf(re: re, im: im, energy: energy) { detections.append(d) }
                s1 = SIMD16(); s2 = SIMD16(); energy = 0; count = 0; quiet = true
            }
        }
        self.s1 = s1; self.s2 = s2; self.energy = energy; self.count = count; self.quiet = quiet
        return detections
    }

    /// Feeds samples from an array or slice.
    public mutating func process(_ samples: some Collection<Int16>) -> [Detection] {
        if let done = samples.withContiguousStorageIfAvailable({ process($0) }) { return done }
        return Array(samples).withUnsafeBufferPointer { process($0) }
    }

    private mutating func endOfHalf(re: SIMD16<Double>, im: SIMD16<Double>, energy: Double) -> Detection? {
        defer { previous = (re, im, energy) }
        guard let prev = previous else { return nil }
        let (heard, windowEnergy) = window(prev: prev, re: re, im: im, energy: energy)
        defer { previousWindowEnergy = windowEnergy }
        return track(heard, power: windowEnergy, half: halvesCompleted - 1)
    }

    /// The digit the window (previous half + this half) hears, if any (see the type's doc).
    private func window(prev: (re: SIMD16<Double>, im: SIMD16<Double>, energy: Double),
                        re: SIMD16<Double>, im: SIMD16<Double>, energy: Double)
                        -> (Hit?, SIMD16<Double>) {
        let total = prev.energy + energy
        guard total > 0 else { return (nil, SIMD16()) }
        // Second half rotated back by ωM so it adds in phase with the first for a nominal tone.
        let wRe = re * rotateCos + im * rotateSin
        let wIm = im * rotateCos - re * rotateSin
        let fRe = prev.re + wRe, fIm = prev.im + wIm
        let e = (fRe * fRe + fIm * fIm) * (2 / Double(2 * Self.half))
        var row = 0, column = 4
        for i in 1..<4 where e[i] > e[row] { row = i }
        for i in 5..<8 where e[i] > e[column] { column = i }
        let er = e[row], ec = e[column]
        guard er >= minimumEnergy, ec >= minimumEnergy,
              ec <= er * normalTwist, er <= ec * reverseTwist,
              er + ec >= configuration.minimumToneEnergyFraction * total,
              e[column + 4] <= ec * harmonicRatio else { return (nil, e) }
        for i in 0..<8 where i != row && i != column {
            if e[i] * relativePeak > (i < 4 ? er : ec) { return (nil, e) }
        }
        // Phase advance beyond nominal as a unit phasor, from w·conj(prev). The other tone
        // leaks into a 51-sample half and swings it from window to window, so one window
        // is held to twice the limit and the run's average to the limit itself.
        var phasors: [(re: Double, im: Double)] = []
        for i in [row, column] {
            let re = wRe[i] * prev.re[i] + wIm[i] * prev.im[i]
            let im = wIm[i] * prev.re[i] - wRe[i] * prev.im[i]
            let size = (re * re + im * im).squareRoot()
            guard size > 0, re >= loosePhase[i] * size else { return (nil, e) }
            phasors.append((re / size, im / size))
        }
        return (Hit(digit: Self.keypad[row * 4 + (column - 4)], row: row, column: column,
                    rowPhase: phasors[0], columnPhase: phasors[1]), e)
    }

    /// Follows runs of hit windows (see the type's doc); returns a digit once per run.
    private mutating func track(_ heard: Hit?, power: SIMD16<Double>, half h: Int64) -> Detection? {
        if let heard, var current = run, heard.digit == current.digit {
            current.hits += 1
            current.misses = 0
            defer { run = current }
            guard !current.reported else { return nil }
            current.add(heard)
            current.powers.append(power[current.row] + power[current.column])
            return report(&current)
        }
        if let heard {
            let before = previousWindowEnergy[heard.row] + previousWindowEnergy[heard.column]
            var new = Run(digit: heard.digit, row: heard.row, column: heard.column, firstHalf: h - 2,
                          powers: [before, power[heard.row] + power[heard.column]])
            new.add(heard)
            run = new
            return nil
        }
        guard var current = run else { return nil }
        if current.reported {
            // A reported tone survives a one-window dropout without being repeated.
            current.misses += 1
            run = current.misses >= 2 ? nil : current
            return nil
        }
        run = nil
        current.powers.append(power[current.row] + power[current.column])  // the window the tone ended in
        return report(&current)
    }

    /// Reports the run's digit once the tone it heard lasted `minimumDuration`.
    private func report(_ run: inout Run) -> Detection? {
        guard run.hits >= 2 else { return nil }
        // Both tones' average frequency within `maximumFrequencyDeviation` (Q.24 ±1.5 % / ±3.5 %).
        for (lane, p) in [(run.row, run.rowPhase), (run.column, run.columnPhase)] {
            guard p.re >= maxPhase[lane] * (p.re * p.re + p.im * p.im).squareRoot() else { return nil }
        }
        // Amplitude grows with the share of a window the tone fills; the reference is the
        // level of the windows it fills (those at least half as strong as the loudest).
        // Every half lies in two windows, so the covered samples are 51 × Σ coverage.
        let loudest = run.powers.max()!
        let full = run.powers.filter { $0 >= loudest / 2 }
        let reference = full.reduce(0, +) / Double(full.count)
        let cover = run.powers.map { min(1, ($0 / reference).squareRoot()) }
        let samples = cover.reduce(0, +) * Double(Self.half)
        guard samples >= Double(configuration.minimumDuration * 8) else { return nil }
        run.reported = true
        // The window before the run holds the tone's first 2 × 51 × coverage samples.
        let lead = Int64((2 * cover[0] * Double(Self.half)).rounded())
        let start = run.firstHalf < 0 ? 0 : (run.firstHalf + 2) * Int64(Self.half) - lead  // heard from sample 0
        return Detection(digit: run.digit, startSample: start)
    }
}

// The standard library has no trigonometry; these series only set up constants.
private func dtmfSin(_ x: Double) -> Double { dtmfCos(x - .pi / 2) }

private func dtmfCos(_ x: Double) -> Double {
    var r = x.truncatingRemainder(dividingBy: 2 * .pi)
    if r > .pi { r -= 2 * .pi } else if r < -.pi { r += 2 * .pi }
    let r2 = r * r
    var term = 1.0, sum = 1.0
    for n in stride(from: 2, through: 40, by: 2) {
        term *= -r2 / Double((n - 1) * n)
        sum += term
    }
    return sum
}

private func dtmfPow10(_ x: Double) -> Double {
    // e^(x ln 10), by a series on a small argument then repeated squaring.
    var y = x * 2.302585092994046 / 1024
    var term = 1.0, sum = 1.0
    for n in 1...20 {
        term *= y / Double(n)
        sum += term
    }
    y = sum
    for _ in 0..<10 { y *= y }
    return y
}
