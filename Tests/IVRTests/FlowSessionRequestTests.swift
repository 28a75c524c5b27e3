import HotlineModel
@testable import IVR
import XCTest

/// verify, lookup, http, voicemail and callback: requests, results and their branches.
final class FlowSessionRequestTests: XCTestCase {
    func verifyFlow() -> Flow {
        makeFlow(start: "check", [
            node("check", .verify(Verify(method: .card, identifier: loc("card_number"), pin: loc("pin"),
                                         onFailure: loc(NodeID("again")), onLocked: loc(NodeID("locked"))
            )), next: "done"),
            node("done", hangup(outcome: "verified")),
            node("again", hangup(outcome: "wrong")),
            node("locked", hangup(outcome: "locked")),
        ])
    }

    func verifySession() -> FlowSession {
        session(verifyFlow(), call: CallInfo(callerNumber: "100", dialled: "200", callID: "c1",
                                             initialVariables: ["card_number": "6222000011112222", "pin": "123456"]))
    }

    func testVerifyVerified() {
        var s = verifySession()
        XCTAssertEqual(s.start(now: at(0)), [.verify(request: 1, method: .card, identifier: "6222000011112222", pin: "123456")])
        XCTAssertEqual(s.handle(.verifyResult(request: 2, .locked), now: at(10)), [], "another request's result")
        XCTAssertEqual(s.handle(.lookupResult(request: 1, nil), now: at(10)), [], "another kind of result")
        XCTAssertEqual(s.handle(.verifyResult(request: 1, .verified(customer: ["name": "Li"])), now: at(300)), [
            step("check", "verify", "verified", ms: 300),
            step("done", "hangup", "verified", at: 300),
            .hangup(outcome: "verified"),
        ])
        XCTAssertEqual(s.variables["customer"], ["name": "Li"])
        XCTAssertEqual(s.variables["verified"], true)
        XCTAssertEqual(s.context.verification, "verified")
        XCTAssertEqual(s.context.verificationMethod, .card)
    }

    func testVerifyWrongPINAndLocked() {
        var wrong = verifySession()
        _ = wrong.start(now: at(0))
        XCTAssertEqual(wrong.handle(.verifyResult(request: 1, .wrongPIN(triesLeft: 2)), now: at(50)), [
            step("check", "verify", "wrong PIN, 2 left", ms: 50),
            step("again", "hangup", "wrong", at: 50),
            .hangup(outcome: "wrong"),
        ])
        XCTAssertEqual(wrong.variables["verified"], false)

        var locked = verifySession()
        _ = locked.start(now: at(0))
        XCTAssertEqual(locked.handle(.verifyResult(request: 1, .locked), now: at(50)), [
            step("check", "verify", "locked", ms: 50),
            step("locked", "hangup", "locked", at: 50),
            .hangup(outcome: "locked"),
        ])

        var unknown = verifySession()
        _ = unknown.start(now: at(0))
        XCTAssertEqual(unknown.handle(.verifyResult(request: 1, .unknownIdentifier), now: at(50)).first,
                       step("check", "verify", "unknown identifier", ms: 50))
        XCTAssertEqual(unknown.outcome, "wrong")
    }

    func testVerifyByCallerIDUsesTheCallerNumber() {
        var s = session(makeFlow(start: "check", [
            node("check", .verify(Verify(method: .callerID, identifier: nil, pin: loc("pin"),
                                         onFailure: loc(NodeID("bye")), onLocked: loc(NodeID("bye")))), next: "bye"),
            node("bye", hangup()),
        ]))
        XCTAssertEqual(s.start(now: at(0)), [.verify(request: 1, method: .callerID, identifier: "13800138000", pin: "")])
    }

    func lookupFlow() -> Flow {
        makeFlow(start: "find", [
            node("find", .lookup(Lookup(record: .balance, key: loc("caller"), variable: loc("account"),
                                        onNotFound: loc(NodeID("nobody")))), next: "bye"),
            node("nobody", hangup(outcome: "unknown-caller")),
            node("bye", hangup(outcome: "self-served")),
        ])
    }

    func createFlow() -> Flow {
        makeFlow(start: "report", [
            node("report", .create(Create(record: .ticket, fields: [("category", loc("broadband")), ("kind", loc("{fault}")),
                                                                     ("summary", loc("reported by {caller}"))],
                                          variable: loc("ticket"), onError: loc(NodeID("failed")))), next: "bye"),
            node("failed", hangup(outcome: "no-ticket")),
            node("bye", hangup(outcome: "self-served")),
        ])
    }

    func testCreateRendersFieldsAndKeepsTheStoredRecord() {
        var created = session(createFlow(), call: CallInfo(callerNumber: "13800138000", dialled: "10000", callID: "c",
                                                           initialVariables: ["fault": "no-connection"]))
        XCTAssertEqual(created.start(now: at(0)), [.create(request: 1, record: .ticket, fields: [
            "category": "broadband", "kind": "no-connection", "summary": "reported by 13800138000"])])
        XCTAssertEqual(created.handle(.created(request: 2, ["number": "10000001"]), now: at(5)), [], "another request's answer")
        XCTAssertEqual(created.handle(.created(request: 1, ["number": "10000001"]), now: at(30)), [
            step("report", "create", "created ticket 10000001", ms: 30),
            step("bye", "hangup", "self-served", at: 30),
            .hangup(outcome: "self-served"),
        ])
        XCTAssertEqual(created.variables["ticket"], ["number": "10000001"])

        var refused = session(createFlow(), call: CallInfo(callerNumber: "1", dialled: "10000", callID: "c",
                                                           initialVariables: ["fault": "slow"]))
        _ = refused.start(now: at(0))
        XCTAssertEqual(refused.handle(.created(request: 1, nil), now: at(10)), [
            step("report", "create", "not created", ms: 10),
            step("failed", "hangup", "no-ticket", at: 10),
            .hangup(outcome: "no-ticket"),
        ])
        XCTAssertNil(refused.variables["ticket"])

        // A variable that was never set renders empty (the store then refuses an empty
        // required field, and the answer is nil: on_error).
        var unset = session(createFlow())
        XCTAssertEqual(unset.start(now: at(0)), [.create(request: 1, record: .ticket, fields: [
            "category": "broadband", "kind": "", "summary": "reported by 13800138000"])])
    }

    func testKeysPressedWhileARequestRunsAnswerTheNextMenu() {
        var s = session(makeFlow(start: "find", [
            node("find", .lookup(Lookup(record: .balance, key: loc("caller"), variable: loc("account"),
                                        onNotFound: loc(NodeID("agent")))), next: "main"),
            node("main", menu(["1": "bye"])),
            node("agent", hangup(outcome: "agent")),
            node("bye", hangup(outcome: "self-served")),
        ]))
        _ = s.start(now: at(0))
        XCTAssertEqual(s.handle(.digit("1"), now: at(10)), [])
        XCTAssertEqual(s.handle(.lookupResult(request: 1, ["balance": 5]), now: at(40)), [
            step("find", "lookup", "found", ms: 40),
            step("main", "menu", "option 1", input: "1", at: 40),
            step("bye", "hangup", "self-served", at: 40),
            .hangup(outcome: "self-served"),
        ])
    }

    func testKeysTypedDuringARequestSkipAPromptThatKeysMayInterrupt() {
        var s = session(makeFlow(start: "find", [
            node("find", .lookup(Lookup(record: .balance, key: loc("caller"), variable: loc("account"),
                                        onNotFound: loc(NodeID("agent")))), next: "notice"),
            node("notice", play("welcome", bargeIn: true), next: "main"),
            node("main", menu(["1": "bye"])),
            node("agent", hangup(outcome: "agent")),
            node("bye", hangup(outcome: "self-served")),
        ]))
        _ = s.start(now: at(0))
        XCTAssertFalse(s.nextKeyIsNotSecret, "a key during a lookup may be the start of a PIN")
        XCTAssertEqual(s.handle(.digit("1"), now: at(10)), [])
        XCTAssertEqual(s.handle(.lookupResult(request: 1, ["balance": 5]), now: at(40)), [
            step("find", "lookup", "found", ms: 40),
            step("notice", "play", "interrupted", at: 40),
            step("main", "menu", "option 1", input: "1", at: 40),
            step("bye", "hangup", "self-served", at: 40),
            .hangup(outcome: "self-served"),
        ])

        // Without type-ahead the prompt plays; the menu then waits for a choice.
        var plain = session(makeFlow(start: "notice", [
            node("notice", play("welcome", bargeIn: true), next: "main"),
            node("main", menu(["1": "bye"])),
            node("agent", hangup(outcome: "agent")),
            node("bye", hangup(outcome: "self-served")),
        ]))
        XCTAssertEqual(plain.start(now: at(0)), [.play([en("welcome")], bargeIn: true)])
        XCTAssertFalse(plain.nextKeyIsNotSecret)
        _ = plain.handle(.playbackFinished, now: at(100))
        XCTAssertTrue(plain.nextKeyIsNotSecret, "a menu's key is a choice")

        for secret in [false, true] {
            var entry = session(makeFlow(start: "number", [
                node("number", collect(into: "n", secret: secret), next: "bye"),
                node("agent", hangup(outcome: "agent")),
                node("bye", hangup(outcome: "self-served")),
            ]))
            _ = entry.start(now: at(0))
            XCTAssertEqual(entry.nextKeyIsNotSecret, !secret, "a key into the collect's prompt is the collect's")
            _ = entry.handle(.playbackFinished, now: at(100))
            XCTAssertEqual(entry.nextKeyIsNotSecret, !secret, "a collect's key is as secret as the collect")
        }
    }

    func testLookupFoundAndNotFound() {
        var found = session(lookupFlow())
        XCTAssertEqual(found.start(now: at(0)), [.lookup(request: 1, record: .balance, key: "13800138000")])
        XCTAssertEqual(found.handle(.lookupResult(request: 1, ["amount": 12.5]), now: at(20)), [
            step("find", "lookup", "found", ms: 20),
            step("bye", "hangup", "self-served", at: 20),
            .hangup(outcome: "self-served"),
        ])
        XCTAssertEqual(found.variables["account"], ["amount": 12.5])

        var missing = session(lookupFlow())
        _ = missing.start(now: at(0))
        XCTAssertEqual(missing.handle(.lookupResult(request: 1, nil), now: at(20)), [
            step("find", "lookup", "not found", ms: 20),
            step("nobody", "hangup", "unknown-caller", at: 20),
            .hangup(outcome: "unknown-caller"),
        ])
    }

    func httpFlow(into: String? = "crm") -> Flow {
        makeFlow(start: "ask", [
            node("ask", .http(HTTPRequest(
                method: "POST", url: loc("https://crm.example.com/customers/{who}/contacts"),
                body: [(key: "channel", template: loc("voice")), (key: "note", template: loc("{note}"))],
                variable: into.map { loc($0) }, timeoutMilliseconds: 3000,
                onError: loc(NodeID("failed")), onTimeout: loc(NodeID("slow")))), next: "ok"),
            node("ok", hangup(outcome: "ok")),
            node("failed", hangup(outcome: "failed")),
            node("slow", hangup(outcome: "slow")),
        ])
    }

    func httpSession(into: String? = "crm") -> FlowSession {
        session(httpFlow(into: into), call: CallInfo(callerNumber: "100", dialled: "200", callID: "c1",
                                                     initialVariables: ["who": "a/b c", "note": "say \"hi\"\n"]))
    }

    let httpRequest: IVRAction = .http(
        request: 1, method: "POST", url: "https://crm.example.com/customers/a%2Fb%20c/contacts",
        jsonBody: #"{"channel":"voice","note":"say \"hi\"\n"}"#, timeoutMilliseconds: 3000)

    func testHTTP200StoresTheBody() {
        var s = httpSession()
        XCTAssertEqual(s.start(now: at(1000)), [httpRequest, .startTimer(.http(1), at: at(4000))])
        XCTAssertEqual(s.handle(.httpResult(request: 1, .response(status: 200, body: ["tier": "gold"])), now: at(1200)), [
            .cancelTimer(.http(1)),
            step("ask", "http", "http 200", at: 1000, ms: 200),
            step("ok", "hangup", "ok", at: 1200),
            .hangup(outcome: "ok"),
        ])
        XCTAssertEqual(s.variables["crm"], ["tier": "gold"])

        var unnamed = httpSession(into: nil)
        _ = unnamed.start(now: at(0))
        _ = unnamed.handle(.httpResult(request: 1, .response(status: 204, body: nil)), now: at(10))
        XCTAssertEqual(unnamed.variables["http"], .null)
    }

    func testHTTP500AndFailureGoToOnError() {
        var s = httpSession()
        _ = s.start(now: at(0))
        XCTAssertEqual(s.handle(.httpResult(request: 1, .response(status: 500, body: nil)), now: at(100)), [
            .cancelTimer(.http(1)),
            step("ask", "http", "http 500", ms: 100),
            step("failed", "hangup", "failed", at: 100),
            .hangup(outcome: "failed"),
        ])

        var refused = httpSession()
        _ = refused.start(now: at(0))
        XCTAssertEqual(refused.handle(.httpResult(request: 1, .failed("connection refused")), now: at(5)).prefix(2), [
            .cancelTimer(.http(1)), step("ask", "http", "error: connection refused", ms: 5),
        ])
        XCTAssertEqual(refused.outcome, "failed")

        var timedOut = httpSession()
        _ = timedOut.start(now: at(0))
        _ = timedOut.handle(.httpResult(request: 1, .timedOut), now: at(2900))
        XCTAssertEqual(timedOut.outcome, "slow")
    }

    func testHTTPGuardTimerWinsAndTheLateResultIsIgnored() {
        var s = httpSession()
        _ = s.start(now: at(0))
        XCTAssertEqual(s.handle(.timer(.http(1)), now: at(3000)), [
            step("ask", "http", "timeout", ms: 3000),
            step("slow", "hangup", "slow", at: 3000),
            .hangup(outcome: "slow"),
        ])
        XCTAssertEqual(s.handle(.httpResult(request: 1, .response(status: 200, body: nil)), now: at(3100)), [])
        XCTAssertNil(s.variables["crm"])
    }

    func testLateHTTPResultIgnoredWhileTheNextNodeWaits() {
        var s = session(makeFlow(start: "ask", [
            node("ask", .http(HTTPRequest(method: "GET", url: loc("https://x.example/"), body: [], variable: nil,
                                          timeoutMilliseconds: 1000, onError: loc(NodeID("menu")),
                                          onTimeout: loc(NodeID("menu")))), next: "menu"),
            node("menu", menu(["1": "bye"])),
            node("bye", hangup()),
            node("agent", transfer()),
        ]))
        XCTAssertEqual(s.start(now: at(0)), [
            .http(request: 1, method: "GET", url: "https://x.example/", jsonBody: nil, timeoutMilliseconds: 1000),
            .startTimer(.http(1), at: at(1000)),
        ])
        XCTAssertEqual(s.handle(.timer(.http(1)), now: at(1000)), [
            step("ask", "http", "timeout", ms: 1000), .play([en("menu")], bargeIn: true),
        ])
        XCTAssertEqual(s.handle(.httpResult(request: 1, .response(status: 200, body: nil)), now: at(1100)), [])
        XCTAssertEqual(s.handle(.timer(.http(1)), now: at(1200)), [], "a timer no longer running")
    }

    func testCallerHangsUpMidHTTP() {
        var s = httpSession()
        _ = s.start(now: at(0))
        XCTAssertEqual(s.handle(.callerHungUp, now: at(700)), [
            .cancelTimer(.http(1)), step("ask", "http", "caller hung up", ms: 700),
        ])
        XCTAssertEqual(s.outcome, "abandoned at ask")
        XCTAssertEqual(s.handle(.httpResult(request: 1, .timedOut), now: at(800)), [])
    }

    func testVoicemailAndCallback() {
        let flow = makeFlow(start: "message", [
            node("message", .voicemail(Voicemail(prompt: loc("beep"), maximumSeconds: 120)), next: "offer"),
            node("offer", .callback(Callback(prompt: loc("callme"), number: loc("caller"),
                                             preferredTime: loc("'18:00'"))), next: "bye"),
            node("bye", hangup(outcome: "message")),
        ])
        var s = session(flow)
        XCTAssertEqual(s.start(now: at(0)), [.play([en("beep")], bargeIn: false)])
        XCTAssertEqual(s.handle(.digit("1"), now: at(100)), [])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(2000)), [.recordVoicemail(request: 1, maximumSeconds: 120)])
        XCTAssertEqual(s.handle(.stored(request: 1, id: "vm-7"), now: at(30000)), [
            step("message", "voicemail", "stored", ms: 30000),
            .play([en("callme")], bargeIn: false),
        ])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(31000)), [
            .storeCallback(request: 2, number: "13800138000", preferredTime: "18:00"),
        ])
        XCTAssertEqual(s.handle(.stored(request: 2, id: "cb-3"), now: at(31100)), [
            step("offer", "callback", "stored", at: 30000, ms: 1100),
            step("bye", "hangup", "message", at: 31100),
            .hangup(outcome: "message"),
        ])
        XCTAssertEqual(s.variables["voicemail"], "vm-7")
        XCTAssertEqual(s.variables["callback"], "cb-3")
    }
}
