import Foundation
import IVR
import XCTest
@testable import HotlineServer

/// Every YAML block in docs/ivr-flows.md is a whole flow that decodes and validates (prompt
/// WAV files are taken as present: the examples ship no audio).
final class IVRFlowDocsTests: XCTestCase {
    func testEveryExampleInTheGuideValidates() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/ivr-flows.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var blocks: [(line: Int, yaml: String)] = []
        var current: [String]?
        var start = 0
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if current == nil, line == "```yaml" {
                current = []
                start = i + 2
            } else if current != nil, line == "```" {
                blocks.append((start, current!.joined(separator: "\n")))
                current = nil
            } else {
                current?.append(String(line))
            }
        }
        XCTAssertGreaterThanOrEqual(blocks.count, 13, "the guide has an example per node kind")
        var kinds: Set<String> = []
        for block in blocks {
            let file = "docs/ivr-flows.md(block at line \(block.line))"
            let source = try FlowYAML.source(block.yaml, file: file)
            let (flow, decodeProblems) = FlowDecoder.decode(source, file: file)
            XCTAssertEqual(decodeProblems.map(\.description), [], file)
            guard let flow else { XCTFail("\(file) did not decode"); continue }
            let problems = FlowValidator(context: .init(fileExists: { _ in true })).validate(flow)
            XCTAssertEqual(problems.map(\.description), [], file)
            for node in flow.nodes.values { kinds.insert(node.kind.keyword) }
        }
        XCTAssertEqual(FlowDecoder.keywords.filter { !kinds.contains($0) }, ["subflow", "return"],
                       "every node kind but subflow/return (two files) has an example")
    }
}
