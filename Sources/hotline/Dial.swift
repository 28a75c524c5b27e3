import ArgumentParser
import HotlineServer
import Logging
import NIOCore
import SIPDialog
import SIPMessage
import SIPNetwork
import SIPTransaction

/// `hotline dial`: one outgoing call through Hotline's own UAC, for tests and diagnostics.
struct Dial: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Place one call as a SIP UAC: INVITE, wait, BYE. Exits 0 if it was answered and ended cleanly.")

    @Argument(help: "Target, e.g. sip:10000@127.0.0.1:5060 (the host must be an IP address).")
    var target: String
    @Option(help: "From URI.") var from: String = "sip:hotline@127.0.0.1"
    @Option(help: "Seconds to stay connected after the answer.") var duration: Double = 1
    @Option(help: "udp or tcp.") var transport: String = "udp"
    @Option(name: .customLong("auth-user")) var authUser: String?
    @Option(name: .customLong("auth-password")) var authPassword: String?
    @Option(help: "Local address, HOST:PORT (port 0 picks one).") var bind: String = "127.0.0.1:0"
    @Option(help: "Give up if the call has not ended after this many seconds.") var timeout: Double = 60
    @Option(name: .customLong("log-level")) var logLevel: String = "warning"

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel)
        guard let uri = try? SIPURI(parsing: target) else { throw ValidationError("target '\(target)' is not a sip: URI") }
        guard let fromAddress = try? NameAddress(parsing: "<\(from)>") else { throw ValidationError("--from '\(from)' is not a URI") }
        guard let kind = SIPTransportKind(rawValue: transport), kind == .udp || kind == .tcp else {
            throw ValidationError("--transport must be udp or tcp")
        }
        guard let local = HostPort(bind) else { throw ValidationError("--bind '\(bind)' is not HOST:PORT") }
        let credentials = authUser.map { DialCredentials(username: $0, password: authPassword ?? "") }
        let server = try HotlineApplication.makeDialer(bind: local, logger: logger)
        try await server.bind()
        let peer = SIPPeer(transport: kind, host: uri.host, port: uri.port ?? 5060)
        let outcome = try await DialSession.run(server: server, target: uri, from: fromAddress, peer: peer, credentials: credentials,
                                                duration: .milliseconds(Int64(duration * 1000)), timeout: timeout)
        try await server.stop()
        print(outcome.summary)
        if !outcome.success { throw ExitCode(1) }
    }
}

/// Waits for one call's outcome on the endpoint's event loop.
enum DialSession {
    struct Outcome: Sendable {
        var answered = false
        var reason: CallEndReason?
        var success: Bool { answered && (reason == .localHangup || reason == .remoteHangup) }
        var summary: String {
            let r = reason.map { "\($0)" } ?? "no outcome (timed out)"
            return "\(statusLine)\n" + (answered ? "answered; ended: \(r)" : "not answered: \(r)")
        }

        /// The final response to the INVITE, as a status line.
        var statusLine: String {
            if answered { return "SIP/2.0 200 \(SIPResponse.defaultReason(for: 200))" }
            switch reason {
            case .failed(let status)?, .rejected(let status)?: return "SIP/2.0 \(status) \(SIPResponse.defaultReason(for: status))"
            case .cancelled?: return "SIP/2.0 487 \(SIPResponse.defaultReason(for: 487))"
            default: return "no final response"
            }
        }
    }

    static func run(server: SIPServer, target: SIPURI, from: NameAddress, peer: SIPPeer, credentials: DialCredentials?,
                    duration: Duration, timeout: Double) async throws -> Outcome {
        let endpoint = server.endpoint
        let promise = endpoint.eventLoop.makePromise(of: Outcome.self)
        /// Touched only on the endpoint's event loop.
        final class Box: @unchecked Sendable {
            var outcome = Outcome()
            var done = false
        }
        let box = Box()
        endpoint.eventLoop.execute {
            @Sendable func finish() {
                guard !box.done else { return }
                box.done = true
                promise.succeed(box.outcome)
            }
            _ = endpoint.placeCall(to: target, from: from, via: peer, credentials: credentials, duration: duration) { event in
                switch event {
                case .answered: box.outcome.answered = true
                case .ended(_, let reason):
                    box.outcome.reason = reason
                    finish()
                default: break
                }
            }
            endpoint.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { finish() }
        }
        return try await promise.futureResult.get()
    }
}
