import Foundation
import XCTest
@testable import Media

final class WAVTests: XCTestCase {
    // MARK: Hand-built files

    /// The canonical 44-byte header, mono 16-bit 8 kHz, four samples: 0, 1, -1, 32767.
    static let canonicalFile: [UInt8] = [
        0x52, 0x49, 0x46, 0x46, 0x2C, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45,  // RIFF 44 WAVE
        0x66, 0x6D, 0x74, 0x20, 0x10, 0x00, 0x00, 0x00,  // "fmt " 16
        0x01, 0x00, 0x01, 0x00, 0x40, 0x1F, 0x00, 0x00,  // PCM, 1 channel, 8000 Hz
        0x80, 0x3E, 0x00, 0x00, 0x02, 0x00, 0x10, 0x00,  // 16000 B/s, align 2, 16 bits
        0x64, 0x61, 0x74, 0x61, 0x08, 0x00, 0x00, 0x00,  // "data" 8
        0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0x7F,
    ]

    func testCanonicalHandBuiltFile() throws {
        let audio = try WAVReader.read(Self.canonicalFile)
        XCTAssertEqual(audio.format, WAVFormat(encoding: .pcm16, sampleRate: 8000, channels: 1))
        XCTAssertEqual(audio.samples, [0, 1, -1, 32767])
        XCTAssertFalse(audio.isTruncated)
        XCTAssertEqual(audio.frameCount, 4)
    }

    func testWriterHeaderMatchesTheCanonicalFile() {
        var writer = WAVWriter()
        _ = writer.append([0, 1, -1, 32767])
        var file = writer.header
        file += [0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0x7F]
        XCTAssertEqual(file, Self.canonicalFile)
    }

    static func chunk(_ id: String, _ body: [UInt8]) -> [UInt8] {
        var bytes = Array(id.utf8)
        bytes.appendRIFFLittleEndian(UInt32(body.count))
        bytes += body
        if body.count % 2 == 1 { bytes.append(0) }
        return bytes
    }

    static func riff(_ chunks: [UInt8]...) -> [UInt8] {
        let body = chunks.joined()
        var bytes = Array("RIFF".utf8)
        bytes.appendRIFFLittleEndian(UInt32(4 + body.count))
        return bytes + Array("WAVE".utf8) + body
    }

    static func fmt(tag: UInt16, channels: UInt16 = 1, rate: UInt32 = 8000, bits: UInt16, extra: [UInt8] = []) -> [UInt8] {
        var body: [UInt8] = []
        let align = channels * bits / 8
        body.appendRIFFLittleEndian(tag)
        body.appendRIFFLittleEndian(channels)
        body.appendRIFFLittleEndian(rate)
        body.appendRIFFLittleEndian(rate * UInt32(align))
        body.appendRIFFLittleEndian(align)
        body.appendRIFFLittleEndian(bits)
        return chunk("fmt ", body + extra)
    }

    func testSkipsUnknownChunksAndOddPadding() throws {
        // A LIST chunk of odd length (pad byte follows) and a fact chunk before the data.
        let list = Array("INFOISFT\u{3}\0\0\0ab\0".utf8)
        XCTAssertEqual(list.count, 15)
        let file = Self.riff(
            Self.chunk("LIST", list),
            Self.fmt(tag: 7, bits: 8, extra: [0, 0]),
            Self.chunk("fact", [3, 0, 0, 0]),
            Self.chunk("data", [0xFF, 0x80, 0x00]),
            Self.chunk("cue ", [1, 2, 3]))
        let audio = try WAVReader.read(file)
        XCTAssertEqual(audio.format, WAVFormat(encoding: .muLaw, sampleRate: 8000, channels: 1))
        XCTAssertEqual(audio.samples, [0, 32124, -32124])
        XCTAssertFalse(audio.isTruncated)
    }

    func testExtensibleWithPCMSubformat() throws {
        // cbSize 22, 16 valid bits, front left + right, KSDATAFORMAT_SUBTYPE_PCM.
        let extra: [UInt8] = [22, 0, 16, 0, 3, 0, 0, 0, 0x01, 0x00] + WAVReader.subformatGUIDTail
        let file = Self.riff(
            Self.fmt(tag: 0xFFFE, channels: 2, rate: 48000, bits: 16, extra: extra),
            Self.chunk("data", [0x01, 0x00, 0xFE, 0xFF, 0x00, 0x80, 0xFF, 0x7F]))
        let audio = try WAVReader.read(file)
        XCTAssertEqual(audio.format, WAVFormat(encoding: .pcm16, sampleRate: 48000, channels: 2))
        XCTAssertEqual(audio.samples, [1, -2, -32768, 32767])
        XCTAssertEqual(audio.frameCount, 2)
    }

    func testExtensibleWithOtherSubformatIsUnsupported() {
        // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT (tag 3).
        let extra: [UInt8] = [22, 0, 32, 0, 4, 0, 0, 0, 0x03, 0x00] + WAVReader.subformatGUIDTail
        let file = Self.riff(Self.fmt(tag: 0xFFFE, bits: 32, extra: extra), Self.chunk("data", [0, 0, 0, 0]))
        XCTAssertThrowsError(try WAVReader.read(file)) { error in
            XCTAssertEqual((error as? WAVError)?.code, .unsupportedFormat)
        }
    }

    func testTruncatedDataChunkYieldsWhatIsThere() throws {
        // The data size claims 100 bytes; a crash left 5 (two samples and half of a third).
        var file = Self.riff(Self.fmt(tag: 1, bits: 16), Array("data".utf8) + [100, 0, 0, 0])
        file += [0x10, 0x00, 0x20, 0x00, 0x30]
        let audio = try WAVReader.read(file)
        XCTAssertEqual(audio.samples, [16, 32])
        XCTAssertTrue(audio.isTruncated)
    }

    func testStreamingPlaceholderSizeReadsToTheEnd() throws {
        var file = Self.riff(Self.fmt(tag: 6, bits: 8), Array("data".utf8) + [0xFF, 0xFF, 0xFF, 0xFF])
        file += [0xD5, 0x55]
        let audio = try WAVReader.read(file)
        XCTAssertEqual(audio.samples, [8, -8])
        XCTAssertFalse(audio.isTruncated)
    }

    // MARK: Errors

    func assertError(_ file: [UInt8], _ code: WAVError.Code, line: UInt = #line) {
        XCTAssertThrowsError(try WAVReader.read(file), line: line) { error in
            guard let error = error as? WAVError else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(error.code, code, line: line)
            XCTAssertFalse(error.message.isEmpty, line: line)
            XCTAssertTrue(error.description.hasPrefix("WAVError.\(code): "), line: line)
        }
    }

    func testErrors() {
        assertError([], .notRIFFWave)
        assertError(Array("RIFF\0\0\0\0AVI ".utf8), .notRIFFWave)
        assertError(Array("RIFX\0\0\0\0WAVE".utf8), .notRIFFWave)
        assertError(Self.riff(Self.chunk("data", [0, 0])), .invalidFormatChunk)
        assertError(Self.riff(Self.chunk("fmt ", [1, 0, 1, 0])), .invalidFormatChunk)
        assertError(Self.riff(Self.fmt(tag: 1, bits: 16)), .missingDataChunk)
        assertError(Self.riff(Self.fmt(tag: 1, bits: 8), Self.chunk("data", [0])), .unsupportedFormat)
        assertError(Self.riff(Self.fmt(tag: 3, bits: 32), Self.chunk("data", [0, 0, 0, 0])), .unsupportedFormat)
        assertError(Self.riff(Self.fmt(tag: 1, channels: 0, bits: 16), Self.chunk("data", [])), .invalidFormatChunk)
        // The fmt chunk claims more bytes than the file has.
        assertError(Array(Self.riff(Self.fmt(tag: 1, bits: 16)).prefix(30)), .invalidFormatChunk)
    }

    func testUnsupportedFormatMessageSaysHowToConvert() {
        XCTAssertThrowsError(try WAVReader.read(Self.riff(Self.fmt(tag: 3, bits: 32), Self.chunk("data", [])))) { error in
            let message = (error as? WAVError)?.message ?? ""
            XCTAssertTrue(message.contains("format 3 with 32-bit samples"), message)
            XCTAssertTrue(message.contains("sox input -r 8000 -c 1 -b 16"), message)
        }
    }

    func testEveryPrefixAndMutationIsReadOrRejected() {
        // Bounded decoder: no prefix or corrupted byte may crash the reader.
        var writer = WAVWriter(format: WAVFormat(encoding: .pcm16, channels: 2))
        var file = writer.header
        for write in writer.append((0..<64).map { Int16($0 * 300 - 9000) }) { file.apply(write) }
        for length in 0...file.count {
            let result = try? WAVReader.read(Array(file.prefix(length)))
            if let result { XCTAssertLessThanOrEqual(result.samples.count, 64) }
        }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            var corrupted = file
            for _ in 0..<3 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                corrupted[Int(seed >> 33) % min(corrupted.count, 60)] = UInt8(truncatingIfNeeded: seed >> 17)
            }
            _ = try? WAVReader.read(corrupted)
        }
    }

    // MARK: Writer

    func roundTrip(_ format: WAVFormat, _ samples: [Int16]) throws -> WAVAudio {
        var writer = WAVWriter(format: format)
        var file = writer.header
        for write in writer.append(samples) { file.apply(write) }
        XCTAssertEqual(Array(file.prefix(44)), writer.header)
        return try WAVReader.read(file)
    }

    static let ramp: [Int16] = (0..<400).map { Int16(truncatingIfNeeded: $0 * 163 - 32000) }

    func testRoundTripMonoPCM() throws {
        let audio = try roundTrip(WAVFormat(), Self.ramp)
        XCTAssertEqual(audio, WAVAudio(format: WAVFormat(), samples: Self.ramp))
    }

    func testRoundTripStereoPCM() throws {
        let format = WAVFormat(encoding: .pcm16, sampleRate: 16000, channels: 2)
        let audio = try roundTrip(format, Self.ramp)
        XCTAssertEqual(audio, WAVAudio(format: format, samples: Self.ramp))
        XCTAssertEqual(audio.frameCount, 200)
    }

    func testRoundTripMuLawAndALaw() throws {
        for law in CompandingLaw.allCases {
            let format = WAVFormat(encoding: law == .muLaw ? .muLaw : .aLaw)
            let audio = try roundTrip(format, Self.ramp)
            XCTAssertEqual(audio.format, format)
            XCTAssertEqual(audio.samples, G711.decode(G711.encode(Self.ramp, law: law), law: law))
        }
    }

    func testFileIsValidAfterEveryAppend() throws {
        for encoding in WAVFormat.Encoding.allCases {
            for channels in 1...2 {
                var writer = WAVWriter(format: WAVFormat(encoding: encoding, channels: channels))
                var file = writer.header
                var written: [Int16] = []
                // Odd counts exercise the pad byte for the 8-bit encodings.
                for (index, count) in [1, 3, 160, 0, 7, 2].enumerated() {
                    let chunk = (0..<(count * channels)).map { Int16(index * 1000 + $0 * 7) }
                    let writes = writer.append(chunk)
                    XCTAssertEqual(writes.map(\.offset), chunk.isEmpty ? [] : [44 + written.count * encoding.bytesPerSample, 40, 4])
                    for write in writes { file.apply(write) }
                    written += chunk
                    let audio = try WAVReader.read(file)
                    let expected = encoding.law.map { G711.decode(G711.encode(written, law: $0), law: $0) } ?? written
                    XCTAssertEqual(audio.samples, expected, "\(encoding) \(channels) after append \(index)")
                    XCTAssertFalse(audio.isTruncated)
                    XCTAssertEqual(file.count % 2, 0, "RIFF files have even length")
                    XCTAssertEqual(Int(file.riffUInt32(at: 4)), file.count - 8)
                    XCTAssertEqual(Array(file.prefix(44)), writer.header)
                }
            }
        }
    }

    func testCrashBetweenPatchesLosesOnlyTheLastAppend() throws {
        var writer = WAVWriter()
        var file = writer.header
        for write in writer.append([1, 2, 3]) { file.apply(write) }
        let writes = writer.append([4, 5])
        // Audio written, sizes not yet: the old sizes still describe a valid file.
        var crashed = file
        crashed.apply(writes[0])
        XCTAssertEqual(try WAVReader.read(crashed).samples, [1, 2, 3])
        // Data size written, RIFF size not: the reader does not trust the RIFF size.
        crashed.apply(writes[1])
        XCTAssertEqual(try WAVReader.read(crashed).samples, [1, 2, 3, 4, 5])
    }

    func testPartialStereoFrameIsDropped() {
        var writer = WAVWriter(format: WAVFormat(channels: 2))
        let writes = writer.append([1, 2, 3])
        XCTAssertEqual(writes.first?.bytes, [1, 0, 2, 0])
        XCTAssertEqual(writer.droppedSampleCount, 1)
        XCTAssertEqual(writer.dataByteCount, 4)
    }

    // MARK: sox

    func testReadsAFileWrittenBySox() throws {
        guard let sox = Self.soxPath else { throw XCTSkip(Self.noSox) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-wav-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(arguments: [String], format: WAVFormat)] = [
            (["-b", "16", "-e", "signed-integer", "-c", "1", "-r", "8000"], WAVFormat(encoding: .pcm16)),
            (["-b", "16", "-e", "signed-integer", "-c", "2", "-r", "44100"], WAVFormat(encoding: .pcm16, sampleRate: 44100, channels: 2)),
            (["-b", "8", "-e", "mu-law", "-c", "1", "-r", "8000"], WAVFormat(encoding: .muLaw)),
            (["-b", "8", "-e", "a-law", "-c", "1", "-r", "8000"], WAVFormat(encoding: .aLaw)),
        ]
        for (index, testCase) in cases.enumerated() {
            let output = directory.appendingPathComponent("tone\(index).wav")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: sox)
            process.arguments = ["-n"] + testCase.arguments + [output.path, "synth", "0.1", "sine", "1000", "vol", "0.5"]
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            let audio = try WAVReader.read(Array(try Data(contentsOf: output)))
            XCTAssertEqual(audio.format, testCase.format)
            XCTAssertEqual(audio.frameCount, testCase.format.sampleRate / 10)
            XCTAssertFalse(audio.isTruncated)
            let peak = audio.samples.map { abs(Int($0)) }.max() ?? 0
            XCTAssertTrue((15000...17000).contains(peak), "peak \(peak) in \(testCase.format)")
        }
    }
}

extension WAVTests {
    /// sox (which decodes G.711 with the same ITU tables) reads what WAVWriter writes.
    func testSoxReadsWhatTheWriterWrites() throws {
        guard let sox = Self.soxPath else { throw XCTSkip(Self.noSox) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-wav-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for encoding in WAVFormat.Encoding.allCases {
            for channels in 1...2 {
                let format = WAVFormat(encoding: encoding, sampleRate: 8000, channels: channels)
                var writer = WAVWriter(format: format)
                var file = writer.header
                // An odd sample count leaves a pad byte for the 8-bit mono files.
                for write in writer.append(Array(Self.ramp.prefix(201 * channels))) { file.apply(write) }
                let input = directory.appendingPathComponent("in.wav")
                let output = directory.appendingPathComponent("out.wav")
                try Data(file).write(to: input)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: sox)
                process.arguments = [input.path, "-e", "signed-integer", "-b", "16", output.path]
                try process.run()
                process.waitUntilExit()
                XCTAssertEqual(process.terminationStatus, 0, "\(format)")
                let converted = try WAVReader.read(Array(try Data(contentsOf: output)))
                let original = try WAVReader.read(file)
                XCTAssertEqual(converted.samples, original.samples, "\(format)")
                XCTAssertEqual(converted.format, WAVFormat(encoding: .pcm16, sampleRate: 8000, channels: channels))
            }
        }
    }

    static var soxPath: String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            .split(separator: ":").map { "\($0)/sox" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let noSox = "sox is not installed (apt-get install sox); the hand-built files cover the same layouts"
}

extension [UInt8] {
    /// Applies a writer patch the way the adapter does: overwrite, then extend.
    mutating func apply(_ write: WAVWrite) {
        if count < write.offset + write.bytes.count {
            append(contentsOf: repeatElement(0, count: write.offset + write.bytes.count - count))
        }
        replaceSubrange(write.offset..<(write.offset + write.bytes.count), with: write.bytes)
    }

    func riffUInt32(at offset: Int) -> UInt32 {
        withUnsafeBufferPointer { $0.riffUInt32(at: offset) }
    }
}
