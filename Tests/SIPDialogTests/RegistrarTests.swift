@testable import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest

/// The registrar behind `UserAgentCore` (RFC 3261 §10.3) with digest authentication
/// (§22.4, RFC 8760) and throttling, driven through REGISTER requests.
final class RegistrarTests: XCTestCase {
    private let aor = "sip:1001@hotline.local"
    private let source = "udp:192.0.2.10:5060"

    /// A phone registering one AOR: its Call-ID and CSeq, and its digest answers.
    private struct Phone {
        var user = "1001"
        var password = "agent1001"
        var callID = "reg-1001@192.0.2.10"
        var cseq: UInt32 = 0
        var to: String?
        var nonceCount: UInt32 = 0

        mutating func register(contacts: [String] = ["<sip:1001@192.0.2.10:5060>"], expires: String? = "3600",
                               authorization: String? = nil, extra: [(SIPHeaderName, String)] = []) -> SIPRequest {
            cseq += 1
            var h = SIPHeaders()
            h.add(.via, "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKreg\(cseq);rport")
            h.add(.maxForwards, "70")
            h.add(.from, "<sip:\(user)@hotline.local>;tag=reg\(user)")
            h.add(.to, to ?? "<sip:\(user)@hotline.local>")
            h.add(.callID, callID)
            h.add(.cseq, "\(cseq) REGISTER")
            for c in contacts { h.add(.contact, c) }
            if let expires { h.add(.expires, expires) }
            if let authorization { h.add(.authorization, authorization) }
            for (n, v) in extra { h.add(n, v) }
            return SIPRequest(method: .register, uri: CoreFixture.uri("sip:hotline.local"), headers: h)
        }

        /// The Authorization answering `challenge` (RFC 3261 §22.4, qop=auth).
        mutating func answer(_ challenge: DigestChallenge, password: String? = nil) -> String {
            nonceCount += 1
            return DigestComputation.credentials(
                answering: challenge, username: user, password: password ?? self.password, method: "REGISTER",
                uri: "sip:hotline.local", cnonce: "0a4f113b\(nonceCount)", nonceCount: nonceCount).headerValue
        }
    }

    private func challenges(_ actions: [UserAgentAction], file: StaticString = #filePath, line: UInt = #line) -> [DigestChallenge] {
        guard let r = actions.responses.first, r.statusCode == 401 else {
            XCTFail("not a 401: \(actions)", file: file, line: line)
            return []
        }
        return r.headers.lines(.wwwAuthenticate).compactMap {
            if case .digest(let c)? = try? AuthenticationChallenge(parsing: $0) { return c } else { return nil }
        }
    }

    /// REGISTER, 401, REGISTER with credentials (MD5 unless told); returns the second outcome.
    private func register(_ ua: inout CoreHarness, _ phone: inout Phone, algorithm: DigestAlgorithm = .md5,
                          password: String? = nil, contacts: [String] = ["<sip:1001@192.0.2.10:5060>"],
                          expires: String? = "3600", file: StaticString = #filePath, line: UInt = #line)
        -> (SIPRequest, TransactionID, [UserAgentAction]) {
        let (_, first) = ua.receive(phone.register(contacts: contacts, expires: expires))
        guard let challenge = challenges(first, file: file, line: line).first(where: { $0.algorithm == algorithm }) else {
            XCTFail("no \(algorithm) challenge", file: file, line: line)
            return (phone.register(), TransactionID(rawValue: 0), [])
        }
        let request = phone.register(contacts: contacts, expires: expires,
                                     authorization: phone.answer(challenge, password: password))
        let (tx, actions) = ua.receive(request)
        return (request, tx, actions)
    }

    private func ok(_ request: SIPRequest, tag: String?, contacts: [String]) -> SIPResponse {
        var r = Expect.response(200, to: request, toTag: tag)
        for c in contacts { r.headers.add(.contact, c) }
        return r
    }

    // MARK: Challenge (§22.4, RFC 8760 §2.4)

    func testRegisterWithoutCredentialsGets401WithSHA256ThenMD5Challenges() {
        var ua = CoreHarness()
        var phone = Phone()
        let request = phone.register()
        let (tx, actions) = ua.receive(request)
        let cs = challenges(actions)
        guard cs.count == 2, let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        let nonce = cs[0].nonce
        XCTAssertEqual(nonce.count, 64)
        var expected = Expect.response(401, to: request, toTag: tag)
        expected.headers.add(.wwwAuthenticate, "Digest realm=\"hotline.local\", nonce=\"\(nonce)\", algorithm=SHA-256, qop=\"auth\"")
        expected.headers.add(.wwwAuthenticate, "Digest realm=\"hotline.local\", nonce=\"\(nonce)\", algorithm=MD5, qop=\"auth\"")
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    /// RFC 4475 §3.3.7: a scheme we do not know is answered with our Digest challenge.
    func testUnknownAuthorizationSchemeIsChallenged() {
        var ua = CoreHarness()
        var phone = Phone()
        let (_, actions) = ua.receive(phone.register(authorization: "NoOneKnowsThisScheme opaque-data=here"))
        XCTAssertEqual(challenges(actions).map(\.algorithm), [.sha256, .md5])
        XCTAssertEqual(actions.events, [])
    }

    func testMalformedAuthorizationGets400() {
        var ua = CoreHarness()
        var phone = Phone()
        let request = phone.register(authorization: "Digest username=\"1001\", realm=")
        let (tx, actions) = ua.receive(request)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [.respond(Expect.response(400, reason: "Bad Request (malformed Authorization header)",
                                                          to: request, toTag: tag), tx)])
    }

    // MARK: Successful registration (§10.3 steps 6–8)

    func testCorrectMD5ResponseRegistersTheContact() {
        var ua = CoreHarness()
        var phone = Phone()
        let (request, tx, actions) = register(&ua, &phone, algorithm: .md5)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [
            .respond(ok(request, tag: tag, contacts: ["<sip:1001@192.0.2.10:5060>;expires=3600"]), tx),
            .notify(.registered(aor: aor, contact: "sip:1001@192.0.2.10:5060", expires: 3600)),
        ])
        let bindings = ua.core.registrar.contacts(user: "1001", now: ua.now)
        XCTAssertEqual(bindings.map(\.contactURI), ["sip:1001@192.0.2.10:5060"])
        XCTAssertEqual(bindings.first?.source, source)
        XCTAssertEqual(bindings.first?.callID, phone.callID)
    }

    func testCorrectSHA256ResponseRegistersTheContact() {
        var ua = CoreHarness()
        var phone = Phone()
        let (request, tx, actions) = register(&ua, &phone, algorithm: .sha256)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [
            .respond(ok(request, tag: tag, contacts: ["<sip:1001@192.0.2.10:5060>;expires=3600"]), tx),
            .notify(.registered(aor: aor, contact: "sip:1001@192.0.2.10:5060", expires: 3600)),
        ])
    }

    /// The 200 lists every binding with its remaining time; a refresh is `registered` again.
    func testSecondContactAndRefreshAreListedWithRemainingTimes() {
        var ua = CoreHarness()
        var phone = Phone()
        _ = register(&ua, &phone)
        ua.advance(by: .seconds(100))
        let (request, tx, actions) = register(&ua, &phone, contacts: ["<sip:1001@192.0.2.10:5062>;expires=600"])
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [
            .respond(ok(request, tag: tag, contacts: ["<sip:1001@192.0.2.10:5062>;expires=600",
                                                      "<sip:1001@192.0.2.10:5060>;expires=3500"]), tx),
            .notify(.registered(aor: aor, contact: "sip:1001@192.0.2.10:5062", expires: 600)),
        ])
    }

    /// §10.3 step 5: the AOR is in our domain whatever host the phone put in To.
    func testToWithOurAddressInsteadOfTheDomainIsTheSameAOR() {
        var ua = CoreHarness()
        var phone = Phone()
        phone.to = "<sip:1001@198.51.100.1>"
        let (_, _, actions) = register(&ua, &phone)
        XCTAssertEqual(actions.events, [.registered(aor: aor, contact: "sip:1001@192.0.2.10:5060", expires: 3600)])
    }

    func testExpiresAboveTheMaximumIsShortened() {
        var ua = CoreHarness()
        var phone = Phone()
        let (_, _, actions) = register(&ua, &phone, expires: "86400")
        XCTAssertEqual(actions.responses.first?.headers[.contact], "<sip:1001@192.0.2.10:5060>;expires=7200")
    }

    func testContactWithoutAnyExpiryGetsTheDefault() {
        var ua = CoreHarness()
        var phone = Phone()
        let (_, _, actions) = register(&ua, &phone, expires: nil)
        XCTAssertEqual(actions.responses.first?.headers[.contact], "<sip:1001@192.0.2.10:5060>;expires=3600")
    }

    /// §10.2.3: a REGISTER without Contact asks for the bindings and changes none.
    /// Regression: it was taken for `Contact: *`, so a query got 400 and a query with
    /// `Expires: 0` removed every binding.
    func testRegisterWithoutContactListsTheBindings() {
        var ua = CoreHarness()
        var phone = Phone()
        _ = register(&ua, &phone)
        for expires in ["3600", "0"] {
            let (request, tx, actions) = register(&ua, &phone, contacts: [], expires: expires)
            guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
            XCTAssertEqual(actions, [.respond(ok(request, tag: tag, contacts: ["<sip:1001@192.0.2.10:5060>;expires=3600"]), tx)])
        }
    }

    // MARK: Removing bindings

    func testExpiresZeroUnregistersTheContact() {
        var ua = CoreHarness()
        var phone = Phone()
        _ = register(&ua, &phone)
        let (request, tx, actions) = register(&ua, &phone, expires: "0")
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [
            .respond(ok(request, tag: tag, contacts: []), tx),
            .notify(.unregistered(aor: aor, contact: "sip:1001@192.0.2.10:5060")),
        ])
        XCTAssertEqual(ua.core.registrar.contacts(user: "1001", now: ua.now), [])

        // Removing what is not there is not an event.
        let (_, _, again) = register(&ua, &phone, expires: "0")
        XCTAssertEqual(again.events, [])
        XCTAssertEqual(again.responses.map(\.statusCode), [200])
    }

    func testWildcardWithExpiresZeroRemovesEveryBinding() {
        var ua = CoreHarness()
        var phone = Phone()
        _ = register(&ua, &phone, contacts: ["<sip:1001@192.0.2.10:5060>", "<sip:1001@192.0.2.11:5060>"])
        let (request, tx, actions) = register(&ua, &phone, contacts: ["*"], expires: "0")
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions.first, .respond(ok(request, tag: tag, contacts: []), tx))
        XCTAssertEqual(Set(actions.events), [
            .unregistered(aor: aor, contact: "sip:1001@192.0.2.10:5060"),
            .unregistered(aor: aor, contact: "sip:1001@192.0.2.11:5060"),
        ])
        XCTAssertEqual(actions.count, 3)
        XCTAssertEqual(ua.core.registrar.contacts(user: "1001", now: ua.now), [])
    }

    func testWildcardWithNonZeroExpiresGets400() {
        var ua = CoreHarness()
        var phone = Phone()
        let (request, tx, actions) = register(&ua, &phone, contacts: ["*"], expires: "3600")
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [.respond(Expect.response(400, reason: "Bad Request (Contact: * needs Expires: 0)",
                                                          to: request, toTag: tag), tx)])
    }

    // MARK: Refusals

    func testTooBriefExpiresGets423WithMinExpires() {
        var ua = CoreHarness()
        var phone = Phone()
        for (contacts, expires) in [(["<sip:1001@192.0.2.10:5060>"], "30"), (["<sip:1001@192.0.2.10:5060>;expires=59"], "3600")] {
            let (request, tx, actions) = register(&ua, &phone, contacts: contacts, expires: expires)
            guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
            var expected = Expect.response(423, to: request, toTag: tag)
            expected.headers.add(.minExpires, "60")
            XCTAssertEqual(actions, [.respond(expected, tx)])
        }
        XCTAssertEqual(ua.core.registrar.contacts(user: "1001", now: ua.now), [])
    }

    /// RFC 4475 §3.3.4: To must be a SIP or SIPS AOR; refused before any authentication.
    func testNonSIPToGets400() {
        var ua = CoreHarness()
        var phone = Phone()
        phone.to = "<isbn:2983792873>"
        let request = phone.register()
        let (tx, actions) = ua.receive(request)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [.respond(Expect.response(400, reason: "Bad Request (To must be a sip: or sips: address-of-record)",
                                                          to: request, toTag: tag), tx)])
    }

    /// §10.3 step 6: an authenticated user registers its own AOR only.
    func testAuthenticatedUserRegisteringAnotherAORGets403() {
        var ua = CoreHarness()
        var phone = Phone()
        phone.to = "<sip:1002@hotline.local>"
        let (request, tx, actions) = register(&ua, &phone)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [.respond(Expect.response(403, reason: "Forbidden (1001 may not register 1002)",
                                                          to: request, toTag: tag), tx)])
    }

    /// §10.3 step 7: the same Call-ID with a CSeq not above the stored one is out of order.
    func testOutOfOrderCSeqGets500() {
        var ua = CoreHarness()
        var phone = Phone()
        let (first, _, _) = register(&ua, &phone)
        guard let authorization = first.headers[.authorization],
              case .digest(let c)? = try? AuthorizationCredentials(parsing: authorization) else { return XCTFail() }
        let challenge = DigestChallenge(realm: c.realm, nonce: c.nonce, algorithm: c.algorithm)
        phone.cseq = 0 // an old REGISTER of the same registration, replayed with a fresh nc
        let request = phone.register(authorization: phone.answer(challenge))
        let (tx, actions) = ua.receive(request)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [.respond(Expect.response(500, reason: "CSeq 1 is not above 2 for Call-ID reg-1001@192.0.2.10",
                                                          to: request, toTag: tag), tx)])
    }

    // MARK: Wrong credentials and throttling

    /// Unknown users and wrong passwords look the same from outside: same status, same
    /// challenges (fresh nonces), same event.
    func testWrongPasswordAndUnknownUserGetTheSame401() {
        var ua = CoreHarness()
        var phone = Phone()
        let (wrongRequest, wrongTx, wrong) = register(&ua, &phone, password: "guess")
        var stranger = Phone()
        stranger.user = "9999"
        stranger.callID = "reg-9999@192.0.2.10"
        let (unknownRequest, unknownTx, unknown) = register(&ua, &stranger)

        func shape(_ actions: [UserAgentAction], _ request: SIPRequest, _ tx: TransactionID) -> [UserAgentAction] {
            let cs = challenges(actions)
            guard cs.count == 2, let tag = actions.responses.first?.toTag else { return [] }
            var r = Expect.response(401, to: request, toTag: tag)
            r.headers.add(.wwwAuthenticate, "Digest realm=\"hotline.local\", nonce=\"\(cs[0].nonce)\", algorithm=SHA-256, qop=\"auth\"")
            r.headers.add(.wwwAuthenticate, "Digest realm=\"hotline.local\", nonce=\"\(cs[0].nonce)\", algorithm=MD5, qop=\"auth\"")
            return [.respond(r, tx)]
        }
        XCTAssertEqual(Array(wrong.prefix(1)), shape(wrong, wrongRequest, wrongTx))
        XCTAssertEqual(Array(unknown.prefix(1)), shape(unknown, unknownRequest, unknownTx))
        XCTAssertEqual(wrong.dropFirst().map { $0 }, [.notify(.authenticationFailed(user: "1001", source: source))])
        XCTAssertEqual(unknown.dropFirst().map { $0 }, [.notify(.authenticationFailed(user: "9999", source: source))])
        XCTAssertNotEqual(challenges(wrong).first?.nonce, challenges(unknown).first?.nonce)
    }

    /// Five wrong guesses, then 403 with Retry-After until the back-off has passed, even
    /// for the right password; after it, the right password registers.
    func testRepeatedFailuresAreThrottledWith403AndRetryAfter() {
        var ua = CoreHarness()
        var phone = Phone()
        let (_, first) = ua.receive(phone.register())
        guard let challenge = challenges(first).first(where: { $0.algorithm == .md5 }) else { return XCTFail() }
        for attempt in 1...5 {
            let (_, actions) = ua.receive(phone.register(authorization: phone.answer(challenge, password: "guess\(attempt)")))
            XCTAssertEqual(actions.responses.map(\.statusCode), [401], "attempt \(attempt)")
        }
        let request = phone.register(authorization: phone.answer(challenge))
        let (tx, actions) = ua.receive(request)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        var expected = Expect.response(403, reason: "Forbidden (too many failed attempts; wait before retrying)",
                                       to: request, toTag: tag)
        expected.headers.add(.retryAfter, "1")
        XCTAssertEqual(actions, [.respond(expected, tx)])

        ua.advance(by: .seconds(1))
        let (_, later) = ua.receive(phone.register(authorization: phone.answer(challenge)))
        XCTAssertEqual(later.responses.map(\.statusCode), [200])
        XCTAssertEqual(later.events, [.registered(aor: aor, contact: "sip:1001@192.0.2.10:5060", expires: 3600)])
    }

    /// A REGISTER without credentials tests no password: it is never throttled or counted.
    func testChallengesAreNotCountedAsFailures() {
        var ua = CoreHarness()
        var phone = Phone()
        for _ in 1...10 {
            let (_, actions) = ua.receive(phone.register())
            XCTAssertEqual(actions.responses.map(\.statusCode), [401])
            XCTAssertEqual(actions.events, [])
        }
        XCTAssertEqual(register(&ua, &phone).2.responses.map(\.statusCode), [200])
    }

    /// RFC 7616 §3.3: a right answer for an expired nonce gets stale=TRUE and no failure.
    func testStaleNonceIsRechallengedWithStaleTrue() {
        var ua = CoreHarness()
        var phone = Phone()
        let (_, first) = ua.receive(phone.register())
        guard let challenge = challenges(first).first(where: { $0.algorithm == .sha256 }) else { return XCTFail() }
        ua.advance(by: .seconds(301))
        let (_, actions) = ua.receive(phone.register(authorization: phone.answer(challenge)))
        let cs = challenges(actions)
        XCTAssertEqual(cs.map(\.stale), [true, true])
        XCTAssertNotEqual(cs.first?.nonce, challenge.nonce)
        XCTAssertEqual(actions.events, [])
    }
}
