import Foundation
import XCTest

#if canImport(SIPAuth)
@testable import SIPAuth
#else
@testable import SIPDialog
#endif

final class AuthHeaderParsingTests: XCTestCase {
    // MARK: challenges

    func testChallengeHeaderValue() {
        let challenge = DigestChallenge(
            realm: "hotline.local", nonce: "abc", algorithm: .sha256, qopOptions: [.auth], stale: true)
        XCTAssertEqual(
            challenge.headerValue,
            #"Digest realm="hotline.local", nonce="abc", algorithm=SHA-256, qop="auth", stale=TRUE"#)
    }

    func testChallengeHeaderValueWithOpaqueQopListAndEscaping() {
        let challenge = DigestChallenge(
            realm: #"a"b\c"#, nonce: "n\r\nX-Injected: 1", opaque: "o", algorithm: .md5,
            qopOptions: [.auth, .authInt])
        XCTAssertEqual(
            challenge.headerValue,
            #"Digest realm="a\"b\\c", nonce="n  X-Injected: 1", opaque="o", algorithm=MD5, qop="auth,auth-int""#)
    }

    func testChallengeWithoutQopOmitsIt() {
        let challenge = DigestChallenge(realm: "r", nonce: "n", algorithm: .md5Session, qopOptions: [])
        XCTAssertEqual(challenge.headerValue, #"Digest realm="r", nonce="n", algorithm=MD5-sess"#)
    }

    /// RFC 7616 §3.9.1, the SHA-256 challenge.
    func testParsesRFC7616Challenge() throws {
        let value = """
            Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, \
            nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", \
            opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            """
        XCTAssertEqual(
            try AuthenticationChallenge(parsing: value),
            .digest(
                DigestChallenge(
                    realm: "http-auth@example.org", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                    opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", algorithm: .sha256,
                    qopOptions: [.auth, .authInt], stale: false)))
    }

    func testChallengeDefaultsAndTolerances() throws {
        let value = #"digest NONCE="n", realm="r", qop="auth-conf,auth,auth", stale=true"#
        XCTAssertEqual(
            try AuthenticationChallenge(parsing: value),
            .digest(DigestChallenge(realm: "r", nonce: "n", algorithm: .md5, qopOptions: [.auth], stale: true)))
        XCTAssertEqual(
            try AuthenticationChallenge(parsing: #"Digest realm="r", nonce="n", stale=no"#),
            .digest(DigestChallenge(realm: "r", nonce: "n", qopOptions: [], stale: false)))
    }

    func testChallengeRoundTrip() throws {
        let challenge = DigestChallenge(
            realm: #"q"uote"#, nonce: "n", opaque: #"\"#, algorithm: .sha256Session, qopOptions: [.authInt],
            stale: true)
        XCTAssertEqual(try AuthenticationChallenge(parsing: challenge.headerValue), .digest(challenge))
    }

    func testChallengeErrors() {
        assertError(try AuthenticationChallenge(parsing: #"Digest realm="r""#), .missingParameter, parameter: "nonce")
        assertError(try AuthenticationChallenge(parsing: #"Digest nonce="n""#), .missingParameter, parameter: "realm")
        assertError(
            try AuthenticationChallenge(parsing: #"Digest realm="r", nonce="n", algorithm=SHA-512-256"#),
            .unsupportedAlgorithm, parameter: "algorithm", offset: 29)
        XCTAssertEqual(try AuthenticationChallenge(parsing: #"Basic realm="x""#), .unknownScheme("Basic"))
    }

    // MARK: credentials

    /// RFC 7616 §3.9.1, the MD5 Authorization header.
    func testParsesRFC7616Credentials() throws {
        let value = """
            Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, \
            nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, \
            cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, \
            response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            """
        let expected = DigestCredentials(
            username: "Mufasa", realm: "http-auth@example.org", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            uri: "/dir/index.html", response: "8ca523f5e9506fed4657c9700eebdbec", algorithm: .md5,
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", qop: .auth, nonceCount: "00000001")
        XCTAssertEqual(try AuthorizationCredentials(parsing: value), .digest(expected))
        XCTAssertEqual(expected.nonceCountValue, 1)
    }

    /// Folded, oddly spaced, upper-case names, empty list elements, quoted qop, upper-case nc.
    func testCredentialsTolerances() throws {
        let value =
            "  DIGEST   USERNAME = \"bob\" ,, Realm=\"biloxi\r\n  .com\",\r\n\tnonce=n1,uri=\"sip:bob@biloxi.com\" ,"
            + " response=\"ABC\", qop=\"auth\", cnonce=c, NC=0000000A, algorithm=sha-256,"
        XCTAssertEqual(
            try AuthorizationCredentials(parsing: value),
            .digest(
                DigestCredentials(
                    username: "bob", realm: "biloxi .com", nonce: "n1", uri: "sip:bob@biloxi.com", response: "ABC",
                    algorithm: .sha256, cnonce: "c", qop: .auth, nonceCount: "0000000A")))
    }

    func testCredentialsWithoutQopDefaultToMD5() throws {
        let value = #"Digest username="u", realm="r", nonce="n", uri="sip:r", response="00""#
        guard case .digest(let credentials) = try AuthorizationCredentials(parsing: value) else {
            return XCTFail("expected digest")
        }
        XCTAssertEqual(credentials.algorithm, .md5)
        XCTAssertNil(credentials.qop)
        XCTAssertNil(credentials.nonceCount)
        XCTAssertNil(credentials.nonceCountValue)
        XCTAssertNil(credentials.cnonce)
    }

    func testQuotedPairsAndUTF8() throws {
        let value = #"Digest username="J\"o\\e J\u{e4}", realm="r", nonce="n", uri="u", response="00""#
            .replacingOccurrences(of: #"\u{e4}"#, with: "\u{e4}")
        guard case .digest(let credentials) = try AuthorizationCredentials(parsing: value) else {
            return XCTFail("expected digest")
        }
        XCTAssertEqual(credentials.username, "J\"o\\e J\u{e4}")
    }

    func testCredentialsHeaderValueAndRoundTrip() throws {
        let credentials = DigestCredentials(
            username: #"a"b"#, realm: "r", nonce: "n", uri: "sip:r", response: "ff", algorithm: .sha256,
            cnonce: "c", opaque: "o", qop: .auth, nonceCount: "00000002")
        XCTAssertEqual(
            credentials.headerValue,
            #"Digest username="a\"b", realm="r", nonce="n", uri="sip:r", response="ff", algorithm=SHA-256, "#
                + #"cnonce="c", opaque="o", qop=auth, nc=00000002"#)
        XCTAssertEqual(try AuthorizationCredentials(parsing: credentials.headerValue), .digest(credentials))
    }

    /// RFC 4475 §3.3.7 `regaut01`: an unknown scheme must parse.
    func testRFC4475regaut01UnknownScheme() throws {
        XCTAssertEqual(
            try AuthorizationCredentials(parsing: "NoOneKnowsThisScheme opaque-data=here"),
            .unknownScheme("NoOneKnowsThisScheme"))
    }

    /// The same, read from the corpus file (`../shared/corpora/rfc4475/regaut01.dat`).
    func testRFC4475regaut01FromCorpus() throws {
        var directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        var file: URL?
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/corpora/rfc4475/regaut01.dat")
            if FileManager.default.fileExists(atPath: candidate.path) {
                file = candidate
                break
            }
            directory.deleteLastPathComponent()
        }
        guard let file else { throw XCTSkip("corpus not found above \(#filePath); it lives in ../shared/corpora") }
        let message = String(decoding: try Data(contentsOf: file), as: UTF8.self)
        let line = try XCTUnwrap(message.components(separatedBy: "\r\n").first { $0.hasPrefix("Authorization:") })
        let value = String(line.dropFirst("Authorization:".count))
        XCTAssertEqual(try AuthorizationCredentials(parsing: value), .unknownScheme("NoOneKnowsThisScheme"))
    }

    func testCredentialsErrors() {
        // 58 bytes: a parameter after it starts at 7 + 58 + 2 = 67.
        let base = #"username="u", realm="r", nonce="n", uri="u", response="00""#
        assertError(try AuthorizationCredentials(parsing: ""), .malformedHeader, offset: 0)
        assertError(try AuthorizationCredentials(parsing: "Digest"), .malformedHeader, offset: 6)
        assertError(try AuthorizationCredentials(parsing: "Digest  , ,"), .malformedHeader, offset: 11)
        assertError(try AuthorizationCredentials(parsing: #"Digest,username="u""#), .malformedHeader, offset: 6)
        assertError(try AuthorizationCredentials(parsing: "Digest =x"), .malformedHeader, offset: 7)
        assertError(
            try AuthorizationCredentials(parsing: #"Digest username "u""#), .malformedHeader, parameter: "username",
            offset: 16)
        assertError(
            try AuthorizationCredentials(parsing: #"Digest username=, realm="r""#), .malformedHeader,
            parameter: "username", offset: 16)
        assertError(
            try AuthorizationCredentials(parsing: #"Digest username="u"; realm="r""#), .malformedHeader, offset: 19)
        assertError(
            try AuthorizationCredentials(parsing: #"Digest username="u"#), .malformedHeader, parameter: "username",
            offset: 16)
        assertError(
            try AuthorizationCredentials(parsing: #"Digest username="u\"#), .malformedHeader, parameter: "username",
            offset: 18)
        assertError(
            try AuthorizationCredentials(parsing: "Digest username=\"a\u{1}b\""), .malformedHeader,
            parameter: "username", offset: 18)
        assertError(
            try AuthorizationCredentials(parsing: "Digest username=\"a\r\nb\""), .malformedHeader,
            parameter: "username", offset: 20)
        assertError(
            try AuthorizationCredentials(parsing: "Digest username=\"a\\\r\""), .malformedHeader,
            parameter: "username", offset: 18)
        assertError(
            try AuthorizationCredentials(parsing: #"Digest username="u", USERNAME="v""#), .duplicateParameter,
            parameter: "username", offset: 21)
        assertError(
            try AuthorizationCredentials(parsing: #"Digest username="u", realm="r", nonce="n", uri="u""#),
            .missingParameter, parameter: "response")
        assertError(
            try AuthorizationCredentials(parsing: "Digest \(base), qop=auth, nc=00000001"), .missingParameter,
            parameter: "cnonce")
        assertError(
            try AuthorizationCredentials(parsing: "Digest \(base), qop=auth, cnonce=c"), .missingParameter,
            parameter: "nc")
        assertError(
            try AuthorizationCredentials(parsing: "Digest \(base), qop=auth-conf"), .malformedHeader,
            parameter: "qop", offset: 67)
        assertError(
            try AuthorizationCredentials(parsing: "Digest \(base), nc=1"), .invalidNonceCount, parameter: "nc",
            offset: 67)
        assertError(
            try AuthorizationCredentials(parsing: "Digest \(base), nc=0000000g"), .invalidNonceCount,
            parameter: "nc", offset: 67)
        assertError(
            try AuthorizationCredentials(parsing: "Digest \(base), algorithm=MD5-sess"), .missingParameter,
            parameter: "qop")
        assertError(
            try AuthorizationCredentials(parsing: "Digest \(base), algorithm=\"SHA-1\""), .unsupportedAlgorithm,
            parameter: "algorithm", offset: 67)
    }

    func testLimits() {
        let long = "Digest username=\"" + String(repeating: "a", count: AuthHeaderLimits.maximumLength) + "\""
        assertError(try AuthorizationCredentials(parsing: long), .headerTooLong)
        let many = "Digest " + (0...AuthHeaderLimits.maximumParameters).map { "p\($0)=x" }.joined(separator: ",")
        // "Digest " is 7 bytes, p0…p9 take 5 bytes each with the comma, p10…p63 take 6.
        assertError(try AuthorizationCredentials(parsing: many), .malformedHeader, offset: 7 + 10 * 5 + 54 * 6)
    }

    func testErrorDescriptionSaysWhatToDo() {
        let error = AuthError(code: .missingParameter, parameter: "nc", offset: 3, detail: "qop requires nc")
        XCTAssertEqual(
            error.description,
            "missingParameter (parameter nc) at byte 3: qop requires nc; "
                + "the peer must resend the request with a well-formed header")
    }

    /// STYLE.md §5: mutate a valid header many times; every result must either parse or
    /// throw an AuthError, and whatever parses must survive a serialise/parse round trip.
    func testFuzzedCredentials() {
        let seed = Array(
            (#"Digest username="1001", realm="hotline.local", nonce="abc", uri="sip:hotline.local", "#
                + #"response="0123", algorithm=SHA-256, cnonce="x\"y", qop=auth, nc=00000001"#).utf8)
        let alphabet = Array(#"",=\ ;:/aA0-"#.utf8) + [0x0d, 0x0a, 0x09, 0x00, 0xc3, 0xa4]
        var random = FuzzRandom(seed: 0x5EED)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<Int(random.next() % 4 + 1) {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                }
            }
            let value = String(decoding: bytes, as: UTF8.self)
            do {
                let credentials = try AuthorizationCredentials(parsing: value)
                parsed += 1
                if case .digest(let digest) = credentials {
                    XCTAssertEqual(try AuthorizationCredentials(parsing: digest.headerValue), credentials, value)
                }
            } catch {
                XCTAssertFalse(error.detail.isEmpty)
            }
        }
        XCTAssertGreaterThan(parsed, 0)
    }

    // MARK: helpers

    private func assertError<T>(
        _ expression: @autoclosure () throws(AuthError) -> T, _ code: AuthError.Code, parameter: String? = nil,
        offset: Int? = nil, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let value = try expression()
            XCTFail("expected \(code), got \(value)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            XCTAssertEqual(error.parameter, parameter, "\(error)", file: file, line: line)
            if let offset { XCTAssertEqual(error.offset, offset, "\(error)", file: file, line: line) }
        }
    }
}

/// A deterministic generator for the fuzz test (SplitMix64, Steele, Lea, Flood 2014); kept
/// private so this file needs no test-support dependency.
private struct FuzzRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
