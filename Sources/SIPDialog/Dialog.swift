import SIPMessage
import SIPTransaction

/// Identifies a dialog (RFC 3261 §12): Call-ID plus the two tags, from our side.
public struct DialogID: Hashable, Sendable, CustomStringConvertible {
    public var callID: String
    public var localTag: String
    public var remoteTag: String

    public init(callID: String, localTag: String, remoteTag: String) {
        self.callID = callID
        self.localTag = localTag
        self.remoteTag = remoteTag
    }

    public var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }
}

/// The state a dialog keeps (RFC 3261 §12.1, §12.2): sequence numbers, the two parties,
/// the remote target and the route set. It builds in-dialog requests.
public struct Dialog: Sendable, Hashable {
    public var id: DialogID
    public var localSequence: UInt32
    /// nil until the peer sends a request in the dialog (§12.2.2: empty remote sequence).
    public var remoteSequence: UInt32?
    /// Our party (From for requests we send): with our tag.
    public var local: NameAddress
    /// The peer (To for requests we send): with its tag.
    public var remote: NameAddress
    public var remoteTarget: SIPAnyURI
    public var routeSet: [NameAddress]
    public var secure: Bool
    /// Where the peer's messages came from: used when the remote target is not an address
    /// we can send to directly (a host name, or a private address behind NAT).
    public var peer: SIPPeer

    /// UAS side (§12.1.1): from the INVITE we answer.
    public init(uasFor request: SIPRequest, essentials e: RequestEssentials, localTag: String, peer: SIPPeer) {
        var local = e.to
        local.tag = localTag
        self.id = DialogID(callID: e.callID, localTag: localTag, remoteTag: e.from.tag ?? "")
        self.localSequence = 0
        self.remoteSequence = e.cseq.sequence
        self.local = local
        self.remote = e.from
        self.remoteTarget = e.contacts?.first?.uri ?? e.from.uri
        self.routeSet = (try? request.routes(.recordRoute)) ?? []
        self.secure = request.uri.scheme == "sips"
        self.peer = peer
    }

    /// UAC side (§12.1.2): from our INVITE and the peer's 1xx/2xx with a To tag.
    public init(uacFor request: SIPRequest, response: SIPResponse, peer: SIPPeer) throws(SIPParseError) {
        let from = try request.from()
        let to = try response.to()
        let cseq = try request.cseq()
        self.id = DialogID(callID: try request.callID(), localTag: from.tag ?? "", remoteTag: to.tag ?? "")
        self.localSequence = cseq.sequence
        self.remoteSequence = nil
        self.local = from
        self.remote = to
        self.remoteTarget = (try? response.contacts())??.first?.uri ?? request.uri
        // §12.1.2: the route set is the Record-Route of the response, in reverse order.
        self.routeSet = ((try? response.routes(.recordRoute)) ?? []).reversed()
        self.secure = request.uri.scheme == "sips"
        self.peer = peer
    }

    /// Where in-dialog requests go: the first loose route, else the remote target; an
    /// address we cannot reach directly (a host name) falls back to the peer we heard from.
    public var nextHop: SIPPeer {
        let target: SIPAnyURI = routeSet.first?.uri ?? remoteTarget
        guard let uri = target.sipURI, IPLiteral.isIPAddress(uri.host) else { return peer }
        let transport = uri.transport.flatMap(SIPTransportKind.init(rawValue:)) ?? peer.transport
        let sameTransport = transport == peer.transport
        return SIPPeer(transport: transport, host: uri.host, port: uri.port ?? (uri.secure ? 5061 : 5060),
                       connectionID: sameTransport ? peer.connectionID : nil)
    }

    /// Builds a request inside the dialog (§12.2.1.1). ACK reuses the INVITE's CSeq number
    /// (pass `sequence`); every other method takes the next local sequence number.
    public mutating func makeRequest(_ method: SIPMethod, via: Via, maxForwards: Int = 70,
                                     sequence: UInt32? = nil) -> SIPRequest {
        let seq: UInt32
        if let s = sequence { seq = s } else {
            localSequence &+= 1
            seq = localSequence
        }
        var h = SIPHeaders()
        h.add(.via, via.description)
        h.add(.maxForwards, String(maxForwards))
        h.add(.from, local.description)
        h.add(.to, remote.description)
        h.add(.callID, id.callID)
        h.add(.cseq, "\(seq) \(method.rawValue)")
        // Loose routing (§12.2.1.1): Request-URI is the remote target, Route the route set.
        for r in routeSet { h.add(.route, r.description) }
        return SIPRequest(method: method, uri: remoteTarget, headers: h)
    }

    /// Checks and records the sequence number of a request the peer sent in this dialog
    /// (§12.2.2): lower than the last one is out of order (answer 500).
    public mutating func acceptRemoteSequence(_ cseq: CSeq) -> Bool {
        if cseq.method == .ack || cseq.method == .cancel { return true }
        if let r = remoteSequence, cseq.sequence < r { return false }
        remoteSequence = cseq.sequence
        return true
    }
}

/// IP address literal checks for choosing a next hop without DNS.
enum IPLiteral {
    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true } // IPv6 (held without brackets)
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isNumber) && (Int(p) ?? 256) <= 255
        }
    }
}
