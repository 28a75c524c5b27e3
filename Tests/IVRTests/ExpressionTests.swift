import IVR
import XCTest

final class ExpressionTests: XCTestCase {
    // MARK: helpers

    private func eval(_ text: String, _ variables: [String: FlowValue] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> FlowValue {
        try Expression.parse(text).evaluate { variables[$0] }
    }

    private func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ExpressionError? {
        do {
            _ = try Expression.parse(text)
            XCTFail("'\(text)' parsed", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func evalError(_ text: String, _ variables: [String: FlowValue] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> ExpressionError? {
        let expression = try Expression.parse(text)
        do {
            let value = try expression.evaluate { variables[$0] }
            XCTFail("'\(text)' evaluated to \(value)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    // MARK: values

    func testFlowValueDescription() {
        XCTAssertEqual(FlowValue.number(12).description, "12")
        XCTAssertEqual(FlowValue.number(12.5).description, "12.5")
        XCTAssertEqual(FlowValue.number(-3).description, "-3")
        XCTAssertEqual(FlowValue.number(-0.0).description, "0")
        XCTAssertEqual(FlowValue.number(1e20).description, "1e+20")
        XCTAssertEqual(FlowValue.bool(true).description, "true")
        XCTAssertEqual(FlowValue.null.description, "")
        XCTAssertEqual(FlowValue.list([1, "a", true]).description, "1, a, true")
        XCTAssertEqual(FlowValue.record(["b": 2, "a": "x"]).description, "{a: x, b: 2}")
    }

    func testTruthiness() {
        XCTAssertTrue(FlowValue.bool(true).isTruthy)
        XCTAssertFalse(FlowValue.bool(false).isTruthy)
        XCTAssertTrue(FlowValue.number(-1).isTruthy)
        XCTAssertFalse(FlowValue.number(0).isTruthy)
        XCTAssertTrue(FlowValue.string("0").isTruthy)
        XCTAssertFalse(FlowValue.string("").isTruthy)
        XCTAssertTrue(FlowValue.list([.null]).isTruthy)
        XCTAssertFalse(FlowValue.list([]).isTruthy)
        XCTAssertTrue(FlowValue.record(["a": .null]).isTruthy)
        XCTAssertFalse(FlowValue.record([:]).isTruthy)
        XCTAssertFalse(FlowValue.null.isTruthy)
    }

    // MARK: literals

    func testLiterals() throws {
        XCTAssertEqual(try eval("42"), .number(42))
        XCTAssertEqual(try eval("12.5"), .number(12.5))
        XCTAssertEqual(try eval("0.25"), .number(0.25))
        XCTAssertEqual(try eval("'it\\'s'"), .string("it's"))
        XCTAssertEqual(try eval("\"say \\\"hi\\\"\""), .string("say \"hi\""))
        XCTAssertEqual(try eval("'a\\\\b\\n\\t'"), .string("a\\b\n\t"))
        XCTAssertEqual(try eval("\"it's\""), .string("it's"))
        XCTAssertEqual(try eval("'余额'"), .string("余额"))
        XCTAssertEqual(try eval("true"), .bool(true))
        XCTAssertEqual(try eval("false"), .bool(false))
        XCTAssertEqual(try eval("null"), .null)
        XCTAssertEqual(try eval("  -5  "), .number(-5))
    }

    // MARK: variables

    func testDottedPathsIntoRecordsAndLists() throws {
        let vars: [String: FlowValue] = [
            "customer": ["tier": "gold", "id": 7],
            "bills": [["amount": 30.5], ["amount": 12]],
            "input.digits": "123",
        ]
        XCTAssertEqual(try eval("customer.tier", vars), .string("gold"))
        XCTAssertEqual(try eval("bills.0.amount", vars), .number(30.5))
        XCTAssertEqual(try eval("bills.1.amount", vars), .number(12))
        XCTAssertEqual(try eval("bills.2.amount", vars), .null)
        XCTAssertEqual(try eval("bills.01.amount", vars), .null)
        XCTAssertEqual(try eval("bills.x", vars), .null)
        XCTAssertEqual(try eval("customer.tier.more", vars), .null)
        XCTAssertEqual(try eval("missing", vars), .null)
        XCTAssertEqual(try eval("missing.deeper", vars), .null)
        // Stored flat: the full path is asked first.
        XCTAssertEqual(try eval("input.digits", vars), .string("123"))
        XCTAssertEqual(try eval("余额", ["余额": 5]), .number(5))
        XCTAssertEqual(try eval("input.not", ["input": ["not": 1]]), .number(1))
    }

    func testLookupIsAskedLongestPrefixFirst() throws {
        var asked: [String] = []
        let value = try Expression.parse("a.b.c").evaluate { path in
            asked.append(path)
            return path == "a" ? ["b": ["c": 3]] : nil
        }
        XCTAssertEqual(value, .number(3))
        XCTAssertEqual(asked, ["a.b.c", "a.b", "a"])
    }

    func testVariables() throws {
        let e = try Expression.parse("balance > 100 and customer.tier == 'gold' or contains(bills.0.tags, 'late')")
        XCTAssertEqual(e.variables, ["balance", "customer.tier", "bills.0.tags"])
        XCTAssertEqual(e.optionalVariables, [])

        let guarded = try Expression.parse("exists(a) and a.b > 1 or exists(c.d) and x")
        XCTAssertEqual(guarded.variables, ["x"])
        XCTAssertEqual(guarded.optionalVariables, ["a", "c.d"])

        XCTAssertEqual(try Expression.parse("length(ab) + 1").variables, ["ab"])
        XCTAssertEqual(try Expression.parse("1 + 2").variables, [])
        // `a.bc` is not below `a.b`.
        XCTAssertEqual(try Expression.parse("exists(a.b) and a.bc").variables, ["a.bc"])
    }

    // MARK: operators

    func testArithmetic() throws {
        XCTAssertEqual(try eval("7 / 2"), .number(3.5))
        XCTAssertEqual(try eval("7 % 3"), .number(1))
        XCTAssertEqual(try eval("-7 % 3"), .number(-1))
        XCTAssertEqual(try eval("x - -5", ["x": 1]), .number(6))
        XCTAssertEqual(try eval("-x", ["x": 2]), .number(-2))
        XCTAssertEqual(try eval("--x", ["x": 2]), .number(2))
        XCTAssertEqual(try eval("0.1 + 0.2 > 0.3"), .bool(true))
    }

    func testPrecedence() throws {
        XCTAssertEqual(try eval("1 + 2 * 3"), .number(7))
        XCTAssertEqual(try eval("(1 + 2) * 3"), .number(9))
        XCTAssertEqual(try eval("10 - 4 - 3"), .number(3))
        XCTAssertEqual(try eval("100 / 10 / 5"), .number(2))
        XCTAssertEqual(try eval("2 * 3 % 4"), .number(2))
        XCTAssertEqual(try eval("-2 * 3"), .number(-6))
        XCTAssertEqual(try eval("1 + 2 == 3"), .bool(true))
        XCTAssertEqual(try eval("1 < 2 == true"), .bool(true))
        // and binds tighter than or.
        XCTAssertEqual(try eval("true or false and false"), .bool(true))
        XCTAssertEqual(try eval("(true or false) and false"), .bool(false))
        XCTAssertEqual(try eval("true || false && false"), .bool(true))
        // not binds tighter than ==, as ! does in Swift.
        XCTAssertEqual(try eval("not true == false"), .bool(true))
        XCTAssertEqual(try eval("!(1 == 2)"), .bool(true))
        XCTAssertEqual(try eval("not 0"), .bool(true))
        XCTAssertEqual(try eval("!!'x'"), .bool(true))
        XCTAssertEqual(try eval("1 + 1 > 1 and 2 * 2 == 4 or x", ["x": false]), .bool(true))
    }

    func testStringConcatenation() throws {
        XCTAssertEqual(try eval("'Total: ' + 5"), .string("Total: 5"))
        XCTAssertEqual(try eval("1 + 'a'"), .string("1a"))
        XCTAssertEqual(try eval("1 + 2 + 'a'"), .string("3a"))
        XCTAssertEqual(try eval("'a' + 1 + 2"), .string("a12"))
        XCTAssertEqual(try eval("'a' + missing"), .string("a"))
        XCTAssertEqual(try eval("'x' + 2.5 + true"), .string("x2.5true"))
    }

    func testComparisons() throws {
        XCTAssertEqual(try eval("2 < 10"), .bool(true))
        XCTAssertEqual(try eval("'2' < '10'"), .bool(false))
        XCTAssertEqual(try eval("'apple' < 'banana'"), .bool(true))
        XCTAssertEqual(try eval("'b' >= 'b'"), .bool(true))
        XCTAssertEqual(try eval("3 <= 2"), .bool(false))
        XCTAssertEqual(try eval("3 > 2.5"), .bool(true))
        XCTAssertEqual(try eval("1 == '1'"), .bool(false))
        XCTAssertEqual(try eval("1 != '1'"), .bool(true))
        XCTAssertEqual(try eval("1 == 1.0"), .bool(true))
        XCTAssertEqual(try eval("null == null"), .bool(true))
        XCTAssertEqual(try eval("missing == null"), .bool(true))
        XCTAssertEqual(try eval("false == null"), .bool(false))
        XCTAssertEqual(try eval("a == b", ["a": [1, 2], "b": [1, 2]]), .bool(true))
        XCTAssertEqual(try eval("a == b", ["a": ["k": 1], "b": ["k": "1"]]), .bool(false))
    }

    func testShortCircuit() throws {
        XCTAssertEqual(try eval("exists(a) and a.b > 1"), .bool(false))
        XCTAssertEqual(try eval("exists(a) and a.b > 1", ["a": ["b": 2]]), .bool(true))
        XCTAssertEqual(try eval("true or 1 < 'x'"), .bool(true))
        XCTAssertEqual(try eval("false and 1 / 0"), .bool(false))
        XCTAssertEqual(try eval("x != 0 and 10 / x > 1", ["x": 0]), .bool(false))
        XCTAssertEqual(try eval("not exists(a) or a > 1"), .bool(true))
        // and/or yield booleans, not operands.
        XCTAssertEqual(try eval("'a' or 'b'"), .bool(true))
        XCTAssertEqual(try eval("1 and 0"), .bool(false))
    }

    // MARK: functions

    func testExists() throws {
        let vars: [String: FlowValue] = ["a": ["b": .null, "c": 0], "n": .null]
        XCTAssertEqual(try eval("exists(a)", vars), .bool(true))
        XCTAssertEqual(try eval("exists(a.c)", vars), .bool(true))
        XCTAssertEqual(try eval("exists(a.b)", vars), .bool(false))
        XCTAssertEqual(try eval("exists(n)", vars), .bool(false))
        XCTAssertEqual(try eval("exists(zz)", vars), .bool(false))
        XCTAssertEqual(try eval("exists(a.zz.yy)", vars), .bool(false))
    }

    func testEmptyAndLength() throws {
        XCTAssertEqual(try eval("empty(x)"), .bool(true))
        XCTAssertEqual(try eval("empty('')"), .bool(true))
        XCTAssertEqual(try eval("empty(' ')"), .bool(false))
        XCTAssertEqual(try eval("empty(l)", ["l": []]), .bool(true))
        XCTAssertEqual(try eval("empty(r)", ["r": [:]]), .bool(true))
        XCTAssertEqual(try eval("empty(0)"), .bool(false))
        XCTAssertEqual(try eval("length('12345')"), .number(5))
        XCTAssertEqual(try eval("length('张三')"), .number(2))
        XCTAssertEqual(try eval("length(l)", ["l": [1, 2, 3]]), .number(3))
        XCTAssertEqual(try eval("length(r)", ["r": ["a": 1]]), .number(1))
        XCTAssertEqual(try eval("length(missing)"), .number(0))
    }

    func testNumber() throws {
        XCTAssertEqual(try eval("number('42')"), .number(42))
        XCTAssertEqual(try eval("number('-3')"), .number(-3))
        XCTAssertEqual(try eval("number('12.50')"), .number(12.5))
        XCTAssertEqual(try eval("number(input.digits) + 1", ["input": ["digits": "0099"]]), .number(100))
        XCTAssertEqual(try eval("number(7)"), .number(7))
        for text in ["''", "'12a'", "' 1'", "'1e5'", "'1.'", "'.5'", "'-'", "'inf'", "'nan'", "'0x10'", "true", "null"] {
            XCTAssertEqual(try eval("number(\(text))"), .null, text)
        }
    }

    func testLowerUpperContainsStartsWith() throws {
        XCTAssertEqual(try eval("lower('GoLD')"), .string("gold"))
        XCTAssertEqual(try eval("upper('gold')"), .string("GOLD"))
        XCTAssertEqual(try eval("upper(12)"), .string("12"))
        XCTAssertEqual(try eval("lower(missing)"), .null)
        XCTAssertEqual(try eval("contains('hello world', 'o w')"), .bool(true))
        XCTAssertEqual(try eval("contains('hello', 'z')"), .bool(false))
        XCTAssertEqual(try eval("contains(d, 5)", ["d": "1250"]), .bool(true))
        XCTAssertEqual(try eval("contains(tags, 'vip')", ["tags": ["new", "vip"]]), .bool(true))
        XCTAssertEqual(try eval("contains(tags, 1)", ["tags": ["1"]]), .bool(false))
        XCTAssertEqual(try eval("contains(missing, 'a')"), .bool(false))
        XCTAssertEqual(try eval("startsWith(phone, '+86')", ["phone": "+8613800000000"]), .bool(true))
        XCTAssertEqual(try eval("startsWith('abc', 'b')"), .bool(false))
        XCTAssertEqual(try eval("startsWith(missing, 'a')"), .bool(false))
        // A function's name is still usable as a variable.
        XCTAssertEqual(try eval("length + 1", ["length": 2]), .number(3))
    }

    // MARK: parse errors

    private func assertParseError(
        _ text: String, _ code: ExpressionError.Code, _ offset: Int, _ message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let error = parseError(text, file: file, line: line) else { return }
        XCTAssertEqual(error, ExpressionError(code, at: offset, message), file: file, line: line)
    }

    func testParseErrors() {
        assertParseError("", .empty, 0, "the expression is empty; write a condition or a value, like balance > 0")
        assertParseError("   ", .empty, 3, "the expression is empty; write a condition or a value, like balance > 0")
        assertParseError("a + 1)", .unexpectedToken, 5, "unexpected ')'; remove it or add the matching '('")
        assertParseError(")", .unexpectedToken, 0, "unexpected ')'; remove it or add the matching '('")
        assertParseError("(a + 1", .unexpectedToken, 6, "missing ')' to close the '(' at offset 0; add it")
        assertParseError("(a + 1 b", .unexpectedToken, 7, "unexpected 'b'; close the '(' at offset 0 with ')' first, or join the values with an operator")
        assertParseError("1 +", .unexpectedToken, 3, "expected a value after '+'; add one or remove the '+'")
        assertParseError("a and", .unexpectedToken, 5, "expected a value after 'and'; add one or remove the 'and'")
        assertParseError("* 2", .unexpectedToken, 0, "unexpected '*'; put a value before it")
        assertParseError("a == or b", .unexpectedToken, 5, "unexpected 'or'; put a value before it")
        assertParseError("a b", .unexpectedToken, 2, "unexpected 'b' after a complete expression; join the two with an operator such as 'and' or '+'")
        assertParseError("a, b", .unexpectedToken, 1, "unexpected ','; commas only separate a function's arguments")
        assertParseError("a }", .unexpectedToken, 2, "unexpected '}'; remove it (braces belong to template placeholders)")
        assertParseError("a = 1", .unexpectedCharacter, 2, "unexpected '='; use '==' to compare (a flow sets variables with a 'set' node)")
        assertParseError("a & b", .unexpectedCharacter, 2, "unexpected '&'; use '&&' or 'and'")
        assertParseError("a | b", .unexpectedCharacter, 2, "unexpected '|'; use '||' or 'or'")
        assertParseError("a # b", .unexpectedCharacter, 2, "unexpected character '#'; remove it, or quote it if it is part of a string")
        assertParseError("x == 'abc", .unterminatedString, 5, "string starting here is not closed; add the closing '")
        assertParseError("\"abc\\", .unterminatedString, 0, "string starting here is not closed; add the closing \"")
        assertParseError("'a\\qb'", .invalidEscape, 2, "unknown escape '\\q'; use \\\\, \\', \\\", \\n or \\t (write \\\\ for a backslash)")
        assertParseError("x > 3abc", .invalidNumber, 4, "'3abc' is not a number; write digits with an optional decimal point (12, 12.5), and start variable names with a letter")
        assertParseError(String(repeating: "9", count: 400), .invalidNumber, 0, "the number '\(String(repeating: "9", count: 400))' is too large; use a smaller number")
        assertParseError("1 < x < 5", .chainedComparison, 6, "comparisons do not chain; compare two values at a time and join them with 'and', like 1 < x and x < 5")
        assertParseError("a == b != c", .chainedComparison, 7, "comparisons do not chain; compare two values at a time and join them with 'and', like 1 < x and x < 5")
    }

    func testFunctionErrors() throws {
        assertParseError("lenght(x) > 3", .unknownFunction, 0, "unknown function 'lenght'; did you mean 'length'?")
        assertParseError("x and startswith(a, 'b')", .unknownFunction, 6, "unknown function 'startswith'; did you mean 'startsWith'?")
        assertParseError("exist(a)", .unknownFunction, 0, "unknown function 'exist'; did you mean 'exists'?")
        assertParseError("foo(x)", .unknownFunction, 0, "unknown function 'foo'; use one of exists, empty, length, number, lower, upper, contains, startsWith")
        assertParseError("a.length()", .unknownFunction, 0, "unknown function 'a.length'; pass the value as the first argument, like length(a)")
        assertParseError("s.t.contains('x')", .unknownFunction, 0, "unknown function 's.t.contains'; pass the value as the first argument, like contains(s.t, ...)")
        assertParseError("a.b(x)", .unknownFunction, 0, "unknown function 'a.b'; use one of exists, empty, length, number, lower, upper, contains, startsWith")
        assertParseError("length(a, b)", .wrongArgumentCount, 0, "length() takes 1 argument, found 2; write length(value)")
        assertParseError("1 + length()", .wrongArgumentCount, 4, "length() takes 1 argument, found 0; write length(value)")
        assertParseError("contains(a)", .wrongArgumentCount, 0, "contains() takes 2 arguments, found 1; write contains(haystack, needle)")
        assertParseError("contains(a b)", .unexpectedToken, 11, "unexpected 'b'; close the 'contains(' at offset 8 with ')' first, or join the values with an operator")
        assertParseError("upper(a", .unexpectedToken, 7, "missing ')' to close the 'upper(' at offset 5; add it")
        assertParseError("contains(a,)", .unexpectedToken, 11, "unexpected ')'; remove it or add the matching '('")
        XCTAssertEqual(try Expression.parse("exists((a))").optionalVariables, ["a"])
        assertParseError("exists('a')", .invalidArgument, 7, "exists() takes a variable path, like exists(customer.id); write the path without quotes or operators")
        assertParseError("exists(a + 1)", .invalidArgument, 7, "exists() takes a variable path, like exists(customer.id); write the path without quotes or operators")
    }

    func testLimits() throws {
        let longest = String(repeating: "1+", count: 999) + "1"
        XCTAssertEqual(longest.count, 1_999)
        XCTAssertEqual(try eval(longest), .number(1_000))
        XCTAssertEqual(try eval(String(repeating: "1+", count: 999) + "10"), .number(1_009))
        assertParseError(String(repeating: "1+", count: 1_000) + "1", .tooLong, 2_000, "the expression is 2001 characters long, more than the 2000 allowed; split it over several 'set' nodes")
        assertParseError(String(repeating: "(", count: 100_000), .tooLong, 2_000, "the expression is 100000 characters long, more than the 2000 allowed; split it over several 'set' nodes")

        let deepest = String(repeating: "(", count: 64) + "1" + String(repeating: ")", count: 64)
        XCTAssertEqual(try eval(deepest), .number(1))
        let message = "the expression nests deeper than 64 levels; remove redundant parentheses or split it over several 'set' nodes"
        assertParseError(String(repeating: "(", count: 65) + "1" + String(repeating: ")", count: 65), .tooDeep, 64, message)
        assertParseError(String(repeating: "(", count: 2_000), .tooDeep, 64, message)
        assertParseError(String(repeating: "!", count: 2_000), .tooDeep, 64, message)
        assertParseError(String(repeating: "-", count: 1_999) + "x", .tooDeep, 64, message)
        assertParseError(String(repeating: "length(", count: 65) + "x" + String(repeating: ")", count: 65), .tooDeep, 454, message)
        XCTAssertEqual(try eval(String(repeating: "not ", count: 64) + "x"), .bool(false))
    }

    // MARK: evaluation errors

    private func assertEvalError(
        _ text: String, _ variables: [String: FlowValue] = [:], _ code: ExpressionError.Code, _ offset: Int, _ message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        guard let error = try evalError(text, variables, file: file, line: line) else { return }
        XCTAssertEqual(error, ExpressionError(code, at: offset, message), file: file, line: line)
    }

    func testEvaluationErrors() throws {
        try assertEvalError("\"a\" < 3", [:], .typeMismatch, 4, "cannot compare string with number using '<'; '<' needs two numbers or two strings (convert text with number(...) to compare numbers)")
        try assertEvalError("balance > 100", [:], .typeMismatch, 8, "cannot compare null with number using '>'; '>' needs two numbers or two strings (test the variable with exists(...) first)")
        try assertEvalError("- \"x\"", [:], .typeMismatch, 0, "cannot negate a string; '-' needs a number (convert text with number(...))")
        try assertEvalError("1 + -x", ["x": true], .typeMismatch, 4, "cannot negate a bool; '-' needs a number (convert text with number(...))")
        try assertEvalError("10 / x", ["x": 0], .divisionByZero, 3, "division by zero in '/'; check the divisor is not 0 first, like x != 0 and total / x > 1")
        try assertEvalError("1 + 10 % 0", [:], .divisionByZero, 7, "division by zero in '%'; check the divisor is not 0 first, like x != 0 and total / x > 1")
        try assertEvalError("2 * true", [:], .typeMismatch, 2, "cannot apply '*' to number and bool; '*' needs two numbers (convert text with number(...), test variables with exists(...))")
        try assertEvalError("1 + 2 - '3'", [:], .typeMismatch, 6, "cannot apply '-' to number and string; '-' needs two numbers (convert text with number(...), test variables with exists(...))")
        try assertEvalError("x + 1", [:], .typeMismatch, 2, "cannot apply '+' to null and number; '+' adds two numbers or joins text when either side is a string (convert text with number(...), test variables with exists(...))")
        try assertEvalError("x * x", ["x": 1e200], .numberOutOfRange, 2, "the result of '*' is too large to be a number; use smaller values")
        try assertEvalError("1 + length(5)", [:], .typeMismatch, 4, "length() cannot take a number; pass a string, list or record")
        try assertEvalError("upper(l)", ["l": [1]], .typeMismatch, 0, "upper() cannot take a list; pass a string")
        try assertEvalError("contains(5, 'a')", [:], .typeMismatch, 0, "contains() cannot take a number; pass a string or a list as the haystack")
        try assertEvalError("contains('a', l)", ["l": []], .typeMismatch, 0, "contains() cannot take a list; pass a string as the needle when the haystack is a string")
        try assertEvalError("startsWith(1, 'a')", [:], .typeMismatch, 0, "startsWith() cannot take a number; pass a string")
        try assertEvalError("startsWith('a', null)", [:], .typeMismatch, 0, "startsWith() cannot take a null; pass a string as the prefix")
    }

    func testErrorDescription() {
        XCTAssertEqual(ExpressionError(.empty, at: 3, "x; y").description, "offset 3: x; y")
        XCTAssertEqual(ExpressionError.Code.typeMismatch.description, "typeMismatch")
    }

    func testParsedExpressionsAreValues() throws {
        XCTAssertEqual(try Expression.parse("a + 1"), try Expression.parse("a + 1"))
        XCTAssertNotEqual(try Expression.parse("a + 1"), try Expression.parse("a + 2"))
        XCTAssertEqual(try Expression.parse("a  +  1").description, "a  +  1")
    }

    // MARK: fuzz

    /// Random and garbled text never crashes the parser or the evaluator: it parses and
    /// evaluates, or throws with an offset inside the text.
    func testFuzzNeverCrashes() {
        var random = ExpressionFuzzGenerator(seed: 0x1CE_CA11)
        let fragments = [
            "(", ")", "((", "))", " ", "a", "b.c", "l.0", "l.9", "r.x.y", "1", "0", "12.5", "-", "+", "*", "/", "%",
            "==", "!=", "<", "<=", ">", ">=", "!", "not ", " and ", " or ", "&&", "||", "&", "|", "=",
            "'", "\"", "\\", "'s'", "\"t\"", "true", "false", "null", ",", "}", "{", ".", "..", "9e9",
            "exists(", "empty(", "length(", "number(", "lower(", "upper(", "contains(", "startsWith(", "lenght(",
            "张", "é", "\u{0}", "\n", "\r\n", "🙂", "#",
        ]
        let seeds = [
            "exists(a) and a.b > 1", "balance > 100 or customer.tier == 'gold'", "number(input.digits) % 2 == 0",
            "contains(l, 'x') || startsWith(lower(s), \"ab\")", "-(1 + 2) * 3 / (4 - 4)", "'Total: ' + length(l)",
        ]
        let vars: [String: FlowValue] = [
            "a": ["b": 2], "b": ["c": "x"], "l": [1, "x", .null], "r": ["x": ["y": 0]], "s": "Abc",
            "balance": 120, "input": ["digits": "42"], "customer": ["tier": "gold"],
        ]
        for round in 0..<20_000 {
            var text: String
            if round % 2 == 0 {
                text = ""
                for _ in 0..<random.next(below: 24) { text += fragments[random.next(below: fragments.count)] }
            } else {
                // Garble a valid expression: delete, duplicate or replace characters.
                var chars = Array(seeds[random.next(below: seeds.count)])
                for _ in 0...random.next(below: 4) where !chars.isEmpty {
                    let i = random.next(below: chars.count)
                    switch random.next(below: 3) {
                    case 0: chars.remove(at: i)
                    case 1: chars.insert(chars[random.next(below: chars.count)], at: i)
                    default: chars[i] = Array(fragments[random.next(below: fragments.count)]).first ?? " "
                    }
                }
                text = String(chars)
            }
            let count = text.count
            do {
                let expression = try Expression.parse(text)
                do {
                    _ = try expression.evaluate { vars[$0] }
                } catch {
                    XCTAssert((0..<count).contains(error.offset), "\(text): \(error)")
                }
            } catch {
                XCTAssert((0...count).contains(error.offset), "\(text): \(error)")
                XCTAssert(error.message.contains(";"), "\(text): \(error.message) says what to do")
            }
        }
    }
}

/// A small deterministic generator, so a failing fuzz round can be replayed.
struct ExpressionFuzzGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}
