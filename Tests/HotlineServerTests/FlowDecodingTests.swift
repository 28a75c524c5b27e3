import HotlineModel
import IVR
import XCTest
@testable import HotlineServer

/// The flow decoder on YAML written the way designers write it (through FlowYAML, so the
/// positions are real).
final class FlowDecodingTests: XCTestCase {
    private func decode(_ text: String) throws -> (flow: Flow?, problems: [String]) {
        let source = try FlowYAML.source(text, file: "t.yaml")
        let (flow, problems) = FlowDecoder.decode(source, file: "t.yaml")
        return (flow, problems.sorted().map(\.description))
    }

    func testAFlowOfEveryCommonKindDecodes() throws {
        let (flow, problems) = try decode("""
            flow: telecom
            language: zh-CN
            start: hours
            prompts:
              welcome:
                zh-CN: 欢迎致电
                en-US: Welcome
              menu: {file: prompts/menu.wav}
            nodes:
              hours:
                hours:
                  zone: Asia/Shanghai
                  open:
                    - {days: mon-fri, from: "08:00", to: "20:00"}
                  holidays: [2026-10-01]
                  when_open: welcome
                  when_closed: bye
              welcome:
                play: welcome
                next: main
              main:
                menu:
                  prompt: menu
                  options: {"1": pin, "0": agent}
                  tries: 2
                  on_failure: agent
              pin:
                collect: {prompt: welcome, into: pin, min: 6, max: 6, secret: true, on_failure: agent}
                next: check
              check:
                branch:
                  - {if: "pin == '123456'", then: bye}
                  - otherwise: agent
              agent:
                transfer: {queue: telecom, skills: [telecom], priority: 3}
              bye:
                hangup: {prompt: welcome, outcome: self-served}
            """)
        XCTAssertEqual(problems, [])
        let f = try XCTUnwrap(flow)
        XCTAssertEqual(f.name, "telecom")
        XCTAssertEqual(f.start, Located(NodeID("hours"), at: SourceLocation(file: "t.yaml", line: 3, column: 8)))
        XCTAssertEqual(f.order, ["hours", "welcome", "main", "pin", "check", "agent", "bye"])
        XCTAssertEqual(f.prompts["welcome"]?.sources[.enUS]?.value, .text("Welcome"))
        XCTAssertEqual(f.prompts["menu"]?.sources[.zhCN]?.value, .file("prompts/menu.wav"))
        guard case .hours(let h) = f.nodes["hours"]?.kind else { return XCTFail() }
        XCTAssertEqual(h.utcOffsetMinutes, 480)
        XCTAssertEqual(h.open, [Hours.Span(weekdays: [1, 2, 3, 4, 5], from: 480, to: 1200)])
        guard case .menu(let m) = f.nodes["main"]?.kind else { return XCTFail() }
        XCTAssertEqual(m.tries, 2)
        XCTAssertEqual(Set(m.options.keys.map(\.value)), ["1", "0"])
        guard case .collect(let c) = f.nodes["pin"]?.kind else { return XCTFail() }
        XCTAssertEqual([c.minimumLength, c.maximumLength], [6, 6])
        XCTAssertTrue(c.secret)
        XCTAssertEqual(c.terminator, "#")
        XCTAssertEqual(f.nodes["pin"]?.next?.value, "check")
        guard case .branch(let b) = f.nodes["check"]?.kind else { return XCTFail() }
        XCTAssertEqual(b.cases.map(\.condition.value), ["pin == '123456'"])
        XCTAssertEqual(b.otherwise.value, "agent")
        guard case .hangup(let bye) = f.nodes["bye"]?.kind else { return XCTFail() }
        XCTAssertEqual(bye.outcome, "self-served")
    }

    func testEveryShapeProblemIsReportedAtItsPlace() throws {
        let (_, problems) = try decode("""
            flow: broken
            start: a
            nodes:
              a:
                play: welcome
              b:
                menu: {prompt: m, options: {"1": a}, on_failure: a, timeout: 5}
              c:
                play: x
                say: [{text: hi}]
                next: a
              d:
                collect: {prompt: p, into: v, min: 8, max: 4, on_failure: a}
                next: a
              e:
                hours: {open: [{days: mon-fry, from: "8", to: "20:00"}], when_open: a, when_closed: a}
              f:
                hangup: bye
                next: a
              g: {}
            """)
        XCTAssertEqual(problems, [
            "t.yaml:4:3: play node 'a' has no 'next'; add 'next: <node>' for where the call goes after it",
            "t.yaml:7:57: menu node 'b' has no field 'timeout'; did you mean 'timeout_ms'?",
            "t.yaml:8:3: node 'c' is several kinds at once (play, say); give it exactly one of: play, say, menu, collect, "
                + "verify, lookup, create, http, set, branch, hours, language, voicemail, callback, transfer, subflow, return, hangup",
            "t.yaml:13:14: 'min' (8) is more than 'max' (4); make min at most max",
            "t.yaml:16:27: 'mon-fry' is not a list of weekdays; write days like mon-fri or sat,sun (mon tue wed thu fri sat sun) or daily",
            "t.yaml:16:43: '8' is not a time of day; write it as \"HH:MM\" in quotes, 24-hour, e.g. \"08:30\"",
            "t.yaml:19:11: hangup node 'f' does not use 'next'; name the nodes in its own fields and remove 'next'",
            "t.yaml:20:3: node 'g' does not say what it does; give it exactly one of: play, say, menu, collect, verify, "
                + "lookup, create, http, set, branch, hours, language, voicemail, callback, transfer, subflow, return, hangup",
        ])
    }

    func testTopLevelProblems() throws {
        let (flow, problems) = try decode("""
            flow: x
            langauge: en-US
            nodes: [a]
            """)
        XCTAssertNil(flow)
        XCTAssertEqual(problems, [
            "t.yaml:1:1: the flow file has no 'start'; add 'start: <first node>'",
            "t.yaml:2:1: the flow file has no field 'langauge'; did you mean 'language'?",
            "t.yaml:3:8: 'nodes' must be a mapping of key: value lines, not a list; write it as indented key: value lines",
        ])
    }

    func testCreateNodes() throws {
        let (flow, problems) = try decode("""
            flow: shop
            start: ret
            nodes:
              ret:
                create: {record: return, fields: {order: "{order}", reason: damaged}, into: r, on_error: bye}
                next: bye
              bad:
                create: {record: refund, fields: {order: "1"}, into: r, on_error: bye}
                next: bye
              short:
                create: {record: ticket, fields: {category: broadband, colour: red}, into: t, on_error: bye}
                next: bye
              bye:
                hangup: {}
            """)
        XCTAssertEqual(problems, [
            "t.yaml:8:22: 'record: refund' is not something a flow creates; write one of: ticket, return",
            "t.yaml:11:38: a ticket needs 'kind' in 'fields' of create node 'short'; add 'kind: <text or {variable}>'",
            "t.yaml:11:60: a ticket has no field 'colour'; use category, kind, summary, customer",
        ])
        guard case .create(let create)? = flow?.nodes["ret"]?.kind else { return XCTFail("no create node") }
        XCTAssertEqual(create.record, .return)
        XCTAssertEqual(create.fields.map(\.key), ["order", "reason"])
        XCTAssertEqual(create.fields.map(\.template.value), ["{order}", "damaged"])
        XCTAssertEqual(create.variable.value, "r")
        XCTAssertEqual(create.onError.value, "bye")
    }
}
