import IVR
import XCTest

final class FlowSourceTests: XCTestCase {
    func testProblemReadsFileLineColumnProblemAndFix() {
        let at = SourceLocation(file: "flows/bank.yaml", line: 12, column: 7)
        let problem = FlowProblem(.unknownNode, at: at, "'next' names node 'menu2', which does not exist",
                                  fix: "use one of: main_menu, balance")
        XCTAssertEqual(problem.description,
                       "flows/bank.yaml:12:7: 'next' names node 'menu2', which does not exist; use one of: main_menu, balance")
        XCTAssertEqual(at.advanced(by: 4).description, "flows/bank.yaml:12:11")
    }

    func testProblemsSortByPlace() {
        let a = FlowProblem(.badValue, at: SourceLocation(file: "a.yaml", line: 3, column: 9), "x", fix: "y")
        let b = FlowProblem(.badValue, at: SourceLocation(file: "a.yaml", line: 10, column: 1), "x", fix: "y")
        let c = FlowProblem(.badValue, at: SourceLocation(file: "b.yaml", line: 1, column: 1), "x", fix: "y")
        XCTAssertEqual([c, b, a].sorted(), [a, b, c])
    }
}
