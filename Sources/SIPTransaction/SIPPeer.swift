/// The transport a message travels on. WebSocket transports (RFC 7118) are reliable.
public enum SIPTransportKind: String, Sendable, Hashable, CaseIterable {
    case udp, tcp, tls, ws, wss

    /// Reliable transports get no retransmissions and zero-length wait timers
    /// (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
    public var isReliable: Bool {
        switch self {
        case .udp: return false
        case .tcp, .tls, .ws, .wss: return true
        }
    }
}

/// Where a message came from or goes to. `host` is a bare address (IPv6 without brackets),
/// as the Via `received` parameter wants it. For connection-oriented transports
/// `connectionID` names the connection to reuse (RFC 3261 §18.2.2); for UDP an adapter may
/// use it to name the local socket.
public struct SIPPeer: Hashable, Sendable, CustomStringConvertible {
    public var transport: SIPTransportKind
    public var host: String
    public var port: Int
    public var connectionID: UInt64?

    public init(transport: SIPTransportKind, host: String, port: Int, connectionID: UInt64? = nil) {
        self.transport = transport
        self.host = host
        self.port = port
        self.connectionID = connectionID
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let c = connectionID.map { "#\($0)" } ?? ""
        return "\(transport.rawValue):\(h):\(port)\(c)"
    }
}

/// Names one transaction in a `TransactionLayer`. Opaque to the TU; unique for the life of
/// the layer (a counter, never reused).
public struct TransactionID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public var description: String { "tx\(rawValue)" }
}
