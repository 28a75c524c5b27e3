import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SIPDialog
import SIPMessage
import SIPTransaction

/// Where and how the SIP stack listens.
public struct SIPServerConfiguration: Sendable {
    public var listen: HostPort
    public var enableTCP: Bool
    public var limits: SIPParser.Limits
    public var flood: FloodGuard.Policy
    public var timers: TransactionTimerSettings
    public var maxTCPConnections: Int
    /// Live transactions at most. Completed and RFC 6026 Accepted transactions linger 32 s
    /// (Timers J and L), so a node taking R calls/s holds about 2·32·R of them.
    public var maxTransactions: Int
    /// How long graceful shutdown waits for calls to end after sending BYE.
    public var shutdownGrace: Duration

    public init(listen: HostPort, enableTCP: Bool = true, limits: SIPParser.Limits = SIPParser.Limits(),
                flood: FloodGuard.Policy = FloodGuard.Policy(), timers: TransactionTimerSettings = TransactionTimerSettings(),
                maxTCPConnections: Int = 4096, maxTransactions: Int = 500_000, shutdownGrace: Duration = .seconds(2)) {
        self.maxTransactions = maxTransactions
        self.listen = listen
        self.enableTCP = enableTCP
        self.limits = limits
        self.flood = flood
        self.timers = timers
        self.maxTCPConnections = maxTCPConnections
        self.shutdownGrace = shutdownGrace
    }
}

/// The SIP stack as a long-running `Service`: binds UDP and TCP, runs until graceful
/// shutdown, then ends every call and closes its sockets.
public final class SIPServer: Service, @unchecked Sendable {
    public let endpoint: SIPEndpoint
    public let configuration: SIPServerConfiguration
    let transport: SIPTransport
    let logger: Logger
    let eventLoop: any EventLoop

    /// Called once the sockets are bound, with the address (for a readiness line).
    let onReady: (@Sendable (HostPort) -> Void)?

    public init(configuration: SIPServerConfiguration, core: UserAgentCore, eventLoop: any EventLoop,
                logger: Logger, seed: UInt64, onReady: (@Sendable (HostPort) -> Void)? = nil,
                onEvent: @escaping @Sendable (UserAgentEvent) -> Void) {
        self.onReady = onReady
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.endpoint = SIPEndpoint(eventLoop: eventLoop, core: core, limits: configuration.limits, floodPolicy: configuration.flood,
                                    timers: configuration.timers, maxTransactions: configuration.maxTransactions, logger: logger, seed: seed, onEvent: onEvent)
        self.transport = SIPTransport(eventLoop: eventLoop, maxConnections: configuration.maxTCPConnections, logger: logger)
        transport.endpoint = endpoint
        endpoint.transport = transport
    }

    /// Binds the sockets; returns the UDP port actually bound (useful with port 0).
    @discardableResult
    public func bind() async throws -> Int {
        let endpoint = self.endpoint
        let transport = self.transport
        let host = configuration.listen.host, port = configuration.listen.port
        // Vector reads (recvmmsg) fill many datagrams per system call; each slot holds 16 KiB,
        // more than any SIP message should be over UDP (RFC 3261 §18.1.1 moves big ones to TCP).
        let vector = 16
        let udp = try await DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.datagramVectorReadMessageCount, value: vector)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: vector * 16_384))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(endpoint: endpoint))
                }
            }
            .bind(host: host, port: port).get()
        let boundPort = udp.localAddress?.port ?? port
        try await eventLoop.submit { transport.udp = udp; endpoint.setAdvertisedPort(boundPort) }.get()
        if configuration.enableTCP {
            let tcp = try await ServerBootstrap(group: eventLoop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(endpoint: endpoint, transport: transport))
                    }
                }
                .bind(host: host, port: boundPort).get()
            try await eventLoop.submit { transport.tcpListener = tcp }.get()
        }
        logger.info("SIP listening on \(HostPort(host: host, port: boundPort)) (UDP\(configuration.enableTCP ? ", TCP" : ""))")
        onReady?(HostPort(host: host, port: boundPort))
        return boundPort
    }

    public func run() async throws {
        try await bind()
        try? await gracefulShutdown()
        try await stop()
    }

    /// Ends every call (BYE/CANCEL/final response), waits for them, closes the sockets.
    public func stop() async throws {
        logger.info("SIP shutting down: ending calls in progress")
        try await endpoint.hangupAll(grace: configuration.shutdownGrace).get()
        let stats = try await eventLoop.submit { self.endpoint.statistics }.get()
        try await eventLoop.flatSubmit { self.transport.closeAll() }.get()
        try await eventLoop.submit { self.endpoint.cancelAllTimers() }.get()
        logger.info("SIP stopped", metadata: ["sip.statistics": "\(stats)"])
    }

    /// Runs `body` on the SIP event loop with the endpoint (application commands, tests).
    public func withEndpoint<T: Sendable>(_ body: @escaping @Sendable (SIPEndpoint) -> T) async throws -> T {
        try await eventLoop.submit { body(self.endpoint) }.get()
    }
}
