import SIPNetwork

/// Settings given on the command line or in the environment, applied over the file:
/// file < environment (`HOTLINE_*`) < flags.
public struct ConfigurationOverrides: Sendable {
    public var sipListen: String?
    public var httpListen: String?
    public var dataDirectory: String?
    public var logLevel: String?
    public var rtpPorts: String?

    public init(sipListen: String? = nil, httpListen: String? = nil, dataDirectory: String? = nil, logLevel: String? = nil,
                rtpPorts: String? = nil) {
        self.sipListen = sipListen
        self.httpListen = httpListen
        self.dataDirectory = dataDirectory
        self.logLevel = logLevel
        self.rtpPorts = rtpPorts
    }

    /// Reads `HOTLINE_SIP_LISTEN`, `HOTLINE_HTTP_LISTEN`, `HOTLINE_DATA_DIR`, `HOTLINE_LOG_LEVEL`.
    public static func environment(_ env: [String: String]) -> ConfigurationOverrides {
        ConfigurationOverrides(sipListen: env["HOTLINE_SIP_LISTEN"], httpListen: env["HOTLINE_HTTP_LISTEN"],
                               dataDirectory: env["HOTLINE_DATA_DIR"], logLevel: env["HOTLINE_LOG_LEVEL"],
                               rtpPorts: env["HOTLINE_RTP_PORTS"])
    }

    /// Applies these overrides; `source` names them in errors (`--sip-listen`, `HOTLINE_SIP_LISTEN`).
    public func apply(to config: inout HotlineConfiguration, source: (String) -> String) throws(ConfigurationError) {
        if let s = sipListen {
            guard let hp = HostPort(s) else {
                throw ConfigurationError(file: source("sip-listen"), message: "'\(s)' is not HOST:PORT; write e.g. 127.0.0.1:5060")
            }
            config.sipListen = hp
        }
        if let s = httpListen {
            if s.lowercased() == "off" {
                config.httpListen = nil
            } else {
                guard let hp = HostPort(s) else {
                    throw ConfigurationError(file: source("http-listen"), message: "'\(s)' is not HOST:PORT; write e.g. 127.0.0.1:8080, or off")
                }
                config.httpListen = hp
            }
        }
        if let s = dataDirectory {
            guard !s.isEmpty else { throw ConfigurationError(file: source("data-dir"), message: "is empty; give a directory path") }
            config.dataDirectory = s
        }
        if let s = rtpPorts {
            guard let range = HotlineConfiguration.portRange(s) else {
                throw ConfigurationError(file: source("rtp-ports"),
                                         message: "'\(s)' is not a port range like 20000-29999 (from 1024, at least 4 ports)")
            }
            config.rtpPorts = range
        }
        if let s = logLevel {
            guard HotlineConfiguration.logLevels.contains(s) else {
                throw ConfigurationError(file: source("log-level"),
                                         message: "'\(s)' is not a log level; use one of \(HotlineConfiguration.logLevels.joined(separator: ", "))")
            }
            config.logLevel = s
        }
    }
}

extension HotlineConfiguration {
    /// File, then environment, then flags.
    public static func load(file: String?, environment: [String: String], flags: ConfigurationOverrides) throws -> HotlineConfiguration {
        var config = HotlineConfiguration()
        if let file {
            let text: String
            do { text = try FileIO.read(file) } catch {
                throw ConfigurationError(file: file, message: "cannot read the configuration file (\(error)); check the path given to --config")
            }
            config = try ConfigurationReader(file: file).read(yaml: text)
        }
        try ConfigurationOverrides.environment(environment).apply(to: &config) { "HOTLINE_" + $0.uppercased().replacingDashes }
        try flags.apply(to: &config) { "--" + $0 }
        return config
    }
}

extension String {
    var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
