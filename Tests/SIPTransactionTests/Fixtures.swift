import SIPMessage
import SIPTransaction

/// Messages and peers for the transaction tests, built field by field so a test says
/// exactly what differs (branch, sent-by, tags) from the RFC 3261 §24.2 call.
enum Fixture {
    static let alice = SIPPeer(transport: .udp, host: "192.0.2.10", port: 5060)
    static let aliceTCP = SIPPeer(transport: .tcp, host: "192.0.2.10", port: 49152, connectionID: 7)
    static let bob = SIPPeer(transport: .udp, host: "192.0.2.20", port: 5060)
    static let bobTCP = SIPPeer(transport: .tcp, host: "192.0.2.20", port: 5060, connectionID: 9)

    static let branch = "z9hG4bK776asdhds"

    static func uri(_ text: String) -> SIPAnyURI {
        do { return try SIPAnyURI(parsing: text) } catch { fatalError("bad test URI \(text): \(error)") }
    }

    /// A request as a UA writes it: one Via, From with tag, To, Call-ID, CSeq.
    static func request(_ method: SIPMethod,
                        uri: String = "sip:bob@biloxi.example.com",
                        transport: String = "UDP",
                        viaHost: String = "192.0.2.10",
                        viaPort: Int? = 5060,
                        branch: String? = Fixture.branch,
                        rport: Bool = false,
                        callID: String = "a84b4c76e66710@pc33.atlanta.example.com",
                        fromTag: String? = "1928301774",
                        toTag: String? = nil,
                        cseq: UInt32 = 314159,
                        cseqMethod: SIPMethod? = nil,
                        routes: [String] = [],
                        extra: [(SIPHeaderName, String)] = [],
                        body: String = "") -> SIPRequest {
        var via = "SIP/2.0/\(transport) \(viaHost)" + (viaPort.map { ":\($0)" } ?? "")
        if let branch { via += ";branch=\(branch)" }
        if rport { via += ";rport" }
        var headers = SIPHeaders()
        headers.add(.via, via)
        headers.add(.maxForwards, "70")
        for route in routes { headers.add(.route, route) }
        headers.add(.from, "Alice <sip:alice@atlanta.example.com>" + (fromTag.map { ";tag=\($0)" } ?? ""))
        headers.add(.to, "Bob <sip:bob@biloxi.example.com>" + (toTag.map { ";tag=\($0)" } ?? ""))
        headers.add(.callID, callID)
        headers.add(.cseq, "\(cseq) \((cseqMethod ?? method).rawValue)")
        for (name, value) in extra { headers.add(name, value) }
        return SIPRequest(method: method, uri: Fixture.uri(uri), headers: headers, body: Array(body.utf8))
    }

    static func invite(branch: String? = Fixture.branch, viaHost: String = "192.0.2.10", viaPort: Int? = 5060,
                       transport: String = "UDP", rport: Bool = false, callID: String = "a84b4c76e66710@pc33.atlanta.example.com",
                       fromTag: String? = "1928301774", toTag: String? = nil, cseq: UInt32 = 314159,
                       routes: [String] = [], extra: [(SIPHeaderName, String)] = []) -> SIPRequest {
        request(.invite, transport: transport, viaHost: viaHost, viaPort: viaPort, branch: branch, rport: rport,
                callID: callID, fromTag: fromTag, toTag: toTag, cseq: cseq, routes: routes, extra: extra)
    }

    /// A response as the UAS writes it (§8.2.6.2): every Via, From, To (+ tag), Call-ID, CSeq.
    static func response(_ code: Int, to request: SIPRequest, toTag: String? = nil, extra: [(SIPHeaderName, String)] = []) -> SIPResponse {
        var headers = SIPHeaders()
        for field in request.headers where field.name == .via { headers.add(.via, field.value) }
        headers.add(.from, request.headers[.from]!)
        headers.add(.to, request.headers[.to]! + (toTag.map { ";tag=\($0)" } ?? ""))
        headers.add(.callID, request.headers[.callID]!)
        headers.add(.cseq, request.headers[.cseq]!)
        for (name, value) in extra { headers.add(name, value) }
        return SIPResponse(statusCode: code, headers: headers)
    }

    /// The ACK a UAC sends for a 2xx (§13.2.2.4): a new transaction, new branch, To with tag.
    static func ackFor2xx(of invite: SIPRequest, toTag: String, branch: String = "z9hG4bKack2xx",
                          viaHost: String = "192.0.2.10") -> SIPRequest {
        request(.ack, viaHost: viaHost, branch: branch,
                callID: invite.headers[.callID]!, fromTag: try! invite.from().tag, toTag: toTag,
                cseq: try! invite.cseq().sequence)
    }
}
