import Logging
import NIOCore
import NIOPosix
import SIPMessage
import SIPTransaction

/// The sockets of one SIP endpoint: a UDP socket and a TCP listener plus its connections,
/// all on the endpoint's event loop.
final class SIPTransport: @unchecked Sendable {
    let eventLoop: any EventLoop
    var udp: (any Channel)?
    var tcpListener: (any Channel)?
    var connections: [UInt64: any Channel] = [:]
    var connectionsByAddress: [String: UInt64] = [:]
    /// Messages waiting for an outbound TCP connection to open.
    var pendingConnects: [String: [[UInt8]]] = [:]
    var nextConnectionID: UInt64 = 1
    var needsFlush = false
    let maxConnections: Int
    weak var endpoint: SIPEndpoint?
    let logger: Logger

    init(eventLoop: any EventLoop, maxConnections: Int, logger: Logger) {
        self.eventLoop = eventLoop
        self.maxConnections = maxConnections
        self.logger = logger
    }

    // MARK: Sending

    /// Queues `bytes` for `peer`; returns false when there is no way to reach it.
    func send(_ bytes: [UInt8], to peer: SIPPeer) -> Bool {
        switch peer.transport {
        case .udp:
            guard let udp, let address = try? SocketAddress(ipAddress: peer.host, port: peer.port) else { return false }
            var buffer = udp.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            udp.write(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
            needsFlush = true
            return true
        case .tcp:
            let key = "\(peer.host):\(peer.port)"
            if let id = peer.connectionID ?? connectionsByAddress[key], let channel = connections[id] {
                var buffer = channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                channel.writeAndFlush(buffer, promise: nil)
                return true
            }
            connect(key: key, host: peer.host, port: peer.port, first: bytes)
            return true
        case .tls, .ws, .wss:
            return false
        }
    }

    func flush() {
        if needsFlush {
            needsFlush = false
            udp?.flush()
        }
    }

    /// Opens a TCP connection for a request we originate (RFC 3261 §18.1.1).
    private func connect(key: String, host: String, port: Int, first: [UInt8]) {
        if pendingConnects[key] != nil {
            pendingConnects[key]!.append(first)
            return
        }
        pendingConnects[key] = [first]
        guard let endpoint else { return }
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(endpoint: endpoint, transport: self))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { [self] result in
                let queued = pendingConnects.removeValue(forKey: key) ?? []
                switch result {
                case .success(let channel):
                    for bytes in queued {
                        var buffer = channel.allocator.buffer(capacity: bytes.count)
                        buffer.writeBytes(bytes)
                        channel.write(buffer, promise: nil)
                    }
                    channel.flush()
                case .failure(let error):
                    logger.warning("could not open a TCP connection; the request is lost, check the peer is listening",
                                   metadata: ["sip.peer": "\(key)", "error": "\(error)"])
                }
            }
    }

    // MARK: Connection registry

    func register(_ channel: any Channel) -> UInt64? {
        guard connections.count < maxConnections else { return nil }
        let id = nextConnectionID
        nextConnectionID += 1
        connections[id] = channel
        if let a = channel.remoteAddress, let ip = a.ipAddress, let port = a.port {
            connectionsByAddress["\(ip):\(port)"] = id
        }
        return id
    }

    func unregister(_ id: UInt64, channel: any Channel) {
        connections[id] = nil
        if let a = channel.remoteAddress, let ip = a.ipAddress, let port = a.port, connectionsByAddress["\(ip):\(port)"] == id {
            connectionsByAddress["\(ip):\(port)"] = nil
        }
    }

    func closeAll() -> EventLoopFuture<Void> {
        var futures: [EventLoopFuture<Void>] = []
        for c in connections.values { futures.append(c.close().recover { _ in }) }
        if let udp { futures.append(udp.close().recover { _ in }) }
        if let tcpListener { futures.append(tcpListener.close().recover { _ in }) }
        return EventLoopFuture.andAllComplete(futures, on: eventLoop)
    }
}

/// UDP: one datagram is one message (RFC 3261 §18.3).
final class SIPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let endpoint: SIPEndpoint

    init(endpoint: SIPEndpoint) { self.endpoint = endpoint }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let address = envelope.remoteAddress
        let peer = SIPPeer(transport: .udp, host: address.ipAddress ?? "", port: address.port ?? 0)
        envelope.data.withUnsafeReadableBytes { raw in
            endpoint.receive(raw.bindMemory(to: UInt8.self), from: peer, framing: .datagram)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        endpoint.transport?.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP unreachable and the like: nothing to close on a UDP socket.
        endpoint.logger.debug("udp error", metadata: ["error": "\(error)"])
    }
}

/// TCP: messages framed by Content-Length (RFC 3261 §18.3); a framing error closes the
/// connection, since the stream cannot be resynchronised.
final class SIPStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let endpoint: SIPEndpoint
    let transport: SIPTransport
    var framer: SIPStreamFramer
    var connectionID: UInt64?
    var peer: SIPPeer?

    init(endpoint: SIPEndpoint, transport: SIPTransport) {
        self.endpoint = endpoint
        self.transport = transport
        self.framer = SIPStreamFramer(maxMessageBytes: endpoint.parser.limits.maxMessageBytes)
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let id = transport.register(context.channel) else {
            endpoint.logger.warning("too many SIP TCP connections; closing a new one (raise sip.max_tcp_connections)")
            context.close(promise: nil)
            return
        }
        connectionID = id
        let address = context.channel.remoteAddress
        peer = SIPPeer(transport: .tcp, host: address?.ipAddress ?? "", port: address?.port ?? 0, connectionID: id)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let id = connectionID { transport.unregister(id, channel: context.channel) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let peer else { return }
        let buffer = unwrapInboundIn(data)
        framer.append(buffer.readableBytesView)
        do {
            while let message = try framer.next() {
                message.withUnsafeBufferPointer { endpoint.receive($0, from: peer, framing: .stream) }
            }
        } catch {
            endpoint.drop(.streamError)
            endpoint.logger.info("closing SIP TCP connection after a framing error",
                                 metadata: ["sip.peer": "\(peer)", "sip.error": "\(error)"])
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        endpoint.transport?.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
