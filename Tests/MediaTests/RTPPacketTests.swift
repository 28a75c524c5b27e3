import XCTest
@testable import Media

final class RTPPacketTests: XCTestCase {
    // MARK: RTP header (RFC 3550 §5.1)

    func testHeaderSerializesExactBytes() {
        let header = RTPHeader(marker: true, payloadType: 0, sequenceNumber: 0x1234, timestamp: 0xDEAD_BEEF,
                               ssrc: 0x0102_0304, csrcs: [5, 6])
        XCTAssertEqual(header.serializedLength, 20)
        XCTAssertEqual(header.serialized(payload: [0xAA, 0xBB]),
                       [0x82, 0x80, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4,
                        0, 0, 0, 5, 0, 0, 0, 6, 0xAA, 0xBB])
    }

    func testHeaderRoundTrip() throws {
        let header = RTPHeader(marker: false, payloadType: 101, sequenceNumber: 65535, timestamp: 160,
                               ssrc: 0xFFFF_FFFF)
        let bytes = header.serialized(payload: [UInt8](repeating: 0x7F, count: 160))
        let view = try RTPHeader.parse(bytes)
        XCTAssertEqual(view.header, header)
        XCTAssertEqual(view.payloadRange, 12..<172)
    }

    func testParseSkipsExtensionAndStripsPadding() throws {
        let bytes: [UInt8] = [0xB0, 0x08, 0x00, 0x07, 0, 0, 0x01, 0x40, 0xCA, 0xFE, 0xBA, 0xBE,
                              0xBE, 0xDE, 0x00, 0x01, 9, 9, 9, 9,  // extension: 1 word
                              1, 2, 3,                              // payload
                              0, 0, 3]                              // padding, count 3
        let view = try RTPHeader.parse(bytes)
        XCTAssertEqual(view.header.payloadType, 8)
        XCTAssertEqual(view.header.sequenceNumber, 7)
        XCTAssertEqual(view.header.timestamp, 320)
        XCTAssertEqual(view.header.ssrc, 0xCAFE_BABE)
        XCTAssertTrue(view.header.hasPadding)
        XCTAssertTrue(view.header.hasExtension)
        XCTAssertFalse(view.header.marker)
        XCTAssertEqual(view.payloadRange, 20..<23)
        XCTAssertEqual(Array(bytes[view.payloadRange]), [1, 2, 3])
    }

    func testParseFromRawBufferIsZeroCopy() throws {
        let bytes: [UInt8] = RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3).serialized(payload: [42])
        let view = try bytes.withUnsafeBytes { try RTPHeader.parse($0) }
        XCTAssertEqual(view.payloadRange, 12..<13)
    }

    func testMalformedPacketsThrowTypedErrors() {
        func code(_ bytes: [UInt8]) -> RTPError.Code? {
            do { _ = try RTPHeader.parse(bytes); return nil } catch { return error.code }
        }
        let good = RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3).serialized()
        XCTAssertEqual(code(Array(good.prefix(11))), .tooShort)
        var v1 = good; v1[0] = 0x40
        XCTAssertEqual(code(v1), .wrongVersion)
        var pad = good + [0, 0, 200]; pad[0] |= 0x20
        XCTAssertEqual(code(pad), .paddingBeyondLength)
        var padZero = good + [0]; padZero[0] |= 0x20
        XCTAssertEqual(code(padZero), .paddingBeyondLength)
        var csrc = good + [0, 0, 0, 1]; csrc[0] |= 3
        XCTAssertEqual(code(csrc), .csrcBeyondLength)
        var ext = good + [0xBE, 0xDE, 0, 4, 1, 2, 3, 4]; ext[0] |= 0x10
        XCTAssertEqual(code(ext), .extensionBeyondLength)
        var extHeader = good + [0xBE]; extHeader[0] |= 0x10
        XCTAssertEqual(code(extHeader), .extensionBeyondLength)
        XCTAssertEqual(code([]), .tooShort)
    }

    /// STYLE habit 5: random and mutated packets never crash and never yield a range outside the packet.
    func testFuzzedPacketsNeverCrash() {
        var rng = RTPTestRandom(seed: 7)
        let base = RTPHeader(marker: true, payloadType: 0, sequenceNumber: 9, timestamp: 9, ssrc: 9, csrcs: [1])
            .serialized(payload: [UInt8](repeating: 0xFF, count: 40))
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = base
                for _ in 0..<(1 + Int(rng.next() % 4)) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            } else {
                bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            if let view = try? RTPHeader.parse(bytes) {
                XCTAssertTrue(view.payloadRange.lowerBound >= 12 && view.payloadRange.upperBound <= bytes.count)
            }
            _ = try? RTCPPacket.parseCompound(bytes)
        }
    }

    // MARK: RTCP (RFC 3550 §6.4)

    func testSenderReportExactBytesAndRoundTrip() throws {
        let block = RTCPReportBlock(ssrc: 0x1111_1111, fractionLost: 20, cumulativeLost: -1,
                                    extendedHighestSequence: 0x0001_0009, jitter: 9,
                                    lastSR: 0xAABB_CCDD, delaySinceLastSR: 65536)
        let sr = RTCPSenderReport(ssrc: 0x2222_2222, ntpTimestamp: 0x0102_0304_0506_0708, rtpTimestamp: 8000,
                                  packetCount: 50, octetCount: 8000, reports: [block])
        let bytes = RTCPPacket.serializeCompound([.senderReport(sr)])
        XCTAssertEqual(bytes.count, 52)
        XCTAssertEqual(Array(bytes[0..<4]), [0x81, 200, 0, 12])
        XCTAssertEqual(Array(bytes[28..<36]), [0x11, 0x11, 0x11, 0x11, 20, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(sr.compactNTP, 0x0304_0506)
        XCTAssertEqual(try RTCPPacket.parseCompound(bytes), [.senderReport(sr)])
    }

    func testCompoundReceiverReportWithSDES() throws {
        let rr = RTCPReceiverReport(ssrc: 7, reports: [
            RTCPReportBlock(ssrc: 1, fractionLost: 0, cumulativeLost: 0x7F_FFFF, extendedHighestSequence: 5,
                            jitter: 0, lastSR: 0, delaySinceLastSR: 0),
            RTCPReportBlock(ssrc: 2, fractionLost: 255, cumulativeLost: -0x80_0000, extendedHighestSequence: 6,
                            jitter: 1, lastSR: 2, delaySinceLastSR: 3),
        ])
        // SDES with one CNAME item "ab": ssrc, type 1, len 2, "ab", end + pad to a word.
        let sdes = RTCPPacket.other(packetType: 202, count: 1, body: [0, 0, 0, 7, 1, 2, 0x61, 0x62, 0, 0, 0, 0])
        let bytes = RTCPPacket.serializeCompound([.receiverReport(rr), sdes])
        XCTAssertEqual(Array(bytes[0..<4]), [0x82, 201, 0, 13])
        XCTAssertEqual(bytes.count, 56 + 16)
        XCTAssertEqual(try RTCPPacket.parseCompound(bytes), [.receiverReport(rr), sdes])
        // 24-bit clamping of cumulative lost.
        XCTAssertEqual(RTCPReportBlock(ssrc: 0, fractionLost: 0, cumulativeLost: 10_000_000, extendedHighestSequence: 0,
                                       jitter: 0, lastSR: 0, delaySinceLastSR: 0).cumulativeLost, 0x7F_FFFF)
    }

    func testMalformedRTCP() {
        func code(_ bytes: [UInt8]) -> RTPError.Code? {
            do { _ = try RTCPPacket.parseCompound(bytes); return nil } catch { return error.code }
        }
        let rr = RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: 1))])
        XCTAssertNil(code(rr))
        XCTAssertEqual(code([0x80, 201, 0]), .tooShort)
        XCTAssertEqual(code([0x40, 201, 0, 1, 0, 0, 0, 1]), .wrongVersion)
        XCTAssertEqual(code([0x80, 201, 0, 5, 0, 0, 0, 1]), .rtcpLengthBeyondPacket)
        XCTAssertEqual(code([0x81, 201, 0, 1, 0, 0, 0, 1]), .reportBlocksBeyondLength)
        XCTAssertEqual(code([0x81, 202, 0, 1, 0, 0, 0, 1]), .compoundMustStartWithReport)
        XCTAssertEqual(code(rr + [0x80, 203]), .tooShort)
    }

    // MARK: Reception statistics (RFC 3550 A.1, A.3, A.8)

    func testSequenceWrapLossDuplicatesAndReordering() {
        var stats = RTPReceptionStatistics(firstSequenceNumber: 65530)
        XCTAssertFalse(stats.updateSequence(65530))  // probation: 1 more needed
        XCTAssertTrue(stats.updateSequence(65531))   // valid; counting starts here
        XCTAssertEqual(stats.baseSequence, 65531)
        for seq in [UInt16](65532...65535) + (0...9) { XCTAssertTrue(stats.updateSequence(seq)) }
        XCTAssertEqual(stats.cycles, 65536)
        XCTAssertEqual(stats.extendedHighestSequence, 65545)
        XCTAssertEqual(stats.expected, 15)
        XCTAssertEqual(stats.received, 15)
        XCTAssertEqual(stats.lost, 0)
        for seq: UInt16 in 12...19 { XCTAssertTrue(stats.updateSequence(seq)) }  // 10, 11 lost
        XCTAssertEqual(stats.expected, 25)
        XCTAssertEqual(stats.lost, 2)
        XCTAssertEqual(stats.takeFractionLost(), 20)  // (2 << 8) / 25
        XCTAssertTrue(stats.updateSequence(15))       // duplicate
        XCTAssertTrue(stats.updateSequence(11))       // reordered, late
        XCTAssertEqual(stats.lost, 0)
        XCTAssertTrue(stats.updateSequence(16))       // another duplicate: negative loss
        XCTAssertEqual(stats.lost, -1)
        XCTAssertEqual(stats.extendedHighestSequence, 65536 + 19)
        XCTAssertEqual(stats.takeFractionLost(), 0)   // nothing expected since last report
        let block = stats.makeReportBlock(ssrc: 99, lastSR: 5, delaySinceLastSR: 6)
        XCTAssertEqual(block.cumulativeLost, -1)
        XCTAssertEqual(block.extendedHighestSequence, 0x0001_0013)
        let wire = RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: 1, reports: [block]))])
        XCTAssertEqual(Array(wire[12..<16]), [0, 0xFF, 0xFF, 0xFF])
    }

    func testLargeJumpNeedsConfirmation() {
        var stats = RTPReceptionStatistics(firstSequenceNumber: 100)
        XCTAssertFalse(stats.updateSequence(100))
        XCTAssertTrue(stats.updateSequence(101))
        XCTAssertFalse(stats.updateSequence(30000))  // jump: waits for confirmation
        XCTAssertTrue(stats.updateSequence(30001))   // confirmed: source restarted
        XCTAssertEqual(stats.baseSequence, 30001)
        XCTAssertEqual(stats.received, 1)
        XCTAssertEqual(stats.expected, 1)
    }

    func testInterarrivalJitterExactValue() {
        var stats = RTPReceptionStatistics(firstSequenceNumber: 1)
        // (seq, timestamp, arrival in timestamp units): transit 1000, 1000, 1080, 1000.
        XCTAssertFalse(stats.record(sequenceNumber: 1, timestamp: 0, arrival: 840))
        XCTAssertTrue(stats.record(sequenceNumber: 2, timestamp: 160, arrival: 1160))
        XCTAssertTrue(stats.record(sequenceNumber: 3, timestamp: 320, arrival: 1320))
        XCTAssertEqual(stats.jitter, 0)
        stats.record(sequenceNumber: 4, timestamp: 480, arrival: 1560)
        XCTAssertEqual(stats.jitter, 5)   // 80 / 16
        stats.record(sequenceNumber: 5, timestamp: 640, arrival: 1640)
        XCTAssertEqual(stats.jitter, 9)   // (80 + 80 - 5) / 16 = 155 / 16
        // Timestamps and arrivals that wrap 2^32 give the same answer.
        var wrapped = RTPReceptionStatistics(firstSequenceNumber: 1)
        let t0 = UInt32.max - 300
        for (i, (ts, arr)) in [(0, 840), (160, 1160), (320, 1320), (480, 1560), (640, 1640)].enumerated() {
            wrapped.record(sequenceNumber: UInt16(i + 1), timestamp: t0 &+ UInt32(ts), arrival: t0 &+ UInt32(arr))
        }
        XCTAssertEqual(wrapped.jitter, 9)
    }
}

/// Deterministic generator for fuzz and noise (RTPTestRandom64).
struct RTPTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
