import XCTest
@testable import Media

final class CallRecorderTests: XCTestCase {
    /// The file as the adapter leaves it: the header at 0, then every write applied in order.
    private struct File {
        var bytes: [UInt8]

        init(header: [UInt8]) { bytes = header }

        mutating func apply(_ writes: [WAVWrite]) {
            for w in writes {
                if bytes.count < w.offset + w.bytes.count {
                    bytes.append(contentsOf: repeatElement(0, count: w.offset + w.bytes.count - bytes.count))
                }
                bytes.replaceSubrange(w.offset..<(w.offset + w.bytes.count), with: w.bytes)
            }
        }
    }

    /// A 160-byte frame whose bytes step from `start` (so every sample differs).
    private func frame(from start: UInt8, step: UInt8 = 1) -> [UInt8] {
        (0..<160).map { start &+ UInt8(truncatingIfNeeded: $0) &* step }
    }

    func testHeaderBeforeAnyAudioIsAnEmptyFileOfTheLayout() throws {
        let stereo = try WAVReader.read(CallRecorder(layout: .stereo).header)
        XCTAssertEqual(stereo.format, WAVFormat(encoding: .pcm16, sampleRate: 8000, channels: 2))
        XCTAssertEqual(stereo.samples, [])
        let mono = try WAVReader.read(CallRecorder(layout: .mono).header)
        XCTAssertEqual(mono.format, WAVFormat(encoding: .pcm16, sampleRate: 8000, channels: 1))
        XCTAssertEqual(CallRecorder(layout: .mono).header.count, 44)
    }

    func testStereoPutsTheCallerLeftAndTheOtherPartyRight() throws {
        var recorder = CallRecorder(layout: .stereo, flushFrames: 2)
        var file = File(header: recorder.header)
        let callerA = frame(from: 0x10), callerB = frame(from: 0x90)
        let agentA = frame(from: 0x20, step: 3), agentB = frame(from: 0xC0, step: 5)
        XCTAssertEqual(recorder.append(left: callerA, leftLaw: .muLaw, right: agentA, rightLaw: .aLaw), [])
        file.apply(recorder.append(left: callerB, leftLaw: .muLaw, right: agentB, rightLaw: .aLaw))
        let audio = try WAVReader.read(file.bytes)
        XCTAssertEqual(audio.format.channels, 2)
        XCTAssertFalse(audio.isTruncated)
        let left = stride(from: 0, to: audio.samples.count, by: 2).map { audio.samples[$0] }
        let right = stride(from: 1, to: audio.samples.count, by: 2).map { audio.samples[$0] }
        XCTAssertEqual(left, G711.decode(callerA + callerB, law: .muLaw))
        XCTAssertEqual(right, G711.decode(agentA + agentB, law: .aLaw), "each side decoded in its own law")
    }

    func testStereoMissingSideIsSilence() throws {
        var recorder = CallRecorder(layout: .stereo, flushFrames: 1)
        var file = File(header: recorder.header)
        let caller = frame(from: 0x30)
        file.apply(recorder.append(left: caller, leftLaw: .muLaw, right: nil, rightLaw: .muLaw))
        // A frame that is not 160 bytes is not audio the recorder can place: silence too.
        file.apply(recorder.append(left: [0x00, 0x01], leftLaw: .muLaw, right: caller, rightLaw: .muLaw))
        let samples = try WAVReader.read(file.bytes).samples
        let decoded = G711.decode(caller, law: .muLaw)
        var expected: [Int16] = []
        for s in decoded { expected += [s, 0] }
        for s in decoded { expected += [0, s] }
        XCTAssertEqual(samples, expected)
    }

    func testMonoMixesBothSidesAndClamps() throws {
        var recorder = CallRecorder(layout: .mono, flushFrames: 1)
        var file = File(header: recorder.header)
        let left = frame(from: 0x40, step: 7), right = frame(from: 0xA0, step: 11)
        file.apply(recorder.append(left: left, leftLaw: .muLaw, right: right, rightLaw: .aLaw))
        // μ-law 0x80 is +32124 and 0x00 is -32124: two of them overflow 16 bits both ways.
        XCTAssertEqual(G711.decodeMuLaw(0x80), 32_124)
        XCTAssertEqual(G711.decodeMuLaw(0x00), -32_124)
        let loud = [UInt8](repeating: 0x80, count: 80) + [UInt8](repeating: 0x00, count: 80)
        file.apply(recorder.append(left: loud, leftLaw: .muLaw, right: loud, rightLaw: .muLaw))
        file.apply(recorder.append(left: nil, leftLaw: .muLaw, right: right, rightLaw: .aLaw))
        let audio = try WAVReader.read(file.bytes)
        XCTAssertEqual(audio.format.channels, 1)
        let l = G711.decode(left, law: .muLaw), r = G711.decode(right, law: .aLaw)
        let mixed = (0..<160).map { Int16(clamping: Int32(l[$0]) + Int32(r[$0])) }
        XCTAssertEqual(Array(audio.samples[0..<160]), mixed)
        XCTAssertEqual(Array(audio.samples[160..<320]),
                       Array(repeating: Int16.max, count: 80) + Array(repeating: Int16.min, count: 80))
        XCTAssertEqual(Array(audio.samples[320..<480]), r)
    }

    func testFlushesEveryFlushFramesTicksExactlyWithAValidHeaderEachTime() throws {
        var recorder = CallRecorder(layout: .stereo, flushFrames: 3)
        var file = File(header: recorder.header)
        var flushedAt: [Int] = []
        for tick in 1...9 {
            let writes = recorder.append(left: frame(from: UInt8(tick)), leftLaw: .muLaw, right: nil, rightLaw: .muLaw)
            guard !writes.isEmpty else { continue }
            flushedAt.append(tick)
            let chunk = 3 * 160 * 2 * 2
            XCTAssertEqual(writes.map(\.offset), [44 + (tick / 3 - 1) * chunk, 40, 4],
                           "the audio, then the data size, then the RIFF size")
            XCTAssertEqual(writes[0].bytes.count, chunk)
            file.apply(writes)
            let audio = try WAVReader.read(file.bytes)
            XCTAssertEqual(audio.samples.count, tick * 160 * 2, "after tick \(tick)")
            XCTAssertFalse(audio.isTruncated)
            XCTAssertEqual(file.bytes.count, 44 + tick * 160 * 4)
            XCTAssertEqual(recorder.dataByteCount, tick * 160 * 4)
        }
        XCTAssertEqual(flushedAt, [3, 6, 9])
        XCTAssertEqual(recorder.frames, 9)
        XCTAssertEqual(recorder.durationMilliseconds, 180)
    }

    func testPauseRecordsSilenceAndListsTheSpan() throws {
        var recorder = CallRecorder(layout: .mono, flushFrames: 50)
        var file = File(header: recorder.header)
        let speech = frame(from: 0x55)
        XCTAssertEqual(recorder.append(left: speech, leftLaw: .muLaw, right: nil, rightLaw: .muLaw), [])
        recorder.pause()
        XCTAssertTrue(recorder.isPaused)
        XCTAssertEqual(recorder.pauses, [CallRecorder.Pause(start: 20, end: nil)])
        recorder.pause()  // already paused: no second span
        XCTAssertEqual(recorder.pauses.count, 1)
        for _ in 0..<2 {
            XCTAssertEqual(recorder.append(left: speech, leftLaw: .muLaw, right: speech, rightLaw: .muLaw), [])
        }
        recorder.resume()
        XCTAssertFalse(recorder.isPaused)
        XCTAssertEqual(recorder.pauses, [CallRecorder.Pause(start: 20, end: 60)])
        recorder.resume()  // not paused: nothing changes
        XCTAssertEqual(recorder.pauses, [CallRecorder.Pause(start: 20, end: 60)])
        XCTAssertEqual(recorder.append(left: speech, leftLaw: .muLaw, right: nil, rightLaw: .muLaw), [])
        file.apply(recorder.finish())
        let samples = try WAVReader.read(file.bytes).samples
        let decoded = G711.decode(speech, law: .muLaw)
        XCTAssertEqual(samples, decoded + Array(repeating: 0, count: 320) + decoded,
                       "the paused time is on tape as silence, so the timeline stays aligned")
    }

    func testPauseInStereoSilencesBothChannels() throws {
        var recorder = CallRecorder(layout: .stereo, flushFrames: 1)
        var file = File(header: recorder.header)
        recorder.pause()
        XCTAssertEqual(recorder.pauses, [CallRecorder.Pause(start: 0, end: nil)])
        file.apply(recorder.append(left: frame(from: 1), leftLaw: .muLaw, right: frame(from: 2), rightLaw: .aLaw))
        XCTAssertEqual(try WAVReader.read(file.bytes).samples, Array(repeating: 0, count: 320))
    }

    func testFinishFlushesThePartialChunkThenTakesNothingMore() throws {
        var recorder = CallRecorder(layout: .mono, flushFrames: 50)
        var file = File(header: recorder.header)
        var expected: [Int16] = []
        for tick in 0..<7 {
            let f = frame(from: UInt8(tick * 16))
            expected += G711.decode(f, law: .aLaw)
            XCTAssertEqual(recorder.append(left: f, leftLaw: .aLaw, right: nil, rightLaw: .aLaw), [])
        }
        let writes = recorder.finish()
        XCTAssertEqual(writes.map(\.offset), [44, 40, 4])
        XCTAssertEqual(writes[0].bytes.count, 7 * 160 * 2)
        file.apply(writes)
        XCTAssertEqual(try WAVReader.read(file.bytes).samples, expected)
        // After finish: nothing is taken or written, and time stops.
        XCTAssertEqual(recorder.append(left: frame(from: 0), leftLaw: .aLaw, right: nil, rightLaw: .aLaw), [])
        XCTAssertEqual(recorder.frames, 7)
        XCTAssertEqual(recorder.durationMilliseconds, 140)
        XCTAssertEqual(recorder.finish(), [])
        recorder.pause()
        XCTAssertFalse(recorder.isPaused)
        XCTAssertEqual(recorder.pauses, [])
        XCTAssertEqual(recorder.dataByteCount, 7 * 160 * 2)
    }

    func testFinishRightAfterAFlushWritesNothing() {
        var recorder = CallRecorder(layout: .mono, flushFrames: 2)
        _ = recorder.append(left: nil, leftLaw: .muLaw, right: nil, rightLaw: .muLaw)
        XCTAssertEqual(recorder.append(left: nil, leftLaw: .muLaw, right: nil, rightLaw: .muLaw).count, 3)
        XCTAssertEqual(recorder.finish(), [])
    }

    func testFinishWhilePausedClosesTheSpan() {
        var recorder = CallRecorder(layout: .mono)
        _ = recorder.append(left: nil, leftLaw: .muLaw, right: nil, rightLaw: .muLaw)
        recorder.pause()
        _ = recorder.append(left: nil, leftLaw: .muLaw, right: nil, rightLaw: .muLaw)
        _ = recorder.append(left: nil, leftLaw: .muLaw, right: nil, rightLaw: .muLaw)
        XCTAssertEqual(recorder.finish().map(\.offset), [44, 40, 4])
        XCTAssertFalse(recorder.isPaused)
        XCTAssertEqual(recorder.pauses, [CallRecorder.Pause(start: 20, end: 60)])
    }
}
