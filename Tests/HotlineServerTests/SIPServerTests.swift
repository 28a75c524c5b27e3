import Logging
import NIOCore
import NIOPosix
import SIPDialog
import SIPMessage
import SIPNetwork
import SIPTransaction
import XCTest
@testable import HotlineServer

/// The SIP service on real loopback sockets, driven by Hotline's own UAC.
final class SIPServerTests: XCTestCase {
    var logger: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    func makeServer(lines: [HotlineConfiguration.Line]) throws -> SIPServer {
        var config = HotlineConfiguration()
        config.sipListen = HostPort(host: "127.0.0.1", port: 0)
        config.lines = lines
        return try HotlineApplication.makeSIPServer(config, credentials: [:], nonceSecret: [UInt8](repeating: 1, count: 32), logger: logger)
    }

    /// Places a call and returns futures for its answer and its end.
    func call(_ dialer: SIPServer, port: Int, number: String, duration: Duration?)
        -> (answered: EventLoopFuture<Void>, ended: EventLoopFuture<CallEndReason>) {
        let endpoint = dialer.endpoint
        let answered = endpoint.eventLoop.makePromise(of: Void.self)
        let ended = endpoint.eventLoop.makePromise(of: CallEndReason.self)
        endpoint.eventLoop.execute {
            _ = endpoint.placeCall(to: SIPURI(user: number, host: "127.0.0.1", port: port),
                                   via: SIPPeer(transport: .udp, host: "127.0.0.1", port: port), duration: duration) { event in
                switch event {
                case .answered: answered.succeed()
                case .ended(_, let reason):
                    answered.fail(CallFailed(reason: reason))
                    ended.succeed(reason)
                default: break
                }
            }
        }
        return (answered.futureResult, ended.futureResult)
    }

    struct CallFailed: Error { var reason: CallEndReason }

    func testCallAnsweredAndHungUpByTheCaller() async throws {
        let server = try makeServer(lines: [.init(number: "10000", name: "t")])
        let port = try await server.bind()
        let dialer = try HotlineApplication.makeDialer(bind: HostPort(host: "127.0.0.1", port: 0), logger: logger)
        try await dialer.bind()
        let (answered, ended) = call(dialer, port: port, number: "10000", duration: .milliseconds(200))
        try await answered.get()
        let reason = try await ended.get()
        XCTAssertEqual(reason, .localHangup)
        let active = try await server.withEndpoint { $0.core.activeCallCount }
        XCTAssertEqual(active, 0, "the server forgot the call and released its port")
        let lingering = try await dialer.withEndpoint { $0.pendingTimerCount }
        XCTAssertGreaterThan(lingering, 0, "the BYE's client transaction still waits out Timer K")
        try await dialer.stop()
        try await server.stop()
        // A stopped endpoint leaves no timer behind to fire on the shared event loop later.
        let dialerTimers = try await dialer.withEndpoint { $0.pendingTimerCount }
        let serverTimers = try await server.withEndpoint { $0.pendingTimerCount }
        XCTAssertEqual(dialerTimers, 0)
        XCTAssertEqual(serverTimers, 0)
    }

    func testUnknownNumberIs404() async throws {
        let server = try makeServer(lines: [])
        let port = try await server.bind()
        let dialer = try HotlineApplication.makeDialer(bind: HostPort(host: "127.0.0.1", port: 0), logger: logger)
        try await dialer.bind()
        let (_, ended) = call(dialer, port: port, number: "123", duration: nil)
        let reason = try await ended.get()
        XCTAssertEqual(reason, .failed(status: 404))
        try await dialer.stop()
        try await server.stop()
    }

    /// Graceful shutdown: calls in progress get a BYE before the sockets close.
    func testShutdownSendsByeToCallsInProgress() async throws {
        let server = try makeServer(lines: [.init(number: "10000", name: "t")])
        let port = try await server.bind()
        let dialer = try HotlineApplication.makeDialer(bind: HostPort(host: "127.0.0.1", port: 0), logger: logger)
        try await dialer.bind()
        let (answered, ended) = call(dialer, port: port, number: "10000", duration: nil)
        try await answered.get()
        try await server.stop()
        let reason = try await ended.get()
        XCTAssertEqual(reason, .remoteHangup, "the caller was sent a BYE")
        let stats = try await server.withEndpoint { $0.statistics }
        XCTAssertGreaterThanOrEqual(stats.responsesIn, 1, "the BYE was answered before the sockets closed")
        try await dialer.stop()
    }
}

extension SIPServerTests {
    /// A stopped and released server leaves nothing on the shared event loop that could
    /// fire into freed memory (the crash CI saw: a BYE's Timer K firing 5 s after a test's
    /// server was gone). T4 is shortened to 50 ms so Timer K would fire within the test.
    func testTimersOutlivingTheirEndpointAreHarmless() async throws {
        let server = try makeServer(lines: [.init(number: "10000", name: "t")])
        let port = try await server.bind()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        var timers = TransactionTimerSettings()
        timers.t4 = .milliseconds(50)
        let verifier = try DigestVerifier(configuration: .init(realm: "hotline.local", nonceSecret: [UInt8](repeating: 3, count: 32)),
                                          nonceSeed: 1)
        let core = UserAgentCore(configuration: UserAgentConfiguration(advertisedPort: 0),
                                 registrar: Registrar(settings: .init(realm: "hotline.local"), credentials: [:], verifier: verifier),
                                 seed: 5)
        var dialer: SIPServer? = SIPServer(configuration: SIPServerConfiguration(listen: HostPort(host: "127.0.0.1", port: 0), enableTCP: false,
                                                                                  timers: timers),
                                           core: core, eventLoop: loop, logger: logger, seed: 6) { _ in }
        try await dialer!.bind()
        let (_, ended) = call(dialer!, port: port, number: "10000", duration: .milliseconds(50))
        _ = try await ended.get()
        let pending = try await dialer!.withEndpoint { $0.pendingTimerCount }
        XCTAssertGreaterThan(pending, 0, "Timer K of the BYE is pending")
        try await dialer!.stop()
        dialer = nil // sockets closed, last reference gone: the endpoint is freed
        try await Task.sleep(for: .milliseconds(300))
        // The process is still alive: no timer ran against the freed endpoint.
        try await server.stop()
    }
}
