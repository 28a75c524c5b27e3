import HotlineModel
@testable import IVR
import XCTest

// MARK: Building flows without YAML

let here = SourceLocation(file: "flows/main.yaml", line: 1, column: 1)

func loc<T>(_ value: T) -> Located<T> { Located(value, at: here) }

func at(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: ms) }

/// Every test prompt says its name: `en:menu` in English, `zh:menu` in Chinese; `music`
/// is a file and `hello` a template.
func testPrompts() -> [String: PromptDefinition] {
    var prompts: [String: PromptDefinition] = [:]
    for name in ["welcome", "menu", "invalid", "noinput", "enter", "bye", "wait", "choose", "beep", "callme", "pin"] {
        prompts[name] = PromptDefinition(name: name, location: here, sources: [
            .enUS: loc(.text("en:\(name)")), .zhCN: loc(.text("zh:\(name)")),
        ])
    }
    prompts["music"] = PromptDefinition(name: "music", location: here, sources: [
        .enUS: loc(.file("prompts/music.wav")), .zhCN: loc(.file("prompts/music.wav")),
    ])
    prompts["hello"] = PromptDefinition(name: "hello", location: here, sources: [
        .enUS: loc(.text("Hello {caller}")), .zhCN: loc(.text("您好{caller}")),
    ])
    return prompts
}

func node(_ id: String, _ kind: FlowNode.Kind, next: String? = nil) -> FlowNode {
    FlowNode(id: NodeID(id), location: here, kind: kind, next: next.map { loc(NodeID($0)) })
}

func makeFlow(_ name: String = "main", language: Language = .enUS, start: String, _ nodes: [FlowNode]) -> Flow {
    Flow(name: name, file: "flows/\(name).yaml", language: language, start: loc(NodeID(start)), prompts: testPrompts(),
         nodes: Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) }), order: nodes.map(\.id))
}

func play(_ names: String..., bargeIn: Bool = false) -> FlowNode.Kind {
    .play(Play(prompts: names.map { loc($0) }, bargeIn: bargeIn))
}

func hangup(_ prompt: String? = nil, outcome: String? = nil) -> FlowNode.Kind {
    .hangup(Hangup(prompt: prompt.map { loc($0) }, outcome: outcome))
}

func menu(_ options: [String: String], tries: Int = 3, timeout: Int = 5000, bargeIn: Bool = true,
          repeatKey: String? = "*", invalid: String? = "invalid", noInput: String? = "noinput",
          onFailure: String = "agent") -> FlowNode.Kind {
    .menu(Menu(prompt: loc("menu"),
               options: Dictionary(uniqueKeysWithValues: options.map { (loc($0.key), loc(NodeID($0.value))) }),
               timeoutMilliseconds: timeout, tries: tries, invalidPrompt: invalid.map { loc($0) },
               timeoutPrompt: noInput.map { loc($0) }, bargeIn: bargeIn, repeatKey: repeatKey.map { loc($0) },
               onFailure: loc(NodeID(onFailure))))
}

func collect(into variable: String = "pin", min: Int = 4, max: Int = 6, terminator: Character? = "#",
             firstDigit: Int = 8000, interDigit: Int = 4000, secret: Bool = false, tries: Int = 3,
             onFailure: String = "agent") -> FlowNode.Kind {
    .collect(Collect(prompt: loc("enter"), variable: loc(variable), minimumLength: min, maximumLength: max,
                     terminator: terminator, firstDigitTimeoutMilliseconds: firstDigit,
                     interDigitTimeoutMilliseconds: interDigit, secret: secret, tries: tries,
                     invalidPrompt: loc("invalid"), timeoutPrompt: loc("noinput"), onFailure: loc(NodeID(onFailure))))
}

func transfer(_ queue: String = "general", prompt: String? = nil, reason: String? = nil) -> FlowNode.Kind {
    .transfer(Transfer(queue: loc(queue), skills: [], priority: 5, prompt: prompt.map { loc($0) },
                       reason: reason.map { loc($0) }))
}

func en(_ name: String) -> SpokenItem { .text("en:\(name)", .enUS) }
func zh(_ name: String) -> SpokenItem { .text("zh:\(name)", .zhCN) }

func step(_ node: String, _ kind: String, _ outcome: String, input: String? = nil, flow: String = "main",
          at start: Int64 = 0, ms: Int64 = 0) -> IVRAction {
    .step(IVRStep(flow: flow, node: NodeID(node), kind: kind, input: input, outcome: outcome,
                  startedAt: at(start), milliseconds: ms))
}

let caller = CallInfo(callerNumber: "13800138000", dialled: "95500", callID: "call-1")

func session(_ flow: Flow, subflows: [String: Flow] = [:], call: CallInfo = caller) -> FlowSession {
    FlowSession(flow: flow, subflows: subflows, call: call)
}

// MARK: Prompts, decisions, the end of a call

final class FlowSessionTests: XCTestCase {
    func testPlayThenHangupWithGoodbye() {
        var s = session(makeFlow(start: "intro", [
            node("intro", play("welcome", "music"), next: "bye"),
            node("bye", hangup("bye", outcome: "self-served")),
        ]))
        XCTAssertEqual(s.start(now: at(0)), [.play([en("welcome"), .file("flows/prompts/music.wav")], bargeIn: false)])
        XCTAssertEqual(s.handle(.digit("1"), now: at(500)), [], "no barge-in: the key is ignored")
        XCTAssertEqual(s.handle(.playbackFinished, now: at(3000)), [
            step("intro", "play", "played", ms: 3000),
            .play([en("bye")], bargeIn: false),
        ])
        XCTAssertFalse(s.isFinished)
        XCTAssertEqual(s.handle(.playbackFinished, now: at(4000)), [
            step("bye", "hangup", "self-served", at: 3000, ms: 1000),
            .hangup(outcome: "self-served"),
        ])
        XCTAssertTrue(s.isFinished)
        XCTAssertEqual(s.outcome, "self-served")
        XCTAssertEqual(s.path, ["intro", "bye"])
        XCTAssertEqual(s.handle(.callerHungUp, now: at(4100)), [])
        XCTAssertEqual(s.outcome, "self-served")
    }

    func testHangupWithoutPromptEndsAtOnce() {
        var s = session(makeFlow(start: "bye", [node("bye", hangup())]))
        XCTAssertEqual(s.start(now: at(7)), [step("bye", "hangup", "hung up", at: 7), .hangup(outcome: nil)])
        XCTAssertEqual(s.start(now: at(8)), [], "a session starts once")
        XCTAssertNil(s.outcome)
        XCTAssertTrue(s.isFinished)
    }

    func testTemplatePromptUsesVariables() {
        var s = session(makeFlow(start: "hi", [node("hi", play("hello"), next: "bye"), node("bye", hangup())]))
        XCTAssertEqual(s.start(now: at(0)), [.play([.text("Hello 13800138000", .enUS)], bargeIn: false)])
    }

    func testSayRendersValuesInTheCallLanguage() {
        let say = Say(items: [
            .prompt(loc("welcome")),
            .number(loc("40 + 2")),
            .number(loc("-3.25")),
            .digits(loc("'95500'")),
            .money(loc("1234.5"), currency: "CNY"),
            .date(loc("'2026-11-25'")),
            .time(loc("'14:30'")),
            .text(loc("Call {dialled} again")),
            .date(loc("'2026-02-30'")),  // no such day: left out
        ], bargeIn: false)
        var english = session(makeFlow(start: "tell", [node("tell", .say(say), next: "bye"), node("bye", hangup())]))
        XCTAssertEqual(english.start(now: at(0)), [.play([
            en("welcome"),
            .text("forty-two", .enUS),
            .text("minus three point two five", .enUS),
            .text("nine five five zero zero", .enUS),
            .text("one thousand two hundred thirty-four yuan and fifty fen", .enUS),
            .text("November twenty-fifth, twenty twenty-six", .enUS),
            .text("two thirty p.m.", .enUS),
            .text("Call 95500 again", .enUS),
        ], bargeIn: false)])

        var chinese = session(makeFlow(language: .zhCN, start: "tell", [node("tell", .say(say), next: "bye"), node("bye", hangup())]))
        XCTAssertEqual(chinese.start(now: at(0)), [.play([
            zh("welcome"),
            .text("四十二", .zhCN),
            .text("负三点二五", .zhCN),
            .text("九 五 五 零 零", .zhCN),
            .text("一千二百三十四元五角", .zhCN),
            .text("二零二六年十一月二十五日", .zhCN),
            .text("下午两点三十分", .zhCN),
            .text("Call 95500 again", .zhCN),
        ], bargeIn: false)])
    }

    func testSetEvaluatesInOrderAndBranchTakesTheFirstTrueCase() {
        let flow = makeFlow(start: "compute", [
            node("compute", .set([
                Assignment(variable: loc("x"), expression: loc("3 - 1")),
                Assignment(variable: loc("y"), expression: loc("x * 2")),
            ]), next: "decide"),
            node("decide", .branch(Branch(cases: [
                (condition: loc("y > 10"), node: loc(NodeID("big"))),
                (condition: loc("y == 4"), node: loc(NodeID("four"))),
            ], otherwise: loc(NodeID("big"))))),
            node("big", hangup(outcome: "big")),
            node("four", hangup(outcome: "four")),
        ])
        var s = session(flow)
        XCTAssertEqual(s.start(now: at(5)), [
            step("compute", "set", "set", at: 5),
            step("decide", "branch", "if y == 4", at: 5),
            step("four", "hangup", "four", at: 5),
            .hangup(outcome: "four"),
        ])
        XCTAssertEqual(s.variables["x"], 2)
        XCTAssertEqual(s.variables["y"], 4)
    }

    func testSetAndBranchErrors() {
        let flow = makeFlow(start: "compute", [
            node("compute", .set([
                Assignment(variable: loc("bad"), expression: loc("'a' < 3")),
                Assignment(variable: loc("good"), expression: loc("1")),
            ]), next: "decide"),
            node("decide", .branch(Branch(cases: [
                (condition: loc("balance > 0"), node: loc(NodeID("rich"))),
            ], otherwise: loc(NodeID("poor"))))),
            node("rich", hangup(outcome: "rich")),
            node("poor", hangup(outcome: "poor")),
        ])
        var s = session(flow)
        let actions = s.start(now: at(0))
        XCTAssertEqual(actions.count, 4)
        guard case .step(let setStep) = actions[0], case .step(let branchStep) = actions[1] else {
            return XCTFail("expected steps, got \(actions)")
        }
        XCTAssertTrue(setStep.outcome.hasPrefix("error: bad: "), setStep.outcome)
        XCTAssertTrue(branchStep.outcome.hasPrefix("error: "), branchStep.outcome)
        XCTAssertEqual(Array(actions[2...]), [step("poor", "hangup", "poor"), .hangup(outcome: "poor")])
        XCTAssertEqual(s.variables["bad"], .null)
        XCTAssertEqual(s.variables["good"], 1)
    }

    func testLoopGuardHangsUpAfterAThousandNodes() {
        let flow = makeFlow(start: "a", [
            node("a", .set([Assignment(variable: loc("n"), expression: loc("1"))]), next: "b"),
            node("b", .branch(Branch(cases: [], otherwise: loc(NodeID("a"))))),
        ])
        var s = session(flow)
        let actions = s.start(now: at(0))
        XCTAssertEqual(actions.count, 1001)
        XCTAssertEqual(actions.first, step("a", "set", "set"))
        XCTAssertEqual(actions[999], step("b", "branch", "otherwise"))
        XCTAssertEqual(actions.last, .hangup(outcome: "loop"))
        XCTAssertEqual(s.outcome, "loop")
        XCTAssertTrue(s.isFinished)
        XCTAssertEqual(s.path.count, 1000)
    }

    func testCallerHangsUpMidPrompt() {
        var s = session(makeFlow(start: "main", [node("main", menu(["1": "bye"])), node("bye", hangup()), node("agent", transfer())]))
        XCTAssertEqual(s.start(now: at(1000)), [.play([en("menu")], bargeIn: true)])
        XCTAssertEqual(s.handle(.callerHungUp, now: at(2500)), [step("main", "menu", "caller hung up", at: 1000, ms: 1500)])
        XCTAssertTrue(s.isFinished)
        XCTAssertEqual(s.outcome, "abandoned at main")
        XCTAssertEqual(s.handle(.playbackFinished, now: at(2600)), [])
        XCTAssertEqual(s.handle(.digit("1"), now: at(2700)), [])
    }

    func testCallerHangsUpBeforeStart() {
        var s = session(makeFlow(start: "bye", [node("bye", hangup())]))
        XCTAssertEqual(s.handle(.callerHungUp, now: at(0)), [])
        XCTAssertTrue(s.isFinished)
        XCTAssertEqual(s.start(now: at(1)), [])
        XCTAssertEqual(s.outcome, "abandoned before the flow started")
    }

    func testSubflowRunsAndReturnsToNext() {
        let pin = makeFlow("pin", start: "ask", [
            node("ask", play("pin"), next: "back"),
            node("back", .return),
        ])
        let main = makeFlow(start: "get_pin", [
            node("get_pin", .subflow(Subflow(flow: loc("pin"))), next: "bye"),
            node("bye", hangup("bye", outcome: "done")),
        ])
        var s = session(main, subflows: ["pin": pin])
        XCTAssertEqual(s.start(now: at(0)), [
            step("get_pin", "subflow", "entered pin"),
            .play([en("pin")], bargeIn: false),
        ])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(100)), [
            step("ask", "play", "played", flow: "pin", ms: 100),
            step("back", "return", "returned", flow: "pin", at: 100),
            .play([en("bye")], bargeIn: false),
        ])
        XCTAssertEqual(s.path, ["get_pin", "ask", "back", "bye"])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(200)), [
            step("bye", "hangup", "done", at: 100, ms: 100), .hangup(outcome: "done"),
        ])
    }

    func testReturnInTheMainFlowHangsUp() {
        var s = session(makeFlow(start: "r", [node("r", .return)]))
        XCTAssertEqual(s.start(now: at(0)), [step("r", "return", "returned"), .hangup(outcome: nil)])
        XCTAssertTrue(s.isFinished)
    }

    func testUnknownSubflowEndsWithAnError() {
        var s = session(makeFlow(start: "sub", [node("sub", .subflow(Subflow(flow: loc("gone"))), next: "bye"), node("bye", hangup())]))
        XCTAssertEqual(s.start(now: at(0)), [
            step("sub", "subflow", "error: flow 'gone' is not loaded"), .hangup(outcome: "error"),
        ])
        XCTAssertEqual(s.outcome, "error")
    }

    func testTransferCarriesContextWithSecretsMasked() {
        let flow = makeFlow(start: "ask", [
            node("ask", collect(min: 4, max: 4, secret: true), next: "agent"),
            node("agent", .transfer(Transfer(queue: loc("cards"), skills: [loc("cards"), loc("english")], priority: 2,
                                             prompt: loc("wait"), reason: loc("card call from {caller}")))),
        ])
        var s = session(flow, call: CallInfo(callerNumber: "100", dialled: "200", callID: "c9", initialVariables: ["vip": true]))
        XCTAssertEqual(s.start(now: at(0)), [.pauseRecording, .play([en("enter")], bargeIn: true)])
        XCTAssertEqual(s.handle(.playbackFinished, now: at(1000)), [.startTimer(.noInput, at: at(9000))])
        _ = s.handle(.digit("1"), now: at(1100))
        _ = s.handle(.digit("2"), now: at(1200))
        _ = s.handle(.digit("3"), now: at(1300))
        let actions = s.handle(.digit("4"), now: at(1400))
        let context = IVRContext(
            path: ["ask", "agent"],
            variables: ["caller": "100", "dialled": "200", "call": ["id": "c9"], "language": "en-US", "vip": true, "pin": "******"],
            verification: nil, verificationMethod: nil)
        XCTAssertEqual(actions, [
            .cancelTimer(.interDigit),
            .resumeRecording,
            step("ask", "collect", "collected", input: "******", ms: 1400),
            .play([en("wait")], bargeIn: false),
            step("agent", "transfer", "queue cards", at: 1400),
            .transfer(TransferRequest(queue: "cards", skills: ["cards", "english"], priority: 2, holdPrompt: [en("wait")],
                                      reason: "card call from 100", context: context)),
        ])
        XCTAssertEqual(s.variables["pin"], "1234", "the flow itself sees the secret")
        XCTAssertEqual(s.outcome, "transferred to cards")
        XCTAssertTrue(s.isFinished)
    }

    func testLanguageChoiceChangesLaterPrompts() {
        let choice = LanguageChoice(prompt: loc("choose"), options: [loc("1"): .zhCN, loc("2"): .enUS],
                                    timeoutMilliseconds: 4000, fallback: .zhCN)
        let flow = makeFlow(language: .zhCN, start: "choose", [
            node("choose", .language(choice), next: "bye"),
            node("bye", hangup("bye")),
        ])
        var s = session(flow)
        // The choice is offered in each language it offers, each in its own voice.
        XCTAssertEqual(s.start(now: at(0)), [.play([zh("choose"), en("choose")], bargeIn: true)])
        XCTAssertEqual(s.handle(.digit("2"), now: at(800)), [
            .stopPlayback,
            step("choose", "language", "language en-US", input: "2", ms: 800),
            .play([en("bye")], bargeIn: false),
        ])
        XCTAssertEqual(s.language, .enUS)
        XCTAssertEqual(s.variables["language"], "en-US")

        var timeout = session(makeFlow(language: .enUS, start: "choose", [
            node("choose", .language(choice), next: "bye"), node("bye", hangup("bye")),
        ]))
        XCTAssertEqual(timeout.start(now: at(0)), [.play([zh("choose"), en("choose")], bargeIn: true)])
        XCTAssertEqual(timeout.handle(.playbackFinished, now: at(2000)), [.startTimer(.noInput, at: at(6000))])
        XCTAssertEqual(timeout.handle(.timer(.noInput), now: at(6000)), [
            step("choose", "language", "timeout", ms: 6000),
            .play([zh("bye")], bargeIn: false),
        ])
        XCTAssertEqual(timeout.language, .zhCN)

        var other = session(makeFlow(language: .enUS, start: "choose", [
            node("choose", .language(choice), next: "bye"), node("bye", hangup("bye")),
        ]))
        _ = other.start(now: at(0))
        _ = other.handle(.playbackFinished, now: at(2000))
        XCTAssertEqual(other.handle(.digit("9"), now: at(2500)), [
            .cancelTimer(.noInput),
            step("choose", "language", "invalid", input: "9", ms: 2500),
            .play([zh("bye")], bargeIn: false),
        ])
    }

    func testHoursAcrossTheUTCPlus8Offset() {
        let hours = Hours(utcOffsetMinutes: 480, zoneName: "Asia/Shanghai", open: [
            Hours.Span(weekdays: [1, 2, 3, 4, 5], from: 8 * 60, to: 20 * 60),
            Hours.Span(weekdays: [6, 7], from: 9 * 60, to: 17 * 60),
        ], holidays: [loc("2026-10-01"), loc("2026-10-02")],
        whenOpen: loc(NodeID("open")), whenClosed: loc(NodeID("closed")), onHoliday: loc(NodeID("holiday")))
        let flow = makeFlow(start: "when", [
            node("when", .hours(hours)),
            node("open", hangup(outcome: "open")),
            node("closed", hangup(outcome: "closed")),
            node("holiday", hangup(outcome: "holiday")),
        ])
        func outcome(_ ms: Int64) -> String? {
            var s = session(flow)
            _ = s.start(now: at(ms))
            return s.outcome
        }
        XCTAssertEqual(outcome(1_790_643_600_000), "open", "Tue 01:00 UTC is Tue 09:00 in Shanghai")
        XCTAssertEqual(outcome(1_790_639_940_000), "closed", "Mon 23:59 UTC is Tue 07:59 in Shanghai")
        XCTAssertEqual(outcome(1_790_685_000_000), "closed", "Tue 12:30 UTC is 20:30: 'to' is exclusive")
        XCTAssertEqual(outcome(1_790_811_000_000), "holiday", "Wed 30 Sep 23:30 UTC is 1 Oct 07:30 in Shanghai")
        XCTAssertEqual(outcome(1_790_960_400_000), "closed", "Fri 17:00 UTC is Sat 01:00")
        XCTAssertEqual(outcome(1_790_992_800_000), "open", "Sat 02:00 UTC is Sat 10:00")

        var s = session(flow)
        XCTAssertEqual(s.start(now: at(1_790_811_000_000)), [
            step("when", "hours", "holiday", at: 1_790_811_000_000),
            step("holiday", "hangup", "holiday", at: 1_790_811_000_000),
            .hangup(outcome: "holiday"),
        ])

        var noHolidayNode = hours
        noHolidayNode.onHoliday = nil
        var t = session(makeFlow(start: "when", [
            node("when", .hours(noHolidayNode)), node("open", hangup(outcome: "open")), node("closed", hangup(outcome: "closed")),
        ]))
        _ = t.start(now: at(1_790_811_000_000))
        XCTAssertEqual(t.outcome, "closed", "without on_holiday a holiday is closed")
    }

    func testLocalTimeBeforeAndAfterTheEpoch() {
        let epoch = LocalTime(at(0), utcOffsetMinutes: 0)
        XCTAssertEqual([epoch.year, epoch.month, epoch.day, epoch.weekday, epoch.minuteOfDay], [1970, 1, 1, 4, 0])
        let before = LocalTime(at(-1), utcOffsetMinutes: 0)
        XCTAssertEqual([before.year, before.month, before.day, before.weekday, before.minuteOfDay], [1969, 12, 31, 3, 1439])
        let leap = LocalTime(at(1_709_164_800_000), utcOffsetMinutes: 0)  // 2024-02-29 00:00 UTC, a Thursday
        XCTAssertEqual([leap.year, leap.month, leap.day, leap.weekday], [2024, 2, 29, 4])
    }
}
