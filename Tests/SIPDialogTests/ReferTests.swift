@testable import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest

/// In-dialog REFER (RFC 3515) in both directions: the 202, the implicit subscription's
/// NOTIFYs (100 Trying at once, then what the application reports), `Refer-Sub: false`
/// (RFC 4488), the 400s for a Refer-To we cannot use, and NOTIFY outcomes that must leave
/// the call alone.
final class ReferTests: XCTestCase {
    private let t0 = CoreFixture.epoch
    private let alice = CoreFixture.alice
    private let blind = "<sip:2000@hotline.local>"

    // MARK: Helpers

    /// The Contact our 200 gave the caller (and every later 202 and NOTIFY repeats).
    private let inboundContact = "<sip:10000@198.51.100.1:5060>"

    /// A REFER from the caller in its dialog, with `referTo` lines (none when empty).
    private func refer(_ caller: inout Caller, referTo: [String], extra: [(SIPHeaderName, String)] = []) -> SIPRequest {
        caller.next(.refer, extra: referTo.map { (.referTo, $0) } + extra)
    }

    /// Our 202 to `refer`: the dialog's Contact, and `Refer-Sub: false` when the REFER opted out.
    private func accepted(_ refer: SIPRequest, contact: String, referSub: Bool = true) -> SIPResponse {
        var r = Expect.response(202, to: refer, toTag: nil)
        r.headers.add(.contact, contact)
        if !referSub { r.headers.add("Refer-Sub", "false") }
        return r
    }

    /// A NOTIFY we send in the caller's dialog (RFC 3515 §2.4.5), field by field.
    private func inboundNotify(_ sent: SIPRequest, _ caller: Caller, cseq: UInt32, event: String = "refer",
                               state: String, sipfrag: String) -> SIPRequest {
        var n = Expect.request(.notify, uri: "sip:1001@192.0.2.10:5060", via: sent.headers[.via] ?? "",
                               from: "<sip:10000@hotline.local>;tag=\(caller.remoteTag ?? "")",
                               to: "\"Alice\" <sip:1001@hotline.local>;tag=\(caller.tag)", callID: caller.callID, cseq: cseq)
        n.headers.add(.contact, inboundContact)
        n.headers.add(.event, event)
        n.headers.add("Subscription-State", state)
        n.headers.add(.contentType, "message/sipfrag;version=2.0")
        n.body = Array(sipfrag.utf8)
        return n
    }

    /// The NOTIFY among `actions` (checking our Via), or a failure.
    private func sentNotify(_ actions: [UserAgentAction], file: StaticString = #filePath, line: UInt = #line) -> SIPRequest {
        guard let n = actions.requestsSent.first(where: { $0.method == .notify }) else {
            XCTFail("no NOTIFY in \(actions)", file: file, line: line)
            return SIPRequest(method: .notify, uri: CoreFixture.uri("sip:nowhere.invalid"))
        }
        assertOurVia(n.headers[.via], file: file, line: line)
        return n
    }

    /// An inbound call, confirmed, then the caller's REFER to `blind` accepted; returns the
    /// call, the first NOTIFY and the transaction the adapter put it on.
    private func referred(_ ua: inout CoreHarness, _ caller: inout Caller, extra: [(SIPHeaderName, String)] = [],
                          file: StaticString = #filePath, line: UInt = #line) -> (CallHandle, SIPRequest, TransactionID) {
        let (call, _) = ua.establish(&caller, file: file, line: line)
        let (_, actions) = ua.receive(refer(&caller, referTo: [blind], extra: extra))
        let notify = sentNotify(actions, file: file, line: line)
        return (call, notify, ua.started(notify))
    }

    private func transferRequested(_ call: CallHandle, _ referTo: String, referredBy: String? = nil,
                                   replaces: String? = nil) -> UserAgentAction {
        .notify(.transferRequested(call, referTo: referTo, referredBy: referredBy, replaces: replaces))
    }

    // MARK: Inbound call (Hotline answered)

    func testReferOnAnInboundCallGets202ThenNotify100ThenTheEvent() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        ua.advance(by: .seconds(20))
        let request = refer(&caller, referTo: [blind], extra: [(.referredBy, "<sip:1001@hotline.local>")])
        let (tx, actions) = ua.receive(request)
        let notify = sentNotify(actions)
        XCTAssertEqual(actions, [
            .respond(accepted(request, contact: inboundContact), tx),
            .sendRequest(inboundNotify(notify, caller, cseq: 1, state: "active;expires=60",
                                       sipfrag: "SIP/2.0 100 Trying\r\n"), to: alice),
            transferRequested(call, "sip:2000@hotline.local", referredBy: "<sip:1001@hotline.local>"),
        ])
        XCTAssertEqual(ua.core.calls[call]?.state, .confirmed)
        XCTAssertTrue(ua.timers.isEmpty, "a REFER starts no timer: \(ua.timers)")
    }

    func testNotifyTransferReportsProgressThenTheFinalOutcome() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, first, firstTx) = referred(&ua, &caller)
        XCTAssertEqual(ua.handle(.response(Expect.response(200, to: first, toTag: nil), firstTx)), [])

        ua.advance(by: .milliseconds(10_500))
        let ringing = ua.core.notifyTransfer(call, status: 180, reason: "Ringing", final: false, now: ua.now)
        let progress = sentNotify(ringing)
        // 49.5 s left, rounded up.
        XCTAssertEqual(ringing, [.sendRequest(inboundNotify(progress, caller, cseq: 2, state: "active;expires=50",
                                                            sipfrag: "SIP/2.0 180 Ringing\r\n"), to: alice)])
        XCTAssertNotEqual(progress.headers[.via], first.headers[.via], "each NOTIFY is a new transaction")
        XCTAssertEqual(ua.handle(.response(Expect.response(200, to: progress, toTag: nil), ua.started(progress))), [])

        let done = ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now)
        let final = sentNotify(done)
        XCTAssertEqual(done, [.sendRequest(inboundNotify(final, caller, cseq: 3, state: "terminated;reason=noresource",
                                                         sipfrag: "SIP/2.0 200 OK\r\n"), to: alice)])
        XCTAssertEqual(ua.handle(.response(Expect.response(200, to: final, toTag: nil), ua.started(final))), [])

        // The subscription is over: nothing more is sent; the call goes on.
        XCTAssertEqual(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now), [])
        XCTAssertEqual(ua.core.calls[call]?.state, .confirmed)
        XCTAssertEqual(ua.core.calls[call]?.dialog?.localSequence, 3)
    }

    /// Our own requests in the dialog keep counting after the NOTIFYs (§12.2.1.1).
    func testOurByeAfterTheNotifiesTakesTheNextCSeq() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _, _) = referred(&ua, &caller)
        _ = ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now)
        let bye = ua.hangup(call).requestsSent
        XCTAssertEqual(bye.map(\.method), [.bye])
        XCTAssertEqual(bye.first?.headers[.cseq], "3 BYE")
    }

    func testReasonWithALineBreakStaysOnTheStatusLine() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _, _) = referred(&ua, &caller)
        // "\r\n" is one Character: one space.
        let actions = ua.core.notifyTransfer(call, status: 503, reason: "Service Unavailable\r\nX-Injected: 1", final: true, now: ua.now)
        XCTAssertEqual(sentNotify(actions).body, Array("SIP/2.0 503 Service Unavailable X-Injected: 1\r\n".utf8))
    }

    func testStatusOutsideTheSIPRangeSendsNothing() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _, _) = referred(&ua, &caller)
        XCTAssertEqual(ua.core.notifyTransfer(call, status: 99, reason: "Nope", final: false, now: ua.now), [])
        XCTAssertEqual(ua.core.notifyTransfer(call, status: 700, reason: "Nope", final: true, now: ua.now), [])
        XCTAssertEqual(ua.core.calls[call]?.dialog?.localSequence, 1, "no CSeq was spent")
        XCTAssertEqual(sentNotify(ua.core.notifyTransfer(call, status: 699, reason: "Odd", final: true, now: ua.now))
            .headers[.cseq], "2 NOTIFY")
    }

    // MARK: Outbound call (Hotline placed it: the agent's phone)

    func testReferFromTheAgentPhoneOnACallWePlaced() {
        var ua = CoreHarness()
        let phone = SIPPeer(transport: .udp, host: "192.0.2.20", port: 5062)
        let (call, placed) = ua.placeCall(to: "sip:1002@192.0.2.20:5062", via: phone)
        guard let invite = placed.requestsSent.first else { return XCTFail("\(placed)") }
        let inviteTx = ua.started(invite)
        let fromTag = (try? invite.from().tag) ?? ""
        let callID = (try? invite.callID()) ?? ""
        var ok = Expect.response(200, to: invite, toTag: "agent77")
        ok.headers.add(.contact, "<sip:1002@192.0.2.20:5062>")
        ok.headers.add(.contentType, "application/sdp")
        ok.body = Array(CoreSDP.offer(formats: "0 101", address: "192.0.2.20", port: 40000).utf8)
        let answered = ua.handle(.response(ok, inviteTx))
        XCTAssertTrue(answered.events.contains { if case .answered = $0 { return true } else { return false } }, "\(answered)")

        // The phone's REFER: its first request in the dialog, to our Contact.
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKrefer1")
        h.add(.maxForwards, "70")
        h.add(.from, "<sip:1002@192.0.2.20:5062>;tag=agent77")
        h.add(.to, "<sip:hotline@hotline.local>;tag=\(fromTag)")
        h.add(.callID, callID)
        h.add(.cseq, "1 REFER")
        h.add(.contact, "<sip:1002@192.0.2.20:5062>")
        h.add(.referTo, "<sip:3000@hotline.local>")
        h.add(.referredBy, "<sip:1002@192.0.2.20:5062>")
        let request = SIPRequest(method: .refer, uri: CoreFixture.uri("sip:hotline@198.51.100.1:5060"), headers: h)
        let (tx, actions) = ua.receive(request, from: phone)
        let notify = sentNotify(actions)
        var expected = Expect.request(.notify, uri: "sip:1002@192.0.2.20:5062", via: notify.headers[.via] ?? "",
                                      from: "<sip:hotline@hotline.local>;tag=\(fromTag)",
                                      to: "<sip:1002@192.0.2.20:5062>;tag=agent77", callID: callID, cseq: 2)
        expected.headers.add(.contact, "<sip:hotline@198.51.100.1:5060>")
        expected.headers.add(.event, "refer")
        expected.headers.add("Subscription-State", "active;expires=60")
        expected.headers.add(.contentType, "message/sipfrag;version=2.0")
        expected.body = Array("SIP/2.0 100 Trying\r\n".utf8)
        XCTAssertEqual(actions, [
            .respond(accepted(request, contact: "<sip:hotline@198.51.100.1:5060>"), tx),
            .sendRequest(expected, to: phone),
            transferRequested(call, "sip:3000@hotline.local", referredBy: "<sip:1002@192.0.2.20:5062>"),
        ])

        // The final NOTIFY follows with CSeq 3; its 200 changes nothing.
        let notifyTx = ua.started(notify)
        XCTAssertEqual(ua.handle(.response(Expect.response(200, to: notify, toTag: nil), notifyTx)), [])
        let done = ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now)
        let final = sentNotify(done)
        XCTAssertEqual(final.headers[.cseq], "3 NOTIFY")
        XCTAssertEqual(final.headers["Subscription-State"], "terminated;reason=noresource")
        XCTAssertEqual(final.body, Array("SIP/2.0 200 OK\r\n".utf8))
        XCTAssertEqual(done, [.sendRequest(final, to: phone)])
        XCTAssertEqual(ua.core.calls[call]?.state, .confirmed)
    }

    // MARK: Refer-To and Refer-Sub

    /// RFC 4488 §4: no implicit subscription, so no NOTIFY, now or later; the 202 says so.
    func testReferSubFalseGetsNoNotify() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let request = refer(&caller, referTo: [blind], extra: [("Refer-Sub", "false")])
        let (tx, actions) = ua.receive(request)
        XCTAssertEqual(actions, [
            .respond(accepted(request, contact: inboundContact, referSub: false), tx),
            transferRequested(call, "sip:2000@hotline.local"),
        ])
        XCTAssertEqual(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now), [])
        XCTAssertEqual(ua.core.calls[call]?.dialog?.localSequence, 0)
    }

    func testReferSubTrueIsTheDefaultAndAnythingElseIs400() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let yes = refer(&caller, referTo: [blind], extra: [("Refer-Sub", "TRUE")])
        let (_, subscribed) = ua.receive(yes)
        XCTAssertEqual(sentNotify(subscribed).headers[.event], "refer")
        XCTAssertEqual(subscribed.responses.first?.headers["Refer-Sub"], nil)
        _ = ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now)

        let maybe = refer(&caller, referTo: [blind], extra: [("Refer-Sub", "maybe")])
        let (tx, actions) = ua.receive(maybe)
        XCTAssertEqual(actions, [.respond(Expect.response(400, reason: "Bad Request (Refer-Sub must be true or false)",
                                                          to: maybe, toTag: nil), tx)])
    }

    /// The compact forms `r` (Refer-To) and `b` (Referred-By), as a phone puts them on the wire.
    func testCompactReferToFromTheWire() throws {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let text = [
            "REFER sip:10000@198.51.100.1:5060 SIP/2.0",
            "v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKcompact",
            "Max-Forwards: 70",
            "f: \"Alice\" <sip:1001@hotline.local>;tag=\(caller.tag)",
            "t: <sip:10000@hotline.local>;tag=\(caller.remoteTag ?? "")",
            "i: \(caller.callID)",
            "CSeq: 2 REFER",
            "r: <sip:2000@hotline.local>",
            "b: <sip:1001@hotline.local>",
            "l: 0",
            "", "",
        ].joined(separator: "\r\n")
        guard case .request(let request) = try SIPParser().parse(Array(text.utf8)) else { return XCTFail("not a request") }
        let (tx, actions) = ua.receive(request)
        XCTAssertEqual(actions.first, .respond(accepted(request, contact: inboundContact), tx))
        XCTAssertEqual(actions.last, transferRequested(call, "sip:2000@hotline.local", referredBy: "<sip:1001@hotline.local>"))
        XCTAssertEqual(actions.count, 3)
    }

    /// Attended transfer: the Replaces header embedded in Refer-To (RFC 3891 §3) comes out
    /// decoded, and the target without it.
    func testEmbeddedReplacesIsDecodedAndTakenOffTheTarget() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let request = refer(&caller, referTo: [
            "<sip:1002@192.0.2.30:5060;transport=udp?Replaces=98732%40192.0.2.30%3Bto-tag%3Dr33th4x0r%3Bfrom-tag%3Dff87ff>",
        ])
        let (_, actions) = ua.receive(request)
        XCTAssertEqual(actions.last, transferRequested(call, "sip:1002@192.0.2.30:5060;transport=udp",
                                                       replaces: "98732@192.0.2.30;to-tag=r33th4x0r;from-tag=ff87ff"))
        XCTAssertEqual(actions.responses.map(\.statusCode), [202])
    }

    func testTelTargetIsAccepted() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        let (_, actions) = ua.receive(refer(&caller, referTo: ["<tel:+861012345678>"]))
        XCTAssertEqual(actions.last, transferRequested(call, "tel:+861012345678"))
    }

    /// Each unusable Refer-To gets a 400 naming the problem; nothing is sent, nothing
    /// reaches the application, and the call goes on.
    func testUnusableReferToGets400SayingWhy() {
        let cases: [(lines: [String], reason: String)] = [
            ([], "Bad Request (no Refer-To)"),
            ([blind, "<sip:3000@hotline.local>"], "Bad Request (more than one Refer-To)"),
            ([blind + ", <sip:3000@hotline.local>"], "Bad Request (more than one Refer-To)"),
            (["garbage"], "Bad Request (malformed Refer-To: no scheme in 'garbage')"),
            (["<sip:2000@hotline.local"], "Bad Request (malformed Refer-To: missing '>')"),
            (["<http://example.com/transfer>"], "Bad Request (Refer-To must be a sip, sips or tel URI, not http)"),
        ]
        for (lines, reason) in cases {
            var ua = CoreHarness()
            var caller = Caller()
            let (call, _) = ua.establish(&caller)
            let request = refer(&caller, referTo: lines)
            let (tx, actions) = ua.receive(request)
            XCTAssertEqual(actions, [.respond(Expect.response(400, reason: reason, to: request, toTag: nil), tx)], "\(lines)")
            XCTAssertEqual(ua.core.calls[call]?.state, .confirmed, "\(lines)")
            XCTAssertEqual(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now), [], "\(lines)")
        }
    }

    // MARK: Where a REFER is refused

    func testReferInAnUnknownDialogGets481() {
        var ua = CoreHarness()
        var caller = Caller()
        _ = ua.establish(&caller)
        var stranger = caller
        stranger.remoteTag = "not-our-tag"
        let request = refer(&stranger, referTo: [blind])
        let (tx, actions) = ua.receive(request)
        XCTAssertEqual(actions, [.respond(Expect.response(481, to: request, toTag: nil), tx)])
    }

    /// Without a To tag: as BYE, INFO and UPDATE outside a dialog (we transfer only calls we are in).
    func testReferOutsideADialogGets481WithAToTag() {
        var ua = CoreHarness()
        let request = Caller().outOfDialog(.refer, extra: [(.referTo, blind)])
        let (tx, actions) = ua.receive(request)
        let tag = actions.responses.first?.toTag
        XCTAssertNotNil(tag)
        XCTAssertEqual(actions, [.respond(Expect.response(481, to: request, toTag: tag), tx)])
        XCTAssertEqual(ua.core.activeCallCount, 0)
    }

    func testReferBeforeTheCallIsAnsweredGets403() {
        var ua = CoreHarness()
        var caller = Caller()
        caller.dialled = "8000"
        _ = ua.call(&caller)
        let request = refer(&caller, referTo: [blind])
        let (tx, actions) = ua.receive(request)
        XCTAssertEqual(actions, [.respond(Expect.response(403, reason: "Forbidden (no transfer before the call is answered)",
                                                          to: request, toTag: nil), tx)])
    }

    func testReferWhileOurByeIsOutGets403() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _) = ua.establish(&caller)
        _ = ua.hangup(call)
        let request = refer(&caller, referTo: [blind])
        let (tx, actions) = ua.receive(request)
        XCTAssertEqual(actions, [.respond(Expect.response(403, reason: "Forbidden (the call is ending)",
                                                          to: request, toTag: nil), tx)])
    }

    /// One transfer at a time; once it is over, the next REFER's NOTIFYs carry its CSeq as
    /// the Event id (RFC 3515 §2.4.6).
    func testSecondReferWaitsForTheFirstAndThenNamesItsSubscription() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _, _) = referred(&ua, &caller)
        let early = refer(&caller, referTo: ["<sip:3000@hotline.local>"])
        let (tx, pending) = ua.receive(early)
        XCTAssertEqual(pending, [.respond(Expect.response(491, reason: "Request Pending (a transfer is already in progress)",
                                                          to: early, toTag: nil), tx)])

        _ = ua.core.notifyTransfer(call, status: 603, reason: "Declined", final: true, now: ua.now)
        let again = refer(&caller, referTo: ["<sip:3000@hotline.local>"])
        XCTAssertEqual(again.headers[.cseq], "4 REFER")
        let (tx2, actions) = ua.receive(again)
        let notify = sentNotify(actions)
        XCTAssertEqual(actions, [
            .respond(accepted(again, contact: inboundContact), tx2),
            .sendRequest(inboundNotify(notify, caller, cseq: 3, event: "refer;id=4", state: "active;expires=60",
                                       sipfrag: "SIP/2.0 100 Trying\r\n"), to: alice),
            transferRequested(call, "sip:3000@hotline.local"),
        ])
    }

    // MARK: The subscription's end

    func testNotifyTransferAfterTheCallEndedSendsNothing() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _, _) = referred(&ua, &caller)
        let bye = caller.next(.bye)
        let (tx, ended) = ua.receive(bye)
        XCTAssertEqual(ended, [.respond(Expect.response(200, to: bye, toTag: nil), tx)] + Expect.ended(call, .remoteHangup))
        XCTAssertEqual(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now), [])
        XCTAssertTrue(ua.core.referUsages.isEmpty)
    }

    /// After our BYE the phone may have let the dialog go: no NOTIFY then.
    func testNotifyTransferWhileOurByeIsOutSendsNothing() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _, _) = referred(&ua, &caller)
        XCTAssertEqual(ua.hangup(call).requestsSent.map(\.method), [.bye])
        XCTAssertEqual(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now), [])
    }

    func testSubscriptionExpiresAfterSixtySeconds() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _, _) = referred(&ua, &caller)
        ua.advance(by: .seconds(59))
        XCTAssertEqual(sentNotify(ua.core.notifyTransfer(call, status: 180, reason: "Ringing", final: false, now: ua.now))
            .headers["Subscription-State"], "active;expires=1")
        ua.advance(by: .seconds(1))
        XCTAssertEqual(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now), [])
        // Expired, so a new REFER is welcome (and is the dialog's second).
        let (_, actions) = ua.receive(refer(&caller, referTo: [blind]))
        XCTAssertEqual(actions.responses.map(\.statusCode), [202])
        XCTAssertEqual(sentNotify(actions).headers[.event], "refer;id=3")
    }

    /// RFC 6665 §4.2.2: a refused NOTIFY ends the subscription; RFC 5057: not the call.
    func testRefusedNotifyEndsTheSubscriptionButNotTheCall() {
        for status in [481, 500] {
            var ua = CoreHarness()
            var caller = Caller()
            let (call, notify, notifyTx) = referred(&ua, &caller)
            XCTAssertEqual(ua.handle(.response(Expect.response(status, to: notify, toTag: nil), notifyTx)), [], "\(status)")
            XCTAssertEqual(ua.core.calls[call]?.state, .confirmed, "\(status)")
            XCTAssertEqual(ua.core.activeCallCount, 1, "\(status)")
            XCTAssertEqual(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now), [], "\(status)")

            // The call still works both ways: INFO in, BYE out, its 200 ends it.
            let info = caller.next(.info, body: "Signal=5\r\nDuration=160\r\n", contentType: "application/dtmf-relay")
            XCTAssertEqual(ua.receive(info).1.events, [.dtmfInfo(call, digit: "5", durationMs: 160)], "\(status)")
            guard let bye = ua.hangup(call).requestsSent.first else { return XCTFail("\(status): no BYE") }
            XCTAssertEqual(bye.headers[.cseq], "2 BYE", "\(status)")
            XCTAssertEqual(ua.handle(.response(Expect.response(200, to: bye, toTag: nil), ua.started(bye))),
                           Expect.ended(call, .localHangup), "\(status)")
        }
    }

    /// A provisional or late response to a NOTIFY of an earlier subscription changes nothing.
    func testResponsesThatDoNotEndTheSubscription() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, first, firstTx) = referred(&ua, &caller)
        XCTAssertEqual(ua.handle(.response(Expect.response(100, to: first, toTag: nil), firstTx)), [])
        _ = ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now)
        let (_, second) = ua.receive(refer(&caller, referTo: [blind]))
        XCTAssertEqual(second.responses.map(\.statusCode), [202])
        // The first subscription's NOTIFY is refused late: the second subscription lives on.
        XCTAssertEqual(ua.handle(.response(Expect.response(481, to: first, toTag: nil), firstTx)), [])
        XCTAssertEqual(sentNotify(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now))
            .headers[.cseq], "4 NOTIFY")
    }

    func testNotifyTimeoutEndsTheSubscriptionButNotTheCall() {
        var ua = CoreHarness()
        var caller = Caller()
        let (call, _, notifyTx) = referred(&ua, &caller)
        XCTAssertEqual(ua.handle(.timeout(notifyTx)), [])
        XCTAssertEqual(ua.core.calls[call]?.state, .confirmed)
        XCTAssertEqual(ua.core.notifyTransfer(call, status: 200, reason: "OK", final: true, now: ua.now), [])
    }

    // MARK: Capabilities

    /// §20.5: Allow names REFER now; NOTIFY we only send, so it is not listed.
    func testAllowListsRefer() {
        var ua = CoreHarness()
        let (_, actions) = ua.receive(Caller().outOfDialog(.options, uri: "sip:hotline.local"))
        XCTAssertEqual(actions.responses.first?.headers.tokens(.allow),
                       ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "UPDATE", "REFER"])
    }
}
