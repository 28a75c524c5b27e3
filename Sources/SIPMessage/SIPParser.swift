/// Turns bytes into a `SIPMessage` (RFC 3261 §7, §18.3).
///
/// The parser does framing and lexical work only: the start line, header lines (with
/// unfolding, §7.3.1), Content-Length and the body. Typed headers are parsed on demand and
/// checked by `SIPRequest.validate()`; that split lets a UAS answer a request whose
/// headers are semantically wrong with a 400 that still copies Via, From, To, Call-ID and
/// CSeq (§8.2.6.2).
public struct SIPParser: Sendable {
    public struct Limits: Sendable, Hashable {
        /// The whole message, head and body (UDP datagrams cannot exceed 65,507 anyway).
        public var maxMessageBytes: Int
        public var maxHeaderFields: Int

        public init(maxMessageBytes: Int = 65_535, maxHeaderFields: Int = 256) {
            self.maxMessageBytes = maxMessageBytes
            self.maxHeaderFields = maxHeaderFields
        }
    }

    /// How the end of a message is known.
    public enum Framing: Sendable {
        /// A UDP datagram: without Content-Length the body is the rest of the datagram;
        /// with it, octets beyond it are ignored (§18.3, RFC 4475 §3.1.1.8).
        case datagram
        /// A message cut out of a TCP stream by `SIPStreamFramer`: a missing
        /// Content-Length means an empty body.
        case stream
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    public func parse(_ bytes: [UInt8], framing: Framing = .datagram) throws(SIPParseError) -> SIPMessage {
        try bytes.withUnsafeBufferPointer { (buffer) throws(SIPParseError) -> SIPMessage in
            try parse(buffer, framing: framing)
        }
    }

    public func parse(_ b: UnsafeBufferPointer<UInt8>, framing: Framing = .datagram) throws(SIPParseError) -> SIPMessage {
        guard b.count <= limits.maxMessageBytes else {
            throw SIPParseError(.tooLarge, "\(b.count) bytes, limit \(limits.maxMessageBytes)", statusCode: nil)
        }
        var i = 0
        // §7.5: CRLFs before the start line are ignored (keep-alives).
        while i < b.count, b[i] == ASCII.cr || b[i] == ASCII.lf { i += 1 }
        guard i < b.count else { throw SIPParseError(.empty, "no start line", statusCode: nil) }

        // Start line.
        let lineStart = i
        while i < b.count, b[i] != ASCII.lf { i += 1 }
        var lineEnd = i
        if lineEnd > lineStart, b[lineEnd - 1] == ASCII.cr { lineEnd -= 1 }
        if i < b.count { i += 1 }
        let startLine = UnsafeBufferPointer(rebasing: b[lineStart..<lineEnd])

        // Header fields.
        let names = SIPHeaderName.table
        var fields: [SIPHeaderField] = []
        fields.reserveCapacity(16)
        var headerError: SIPParseError?
        while i < b.count {
            let ls = i
            while i < b.count, b[i] != ASCII.lf { i += 1 }
            var le = i
            if le > ls, b[le - 1] == ASCII.cr { le -= 1 }
            if i < b.count { i += 1 }
            if le == ls { break } // a datagram may also end without the blank line (RFC 5118 §4.10 archive)
            // Continuation lines (LWS = [*WSP CRLF] 1*WSP) fold into the previous value.
            if ASCII.isWhitespace(b[ls]) {
                guard !fields.isEmpty else {
                    headerError = headerError ?? SIPParseError(.malformedHeader, "continuation line before any header")
                    continue
                }
                let extra = trimmed(b, ls, le)
                if !extra.isEmpty {
                    let last = fields.count - 1
                    fields[last].value = fields[last].value.isEmpty ? extra : fields[last].value + " " + extra
                }
                continue
            }
            guard fields.count < limits.maxHeaderFields else {
                throw SIPParseError(.tooLarge, "more than \(limits.maxHeaderFields) header fields", statusCode: nil)
            }
            var c = ls
            while c < le, ASCII.isToken(b[c]) { c += 1 }
            let nameEnd = c
            while c < le, ASCII.isWhitespace(b[c]) { c += 1 }
            guard nameEnd > ls, c < le, b[c] == ASCII.colon else {
                let text = String(decoding: UnsafeBufferPointer(rebasing: b[ls..<le]), as: UTF8.self)
                headerError = headerError ?? SIPParseError(.malformedHeader, "header line '\(text.prefix(40))' has no name and colon")
                continue
            }
            let name = names.name(UnsafeBufferPointer(rebasing: b[ls..<nameEnd]))
            fields.append(SIPHeaderField(name: name, value: trimmed(b, c + 1, le)))
        }
        let bodyStart = i

        // The start line decides request or response.
        var uriText: String?
        let message = try parseStartLine(startLine, uriText: &uriText)

        func partial() -> SIPRequest? {
            guard case .request(let method, let uri, _) = message else { return nil }
            return SIPRequest(method: method, uri: uri ?? .other(scheme: "", text: ""), headers: SIPHeaders(fields))
        }
        func requestError(_ e: SIPParseError) -> SIPParseError {
            var e = e
            if case .response = message { e.statusCode = nil } else { e.partial = partial() }
            return e
        }

        if case .request(_, _, let uriError?) = message { throw requestError(uriError) }
        if let e = headerError { throw requestError(e) }

        // Content-Length (§20.14): all copies must agree (RFC 4475 §3.3.9), value ≥ 0 (§3.1.2.3).
        var contentLength: Int?
        for f in fields where f.name == .contentLength {
            let v = f.value
            guard !v.isEmpty, v.utf8.count <= 9, v.utf8.allSatisfy(ASCII.isDigit), let n = Int(v) else {
                throw requestError(SIPParseError(.invalidContentLength, "Content-Length '\(v)' is not a non-negative integer"))
            }
            if let prior = contentLength, prior != n {
                throw requestError(SIPParseError(.invalidContentLength, "conflicting Content-Length values \(prior) and \(n)"))
            }
            contentLength = n
        }
        let available = b.count - bodyStart
        let bodyLength: Int
        switch (contentLength, framing) {
        case (let n?, _):
            guard n <= available else {
                throw requestError(SIPParseError(.truncatedBody, "Content-Length \(n) but only \(available) body bytes"))
            }
            bodyLength = n
        case (nil, .datagram): bodyLength = available
        case (nil, .stream): bodyLength = 0
        }
        let body = bodyLength == 0 ? [] : Array(b[bodyStart..<(bodyStart + bodyLength)])
        let headers = SIPHeaders(fields)

        switch message {
        case .request(let method, let uri, _):
            return .request(SIPRequest(method: method, uri: uri!, uriText: uriText ?? uri!.description, headers: headers, body: body))
        case .response(let code, let reason):
            return .response(SIPResponse(statusCode: code, reason: reason, headers: headers, body: body))
        }
    }

    private enum StartLine {
        /// The URI is nil with an error when it could not be parsed: the request can still be answered.
        case request(SIPMethod, SIPAnyURI?, SIPParseError?)
        case response(Int, String)
    }

    private func parseStartLine(_ line: UnsafeBufferPointer<UInt8>, uriText: inout String?) throws(SIPParseError) -> StartLine {
        let text = { String(decoding: line, as: UTF8.self) }
        // Response: SIP-Version SP Status-Code SP Reason-Phrase
        if line.count >= 8, line[0] | 0x20 == 0x73, line[1] | 0x20 == 0x69, line[2] | 0x20 == 0x70, line[3] == ASCII.slash {
            guard let sp = line.firstIndex(of: ASCII.sp) else {
                throw SIPParseError(.malformedStartLine, "status line '\(text())' has no status code", statusCode: nil)
            }
            try checkVersion(UnsafeBufferPointer(rebasing: line[0..<sp]), response: true)
            var c = sp + 1
            let codeStart = c
            while c < line.count, ASCII.isDigit(line[c]) { c += 1 }
            guard c - codeStart == 3, c == line.count || line[c] == ASCII.sp,
                  let code = Int(String(decoding: UnsafeBufferPointer(rebasing: line[codeStart..<c]), as: UTF8.self)),
                  (100...699).contains(code)
            else { throw SIPParseError(.invalidStatusCode, "status line '\(text())' has no 3-digit code in 100-699", statusCode: nil) }
            let reason = c < line.count ? String(decoding: UnsafeBufferPointer(rebasing: line[(c + 1)...]), as: UTF8.self) : ""
            return .response(code, reason)
        }
        // Request: Method SP Request-URI SP SIP-Version (single spaces, RFC 3261 §7.1).
        guard let sp1 = line.firstIndex(of: ASCII.sp), sp1 > 0 else {
            throw SIPParseError(.malformedStartLine, "request line '\(text())' is not 'METHOD URI SIP/2.0'", statusCode: nil)
        }
        // RFC 4475 §3.1.2.10 (trws): SP after the version. Find the version without it, then
        // answer 400 rather than drop the request (which would leave the client retransmitting).
        var end = line.count
        while end > sp1 + 1, ASCII.isWhitespace(line[end - 1]) { end -= 1 }
        let hasTrailingWhitespace = end < line.count
        var sp2 = end - 1
        while sp2 > sp1, line[sp2] != ASCII.sp { sp2 -= 1 }
        guard sp2 > sp1 else {
            throw SIPParseError(.malformedStartLine, "request line '\(text())' has no SIP version", statusCode: nil)
        }
        for k in 0..<sp1 where !ASCII.isToken(line[k]) {
            throw SIPParseError(.malformedStartLine, "method in '\(text())' is not a token", statusCode: nil)
        }
        let method = SIPMethod(String(decoding: UnsafeBufferPointer(rebasing: line[0..<sp1]), as: UTF8.self))
        let versionBytes = UnsafeBufferPointer(rebasing: line[(sp2 + 1)..<end])
        var versionError: SIPParseError?
        do {
            try checkVersion(versionBytes, response: false)
        } catch {
            // Answerable only when the version is well-formed but unknown (505); otherwise the
            // line is garbage.
            guard error.code == .unsupportedVersion else {
                throw SIPParseError(.malformedStartLine, "request line '\(text())' has no SIP version", statusCode: nil)
            }
            versionError = error
        }
        let uriBytes = Array(line[(sp1 + 1)..<sp2])
        if uriBytes.isEmpty || uriBytes.contains(where: { $0 == ASCII.sp || $0 == ASCII.tab }) {
            // RFC 4475 §3.1.2.8/§3.1.2.9: LWS inside the Request-URI or extra SPs.
            return .request(method, nil, versionError ?? SIPParseError(.malformedRequestURI, "Request-URI contains whitespace"))
        }
        do {
            let uri = try SIPAnyURI(bytes: uriBytes[...])
            uriText = String(decoding: uriBytes, as: UTF8.self)
            if versionError == nil, hasTrailingWhitespace {
                return .request(method, uri, SIPParseError(.malformedStartLine, "Request-Line has whitespace after the SIP version"))
            }
            return .request(method, uri, versionError)
        } catch {
            return .request(method, nil, versionError ?? error)
        }
    }

    private func checkVersion(_ v: UnsafeBufferPointer<UInt8>, response: Bool) throws(SIPParseError) {
        // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT ; "SIP" is case-insensitive (§7.1)
        if v.count == 7, v[0] | 0x20 == 0x73, v[1] | 0x20 == 0x69, v[2] | 0x20 == 0x70, v[3] == ASCII.slash,
           v[4] == 0x32, v[5] == 0x2E, v[6] == 0x30 {
            return // "SIP/2.0", the only version there is
        }
        let s = String(decoding: v, as: UTF8.self)
        guard s.utf8.count >= 7, String(s.prefix(4)).caseInsensitiveEquals("SIP/") else {
            throw SIPParseError(.malformedStartLine, "bad SIP version '\(s)'", statusCode: nil)
        }
        let nums = s.dropFirst(4).split(separator: ".", omittingEmptySubsequences: false)
        guard nums.count == 2, nums.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(ASCII.isDigit) }) else {
            throw SIPParseError(.malformedStartLine, "bad SIP version '\(s)'", statusCode: nil)
        }
        guard Int(nums[0]) == 2, Int(nums[1]) == 0 else {
            throw SIPParseError(.unsupportedVersion, "version \(s) is not supported; use SIP/2.0",
                                statusCode: response ? nil : 505)
        }
    }

    private func trimmed(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        var s = start, e = end
        while s < e, ASCII.isWhitespace(b[s]) { s += 1 }
        while e > s, ASCII.isWhitespace(b[e - 1]) { e -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
    }
}
