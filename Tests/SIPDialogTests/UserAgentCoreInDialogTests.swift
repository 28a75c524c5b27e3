import SDP
@testable import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest

/// Requests inside a dialog we answered (RFC 3261 §12.2.2): BYE, re-INVITE and UPDATE
/// (hold, resume, RFC 4028 refresh), INFO DTMF; and our own BYE, refresh and hangups.
final class UserAgentCoreInDialogTests: XCTestCase {
    private let t0 = CoreFixture.epoch
    private let call1 = CallHandle(1)
    private let alice = CoreFixture.alice

    /// A 200 to an in-dialog request (the To tag is already there).
    private func ok(_ request: SIPRequest) -> SIPResponse { Expect.response(200, to: request, toTag: nil) }

    /// Our 200 to a re-INVITE or UPDATE: Contact and capabilities, then the answer.
    private func modificationOK(_ request: SIPRequest, sessionExpires: String? = nil, sdp: String? = nil) -> SIPResponse {
        Expect.ok(to: request, toTag: "", sessionExpires: sessionExpires, requireTimer: sessionExpires != nil, sdp: sdp)
    }

    private func ourBye(_ bye: SIPRequest, _ caller: Caller, cseq: UInt32) -> SIPRequest {
        Expect.request(.bye, uri: "sip:1001@192.0.2.10:5060", via: bye.headers[.via] ?? "",
                       from: "<sip:10000@hotline.local>;tag=\(caller.remoteTag ?? "")",
                       to: "\"Alice\" <sip:1001@hotline.local>;tag=\(caller.tag)", callID: caller.callID, cseq: cseq)
    }

    // MARK: BYE (§15.1.2)

    func testByeEndsTheCall() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let bye = caller.next(.bye)
        let (tx, actions) = ua.receive(bye)
        XCTAssertEqual(actions, [.respond(ok(bye), tx)] + Expect.ended(call, .remoteHangup))
        XCTAssertEqual(ua.core.activeCallCount, 0)
        XCTAssertEqual(ua.core.ports.allocated, 0)

        // The same BYE again (a new transaction after Timer J): the dialog is gone.
        let (tx2, again) = ua.receive(bye)
        XCTAssertEqual(again, [.respond(Expect.response(481, to: bye, toTag: nil), tx2)])
    }

    func testByeWithWrongTagGets481() {
        var ua = CoreHarness()
        var caller = Caller()
        _ = ua.establish(&caller)
        var stranger = caller
        stranger.remoteTag = "not-our-tag"
        let bye = stranger.next(.bye)
        let (tx, actions) = ua.receive(bye)
        XCTAssertEqual(actions, [.respond(Expect.response(481, to: bye, toTag: nil), tx)])
        XCTAssertEqual(ua.core.activeCallCount, 1)
    }

    /// §12.2.2: a CSeq lower than the last one is out of order → 500.
    func testLowerCSeqGets500() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        caller.cseq = 5
        _ = ua.receive(caller.next(.info, body: "Signal=1\r\n", contentType: "application/dtmf-relay"))
        caller.cseq = 2
        let late = caller.next(.bye)
        let (tx, actions) = ua.receive(late)
        XCTAssertEqual(actions, [.respond(Expect.response(500, reason: "Server Internal Error (CSeq out of order)",
                                                          to: late, toTag: nil), tx)])
        XCTAssertNotNil(ua.core.calls[call])
    }

    // MARK: re-INVITE (§14.2, RFC 3264 §8)

    func testReinviteToHoldAndResume() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let sid = ua.core.calls[call]?.localSDP?.origin.sessionID ?? 0
        ua.advance(by: .seconds(10))

        let hold = caller.next(.invite, body: CoreSDP.offer(direction: "sendonly", version: 2))
        let (tx, actions) = ua.receive(hold)
        XCTAssertEqual(actions, [
            .respond(modificationOK(hold, sdp: CoreSDP.answer(sessionID: sid, version: 2, direction: "recvonly")), tx),
            .notify(.mediaUpdated(call, media: CoreSDP.media(direction: .recvonly, isHold: true))),
            .startTimer(UserAgentTimer(call, .retransmit2xx), at: t0 + .seconds(10) + .milliseconds(500)),
            .startTimer(UserAgentTimer(call, .ackTimeout), at: t0 + .seconds(42)),
        ])
        XCTAssertEqual(ua.receiveACK(caller.ack(sequence: caller.cseq), invite: tx), [
            .cancelTimer(UserAgentTimer(call, .retransmit2xx)),
            .cancelTimer(UserAgentTimer(call, .ackTimeout)),
        ])

        let resume = caller.next(.invite, body: CoreSDP.offer(version: 3))
        let (tx2, resumed) = ua.receive(resume)
        XCTAssertEqual(Array(resumed.prefix(2)), [
            .respond(modificationOK(resume, sdp: CoreSDP.answer(sessionID: sid, version: 3)), tx2),
            .notify(.mediaUpdated(call, media: CoreSDP.media())),
        ])
    }

    /// The 2xx to a re-INVITE is retransmitted like the first one, and a missing ACK ends
    /// the session (§13.3.1.4 applies to every INVITE).
    func testReinvite2xxIsRetransmittedAndAMissingAckEndsTheCall() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let reinvite = caller.next(.invite, body: CoreSDP.offer(version: 2))
        let (_, actions) = ua.receive(reinvite)
        guard case .respond(let r, _)? = actions.first else { return XCTFail("\(actions)") }
        let (timer, fired) = ua.fireNext()
        XCTAssertEqual(timer, UserAgentTimer(call, .retransmit2xx))
        XCTAssertEqual(fired, [.sendStateless(.response(r), to: alice),
                               .startTimer(timer, at: t0 + .milliseconds(1500))])
        var last: (UserAgentTimer, [UserAgentAction]) = (timer, fired)
        while last.0.kind != .ackTimeout { last = ua.fireNext() }
        XCTAssertEqual(ua.now, t0 + .seconds(32))
        XCTAssertEqual(last.1.events, [.ended(call, reason: .ackTimeout)])
        XCTAssertEqual(last.1.requestsSent.map(\.method), [.bye])
    }

    func testReinviteWhileThePreviousIsNotAckedGets500WithRetryAfter() {
        var ua = CoreHarness()
        var caller = Caller()
        _ = ua.establish(&caller)
        _ = ua.receive(caller.next(.invite, body: CoreSDP.offer(version: 2)))
        let second = caller.next(.invite, body: CoreSDP.offer(version: 3))
        let (tx, actions) = ua.receive(second)
        guard let retryAfter = actions.responses.first?.headers[.retryAfter], let seconds = Int(retryAfter) else {
            return XCTFail("no Retry-After: \(actions)")
        }
        XCTAssertTrue((1...10).contains(seconds), retryAfter)
        var expected = Expect.response(500, reason: "Server Internal Error (INVITE in progress)", to: second, toTag: nil)
        expected.headers.add(.retryAfter, retryAfter)
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    /// §14.2: "A UAS that receives a second INVITE before it sends the final response to a
    /// first INVITE with a lower CSeq sequence number on the same dialog MUST return a 500".
    /// Regression: a re-INVITE in the early dialog of a ringing call used to get a 200.
    func testReinviteWhileTheInitialInviteIsUnansweredGets500() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "8000"
        _ = ua.call(&caller)
        let reinvite = caller.next(.invite, body: CoreSDP.offer(version: 2))
        let (tx, actions) = ua.receive(reinvite)
        guard let retryAfter = actions.responses.first?.headers[.retryAfter] else { return XCTFail("\(actions)") }
        var expected = Expect.response(500, reason: "Server Internal Error (INVITE in progress)", to: reinvite, toTag: nil)
        expected.headers.add(.retryAfter, retryAfter)
        XCTAssertEqual(actions, [.respond(expected, tx)])
        XCTAssertTrue(ua.timers.isEmpty)
    }

    /// RFC 3311 §5.2: an UPDATE offer while we still owe the answer to the INVITE's offer
    /// → 500 with Retry-After. Regression: it used to be answered, and the later 2xx then
    /// carried the UPDATE's answer instead of the INVITE's.
    func testUpdateOfferWhileTheInitialInviteIsUnansweredGets500() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "8000"
        _ = ua.call(&caller)
        let before = ua.core.calls[call1]?.localSDP
        let update = caller.next(.update, body: CoreSDP.offer(direction: "sendonly", version: 2))
        let (tx, actions) = ua.receive(update)
        guard let retryAfter = actions.responses.first?.headers[.retryAfter] else { return XCTFail("\(actions)") }
        var expected = Expect.response(500, reason: "Server Internal Error (offer in progress)", to: update, toTag: nil)
        expected.headers.add(.retryAfter, retryAfter)
        XCTAssertEqual(actions, [.respond(expected, tx)])
        XCTAssertEqual(ua.core.calls[call1]?.localSDP, before)
    }

    func testReinviteWithUnacceptableOfferGets488AndKeepsTheSession() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let media = ua.core.calls[call]?.media
        let reinvite = caller.next(.invite, body: CoreSDP.offer(formats: "18", version: 2))
        let (tx, actions) = ua.receive(reinvite)
        var expected = Expect.response(488, to: reinvite, toTag: nil)
        expected.headers.add(.warning, "305 hotline.local \"Incompatible media format\"")
        XCTAssertEqual(actions, [.respond(expected, tx)])
        XCTAssertEqual(ua.core.calls[call]?.media, media)
        XCTAssertEqual(ua.core.calls[call]?.reinviteAwaitingACK, nil)
    }

    func testReinviteWithMalformedSDPGets488() {
        var ua = CoreHarness()
        var caller = Caller()
        _ = ua.establish(&caller)
        let reinvite = caller.next(.invite, body: "garbage")
        let (tx, actions) = ua.receive(reinvite)
        XCTAssertEqual(actions, [.respond(Expect.response(488, reason: "Not Acceptable Here (malformed SDP)",
                                                          to: reinvite, toTag: nil), tx)])
    }

    /// §14.2: an offerless re-INVITE gets our current SDP as the offer (same version).
    func testOfferlessReinviteGetsOurCurrentSDP() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let sid = ua.core.calls[call]?.localSDP?.origin.sessionID ?? 0
        let reinvite = caller.next(.invite)
        let (tx, actions) = ua.receive(reinvite)
        XCTAssertEqual(actions.first, .respond(modificationOK(reinvite, sdp: CoreSDP.answer(sessionID: sid)), tx))
        XCTAssertEqual(actions.events, [])
    }

    /// §12.2.2: a re-INVITE's Contact is the new remote target.
    func testReinviteUpdatesTheRemoteTarget() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        var moved = caller
        moved.peer = SIPPeer(transport: .udp, host: "192.0.2.99", port: 5062)
        let reinvite = moved.next(.invite, body: CoreSDP.offer(version: 2))
        caller.cseq = moved.cseq
        let (tx, _) = ua.receive(reinvite, from: CoreFixture.alice)
        _ = ua.receiveACK(caller.ack(sequence: caller.cseq), invite: tx)
        let bye = ua.hangup(call)
        XCTAssertEqual(bye.requestsSent.first?.uri, CoreFixture.uri("sip:1001@192.0.2.99:5062"))
        guard case .sendRequest(_, let to)? = bye.first else { return XCTFail("\(bye)") }
        XCTAssertEqual(to, SIPPeer(transport: .udp, host: "192.0.2.99", port: 5062))
    }

    // MARK: UPDATE and session refresh (RFC 3311, RFC 4028)

    func testUpdateWithoutBodyRefreshesTheSessionTimer() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller, extra: [(.supported, "timer"), (.sessionExpires, "1800;refresher=uac")])
        XCTAssertEqual(ua.timers, [UserAgentTimer(call, .sessionExpiry): t0 + .seconds(1768)])

        ua.advance(by: .seconds(900))
        let update = caller.next(.update, extra: [(.supported, "timer"), (.sessionExpires, "1800;refresher=uac")])
        let (tx, actions) = ua.receive(update)
        XCTAssertEqual(actions, [
            .respond(modificationOK(update, sessionExpires: "1800;refresher=uac"), tx),
            .cancelTimer(UserAgentTimer(call, .sessionExpiry)),
            .cancelTimer(UserAgentTimer(call, .sessionRefresh)),
            .startTimer(UserAgentTimer(call, .sessionExpiry), at: t0 + .seconds(900 + 1768)),
        ])
        XCTAssertEqual(ua.timers, [UserAgentTimer(call, .sessionExpiry): t0 + .seconds(2668)])
    }

    func testUpdateWithOfferIsAnsweredWithoutAwaitingAnAck() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let sid = ua.core.calls[call]?.localSDP?.origin.sessionID ?? 0
        let update = caller.next(.update, body: CoreSDP.offer(direction: "inactive", version: 2))
        let (tx, actions) = ua.receive(update)
        XCTAssertEqual(actions, [
            .respond(modificationOK(update, sdp: CoreSDP.answer(sessionID: sid, version: 2, direction: "inactive")), tx),
            .notify(.mediaUpdated(call, media: CoreSDP.media(direction: .inactive, isHold: true))),
        ])
        XCTAssertTrue(ua.timers.isEmpty)
    }

    /// RFC 4028 §10: nobody refreshed: we send BYE before the session expires.
    func testSessionExpiresWithoutRefreshSendsBye() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller, extra: [(.supported, "timer")])
        let (timer, actions) = ua.fireNext()
        XCTAssertEqual(timer, UserAgentTimer(call, .sessionExpiry))
        XCTAssertEqual(ua.now, t0 + .seconds(1768))
        guard case .sendRequest(let bye, to: alice)? = actions.first else { return XCTFail("\(actions)") }
        assertOurVia(bye.headers[.via])
        XCTAssertEqual(actions, [.sendRequest(ourBye(bye, caller, cseq: 1), to: alice)] + Expect.ended(call, .sessionExpired))
    }

    /// RFC 4028 §7.4: as refresher we re-INVITE at half the interval. The refresh says
    /// `refresher=uac`: we send it, and we keep refreshing (regression: it said `uas`,
    /// which hands the refresher role to the peer).
    func testAsRefresherWeSendAReinviteAtHalfTheIntervalAndAckIts2xx() {
        var ua = CoreHarness()
        var caller = Caller()
        let extra: [(SIPHeaderName, String)] = [(.supported, "timer"), (.sessionExpires, "1800;refresher=uas")]
        let invite = caller.invite(extra: extra)
        let (inviteTx, actions) = ua.call(&caller, extra: extra)
        let sid = CoreSDP.sessionID(actions.success?.body ?? [])
        XCTAssertEqual(actions.success, Expect.ok(to: invite, toTag: caller.remoteTag ?? "",
                                                          sessionExpires: "1800;refresher=uas", requireTimer: true,
                                                          sdp: CoreSDP.answer(sessionID: sid)))
        let acked = ua.receiveACK(caller.ack(), invite: inviteTx)
        XCTAssertEqual(acked[2], .startTimer(UserAgentTimer(call1, .sessionRefresh), at: t0 + .seconds(900)))

        let (timer, refresh) = ua.fireNext()
        XCTAssertEqual(timer, UserAgentTimer(call1, .sessionRefresh))
        guard case .sendRequest(let reinvite, to: alice)? = refresh.first else { return XCTFail("\(refresh)") }
        assertOurVia(reinvite.headers[.via])
        var expected = Expect.request(.invite, uri: "sip:1001@192.0.2.10:5060", via: reinvite.headers[.via] ?? "",
                                      from: "<sip:10000@hotline.local>;tag=\(caller.remoteTag ?? "")",
                                      to: "\"Alice\" <sip:1001@hotline.local>;tag=\(caller.tag)",
                                      callID: caller.callID, cseq: 1)
        expected.headers.add(.contact, "<sip:10000@198.51.100.1:5060>")
        expected.headers.add(.sessionExpires, "1800;refresher=uac")
        expected.headers.add(.supported, "timer")
        expected.headers.add(.contentType, "application/sdp")
        expected.body = Array(CoreSDP.answer(sessionID: sid).utf8)
        XCTAssertEqual(refresh, [.sendRequest(expected, to: alice),
                                 .startTimer(UserAgentTimer(call1, .sessionRefresh), at: t0 + .seconds(1800))])

        // The peer's 2xx is ACKed statelessly with the re-INVITE's CSeq number.
        let tx = ua.started(reinvite)
        var ok = Expect.response(200, to: reinvite, toTag: nil)
        ok.headers.add(.contact, caller.contact)
        let ackActions = ua.handle(.response(ok, tx))
        guard case .sendStateless(.request(let ack), to: alice)? = ackActions.first, ackActions.count == 1 else {
            return XCTFail("\(ackActions)")
        }
        assertOurVia(ack.headers[.via])
        XCTAssertEqual(ack, Expect.request(.ack, uri: "sip:1001@192.0.2.10:5060", via: ack.headers[.via] ?? "",
                                           from: "<sip:10000@hotline.local>;tag=\(caller.remoteTag ?? "")",
                                           to: "\"Alice\" <sip:1001@hotline.local>;tag=\(caller.tag)",
                                           callID: caller.callID, cseq: 1))

        // Our next BYE takes the next CSeq.
        let bye = ua.hangup(call1)
        XCTAssertEqual(bye.requestsSent.first?.headers[.cseq], "2 BYE")
    }

    /// RFC 4028 §10: a refresh answered 481 or 408 means the session is gone.
    func testRefreshAnswered481EndsTheCall() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller, extra: [(.supported, "timer"), (.sessionExpires, "1800;refresher=uas")])
        let (_, refresh) = ua.fireNext()
        guard let reinvite = refresh.requestsSent.first else { return XCTFail("\(refresh)") }
        let tx = ua.started(reinvite)
        XCTAssertEqual(ua.handle(.response(Expect.response(100, to: reinvite, toTag: nil), tx)), [])
        XCTAssertEqual(ua.handle(.response(Expect.response(481, to: reinvite, toTag: nil), tx)),
                       Expect.ended(call, .failed(status: 481)))
    }

    func testRefreshAnswered491KeepsTheCall() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller, extra: [(.supported, "timer"), (.sessionExpires, "1800;refresher=uas")])
        let (_, refresh) = ua.fireNext()
        guard let reinvite = refresh.requestsSent.first else { return XCTFail("\(refresh)") }
        let tx = ua.started(reinvite)
        XCTAssertEqual(ua.handle(.response(Expect.response(491, to: reinvite, toTag: nil), tx)), [])
        XCTAssertNotNil(ua.core.calls[call])
    }

    // MARK: INFO (DTMF relay)

    /// Regression: CRLF-separated bodies (what phones send) gave no event, because "\r\n"
    /// is one Swift Character and the line split compared with "\r" and "\n".
    func testInfoDTMFRelayReportsTheDigit() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let info = caller.next(.info, body: "Signal=5\r\nDuration=160\r\n", contentType: "application/dtmf-relay")
        let (tx, actions) = ua.receive(info)
        XCTAssertEqual(actions, [.respond(ok(info), tx), .notify(.dtmfInfo(call, digit: "5", durationMs: 160))])
    }

    func testInfoApplicationDTMFReportsTheDigit() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let info = caller.next(.info, body: "#", contentType: "application/dtmf")
        let (tx, actions) = ua.receive(info)
        XCTAssertEqual(actions, [.respond(ok(info), tx), .notify(.dtmfInfo(call, digit: "#", durationMs: nil))])
    }

    func testInfoDTMFVariants() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let cases: [(String, String, [UserAgentEvent])] = [
            ("application/dtmf-relay", "Signal=10\r\nDuration=100\r\n", [.dtmfInfo(call, digit: "*", durationMs: 100)]),
            ("application/dtmf-relay", "signal = 11\n", [.dtmfInfo(call, digit: "#", durationMs: nil)]),
            ("application/dtmf-relay", "Signal=a\r\n", [.dtmfInfo(call, digit: "A", durationMs: nil)]),
            ("application/dtmf-relay", "Signal=X\r\n", []),
            ("application/dtmf-relay", "Duration=160\r\n", []),
            ("application/dtmf", " 7 ", [.dtmfInfo(call, digit: "7", durationMs: nil)]),
            ("application/dtmf", "9\r\n", [.dtmfInfo(call, digit: "9", durationMs: nil)]),
            ("application/dtmf", "55", []),
        ]
        for (type, body, events) in cases {
            let info = caller.next(.info, body: body, contentType: type)
            let (_, actions) = ua.receive(info)
            XCTAssertEqual(actions.responses.map(\.statusCode), [200], body)
            XCTAssertEqual(actions.events, events, body)
        }
        // An INFO without a body (a keep-alive some phones send) is fine too.
        let (_, actions) = ua.receive(caller.next(.info))
        XCTAssertEqual(actions.responses.map(\.statusCode), [200])
        XCTAssertEqual(actions.events, [])
    }

    func testInDialogOptionsAndRefusedMethods() {
        var ua = CoreHarness()
        var caller = Caller()
        _ = ua.establish(&caller)
        let options = caller.next(.options)
        let (tx, actions) = ua.receive(options)
        var expected = ok(options)
        Expect.addCapabilities(&expected)
        expected.headers.add(.acceptEncoding, "identity")
        expected.headers.add(.acceptLanguage, "zh-CN, en")
        XCTAssertEqual(actions, [.respond(expected, tx)])

        // Regression: a method we implement but not in a dialog got 501 with an Allow
        // that lists it; it is 405 (§8.2.1).
        let register = caller.next(.register)
        let (tx2, refused) = ua.receive(register)
        var notHere = Expect.response(405, to: register, toTag: nil)
        notHere.headers.add(.allow, CoreFixture.allow)
        XCTAssertEqual(refused, [.respond(notHere, tx2)])
    }

    // MARK: Our BYE (§15.1.1)

    func testHangupSendsByeInTheDialogAndItsResponseEndsTheCall() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let actions = ua.hangup(call)
        guard case .sendRequest(let bye, to: alice)? = actions.first else { return XCTFail("\(actions)") }
        assertOurVia(bye.headers[.via])
        XCTAssertEqual(actions, [.sendRequest(ourBye(bye, caller, cseq: 1), to: alice)] + Expect.sessionTimersCancelled(call))
        XCTAssertEqual(ua.hangup(call), [], "a second hangup while the BYE is out does nothing")

        let tx = ua.started(bye)
        XCTAssertEqual(ua.handle(.response(Expect.response(100, to: bye, toTag: nil), tx)), [])
        XCTAssertEqual(ua.handle(.response(ok(bye), tx)), Expect.ended(call, .localHangup))
        XCTAssertEqual(ua.core.ports.allocated, 0)
    }

    /// Any final response ends it (a 481 means the peer forgot the dialog already).
    func testByeAnswered481StillEndsTheCallAsLocalHangup() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        guard let bye = ua.hangup(call).requestsSent.first else { return XCTFail() }
        let tx = ua.started(bye)
        XCTAssertEqual(ua.handle(.response(Expect.response(481, to: bye, toTag: nil), tx)), Expect.ended(call, .localHangup))
    }

    func testByeTimeoutEndsTheCallAsLocalHangup() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        guard let bye = ua.hangup(call).requestsSent.first else { return XCTFail() }
        let tx = ua.started(bye)
        XCTAssertEqual(ua.handle(.timeout(tx)), Expect.ended(call, .localHangup))
        XCTAssertEqual(ua.handle(.timeout(tx)), [])
    }

    /// A BYE from the peer crossing ours: both end the call once.
    func testByeCrossingOursEndsTheCallOnce() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        guard let ours = ua.hangup(call).requestsSent.first else { return XCTFail() }
        let tx = ua.started(ours)
        let theirs = caller.next(.bye)
        let (byeTx, actions) = ua.receive(theirs)
        XCTAssertEqual(actions, [.respond(ok(theirs), byeTx)] + Expect.ended(call, .remoteHangup))
        XCTAssertEqual(ua.handle(.response(ok(ours), tx)), [])
    }

    func testHangupOfARingingCallRejectsIt480() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "8000"
        let invite = caller.invite()
        let (tx, _) = ua.call(&caller)
        XCTAssertEqual(ua.hangup(call1), [.respond(Expect.response(480, to: invite, toTag: caller.remoteTag), tx)]
            + Expect.ended(call1, .rejected(status: 480)))
        XCTAssertEqual(ua.core.ports.allocated, 0)
    }

    func testRejectWithAnotherStatus() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "8000"
        let invite = caller.invite()
        let (tx, _) = ua.call(&caller)
        XCTAssertEqual(ua.core.reject(call1, status: 603, now: ua.now),
                       [.respond(Expect.response(603, to: invite, toTag: caller.remoteTag), tx)]
                           + Expect.ended(call1, .rejected(status: 603)))
    }

    /// §15: "the callee's UA MUST NOT send a BYE on a confirmed dialog until it has
    /// received an ACK for its 2xx response or until the server transaction times out".
    /// Regression: hangup between our 2xx and the ACK sent the BYE at once.
    func testHangupBeforeTheAckWaitsForTheAckThenSendsBye() {
        var ua = CoreHarness()
        var caller = Caller()
        let (tx, _) = ua.call(&caller)
        XCTAssertEqual(ua.hangup(call1), [])
        XCTAssertEqual(ua.timers.count, 2, "the 2xx is still retransmitted")
        let (timer, retransmitted) = ua.fireNext()
        XCTAssertEqual(timer.kind, .retransmit2xx)
        XCTAssertEqual(retransmitted.count, 2)

        let actions = ua.receiveACK(caller.ack(), invite: tx)
        guard actions.count == 5, case .sendRequest(let bye, to: alice) = actions[2] else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [
            .cancelTimer(UserAgentTimer(call1, .retransmit2xx)),
            .cancelTimer(UserAgentTimer(call1, .ackTimeout)),
            .sendRequest(ourBye(bye, caller, cseq: 1), to: alice),
        ] + Expect.sessionTimersCancelled(call1))
        let byeTx = ua.started(bye)
        XCTAssertEqual(ua.handle(.response(ok(bye), byeTx)), Expect.ended(call1, .localHangup))
    }

    func testHangupBeforeTheAckThenNoAckEndsWithByeAtTheAckTimeout() {
        var ua = CoreHarness()
        var caller = Caller()
        _ = ua.call(&caller)
        XCTAssertEqual(ua.hangup(call1), [])
        var last = ua.fireNext()
        while last.0.kind != .ackTimeout { last = ua.fireNext() }
        XCTAssertEqual(last.1.requestsSent.map(\.method), [.bye])
        XCTAssertEqual(last.1.events, [.ended(call1, reason: .ackTimeout)])
    }

    /// Graceful shutdown: every call ends from our side, in handle order.
    func testHangupAllByesConfirmedCallsAndRejectsRingingOnes() {
        var ua = CoreHarness()
        var first = Caller(), second = Caller(), ringing = Caller()
        second.callID = "second@192.0.2.10"
        second.tag = "second-tag"
        ringing.callID = "ringing@192.0.2.10"
        ringing.dialled = "8000"
        let (c1, _) = ua.establish(&first)
        let (c2, _) = ua.establish(&second)
        let ringingInvite = ringing.invite()
        let (ringingTx, _) = ua.call(&ringing)
        let c3 = CallHandle(3)

        let actions = ua.hangupAll()
        let byes = actions.requestsSent
        guard byes.count == 2 else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [
            .sendRequest(ourBye(byes[0], first, cseq: 1), to: alice),
        ] + Expect.sessionTimersCancelled(c1) + [
            .sendRequest(ourBye(byes[1], second, cseq: 1), to: alice),
        ] + Expect.sessionTimersCancelled(c2) + [
            .respond(Expect.response(480, to: ringingInvite, toTag: ringing.remoteTag), ringingTx),
        ] + Expect.ended(c3, .rejected(status: 480)))
        XCTAssertNotEqual(byes[0].headers[.via], byes[1].headers[.via], "each BYE has its own branch")

        let tx1 = ua.started(byes[0]), tx2 = ua.started(byes[1])
        XCTAssertEqual(ua.handle(.response(ok(byes[1]), tx2)), Expect.ended(c2, .localHangup))
        XCTAssertEqual(ua.handle(.response(ok(byes[0]), tx1)), Expect.ended(c1, .localHangup))
        XCTAssertEqual(ua.core.activeCallCount, 0)
        XCTAssertEqual(ua.core.ports.allocated, 0)
        XCTAssertEqual(ua.hangupAll(), [])
    }
}

extension UserAgentCoreInDialogTests {
    /// RFC 4028 §8.1: a refresh asking for less than our Min-SE is refused with 422 and
    /// leaves the session as it was.
    func testRefreshBelowMinSEGets422() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        var refresh = caller.next(.update)
        refresh.headers.add(.sessionExpires, "30")
        refresh.headers.add(.supported, "timer")
        let (tx, actions) = ua.receive(refresh)
        var expected = Expect.response(422, to: refresh, toTag: nil)
        expected.headers.add(.minSE, "90")
        XCTAssertEqual(actions, [.respond(expected, tx)])
        XCTAssertNotNil(ua.core.calls[call], "the session goes on")
    }
}
