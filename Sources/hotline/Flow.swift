import ArgumentParser
import HotlineServer

/// `hotline flow ...`: work on IVR flow files without a phone.
struct FlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Check IVR flow files.",
        subcommands: [FlowValidate.self])
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
