import ArgumentParser
import Foundation
import HotlineModel
import HotlineServer
import IVR
import StorageSQLite

#if canImport(Glibc)
import Glibc
#endif

/// `hotline flow ...`: work on IVR flow files without a phone.
struct FlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Check, simulate and reload IVR flows.",
        subcommands: [FlowValidate.self, FlowSimulate.self, FlowReload.self])
}

/// `hotline flow validate FILE...`: every problem as `file:line:column: problem; fix`;
/// exits 1 when there is one.
struct FlowValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check flow files (YAML) the way Hotline does before it serves them; exits non-zero on any problem.")

    @Argument(help: "Flow files; subflows may name any flow among them.") var files: [String]

    func run() throws {
        let result = FlowLoader.load(files)
        for problem in result.problems { FileIO.writeStandardError("\(problem)\n") }
        if !result.problems.isEmpty {
            FileIO.writeStandardError("\(result.problems.count) problem\(result.problems.count == 1 ? "" : "s") in \(files.count) file\(files.count == 1 ? "" : "s")\n")
            throw ExitCode(1)
        }
        print("ok: \(result.flows.count) flow\(result.flows.count == 1 ? "" : "s") (\(result.flows.map(\.name).joined(separator: ", ")))")
    }
}

/// `hotline flow simulate FLOW...`: a flow in the terminal, against the store in the data
/// directory, with the interpreter calls use.
struct FlowSimulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a flow in the terminal: prompts as text, keys typed, the path printed at the end.",
        discussion: """
            The first file's flow runs; the other files (or directories of *.yaml) are its subflows. \
            Lookups, PIN checks and created tickets use the store in --data-dir (run `hotline demo seed` \
            there for the demo customers). Type keys and Enter; Enter alone skips to the next timeout \
            (with --real-time timeouts also happen by themselves); `hangup` or Ctrl-D hangs up.
            """)

    @Argument(help: "The flow file to run, then any subflow files or directories.") var files: [String]
    @Option(help: "The caller's number (caller ID).") var caller = "13800138000"
    @Option(help: "The number dialled.") var dialled = "10000"
    @Option(name: .customLong("data-dir"), help: "The data directory whose store lookups and PIN checks use.") var dataDir = "./data"
    @Flag(name: .customLong("real-time"), help: "Timeouts happen by themselves after their real time.") var realTime = false

    func run() async throws {
        let paths = FlowRegistry.expand(files)
        let result = FlowLoader.load(paths)
        for problem in result.problems { FileIO.writeStandardError("\(problem)\n") }
        guard result.problems.isEmpty, let first = paths.first,
              let flow = result.flows.first(where: { $0.file == first }) ?? result.flows.first else {
            FileIO.writeStandardError("the flow has problems; fix them first (hotline flow validate)\n")
            throw ExitCode(1)
        }
        let logger = bootstrapLogging(level: "error")
        let store = try SQLiteStore(.dataDirectory(dataDir))
        let services = IVRServices(store: store, logger: logger)
        let http = IVRHTTPService(logger: logger)
        let simulator = FlowSimulator(
            flow: flow, flows: Dictionary(result.flows.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }),
            services: services, http: http.client, call: CallInfo(callerNumber: caller, dialled: dialled, callID: "simulated"),
            realTime: realTime, now: { .now() }, write: { text in
                var bytes = Array(text.utf8)
                _ = bytes.withUnsafeMutableBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            })
        let outcome = await simulator.run { timeout in TerminalInput.readLine(timeoutMilliseconds: timeout) }
        try? await http.shutdown()
        try await store.close()
        if outcome.outcome == "error" || outcome.outcome == "loop" { throw ExitCode(1) }
    }
}

/// `hotline flow reload`: asks the running server (its pid in the data directory) to
/// reload its flows, and prints what it said.
struct FlowReload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload the flows of the running Hotline (as SIGHUP does); exits 1 if they were refused.")

    @Option(name: .customLong("data-dir"), help: "The running server's data directory.") var dataDir = "./data"
    @Option(help: "Seconds to wait for the server's answer.") var timeout = 60

    func run() throws {
        let pidPath = dataDir + "/" + FlowReloader.pidFileName
        let statusPath = dataDir + "/" + FlowReloader.statusFileName
        guard let text = try? FileIO.read(pidPath), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            FileIO.writeStandardError("no running Hotline found: \(pidPath) is missing; start `hotline serve` with this data directory\n")
            throw ExitCode(1)
        }
        let before = (try? FileIO.read(statusPath)).flatMap(Self.attempt) ?? 0
        guard kill(pid, SIGHUP) == 0 else {
            FileIO.writeStandardError("could not signal Hotline (pid \(pid)): \(String(cString: strerror(errno))); is it still running?\n")
            throw ExitCode(1)
        }
        for _ in 0..<(timeout * 10) {
            usleep(100_000)
            guard let status = try? FileIO.read(statusPath), let attempt = Self.attempt(status), attempt > before else { continue }
            let lines = status.split(separator: "\n").map(String.init)
            if lines.count > 1, lines[1].hasPrefix("loaded") {
                print("reloaded: flows version \(lines[1].dropFirst("loaded ".count)); calls in progress keep the version they started with")
                return
            }
            FileIO.writeStandardError("refused; \(lines.count > 2 ? lines[2] : "serving none") keeps serving:\n")
            for problem in lines.dropFirst(3) { FileIO.writeStandardError("\(problem)\n") }
            throw ExitCode(1)
        }
        FileIO.writeStandardError("Hotline did not answer within \(timeout) s; see its log\n")
        throw ExitCode(1)
    }

    static func attempt(_ status: String) -> Int? {
        guard let first = status.split(separator: "\n").first, first.hasPrefix("attempt ") else { return nil }
        return Int(first.dropFirst("attempt ".count))
    }
}

/// Lines from standard input, optionally with a deadline.
enum TerminalInput {
    static func readLine(timeoutMilliseconds: Int?) -> FlowSimulator.Input? {
        if let timeoutMilliseconds {
            var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, Int32(clamping: timeoutMilliseconds))
            if ready == 0 { return .timedOut }
        }
        guard let line = Swift.readLine() else { return nil }
        return .line(line.trimmingCharacters(in: .whitespaces))
    }
}
