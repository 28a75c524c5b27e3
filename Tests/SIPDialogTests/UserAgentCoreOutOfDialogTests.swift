import SDP
@testable import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest

/// Requests outside any dialog: OPTIONS and the RFC 3261 §8.2 checks a UAS makes before
/// acting (method, Request-URI scheme, Require, body), each with its exact response.
final class UserAgentCoreOutOfDialogTests: XCTestCase {
    private let caller = Caller()

    /// Sends `request` and returns the one response with the tag it carries.
    private func onlyResponse(_ request: SIPRequest, file: StaticString = #filePath, line: UInt = #line)
        -> (SIPResponse, TransactionID, [UserAgentAction], String) {
        var ua = CoreHarness()
        let (tx, actions) = ua.receive(request)
        XCTAssertEqual(actions.count, 1, "\(actions)", file: file, line: line)
        guard let response = actions.responses.first else {
            XCTFail("no response", file: file, line: line)
            return (SIPResponse(statusCode: 0), tx, actions, "")
        }
        let tag = response.toTag ?? ""
        XCTAssertFalse(tag.isEmpty, "a final response outside a dialog carries a To tag", file: file, line: line)
        XCTAssertTrue(ua.timers.isEmpty, file: file, line: line)
        XCTAssertEqual(ua.core.activeCallCount, 0, file: file, line: line)
        return (response, tx, actions, tag)
    }

    // MARK: OPTIONS (§11.2)

    func testOptionsIsAnsweredWithCapabilitiesAndAToTag() {
        let options = caller.outOfDialog(.options, uri: "sip:hotline.local")
        let (_, tx, actions, tag) = onlyResponse(options)
        var expected = Expect.response(200, to: options, toTag: tag)
        Expect.addCapabilities(&expected)
        expected.headers.add(.acceptEncoding, "identity")
        expected.headers.add(.acceptLanguage, "zh-CN, en")
        XCTAssertEqual(actions, [.respond(expected, tx)])
        XCTAssertEqual(expected.headers[.allow], "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, UPDATE, REFER")
    }

    func testOptionsWithAToTagForAnUnknownDialogIsStillAnswered() {
        var c = caller
        c.remoteTag = "nosuchdialog"
        let options = c.next(.options)
        var ua = CoreHarness()
        let (tx, actions) = ua.receive(options)
        var expected = Expect.response(200, to: options, toTag: nil)
        Expect.addCapabilities(&expected)
        expected.headers.add(.acceptEncoding, "identity")
        expected.headers.add(.acceptLanguage, "zh-CN, en")
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    // MARK: Method inspection (§8.2.1)

    func testUnknownMethodGets501WithAllow() {
        let request = caller.outOfDialog("NEWMETHOD")
        let (_, tx, actions, tag) = onlyResponse(request)
        var expected = Expect.response(501, to: request, toTag: tag)
        expected.headers.add(.allow, CoreFixture.allow)
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    func testKnownButRefusedMethodsGet405WithAllow() {
        for method in [SIPMethod.subscribe, .notify, .publish, .message, .prack] {
            let request = caller.outOfDialog(method)
            let (_, tx, actions, tag) = onlyResponse(request)
            var expected = Expect.response(405, to: request, toTag: tag)
            expected.headers.add(.allow, CoreFixture.allow)
            XCTAssertEqual(actions, [.respond(expected, tx)], "\(method)")
        }
    }

    /// RFC 4475 §3.1.2.18: an unknown method wins over its mismatched CSeq.
    func testUnknownMethodWithInviteCSeqGets501() {
        let request = caller.outOfDialog("NEWMETHOD", cseqMethod: .invite)
        let (_, tx, actions, tag) = onlyResponse(request)
        var expected = Expect.response(501, to: request, toTag: tag)
        expected.headers.add(.allow, CoreFixture.allow)
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    // MARK: Malformed requests

    /// RFC 4475 §3.1.2.17: a known method with another method in CSeq is a 400.
    func testCSeqMethodMismatchGets400NamingTheProblem() {
        let request = caller.outOfDialog(.options, cseqMethod: .invite)
        let (_, tx, actions, tag) = onlyResponse(request)
        let expected = Expect.response(400, reason: "Bad Request (CSeq method INVITE does not match OPTIONS)",
                                       to: request, toTag: tag)
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    func testMissingCallIDGets400() {
        var request = caller.outOfDialog(.options)
        request.headers.remove(.callID)
        var ua = CoreHarness()
        let (tx, actions) = ua.receive(request)
        guard let tag = actions.responses.first?.toTag else { return XCTFail("\(actions)") }
        var expected = SIPResponse(statusCode: 400, reason: "Bad Request (missing Call-ID header)")
        expected.headers.add(.via, request.headers[.via]!)
        expected.headers.add(.from, request.headers[.from]!)
        expected.headers.add(.to, request.headers[.to]! + ";tag=\(tag)")
        expected.headers.add(.cseq, request.headers[.cseq]!)
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    // MARK: Request-URI (§8.2.2.1)

    func testUnknownURISchemeGets416() {
        let request = caller.outOfDialog(.options, uri: "isbn:2983792873")
        let (_, tx, actions, tag) = onlyResponse(request)
        let expected = Expect.response(416, reason: "Unsupported URI Scheme (isbn)", to: request, toTag: tag)
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    func testTelRequestURIIsAcceptedForAnInvite() {
        var ua = CoreHarness()
        var c = caller
        c.dialled = "10000"
        var invite = c.invite()
        invite.uri = CoreFixture.uri("tel:10000")
        let (_, actions) = ua.receive(invite)
        XCTAssertEqual(actions.responses.map(\.statusCode), [180, 200])
    }

    // MARK: Require (§8.2.2.3)

    func testUnsupportedRequireGets420ListingTheTags() {
        let request = caller.outOfDialog(.options, extra: [(.require, "foo, timer, bar")])
        let (_, tx, actions, tag) = onlyResponse(request)
        var expected = Expect.response(420, to: request, toTag: tag)
        expected.headers.add(.unsupported, "foo, bar")
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    func testRequireTimerIsSupported() {
        let request = caller.outOfDialog(.options, extra: [(.require, "timer")])
        let (response, _, _, _) = onlyResponse(request)
        XCTAssertEqual(response.statusCode, 200)
    }

    // MARK: Content processing (§8.2.3)

    func testPlainTextBodyGets415WithAccept() {
        let request = caller.invite(sdp: nil, extra: [(.contentType, "text/plain")])
        var withBody = request
        withBody.body = Array("hello".utf8)
        let (_, tx, actions, tag) = onlyResponse(withBody)
        var expected = Expect.response(415, reason: "Unsupported Media Type (text/plain)", to: withBody, toTag: tag)
        expected.headers.add(.accept, "application/sdp")
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    func testBodyWithoutContentTypeGets415() {
        var request = caller.invite(sdp: nil)
        request.body = Array(CoreSDP.offer().utf8)
        let (_, tx, actions, tag) = onlyResponse(request)
        var expected = Expect.response(415, reason: "Unsupported Media Type (no Content-Type)", to: request, toTag: tag)
        expected.headers.add(.accept, "application/sdp")
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    func testInfoAcceptsDTMFTypesInItsAcceptList() {
        let request = caller.outOfDialog(.info, body: "hi", contentType: "text/plain")
        let (_, tx, actions, tag) = onlyResponse(request)
        var expected = Expect.response(415, reason: "Unsupported Media Type (text/plain)", to: request, toTag: tag)
        expected.headers.add(.accept, "application/sdp, application/dtmf-relay, application/dtmf")
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    func testGzipContentEncodingGets415WithAcceptEncoding() {
        let request = caller.invite(extra: [(.contentEncoding, "gzip")])
        let (_, tx, actions, tag) = onlyResponse(request)
        var expected = Expect.response(415, reason: "Unsupported Media Type (Content-Encoding gzip)", to: request, toTag: tag)
        expected.headers.add(.acceptEncoding, "identity")
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    func testIdentityContentEncodingIsFine() {
        var ua = CoreHarness()
        let (_, actions) = ua.receive(caller.invite(extra: [(.contentEncoding, "identity")]))
        XCTAssertEqual(actions.responses.map(\.statusCode), [180, 200])
    }

    /// RFC 4475 §3.3.15: an INVITE whose Accept excludes SDP cannot take our answer.
    func testInviteAcceptingNoSDPGets406() {
        let request = caller.invite(extra: [(.accept, "text/nobodyKnowsThis")])
        let (_, tx, actions, tag) = onlyResponse(request)
        var expected = Expect.response(406, to: request, toTag: tag)
        expected.headers.add(.accept, "application/sdp")
        expected.headers.add(.warning, "399 hotline.local \"Only application/sdp bodies are supported\"")
        XCTAssertEqual(actions, [.respond(expected, tx)])
    }

    // MARK: In-dialog methods without a dialog (§12.2.2, §15.1.2)

    func testByeWithoutToTagGets481() {
        for method in [SIPMethod.bye, .info, .update] {
            let request = caller.outOfDialog(method)
            let (_, tx, actions, tag) = onlyResponse(request)
            XCTAssertEqual(actions, [.respond(Expect.response(481, to: request, toTag: tag), tx)], "\(method)")
        }
    }

    func testByeForAnUnknownDialogGets481WithoutAddingATag() {
        var c = caller
        c.remoteTag = "gone"
        let bye = c.next(.bye)
        var ua = CoreHarness()
        let (tx, actions) = ua.receive(bye)
        XCTAssertEqual(actions, [.respond(Expect.response(481, to: bye, toTag: nil), tx)])
    }

    // MARK: Events for the adapter only

    func testTransactionLayerHousekeepingEventsAreIgnored() {
        var ua = CoreHarness()
        let tx = TransactionID(rawValue: 9)
        XCTAssertEqual(ua.handle(.send(.request(caller.invite()), to: CoreFixture.alice)), [])
        XCTAssertEqual(ua.handle(.startTimer(.A, tx, at: CoreFixture.epoch)), [])
        XCTAssertEqual(ua.handle(.cancelTimer(.A, tx)), [])
        XCTAssertEqual(ua.handle(.terminated(tx)), [])
        XCTAssertEqual(ua.handle(.timeout(tx)), [])
        XCTAssertEqual(ua.handle(.transportError(tx)), [])
        XCTAssertEqual(ua.handle(.response(SIPResponse(statusCode: 200), tx)), [])
        XCTAssertEqual(ua.handle(.strayACK(caller.ack(), from: CoreFixture.alice)), [])
    }
}
