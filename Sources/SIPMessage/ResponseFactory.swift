extension SIPRequest {
    /// A response to this request per RFC 3261 §8.2.6.2: Via, From, Call-ID and CSeq copied
    /// verbatim, To copied and given `toTag` when it has none. Works on requests that failed
    /// validation too, as long as the raw headers exist.
    public func makeResponse(_ statusCode: Int, reason: String? = nil, toTag: String? = nil) -> SIPResponse {
        var h = SIPHeaders()
        for f in headers.fields where f.name == .via { h.add(.via, f.value) }
        if let v = headers[.from] { h.add(.from, v) }
        if var to = headers[.to] {
            if let tag = toTag, statusCode > 100, (try? self.to())?.tag == nil {
                to += ";tag=" + tag
            }
            h.add(.to, to)
        }
        if let v = headers[.callID] { h.add(.callID, v) }
        if let v = headers[.cseq] { h.add(.cseq, v) }
        // §8.2.6.1: a 100 Trying copies Timestamp.
        if statusCode == 100, let ts = headers[.timestamp] { h.add(.timestamp, ts) }
        return SIPResponse(statusCode: statusCode, reason: reason, headers: h)
    }

    /// Whether the request has the headers needed to build any response at all
    /// (RFC 4475 §3.3.1: without them the request is dropped).
    public var isAnswerable: Bool {
        headers.contains(.via) && headers.contains(.from) && headers.contains(.to) &&
            headers.contains(.callID) && headers.contains(.cseq)
    }
}
