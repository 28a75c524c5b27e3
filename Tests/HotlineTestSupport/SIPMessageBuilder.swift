import SIPMessage

/// Builds the requests and responses tests keep needing, with the fields a test cares
/// about (Call-ID, tags, branch, CSeq, body) as parameters and RFC 3261 §8.1.1 defaults
/// for the rest. Change a field and build again:
///
///     var alice = SIPMessageBuilder(callID: "call-1", fromTag: "a1")
///     let invite = alice.invite()
///     alice.cseq += 1
///     let bye = alice.bye(toTag: "b1")
public struct SIPMessageBuilder: Sendable {
    public var callID: String
    public var fromTag: String
    /// The remote tag, for in-dialog requests; responses take theirs as a parameter.
    public var toTag: String?
    public var branch: String
    public var cseq: UInt32
    public var from: NameAddress
    public var to: NameAddress
    /// Defaults to the To URI.
    public var requestURI: SIPAnyURI?
    public var contact: SIPURI?
    /// `UDP`, `TCP`, `TLS`, `WS` ...
    public var transport: String
    public var viaHost: String
    public var viaPort: Int?
    public var rport: Bool
    public var maxForwards: Int?
    /// Extra header fields appended to every request, after the standard ones.
    public var extraHeaders: [SIPHeaderField]

    public init(callID: String = "a84b4c76e66710@pc33.atlanta.example.com",
                fromTag: String = "1928301774",
                toTag: String? = nil,
                branch: String = "z9hG4bK776asdhds",
                cseq: UInt32 = 314159,
                from: NameAddress = NameAddress(displayName: "Alice", uri: SIPURI(user: "alice", host: "atlanta.example.com")),
                to: NameAddress = NameAddress(displayName: "Bob", uri: SIPURI(user: "bob", host: "biloxi.example.com")),
                requestURI: SIPAnyURI? = nil,
                contact: SIPURI? = SIPURI(user: "alice", host: "pc33.atlanta.example.com"),
                transport: String = "UDP",
                viaHost: String = "pc33.atlanta.example.com",
                viaPort: Int? = nil,
                rport: Bool = true,
                maxForwards: Int? = 70,
                extraHeaders: [SIPHeaderField] = []) {
        self.callID = callID
        self.fromTag = fromTag
        self.toTag = toTag
        self.branch = branch
        self.cseq = cseq
        self.from = from
        self.to = to
        self.requestURI = requestURI
        self.contact = contact
        self.transport = transport
        self.viaHost = viaHost
        self.viaPort = viaPort
        self.rport = rport
        self.maxForwards = maxForwards
        self.extraHeaders = extraHeaders
    }

    /// The Via this builder puts on requests.
    public var via: Via {
        var params = SIPParameters()
        params.append("branch", branch)
        if rport { params.append("rport", nil) }
        return Via(transport: transport, host: viaHost, port: viaPort, parameters: params)
    }

    /// A request of any method, with Via, Max-Forwards, From, To, Call-ID, CSeq and, for
    /// methods that establish or refresh a target, Contact (RFC 3261 §8.1.1).
    public func request(_ method: SIPMethod, cseqMethod: SIPMethod? = nil, body: [UInt8] = [],
                        contentType: String? = nil, headers extra: [SIPHeaderField] = []) -> SIPRequest {
        var h = SIPHeaders()
        h.add(.via, via.description)
        if let mf = maxForwards { h.add(.maxForwards, String(mf)) }
        var fromValue = from
        fromValue.tag = fromTag
        h.add(.from, fromValue.description)
        var toValue = to
        toValue.tag = toTag
        h.add(.to, toValue.description)
        h.add(.callID, callID)
        h.add(.cseq, CSeq(cseq, cseqMethod ?? method).description)
        if let c = contact, [.invite, .register, .subscribe, .refer, .update, .options].contains(method) {
            h.add(.contact, NameAddress(uri: c).description)
        }
        for f in extraHeaders + extra { h.add(f.name, f.value) }
        if let ct = contentType { h.add(.contentType, ct) }
        h.add(.contentLength, String(body.count))
        return SIPRequest(method: method, uri: requestURI ?? to.uri, headers: h, body: body)
    }

    /// An INVITE with an SDP offer (or no body when `sdp` is nil).
    public func invite(sdp: String? = SIPMessageBuilder.exampleSDP) -> SIPRequest {
        guard let sdp else { return request(.invite) }
        return request(.invite, body: Array(sdp.utf8), contentType: "application/sdp")
    }

    /// A REGISTER for the From address-of-record: Request-URI is the domain, To equals From
    /// (RFC 3261 §10.2).
    public func register(expires: UInt32 = 3600) -> SIPRequest {
        var b = self
        b.to = NameAddress(displayName: from.displayName, uri: from.uri)
        b.toTag = nil
        if let aor = from.sipURI { b.requestURI = .sip(SIPURI(secure: aor.secure, host: aor.host, port: aor.port)) }
        return b.request(.register, headers: [SIPHeaderField(name: .expires, value: String(expires))])
    }

    public func options() -> SIPRequest {
        request(.options, headers: [SIPHeaderField(name: .accept, value: "application/sdp")])
    }

    /// A BYE in the dialog with `toTag` (or the builder's own `toTag`).
    public func bye(toTag: String? = nil) -> SIPRequest {
        var b = self
        if let t = toTag { b.toTag = t }
        return b.request(.bye)
    }

    /// An ACK. For a non-2xx final response (RFC 3261 §17.1.1.3) it shares the INVITE's
    /// branch and CSeq number: build it from the builder that built the INVITE, passing the
    /// To tag of the response.
    public func ack(toTag: String? = nil) -> SIPRequest {
        var b = self
        if let t = toTag { b.toTag = t }
        return b.request(.ack)
    }

    /// A CANCEL for the INVITE this builder built: same Request-URI, Call-ID, From, To
    /// (without tag), branch and CSeq number (RFC 3261 §9.1).
    public func cancel() -> SIPRequest {
        var b = self
        b.toTag = nil
        return b.request(.cancel)
    }

    /// A response to `request` copying Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2),
    /// adding `toTag` to To when the request's To has none.
    public func response(_ statusCode: Int, to request: SIPRequest, reason: String? = nil, toTag: String? = nil,
                         body: [UInt8] = [], contentType: String? = nil,
                         headers extra: [SIPHeaderField] = []) -> SIPResponse {
        var h = SIPHeaders()
        for name in [SIPHeaderName.via, .from, .to, .callID, .cseq] {
            for value in request.headers.lines(name) {
                if name == .to, let tag = toTag, var to = try? NameAddress(parsing: value), to.tag == nil {
                    to.tag = tag
                    h.add(.to, to.description)
                } else {
                    h.add(name, value)
                }
            }
        }
        if let c = contact, (200..<300).contains(statusCode) || (101..<200).contains(statusCode),
           [.invite, .subscribe, .refer, .update].contains(request.method) {
            h.add(.contact, NameAddress(uri: c).description)
        }
        for f in extra { h.add(f.name, f.value) }
        if let ct = contentType { h.add(.contentType, ct) }
        h.add(.contentLength, String(body.count))
        return SIPResponse(statusCode: statusCode, reason: reason, headers: h, body: body)
    }

    /// A 200 OK answering an INVITE, with an SDP answer.
    public func ok(to request: SIPRequest, toTag: String = "a6c85cf", sdp: String? = SIPMessageBuilder.exampleAnswerSDP) -> SIPResponse {
        response(200, to: request, toTag: toTag, body: sdp.map { Array($0.utf8) } ?? [],
                 contentType: sdp == nil ? nil : "application/sdp")
    }

    /// The SDP offer of RFC 3261 §24.2 (F1), CRLF line endings.
    public static let exampleSDP = [
        "v=0",
        "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com",
        "s=-",
        "c=IN IP4 192.0.2.101",
        "t=0 0",
        "m=audio 49172 RTP/AVP 0 8 101",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=sendrecv",
        "",
    ].joined(separator: "\r\n")

    /// An answer to `exampleSDP`.
    public static let exampleAnswerSDP = [
        "v=0",
        "o=bob 2808844564 2808844564 IN IP4 biloxi.example.com",
        "s=-",
        "c=IN IP4 192.0.2.201",
        "t=0 0",
        "m=audio 3456 RTP/AVP 0 101",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=sendrecv",
        "",
    ].joined(separator: "\r\n")
}
