import HotlineModel
import XCTest

final class TimestampRFC3339Tests: XCTestCase {
    func testReadsWhatIso8601Writes() {
        for ms: Int64 in [0, 1, 999, 1_795_634_916_583, 951_782_400_000, -1] {
            let t = Timestamp(millisecondsSinceEpoch: ms)
            XCTAssertEqual(Timestamp(rfc3339: t.iso8601), t, t.iso8601)
        }
    }

    func testOffsetsFractionsAndSeparators() {
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-25T08:00:00Z")?.millisecondsSinceEpoch, 1_795_593_600_000)
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-25T16:00:00+08:00")?.millisecondsSinceEpoch, 1_795_593_600_000)
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-25T03:30:00-04:30")?.millisecondsSinceEpoch, 1_795_593_600_000)
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-25 08:00:00.5z")?.millisecondsSinceEpoch, 1_795_593_600_500)
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-25t08:00:00.123456Z")?.millisecondsSinceEpoch, 1_795_593_600_123)
        XCTAssertEqual(Timestamp(rfc3339: "2024-02-29T00:00:00Z")?.millisecondsSinceEpoch, 1_709_164_800_000)
    }

    func testRefusesWhatIsNotRFC3339() {
        for text in ["", "2026-11-25", "2026-11-25T08:00Z", "2026-11-25T08:00:00", "2026-13-01T00:00:00Z",
                     "2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T08:00:00.Z",
                     "2026-11-25T08:00:00+0800", "2026-11-25T08:00:00Z ", "１２３４-11-25T08:00:00Z", "1795593600000"] {
            XCTAssertNil(Timestamp(rfc3339: text), text)
        }
    }
}
