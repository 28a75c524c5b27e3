import Foundation
import IVR
import XCTest
@testable import HotlineServer

final class FlowLoaderTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "hotline-flows-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory + "/prompts", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    private func write(_ name: String, _ text: String) -> String {
        let path = directory + "/" + name
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        return path
    }

    /// Prompt files resolve against the flow file's directory; subflows may name flows of
    /// other files; a flow name used twice and an unreadable file are problems.
    func testFilesAreLoadedTogether() {
        _ = write("prompts/hello.wav", "not checked here")
        let main = write("main.yaml", """
            flow: main
            start: a
            prompts:
              hello: {file: prompts/hello.wav}
              gone: {file: prompts/gone.wav}
            nodes:
              a:
                subflow: pin
                next: b
              b:
                play: [hello, gone]
                next: c
              c:
                hangup: hello
            """)
        let pin = write("pin.yaml", """
            flow: pin
            start: r
            nodes:
              r:
                return: true
            """)
        let twin = write("twin.yaml", "flow: pin\nstart: r\nnodes:\n  r:\n    return: true\n")
        let result = FlowLoader.load([main, pin, twin, directory + "/absent.yaml"])
        XCTAssertEqual(result.flows.map(\.name), ["main", "pin", "pin"])
        XCTAssertEqual(result.problems.count, 3)
        XCTAssertTrue(result.problems[0].description.hasPrefix("\(directory)/absent.yaml:1:1: cannot read the flow file ("),
                      result.problems[0].description)
        XCTAssertEqual(result.problems.dropFirst().map(\.description), [
            "\(main):5:16: prompt file 'prompts/gone.wav' does not exist; record it there, or fix the path (relative to the flow file)",
            "\(twin):1:1: flow name 'pin' is also used by \(pin); give each flow its own name",
        ])
    }
}
