import Foundation
import XCTest
@testable import Media

final class G711Tests: XCTestCase {
    // MARK: ITU-T G.711 reference values

    func testMuLawReferenceValues() {
        // G.711 Table 2b: 0xFF and 0x7F are the two zeros, 0x80/0x00 the extremes.
        XCTAssertEqual(G711.decodeMuLaw(0xFF), 0)
        XCTAssertEqual(G711.decodeMuLaw(0x7F), 0)
        XCTAssertEqual(G711.decodeMuLaw(0x80), 32124)
        XCTAssertEqual(G711.decodeMuLaw(0x00), -32124)
        XCTAssertEqual(G711.decodeMuLaw(0xFE), 8)
        XCTAssertEqual(G711.decodeMuLaw(0x7E), -8)
        XCTAssertEqual(G711.encodeMuLaw(0), 0xFF)
        XCTAssertEqual(G711.encodeMuLaw(32124), 0x80)
        XCTAssertEqual(G711.encodeMuLaw(-32124), 0x00)
        XCTAssertEqual(G711.encodeMuLaw(Int16.max), 0x80)
        XCTAssertEqual(G711.encodeMuLaw(Int16.min), 0x00)
    }

    func testALawReferenceValues() {
        // G.711 Table 1b: 0xD5/0x55 are the smallest steps, 0xAA/0x2A the extremes.
        XCTAssertEqual(G711.decodeALaw(0xD5), 8)
        XCTAssertEqual(G711.decodeALaw(0x55), -8)
        XCTAssertEqual(G711.decodeALaw(0xAA), 32256)
        XCTAssertEqual(G711.decodeALaw(0x2A), -32256)
        XCTAssertEqual(G711.encodeALaw(0), 0xD5)
        XCTAssertEqual(G711.encodeALaw(-1), 0x55)
        XCTAssertEqual(G711.encodeALaw(8), 0xD5)
        XCTAssertEqual(G711.encodeALaw(-8), 0x55)
        XCTAssertEqual(G711.encodeALaw(32256), 0xAA)
        XCTAssertEqual(G711.encodeALaw(-32256), 0x2A)
        XCTAssertEqual(G711.encodeALaw(Int16.max), 0xAA)
        XCTAssertEqual(G711.encodeALaw(Int16.min), 0x2A)
    }

    func testPayloadTypes() {
        XCTAssertEqual(CompandingLaw.muLaw.rtpPayloadType, 0)
        XCTAssertEqual(CompandingLaw.aLaw.rtpPayloadType, 8)
        XCTAssertEqual(CompandingLaw(rtpPayloadType: 0), .muLaw)
        XCTAssertEqual(CompandingLaw(rtpPayloadType: 8), .aLaw)
        XCTAssertNil(CompandingLaw(rtpPayloadType: 9))
        XCTAssertEqual(CompandingLaw.muLaw.encodingName, "PCMU")
        XCTAssertEqual(CompandingLaw.aLaw.encodingName, "PCMA")
    }

    // MARK: Every code word

    func testMuLawEncodeDecodeIsIdempotentForAllCodes() {
        for code in UInt8.min...UInt8.max {
            let decoded = G711.decodeMuLaw(code)
            // 0x7F is "negative zero": it decodes to 0, which encodes as 0xFF.
            let expected: UInt8 = code == 0x7F ? 0xFF : code
            XCTAssertEqual(G711.encodeMuLaw(decoded), expected, "code \(code)")
            XCTAssertEqual(G711.decodeMuLaw(G711.encodeMuLaw(decoded)), decoded, "code \(code)")
        }
    }

    func testALawEncodeDecodeIsIdempotentForAllCodes() {
        for code in UInt8.min...UInt8.max {
            XCTAssertEqual(G711.encodeALaw(G711.decodeALaw(code)), code, "code \(code)")
        }
    }

    func testEncodersAreMonotonic() {
        for law in CompandingLaw.allCases {
            var previous = G711.decode(G711.encode(Int16.min, law: law), law: law)
            for sample in Int16.min...Int16.max {
                let level = G711.decode(G711.encode(sample, law: law), law: law)
                XCTAssertGreaterThanOrEqual(level, previous, "\(law) at \(sample)")
                previous = level
            }
        }
    }

    func testDecodeTablesHaveDistinctLevels() {
        // Every code word is its own level, apart from μ-law's two zeros.
        XCTAssertEqual(Set(G711.muLawDecodeTable).count, 255)
        XCTAssertEqual(Set(G711.aLawDecodeTable).count, 256)
    }

    func testQuantisationErrorIsWithinHalfAStep() {
        // Each decoded level sits in the middle of its interval, so the error of
        // any sample is at most half the widest step (1024 for μ-law's top segment).
        for law in CompandingLaw.allCases {
            var worst = 0
            for sample in Int16.min...Int16.max {
                let level = G711.decode(G711.encode(sample, law: law), law: law)
                worst = max(worst, abs(Int(level) - Int(sample)))
            }
            XCTAssertLessThanOrEqual(worst, law == .muLaw ? 644 : 512, "\(law)")
        }
    }

    // MARK: Signal quality

    func testSineAtMinus10dBFSHasSNRAbove35dB() {
        // 1 kHz at -10 dBFS (G.712 measures at about this level), one second at 8 kHz.
        let amplitude = 32767 * pow(10, -10.0 / 20)
        let pcm = (0..<8000).map { n in
            Int16((amplitude * sin(2 * Double.pi * 1000 * Double(n) / 8000 + 0.3)).rounded())
        }
        for law in CompandingLaw.allCases {
            let decoded = G711.decode(G711.encode(pcm, law: law), law: law)
            var signal = 0.0
            var noise = 0.0
            for (original, level) in zip(pcm, decoded) {
                signal += Double(original) * Double(original)
                noise += (Double(level) - Double(original)) * (Double(level) - Double(original))
            }
            let snr = 10 * log10(signal / noise)
            XCTAssertGreaterThan(snr, 35, "\(law): SNR \(snr) dB")
        }
    }

    // MARK: Buffers and transcoding

    func testBufferFunctionsMatchSingleSamplesAndAppend() {
        let pcm: [Int16] = [0, 1, -1, 100, -100, 5000, -5000, .max, .min]
        for law in CompandingLaw.allCases {
            var codes: [UInt8] = [0x42]
            G711.encode(pcm, law: law, into: &codes)
            XCTAssertEqual(codes, [0x42] + pcm.map { G711.encode($0, law: law) })
            var samples: [Int16] = [7]
            G711.decode(Array(codes.dropFirst()), law: law, into: &samples)
            XCTAssertEqual(samples, [7] + codes.dropFirst().map { G711.decode($0, law: law) })
        }
    }

    func testTranscodeMatchesDecodeThenEncode() {
        let all = Array(UInt8.min...UInt8.max)
        XCTAssertEqual(G711.transcode(all, from: .muLaw, to: .aLaw), all.map { G711.encodeALaw(G711.decodeMuLaw($0)) })
        XCTAssertEqual(G711.transcode(all, from: .aLaw, to: .muLaw), all.map { G711.encodeMuLaw(G711.decodeALaw($0)) })
        XCTAssertEqual(G711.transcode(all, from: .aLaw, to: .aLaw), all)
        // Known pairs: silence maps to silence, full scale to full scale.
        XCTAssertEqual(G711.muLawToALawTable[0xFF], 0xD5)
        XCTAssertEqual(G711.aLawToMuLawTable[0xAA], 0x80)
    }

    func testTranscodeStaysWithinOneStepOfTheSource() {
        for code in UInt8.min...UInt8.max {
            let original = Int(G711.decodeMuLaw(code))
            let viaALaw = Int(G711.decodeALaw(G711.muLawToALawTable[Int(code)]))
            // The A-law step at this level bounds the error.
            XCTAssertLessThanOrEqual(abs(viaALaw - original), max(16, abs(original) / 16), "μ-law \(code)")
        }
    }

    func testDecodeIntoABufferMatchesTheArrayDecoderAndStopsWhenFull() {
        let codes: [UInt8] = Array(0...255)
        for law in [CompandingLaw.muLaw, .aLaw] {
            var out = [Int16](repeating: 7, count: 100)
            let n = codes.withUnsafeBufferPointer { c in out.withUnsafeMutableBufferPointer { G711.decode(c, law: law, into: $0) } }
            XCTAssertEqual(n, 100)
            XCTAssertEqual(out, Array(G711.decode(codes, law: law).prefix(100)))
        }
    }
}
