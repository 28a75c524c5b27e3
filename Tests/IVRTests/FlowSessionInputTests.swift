import HotlineModel
@testable import IVR
import XCTest

/// Menus and collects: keys, retries, timeouts, barge-in and type-ahead.
final class FlowSessionInputTests: XCTestCase {
    func menuFlow(tries: Int = 3, bargeIn: Bool = true) -> Flow {
        makeFlow(start: "main", [
            node("main", menu(["1": "balance", "0": "agent"], tries: tries, bargeIn: bargeIn)),
            node("balance", hangup(outcome: "self-served")),
            node("agent", transfer()),
        ])
    }

    func testMenuOptionAfterThePrompt() {
        var s = session(menuFlow())
        XCTAssertEqual(s.start(now: at(0)), [.play([en("menu")], bargeIn: true)])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(3000)), [.startTimer(.noInput, at: at(8000))])
        XCTAssertEqual(s.handle(.digit("1"), now: at(4000)), [
            .cancelTimer(.noInput),
            step("main", "menu", "option 1", input: "1", ms: 4000),
            step("balance", "hangup", "self-served", at: 4000),
            .hangup(outcome: "self-served"),
        ])
    }

    func testMenuBargeInDuringThePrompt() {
        var s = session(menuFlow())
        _ = s.start(now: at(0))
        XCTAssertEqual(s.handle(.digit("1"), now: at(1000)), [
            .stopPlayback,
            step("main", "menu", "option 1", input: "1", ms: 1000),
            step("balance", "hangup", "self-served", at: 1000),
            .hangup(outcome: "self-served"),
        ])
    }

    func testMenuWithoutBargeInIgnoresKeysDuringThePrompt() {
        var s = session(menuFlow(bargeIn: false))
        XCTAssertEqual(s.start(now: at(0)), [.play([en("menu")], bargeIn: false)])
        XCTAssertEqual(s.handle(.digit("1"), now: at(1000)), [])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(2000)), [.startTimer(.noInput, at: at(7000))])
    }

    func testMenuInvalidKeyTimeoutAndRepeatThenFailure() {
        var s = session(menuFlow(tries: 3))
        _ = s.start(now: at(0))
        _ = s.handle(.playbackFinished, now: at(1000))
        // Wrong key: try 1.
        XCTAssertEqual(s.handle(.digit("7"), now: at(2000)), [
            .cancelTimer(.noInput), .play([en("invalid"), en("menu")], bargeIn: true),
        ])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(3000)), [.startTimer(.noInput, at: at(8000))])
        // Repeat key: no try counted.
        XCTAssertEqual(s.handle(.digit("*"), now: at(4000)), [.cancelTimer(.noInput), .play([en("menu")], bargeIn: true)])
        // Repeat during the prompt stops it first.
        XCTAssertEqual(s.handle(.digit("*"), now: at(4500)), [.stopPlayback, .play([en("menu")], bargeIn: true)])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(5000)), [.startTimer(.noInput, at: at(10000))])
        // A stale timer event for a cancelled timer is ignored.
        XCTAssertEqual(s.handle(.timer(.interDigit), now: at(6000)), [])
        // Timeout: try 2.
        XCTAssertEqual(s.handle(.timer(.noInput), now: at(10000)), [.play([en("noinput"), en("menu")], bargeIn: true)])
        // Wrong key during the prompt: try 3, the last.
        XCTAssertEqual(s.handle(.digit("#"), now: at(11000)), [
            .stopPlayback,
            step("main", "menu", "invalid", input: "#", ms: 11000),
            step("agent", "transfer", "queue general", at: 11000),
            .transfer(TransferRequest(queue: "general", skills: [], priority: 5, holdPrompt: [], reason: nil,
                                      context: IVRContext(path: ["main", "agent"], variables: s.variables,
                                                          verification: nil, verificationMethod: nil))),
        ])
    }

    func testMenuTimeoutsExhaustTries() {
        var s = session(menuFlow(tries: 2))
        _ = s.start(now: at(0))
        _ = s.handle(.playbackFinished, now: at(1000))
        XCTAssertEqual(s.handle(.timer(.noInput), now: at(6000)), [.play([en("noinput"), en("menu")], bargeIn: true)])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(7000)), [.startTimer(.noInput, at: at(12000))])
        let actions = s.handle(.timer(.noInput), now: at(12000))
        XCTAssertEqual(actions.first, step("main", "menu", "timeout", ms: 12000))
        XCTAssertEqual(s.outcome, "transferred to general")
    }

    func testBargeInKeyIsTypeAheadForTheNextMenu() {
        var s = session(makeFlow(start: "intro", [
            node("intro", play("welcome", bargeIn: true), next: "main"),
            node("main", menu(["1": "balance"])),
            node("balance", hangup("bye", outcome: "self-served")),
            node("agent", transfer()),
        ]))
        XCTAssertEqual(s.start(now: at(0)), [.play([en("welcome")], bargeIn: true)])
        XCTAssertEqual(s.handle(.digit("1"), now: at(900)), [
            .stopPlayback,
            step("intro", "play", "interrupted", ms: 900),
            step("main", "menu", "option 1", input: "1", at: 900),
            .play([en("bye")], bargeIn: false),
        ])
    }

    func testTypeAheadInvalidForTheMenuCountsATry() {
        var s = session(makeFlow(start: "intro", [
            node("intro", play("welcome", bargeIn: true), next: "main"),
            node("main", menu(["1": "balance"])),
            node("balance", hangup()),
            node("agent", transfer()),
        ]))
        _ = s.start(now: at(0))
        XCTAssertEqual(s.handle(.digit("5"), now: at(900)), [
            .stopPlayback,
            step("intro", "play", "interrupted", ms: 900),
            .play([en("invalid"), en("menu")], bargeIn: true),
        ])
    }

    // MARK: Collect

    func collectFlow(min: Int = 4, max: Int = 6, terminator: Character? = "#", secret: Bool = false, tries: Int = 3) -> Flow {
        makeFlow(start: "ask", [
            node("ask", collect(min: min, max: max, terminator: terminator, secret: secret, tries: tries), next: "done"),
            node("done", hangup()),
            node("agent", transfer()),
        ])
    }

    func testCollectEndsAtTheTerminator() {
        var s = session(collectFlow())
        XCTAssertEqual(s.start(now: at(0)), [.play([en("enter")], bargeIn: true)])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(2000)), [.startTimer(.noInput, at: at(10000))])
        XCTAssertEqual(s.handle(.digit("1"), now: at(3000)), [.cancelTimer(.noInput), .startTimer(.interDigit, at: at(7000))])
        XCTAssertEqual(s.handle(.digit("2"), now: at(3500)), [.startTimer(.interDigit, at: at(7500))])
        _ = s.handle(.digit("3"), now: at(4000))
        _ = s.handle(.digit("4"), now: at(4500))
        XCTAssertEqual(s.handle(.digit("#"), now: at(5000)), [
            .cancelTimer(.interDigit),
            step("ask", "collect", "collected", input: "1234", ms: 5000),
            step("done", "hangup", "hung up", at: 5000),
            .hangup(outcome: nil),
        ])
        XCTAssertEqual(s.variables["pin"], "1234")
    }

    func testCollectEndsAtTheMaximumWithDigitsDuringThePrompt() {
        var s = session(collectFlow(min: 2, max: 3, terminator: nil))
        _ = s.start(now: at(0))
        XCTAssertEqual(s.handle(.digit("9"), now: at(100)), [.stopPlayback, .startTimer(.interDigit, at: at(4100))])
        _ = s.handle(.digit("8"), now: at(200))
        XCTAssertEqual(s.handle(.digit("7"), now: at(300)), [
            .cancelTimer(.interDigit),
            step("ask", "collect", "collected", input: "987", ms: 300),
            step("done", "hangup", "hung up", at: 300),
            .hangup(outcome: nil),
        ])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(400)), [], "a finished session ignores events")
    }

    func testCollectTooShortCountsATryAndStartsAgain() {
        var s = session(collectFlow(min: 4))
        _ = s.start(now: at(0))
        _ = s.handle(.playbackFinished, now: at(1000))
        _ = s.handle(.digit("1"), now: at(1500))
        XCTAssertEqual(s.handle(.digit("#"), now: at(2000)), [
            .cancelTimer(.interDigit), .play([en("invalid"), en("enter")], bargeIn: true),
        ])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(3000)), [.startTimer(.noInput, at: at(11000))])
        for (i, key) in "5678".enumerated() { _ = s.handle(.digit(key), now: at(4000 + Int64(i) * 100)) }
        XCTAssertEqual(s.handle(.digit("#"), now: at(5000)).dropLast(2), [
            .cancelTimer(.interDigit), step("ask", "collect", "collected", input: "5678", ms: 5000),
        ])
        XCTAssertEqual(s.variables["pin"], "5678", "the first try's digit is not kept")
    }

    func testCollectInterDigitTimeoutEndsTheEntry() {
        var s = session(collectFlow(min: 2))
        _ = s.start(now: at(0))
        _ = s.handle(.playbackFinished, now: at(1000))
        _ = s.handle(.digit("4"), now: at(2000))
        _ = s.handle(.digit("2"), now: at(2500))
        XCTAssertEqual(s.handle(.timer(.interDigit), now: at(6500)), [
            step("ask", "collect", "collected", input: "42", ms: 6500),
            step("done", "hangup", "hung up", at: 6500),
            .hangup(outcome: nil),
        ])
    }

    func testCollectInterDigitTimeoutTooShortAndFirstDigitTimeoutExhaustTries() {
        var s = session(collectFlow(min: 4, tries: 2))
        _ = s.start(now: at(0))
        _ = s.handle(.playbackFinished, now: at(1000))
        _ = s.handle(.digit("4"), now: at(2000))
        XCTAssertEqual(s.handle(.timer(.interDigit), now: at(6000)), [.play([en("invalid"), en("enter")], bargeIn: true)])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(7000)), [.startTimer(.noInput, at: at(15000))])
        let actions = s.handle(.timer(.noInput), now: at(15000))
        XCTAssertEqual(actions.first, step("ask", "collect", "timeout", ms: 15000))
        XCTAssertEqual(s.outcome, "transferred to general")
    }

    func testSecretCollectPausesRecordingAndMasksWhateverTheWayOut() {
        // Success is covered by FlowSessionTests.testTransferCarriesContextWithSecretsMasked.
        var failing = session(collectFlow(min: 4, secret: true, tries: 1))
        XCTAssertEqual(failing.start(now: at(0)), [.pauseRecording, .play([en("enter")], bargeIn: true)])
        _ = failing.handle(.digit("1"), now: at(500))
        let actions = failing.handle(.digit("#"), now: at(600))
        XCTAssertEqual(Array(actions.prefix(3)), [
            .cancelTimer(.interDigit), .resumeRecording, step("ask", "collect", "invalid", input: "******", ms: 600),
        ])

        var hungUp = session(collectFlow(secret: true))
        _ = hungUp.start(now: at(0))
        _ = hungUp.handle(.playbackFinished, now: at(1000))
        _ = hungUp.handle(.digit("1"), now: at(1500))
        XCTAssertEqual(hungUp.handle(.callerHungUp, now: at(2000)), [
            .cancelTimer(.interDigit), .resumeRecording, step("ask", "collect", "caller hung up", ms: 2000),
        ])
        XCTAssertEqual(hungUp.outcome, "abandoned at ask")
    }
}
