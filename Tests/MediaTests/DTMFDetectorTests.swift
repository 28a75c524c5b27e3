import Foundation
import XCTest
@testable import Media

final class DTMFDetectorTests: XCTestCase {
    static let rows: [Double] = [697, 770, 852, 941]
    static let columns: [Double] = [1209, 1336, 1477, 1633]
    static let keys = Array("123A456B789C*0#D")
    /// -10 dBm0 per tone (0 dBm0 ≈ 22,690 peak in 16-bit linear).
    static let level = 22_690 * pow(10, -10.0 / 20)

    static func frequencies(_ key: Character) -> (row: Double, column: Double) {
        let i = keys.firstIndex(of: key)!
        return (rows[i / 4], columns[i % 4])
    }

    /// Appends a two-tone burst; `rowScale`/`columnScale` shift the frequencies, `twist` is
    /// column over row in dB (the louder tone stays at `level`).
    static func tone(_ key: Character, ms: Int, into out: inout [Int16], rowScale: Double = 1, columnScale: Double = 1,
                     twist: Double = 0, level: Double = level) {
        let (r, c) = frequencies(key)
        let rowAmp = twist > 0 ? level * pow(10, -twist / 20) : level
        let colAmp = twist < 0 ? level * pow(10, twist / 20) : level
        for n in 0..<(ms * 8) {
            let t = Double(n) / 8000
            let v = rowAmp * sin(2 * .pi * r * rowScale * t) + colAmp * sin(2 * .pi * c * columnScale * t + 1)
            out.append(Int16(v.rounded()))
        }
    }

    static func silence(ms: Int, into out: inout [Int16]) {
        out.append(contentsOf: repeatElement(0, count: ms * 8))
    }

    private func digits(_ samples: [Int16], _ detector: inout DTMFDetector) -> String {
        String(detector.process(samples).map(\.digit.character))
    }

    private func digits(_ samples: [Int16]) -> String {
        var detector = DTMFDetector()
        return digits(samples, &detector)
    }

    // MARK: - Q.24 acceptance and rejection

    func testEveryDigitAtNominalFrequenciesOnceInOrder() {
        var samples: [Int16] = []
        var starts: [Int64] = []
        for key in Self.keys {
            starts.append(Int64(samples.count))
            Self.tone(key, ms: 50, into: &samples)
            Self.silence(ms: 50, into: &samples)
        }
        var detector = DTMFDetector()
        let detections = detector.process(samples)
        XCTAssertEqual(String(detections.map(\.digit.character)), String(Self.keys))
        for (d, start) in zip(detections, starts) {
            // The start is measured to a few samples.
            XCTAssertLessThanOrEqual(abs(d.startSample - start), 20, "\(d) vs \(start)")
        }
        XCTAssertEqual(detector.samplesProcessed, Int64(samples.count))
    }

    func testFrequencyDeviationWithinOnePointFivePercentIsAccepted() {
        for key in Self.keys {
            for (rs, cs) in [(1.015, 1.015), (0.985, 0.985), (1.015, 0.985), (0.985, 1.015)] {
                var samples: [Int16] = []
                Self.silence(ms: 20, into: &samples)
                Self.tone(key, ms: 50, into: &samples, rowScale: rs, columnScale: cs)
                Self.silence(ms: 50, into: &samples)
                XCTAssertEqual(digits(samples), String(key), "\(key) row ×\(rs) column ×\(cs)")
            }
        }
    }

    func testFrequencyDeviationOfThreePointFivePercentIsRejected() {
        for key in Self.keys {
            for (rs, cs) in [(1.035, 1.0), (0.965, 1.0), (1.0, 1.035), (1.0, 0.965)] {
                var samples: [Int16] = []
                Self.silence(ms: 20, into: &samples)
                Self.tone(key, ms: 80, into: &samples, rowScale: rs, columnScale: cs)
                Self.silence(ms: 50, into: &samples)
                XCTAssertEqual(digits(samples), "", "\(key) row ×\(rs) column ×\(cs)")
            }
        }
    }

    func testFortyMillisecondsIsEnoughAndThirtyIsNotAtEveryAlignment() {
        for offset in 0..<51 {
            var samples = [Int16](repeating: 0, count: offset)
            Self.tone("5", ms: 40, into: &samples)
            Self.silence(ms: 50, into: &samples)
            Self.tone("9", ms: 30, into: &samples)
            Self.silence(ms: 50, into: &samples)
            XCTAssertEqual(digits(samples), "5", "offset \(offset)")
        }
    }

    func testTwistLimits() {
        func heard(_ twist: Double) -> String {
            var samples: [Int16] = []
            Self.tone("8", ms: 60, into: &samples, twist: twist)
            Self.silence(ms: 50, into: &samples)
            return digits(samples)
        }
        XCTAssertEqual(heard(7), "8")    // normal twist (column louder) ≤ 8 dB
        XCTAssertEqual(heard(-3), "8")   // reverse twist (row louder) ≤ 4 dB
        XCTAssertEqual(heard(9), "")
        XCTAssertEqual(heard(-5), "")
    }

    func testTooQuietIsIgnored() {
        var samples: [Int16] = []
        Self.tone("1", ms: 60, into: &samples, level: 22_690 * pow(10, -26.0 / 20))
        Self.silence(ms: 50, into: &samples)
        Self.tone("2", ms: 60, into: &samples, level: 22_690 * pow(10, -34.0 / 20))
        XCTAssertEqual(digits(samples), "1")
    }

    func testDigitsInNoiseAreStillHeard() {
        var rng = RTPTestRandom(seed: 3)
        var samples: [Int16] = []
        for key in "0123456789" {
            Self.tone(key, ms: 50, into: &samples)
            Self.silence(ms: 50, into: &samples)
        }
        // White noise 20 dB below the tones.
        let noisy = samples.map { s -> Int16 in Int16(Double(s) + Self.gaussian(&rng) * Self.level / 10 / 2.squareRoot()) }
        XCTAssertEqual(digits(noisy), "0123456789")
    }

    // MARK: - Talk-off: no digits from noise or speech

    static func gaussian(_ rng: inout RTPTestRandom) -> Double {
        // Sum of 12 uniforms, variance 1.
        var s = 0.0
        for _ in 0..<12 { s += Double(rng.next() >> 11) / Double(1 << 53) }
        return s - 6
    }

    func testWhiteNoiseGivesNoDigitsOverSixtySeconds() {
        var rng = RTPTestRandom(seed: 11)
        var detector = DTMFDetector()
        var found = ""
        for second in 0..<60 {
            let rms = [500.0, 3000.0, 10000.0][second % 3]
            let chunk = (0..<8000).map { _ in Int16(max(-32768, min(32767, Self.gaussian(&rng) * rms))) }
            found += digits(chunk, &detector)
        }
        XCTAssertEqual(found, "")
    }

    /// Voiced speech model: a glottal pulse train (harmonics of a pitch that glides and has
    /// vibrato) shaped by three moving formants, with syllable-rate loudness changes.
    static func speechLike(seconds: Int, seed: UInt64) -> [Int16] {
        var rng = RTPTestRandom(seed: seed)
        func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * Double(rng.next() >> 11) / Double(1 << 53) }
        let vowels: [(Double, Double, Double)] = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240),
                                                  (530, 1840, 2480), (660, 1720, 2410), (570, 840, 2410),
                                                  (440, 1020, 2240), (490, 1350, 1690), (640, 1190, 2390)]
        var out: [Int16] = []
        out.reserveCapacity(seconds * 8000)
        var phase = 0.0
        while out.count < seconds * 8000 {
            let syllable = Int(uniform(0.12, 0.35) * 8000)
            let formants = vowels[Int(rng.next() % UInt64(vowels.count))]
            let pitch0 = uniform(85, 260), glide = uniform(-0.3, 0.3)
            let loud = uniform(2000, 12000)
            let vibratoRate = uniform(4, 7), vibratoDepth = uniform(0.01, 0.04)
            var gains: [Double] = []
            for n in 0..<syllable {
                let t = Double(n) / 8000
                let progress = Double(n) / Double(syllable)
                let pitch = pitch0 * (1 + glide * progress) * (1 + vibratoDepth * sin(2 * .pi * vibratoRate * t))
                phase += 2 * .pi * pitch / 8000
                if n % 40 == 0 {
                    // Formant gains per harmonic, refreshed every 5 ms as the pitch moves.
                    gains = (1...Int(3800 / pitch)).map { k in
                        let f = Double(k) * pitch
                        var gain = 0.0
                        for (j, fm) in [formants.0, formants.1, formants.2].enumerated() {
                            let bw = [80.0, 100, 150][j]
                            gain += [1.0, 0.5, 0.25][j] / (1 + ((f - fm) / bw) * ((f - fm) / bw))
                        }
                        return gain / Double(k).squareRoot()
                    }
                }
                // sin(kθ) by the Chebyshev recurrence: one sin and one cos per sample.
                let c2 = 2 * cos(phase)
                var previous = 0.0, current = sin(phase), v = 0.0
                for gain in gains {
                    v += gain * current
                    (previous, current) = (current, c2 * current - previous)
                }
                let envelope = sin(.pi * progress)
                out.append(Int16(max(-32768, min(32767, loud * envelope * v / 2))))
            }
            let pause = Int(uniform(0, 0.15) * 8000)
            out.append(contentsOf: repeatElement(0, count: pause))
        }
        return out
    }

    func testSpeechLikeSignalGivesNoDigitsOverSixtySeconds() {
        for seed: UInt64 in [1, 2] {
            let speech = Self.speechLike(seconds: 60, seed: seed)
            var detector = DTMFDetector()
            XCTAssertEqual(digits(speech, &detector), "", "seed \(seed)")
        }
    }

    // MARK: - Drip-feeding (STYLE habit 5)

    func testChunkingDoesNotChangeTheDigits() {
        var rng = RTPTestRandom(seed: 5)
        var samples: [Int16] = []
        for key in "159#D0*" {
            Self.tone(key, ms: 45 + Int(rng.next() % 40), into: &samples)
            Self.silence(ms: 40 + Int(rng.next() % 40), into: &samples)
        }
        samples += Self.speechLike(seconds: 2, seed: 9)
        var whole = DTMFDetector()
        let expected = whole.process(samples)
        XCTAssertEqual(String(expected.map(\.digit.character)), "159#D0*")
        for chunkSize in [1, 7, 51, 160, 1000] {
            var detector = DTMFDetector()
            var got: [DTMFDetector.Detection] = []
            var i = 0
            while i < samples.count {
                let end = min(i + chunkSize, samples.count)
                got += detector.process(samples[i..<end])
                i = end
            }
            XCTAssertEqual(got, expected, "chunk \(chunkSize)")
        }
    }

    // MARK: - Throughput (printed, not asserted)

    func testThroughput() {
        var samples: [Int16] = []
        for key in Self.keys {
            Self.tone(key, ms: 60, into: &samples)
            Self.silence(ms: 60, into: &samples)
        }
        samples += Self.speechLike(seconds: 8, seed: 4)
        let repeats = 10
        var detector = DTMFDetector()
        var count = 0
        let start = Date()
        for _ in 0..<repeats { count += detector.process(samples).count }
        let elapsed = Date().timeIntervalSince(start)
        let audioSeconds = Double(samples.count * repeats) / 8000
        print("DTMFDetector throughput: \(Int(audioSeconds / elapsed)) s of audio per s (\(audioSeconds) s in \(elapsed) s, \(count) digits)")
        XCTAssertEqual(count, Self.keys.count * repeats)
    }
}
