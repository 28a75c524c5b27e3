import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// Reloads the flows on SIGHUP (which `hotline flow reload` sends) and writes the outcome
/// to `<data_dir>/flows.status`, where that command reads it: calls in progress keep the
/// flows they started with, new calls get the new version, and flows with a problem are
/// refused while the old version keeps serving.
public struct FlowReloader: Service {
    public static let statusFileName = "flows.status"
    public static let pidFileName = "hotline.pid"

    let registry: FlowRegistry
    let dataDirectory: String
    let logger: Logger

    public init(registry: FlowRegistry, dataDirectory: String, logger: Logger) {
        self.registry = registry
        self.dataDirectory = dataDirectory
        self.logger = logger
    }

    public func run() async throws {
        try FileIO.makeDirectory(dataDirectory)
        try FileIO.writeAtomically(dataDirectory + "/" + Self.pidFileName, "\(getpid())\n")
        defer { unlink(dataDirectory + "/" + Self.pidFileName) }
        var attempt = 0
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            attempt += 1
            logger.info("SIGHUP: reloading flows", metadata: ["ivr.reload": "\(attempt)"])
            let report = await registry.reload()
            writeStatus(Self.status(attempt: attempt, report: report, serving: registry.catalog?.version))
        }
    }

    /// `attempt N`, `loaded V` or `refused`, `serving V`, then one problem per line.
    static func status(attempt: Int, report: FlowRegistry.LoadReport, serving: Int?) -> String {
        var lines = ["attempt \(attempt)", report.version.map { "loaded \($0)" } ?? "refused",
                     "serving \(serving.map(String.init) ?? "none")"]
        lines += report.problems
        return lines.joined(separator: "\n") + "\n"
    }

    private func writeStatus(_ text: String) {
        do { try FileIO.writeAtomically(dataDirectory + "/" + Self.statusFileName, text) } catch {
            logger.error("could not write \(Self.statusFileName): \(error)")
        }
    }
}
