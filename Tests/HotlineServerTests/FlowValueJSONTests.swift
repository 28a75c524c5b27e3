import IVR
import XCTest
@testable import HotlineServer

final class FlowValueJSONTests: XCTestCase {
    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> FlowValue? {
        do {
            return try FlowValue(json: text)
        } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
            return nil
        }
    }

    private func parseError(_ bytes: [UInt8]) -> FlowJSONError? {
        do {
            let value = try FlowValue(json: bytes)
            XCTFail("parsed \(String(decoding: bytes, as: UTF8.self)) as \(value)")
            return nil
        } catch {
            return error
        }
    }

    private func parseError(_ text: String) -> FlowJSONError? {
        parseError(Array(text.utf8))
    }

    // MARK: JSON → FlowValue

    func testAnObjectBecomesARecordWithEveryKind() {
        let text = """
            {"name": "Ada", "age": 36, "balance": -12.5, "vip": true, "closed": false,
             "note": null, "tags": ["a", 1, false, null], "address": {"city": "Oslo", "zip": "0150"}}
            """
        XCTAssertEqual(parse(text), .record([
            "name": .string("Ada"),
            "age": .number(36),
            "balance": .number(-12.5),
            "vip": .bool(true),
            "closed": .bool(false),
            "note": .null,
            "tags": .list([.string("a"), .number(1), .bool(false), .null]),
            "address": .record(["city": .string("Oslo"), "zip": .string("0150")]),
        ]))
    }

    func testBoolsAreNeverNumbersAndNumbersNeverBools() {
        // The JSONSerialization trap on Linux: true and 1 come back as the same NSNumber.
        XCTAssertEqual(parse("[true, 1, false, 0, 1.0, 0.0]"),
                       .list([.bool(true), .number(1), .bool(false), .number(0), .number(1), .number(0)]))
        XCTAssertNotEqual(parse("true"), parse("1"))
        XCTAssertNotEqual(parse("false"), parse("0"))
        XCTAssertEqual(parse(#"{"active": true}"#)?.member("active"), .bool(true))
        XCTAssertEqual(parse(#"{"count": 1}"#)?.member("count"), .number(1))
    }

    func testAnyValueMayBeTheTopLevelOne() {
        XCTAssertEqual(parse(" 42 "), .number(42))
        XCTAssertEqual(parse("\"x\""), .string("x"))
        XCTAssertEqual(parse("null"), .null)
        XCTAssertEqual(parse("[]"), .list([]))
        XCTAssertEqual(parse("{}"), .record([:]))
        XCTAssertEqual(parse("\t\r\n [ ] \n"), .list([]))
    }

    func testNumbersFollowTheRFCGrammar() {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", 0), ("7", 7), ("-7", -7), ("12.25", 12.25), ("1e3", 1000), ("1E3", 1000),
            ("1e+3", 1000), ("25e-2", 0.25), ("-1.5E-1", -0.15), ("9007199254740993", 9_007_199_254_740_992),
            ("1e-400", 0), ("0.1", 0.1), ("123456789012", 123_456_789_012),
        ]
        for (text, value) in cases {
            XCTAssertEqual(parse(text), .number(value), text)
        }
        let bad: [(String, FlowJSONError)] = [
            ("01", FlowJSONError(.invalidNumber, at: 0)), ("-01", FlowJSONError(.invalidNumber, at: 0)),
            ("-", FlowJSONError(.invalidNumber, at: 0)), ("1.", FlowJSONError(.invalidNumber, at: 0)),
            ("1.e3", FlowJSONError(.invalidNumber, at: 0)), ("1e", FlowJSONError(.invalidNumber, at: 0)),
            ("1e+", FlowJSONError(.invalidNumber, at: 0)), ("--1", FlowJSONError(.invalidNumber, at: 0)),
            ("-Infinity", FlowJSONError(.invalidNumber, at: 0)),
            ("+1", FlowJSONError(.unexpectedCharacter, at: 0)), (".5", FlowJSONError(.unexpectedCharacter, at: 0)),
            ("NaN", FlowJSONError(.unexpectedCharacter, at: 0)), ("Infinity", FlowJSONError(.unexpectedCharacter, at: 0)),
            ("0x10", FlowJSONError(.trailingCharacters, at: 1)), ("1_000", FlowJSONError(.trailingCharacters, at: 1)),
        ]
        for (text, expected) in bad {
            XCTAssertEqual(parseError(text), expected, text)
        }
        XCTAssertEqual(parseError("[1, -]"), FlowJSONError(.invalidNumber, at: 4))
        XCTAssertEqual(parseError("1e400"), FlowJSONError(.numberOutOfRange, at: 0))
        XCTAssertEqual(parseError("[-1e309]"), FlowJSONError(.numberOutOfRange, at: 1))
    }

    func testStringsKeepUnicodeAndDecodeEveryEscape() {
        XCTAssertEqual(parse(#""您好，欢迎致电""#), .string("您好，欢迎致电"))
        XCTAssertEqual(parse(#""\u60a8\u597D""#), .string("您好"))
        XCTAssertEqual(parse(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{08}\u{0C}\n\r\t"))
        XCTAssertEqual(parse(#""\u0000\u001F\u00e9""#), .string("\u{00}\u{1F}é"))
        // U+1F600 as a UTF-16 surrogate pair, and as raw UTF-8.
        XCTAssertEqual(parse(#""\uD83D\uDE00 \ud83d\ude00 😀""#), .string("😀 😀 😀"))
        XCTAssertEqual(parse(#""a\u0301""#), .string("a\u{0301}"))
        XCTAssertEqual(parse(#"{"名字": "王小明"}"#), .record(["名字": .string("王小明")]))
    }

    func testBadStringsAreRefusedWhereTheyGoWrong() {
        XCTAssertEqual(parseError(#""\uD83D""#), FlowJSONError(.loneSurrogate, at: 1))
        XCTAssertEqual(parseError(#""\uD83Dx""#), FlowJSONError(.loneSurrogate, at: 1))
        XCTAssertEqual(parseError(#""\uD83D\u0041""#), FlowJSONError(.loneSurrogate, at: 1))
        XCTAssertEqual(parseError(#""\uDE00""#), FlowJSONError(.loneSurrogate, at: 1))
        XCTAssertEqual(parseError(#""ab\x""#), FlowJSONError(.invalidEscape, at: 3))
        XCTAssertEqual(parseError(#""\u12G4""#), FlowJSONError(.invalidEscape, at: 1))
        XCTAssertEqual(parseError("\"a\nb\""), FlowJSONError(.controlCharacterInString, at: 2))
        XCTAssertEqual(parseError("\"a\tb\""), FlowJSONError(.controlCharacterInString, at: 2))
        XCTAssertEqual(parseError(#""abc"#), FlowJSONError(.unexpectedEnd, at: 4))
        XCTAssertEqual(parseError(#""\u12"#), FlowJSONError(.unexpectedEnd, at: 5))
    }

    func testInvalidUTF8IsRefusedAtItsOffset() {
        // A lone continuation byte, a truncated sequence, an overlong "/", an encoded surrogate.
        XCTAssertEqual(parseError([0x22, 0x61, 0x80, 0x22]), FlowJSONError(.invalidUTF8, at: 2))
        XCTAssertEqual(parseError([0x22, 0xE4, 0xBD, 0x22]), FlowJSONError(.invalidUTF8, at: 1))
        XCTAssertEqual(parseError([0x22, 0xC0, 0xAF, 0x22]), FlowJSONError(.invalidUTF8, at: 1))
        XCTAssertEqual(parseError([0x22, 0xED, 0xA0, 0x80, 0x22]), FlowJSONError(.invalidUTF8, at: 1))
        XCTAssertEqual(parseError([0x5B, 0x31, 0x5D, 0xFF]), FlowJSONError(.invalidUTF8, at: 3))
    }

    func testAByteOrderMarkIsSkipped() throws {
        XCTAssertEqual(try FlowValue(json: [0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)), .record(["a": .number(1)]))
    }

    func testStructuralErrors() {
        let cases: [(String, FlowJSONError)] = [
            ("", FlowJSONError(.empty, at: 0)),
            ("  \n", FlowJSONError(.empty, at: 3)),
            ("{", FlowJSONError(.unexpectedEnd, at: 1)),
            ("[1,", FlowJSONError(.unexpectedEnd, at: 3)),
            ("[1 2]", FlowJSONError(.unexpectedCharacter, at: 3)),
            ("[1,]", FlowJSONError(.unexpectedCharacter, at: 3)),
            (#"{"a":1,}"#, FlowJSONError(.unexpectedCharacter, at: 7)),
            (#"{"a" 1}"#, FlowJSONError(.unexpectedCharacter, at: 5)),
            (#"{a:1}"#, FlowJSONError(.unexpectedCharacter, at: 1)),
            (#"{'a':1}"#, FlowJSONError(.unexpectedCharacter, at: 1)),
            ("tru", FlowJSONError(.unexpectedEnd, at: 3)),
            ("trUe", FlowJSONError(.unexpectedCharacter, at: 0)),
            ("nul", FlowJSONError(.unexpectedEnd, at: 3)),
            ("True", FlowJSONError(.unexpectedCharacter, at: 0)),
            ("{} {}", FlowJSONError(.trailingCharacters, at: 3)),
            ("1 2", FlowJSONError(.trailingCharacters, at: 2)),
            ("<html>", FlowJSONError(.unexpectedCharacter, at: 0)),
            ("[1]\u{0B}", FlowJSONError(.trailingCharacters, at: 3)), // vertical tab is not JSON whitespace
        ]
        for (text, expected) in cases {
            XCTAssertEqual(parseError(text), expected, text.debugDescription)
        }
    }

    func testARepeatedKeyKeepsItsLastValue() {
        XCTAssertEqual(parse(#"{"a": 1, "a": 2}"#), .record(["a": .number(2)]))
    }

    func testNestingIsLimited() {
        let depth = FlowJSON.maximumDepth
        let deepest = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        var expected: FlowValue = .number(1)
        for _ in 0..<depth { expected = .list([expected]) }
        XCTAssertEqual(parse(deepest), expected)

        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        XCTAssertEqual(parseError(tooDeep), FlowJSONError(.tooDeep, at: depth))
        let objects = String(repeating: #"{"a":"#, count: depth + 1) + "1" + String(repeating: "}", count: depth + 1)
        XCTAssertEqual(parseError(objects), FlowJSONError(.tooDeep, at: depth * 5))
        // A hostile server's 100 000 brackets are refused, not a stack overflow.
        XCTAssertEqual(parseError(String(repeating: "[", count: 100_000)), FlowJSONError(.tooDeep, at: depth))
    }

    func testErrorsDescribeThemselves() {
        XCTAssertEqual(FlowJSONError(.trailingCharacters, at: 3).description, "invalid JSON at byte 3: more text after the JSON value")
        XCTAssertEqual(FlowJSONError(.tooDeep, at: 64).description, "invalid JSON at byte 64: arrays and objects nested deeper than 64")
    }

    // MARK: FlowValue → JSON

    func testRecordsAreWrittenWithSortedKeysAndNoSpaces() {
        let value: FlowValue = .record([
            "zeta": .number(1), "alpha": .list([.bool(true), .null, .string("x")]), "mid": .record(["b": .number(2), "a": .bool(false)]),
        ])
        XCTAssertEqual(value.jsonText, #"{"alpha":[true,null,"x"],"mid":{"a":false,"b":2},"zeta":1}"#)
        XCTAssertEqual(FlowValue.record([:]).jsonText, "{}")
        XCTAssertEqual(FlowValue.list([]).jsonText, "[]")
    }

    func testNumbersAreWrittenIntegralWithoutAFractionAndNonFiniteAsNull() {
        let cases: [(Double, String)] = [
            (12, "12"), (-3, "-3"), (0, "0"), (-0.0, "0"), (12.5, "12.5"), (0.1, "0.1"), (-0.25, "-0.25"),
            (1e15, "1000000000000000"), (9_007_199_254_740_991, "9007199254740991"),
            (9_007_199_254_740_992, "9007199254740992"), (1e18, "1000000000000000000"), (-1e18, "-1000000000000000000"),
            (0x1p63, "9.223372036854776e+18"), (-0x1p63, "-9.223372036854776e+18"), (1e20, "1e+20"), (1e-7, "1e-07"),
            (1.5e300, "1.5e+300"),
            (.leastNonzeroMagnitude, "5e-324"), (.infinity, "null"), (-.infinity, "null"), (.nan, "null"),
        ]
        for (number, text) in cases {
            XCTAssertEqual(FlowValue.number(number).jsonText, text, "\(number)")
        }
    }

    func testStringsAreEscapedPerRFC8259() {
        XCTAssertEqual(FlowValue.string("say \"hi\"\\ now").jsonText, #""say \"hi\"\\ now""#)
        XCTAssertEqual(FlowValue.string("a\nb\rc\td\u{08}e\u{0C}f").jsonText, #""a\nb\rc\td\be\ff""#)
        XCTAssertEqual(FlowValue.string("\u{00}\u{01}\u{1F}\u{7F}").jsonText, "\"\\u0000\\u0001\\u001F\u{7F}\"")
        XCTAssertEqual(FlowValue.string("您好 😀 é / <tag>").jsonText, "\"您好 😀 é / <tag>\"")
        XCTAssertEqual(FlowValue.record(["键\"": .string("值")]).jsonText, #"{"键\"":"值"}"#)
    }

    func testWrittenJSONReadsBackToTheSameValue() throws {
        let values: [FlowValue] = [
            .record([
                "name": .string("王小明 \"Ming\"\n"), "balance": .number(-1234.56), "id": .number(1_234_567_890_123),
                "vip": .bool(true), "zero": .number(0), "one": .number(1), "nothing": .null,
                "history": .list([.record(["at": .string("2026-11-25T06:00:00Z"), "amount": .number(0.1)]), .list([])]),
                "control": .string("\u{00}\u{1F}\u{7F}😀"),
            ]),
            .number(1e-300), .number(123_456.789), .string(""), .list([.bool(false), .number(0)]),
        ]
        for value in values {
            XCTAssertEqual(try FlowValue(json: value.jsonText), value, value.jsonText)
        }
    }

    func testEveryPrefixOfADocumentIsRefusedAndTheWholeAccepted() throws {
        // Truncated bodies (a server that dies mid-answer) must never parse as something else.
        let text = #"{"a":[1,-2.5e3,true,false,null,"x\u00e9y"],"b":{"c":"您"}}"#
        let bytes = Array(text.utf8)
        for end in 0..<bytes.count {
            XCTAssertNotNil(parseError(Array(bytes[..<end])), "prefix of \(end) bytes")
        }
        XCTAssertEqual(try FlowValue(json: bytes), .record([
            "a": .list([.number(1), .number(-2500), .bool(true), .bool(false), .null, .string("xéy")]),
            "b": .record(["c": .string("您")]),
        ]))
    }
}
