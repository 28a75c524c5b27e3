import XCTest
@testable import Media

final class RTPSenderTests: XCTestCase {
    func testPacketsAreExactBytesWithSequenceAndTimestampAdvancing() {
        var sender = RTPSender(ssrc: 0x0102_0304, initialSequenceNumber: 0x1000, initialTimestamp: 0x2000)
        let payload = [UInt8](repeating: 0xFF, count: 160)
        let first = sender.next(payloadType: 0, payload: payload)
        XCTAssertEqual(Array(first.prefix(12)), [0x80, 0x80, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00, 1, 2, 3, 4],
                       "the first packet of a stream carries the marker (RFC 3551 §4.1)")
        XCTAssertEqual(Array(first.dropFirst(12)), payload)
        let second = sender.next(payloadType: 0, payload: payload)
        XCTAssertEqual(Array(second.prefix(12)), [0x80, 0x00, 0x10, 0x01, 0x00, 0x00, 0x20, 0xA0, 1, 2, 3, 4])
        let third = sender.next(payloadType: 8, payload: [0xD5, 0xD5], marker: true)
        XCTAssertEqual(third, [0x80, 0x88, 0x10, 0x02, 0x00, 0x00, 0x21, 0x40, 1, 2, 3, 4, 0xD5, 0xD5])
        XCTAssertEqual(sender.packetCount, 3)
        XCTAssertEqual(sender.octetCount, 322)
        XCTAssertEqual(sender.sequenceNumber, 0x1003)
        XCTAssertEqual(sender.timestamp, 0x2000 + 3 * 160)
    }

    func testPacketsParseBackToTheHeaderTheyWereBuiltFrom() throws {
        var sender = RTPSender(seed: 42)
        let header = sender.nextHeader(payloadType: 0)
        let bytes = sender.next(payloadType: 0, payload: [1, 2, 3])
        let view = try RTPHeader.parse(bytes)
        XCTAssertEqual(view.header, header)
        XCTAssertTrue(view.header.marker)
        XCTAssertEqual(Array(bytes[view.payloadRange]), [1, 2, 3])
    }

    func testSequenceNumberWrapsFrom65535To0() {
        var sender = RTPSender(ssrc: 7, initialSequenceNumber: 65_534, initialTimestamp: 0)
        let seqs = (0..<3).map { _ in
            let bytes = sender.next(payloadType: 0, payload: [0])
            return UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        }
        XCTAssertEqual(seqs, [65_534, 65_535, 0])
    }

    func testTimestampWrapsModulo2To32() {
        var sender = RTPSender(ssrc: 7, initialSequenceNumber: 0, initialTimestamp: UInt32.max - 159)
        _ = sender.next(payloadType: 0, payload: [0])
        XCTAssertEqual(sender.timestamp, 0)
        let bytes = sender.next(payloadType: 0, payload: [0])
        XCTAssertEqual(Array(bytes[4..<8]), [0, 0, 0, 0])
        XCTAssertEqual(sender.timestamp, 160)
        sender.skip(frames: 1)
        XCTAssertEqual(sender.timestamp, 320)
        var near = RTPSender(ssrc: 7, initialSequenceNumber: 0, initialTimestamp: UInt32.max - 100)
        near.skip(frames: 2)
        XCTAssertEqual(near.timestamp, 219)
    }

    func testSkipAdvancesTimestampNotSequenceAndMarksTheTalkspurt() throws {
        var sender = RTPSender(ssrc: 9, initialSequenceNumber: 100, initialTimestamp: 1000)
        _ = sender.next(payloadType: 0, payload: [0])
        _ = sender.next(payloadType: 0, payload: [0])
        sender.skip(frames: 25)  // half a second of silence suppressed
        XCTAssertTrue(sender.startsTalkspurt)
        sender.skip(frames: 0)
        let resumed = try RTPHeader.parse(sender.next(payloadType: 0, payload: [0])).header
        XCTAssertEqual(resumed.sequenceNumber, 102)
        XCTAssertEqual(resumed.timestamp, 1000 + 27 * 160)
        XCTAssertTrue(resumed.marker)
        let after = try RTPHeader.parse(sender.next(payloadType: 0, payload: [0])).header
        XCTAssertFalse(after.marker)
        XCTAssertEqual(after.sequenceNumber, 103)
        XCTAssertEqual(after.timestamp, 1000 + 28 * 160)
    }

    func testSeedGivesRepeatableButDifferentStreams() {
        let a = RTPSender(seed: 1), b = RTPSender(seed: 1), c = RTPSender(seed: 2)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.ssrc, c.ssrc)
        XCTAssertNotEqual(a.timestamp, c.timestamp)
        // Different seeds spread across the sequence space (RFC 3550 §5.1: random initial values).
        let starts = Set((0..<64).map { RTPSender(seed: UInt64($0)).sequenceNumber })
        XCTAssertGreaterThan(starts.count, 60)
        XCTAssertTrue(a.startsTalkspurt)
        XCTAssertEqual(a.samplesPerFrame, 160)
    }

    func testTelephoneEventsShareTheSequenceSpace() {
        var sender = RTPSender(ssrc: 5, initialSequenceNumber: 65_535, initialTimestamp: 8000)
        _ = sender.next(payloadType: 0, payload: [0])
        let events = TelephoneEventSender(payloadType: 101, ssrc: sender.ssrc)
            .packets(for: .five, duration: 800, timestamp: sender.timestamp, sequenceNumber: sender.sequenceNumber)
        let first = sender.reserveSequenceNumbers(events.count)
        XCTAssertEqual(first, 0)
        XCTAssertEqual(events.map(\.header.sequenceNumber), Array(0..<UInt16(events.count)))
        XCTAssertEqual(sender.sequenceNumber, UInt16(events.count))
        XCTAssertEqual(sender.packetCount, UInt32(1 + events.count))
    }
}
