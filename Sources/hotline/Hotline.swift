import ArgumentParser
import HotlineServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

@main
struct Hotline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotline",
        abstract: "Hotline: an open-source contact center (SIP, IVR, ACD, CTI).",
        subcommands: [Serve.self, Dial.self, FlowCommand.self, DemoCommand.self, Simulate.self, ExportCommand.self, Bench.self])
}

/// The process environment as a dictionary.
func environment() -> [String: String] {
    var env: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return env
}

func bootstrapLogging(level: String) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = Logger.Level(rawValue: level) ?? .info
        return handler
    }
    var logger = Logger(label: "hotline")
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Hotline server.")

    @Option(help: "YAML configuration file (env HOTLINE_CONFIG).")
    var config: String?
    @Option(name: .customLong("sip-listen"), help: "SIP UDP+TCP address, HOST:PORT (default 127.0.0.1:5060; env HOTLINE_SIP_LISTEN).")
    var sipListen: String?
    @Option(name: .customLong("http-listen"), help: "HTTP API address, HOST:PORT, or off (default 127.0.0.1:8080; env HOTLINE_HTTP_LISTEN).")
    var httpListen: String?
    @Option(name: .customLong("data-dir"), help: "Where the database and recordings live (default ./data; env HOTLINE_DATA_DIR).")
    var dataDir: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (env HOTLINE_LOG_LEVEL).")
    var logLevel: String?
    @Option(name: .customLong("rtp-ports"), help: "RTP port range LOW-HIGH (default 20000-29999; env HOTLINE_RTP_PORTS).")
    var rtpPorts: String?

    func run() async throws {
        let env = environment()
        let configuration: HotlineConfiguration
        do {
            configuration = try HotlineConfiguration.load(
                file: config ?? env["HOTLINE_CONFIG"], environment: env,
                flags: ConfigurationOverrides(sipListen: sipListen, httpListen: httpListen, dataDirectory: dataDir, logLevel: logLevel,
                                              rtpPorts: rtpPorts))
        } catch {
            FileHandleStderr.write("hotline: \(error)\n")
            throw ExitCode(2)
        }
        let logger = bootstrapLogging(level: configuration.logLevel)
        do {
            try await HotlineApplication.serve(configuration, logger: logger)
        } catch {
            logger.critical("Hotline could not run: \(error)")
            throw ExitCode(1)
        }
    }
}

enum FileHandleStderr {
    static func write(_ s: String) {
        var bytes = Array(s.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

