import XCTest
@testable import Media

final class RTCPSourceDescriptionTests: XCTestCase {
    func testSDESExactBytes() {
        // RFC 3550 §6.5: SSRC, then CNAME (type 1, length, text), a null octet, padding to 32 bits.
        let sdes = RTCPPacket.sourceDescription(ssrc: 0x0102_0304, cname: "hotline")
        XCTAssertEqual(sdes, .other(packetType: 202, count: 1,
                                    body: [1, 2, 3, 4, 1, 7] + Array("hotline".utf8) + [0, 0, 0]))
        XCTAssertEqual(RTCPPacket.serializeCompound([sdes]),
                       [0x81, 202, 0, 4, 1, 2, 3, 4, 1, 7] + Array("hotline".utf8) + [0, 0, 0])
    }

    func testBodyIsPaddedToWholeWordsWithAtLeastOneNullOctet() {
        // 4 (SSRC) + 2 (type, length) + n + 1 (null): n = 5 fills 12 bytes exactly, n = 6 needs 16.
        for (length, bodyLength) in [(0, 8), (1, 8), (2, 12), (5, 12), (6, 16), (9, 16), (10, 20)] {
            let cname = String(repeating: "c", count: length)
            guard case .other(_, _, let body) = RTCPPacket.sourceDescription(ssrc: 9, cname: cname) else {
                return XCTFail("SDES is an .other packet")
            }
            XCTAssertEqual(body.count, bodyLength, "CNAME of \(length) bytes")
            XCTAssertEqual(body[5], UInt8(length))
            XCTAssertEqual(Array(body[6..<(6 + length)]), Array(cname.utf8))
            XCTAssertEqual(Array(body[(6 + length)...]), Array(repeating: 0, count: bodyLength - 6 - length),
                           "the item list ends with a null octet and padding (§6.5)")
        }
    }

    func testCNAMELongerThan255BytesIsCut() {
        let long = String(repeating: "x", count: 300)
        guard case .other(202, 1, let body) = RTCPPacket.sourceDescription(ssrc: 1, cname: long) else {
            return XCTFail("SDES is an .other packet of type 202 with one chunk")
        }
        XCTAssertEqual(body[4], 1, "CNAME item")
        XCTAssertEqual(body[5], 255)
        XCTAssertEqual(Array(body[6..<261]), Array(repeating: UInt8(ascii: "x"), count: 255))
        XCTAssertEqual(Array(body[261...]), [0, 0, 0], "null octet then padding to 264")
        XCTAssertEqual(body.count, 264)
        // Exactly 255 is kept whole.
        guard case .other(_, _, let exact) = RTCPPacket.sourceDescription(ssrc: 1, cname: String(repeating: "y", count: 255)) else {
            return XCTFail("SDES is an .other packet")
        }
        XCTAssertEqual(exact[5], 255)
        XCTAssertEqual(exact.count, 264)
    }

    func testGoodbyeExactBytes() {
        let bye = RTCPPacket.goodbye(ssrc: 0xDEAD_BEEF)
        XCTAssertEqual(bye, .other(packetType: 203, count: 1, body: [0xDE, 0xAD, 0xBE, 0xEF]))
        XCTAssertEqual(RTCPPacket.serializeCompound([bye]), [0x81, 203, 0, 1, 0xDE, 0xAD, 0xBE, 0xEF])
    }

    func testCompoundOfReceiverReportAndSDESRoundTrips() throws {
        let block = RTCPReportBlock(ssrc: 0x1111_2222, fractionLost: 12, cumulativeLost: -3,
                                    extendedHighestSequence: 0x0001_0010, jitter: 42, lastSR: 0xABCD_0123,
                                    delaySinceLastSR: 98_304)
        let packets: [RTCPPacket] = [
            .receiverReport(RTCPReceiverReport(ssrc: 0x3333_4444, reports: [block])),
            .sourceDescription(ssrc: 0x3333_4444, cname: "agent-7@hotline.example"),
        ]
        let bytes = RTCPPacket.serializeCompound(packets)
        XCTAssertEqual(bytes.count, 8 + 24 + 4 + 32)
        XCTAssertEqual(try RTCPPacket.parseCompound(bytes), packets)
    }

    func testCompoundOfSenderReportSDESAndByeRoundTrips() throws {
        let packets: [RTCPPacket] = [
            .senderReport(RTCPSenderReport(ssrc: 5, ntpTimestamp: 0xE000_0001_8000_0000, rtpTimestamp: 160,
                                           packetCount: 1, octetCount: 160)),
            .sourceDescription(ssrc: 5, cname: "a"),
            .goodbye(ssrc: 5),
        ]
        XCTAssertEqual(try RTCPPacket.parseCompound(RTCPPacket.serializeCompound(packets)), packets)
    }

    func testCompoundMustNotStartWithSDES() {
        let bytes = RTCPPacket.serializeCompound([.sourceDescription(ssrc: 5, cname: "a")])
        XCTAssertThrowsError(try RTCPPacket.parseCompound(bytes))
    }
}
