import IVR
import XCTest

final class TemplateTests: XCTestCase {
    private func render(
        _ text: String, _ variables: [String: FlowValue] = [:], escape: TemplateEscape = .none
    ) throws -> String {
        try Template.parse(text).render({ variables[$0] }, escape: escape)
    }

    private func assertParseError(
        _ text: String, _ code: ExpressionError.Code, _ offset: Int, _ message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try Template.parse(text)
            XCTFail("'\(text)' parsed", file: file, line: line)
        } catch {
            XCTAssertEqual(error, ExpressionError(code, at: offset, message), file: file, line: line)
        }
    }

    // MARK: rendering

    func testSentence() throws {
        XCTAssertEqual(try render("Your balance is {balance} yuan", ["balance": 100]), "Your balance is 100 yuan")
        XCTAssertEqual(try render("Your balance is {balance} yuan", ["balance": 12.5]), "Your balance is 12.5 yuan")
        XCTAssertEqual(try render("{a}{b}", ["a": "x", "b": 1]), "x1")
        XCTAssertEqual(try render("no placeholders"), "no placeholders")
        XCTAssertEqual(try render(""), "")
        XCTAssertEqual(try render("Hello {name}!"), "Hello !")
        XCTAssertEqual(try render("您的余额是{余额}元", ["余额": 8]), "您的余额是8元")
    }

    func testPlaceholdersHoldExpressions() throws {
        let vars: [String: FlowValue] = ["amount": 12.34, "name": "Li", "bills": [["amount": 30]]]
        XCTAssertEqual(try render("{amount * 100} fen", vars), "1234 fen")
        XCTAssertEqual(try render("Hi {upper(name)}", vars), "Hi LI")
        XCTAssertEqual(try render("first bill: {bills.0.amount}", vars), "first bill: 30")
        XCTAssertEqual(try render("{ name + '}' }", vars), "Li}")
        XCTAssertEqual(try render("{\"{\" + name}", vars), "{Li")
        XCTAssertEqual(try render("{exists(vip) and vip}", vars), "false")
    }

    func testLiteralBraces() throws {
        XCTAssertEqual(try render("{{}}"), "{}")
        XCTAssertEqual(try render("{{a}}"), "{a}")
        XCTAssertEqual(try render("{{{a}}}", ["a": 1]), "{1}")
        XCTAssertEqual(try render("{{\"id\": {id}}}", ["id": 7]), "{\"id\": 7}")
    }

    func testURLComponentEscaping() throws {
        let url = "https://crm.example/customers/{customer.id}?full={verbose}&q={q}"
        let vars: [String: FlowValue] = [
            "customer": ["id": "a b/c?d&e=f#g%h+i"], "verbose": true, "q": "张 -._~é",
        ]
        XCTAssertEqual(
            try render(url, vars, escape: .urlComponent),
            "https://crm.example/customers/a%20b%2Fc%3Fd%26e%3Df%23g%25h%2Bi?full=true&q=%E5%BC%A0%20-._~%C3%A9"
        )
        XCTAssertEqual(try render("/x/{n}", ["n": 1.5], escape: .urlComponent), "/x/1.5")
        XCTAssertEqual(try render("/x/{missing}", escape: .urlComponent), "/x/")
    }

    func testJSONEscaping() throws {
        let body = "{{\"name\": \"{name}\", \"note\": \"{note}\"}}"
        let vars: [String: FlowValue] = [
            "name": "张三 \"Sam\" O'Neil",
            "note": "a\\b\nc\rd\te\u{08}f\u{0C}g\u{01}h\u{1F}i\u{7F}j🙂",
        ]
        XCTAssertEqual(
            try render(body, vars, escape: .json),
            "{\"name\": \"张三 \\\"Sam\\\" O'Neil\", \"note\": \"a\\\\b\\nc\\rd\\te\\bf\\fg\\u0001h\\u001Fi\u{7F}j🙂\"}"
        )
        // Literal text is the designer's: not escaped.
        XCTAssertEqual(try render("\"\\{x}\"", ["x": "\""], escape: .json), "\"\\\\\"\"")
        XCTAssertEqual(try render("{x}", ["x": "\r\n"], escape: .json), "\\r\\n")
    }

    func testNoEscapingByDefault() throws {
        XCTAssertEqual(try render("{x}", ["x": "a&b \"c\""]), "a&b \"c\"")
    }

    func testVariables() throws {
        let t = try Template.parse("https://crm.example/customers/{customer.id}?full={verbose}&n={length(bills)}{exists(vip) and vip.level}")
        XCTAssertEqual(t.variables, ["customer.id", "verbose", "bills"])
        XCTAssertEqual(t.optionalVariables, ["vip"])
        XCTAssertEqual(try Template.parse("{{literal}}").variables, [])
        XCTAssertEqual(t.description, "https://crm.example/customers/{customer.id}?full={verbose}&n={length(bills)}{exists(vip) and vip.level}")
    }

    // MARK: errors

    func testParseErrorsPointIntoTheTemplate() {
        assertParseError("Hello {name", .unclosedPlaceholder, 6, "the placeholder '{' is not closed; add '}' after the expression, or write '{{' for a literal brace")
        assertParseError("Hello {name + 'x}", .unterminatedString, 14, "string starting here is not closed; add the closing '")
        assertParseError("a } b", .unmatchedBrace, 2, "'}' closes no placeholder; write '}}' for a literal brace")
        assertParseError("{{a}", .unmatchedBrace, 3, "'}' closes no placeholder; write '}}' for a literal brace")
        assertParseError("x {}", .empty, 2, "the placeholder '{}' is empty; put a variable inside, like {balance}, or write '{{}}' for literal braces")
        assertParseError("x {  }", .empty, 2, "the placeholder '{}' is empty; put a variable inside, like {balance}, or write '{{}}' for literal braces")
        assertParseError("x {a +}", .unexpectedToken, 6, "expected a value after '+' before '}'; add one")
        assertParseError("x {a b}", .unexpectedToken, 5, "unexpected 'b' after a complete expression; join the two with an operator such as 'and' or '+'")
        assertParseError("ok {a} then {lenght(x)}", .unknownFunction, 13, "unknown function 'lenght'; did you mean 'length'?")
        assertParseError("{(a}", .unexpectedToken, 3, "unexpected '}'; close the '(' at offset 1 with ')' first, or join the values with an operator")
        assertParseError("{a)}", .unexpectedToken, 2, "unexpected ')'; remove it or add the matching '('")
        assertParseError("张三 {a = 1}", .unexpectedCharacter, 6, "unexpected '='; use '==' to compare (a flow sets variables with a 'set' node)")
    }

    func testRenderErrorsPointIntoTheTemplate() throws {
        let t = try Template.parse("Total {a / b} and {c < 1}")
        XCTAssertThrowsError(try t.render { ["a": 1, "b": 0][$0] }) { error in
            XCTAssertEqual(error as? ExpressionError, ExpressionError(.divisionByZero, at: 9, "division by zero in '/'; check the divisor is not 0 first, like x != 0 and total / x > 1"))
        }
        XCTAssertThrowsError(try t.render { ["a": 1, "b": 2, "c": "x"][$0] }) { error in
            XCTAssertEqual(error as? ExpressionError, ExpressionError(.typeMismatch, at: 21, "cannot compare string with number using '<'; '<' needs two numbers or two strings (convert text with number(...) to compare numbers)"))
        }
    }

    func testLimits() throws {
        let longest = String(repeating: "x", count: 19_990) + "{" + "a" + "}"
        XCTAssertEqual(try render(longest, ["a": 1]), String(repeating: "x", count: 19_990) + "1")
        assertParseError(String(repeating: "{{", count: 10_001), .tooLong, 20_000, "the template is 20002 characters long, more than the 20000 allowed; shorten it")
        let placeholder = String(repeating: "1+", count: 1_000) + "1"
        assertParseError("ab{" + placeholder + "}", .tooLong, 2, "the placeholder is 2001 characters long, more than the 2000 allowed; compute the value in a 'set' node first")
        XCTAssertEqual(try render("{" + String(repeating: "1+", count: 999) + "1}"), "1000")
        assertParseError("x{" + String(repeating: "(", count: 65) + "1" + String(repeating: ")", count: 65) + "}", .tooDeep, 66, "the expression nests deeper than 64 levels; remove redundant parentheses or split it over several 'set' nodes")
    }

    /// Garbled templates parse and render, or throw with an offset inside the text.
    func testFuzzNeverCrashes() {
        var random = ExpressionFuzzGenerator(seed: 0x7E3_9A7E)
        let fragments = ["{", "}", "{{", "}}", "a", "b.0", " ", "'", "\"", "}'", "+", "(", ")", "x", "张", "\\", "==", "1", "/", "0", "%"]
        let vars: [String: FlowValue] = ["a": "v", "b": [1], "x": 0]
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<random.next(below: 16) { text += fragments[random.next(below: fragments.count)] }
            let count = text.count
            do {
                let template = try Template.parse(text)
                for escape in [TemplateEscape.none, .urlComponent, .json] {
                    do {
                        _ = try template.render({ vars[$0] }, escape: escape)
                    } catch {
                        XCTAssert((0..<count).contains(error.offset), "\(text): \(error)")
                    }
                }
            } catch {
                XCTAssert((0...count).contains(error.offset), "\(text): \(error)")
            }
        }
    }
}
