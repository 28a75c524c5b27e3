import XCTest
@testable import Media

final class SourceLatchTests: XCTestCase {
    static let sdp = RTPTransportAddress(host: "192.0.2.10", port: 40_000)
    static let natted = RTPTransportAddress(host: "192.0.2.10", port: 61_234)
    static let stranger = RTPTransportAddress(host: "198.51.100.7", port: 40_000)

    static func packet(ssrc: UInt32, seq: UInt16 = 1) -> [UInt8] {
        RTPHeader(payloadType: 0, sequenceNumber: seq, timestamp: 0, ssrc: ssrc)
            .serialized(payload: [UInt8](repeating: 0xFF, count: 160))
    }

    static func at(_ ms: Int64) -> MediaInstant { MediaInstant(milliseconds: ms) }

    func testSendsToTheSDPAddressUntilLatchedThenToTheSource() {
        var latch = SourceLatch(remote: Self.sdp)
        XCTAssertEqual(latch.sendTarget, Self.sdp)
        XCTAssertNil(latch.latched)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.natted, at: Self.at(0)), .accept)
        XCTAssertEqual(latch.sendTarget, Self.natted, "RFC 4961: send to where the packets come from")
        XCTAssertEqual(latch.latched, SourceLatch.Latched(source: Self.natted, ssrc: 1, lastPacket: Self.at(0)))
    }

    func testMalformedPacketNeitherLatchesNorIsAccepted() {
        var latch = SourceLatch(remote: Self.sdp)
        XCTAssertEqual(latch.receive([0x80, 0, 0], from: Self.sdp, at: Self.at(0)), .drop(.malformed))
        var wrongVersion = Self.packet(ssrc: 1)
        wrongVersion[0] = 0x40
        XCTAssertEqual(latch.receive(wrongVersion, from: Self.sdp, at: Self.at(0)), .drop(.malformed))
        XCTAssertNil(latch.latched)
        XCTAssertEqual(latch.dropCount(.malformed), 2)
    }

    func testStrangerIsNeverLatchedOrAcceptedWithoutAllowAnySource() {
        var latch = SourceLatch(remote: Self.sdp)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 9), from: Self.stranger, at: Self.at(0)), .drop(.unexpectedHost))
        XCTAssertNil(latch.latched)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(10)), .accept)
        // Even after the peer falls silent for a long time, a stranger's host is refused.
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 9), from: Self.stranger, at: Self.at(60_000)), .drop(.unexpectedHost))
        XCTAssertEqual(latch.sendTarget, Self.sdp)
        XCTAssertEqual(latch.dropCount(.unexpectedHost), 2)
    }

    func testAllowAnySourceLatchesTheFirstSourceAndDropsOthersWhileItTalks() {
        var latch = SourceLatch(remote: RTPTransportAddress(host: "10.0.0.5", port: 4000),
                                configuration: .init(allowAnySource: true, relatchAfterSilenceMilliseconds: 500))
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.stranger, at: Self.at(0)), .accept)
        XCTAssertEqual(latch.sendTarget, Self.stranger)
        for t in stride(from: Int64(20), through: 400, by: 20) {
            XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.stranger, at: Self.at(t)), .accept)
            XCTAssertEqual(latch.receive(Self.packet(ssrc: 2), from: Self.sdp, at: Self.at(t)), .drop(.notLatchedSource))
        }
        XCTAssertEqual(latch.dropCount(.notLatchedSource), 20)
        XCTAssertEqual(latch.sendTarget, Self.stranger)
    }

    func testByDefaultTheFirstSourceKeepsTheCallAfterAnySilence() {
        var latch = SourceLatch(remote: Self.sdp)
        let otherPort = RTPTransportAddress(host: Self.sdp.host, port: Self.sdp.port + 2)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(0)), .accept)
        // An hour of silence later, another port of the peer's host still cannot take over.
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 9), from: otherPort, at: Self.at(3_600_000)), .drop(.notLatchedSource))
        XCTAssertEqual(latch.sendTarget, Self.sdp)
        XCTAssertEqual(latch.relatchCount, 0)
        // A re-INVITE starts over.
        latch.renegotiate(remote: otherPort)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 9), from: otherPort, at: Self.at(3_600_020)), .accept)
        XCTAssertEqual(latch.sendTarget, otherPort)
    }

    func testSSRCChangeFromTheSameSourceIsAcceptedAtOnce() {
        var latch = SourceLatch(remote: Self.sdp, configuration: .init(relatchAfterSilenceMilliseconds: 1000))
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(0)), .accept)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(100)), .accept)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 2), from: Self.sdp, at: Self.at(120)), .accept)
        XCTAssertEqual(latch.latched?.ssrc, 2)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(140)), .accept)
        XCTAssertEqual(latch.ssrcChangeCount, 2)
        XCTAssertEqual(latch.relatchCount, 0)
        XCTAssertTrue(latch.drops.isEmpty)
        // A stranger on the same host is still refused while the peer talks.
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: RTPTransportAddress(host: Self.sdp.host, port: Self.sdp.port + 10),
                                     at: Self.at(160)), .drop(.notLatchedSource))
    }

    func testRelatchToANewPortOfTheSDPHostAfterSilence() {
        var latch = SourceLatch(remote: Self.sdp, configuration: .init(relatchAfterSilenceMilliseconds: 2000))
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(0)), .accept)
        // The NAT rebinds: the same host, a new port, the old one silent.
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.natted, at: Self.at(1999)), .drop(.notLatchedSource))
        XCTAssertEqual(latch.sendTarget, Self.sdp)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.natted, at: Self.at(2000)), .accept)
        XCTAssertEqual(latch.sendTarget, Self.natted)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(2020)), .drop(.notLatchedSource))
        XCTAssertEqual(latch.relatchCount, 1)
    }

    func testOnlyAcceptedPacketsKeepTheLatchAlive() {
        var latch = SourceLatch(remote: Self.sdp, configuration: .init(relatchAfterSilenceMilliseconds: 100))
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(0)), .accept)
        // A flood from another port does not extend the latched source's life, nor take over while it talks.
        for t in stride(from: Int64(10), to: 100, by: 10) {
            XCTAssertEqual(latch.receive(Self.packet(ssrc: 7), from: Self.natted, at: Self.at(t)), .drop(.notLatchedSource))
        }
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 1), from: Self.sdp, at: Self.at(90)), .accept)
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 7), from: Self.natted, at: Self.at(189)), .drop(.notLatchedSource))
        XCTAssertEqual(latch.receive(Self.packet(ssrc: 7), from: Self.natted, at: Self.at(190)), .accept)
        XCTAssertEqual(latch.drops, [.notLatchedSource: 10])
    }

    func testRenegotiationForgetsTheLatch() {
        var latch = SourceLatch(remote: Self.sdp)
        XCTAssertEqual(latch.receive(ssrc: 1, from: Self.sdp, at: Self.at(0)), .accept)
        let moved = RTPTransportAddress(host: "2001:DB8::1", port: 5004)
        latch.renegotiate(remote: moved)
        XCTAssertNil(latch.latched)
        XCTAssertEqual(latch.sendTarget, moved)
        XCTAssertEqual(latch.receive(ssrc: 1, from: Self.sdp, at: Self.at(10)), .drop(.unexpectedHost))
        let lower = RTPTransportAddress(host: "2001:db8::1", port: 5006)
        XCTAssertEqual(latch.receive(ssrc: 1, from: lower, at: Self.at(20)), .accept)
        XCTAssertEqual(latch.sendTarget.description, "[2001:db8::1]:5006")
    }
}
