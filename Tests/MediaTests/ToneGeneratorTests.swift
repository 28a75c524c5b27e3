import Foundation
import XCTest
@testable import Media

final class ToneGeneratorTests: XCTestCase {
    /// Power of `samples` at `frequency` relative to the total (single-bin DFT).
    static func share(_ samples: ArraySlice<Int16>, at frequency: Double) -> Double {
        var re = 0.0, im = 0.0, total = 0.0
        for (n, s) in samples.enumerated() {
            let x = Double(s)
            let w = 2 * Double.pi * frequency * Double(n) / 8000
            re += x * cos(w)
            im -= x * sin(w)
            total += x * x
        }
        guard total > 0 else { return 0 }
        return 2 * (re * re + im * im) / (Double(samples.count) * total)
    }

    static func frames(_ generator: inout ToneGenerator, _ count: Int) -> [[Int16]] {
        (0..<count).map { _ in generator.nextFrame() }
    }

    static func peak(_ samples: some Collection<Int16>) -> Int {
        samples.map { abs(Int($0)) }.max() ?? 0
    }

    // MARK: Frequencies and phase

    func testChinaRingbackIsA450HzToneAtMinus10dBm0() {
        var generator = ToneGenerator(.ringback(.china))
        let samples = Self.frames(&generator, 50).flatMap { $0 }
        XCTAssertGreaterThan(Self.share(samples[...], at: 450), 0.99)
        XCTAssertLessThan(Self.share(samples[...], at: 1000), 0.001)
        let expected = 22_690 * pow(10, -10.0 / 20)
        XCTAssertEqual(Double(Self.peak(samples)), expected, accuracy: 2)
    }

    func testNorthAmericanRingbackMixes440And480Hz() {
        var generator = ToneGenerator(.ringback(.northAmerica))
        let samples = Self.frames(&generator, 100).flatMap { $0 }
        let a = Self.share(samples[...], at: 440), b = Self.share(samples[...], at: 480)
        XCTAssertEqual(a, 0.5, accuracy: 0.01)
        XCTAssertEqual(b, 0.5, accuracy: 0.01)
    }

    func testBeepIs1kHzFor200msThenSilenceAndFinishes() {
        var generator = ToneGenerator(.beep)
        XCTAssertEqual(generator.frameCount, 10)
        let tone = Self.frames(&generator, 10)
        XCTAssertGreaterThan(Self.share(tone.flatMap { $0 }[...], at: 1000), 0.99)
        XCTAssertTrue(generator.isFinished)
        XCTAssertEqual(generator.nextFrame(), [Int16](repeating: 0, count: 160))
        XCTAssertEqual(generator.samplesGenerated, 11 * 160)
    }

    func testSilenceIsZerosAndNeverFinishes() {
        var generator = ToneGenerator(.silence)
        for _ in 0..<5 { XCTAssertEqual(generator.nextFrame(), [Int16](repeating: 0, count: 160)) }
        XCTAssertFalse(generator.isFinished)
        XCTAssertNil(generator.frameCount)
    }

    func testPhaseRunsOnAcrossFramesLikeOneContinuousSine() {
        var generator = ToneGenerator(.beep)
        let samples = Self.frames(&generator, 10).flatMap { $0 }
        let amplitude = 22_690 * pow(10, -10.0 / 20)
        for (n, s) in samples.enumerated() {
            let expected = amplitude * sin(2 * .pi * 1000 * Double(n) / 8000)
            XCTAssertEqual(Double(s), expected, accuracy: 1, "sample \(n)")
        }
    }

    // MARK: Cadences, exact to the frame and sample

    func testChinaRingbackIs50FramesOn200FramesOffAndRepeats() {
        var generator = ToneGenerator(.ringback(.china))
        for cycle in 0..<2 {
            let frames = Self.frames(&generator, 250)
            for (i, frame) in frames.enumerated() {
                if i < 50 {
                    XCTAssertGreaterThan(Self.peak(frame), 1000, "cycle \(cycle) frame \(i) should sound")
                } else {
                    XCTAssertEqual(Self.peak(frame), 0, "cycle \(cycle) frame \(i) should be silent")
                }
            }
        }
        XCTAssertFalse(generator.isFinished)
    }

    func testNorthAmericanRingbackIs100FramesOn200FramesOff() {
        var generator = ToneGenerator(.ringback(.northAmerica))
        let frames = Self.frames(&generator, 301)
        XCTAssertEqual(frames.indices.filter { Self.peak(frames[$0]) > 0 }, Array(0..<100) + [300])
    }

    func testChinaBusyIs350msOn350msOffToTheSample() {
        var generator = ToneGenerator(.busy(.china))
        // 350 ms = 2800 samples = 17.5 frames.
        let samples = Self.frames(&generator, 70).flatMap { $0 }
        XCTAssertEqual(samples.count, 11_200)
        for (start, on) in [(0, true), (2800, false), (5600, true), (8400, false)] {
            let burst = samples[start..<(start + 2800)]
            if on {
                // A 450 Hz sine crosses zero every ~8.9 samples: no 20-sample stretch of zeros.
                XCTAssertGreaterThan(Self.share(burst, at: 450), 0.99, "burst at \(start)")
                XCTAssertGreaterThan(Self.peak(burst.prefix(20)), 0)
                XCTAssertGreaterThan(Self.peak(burst.suffix(20)), 0)
            } else {
                XCTAssertEqual(Self.peak(burst), 0, "gap at \(start)")
            }
        }
        // Frame 17 is half tone, half silence.
        let frame17 = samples[(17 * 160)..<(18 * 160)]
        XCTAssertGreaterThan(Self.peak(frame17.prefix(80)), 1000)
        XCTAssertEqual(Self.peak(frame17.suffix(80)), 0)
    }

    // MARK: In-band DTMF

    func testDTMFDigitsUseTheirQ23RowAndColumnFrequencies() {
        for digit in DTMFDigit.allCases {
            var generator = ToneGenerator(.dtmf([digit], toneMilliseconds: 100, gapMilliseconds: 0))
            let samples = Self.frames(&generator, 5).flatMap { $0 }
            let (row, column) = ToneGenerator.frequencies(of: digit)
            XCTAssertEqual(Self.share(samples[...], at: row), 0.5, accuracy: 0.02, "\(digit) row")
            XCTAssertEqual(Self.share(samples[...], at: column), 0.5, accuracy: 0.02, "\(digit) column")
            XCTAssertTrue(generator.isFinished)
        }
        XCTAssertTrue(ToneGenerator.frequencies(of: .one) == (697, 1209))
        XCTAssertTrue(ToneGenerator.frequencies(of: .pound) == (941, 1477))
        XCTAssertTrue(ToneGenerator.frequencies(of: .d) == (941, 1633))
    }

    func testDTMFTimingIsToneThenGapPerDigit() {
        var generator = ToneGenerator(.dtmf([.five, .nine], toneMilliseconds: 60, gapMilliseconds: 40))
        XCTAssertEqual(generator.frameCount, 10)
        let samples = Self.frames(&generator, 10).flatMap { $0 }
        XCTAssertTrue(generator.isFinished)
        XCTAssertGreaterThan(Self.peak(samples[0..<480]), 0)
        XCTAssertEqual(Self.peak(samples[480..<800]), 0)
        XCTAssertGreaterThan(Self.peak(samples[800..<1280]), 0)
        XCTAssertEqual(Self.peak(samples[1280..<1600]), 0)
    }

    func testDTMFIsDetectedByTheModulesDetectorDigitForDigit() {
        let digits = DTMFDigit.allCases + [.one, .one, .zero, .pound]
        var generator = ToneGenerator(.dtmf(digits))
        var detector = DTMFDetector()
        var heard: [DTMFDigit] = []
        while !generator.isFinished {
            heard += detector.process(generator.nextFrame()).map(\.digit)
        }
        heard += detector.process(generator.nextFrame()).map(\.digit)
        XCTAssertEqual(heard, digits)
    }

    func testShortestQ24DTMFAtLowLevelIsStillDetected() {
        let digits: [DTMFDigit] = [.seven, .star, .three]
        var generator = ToneGenerator(.dtmf(digits, toneMilliseconds: 50, gapMilliseconds: 50,
                                            rowLevelDBm0: -20, columnLevelDBm0: -18))
        var detector = DTMFDetector()
        var heard: [DTMFDigit] = []
        for _ in 0..<(generator.frameCount! + 2) {
            heard += detector.process(generator.nextFrame()).map(\.digit)
        }
        XCTAssertEqual(heard, digits)
    }

    func testPowerOfTenMatchesFoundation() {
        for x in stride(from: -4.0, through: 2.0, by: 0.25) {
            XCTAssertEqual(ToneGenerator.power10(x), pow(10, x), accuracy: pow(10, x) * 1e-12, "10^\(x)")
        }
    }
}
