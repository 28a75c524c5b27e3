import HotlineModel
import Storage
import XCTest

/// The pure parts of Storage that every backend shares.
final class RecordValidationTests: XCTestCase {
    /// Records what it was asked to hash, so the test sees the exact A1 string.
    private struct RecordingHasher: DigestHashing {
        func md5Hex(_ input: String) -> String { "md5(\(input))" }
        func sha256Hex(_ input: String) -> String { "sha256(\(input))" }
    }

    func testCredentialFromPasswordHashesUsernameRealmPassword() {
        // RFC 7616 §3.4.2: A1 = username ":" realm ":" passwd
        let credential = SIPCredential(username: "1001", realm: "hotline.local", password: "s3cret:x", hashing: RecordingHasher())
        XCTAssertEqual(credential, SIPCredential(
            username: "1001", realm: "hotline.local",
            ha1MD5: "md5(1001:hotline.local:s3cret:x)", ha1SHA256: "sha256(1001:hotline.local:s3cret:x)"))
    }

    func testPageCursorRawValue() {
        let cursor = PageCursor(createdAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_123), id: "c:1")
        XCTAssertEqual(cursor.rawValue, "1700000000123:c:1")
        XCTAssertEqual(PageCursor(rawValue: cursor.rawValue), cursor)
        XCTAssertNil(PageCursor(rawValue: "garbage"))
        XCTAssertNil(PageCursor(rawValue: "x:1"))
    }

    func testNameSearchPatternEscapesWildcards() throws {
        XCTAssertEqual(try CustomerNameSearch.likePattern(for: " Wei ZHANG "), "%wei zhang%")
        XCTAssertEqual(try CustomerNameSearch.likePattern(for: "100%_\\"), "%100\\%\\_\\\\%")
        XCTAssertThrowsError(try CustomerNameSearch.likePattern(for: "a\u{1F}b"))
    }

    func testNameSearchKeyLowercasesBothNames() {
        let customer = Customer(id: "c-1", nameZh: "张伟", nameEn: "Wei ZHANG", createdAt: Timestamp(millisecondsSinceEpoch: 0))
        XCTAssertEqual(customer.nameSearchKey, "张伟\u{1F}wei zhang")
    }

    func testErrorDescriptionNamesCodeAndField() {
        let error = StorageError.conflict(.username, "Taken; choose another.")
        XCTAssertEqual(error.description, "conflict (username): Taken; choose another.")
    }
}
