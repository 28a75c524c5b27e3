import SIPMessage

// How a server transaction learns where its responses go, and the responses the
// transaction layer writes itself (100 Trying, and the stateless 400 and 503).

extension TransactionLayer {
    /// Where responses to a request go (RFC 3261 §18.2.2, RFC 3581 §4).
    ///
    /// - Reliable transports: back over the connection the request came on (`receivedFrom`,
    ///   with its `connectionID`). If that connection is gone the adapter may open a new one
    ///   to `received` and the sent-by port, as §18.2.2 says.
    /// - UDP: to the source address (which is what `received` records); to the source port if
    ///   the top Via asked for `rport`, else to the sent-by port, else 5060.
    ///
    /// `maddr` (multicast responses) is not supported: the source address is used.
    public static func responseDestination(topVia: Via, receivedFrom source: SIPPeer) -> SIPPeer {
        if source.transport.isReliable { return source }
        var destination = source
        if !topVia.hasRport { destination.port = topVia.port ?? 5060 }
        return destination
    }

    /// The request with `received` and `rport` recorded in its top Via (§18.2.1, RFC 3581 §4):
    /// `received` when the sent-by host is not the source address, or whenever `rport` was
    /// asked for; `rport` filled with the source port when present. Requests that need
    /// neither are returned untouched, byte for byte.
    static func stampingReceived(_ request: SIPRequest, topVia: Via, source: SIPPeer) -> SIPRequest {
        var via = topVia
        let hostDiffers = via.host.lowercased() != source.host.lowercased()
        guard hostDiffers || via.hasRport else { return request }
        via.received = source.host
        if via.hasRport { via.parameters["rport"] = .some(String(source.port)) }
        var fields = request.headers.fields
        guard let index = fields.firstIndex(where: { $0.name == .via }) else { return request }
        var values = SIPHeaders.splitList(fields[index].value)
        values[0] = via.description
        fields[index].value = values.joined(separator: ", ")
        var stamped = request
        stamped.headers = SIPHeaders(fields)
        return stamped
    }

    /// The stateless answer to a request that failed `validate()`: the error's status (400)
    /// and its reason phrase, which names the header at fault so the peer can fix it.
    static func rejection(of request: SIPRequest, error: SIPParseError) -> SIPResponse {
        SIPResponse(statusCode: error.statusCode ?? 400, reason: error.reasonPhrase, replyingTo: request,
                    toTag: statelessToTag(for: request))
    }

    /// A To tag for a response sent without a transaction (§8.2.6.2 wants one on every final).
    /// Derived from the request (FNV-1a over Call-ID, From and the top Via) so that a
    /// retransmission gets the same tag, as stateless proxies do (Kamailio's `sl` module).
    static func statelessToTag(for request: SIPRequest) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in [request.headers[.callID], request.headers[.from], request.headers[.via]] {
            for byte in (part ?? "").utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xFF
        }
        return "hl" + String(hash, radix: 16)
    }
}

extension SIPResponse {
    /// A response built as §8.2.6.2 says (`SIPRequest.makeResponse`): Via, From, To with
    /// `toTag` added when it has none, Call-ID, CSeq; a 100 Trying echoes Timestamp.
    init(statusCode: Int, reason: String? = nil, replyingTo request: SIPRequest, toTag: String? = nil) {
        self = request.makeResponse(statusCode, reason: reason, toTag: toTag)
    }
}
