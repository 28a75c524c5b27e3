import IVR
import XCTest
@testable import HotlineServer

/// One broken flow per kind of problem the validator finds, with the exact message.
final class FlowValidationTests: XCTestCase {
    private func problems(_ body: String, files: Set<String> = [], flows: Set<String> = []) throws -> [String] {
        let text = """
            flow: t
            start: a
            prompts:
              hi: {zh-CN: 你好, en-US: Hello}
              menu: {zh-CN: 请选择, en-US: Choose}
            nodes:

            """ + body
        let source = try FlowYAML.source(text, file: "t.yaml")
        let (flow, decodeProblems) = FlowDecoder.decode(source, file: "t.yaml")
        XCTAssertEqual(decodeProblems.map(\.description), [], "the test flow must decode")
        let validator = FlowValidator(context: .init(flows: flows, fileExists: { files.contains($0) }))
        return try validator.validate(XCTUnwrap(flow)).map(\.description)
    }

    func testAValidFlowHasNoProblems() throws {
        XCTAssertEqual(try problems("""
              a:
                menu: {prompt: menu, options: {"1": b, "#": c}, repeat_key: "*", on_failure: c}
              b:
                collect: {prompt: hi, into: pin, min: 4, max: 6, on_failure: c}
                next: d
              d:
                branch:
                  - {if: "length(pin) == 6 and exists(customer.tier)", then: c}
                  - otherwise: a
              c:
                hangup: {prompt: hi}
            """), [])
    }

    func testUnknownNodeWithSuggestion() throws {
        XCTAssertEqual(try problems("""
              a:
                play: hi
                next: bye_bye
              bye:
                hangup: hi
            """), ["t.yaml:9:11: 'next' names node 'bye_bye', which does not exist; use one of: a, bye"],
            "'bye', cut off by the broken link, is not reported as unreachable until the link is mended")
        XCTAssertEqual(try problems("""
              a:
                play: hi
                next: by
              bye:
                hangup: hi
              c:
                hangup: hi
            """), ["t.yaml:9:11: 'next' names node 'by', which does not exist; did you mean 'bye'? use one of: a, bye, c"])
        // A long flow lists the ten closest names.
        let many = (1...12).map { "  n\($0):\n    hangup: hi\n" }.joined()
        XCTAssertEqual(try problems("  a:\n    play: hi\n    next: n13\n" + many), [
            "t.yaml:9:11: 'next' names node 'n13', which does not exist; did you mean 'n1'? "
                + "use one of: n1, n3, n10, n11, n12, n2, n4, n5, n6, n7, ... (13 nodes)"])
    }

    func testMissingPromptAndLanguageAndFile() throws {
        XCTAssertEqual(try problems("""
              a:
                play: [hii, menu]
                next: b
              b:
                language: {prompt: intro, options: {"1": zh-CN, "2": en-US}}
                next: c
              c:
                hangup: hi
            """), [
                "t.yaml:8:12: prompt 'hii' is not defined; did you mean 'hi'? add it under 'prompts:' with its text or file per language",
                "t.yaml:11:24: prompt 'intro' is not defined; add it under 'prompts:' with its text or file per language",
            ])
        // A prompt in one language only, in a flow that speaks both; a file that is not there.
        let text = """
            flow: t
            start: a
            language: en-US
            prompts:
              hi: {en-US: Hello}
              rec: {file: prompts/rec.wav}
            nodes:
              a:
                language: {prompt: hi, options: {"1": zh-CN, "2": en-US}}
                next: b
              b:
                hangup: rec
            """
        let (flow, _) = FlowDecoder.decode(try FlowYAML.source(text, file: "t.yaml"), file: "t.yaml")
        let found = FlowValidator(context: .init(fileExists: { _ in false })).validate(try XCTUnwrap(flow)).map(\.description)
        XCTAssertEqual(found, [
            "t.yaml:5:3: prompt 'hi' has nothing in zh-CN, which this flow speaks; add 'zh-CN: <text>' (or a file) to it",
            "t.yaml:6:15: prompt file 'prompts/rec.wav' does not exist; record it there, or fix the path (relative to the flow file)",
        ])
    }

    func testVariablesAndExpressions() throws {
        let found = try problems("""
              a:
                set: {total: "balance + 1", ok: "exists(balance)"}
                next: b
              b:
                branch:
                  - {if: "total >", then: c}
                  - otherwise: c
              c:
                say: [{text: "Hello {name}"}]
                next: d
              d:
                hangup: hi
            """)
        XCTAssertEqual(found.count, 3, found.joined(separator: "\n"))
        XCTAssertEqual(found[0], "t.yaml:8:19: variable 'balance' is never set in this flow; "
                       + "set it first (set, collect into, lookup into, http into) or test it with exists(balance)")
        XCTAssertTrue(found[1].hasPrefix("t.yaml:12:"), found[1])
        XCTAssertTrue(found[1].contains("in 'total >':"), found[1])
        XCTAssertEqual(found[2], "t.yaml:15:19: variable 'name' is never set in this flow; "
                       + "set it first (set, collect into, lookup into, http into) or test it with exists(name)")
    }

    func testBadDigitMaps() throws {
        XCTAssertEqual(try problems("""
              a:
                menu: {prompt: menu, options: {"1": b, "12": b, "x": b}, repeat_key: "1", on_failure: b}
              b:
                hangup: hi
            """), [
                "t.yaml:8:44: '12' in menu node 'a' is not a key on a phone; use one of 0-9, * or #, quoted (\"1\")",
                "t.yaml:8:53: 'x' in menu node 'a' is not a key on a phone; use one of 0-9, * or #, quoted (\"1\")",
                "t.yaml:8:75: key '1' is used twice in menu node 'a'; give each key one meaning",
            ])
    }

    func testLoopWithoutInputAndUnknownSubflow() throws {
        XCTAssertEqual(try problems("""
              a:
                set: {n: "1"}
                next: b
              b:
                branch:
                  - {if: "n > 0", then: a}
                  - otherwise: c
              c:
                subflow: verify_pin
                next: d
              d:
                hangup: hi
            """, flows: ["billing"]), [
                "t.yaml:7:3: the nodes 'a' → 'b' → 'a' loop without playing anything or waiting for the caller; "
                    + "put a prompt, menu or collect in the loop, or a way out of it",
                "t.yaml:15:14: flow 'verify_pin' is not loaded; add its file to the flows, or use one of: billing",
            ])
    }
}
