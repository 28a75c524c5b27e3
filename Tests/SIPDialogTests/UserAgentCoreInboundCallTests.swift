import SDP
@testable import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest

/// An INVITE session we answer (RFC 3261 §13.3.1): offer/answer, the 2xx retransmitted
/// until the ACK (§13.3.1.4), rejections, ringing lines, CANCEL (§9.2) and the port pool.
final class UserAgentCoreInboundCallTests: XCTestCase {
    private let t0 = CoreFixture.epoch
    private let call1 = CallHandle(1)
    private let alice = CoreFixture.alice

    private func incoming(_ caller: Caller, _ call: CallHandle = CallHandle(1)) -> UserAgentAction {
        // From as presented: display name kept, tag dropped.
        .notify(.incomingCall(call, callID: caller.callID, from: "\"\(caller.displayName)\" <sip:\(caller.user)@hotline.local>",
                              to: "sip:\(caller.dialled)@hotline.local", dialled: caller.dialled, peer: caller.peer))
    }

    // MARK: Answering at once

    func testInviteToAnsweringLineIsAnsweredWithSDPAndSessionTimer() {
        var ua = CoreHarness()
        var caller = Caller()
        let invite = caller.invite(extra: [(.supported, "timer")])
        let (tx, actions) = ua.call(&caller, extra: [(.supported, "timer")])
        let tag = caller.remoteTag ?? ""
        let sid = CoreSDP.sessionID(actions.success?.body ?? [])
        XCTAssertEqual(actions, [
            incoming(caller),
            .respond(Expect.ringing(to: invite, toTag: tag), tx),
            .notify(.ringing(call1)),
            .respond(Expect.ok(to: invite, toTag: tag, sessionExpires: "1800;refresher=uac", requireTimer: true,
                               sdp: CoreSDP.answer(sessionID: sid)), tx),
            .startTimer(UserAgentTimer(call1, .retransmit2xx), at: t0 + .milliseconds(500)),
            .startTimer(UserAgentTimer(call1, .ackTimeout), at: t0 + .seconds(32)),
        ])
        XCTAssertEqual(ua.core.ports.allocated, 1)
        XCTAssertEqual(ua.core.activeCallCount, 1)
    }

    func testAnswerTakesTheOfferersFirstSupportedCodec() {
        var ua = CoreHarness()
        var caller = Caller()
        let invite = caller.invite(sdp: CoreSDP.offer(formats: "18 8 0 101"))
        let (tx, actions) = ua.call(&caller, sdp: CoreSDP.offer(formats: "18 8 0 101"))
        let sid = CoreSDP.sessionID(actions.success?.body ?? [])
        XCTAssertEqual(actions.dropFirst(3).first,
                       .respond(Expect.ok(to: invite, toTag: caller.remoteTag ?? "",
                                          sdp: CoreSDP.answer(sessionID: sid, codec: "8 PCMA/8000")), tx))

        let ack = ua.receiveACK(caller.ack(), invite: tx)
        let pcma = CoreSDP.media(codec: RTPMap(payloadType: 8, encodingName: "PCMA", clockRate: 8000))
        XCTAssertEqual(ack.last, .notify(.answered(call1, media: pcma)))
    }

    /// §17.2.1: on a reliable transport nobody retransmits the 2xx; the ACK wait stays.
    func testOverTCPThe2xxIsNotRetransmittedAndContactSaysTCP() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.peer = CoreFixture.aliceTCP
        let invite = caller.invite()
        let (tx, actions) = ua.call(&caller)
        let sid = CoreSDP.sessionID(actions.success?.body ?? [])
        XCTAssertEqual(actions, [
            incoming(caller),
            .respond(Expect.ringing(to: invite, toTag: caller.remoteTag ?? "",
                                    contact: "<sip:10000@198.51.100.1:5060;transport=tcp>"), tx),
            .notify(.ringing(call1)),
            .respond(Expect.ok(to: invite, toTag: caller.remoteTag ?? "",
                               contact: "<sip:10000@198.51.100.1:5060;transport=tcp>",
                               sdp: CoreSDP.answer(sessionID: sid)), tx),
            .startTimer(UserAgentTimer(call1, .ackTimeout), at: t0 + .seconds(32)),
        ])
    }

    /// §13.3.1.4: T1, doubling to T2, until 64·T1 without an ACK; then BYE (RFC 3261 says
    /// "SHOULD terminate the session").
    func testThe2xxIsRetransmittedWithDoublingIntervalCappedAtT2ThenByeAtAckTimeout() {
        var ua = CoreHarness()
        var caller = Caller()
        let (_, actions) = ua.call(&caller)
        guard let ok = actions.success else { return XCTFail("\(actions)") }

        var sent: [Duration] = []
        var next: [Duration] = []
        while let deadline = ua.timers[UserAgentTimer(call1, .retransmit2xx)], deadline < t0 + .seconds(32) {
            let (timer, fired) = ua.fireNext()
            XCTAssertEqual(timer, UserAgentTimer(call1, .retransmit2xx))
            guard fired.count == 2, case .startTimer(timer, let at) = fired[1] else { return XCTFail("\(fired)") }
            XCTAssertEqual(fired[0], .sendStateless(.response(ok), to: alice))
            sent.append(ua.now - t0)
            next.append(at - ua.now)
        }
        XCTAssertEqual(sent, [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map { Duration.milliseconds(Int($0 * 1000)) })
        XCTAssertEqual(next, [1, 2, 4, 4, 4, 4, 4, 4, 4, 4].map { Duration.seconds($0) })

        let (timer, fired) = ua.fireNext()
        XCTAssertEqual(timer, UserAgentTimer(call1, .ackTimeout))
        XCTAssertEqual(ua.now, t0 + .seconds(32))
        guard fired.count == 9, case .sendRequest(let bye, to: alice) = fired[1] else { return XCTFail("\(fired)") }
        let via = assertOurVia(bye.headers[.via])
        let expectedBye = Expect.request(.bye, uri: "sip:1001@192.0.2.10:5060", via: bye.headers[.via] ?? "",
                                         from: "<sip:10000@hotline.local>;tag=\(caller.remoteTag ?? "")",
                                         to: "\"Alice\" <sip:1001@hotline.local>;tag=1928301774",
                                         callID: caller.callID, cseq: 1)
        XCTAssertEqual(fired, [.cancelTimer(UserAgentTimer(call1, .retransmit2xx)), .sendRequest(expectedBye, to: alice)]
            + Expect.ended(call1, .ackTimeout))
        XCTAssertTrue(via.hasPrefix("z9hG4bK"))
        XCTAssertTrue(ua.timers.isEmpty, "\(ua.timers)")
        XCTAssertEqual(ua.core.ports.allocated, 0)
        XCTAssertEqual(ua.core.activeCallCount, 0)

        // The BYE's transaction reports back after the call has gone: nothing more happens.
        let byeTx = ua.started(bye)
        XCTAssertEqual(ua.handle(.response(Expect.response(200, to: bye, toTag: nil), byeTx)), [])
    }

    /// A timer that fires after the ACK cancelled it (the adapter lost the race) does nothing.
    func testStaleRetransmitAndAckTimeoutFiringsAfterTheAckAreIgnored() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        XCTAssertEqual(ua.fire(UserAgentTimer(call, .retransmit2xx)), [])
        XCTAssertEqual(ua.fire(UserAgentTimer(call, .ackTimeout)), [])
        XCTAssertEqual(ua.fire(UserAgentTimer(call, .answer)), [])
        XCTAssertEqual(ua.fire(UserAgentTimer(CallHandle(99), .hangup)), [])
    }

    func testAckConfirmsTheCallStopsTimersAndStartsTheSessionExpiry() {
        var ua = CoreHarness()
        var caller = Caller()
        let (tx, _) = ua.call(&caller, extra: [(.supported, "timer")])
        _ = ua.fireNext() // one retransmission at 500 ms
        ua.advance(by: .milliseconds(700))
        let actions = ua.receiveACK(caller.ack(), invite: tx)
        XCTAssertEqual(actions, [
            .cancelTimer(UserAgentTimer(call1, .retransmit2xx)),
            .cancelTimer(UserAgentTimer(call1, .ackTimeout)),
            // RFC 4028 §10: interval − min(32, interval/3) = 1800 − 32.
            .startTimer(UserAgentTimer(call1, .sessionExpiry), at: t0 + .milliseconds(1200) + .seconds(1768)),
            .notify(.answered(call1, media: CoreSDP.media())),
        ])
        XCTAssertEqual(Array(ua.timers.keys), [UserAgentTimer(call1, .sessionExpiry)])

        // A retransmitted ACK changes nothing.
        XCTAssertEqual(ua.receiveACK(caller.ack(), invite: tx), [])
    }

    func testAckWithoutSessionTimerOnlyStopsTimers() {
        var ua = CoreHarness()
        var caller = Caller()
        let (tx, _) = ua.call(&caller)
        XCTAssertEqual(ua.receiveACK(caller.ack(), invite: tx), [
            .cancelTimer(UserAgentTimer(call1, .retransmit2xx)),
            .cancelTimer(UserAgentTimer(call1, .ackTimeout)),
            .notify(.answered(call1, media: CoreSDP.media())),
        ])
        XCTAssertTrue(ua.timers.isEmpty)
    }

    /// After Timer L the ACK arrives as a stray one; the dialog still matches it.
    func testStrayAckConfirmsTheCallToo() {
        var ua = CoreHarness()
        var caller = Caller()
        _ = ua.call(&caller)
        let actions = ua.handle(.strayACK(caller.ack(), from: alice))
        XCTAssertEqual(actions.last, .notify(.answered(call1, media: CoreSDP.media())))
    }

    func testAckWithAnotherCSeqOrTagIsIgnored() {
        var ua = CoreHarness()
        var caller = Caller()
        let (tx, _) = ua.call(&caller)
        XCTAssertEqual(ua.receiveACK(caller.ack(sequence: 7), invite: tx), [])
        var stranger = caller
        stranger.remoteTag = "other"
        XCTAssertEqual(ua.receiveACK(stranger.ack(), invite: tx), [])
        var noTag = caller
        noTag.remoteTag = nil
        XCTAssertEqual(ua.receiveACK(noTag.ack(), invite: tx), [])
        XCTAssertEqual(ua.timers.count, 2)
    }

    // MARK: Rejections before anything rings

    func testUnknownNumberGets404() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "5555"
        let invite = caller.invite()
        let (tx, actions) = ua.call(&caller)
        XCTAssertEqual(actions, [.respond(Expect.response(404, reason: "Not Found (no service line 5555)", to: invite,
                                                          toTag: caller.remoteTag), tx)])
        XCTAssertEqual(ua.core.ports.allocated, 0)
    }

    func testBusyLineRejectsWith486() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "486"
        let invite = caller.invite()
        let (tx, actions) = ua.call(&caller)
        XCTAssertEqual(actions, [.respond(Expect.response(486, to: invite, toTag: caller.remoteTag), tx)])
        XCTAssertEqual(ua.core.activeCallCount, 0)
    }

    /// RFC 4028 §8.1: below our Min-SE → 422 with Min-SE.
    func testSessionExpiresBelowMinimumGets422WithMinSE() {
        var ua = CoreHarness()
        var caller = Caller()
        let extra: [(SIPHeaderName, String)] = [(.supported, "timer"), (.sessionExpires, "30")]
        let invite = caller.invite(extra: extra)
        let (tx, actions) = ua.call(&caller, extra: extra)
        var expected = Expect.response(422, to: invite, toTag: caller.remoteTag)
        expected.headers.add(.minSE, "90")
        XCTAssertEqual(actions, [.respond(expected, tx)])
        XCTAssertEqual(ua.core.ports.allocated, 0)
    }

    func testOfferWithoutCommonCodecGets488WithWarning305AndFreesThePort() {
        var ua = CoreHarness()
        var caller = Caller()
        let sdp = CoreSDP.offer(formats: "18")
        let invite = caller.invite(sdp: sdp)
        let (tx, actions) = ua.call(&caller, sdp: sdp)
        var expected = Expect.response(488, to: invite, toTag: caller.remoteTag)
        expected.headers.add(.warning, "305 hotline.local \"Incompatible media format\"")
        XCTAssertEqual(actions, [.respond(expected, tx)])
        XCTAssertEqual(ua.core.ports.allocated, 0)
        XCTAssertEqual(ua.core.activeCallCount, 0)
    }

    func testMalformedSDPGets488WithAWarning() {
        var ua = CoreHarness()
        var caller = Caller()
        let (_, actions) = ua.call(&caller, sdp: "this is not SDP\r\n")
        guard actions.count == 1, let r = actions.responses.first else { return XCTFail("\(actions)") }
        XCTAssertEqual(r.statusCode, 488)
        XCTAssertEqual(r.reason, "Not Acceptable Here (malformed SDP)")
        XCTAssertTrue(r.headers[.warning]?.hasPrefix("399 hotline.local \"") ?? false, r.headers[.warning] ?? "nil")
        XCTAssertFalse(r.headers[.warning]?.dropFirst(19).dropLast().contains("\"") ?? true, "quotes inside the warn-text")
        XCTAssertEqual(ua.core.ports.allocated, 0)
    }

    // MARK: Late offer (§13.2.1, §13.3.1.4)

    func testInviteWithoutOfferGetsOurOfferAndTheAckCarriesTheAnswer() {
        var ua = CoreHarness()
        var caller = Caller()
        let invite = caller.invite(sdp: nil)
        let (tx, actions) = ua.call(&caller, sdp: nil)
        let sid = CoreSDP.sessionID(actions.success?.body ?? [])
        XCTAssertEqual(actions, [
            incoming(caller),
            .respond(Expect.ringing(to: invite, toTag: caller.remoteTag ?? ""), tx),
            .notify(.ringing(call1)),
            .respond(Expect.ok(to: invite, toTag: caller.remoteTag ?? "", sdp: CoreSDP.ourOffer(sessionID: sid)), tx),
            .startTimer(UserAgentTimer(call1, .retransmit2xx), at: t0 + .milliseconds(500)),
            .startTimer(UserAgentTimer(call1, .ackTimeout), at: t0 + .seconds(32)),
        ])
        let answer = CoreSDP.offer(formats: "8 101", port: 40000)
        XCTAssertEqual(ua.receiveACK(caller.ack(sdp: answer), invite: tx), [
            .cancelTimer(UserAgentTimer(call1, .retransmit2xx)),
            .cancelTimer(UserAgentTimer(call1, .ackTimeout)),
            .notify(.answered(call1, media: CoreSDP.media(
                codec: RTPMap(payloadType: 8, encodingName: "PCMA", clockRate: 8000), port: 40000))),
        ])
    }

    /// §13.3.1.4: an ACK without the answer our offer needed: the session cannot go on.
    func testLateOfferAckWithoutAnswerHangsUp() {
        var ua = CoreHarness()
        var caller = Caller()
        let (tx, _) = ua.call(&caller, sdp: nil)
        let actions = ua.receiveACK(caller.ack(), invite: tx)
        guard actions.count == 5, case .sendRequest(let bye, to: alice) = actions[2] else { return XCTFail("\(actions)") }
        XCTAssertEqual(Array(actions.suffix(2)), Expect.sessionTimersCancelled(call1))
        XCTAssertEqual(Array(actions.prefix(2)), [
            .cancelTimer(UserAgentTimer(call1, .retransmit2xx)),
            .cancelTimer(UserAgentTimer(call1, .ackTimeout)),
        ])
        XCTAssertEqual(bye.method, .bye)
        let byeTx = ua.started(bye)
        XCTAssertEqual(ua.handle(.response(Expect.response(200, to: bye, toTag: nil), byeTx)), Expect.ended(call1, .localHangup))
        XCTAssertEqual(ua.core.ports.allocated, 0)
    }

    // MARK: Port pool

    func testExhaustedPortPoolGets503AndEndedCallsGiveTheirPortsBack() {
        // 20000…20003: two even ports with their RTCP ports above.
        var ua = CoreHarness(CoreFixture.core(ports: RTPPortPool(range: 20000...20003)))
        var first = Caller(), second = Caller(), third = Caller()
        first.dialled = "8000"
        second.dialled = "8000"
        second.callID = "second@192.0.2.10"
        third.callID = "third@192.0.2.10"
        let (tx1, _) = ua.call(&first)
        let (tx2, _) = ua.call(&second)
        XCTAssertEqual(ua.core.ports.allocated, 2)

        let invite3 = third.invite()
        let (tx3, actions) = ua.call(&third)
        var expected = Expect.response(503, reason: "Service Unavailable (no media ports free)", to: invite3, toTag: third.remoteTag)
        expected.headers.add(.retryAfter, "5")
        XCTAssertEqual(actions, [.respond(expected, tx3)])

        _ = ua.receiveCancel(first.cancel(), invite: tx1)
        _ = ua.receiveCancel(second.cancel(), invite: tx2)
        XCTAssertEqual(ua.core.ports.allocated, 0)
        XCTAssertEqual(ua.core.ports.available, 2)

        // Answered, confirmed and hung up: the port comes back too.
        third.callID = "fourth@192.0.2.10"
        let (call, _) = ua.establish(&third)
        XCTAssertEqual(ua.core.ports.allocated, 1)
        var bye = third
        let byeRequest = bye.next(.bye)
        XCTAssertEqual(ua.receive(byeRequest).1.last, .notify(.ended(call, reason: .remoteHangup)))
        XCTAssertEqual(ua.core.ports.allocated, 0)
    }

    // MARK: Ringing lines

    func testRingingLineSends180ThenAnswersAfterItsDelay() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "7777"
        let invite = caller.invite()
        let (tx, actions) = ua.call(&caller)
        let tag = caller.remoteTag ?? ""
        let ringing = Expect.ringing(to: invite, toTag: tag, contact: "<sip:7777@198.51.100.1:5060>")
        XCTAssertEqual(actions, [
            incoming(caller),
            .respond(ringing, tx),
            .notify(.ringing(call1)),
            .startTimer(UserAgentTimer(call1, .answer), at: t0 + .seconds(60)),
        ])

        let (timer, answered) = ua.fireNext()
        XCTAssertEqual(timer, UserAgentTimer(call1, .answer))
        let sid = CoreSDP.sessionID(answered.success?.body ?? [])
        XCTAssertEqual(answered, [
            .respond(Expect.ok(to: invite, toTag: tag, contact: "<sip:7777@198.51.100.1:5060>",
                               sdp: CoreSDP.answer(sessionID: sid)), tx),
            .startTimer(UserAgentTimer(call1, .retransmit2xx), at: t0 + .seconds(60) + .milliseconds(500)),
            .startTimer(UserAgentTimer(call1, .ackTimeout), at: t0 + .seconds(92)),
        ])
        // ring/answer are no-ops once the call has moved on.
        XCTAssertEqual(ua.core.ring(call1), [])
        XCTAssertEqual(ua.core.answer(call1, now: ua.now), [])
        XCTAssertEqual(ua.core.reject(call1, status: 603, now: ua.now), [])
    }

    func testLineWithoutAnswerDelayRingsUntilTheCallerGivesUp() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "8000"
        let (_, actions) = ua.call(&caller)
        XCTAssertEqual(actions.responses.map(\.statusCode), [180])
        XCTAssertEqual(actions.last, .notify(.ringing(call1)))
        XCTAssertTrue(ua.timers.isEmpty)
    }

    func testCancelWhileRingingGets200And487AndEndsTheCall() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "7777"
        let invite = caller.invite()
        let (inviteTx, _) = ua.call(&caller)
        ua.advance(by: .seconds(5))
        let cancel = caller.cancel()
        let (cancelTx, actions) = ua.receiveCancel(cancel, invite: inviteTx)
        XCTAssertEqual(actions, [
            .respond(Expect.response(200, to: cancel, toTag: caller.remoteTag), cancelTx),
            .respond(Expect.response(487, to: invite, toTag: caller.remoteTag), inviteTx),
        ] + Expect.ended(call1, .cancelled))
        XCTAssertTrue(ua.timers.isEmpty, "the answer timer is cancelled")
        XCTAssertEqual(ua.core.ports.allocated, 0)
        // The answer timer firing late finds no call.
        XCTAssertEqual(ua.fire(UserAgentTimer(call1, .answer)), [])
    }

    func testCancelForAnUnknownInviteGets481() {
        var ua = CoreHarness()
        let cancel = Caller().cancel()
        let (tx, actions) = ua.receiveCancel(cancel, invite: nil)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions, [.respond(Expect.response(481, to: cancel, toTag: tag), tx)])

        // An INVITE transaction the core has no call for (already rejected, say).
        let (_, actions2) = ua.receiveCancel(cancel, invite: TransactionID(rawValue: 4242))
        XCTAssertEqual(actions2.responses.map(\.statusCode), [481])
    }

    /// §9.2: a CANCEL after the final response changes nothing but gets its 200.
    func testCancelAfterThe2xxOnlyGetsItsOwn200() {
        var ua = CoreHarness()
        var caller = Caller()
        let (inviteTx, _) = ua.call(&caller)
        let cancel = caller.cancel()
        let (cancelTx, actions) = ua.receiveCancel(cancel, invite: inviteTx)
        XCTAssertEqual(actions, [.respond(Expect.response(200, to: cancel, toTag: caller.remoteTag), cancelTx)])
        XCTAssertEqual(ua.core.activeCallCount, 1)
    }

    /// §15.1.2: a BYE in the early dialog ends it; the INVITE gets 487.
    func testByeBeforeTheAnswerGets200AndTheInvite487() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "8000"
        let invite = caller.invite()
        let (inviteTx, _) = ua.call(&caller)
        let bye = caller.next(.bye)
        let (byeTx, actions) = ua.receive(bye)
        XCTAssertEqual(actions, [
            .respond(Expect.response(200, to: bye, toTag: nil), byeTx),
            .respond(Expect.response(487, to: invite, toTag: caller.remoteTag), inviteTx),
        ] + Expect.ended(call1, .remoteHangup))
    }
}
