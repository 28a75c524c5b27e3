import IVR
import XCTest
@testable import HotlineServer

final class FlowYAMLTests: XCTestCase {
    private func at(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: "telecom.yaml", line: line, column: column)
    }

    func testValuesKeepWhereTheyWereWritten() throws {
        let text = """
            flow: telecom
            nodes:
              welcome:
                play: "welcome"
                next: menu
              menu:
                options: ["1", 2]
                empty:
            """
        let source = try FlowYAML.source(text, file: "telecom.yaml")
        guard case .mapping(let top, let topAt) = source else { return XCTFail("\(source)") }
        XCTAssertEqual(topAt, at(1, 1))
        XCTAssertEqual(top.map(\.key), ["flow", "nodes"])
        XCTAssertEqual(top[0].value, .scalar("telecom", quoted: false, at(1, 7)))
        guard case .mapping(let nodes, _) = top[1].value else { return XCTFail("\(top[1])") }
        XCTAssertEqual(nodes.map(\.keyLocation), [at(3, 3), at(6, 3)])
        guard case .mapping(let welcome, _) = nodes[0].value else { return XCTFail() }
        XCTAssertEqual(welcome[0].value, .scalar("welcome", quoted: true, at(4, 12)))
        guard case .mapping(let menu, _) = nodes[1].value else { return XCTFail() }
        XCTAssertEqual(menu[0].value, .sequence([.scalar("1", quoted: true, at(7, 16)),
                                                  .scalar("2", quoted: false, at(7, 20))], at(7, 14)))
        XCTAssertEqual(menu[1].value, .null(at(8, 11)))
    }

    func testSyntaxErrorsArePlaced() {
        let text = """
            flow: telecom
            nodes:
              welcome:
                play: [unclosed
            """
        XCTAssertThrowsError(try FlowYAML.source(text, file: "telecom.yaml")) { error in
            let problem = error as? FlowProblem
            XCTAssertEqual(problem?.code, .syntax)
            XCTAssertEqual(problem?.location.file, "telecom.yaml")
            XCTAssertGreaterThanOrEqual(problem?.location.line ?? 0, 4)
            XCTAssertTrue(problem?.description.hasPrefix("telecom.yaml:") ?? false, "\(String(describing: problem))")
        }
    }

    func testAnEmptyFileIsNull() throws {
        XCTAssertEqual(try FlowYAML.source("", file: "telecom.yaml"), .null(at(1, 1)))
    }

    func testNestingBeyondTheLimitIsCutNotACrash() throws {
        func depth(_ s: FlowSource) -> Int {
            switch s {
            case .sequence(let items, _): 1 + (items.map(depth).max() ?? 0)
            case .mapping(let entries, _): 1 + (entries.map { depth($0.value) }.max() ?? 0)
            case .scalar, .null: 0
            }
        }
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        do {
            let source = try FlowYAML.source(deep, file: "telecom.yaml")
            XCTAssertLessThanOrEqual(depth(source), FlowYAML.maximumDepth)
        } catch {
            XCTAssertEqual(error.code, .syntax, "\(error)")
        }
    }
}
