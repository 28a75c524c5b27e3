import SIPMessage
import XCTest

/// `CSeq` (RFC 3261 §20.16): a 32-bit sequence number and a method.
final class CSeqTests: XCTestCase {
    func test_parse() throws {
        XCTAssertEqual(try CSeq(parsing: "4711 INVITE"), CSeq(4711, .invite))
        XCTAssertEqual(try CSeq(parsing: "  0009   INVITE  "), CSeq(9, .invite), "leading zeros, LWS (RFC 4475 wsinv)")
        XCTAssertEqual(try CSeq(parsing: "0009 INVITE").sequence, 9)
        XCTAssertEqual(try CSeq(parsing: "0 ACK"), CSeq(0, .ack))
        XCTAssertEqual(try CSeq(parsing: "1 NEWMETHOD").method.rawValue, "NEWMETHOD")
        XCTAssertEqual(CSeq(314_159, .register).description, "314159 REGISTER")
    }

    func test_bounds() throws {
        XCTAssertEqual(try CSeq(parsing: "4294967295 BYE").sequence, UInt32.max)
        XCTAssertEqual(try CSeq(parsing: "0000000000004294967295 BYE").sequence, UInt32.max)
        for text in ["4294967296 BYE", "36893488147419103232 REGISTER", String(repeating: "9", count: 400) + " BYE"] {
            XCTAssertThrowsError(try CSeq(parsing: text)) {
                XCTAssertEqual(($0 as? SIPParseError)?.code, .valueOutOfRange, text)
            }
        }
    }

    func test_malformed() {
        for text in ["", "INVITE", "1", "-1 INVITE", "1 INVITE extra", "1.5 INVITE", "1 INV ITE", "1 INVITE;x", "x1 INVITE"] {
            XCTAssertThrowsError(try CSeq(parsing: text), "'\(text)'") {
                XCTAssertEqual(($0 as? SIPParseError)?.code, .malformedHeader, "'\(text)'")
            }
        }
    }

    func test_methodIsCaseSensitive() throws {
        XCTAssertNotEqual(try CSeq(parsing: "1 invite").method, .invite)
    }
}
