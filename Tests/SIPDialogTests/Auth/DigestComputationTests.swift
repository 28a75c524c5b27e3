import XCTest

#if canImport(SIPAuth)
@testable import SIPAuth
#else
@testable import SIPDialog
#endif

/// Expected values come from the RFCs where they print them, otherwise from Python's
/// hashlib on the same inputs (an independent implementation).
final class DigestComputationTests: XCTestCase {
    // RFC 7616 §3.9.1
    private let nonce7616 = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
    private let cnonce7616 = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

    private func response7616(_ algorithm: DigestAlgorithm) -> String {
        DigestComputation.response(
            username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: algorithm,
            nonce: nonce7616, method: "GET", uri: "/dir/index.html", qop: .auth, cnonce: cnonce7616,
            nonceCount: "00000001")
    }

    func testRFC7616MD5() {
        XCTAssertEqual(response7616(.md5), "8ca523f5e9506fed4657c9700eebdbec")
    }

    func testRFC7616SHA256() {
        XCTAssertEqual(response7616(.sha256), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
    }

    func testRFC7616SessionVariants() {
        XCTAssertEqual(response7616(.md5Session), "e783283f46242139c486a698fec7211d")
        XCTAssertEqual(
            response7616(.sha256Session), "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7")
    }

    func testHA1AndResponseFromStoredHA1() {
        let md5 = DigestComputation.ha1(
            username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .md5Session)
        let sha256 = DigestComputation.ha1(
            username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .sha256)
        XCTAssertEqual(md5, "3d78807defe7de2157e2b0b6573a855f")
        XCTAssertEqual(sha256, "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232")
        XCTAssertEqual(
            DigestComputation.response(
                ha1: sha256.uppercased(), algorithm: .sha256, nonce: nonce7616, method: "GET", uri: "/dir/index.html",
                qop: .auth, cnonce: cnonce7616, nonceCount: "00000001"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        XCTAssertEqual(
            DigestComputation.response(
                ha1: md5, algorithm: .md5Session, nonce: nonce7616, method: "GET", uri: "/dir/index.html",
                qop: .auth, cnonce: cnonce7616, nonceCount: "00000001"),
            "e783283f46242139c486a698fec7211d")
    }

    /// RFC 2617 §3.5.
    func testRFC2617Example() {
        XCTAssertEqual(
            DigestComputation.response(
                username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", algorithm: .md5,
                nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", method: "GET", uri: "/dir/index.html", qop: .auth,
                cnonce: "0a4f113b", nonceCount: "00000001"),
            "6629fae49393a05397450978507c4ef1")
    }

    /// RFC 2069 §2.4 inputs, no qop. The RFC prints e966c932a9242554e42c8ee200cec7f6, which does
    /// not match its own inputs; this value is hashlib's.
    func testRFC2069NoQop() {
        XCTAssertEqual(
            DigestComputation.response(
                username: "Mufasa", realm: "testrealm@host.com", password: "CircleOfLife", algorithm: .md5,
                nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", method: "GET", uri: "/dir/index.html",
                cnonce: "ignored", nonceCount: "00000009"),
            "1949323746fe6a43ef61f9606e7febea")
        XCTAssertEqual(
            DigestComputation.response(
                username: "Mufasa", realm: "testrealm@host.com", password: "CircleOfLife", algorithm: .sha256,
                nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", method: "GET", uri: "/dir/index.html"),
            "89381827616a396139e299fae10b3a81aaa7bb9e04bee0dcb56ca48dd58af998")
    }

    func testAuthInt() {
        func authInt(_ body: [UInt8], _ algorithm: DigestAlgorithm = .md5) -> String {
            DigestComputation.response(
                username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", algorithm: algorithm,
                nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", method: "INVITE", uri: "sip:bob@biloxi.com",
                qop: .authInt, cnonce: "0a4f113b", nonceCount: "00000001", entityBody: body)
        }
        XCTAssertEqual(authInt(Array("v=0\r\n".utf8)), "45db95e93ecd6b465210c289844d11df")
        // RFC 3261 §22.4 item 7: an empty body hashes as H("").
        XCTAssertEqual(authInt([]), "1cbfadf54c5ac30459d677da0679f998")
        XCTAssertEqual(
            authInt(Array("v=0\r\n".utf8), .sha256), "081c53a2e3392850ed60d961ece14ada5903e363f72635346256baab81245766")
    }

    func testFormatNonceCount() {
        XCTAssertEqual(DigestComputation.formatNonceCount(1), "00000001")
        XCTAssertEqual(DigestComputation.formatNonceCount(0xab), "000000ab")
        XCTAssertEqual(DigestComputation.formatNonceCount(.max), "ffffffff")
    }

    func testCredentialsAnsweringChallengeWithQop() {
        let challenge = DigestChallenge(realm: "hotline.local", nonce: "abc", algorithm: .sha256)
        let credentials = DigestComputation.credentials(
            answering: challenge, username: "1001", password: "s3cret", method: "REGISTER", uri: "sip:hotline.local",
            cnonce: "xyz")
        XCTAssertEqual(
            credentials,
            DigestCredentials(
                username: "1001", realm: "hotline.local", nonce: "abc", uri: "sip:hotline.local",
                response: "95fb2dc75af72f9f4e3030b054bbed3f27c9db59dca4d0dc9fc56c9658875212", algorithm: .sha256,
                cnonce: "xyz", qop: .auth, nonceCount: "00000001"))
    }

    func testCredentialsAnsweringChallengeWithoutQop() {
        let challenge = DigestChallenge(
            realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque: "op", qopOptions: [])
        let credentials = DigestComputation.credentials(
            answering: challenge, username: "Mufasa", password: "CircleOfLife", method: "GET", uri: "/dir/index.html",
            cnonce: "unused", nonceCount: 7)
        XCTAssertEqual(
            credentials,
            DigestCredentials(
                username: "Mufasa", realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                uri: "/dir/index.html", response: "1949323746fe6a43ef61f9606e7febea", algorithm: .md5, opaque: "op"))
    }

    func testConstantTimeEquals() {
        let digest = "8ca523f5e9506fed4657c9700eebdbec"
        XCTAssertTrue(DigestComputation.constantTimeEquals(expectedHex: digest, providedHex: digest))
        XCTAssertTrue(DigestComputation.constantTimeEquals(expectedHex: digest, providedHex: digest.uppercased()))
        XCTAssertFalse(
            DigestComputation.constantTimeEquals(expectedHex: digest, providedHex: "8ca523f5e9506fed4657c9700eebdbed"))
        XCTAssertFalse(
            DigestComputation.constantTimeEquals(expectedHex: digest, providedHex: String(digest.dropLast(2))))
        XCTAssertFalse(DigestComputation.constantTimeEquals(expectedHex: digest, providedHex: digest + "00"))
        XCTAssertFalse(
            DigestComputation.constantTimeEquals(expectedHex: digest, providedHex: "zca523f5e9506fed4657c9700eebdbec"))
        XCTAssertFalse(DigestComputation.constantTimeEquals(expectedHex: digest, providedHex: ""))
        XCTAssertFalse(DigestComputation.constantTimeEquals(expectedHex: digest, providedHex: "8"))
    }

    func testDigestHA1() {
        let ha1 = DigestHA1(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life")
        XCTAssertEqual(ha1.md5, "3d78807defe7de2157e2b0b6573a855f")
        XCTAssertEqual(ha1.sha256, "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232")
        XCTAssertEqual(ha1.value(for: .md5), ha1.md5)
        XCTAssertEqual(ha1.value(for: .md5Session), ha1.md5)
        XCTAssertEqual(ha1.value(for: .sha256), ha1.sha256)
        XCTAssertEqual(ha1.value(for: .sha256Session), ha1.sha256)
        let stored = DigestHA1(md5: "ABCD", sha256: nil)
        XCTAssertEqual(stored.md5, "abcd")
        XCTAssertNil(stored.value(for: .sha256))
    }

    func testAlgorithmTokens() {
        XCTAssertEqual(DigestAlgorithm.allCases.map(\.token), ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"])
        XCTAssertEqual(
            DigestAlgorithm.allCases.map { DigestAlgorithm(token: $0.token.uppercased()) }, DigestAlgorithm.allCases)
        XCTAssertNil(DigestAlgorithm(token: "SHA-512-256"))
        XCTAssertEqual(DigestAlgorithm.allCases.map(\.isSession), [false, true, false, true])
        XCTAssertEqual(DigestAlgorithm.allCases.map(\.base), [.md5, .md5, .sha256, .sha256])
        XCTAssertEqual(DigestAlgorithm.allCases.map(\.hexLength), [32, 32, 64, 64])
        XCTAssertEqual(DigestQop.allCases.map(\.token), ["auth", "auth-int"])
        XCTAssertEqual(DigestQop(token: "AUTH-INT"), .authInt)
        XCTAssertNil(DigestQop(token: "auth-conf"))
    }

    func testHex() {
        XCTAssertEqual(DigestHex.encode([0x00, 0x0f, 0xa0, 0xff]), "000fa0ff")
        XCTAssertEqual(DigestHex.decode("000FA0ff"), [0x00, 0x0f, 0xa0, 0xff])
        XCTAssertNil(DigestHex.decode("abc"))
        XCTAssertNil(DigestHex.decode("0g"))
        XCTAssertEqual(DigestHex.decode(""), [])
    }
}
