import XCTest

#if canImport(SIPAuth)
@testable import SIPAuth
#else
@testable import SIPDialog
#endif

final class NonceServiceTests: XCTestCase {
    private let second: Int64 = 1_000_000_000
    private let epoch: Int64 = 1_700_000_000_000_000_000
    private let secret = Array(UInt8(0)..<UInt8(32))

    private func service(realm: String = "hotline.local", lifetime: Int64 = 300, secret: [UInt8]? = nil)
        throws -> NonceService
    {
        try NonceService(secret: secret ?? self.secret, realm: realm, lifetimeSeconds: lifetime)
    }

    /// The layout is fixed so every node computes the same nonce: the expected values are
    /// Python's `hmac`/`base64.urlsafe_b64encode` on the same bytes.
    func testNonceLayoutIsStable() throws {
        let nonces = try service()
        XCTAssertEqual(
            nonces.makeNonce(now: epoch, salt: 42), "F5ec_jYqAAAAAAAAAAAAKqRHuLbTDYI3rGP8MGnLYSDQn1emOAaDVzPVRQ4SC_zy")
        XCTAssertEqual(nonces.makeNonce(now: 0), "AAAAAAAAAAAAAAAAAAAAAG8gyY63ivezkyVTzqXE1QMopPrqSBmhc4M4iyLOpD45")
        XCTAssertEqual(nonces.issueTime(of: nonces.makeNonce(now: -5, salt: 1)), -5)
    }

    func testNoncesDifferBySaltAndTime() throws {
        let nonces = try service()
        let first = nonces.makeNonce(now: epoch, salt: 1)
        XCTAssertEqual(first.utf8.count, 64)
        XCTAssertEqual(nonces.makeNonce(now: epoch, salt: 1), first)
        XCTAssertNotEqual(nonces.makeNonce(now: epoch, salt: 2), first)
        XCTAssertNotEqual(nonces.makeNonce(now: epoch + 1, salt: 1), first)
    }

    func testValidityOverTime() throws {
        let nonces = try service()
        let nonce = nonces.makeNonce(now: epoch)
        XCTAssertEqual(nonces.validate(nonce: nonce, now: epoch), .valid)
        XCTAssertEqual(nonces.validate(nonce: nonce, now: epoch + 300 * second), .valid)
        XCTAssertEqual(nonces.validate(nonce: nonce, now: epoch + 300 * second + 1), .stale)
        // Issued by a node whose clock is ahead: tolerated up to 5 s.
        XCTAssertEqual(nonces.validate(nonce: nonce, now: epoch - 5 * second), .valid)
        XCTAssertEqual(nonces.validate(nonce: nonce, now: epoch - 5 * second - 1), .invalid)
    }

    func testCustomLifetime() throws {
        let nonces = try service(lifetime: 60)
        let nonce = nonces.makeNonce(now: epoch)
        XCTAssertEqual(nonces.lifetimeNanoseconds, 60 * second)
        XCTAssertEqual(nonces.validate(nonce: nonce, now: epoch + 60 * second), .valid)
        XCTAssertEqual(nonces.validate(nonce: nonce, now: epoch + 61 * second), .stale)
    }

    func testAnotherNodeWithTheSameSecretAccepts() throws {
        let nodeA = try service()
        let nodeB = try service()
        XCTAssertEqual(nodeB.validate(nonce: nodeA.makeNonce(now: epoch, salt: 7), now: epoch + second), .valid)
    }

    func testForeignOrDamagedNoncesAreInvalid() throws {
        let nonces = try service()
        let nonce = nonces.makeNonce(now: epoch)
        var otherSecret = secret
        otherSecret[0] ^= 1
        XCTAssertEqual(try service(secret: otherSecret).validate(nonce: nonce, now: epoch), .invalid)
        XCTAssertEqual(try service(realm: "other.local").validate(nonce: nonce, now: epoch), .invalid)
        var tampered = Array(nonce.utf8)
        tampered[3] = tampered[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        XCTAssertEqual(nonces.validate(nonce: String(decoding: tampered, as: UTF8.self), now: epoch), .invalid)
        XCTAssertEqual(nonces.validate(nonce: String(nonce.dropLast(4)), now: epoch), .invalid)
        XCTAssertEqual(nonces.validate(nonce: nonce + "AAAA", now: epoch), .invalid)
        XCTAssertEqual(nonces.validate(nonce: "abc", now: epoch), .invalid)
        XCTAssertEqual(nonces.validate(nonce: "", now: epoch), .invalid)
        XCTAssertEqual(nonces.validate(nonce: String(repeating: "*", count: 64), now: epoch), .invalid)
    }

    func testTimeArithmeticNeverOverflows() throws {
        let nonces = try service()
        XCTAssertEqual(nonces.validate(nonce: nonces.makeNonce(now: .min), now: .max), .invalid)
        XCTAssertEqual(nonces.validate(nonce: nonces.makeNonce(now: .max), now: .min), .invalid)
        let forever = try service(lifetime: .max)
        XCTAssertEqual(forever.lifetimeNanoseconds, .max)
        XCTAssertEqual(try service(lifetime: -1).lifetimeNanoseconds, 0)
    }

    func testShortSecretIsRefused() {
        XCTAssertThrowsError(try service(secret: Array(repeating: 1, count: 31))) { error in
            guard let error = error as? AuthError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code, .secretTooShort)
            XCTAssertEqual(
                error.description,
                "secretTooShort: the nonce secret has 31 bytes, fewer than 32; "
                    + "configure a secret of at least 32 random bytes")
        }
    }

    /// RFC 4648 §10 test vectors, in the URL-safe alphabet without padding.
    func testBase64URL() {
        XCTAssertEqual(NonceEncoding.encode(Array("f".utf8)), "Zg")
        XCTAssertEqual(NonceEncoding.encode(Array("fo".utf8)), "Zm8")
        XCTAssertEqual(NonceEncoding.encode(Array("foobar".utf8)), "Zm9vYmFy")
        XCTAssertEqual(NonceEncoding.encode([0xfb, 0xff, 0xbf]), "-_-_")
        XCTAssertEqual(NonceEncoding.decode("-_-_"), [0xfb, 0xff, 0xbf])
        XCTAssertEqual(NonceEncoding.decode("Zm9vYmFy"), Array("foobar".utf8))
        XCTAssertNil(NonceEncoding.decode("Zm8"))
        XCTAssertNil(NonceEncoding.decode("Zm9v+mFy"))
    }

    // MARK: NonceCountTable

    func testNonceCountMustIncrease() {
        var table = NonceCountTable()
        XCTAssertEqual(table.capacity, 10_000)
        XCTAssertTrue(table.accept(nonce: "a", issuedAt: 0, nonceCount: 1, now: 0, lifetime: 300 * second))
        XCTAssertFalse(table.accept(nonce: "a", issuedAt: 0, nonceCount: 1, now: 0, lifetime: 300 * second))
        XCTAssertTrue(table.accept(nonce: "a", issuedAt: 0, nonceCount: 3, now: 0, lifetime: 300 * second))
        XCTAssertFalse(table.accept(nonce: "a", issuedAt: 0, nonceCount: 2, now: 0, lifetime: 300 * second))
        XCTAssertTrue(table.accept(nonce: "b", issuedAt: 0, nonceCount: 2, now: 0, lifetime: 300 * second))
        XCTAssertEqual(table.count, 2)
    }

    func testCountZeroMakesANonceSingleUse() {
        var table = NonceCountTable()
        XCTAssertTrue(table.accept(nonce: "a", issuedAt: 0, nonceCount: 0, now: 0, lifetime: 10))
        XCTAssertFalse(table.accept(nonce: "a", issuedAt: 0, nonceCount: 0, now: 0, lifetime: 10))
    }

    func testEvictionRefusesForgottenNonces() {
        var table = NonceCountTable(capacity: 2)
        let lifetime = 1_000 * second
        XCTAssertTrue(table.accept(nonce: "a", issuedAt: 10, nonceCount: 1, now: 50, lifetime: lifetime))
        XCTAssertTrue(table.accept(nonce: "b", issuedAt: 20, nonceCount: 1, now: 50, lifetime: lifetime))
        XCTAssertTrue(table.accept(nonce: "c", issuedAt: 30, nonceCount: 1, now: 50, lifetime: lifetime))
        XCTAssertEqual(table.count, 2)
        XCTAssertEqual(table.evictedThrough, 10)
        // "a" is forgotten: it might be replayed, so it is refused (the client gets stale=TRUE).
        XCTAssertFalse(table.accept(nonce: "a", issuedAt: 10, nonceCount: 2, now: 50, lifetime: lifetime))
        XCTAssertFalse(table.accept(nonce: "older", issuedAt: 5, nonceCount: 1, now: 50, lifetime: lifetime))
        XCTAssertTrue(table.accept(nonce: "b", issuedAt: 20, nonceCount: 2, now: 50, lifetime: lifetime))
        XCTAssertTrue(table.accept(nonce: "d", issuedAt: 40, nonceCount: 1, now: 50, lifetime: lifetime))
        XCTAssertEqual(table.evictedThrough, 20)
        XCTAssertEqual(table.count, 2)
    }

    func testExpiredNoncesArePruned() {
        var table = NonceCountTable(capacity: 100)
        XCTAssertTrue(table.accept(nonce: "a", issuedAt: 0, nonceCount: 1, now: 0, lifetime: 10))
        XCTAssertTrue(table.accept(nonce: "b", issuedAt: 5, nonceCount: 1, now: 5, lifetime: 10))
        XCTAssertTrue(table.accept(nonce: "c", issuedAt: 11, nonceCount: 1, now: 11, lifetime: 10))
        XCTAssertEqual(table.count, 2)
        // Pruning forgets only nonces that NonceService already calls stale: no watermark needed.
        XCTAssertEqual(table.evictedThrough, .min)
        XCTAssertTrue(table.accept(nonce: "e", issuedAt: 100, nonceCount: 1, now: 100, lifetime: 10))
        XCTAssertEqual(table.count, 1)
    }

    func testTableStaysBoundedUnderLoad() {
        var table = NonceCountTable(capacity: 100)
        for index in 0..<5_000 {
            XCTAssertTrue(
                table.accept(
                    nonce: "n\(index)", issuedAt: Int64(index), nonceCount: 1, now: Int64(index),
                    lifetime: .max))
        }
        XCTAssertEqual(table.count, 100)
        XCTAssertEqual(table.evictedThrough, 4_899)
    }
}
