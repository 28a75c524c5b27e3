import XCTest
@testable import Media

final class RTPTranslatorTests: XCTestCase {
    /// One translation, as a comparable value.
    private struct Out: Equatable {
        var timestamp: UInt32
        var marker: Bool
    }

    private func out(_ t: (timestamp: UInt32, marker: Bool)) -> Out { Out(timestamp: t.timestamp, marker: t.marker) }

    func testFirstPacketFollowsOnFromTheStreamWithTheMarker() {
        var translator = RTPTranslator()
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 90_000, sourceSSRC: 0xA, streamTimestamp: 4000)),
                       Out(timestamp: 4000, marker: true))
    }

    func testContinuousSourceKeepsItsSpacingAndGaps() {
        var translator = RTPTranslator()
        _ = translator.translate(sourceTimestamp: 90_000, sourceSSRC: 0xA, streamTimestamp: 4000)
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 90_160, sourceSSRC: 0xA, streamTimestamp: 4160)),
                       Out(timestamp: 4160, marker: false))
        // Three packets lost: the gap stays a gap, whatever our own stream did meanwhile.
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 90_800, sourceSSRC: 0xA, streamTimestamp: 9999)),
                       Out(timestamp: 4800, marker: false))
        // A jump of exactly the limit is still the same stream.
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 90_800 + 80_000, sourceSSRC: 0xA, streamTimestamp: 0)),
                       Out(timestamp: 84_800, marker: false))
    }

    func testOffsetWrapsModulo2To32() {
        var translator = RTPTranslator()
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 100, sourceSSRC: 1, streamTimestamp: UInt32.max - 159)),
                       Out(timestamp: UInt32.max - 159, marker: true))
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 260, sourceSSRC: 1, streamTimestamp: 0)),
                       Out(timestamp: 0, marker: false))
        // The source wrapping is continuous too.
        var wrapping = RTPTranslator()
        _ = wrapping.translate(sourceTimestamp: UInt32.max - 79, sourceSSRC: 2, streamTimestamp: 1000)
        XCTAssertEqual(out(wrapping.translate(sourceTimestamp: 80, sourceSSRC: 2, streamTimestamp: 0)),
                       Out(timestamp: 1160, marker: false))
    }

    func testNewSSRCRestartsOnTheStreamWithTheMarker() {
        var translator = RTPTranslator()
        _ = translator.translate(sourceTimestamp: 90_000, sourceSSRC: 0xA, streamTimestamp: 4000)
        _ = translator.translate(sourceTimestamp: 90_160, sourceSSRC: 0xA, streamTimestamp: 4160)
        // A re-INVITE on the other leg: new SSRC, unrelated timestamps.
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 7, sourceSSRC: 0xB, streamTimestamp: 4320)),
                       Out(timestamp: 4320, marker: true))
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 167, sourceSSRC: 0xB, streamTimestamp: 0)),
                       Out(timestamp: 4480, marker: false))
    }

    func testJumpBeyondTheLimitRestarts() {
        var translator = RTPTranslator()
        _ = translator.translate(sourceTimestamp: 1000, sourceSSRC: 0xA, streamTimestamp: 500)
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 1000 + 80_001, sourceSSRC: 0xA, streamTimestamp: 660)),
                       Out(timestamp: 660, marker: true))
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 1000 + 80_161, sourceSSRC: 0xA, streamTimestamp: 0)),
                       Out(timestamp: 820, marker: false))
        // Backwards by more than the limit is a restart too.
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 1000, sourceSSRC: 0xA, streamTimestamp: 980)),
                       Out(timestamp: 980, marker: true))
    }

    func testReorderedPacketKeepsTheOffsetAndDoesNotMoveTheReference() {
        var translator = RTPTranslator()
        _ = translator.translate(sourceTimestamp: 10_000, sourceSSRC: 0xA, streamTimestamp: 2000)
        _ = translator.translate(sourceTimestamp: 10_320, sourceSSRC: 0xA, streamTimestamp: 2320)
        // The packet in between arrives late.
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 10_160, sourceSSRC: 0xA, streamTimestamp: 2480)),
                       Out(timestamp: 2160, marker: false))
        // The jump limit still counts from the newest timestamp (10 320), not the late one.
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 10_320 + 80_000, sourceSSRC: 0xA, streamTimestamp: 0)),
                       Out(timestamp: 82_320, marker: false))
    }

    func testResetMakesTheNextPacketStartATalkspurt() {
        var translator = RTPTranslator()
        _ = translator.translate(sourceTimestamp: 10_000, sourceSSRC: 0xA, streamTimestamp: 2000)
        translator.reset()
        XCTAssertEqual(out(translator.translate(sourceTimestamp: 10_160, sourceSSRC: 0xA, streamTimestamp: 7000)),
                       Out(timestamp: 7000, marker: true))
    }
}
