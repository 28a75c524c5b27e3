import XCTest

#if canImport(SIPAuth)
@testable import SIPAuth
#else
@testable import SIPDialog
#endif

final class DigestVerifierTests: XCTestCase {
    private let second: Int64 = 1_000_000_000
    private let now: Int64 = 1_700_000_000 * 1_000_000_000
    private let realm = "hotline.local"
    private let secret = Array(repeating: UInt8(7), count: 32)
    private let seed: UInt64 = 100
    private lazy var alice = DigestHA1(username: "1001", realm: realm, password: "s3cret")

    private func verifier(
        algorithms: [DigestAlgorithm] = [.sha256, .md5], acceptsResponsesWithoutQop: Bool = true, seed: UInt64? = nil
    ) throws -> DigestVerifier {
        try DigestVerifier(
            configuration: .init(
                realm: realm, nonceSecret: secret, algorithms: algorithms,
                acceptsResponsesWithoutQop: acceptsResponsesWithoutQop),
            nonceSeed: seed ?? self.seed)
    }

    /// The challenges a verifier must produce for its `salt`-th nonce at `time`.
    private func expected(
        at time: Int64, salt: UInt64, stale: Bool = false, algorithms: [DigestAlgorithm] = [.sha256, .md5]
    ) throws -> [DigestChallenge] {
        let nonce = try NonceService(secret: secret, realm: realm).makeNonce(now: time, salt: salt)
        return algorithms.map {
            DigestChallenge(realm: realm, nonce: nonce, algorithm: $0, qopOptions: [.auth], stale: stale)
        }
    }

    private func answer(
        _ challenge: DigestChallenge, user: String = "1001", password: String = "s3cret", nonceCount: UInt32 = 1
    ) -> DigestCredentials {
        DigestComputation.credentials(
            answering: challenge, username: user, password: password, method: "REGISTER", uri: "sip:hotline.local",
            cnonce: "0a4f113b", nonceCount: nonceCount)
    }

    // MARK: challenges

    func testChallengesOfferSHA256ThenMD5WithOneFreshNonce() throws {
        var verifier = try verifier()
        let first = verifier.challenges(now: now)
        XCTAssertEqual(first, try expected(at: now, salt: seed))
        XCTAssertEqual(
            first.map(\.headerValue),
            [
                #"Digest realm="hotline.local", nonce="\#(first[0].nonce)", algorithm=SHA-256, qop="auth""#,
                #"Digest realm="hotline.local", nonce="\#(first[0].nonce)", algorithm=MD5, qop="auth""#,
            ])
        XCTAssertEqual(verifier.challenges(now: now), try expected(at: now, salt: seed + 1))
    }

    func testEmptyAlgorithmListMeansDefault() throws {
        var verifier = try verifier(algorithms: [])
        XCTAssertEqual(verifier.algorithms, [.sha256, .md5])
        XCTAssertEqual(verifier.challenges(now: now).map(\.algorithm), [.sha256, .md5])
    }

    func testShortSecretIsRefused() {
        XCTAssertThrowsError(
            try DigestVerifier(configuration: .init(realm: realm, nonceSecret: [1, 2, 3]), nonceSeed: 0)
        ) { error in
            XCTAssertEqual((error as? AuthError)?.code, .secretTooShort)
        }
    }

    // MARK: accepted

    func testCorrectSHA256AndMD5ResponsesAreAuthorized() throws {
        var verifier = try verifier()
        let sha256 = verifier.challenges(now: now)[0]
        XCTAssertEqual(verifier.verify(answer(sha256), method: "REGISTER", ha1: alice, now: now), .authorized)
        // Both challenges share one nonce, so a second client takes a fresh pair.
        let md5 = verifier.challenges(now: now)[1]
        XCTAssertEqual(md5.algorithm, .md5)
        XCTAssertEqual(verifier.verify(answer(md5), method: "REGISTER", ha1: alice, now: now + second), .authorized)
    }

    func testSessionAlgorithmWhenConfigured() throws {
        var verifier = try verifier(algorithms: [.sha256Session])
        let challenge = verifier.challenges(now: now)[0]
        XCTAssertEqual(challenge.algorithm, .sha256Session)
        XCTAssertEqual(verifier.verify(answer(challenge), method: "REGISTER", ha1: alice, now: now), .authorized)
    }

    func testUpperCaseResponseHexIsAccepted() throws {
        var verifier = try verifier()
        var credentials = answer(verifier.challenges(now: now)[0])
        credentials.response = credentials.response.uppercased()
        XCTAssertEqual(verifier.verify(credentials, method: "REGISTER", ha1: alice, now: now), .authorized)
    }

    func testNonceFromAnotherNodeIsAccepted() throws {
        var nodeA = try verifier(seed: 1)
        var nodeB = try verifier(seed: 1 << 40)
        let credentials = answer(nodeA.challenges(now: now)[0])
        XCTAssertEqual(nodeB.verify(credentials, method: "REGISTER", ha1: alice, now: now + second), .authorized)
    }

    func testIncreasingNonceCountsReuseTheNonce() throws {
        var verifier = try verifier()
        let challenge = verifier.challenges(now: now)[0]
        for count in UInt32(1)...3 {
            XCTAssertEqual(
                verifier.verify(answer(challenge, nonceCount: count), method: "REGISTER", ha1: alice, now: now),
                .authorized)
        }
    }

    // MARK: stale

    func testReplayedNonceCountIsStale() throws {
        var verifier = try verifier()
        let credentials = answer(verifier.challenges(now: now)[0])
        XCTAssertEqual(verifier.verify(credentials, method: "REGISTER", ha1: alice, now: now), .authorized)
        XCTAssertEqual(
            verifier.verify(credentials, method: "REGISTER", ha1: alice, now: now + second),
            .stale(try expected(at: now + second, salt: seed + 1, stale: true)))
    }

    func testRFC2069ResponseIsSingleUse() throws {
        var verifier = try verifier()
        var challenge = verifier.challenges(now: now)[1]
        challenge.qopOptions = []
        let credentials = answer(challenge)
        XCTAssertNil(credentials.qop)
        XCTAssertEqual(verifier.verify(credentials, method: "REGISTER", ha1: alice, now: now), .authorized)
        XCTAssertEqual(
            verifier.verify(credentials, method: "REGISTER", ha1: alice, now: now),
            .stale(try expected(at: now, salt: seed + 1, stale: true)))
    }

    func testOldNonceWithCorrectResponseIsStale() throws {
        var verifier = try verifier()
        let credentials = answer(verifier.challenges(now: now)[0])
        let later = now + 301 * second
        XCTAssertEqual(
            verifier.verify(credentials, method: "REGISTER", ha1: alice, now: later),
            .stale(try expected(at: later, salt: seed + 1, stale: true)))
    }

    func testOldNonceWithWrongPasswordIsNotStale() throws {
        var verifier = try verifier()
        let credentials = answer(verifier.challenges(now: now)[0], password: "guess")
        let later = now + 301 * second
        XCTAssertEqual(
            verifier.verify(credentials, method: "REGISTER", ha1: alice, now: later),
            .challenge(try expected(at: later, salt: seed + 1), reason: .wrongResponse))
    }

    // MARK: rejected

    func testWrongPasswordAndUnknownUserAreIndistinguishable() throws {
        var first = try verifier()
        var second = try verifier()
        let challenge = first.challenges(now: now)[0]
        _ = second.challenges(now: now)
        let wrongPassword = first.verify(answer(challenge, password: "guess"), method: "REGISTER", ha1: alice, now: now)
        let unknownUser = second.verify(answer(challenge, user: "9999"), method: "REGISTER", ha1: nil, now: now)
        XCTAssertEqual(wrongPassword, .challenge(try expected(at: now, salt: seed + 1), reason: .wrongResponse))
        XCTAssertEqual(unknownUser, wrongPassword)
    }

    func testMissingHA1ForTheAlgorithmLooksLikeAWrongPassword() throws {
        var verifier = try verifier()
        let challenge = verifier.challenges(now: now)[0]
        let md5Only = DigestHA1(md5: alice.md5, sha256: nil)
        XCTAssertEqual(
            verifier.verify(answer(challenge), method: "REGISTER", ha1: md5Only, now: now),
            .challenge(try expected(at: now, salt: seed + 1), reason: .wrongResponse))
    }

    /// Even a response computed with the internal dummy HA1 never authorizes a missing user.
    func testDummyHA1NeverAuthorizes() throws {
        var verifier = try verifier()
        let challenge = verifier.challenges(now: now)[0]
        let dummy = DigestHA1(username: "", realm: realm, password: DigestHex.encode(secret))
        var credentials = answer(challenge, user: "ghost")
        credentials.response = DigestComputation.response(
            ha1: try XCTUnwrap(dummy.sha256), algorithm: .sha256, nonce: challenge.nonce, method: "REGISTER",
            uri: credentials.uri, qop: .auth, cnonce: credentials.cnonce, nonceCount: credentials.nonceCount)
        XCTAssertEqual(
            verifier.verify(credentials, method: "REGISTER", ha1: nil, now: now),
            .challenge(try expected(at: now, salt: seed + 1), reason: .wrongResponse))
    }

    func testWrongMethodIsAWrongResponse() throws {
        var verifier = try verifier()
        let credentials = answer(verifier.challenges(now: now)[0])
        XCTAssertEqual(
            verifier.verify(credentials, method: "INVITE", ha1: alice, now: now),
            .challenge(try expected(at: now, salt: seed + 1), reason: .wrongResponse))
    }

    func testRejectionsBeforeHashing() throws {
        var verifier = try verifier(algorithms: [.sha256])
        let challenge = verifier.challenges(now: now)[0]
        var salt = seed + 1
        func check(_ credentials: DigestCredentials, _ reason: DigestVerifier.Rejection, line: UInt = #line) throws {
            XCTAssertEqual(
                verifier.verify(credentials, method: "REGISTER", ha1: alice, now: now),
                .challenge(try expected(at: now, salt: salt, algorithms: [.sha256]), reason: reason), line: line)
            salt += 1
        }
        var md5 = challenge
        md5.algorithm = .md5
        try check(answer(md5), .algorithmNotOffered)

        var otherRealm = answer(challenge)
        otherRealm.realm = "other.local"
        try check(otherRealm, .realmMismatch)

        var forged = answer(challenge)
        forged.nonce = "AAAA" + forged.nonce.dropFirst(4)
        try check(forged, .invalidNonce)

        var future = answer(challenge)
        future.nonce = try NonceService(secret: secret, realm: realm).makeNonce(now: now + 6 * second)
        try check(future, .invalidNonce)

        var authInt = answer(challenge)
        authInt.qop = .authInt
        try check(authInt, .qopNotOffered)

        var noCount = answer(challenge)
        noCount.nonceCount = nil
        try check(noCount, .malformedCredentials)

        var noCnonce = answer(challenge)
        noCnonce.cnonce = nil
        try check(noCnonce, .malformedCredentials)
    }

    func testResponsesWithoutQopCanBeRefused() throws {
        var verifier = try verifier(acceptsResponsesWithoutQop: false)
        var challenge = verifier.challenges(now: now)[0]
        challenge.qopOptions = []
        XCTAssertEqual(
            verifier.verify(answer(challenge), method: "REGISTER", ha1: alice, now: now),
            .challenge(try expected(at: now, salt: seed + 1), reason: .qopNotOffered))
    }

    /// A wrong guess must not consume the nonce-count: the right answer still works after it.
    func testFailuresDoNotRecordNonceCounts() throws {
        var verifier = try verifier()
        let challenge = verifier.challenges(now: now)[0]
        _ = verifier.verify(answer(challenge, password: "guess"), method: "REGISTER", ha1: alice, now: now)
        XCTAssertEqual(verifier.verify(answer(challenge), method: "REGISTER", ha1: alice, now: now), .authorized)
    }
}
