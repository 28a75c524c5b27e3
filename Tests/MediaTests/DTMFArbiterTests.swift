import XCTest
@testable import Media

final class DTMFArbiterTests: XCTestCase {
    private func at(_ ms: Int64) -> MediaInstant { MediaInstant(milliseconds: ms) }

    private func press(_ digit: DTMFDigit, _ source: DTMFSource, _ ms: Int64, duration: Int? = nil) -> DTMFEvent {
        DTMFEvent(digit: digit, source: source, at: at(ms), durationMilliseconds: duration)
    }

    func testSecondSourceWithinTheWindowIsADuplicate() {
        var arbiter = DTMFArbiter()
        XCTAssertEqual(arbiter.window, 500)
        XCTAssertEqual(arbiter.offer(press(.five, .rfc4733, 1000)), press(.five, .rfc4733, 1000))
        XCTAssertNil(arbiter.offer(press(.five, .inBand, 1040)), "the tone left in the audio of an RFC 4733 press")
        XCTAssertNil(arbiter.offer(press(.five, .sipInfo, 1499, duration: 160)), "499 ms later is still the same press")
        XCTAssertEqual(arbiter.duplicates, 2)
        XCTAssertEqual(arbiter.accepted, 1)
    }

    func testAReportDatedBeforeTheFirstIsADuplicateToo() {
        // The detector dates a tone from its start, which can precede the RFC 4733 packet's arrival.
        var arbiter = DTMFArbiter()
        XCTAssertNotNil(arbiter.offer(press(.seven, .rfc4733, 2000)))
        XCTAssertNil(arbiter.offer(press(.seven, .inBand, 1620)))
        XCTAssertEqual(arbiter.duplicates, 1)
    }

    func testSameSourceRepeatsAreSeparatePresses() {
        var arbiter = DTMFArbiter()
        XCTAssertEqual(arbiter.offer(press(.one, .rfc4733, 0)), press(.one, .rfc4733, 0))
        XCTAssertEqual(arbiter.offer(press(.one, .rfc4733, 150)), press(.one, .rfc4733, 150), "a fast \"1 1\"")
        XCTAssertEqual(arbiter.offer(press(.one, .rfc4733, 300)), press(.one, .rfc4733, 300))
        XCTAssertEqual(arbiter.accepted, 3)
        XCTAssertEqual(arbiter.duplicates, 0)
    }

    func testOtherSourceAtOrBeyondTheWindowIsANewPress() {
        var arbiter = DTMFArbiter()
        XCTAssertNotNil(arbiter.offer(press(.two, .rfc4733, 0)))
        XCTAssertEqual(arbiter.offer(press(.two, .sipInfo, 500, duration: 100)), press(.two, .sipInfo, 500, duration: 100),
                       "the window is open at its end: exactly 500 ms later is another press")
        // The SIP INFO press is now the one to compare with: RFC 4733 close to it is its duplicate.
        XCTAssertNil(arbiter.offer(press(.two, .rfc4733, 900)))
        XCTAssertNotNil(arbiter.offer(press(.two, .inBand, 1001)))
        XCTAssertEqual(arbiter.accepted, 3)
        XCTAssertEqual(arbiter.duplicates, 1)
    }

    func testDifferentDigitsFromDifferentSourcesAreNotMerged() {
        var arbiter = DTMFArbiter()
        XCTAssertNotNil(arbiter.offer(press(.three, .rfc4733, 0)))
        XCTAssertNotNil(arbiter.offer(press(.four, .inBand, 10)))
        XCTAssertNotNil(arbiter.offer(press(.pound, .sipInfo, 20)))
        XCTAssertEqual(arbiter.accepted, 3)
        XCTAssertEqual(arbiter.duplicates, 0)
    }

    func testPreferredSourceIsTheFirstThatSpoke() {
        var arbiter = DTMFArbiter()
        XCTAssertNil(arbiter.preferredSource)
        XCTAssertNotNil(arbiter.offer(press(.nine, .inBand, 0)))
        XCTAssertEqual(arbiter.preferredSource, .inBand)
        XCTAssertNil(arbiter.offer(press(.nine, .rfc4733, 20)))
        XCTAssertNotNil(arbiter.offer(press(.one, .rfc4733, 2000)))
        XCTAssertEqual(arbiter.preferredSource, .inBand, "later sources do not replace the first")
    }

    func testADuplicateDoesNotSetThePreferredSource() {
        var arbiter = DTMFArbiter()
        XCTAssertNotNil(arbiter.offer(press(.star, .sipInfo, 0)))
        XCTAssertNil(arbiter.offer(press(.star, .rfc4733, 10)))
        XCTAssertEqual(arbiter.preferredSource, .sipInfo)
    }

    func testZeroWindowMergesNothing() {
        var arbiter = DTMFArbiter(windowMilliseconds: 0)
        XCTAssertNotNil(arbiter.offer(press(.a, .rfc4733, 0)))
        XCTAssertNotNil(arbiter.offer(press(.a, .inBand, 0)))
        XCTAssertEqual(arbiter.duplicates, 0)
    }

    func testEventDescriptionNamesDigitTimeAndSource() {
        XCTAssertEqual(press(.star, .sipInfo, 1234).description, "*@1234ms(sipInfo)")
    }
}
