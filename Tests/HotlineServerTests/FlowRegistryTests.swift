import HotlineModel
import IVR
import Logging
import XCTest
@testable import HotlineServer

/// Loading and reloading flows: a version serves until a reload without problems
/// replaces it, and a catalog taken by a call never changes.
final class FlowRegistryTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "flow-registry-\(UInt64.random(in: 0...UInt64.max))"
        try FileIO.makeDirectory(directory)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func write(_ name: String, _ text: String) throws {
        try FileIO.writeAtomically(directory + "/" + name, text)
    }

    static func flow(_ greeting: String) -> String {
        """
        flow: hello
        language: en-US
        start: greet
        prompts:
          hi: {zh-CN: "你好", en-US: "\(greeting)"}
        nodes:
          greet:
            play: hi
            next: bye
          bye:
            hangup: {outcome: done}
        """
    }

    func testReloadSwapsOnlyAFlawlessLoadAndCallsKeepTheirCatalog() async throws {
        try write("hello.yaml", Self.flow("Hello"))
        let registry = FlowRegistry(paths: [directory], lines: ["7100": "hello"], speech: nil, logger: Logger(label: "test"))
        let first = await registry.reload()
        XCTAssertEqual(first.version, 1)
        XCTAssertEqual(first.problems, [])
        XCTAssertEqual(first.flows, ["hello"])
        let (flow, catalog) = try XCTUnwrap(registry.flow(forLine: "7100"))
        XCTAssertEqual(catalog.version, 1)
        XCTAssertNil(registry.flow(forLine: "7101"))

        // A broken file is refused with its place; version 1 keeps serving.
        try write("hello.yaml", Self.flow("Hello").replacingOccurrences(of: "next: bye", with: "next: nowhere"))
        let refused = await registry.reload()
        XCTAssertNil(refused.version)
        XCTAssertEqual(refused.problems.count, 1, "\(refused.problems)")
        XCTAssertTrue(refused.problems.contains { $0.hasPrefix("\(directory)/hello.yaml:9:11: ") }, "\(refused.problems)")
        XCTAssertEqual(registry.catalog?.version, 1)

        // A good change becomes version 2; what a call took before is unchanged.
        try write("hello.yaml", Self.flow("Welcome back"))
        let second = await registry.reload()
        XCTAssertEqual(second.version, 2)
        XCTAssertEqual(registry.flow(forLine: "7100")?.1.version, 2)
        XCTAssertEqual(catalog.version, 1)
        XCTAssertEqual(flow.prompts["hi"]?.sources[.enUS]?.value, .text("Hello"))
        XCTAssertEqual(registry.flow(forLine: "7100")?.0.prompts["hi"]?.sources[.enUS]?.value, .text("Welcome back"))
    }

    func testALineNamingAMissingFlowIsAProblem() async throws {
        try write("hello.yaml", Self.flow("Hello"))
        let registry = FlowRegistry(paths: [directory + "/hello.yaml"], lines: ["7100": "helo"], speech: nil,
                                    logger: Logger(label: "test"))
        let report = await registry.reload()
        XCTAssertNil(report.version)
        XCTAssertEqual(report.problems, ["line 7100 runs flow 'helo', which none of the flow files defines; "
                                         + "check the line's flow: or add the file to ivr.flows"])
        XCTAssertNil(registry.catalog)
    }

    func testATransferToAQueueNotConfiguredIsAProblem() async throws {
        try write("agent.yaml", """
            flow: agent
            language: en-US
            start: greet
            prompts:
              hold: {zh-CN: "请稍候", en-US: "Please hold"}
            nodes:
              greet:
                transfer: {queue: cardz, prompt: hold}
            """)
        let registry = FlowRegistry(paths: [directory + "/agent.yaml"], lines: [:], queues: ["cards", "banking"], speech: nil,
                                    logger: Logger(label: "test"))
        let report = await registry.reload()
        XCTAssertNil(report.version)
        XCTAssertEqual(report.problems, ["\(directory)/agent.yaml:8:23: transfer to queue 'cardz', which the configuration does not "
                                         + "define; add it under queues: or use one of banking, cards"])
        // Without queues configured (routing off) the same flow loads.
        let unrouted = FlowRegistry(paths: [directory + "/agent.yaml"], lines: [:], speech: nil, logger: Logger(label: "test"))
        let loaded = await unrouted.reload()
        XCTAssertEqual(loaded.problems, [])
    }

    func testDirectoriesStandForTheirYAMLFilesOnce() throws {
        try write("b.yaml", "")
        try write("a.yml", "")
        try write(".hidden.yaml", "")
        try write("notes.txt", "")
        XCTAssertEqual(FlowRegistry.expand([directory, directory + "/b.yaml", "/no/such/file.yaml"]),
                       [directory + "/a.yml", directory + "/b.yaml", "/no/such/file.yaml"])
    }

    func testTheBenchmarkFlowLoads() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let loaded = FlowLoader.load(FlowRegistry.expand([root.appendingPathComponent("flows/bench").path]))
        XCTAssertEqual(loaded.problems, [])
        XCTAssertEqual(loaded.flows.map(\.name), ["bench-short-ivr"])
    }

    func testReloadStatusForTheCommand() {
        let ok = FlowRegistry.LoadReport(version: 3, problems: [], flows: ["a"], renderedPrompts: 2, milliseconds: 5)
        XCTAssertEqual(FlowReloader.status(attempt: 2, report: ok, serving: 3), "attempt 2\nloaded 3\nserving 3\n")
        let bad = FlowRegistry.LoadReport(version: nil, problems: ["f.yaml:1:1: x; y"], flows: [], renderedPrompts: 0,
                                          milliseconds: 5)
        XCTAssertEqual(FlowReloader.status(attempt: 3, report: bad, serving: 3), "attempt 3\nrefused\nserving 3\nf.yaml:1:1: x; y\n")
    }
}

/// `hotline flow simulate`: the demo telecom flow against the seeded store, with typed keys.
final class FlowSimulatorTests: XCTestCase {
    func testTheTelecomBalanceByCallerIDAndATimeoutAtTheEnd() async throws {
        let store = try await IVRServicesTests.seededStore()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let loaded = FlowLoader.load(FlowRegistry.expand([root.appendingPathComponent("flows/demo").path]))
        XCTAssertEqual(loaded.problems, [])
        let telecom = try XCTUnwrap(loaded.flows.first { $0.name == "telecom" })
        var output = ""
        var clock = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
        let simulator = FlowSimulator(
            flow: telecom, flows: Dictionary(uniqueKeysWithValues: loaded.flows.map { ($0.name, $0) }),
            services: IVRServices(store: store, hasher: IVRServicesTests.hasher, logger: Logger(label: "test")), http: nil,
            call: CallInfo(callerNumber: "13800138000", dialled: "10000", callID: "sim"), realTime: false,
            now: { clock }, write: { output += $0 })
        var lines = ["1", "1", "123456", "", "", "", ""][...]
        let result = await simulator.run { timeout in
            XCTAssertNil(timeout, "skipped timeouts never wait")
            clock = clock.adding(milliseconds: 500)
            return lines.popFirst().map { .line($0) }
        }
        XCTAssertEqual(result.outcome, "self-served")
        XCTAssertEqual(Array(result.path.prefix(2)), ["lang", "main"])
        XCTAssertTrue(result.steps.contains { $0.kind == "verify" && $0.outcome == "verified" }, output)
        XCTAssertTrue(result.steps.contains { $0.kind == "collect" && $0.input == FlowSession.mask }, output)
        XCTAssertTrue(output.contains("[zh-CN] 五十六元三角"), output)
        XCTAssertFalse(output.contains("123456"), "the PIN is never shown:\n\(output)")
        XCTAssertTrue(output.contains("■ self-served\n  path: lang → main → "), output)
        try await store.close()
    }
}
