import SDP
@testable import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest

/// Calls we place as UAC (RFC 3261 §13.2): the INVITE, provisional and final responses,
/// the ACK for a 2xx (§13.2.2.4), digest retries (§22.2), CANCEL (§9.1) and BYE.
final class UserAgentCoreOutboundCallTests: XCTestCase {
    private let t0 = CoreFixture.epoch
    private let carrier = CoreFixture.carrier
    private let target = "sip:5551234@203.0.113.5"
    private let carrierTag = "as6151ad25"
    private let carrierContact = "<sip:5551234@203.0.113.5:5060>"
    private let carrierAnswer = CoreSDP.offer(formats: "0 101", address: "203.0.113.5", port: 30000)
    private let trunk = DialCredentials(username: "trunkuser", password: "s3cret")

    private var carrierMedia: NegotiatedMedia { CoreSDP.media(address: "203.0.113.5", port: 30000) }

    /// The carrier's response to `request`, with its tag (unless nil), Contact and body.
    private func reply(_ code: Int, to request: SIPRequest, tag: String? = "as6151ad25", contact: Bool = false,
                       sdp: String? = nil, extra: [(SIPHeaderName, String)] = []) -> SIPResponse {
        var r = Expect.response(code, to: request, toTag: tag)
        if contact { r.headers.add(.contact, carrierContact) }
        for (n, v) in extra { r.headers.add(n, v) }
        if let sdp {
            r.headers.add(.contentType, "application/sdp")
            r.body = Array(sdp.utf8)
        }
        return r
    }

    /// Places a call and starts its INVITE client transaction.
    private func dial(_ ua: inout CoreHarness, credentials: DialCredentials? = nil, duration: Duration? = nil,
                      file: StaticString = #filePath, line: UInt = #line) -> (CallHandle, SIPRequest, TransactionID) {
        let (call, actions) = ua.placeCall(to: target, credentials: credentials, duration: duration)
        guard case .sendRequest(let invite, to: carrier)? = actions.first, actions.count == 1 else {
            XCTFail("\(actions)", file: file, line: line)
            return (call, SIPRequest(method: .invite, uri: CoreFixture.sipURI(target)), TransactionID(rawValue: 0))
        }
        return (call, invite, ua.started(invite))
    }

    /// A call answered by the carrier; returns the ACK we sent.
    private func answered(_ ua: inout CoreHarness, duration: Duration? = nil) -> (CallHandle, SIPRequest, TransactionID, SIPRequest) {
        let (call, invite, tx) = dial(&ua, duration: duration)
        let actions = ua.handle(.response(reply(200, to: invite, contact: true, sdp: carrierAnswer), tx))
        guard case .sendStateless(.request(let ack), _)? = actions.first else {
            XCTFail("\(actions)")
            return (call, invite, tx, invite)
        }
        return (call, invite, tx, ack)
    }

    private func ourSide(_ invite: SIPRequest) -> (fromTag: String, callID: String) {
        ((try? invite.from().tag) ?? "", (try? invite.callID()) ?? "")
    }

    // MARK: The INVITE (§8.1.1, §13.2.1)

    func testPlaceCallSendsAnInviteWithAnSDPOffer() {
        var ua = CoreHarness()
        let (call, actions) = ua.placeCall(to: target)
        XCTAssertEqual(call, CallHandle(1))
        guard case .sendRequest(let invite, to: carrier)? = actions.first else { return XCTFail("\(actions)") }
        let branch = assertOurVia(invite.headers[.via])
        XCTAssertTrue(branch.hasPrefix("z9hG4bK") && branch.count > 7)
        let (fromTag, callID) = ourSide(invite)
        XCTAssertFalse(fromTag.isEmpty)
        XCTAssertTrue(callID.hasSuffix("@198.51.100.1"), callID)
        let sid = CoreSDP.sessionID(invite.body)

        var h = SIPHeaders()
        h.add(.via, invite.headers[.via] ?? "")
        h.add(.maxForwards, "70")
        h.add(.from, "<sip:hotline@hotline.local>;tag=\(fromTag)")
        h.add(.to, "<sip:5551234@203.0.113.5>")
        h.add(.callID, callID)
        h.add(.cseq, "1 INVITE")
        h.add(.contact, "<sip:hotline@198.51.100.1:5060>")
        h.add(.allow, CoreFixture.allow)
        h.add(.supported, "timer")
        h.add(.userAgent, "Hotline/0.1")
        h.add(.contentType, "application/sdp")
        let expected = SIPRequest(method: .invite, uri: CoreFixture.sipURI(target), headers: h,
                                  body: Array(CoreSDP.ourOffer(sessionID: sid).utf8))
        XCTAssertEqual(actions, [.sendRequest(expected, to: carrier)])
        XCTAssertEqual(ua.core.ports.allocated, 1)
        XCTAssertTrue(ua.timers.isEmpty)
    }

    func testPlaceCallWithACustomFromAndTwoCallsDiffer() {
        var ua = CoreHarness()
        let from = NameAddress(displayName: "Support", uri: SIPURI(user: "10000", host: "hotline.local"))
        let (_, a) = ua.core.placeCall(to: CoreFixture.sipURI(target), from: from, via: carrier, now: ua.now)
        let (second, b) = ua.placeCall(to: target)
        XCTAssertEqual(second, CallHandle(2))
        guard let first = a.requestsSent.first, let other = b.requestsSent.first else { return XCTFail() }
        XCTAssertTrue(first.headers[.from]?.hasPrefix("\"Support\" <sip:10000@hotline.local>;tag=") ?? false)
        XCTAssertEqual(first.headers[.contact], "<sip:10000@198.51.100.1:5060>")
        XCTAssertNotEqual(first.headers[.callID], other.headers[.callID])
        XCTAssertNotEqual(first.headers[.via], other.headers[.via])
        XCTAssertNotEqual(try? first.from().tag, try? other.from().tag)
        XCTAssertNotEqual(CoreSDP.sessionID(other.body), CoreSDP.sessionID(first.body))
        XCTAssertTrue(String(decoding: other.body, as: UTF8.self).contains("m=audio 20002 RTP/AVP 0 8 101"))
        XCTAssertEqual(ua.core.ports.allocated, 2)
    }

    func testPlaceCallOverTCPSaysSoInViaAndContact() {
        var ua = CoreHarness()
        let tcp = SIPPeer(transport: .tcp, host: "203.0.113.5", port: 5060)
        let (_, actions) = ua.core.placeCall(to: CoreFixture.sipURI(target), via: tcp, now: ua.now)
        guard case .sendRequest(let invite, to: tcp)? = actions.first else { return XCTFail("\(actions)") }
        assertOurVia(invite.headers[.via], transport: "TCP")
        XCTAssertEqual(invite.headers[.contact], "<sip:hotline@198.51.100.1:5060;transport=tcp>")
    }

    func testPlaceCallWithoutAFreePortFailsWith503() {
        var ua = CoreHarness(CoreFixture.core(ports: RTPPortPool(range: 20000...20001)))
        _ = ua.placeCall(to: target)
        let (call, actions) = ua.placeCall(to: target)
        XCTAssertEqual(actions, [.notify(.ended(call, reason: .failed(status: 503)))])
        XCTAssertEqual(ua.core.activeCallCount, 1)
    }

    // MARK: Provisional and 2xx responses

    func testRingingAnswerAckAndPlannedHangup() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua, duration: .seconds(30))
        let (fromTag, callID) = ourSide(invite)

        XCTAssertEqual(ua.handle(.response(reply(100, to: invite, tag: nil), tx)), [])
        ua.advance(by: .seconds(1))
        XCTAssertEqual(ua.handle(.response(reply(180, to: invite, contact: true), tx)), [.notify(.ringing(call))])
        XCTAssertEqual(ua.handle(.response(reply(183, to: invite, contact: true), tx)), [.notify(.ringing(call))])
        ua.advance(by: .seconds(4))

        let actions = ua.handle(.response(reply(200, to: invite, contact: true, sdp: carrierAnswer), tx))
        guard case .sendStateless(.request(let ack), to: carrier)? = actions.first else { return XCTFail("\(actions)") }
        assertOurVia(ack.headers[.via])
        XCTAssertNotEqual(ack.headers[.via], invite.headers[.via], "the ACK for a 2xx is a new transaction")
        let expectedAck = Expect.request(.ack, uri: "sip:5551234@203.0.113.5:5060", via: ack.headers[.via] ?? "",
                                         from: "<sip:hotline@hotline.local>;tag=\(fromTag)",
                                         to: "<sip:5551234@203.0.113.5>;tag=\(carrierTag)", callID: callID, cseq: 1)
        XCTAssertEqual(actions, [
            .sendStateless(.request(expectedAck), to: carrier),
            .notify(.answered(call, media: carrierMedia)),
            .startTimer(UserAgentTimer(call, .hangup), at: t0 + .seconds(35)),
        ])

        let (timer, hangup) = ua.fireNext()
        XCTAssertEqual(timer, UserAgentTimer(call, .hangup))
        guard case .sendRequest(let bye, to: carrier)? = hangup.first else { return XCTFail("\(hangup)") }
        assertOurVia(bye.headers[.via])
        XCTAssertEqual(hangup, [.sendRequest(Expect.request(.bye, uri: "sip:5551234@203.0.113.5:5060",
                                                            via: bye.headers[.via] ?? "",
                                                            from: "<sip:hotline@hotline.local>;tag=\(fromTag)",
                                                            to: "<sip:5551234@203.0.113.5>;tag=\(carrierTag)",
                                                            callID: callID, cseq: 2), to: carrier)]
                       + Expect.sessionTimersCancelled(call))
        let byeTx = ua.started(bye)
        XCTAssertEqual(ua.handle(.response(reply(200, to: bye), byeTx)), Expect.ended(call, .localHangup))
        XCTAssertEqual(ua.core.ports.allocated, 0)
        XCTAssertEqual(ua.core.activeCallCount, 0)
    }

    /// §13.2.2.4: the ACK is sent again for every 2xx retransmission, the same ACK.
    /// Regression: a 2xx retransmitted inside the transaction (RFC 6026 Accepted) was
    /// taken for a re-INVITE's answer and got a fresh ACK with a new branch.
    func testRetransmitted2xxInTheTransactionGetsTheSameAck() {
        var ua = CoreHarness()
        let (_, invite, tx, ack) = answered(&ua)
        let ok = reply(200, to: invite, contact: true, sdp: carrierAnswer)
        XCTAssertEqual(ua.handle(.response(ok, tx)), [.sendStateless(.request(ack), to: carrier)])
        XCTAssertEqual(ua.handle(.response(ok, tx)), [.sendStateless(.request(ack), to: carrier)])
    }

    /// RFC 6026 §7.2: after Timer M the 2xx arrives as a stray response; ACK it again.
    func testStray2xxAfterTheTransactionEndedIsAckedAgain() {
        var ua = CoreHarness()
        let (_, invite, tx, ack) = answered(&ua)
        XCTAssertEqual(ua.handle(.terminated(tx)), [])
        let ok = reply(200, to: invite, contact: true, sdp: carrierAnswer)
        XCTAssertEqual(ua.handle(.response(ok, tx)), [], "the transaction is gone")
        XCTAssertEqual(ua.handle(.strayResponse(ok, from: carrier)), [.sendStateless(.request(ack), to: carrier)])

        // Not a 2xx, not an INVITE, or an unknown Call-ID: dropped.
        XCTAssertEqual(ua.handle(.strayResponse(reply(180, to: invite), from: carrier)), [])
        var other = ok
        other.headers.set(.callID, "unknown@elsewhere")
        XCTAssertEqual(ua.handle(.strayResponse(other, from: carrier)), [])
    }

    func testStray2xxForAnInboundCallIsDropped() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        guard let bye = ua.hangup(call).requestsSent.first else { return XCTFail() }
        var ok = Expect.response(200, to: bye, toTag: nil)
        ok.headers.set(.cseq, "1 INVITE")
        XCTAssertEqual(ua.handle(.strayResponse(ok, from: CoreFixture.alice)), [])
    }

    /// §13.2.2.4: an unusable answer is ACKed, then the session ends with BYE.
    func testUnusableAnswerIsAckedThenByed() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua)
        let actions = ua.handle(.response(reply(200, to: invite, contact: true, sdp: CoreSDP.offer(formats: "18")), tx))
        XCTAssertEqual(actions.statelessMessages.count, 1)
        XCTAssertEqual(actions.requestsSent.map(\.method), [.bye])
        XCTAssertEqual(actions.requestsSent.first?.headers[.cseq], "2 BYE")
        XCTAssertEqual(Array(actions.dropFirst(2)), Expect.ended(call, .failed(status: 488)))

        let (call2, invite2, tx2) = dial(&ua)
        let noBody = ua.handle(.response(reply(200, to: invite2, contact: true), tx2))
        XCTAssertEqual(Array(noBody.dropFirst(2)), Expect.ended(call2, .failed(status: 488)))
    }

    /// The carrier hangs up: its BYE matches the dialog from our side.
    func testByeFromTheCalledPartyEndsTheCall() {
        var ua = CoreHarness()
        let (call, invite, _, _) = answered(&ua)
        let (fromTag, callID) = ourSide(invite)
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKcarrierbye")
        h.add(.maxForwards, "70")
        h.add(.from, "<sip:5551234@203.0.113.5>;tag=\(carrierTag)")
        h.add(.to, "<sip:hotline@hotline.local>;tag=\(fromTag)")
        h.add(.callID, callID)
        h.add(.cseq, "7001 BYE")
        let bye = SIPRequest(method: .bye, uri: CoreFixture.sipURI("sip:hotline@198.51.100.1:5060"), headers: h)
        let (tx, actions) = ua.receive(bye, from: carrier)
        XCTAssertEqual(actions, [.respond(Expect.response(200, to: bye, toTag: nil), tx)] + Expect.ended(call, .remoteHangup))
    }

    // MARK: Failures

    func testBusyEndsTheCallAsFailed486() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua)
        XCTAssertEqual(ua.handle(.response(reply(486, to: invite), tx)), Expect.ended(call, .failed(status: 486)))
        XCTAssertEqual(ua.core.ports.allocated, 0)
        XCTAssertEqual(ua.handle(.response(reply(486, to: invite), tx)), [], "a retransmission finds nothing")
    }

    func testTimeoutEndsTheCallAsFailed408() {
        var ua = CoreHarness()
        let (call, _, tx) = dial(&ua)
        XCTAssertEqual(ua.handle(.timeout(tx)), Expect.ended(call, .failed(status: 408)))
    }

    func testTransportErrorEndsTheCall() {
        var ua = CoreHarness()
        let (call, _, tx) = dial(&ua)
        XCTAssertEqual(ua.handle(.transportError(tx)), Expect.ended(call, .transportError))
    }

    func testUnauthorizedWithoutCredentialsFails401() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua)
        let challenge = reply(401, to: invite, extra: [(.wwwAuthenticate, "Digest realm=\"carrier.example\", nonce=\"n1\", qop=\"auth\"")])
        XCTAssertEqual(ua.handle(.response(challenge, tx)), Expect.ended(call, .failed(status: 401)))
    }

    // MARK: Digest authentication (§22.2)

    private func digest(_ header: String?, file: StaticString = #filePath, line: UInt = #line) -> DigestCredentials? {
        guard let header, case .digest(let c)? = try? AuthorizationCredentials(parsing: header) else {
            XCTFail("no Digest credentials in \(header ?? "nil")", file: file, line: line)
            return nil
        }
        return c
    }

    private func assertValid(_ c: DigestCredentials, realm: String, nonce: String, algorithm: DigestAlgorithm,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(c.username, "trunkuser", file: file, line: line)
        XCTAssertEqual(c.realm, realm, file: file, line: line)
        XCTAssertEqual(c.nonce, nonce, file: file, line: line)
        XCTAssertEqual(c.uri, target, file: file, line: line)
        XCTAssertEqual(c.algorithm, algorithm, file: file, line: line)
        XCTAssertEqual(c.qop, .auth, file: file, line: line)
        XCTAssertEqual(c.nonceCount, "00000001", file: file, line: line)
        XCTAssertEqual(c.opaque, "5ccc069c", file: file, line: line)
        let expected = DigestComputation.response(
            username: "trunkuser", realm: realm, password: "s3cret", algorithm: algorithm, nonce: nonce,
            method: "INVITE", uri: target, qop: .auth, cnonce: c.cnonce, nonceCount: "00000001")
        XCTAssertEqual(c.response, expected, "the response does not verify", file: file, line: line)
        XCTAssertFalse(c.cnonce?.isEmpty ?? true, file: file, line: line)
    }

    func testUnauthorizedIsRetriedWithCSeq2AndAVerifiableAuthorization() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua, credentials: trunk)
        let challenge = "Digest realm=\"carrier.example\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c\", algorithm=MD5, qop=\"auth\""
        let actions = ua.handle(.response(reply(401, to: invite, extra: [(.wwwAuthenticate, challenge)]), tx))
        guard case .sendRequest(let retry, to: carrier)? = actions.first, actions.count == 1 else { return XCTFail("\(actions)") }
        let branch = assertOurVia(retry.headers[.via])
        XCTAssertNotEqual(branch, try? invite.topVia().branch, "a new transaction")

        var expected = invite
        expected.headers.set(.cseq, "2 INVITE")
        expected.headers.set(.via, retry.headers[.via] ?? "")
        expected.headers.add(.authorization, retry.headers[.authorization] ?? "")
        XCTAssertEqual(retry, expected)
        guard let c = digest(retry.headers[.authorization]) else { return }
        assertValid(c, realm: "carrier.example", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", algorithm: .md5)

        // The retry is answered: the ACK and the BYE follow its CSeq.
        let tx2 = ua.started(retry)
        let answered = ua.handle(.response(reply(200, to: retry, contact: true, sdp: carrierAnswer), tx2))
        guard case .sendStateless(.request(let ack), _)? = answered.first else { return XCTFail("\(answered)") }
        XCTAssertEqual(ack.headers[.cseq], "2 ACK")
        XCTAssertEqual(answered.last, .notify(.answered(call, media: carrierMedia)))
        XCTAssertEqual(ua.hangup(call).requestsSent.first?.headers[.cseq], "3 BYE")
    }

    /// Headers the caller asks for (an offer's interaction id) go on the INVITE after ours,
    /// before the body's, and stay on its retry with credentials.
    func testExtraHeadersGoOnTheInviteAndItsRetry() {
        var ua = CoreHarness()
        let (_, actions) = ua.placeCall(to: target, credentials: trunk,
                                        headers: [("X-Hotline-Interaction", "i-42"), ("X-Hotline-Queue", "cards")])
        guard case .sendRequest(let invite, to: carrier)? = actions.first else { return XCTFail("\(actions)") }
        XCTAssertEqual(invite.headers[SIPHeaderName("X-Hotline-Interaction")], "i-42")
        XCTAssertEqual(invite.headers[SIPHeaderName("X-Hotline-Queue")], "cards")
        let names = invite.headers.fields.map(\.name.name)
        XCTAssertEqual(Array(names.suffix(3)), ["X-Hotline-Interaction", "X-Hotline-Queue", "Content-Type"])
        let tx = ua.started(invite)
        let challenge = "Digest realm=\"carrier.example\", nonce=\"abc\", algorithm=MD5"
        let retried = ua.handle(.response(reply(401, to: invite, extra: [(.wwwAuthenticate, challenge)]), tx))
        guard case .sendRequest(let retry, to: carrier)? = retried.first else { return XCTFail("\(retried)") }
        XCTAssertEqual(retry.headers[SIPHeaderName("X-Hotline-Interaction")], "i-42")
    }

    /// RFC 8760 §2.4: with several challenges, SHA-256 is preferred.
    func testProxyAuthenticationPrefersSHA256AndUsesProxyAuthorization() {
        var ua = CoreHarness()
        let (_, invite, tx) = dial(&ua, credentials: trunk)
        let r = reply(407, to: invite, extra: [
            (.proxyAuthenticate, "Digest realm=\"carrier.example\", nonce=\"abc\", opaque=\"5ccc069c\", algorithm=MD5, qop=\"auth\""),
            (.proxyAuthenticate, "Digest realm=\"carrier.example\", nonce=\"abc\", opaque=\"5ccc069c\", algorithm=SHA-256, qop=\"auth\""),
        ])
        let actions = ua.handle(.response(r, tx))
        guard let retry = actions.requestsSent.first else { return XCTFail("\(actions)") }
        XCTAssertNil(retry.headers[.authorization])
        XCTAssertEqual(retry.headers[.cseq], "2 INVITE")
        guard let c = digest(retry.headers[.proxyAuthorization]) else { return }
        assertValid(c, realm: "carrier.example", nonce: "abc", algorithm: .sha256)
    }

    func testRepeatedChallengesAreRetriedOnceMoreThenTheCallFails() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua, credentials: trunk)
        func challenge(_ request: SIPRequest, nonce: String) -> SIPResponse {
            reply(401, to: request, extra: [(.wwwAuthenticate,
                                             "Digest realm=\"carrier.example\", nonce=\"\(nonce)\", opaque=\"5ccc069c\", qop=\"auth\", stale=TRUE")])
        }
        guard let second = ua.handle(.response(challenge(invite, nonce: "n1"), tx)).requestsSent.first else { return XCTFail() }
        XCTAssertEqual(second.headers[.cseq], "2 INVITE")
        let tx2 = ua.started(second)
        let again = ua.handle(.response(challenge(second, nonce: "n2"), tx2))
        guard let third = again.requestsSent.first, again.count == 1 else { return XCTFail("\(again)") }
        XCTAssertEqual(third.headers[.cseq], "3 INVITE")
        XCTAssertEqual(third.headers.lines(.authorization).count, 1, "the old Authorization is replaced")
        guard let c = digest(third.headers[.authorization]) else { return }
        assertValid(c, realm: "carrier.example", nonce: "n2", algorithm: .md5)

        let tx3 = ua.started(third)
        XCTAssertEqual(ua.handle(.response(challenge(third, nonce: "n3"), tx3)), Expect.ended(call, .failed(status: 401)))
    }

    func testChallengeWithoutADigestSchemeFails() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua, credentials: trunk)
        let r = reply(401, to: invite, extra: [(.wwwAuthenticate, "Basic realm=\"carrier.example\"")])
        XCTAssertEqual(ua.handle(.response(r, tx)), Expect.ended(call, .failed(status: 401)))
    }

    // MARK: CANCEL (§9.1)

    private func expectedCancel(for invite: SIPRequest) -> SIPRequest {
        var h = SIPHeaders()
        h.add(.via, invite.headers[.via] ?? "")
        h.add(.maxForwards, "70")
        h.add(.from, invite.headers[.from] ?? "")
        h.add(.to, invite.headers[.to] ?? "")
        h.add(.callID, invite.headers[.callID] ?? "")
        h.add(.cseq, "1 CANCEL")
        return SIPRequest(method: .cancel, uri: invite.uri, headers: h)
    }

    /// §9.1: a CANCEL must not be sent before a provisional response.
    func testHangupBeforeAnyProvisionalWaitsThenCancels() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua)
        XCTAssertEqual(ua.hangup(call), [])
        XCTAssertEqual(ua.hangup(call), [])
        let ringing = ua.handle(.response(reply(180, to: invite), tx))
        XCTAssertEqual(ringing, [.notify(.ringing(call)), .sendRequest(expectedCancel(for: invite), to: carrier)])
        XCTAssertEqual(try? ringing.requestsSent.first?.topVia().branch, try? invite.topVia().branch)

        let cancelTx = ua.started(expectedCancel(for: invite))
        XCTAssertEqual(ua.handle(.response(reply(200, to: expectedCancel(for: invite)), cancelTx)), [])
        XCTAssertEqual(ua.handle(.response(reply(487, to: invite), tx)), Expect.ended(call, .cancelled))
        XCTAssertEqual(ua.core.ports.allocated, 0)
    }

    func testHangupAfterA100CancelsAtOnce() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua)
        XCTAssertEqual(ua.handle(.response(reply(100, to: invite, tag: nil), tx)), [])
        XCTAssertEqual(ua.hangup(call), [.sendRequest(expectedCancel(for: invite), to: carrier)])
    }

    func testHangupInTheEarlyDialogCancels() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua)
        _ = ua.handle(.response(reply(183, to: invite, contact: true), tx))
        XCTAssertEqual(ua.core.calls[call]?.state, .early)
        XCTAssertEqual(ua.hangup(call), [.sendRequest(expectedCancel(for: invite), to: carrier)])
    }

    /// §9.1: the CANCEL lost the race with a 2xx: ACK it, then BYE.
    func test2xxAfterCancelIsAckedThenByed() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua)
        _ = ua.handle(.response(reply(180, to: invite), tx))
        _ = ua.hangup(call)
        let actions = ua.handle(.response(reply(200, to: invite, contact: true, sdp: carrierAnswer), tx))
        guard actions.count == 9, case .sendStateless(.request(let ack), to: carrier) = actions[0],
              case .sendRequest(let bye, to: carrier) = actions[1] else { return XCTFail("\(actions)") }
        XCTAssertEqual(ack.headers[.cseq], "1 ACK")
        XCTAssertEqual(bye.headers[.cseq], "2 BYE")
        XCTAssertEqual(bye.headers[.to], "<sip:5551234@203.0.113.5>;tag=\(carrierTag)")
        XCTAssertEqual(Array(actions.dropFirst(2)), Expect.ended(call, .cancelled))
    }

    /// A challenge after our CANCEL is not answered.
    func testChallengeAfterCancelEndsTheCall() {
        var ua = CoreHarness()
        let (call, invite, tx) = dial(&ua, credentials: trunk)
        _ = ua.handle(.response(reply(100, to: invite, tag: nil), tx))
        _ = ua.hangup(call)
        let r = reply(401, to: invite, extra: [(.wwwAuthenticate, "Digest realm=\"carrier.example\", nonce=\"n\", qop=\"auth\"")])
        XCTAssertEqual(ua.handle(.response(r, tx)), Expect.ended(call, .cancelled))
    }

    func testResponsesForUnknownTransactionsAreIgnored() {
        var ua = CoreHarness()
        let (_, invite, _) = dial(&ua)
        XCTAssertEqual(ua.handle(.response(reply(200, to: invite), TransactionID(rawValue: 999))), [])
        // A request on a transaction whose Call-ID is not one of ours is not bound.
        var stranger = invite
        stranger.headers.set(.callID, "someone-else")
        let tx = ua.started(stranger)
        XCTAssertEqual(ua.handle(.response(reply(486, to: stranger), tx)), [])
    }
}
