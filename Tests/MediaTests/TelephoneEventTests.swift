import XCTest
@testable import Media

final class TelephoneEventTests: XCTestCase {
    private let sender = TelephoneEventSender(payloadType: 101, ssrc: 0x5555)
    private func at(_ ms: Int64) -> MediaInstant { MediaInstant(milliseconds: ms) }

    // MARK: Payload and digits (RFC 4733 §2.3, §3.2)

    func testPayloadExactBytes() throws {
        let payload = TelephoneEventPayload(event: 5, isEnd: true, volume: 10, duration: 800)
        XCTAssertEqual(payload.bytes, [5, 0x8A, 0x03, 0x20])
        XCTAssertEqual(try TelephoneEventPayload(parsing: [5, 0x8A, 0x03, 0x20]), payload)
        // The R bit is ignored on receipt.
        XCTAssertEqual(try TelephoneEventPayload(parsing: [11, 0x40 | 0x3F, 0, 160]),
                       TelephoneEventPayload(event: 11, isEnd: false, volume: 63, duration: 160))
        XCTAssertThrowsError(try TelephoneEventPayload(parsing: [1, 2, 3]))
    }

    func testDigitsMapToEvents0Through15() {
        let keys = Array("0123456789*#ABCD")
        for (code, key) in keys.enumerated() {
            XCTAssertEqual(DTMFDigit(character: key)?.rawValue, UInt8(code))
            XCTAssertEqual(DTMFDigit(rawValue: UInt8(code))?.character, key)
        }
        XCTAssertEqual(DTMFDigit(character: "b"), .b)
        XCTAssertNil(DTMFDigit(character: "E"))
        XCTAssertNil(TelephoneEventPayload(event: 16, isEnd: false, volume: 0, duration: 0).digit)
    }

    // MARK: Sender (RFC 4733 §2.5.1)

    func testSenderPacketSequence() {
        let packets = sender.packets(for: .five, duration: 800, timestamp: 1000, sequenceNumber: 65534)
        XCTAssertEqual(packets.map(\.header.sequenceNumber), [65534, 65535, 0, 1, 2, 3, 4])
        XCTAssertEqual(packets.map(\.header.marker), [true, false, false, false, false, false, false])
        XCTAssertEqual(packets.map(\.header.timestamp), Array(repeating: 1000, count: 7))
        XCTAssertEqual(packets.map(\.payload.duration), [160, 320, 480, 640, 800, 800, 800])
        XCTAssertEqual(packets.map(\.payload.isEnd), [false, false, false, false, true, true, true])
        XCTAssertEqual(packets.map(\.sendOffset), [160, 320, 480, 640, 800, 960, 1120])
        XCTAssertEqual(packets[0].bytes, [0x80, 0xE5, 0xFF, 0xFE, 0, 0, 0x03, 0xE8, 0, 0, 0x55, 0x55,
                                          5, 10, 0, 160])
        // A digit shorter than one interval is still one interval long.
        let short = sender.packets(for: .pound, duration: 50, timestamp: 0, sequenceNumber: 0)
        XCTAssertEqual(short.map(\.payload.duration), [160, 160, 160])
        XCTAssertEqual(short.map(\.header.marker), [true, false, false])
    }

    // MARK: Receiver (RFC 4733 §2.5.2)

    private func feed(_ receiver: inout TelephoneEventReceiver, _ packets: [TelephoneEventSender.Packet],
                      startMs: Int64) -> [TelephoneEventReceiver.Event] {
        packets.flatMap { p in
            receiver.receive(header: p.header, payload: p.payload, arrival: at(startMs + Int64(p.sendOffset) / 8))
        }
    }

    func testEachDigitOnceWithRedundantEndsDeduplicated() {
        var receiver = TelephoneEventReceiver()
        let first = sender.packets(for: .five, duration: 800, timestamp: 1000, sequenceNumber: 10)
        let events = feed(&receiver, first, startMs: 0)
        let digit = TelephoneEventReceiver.Digit(event: 5, rtpTimestamp: 1000, ssrc: 0x5555, arrival: at(20))
        XCTAssertEqual(events, [.started(digit), .ended(digit, duration: 800, cause: .endPacket)])
        XCTAssertNil(receiver.deadline)
        // The same digit again is a new event because it has a new timestamp.
        let again = sender.packets(for: .five, duration: 480, timestamp: 3000, sequenceNumber: 17)
        let second = feed(&receiver, again, startMs: 500)
        let digit2 = TelephoneEventReceiver.Digit(event: 5, rtpTimestamp: 3000, ssrc: 0x5555, arrival: at(520))
        XCTAssertEqual(second, [.started(digit2), .ended(digit2, duration: 480, cause: .endPacket)])
        // Replaying the end packets of either event changes nothing.
        XCTAssertEqual(feed(&receiver, Array(first.suffix(3)) + Array(again.suffix(3)), startMs: 600), [])
    }

    func testTimeoutEndsAnEventWhoseEndPacketsWereLost() {
        var receiver = TelephoneEventReceiver(timeoutMilliseconds: 250)
        let packets = sender.packets(for: .star, duration: 800, timestamp: 160, sequenceNumber: 1)
        let started = feed(&receiver, Array(packets.prefix(2)), startMs: 0)  // arrivals 20 and 40 ms
        let digit = TelephoneEventReceiver.Digit(event: 10, rtpTimestamp: 160, ssrc: 0x5555, arrival: at(20))
        XCTAssertEqual(started, [.started(digit)])
        XCTAssertEqual(receiver.deadline, at(290))
        XCTAssertEqual(receiver.expire(now: at(289)), [])
        XCTAssertEqual(receiver.expire(now: at(290)), [.ended(digit, duration: 320, cause: .timeout)])
        XCTAssertEqual(receiver.expire(now: at(1000)), [])
        // A straggling end packet of the timed-out event is not a new digit.
        XCTAssertEqual(feed(&receiver, [packets[5]], startMs: 0), [])
    }

    func testOnlyEndPacketsArrive() {
        var receiver = TelephoneEventReceiver()
        let packets = sender.packets(for: .d, duration: 320, timestamp: 9, sequenceNumber: 1)
        let events = feed(&receiver, Array(packets.suffix(3)), startMs: 0)
        let digit = TelephoneEventReceiver.Digit(event: 15, rtpTimestamp: 9, ssrc: 0x5555, arrival: at(40))
        XCTAssertEqual(events, [.started(digit), .ended(digit, duration: 320, cause: .endPacket)])
    }

    func testNewEventSupersedesUnfinishedOneAndOldPacketsAreIgnored() {
        var receiver = TelephoneEventReceiver()
        let one = sender.packets(for: .one, duration: 800, timestamp: 0, sequenceNumber: 1)
        let two = sender.packets(for: .two, duration: 320, timestamp: 1600, sequenceNumber: 20)
        var events = feed(&receiver, Array(one.prefix(2)), startMs: 0)
        events += feed(&receiver, [two[0]], startMs: 200)
        events += feed(&receiver, [one[2]], startMs: 0)  // late update of the old event
        events += feed(&receiver, Array(two.dropFirst()), startMs: 200)
        let d1 = TelephoneEventReceiver.Digit(event: 1, rtpTimestamp: 0, ssrc: 0x5555, arrival: at(20))
        let d2 = TelephoneEventReceiver.Digit(event: 2, rtpTimestamp: 1600, ssrc: 0x5555, arrival: at(220))
        XCTAssertEqual(events, [.started(d1), .ended(d1, duration: 320, cause: .superseded),
                                .started(d2), .ended(d2, duration: 320, cause: .endPacket)])
    }

    func testAfterAQuietSecondAnyTimestampStartsANewPress() {
        // SIPp replays captured events: the same or an older timestamp, seconds later.
        var receiver = TelephoneEventReceiver(restartAfterMilliseconds: 1000)
        let press = sender.packets(for: .zero, duration: 480, timestamp: 8000, sequenceNumber: 1)
        let older = sender.packets(for: .one, duration: 480, timestamp: 4000, sequenceNumber: 30)
        XCTAssertEqual(feed(&receiver, press, startMs: 0).count, 2)  // started + ended, last packet at 100 ms
        // Within the second: an older timestamp is a straggler, the same one a duplicate.
        XCTAssertEqual(feed(&receiver, [older[0]], startMs: 500), [])
        XCTAssertEqual(feed(&receiver, [press[0]], startMs: 1000), [])
        // A second after the last packet: both are new presses.
        let replay = feed(&receiver, press, startMs: 2100)
        let d0 = TelephoneEventReceiver.Digit(event: 0, rtpTimestamp: 8000, ssrc: 0x5555, arrival: at(2120))
        XCTAssertEqual(replay, [.started(d0), .ended(d0, duration: 480, cause: .endPacket)])
        let backwards = feed(&receiver, older, startMs: 3300)
        let d1 = TelephoneEventReceiver.Digit(event: 1, rtpTimestamp: 4000, ssrc: 0x5555, arrival: at(3320))
        XCTAssertEqual(backwards, [.started(d1), .ended(d1, duration: 480, cause: .endPacket)])
    }

    func testSenderToReceiverForEveryDigit() throws {
        var receiver = TelephoneEventReceiver()
        var seq: UInt16 = 65000
        var ts: UInt32 = UInt32.max - 5000  // timestamps wrap during the run
        var heard: [Character] = []
        for (i, digit) in DTMFDigit.allCases.enumerated() {
            let packets = sender.packets(for: digit, duration: 640, timestamp: ts, sequenceNumber: seq)
            for p in packets {
                let parsed = try RTPHeader.parse(p.bytes)
                let bytes = p.bytes[parsed.payloadRange]
                for event in try receiver.receive(header: parsed.header, payload: bytes,
                                                  arrival: at(Int64(i) * 200 + Int64(p.sendOffset) / 8)) {
                    if case .started(let d) = event { heard.append(d.digit!.character) }
                }
            }
            seq &+= UInt16(packets.count)
            ts &+= 1600
        }
        XCTAssertEqual(String(heard), "0123456789*#ABCD")
    }
}
