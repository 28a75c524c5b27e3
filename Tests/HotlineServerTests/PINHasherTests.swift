import XCTest
@testable import HotlineServer

final class PINHasherTests: XCTestCase {
    // A small cost keeps the test quick; the format and checks are the same.
    private let hasher = PINHasher(rounds: 1 << 10, blockSize: 8, parallelism: 1)

    func testARightPINVerifiesAndAWrongOneDoesNot() throws {
        let stored = try hasher.hash("123456")
        XCTAssertTrue(stored.hasPrefix("scrypt$1024$8$1$"), stored)
        XCTAssertEqual(stored.split(separator: "$").map(\.count).suffix(2), [32, 64], "16-byte salt, 32-byte hash, in hex")
        XCTAssertFalse(stored.contains("123456"))
        XCTAssertTrue(hasher.verify("123456", against: stored))
        for wrong in ["123457", "12345", "1234567", "", "654321"] {
            XCTAssertFalse(hasher.verify(wrong, against: stored), wrong)
        }
    }

    func testEachHashHasItsOwnSalt() throws {
        let a = try hasher.hash("000000"), b = try hasher.hash("000000")
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(hasher.verify("000000", against: a))
        XCTAssertTrue(hasher.verify("000000", against: b))
    }

    func testTheStoredCostIsUsedNotTheHashersOwn() throws {
        let stored = try hasher.hash("246810")
        XCTAssertTrue(PINHasher().verify("246810", against: stored), "a hasher with another default cost still checks old PINs")
    }

    func testMalformedStoredValuesNeverMatch() throws {
        let stored = try hasher.hash("111111")
        var parts = stored.split(separator: "$").map(String.init)
        for bad in ["", "plain:111111", "scrypt$1024$8$1$zz$00", "scrypt$1000$8$1$00$00", "scrypt$1024$8$1$00",
                    "bcrypt$" + parts.dropFirst().joined(separator: "$"), stored + "00"] {
            XCTAssertFalse(hasher.verify("111111", against: bad), bad)
        }
        parts[5] = String(parts[5].reversed())
        XCTAssertFalse(hasher.verify("111111", against: parts.joined(separator: "$")))
    }
}
