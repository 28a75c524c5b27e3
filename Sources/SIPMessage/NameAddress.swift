/// A `name-addr` or `addr-spec` with header parameters: the value of From, To, Contact,
/// Route, Record-Route, Refer-To (RFC 3261 §20.10, §25.1).
///
/// Parameter ownership follows §20.10: in `<sip:a@b;lr>;tag=x`, `lr` belongs to the URI and
/// `tag` to the header; without angle brackets every `;param` belongs to the header
/// (RFC 4475 §3.3.12, cparam01).
public struct NameAddress: Sendable, Hashable, CustomStringConvertible {
    public var displayName: String?
    public var uri: SIPAnyURI
    public var parameters: SIPParameters

    public init(displayName: String? = nil, uri: SIPAnyURI, parameters: SIPParameters = SIPParameters()) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    public init(displayName: String? = nil, uri: SIPURI, parameters: SIPParameters = SIPParameters()) {
        self.init(displayName: displayName, uri: .sip(uri), parameters: parameters)
    }

    public var tag: String? {
        get { parameters.value("tag") }
        set { parameters["tag"] = newValue.map { .some($0) } }
    }

    public var sipURI: SIPURI? { uri.sipURI }

    /// Always written in name-addr form (`<...>`), which is never ambiguous.
    public var description: String {
        var s = ""
        if let d = displayName, !d.isEmpty {
            s += "\""
            for ch in d.unicodeScalars {
                if ch == "\"" || ch == "\\" { s += "\\" }
                s.unicodeScalars.append(ch)
            }
            s += "\" "
        }
        s += "<" + uri.description + ">"
        parameters.serialize(into: &s)
        return s
    }

    public init(parsing string: String) throws(SIPParseError) {
        var scanner = ByteScanner(string)
        self = try NameAddress.parse(&scanner, header: "name-addr")
        scanner.skipWhitespace()
        guard scanner.isAtEnd else {
            throw SIPParseError(.malformedHeader, "unexpected text '\(scanner.rest)' after address")
        }
    }

    static func parse(_ s: inout ByteScanner, header: String) throws(SIPParseError) -> NameAddress {
        func fail(_ why: String) -> SIPParseError { SIPParseError(.malformedHeader, "\(header): \(why)") }
        s.skipWhitespace()
        var display: String?
        let uri: SIPAnyURI
        if s.peek == ASCII.quote {
            // `""` is no display name, as an empty unquoted one is (and `description` omits it).
            do { let q = try s.quotedString(); display = q.isEmpty ? nil : q } catch { throw fail("unterminated quoted display name") }
            s.skipWhitespace()
            guard s.peek == ASCII.lessThan else { throw fail("expected '<' after display name") }
        }
        // Is there a '<' ahead (before any top-level ';' or end)? Then this is a name-addr.
        var look = s.index, angle: Int?
        while look < s.bytes.count {
            let b = s.bytes[look]
            if b == ASCII.lessThan { angle = look; break }
            if b == ASCII.semicolon || b == ASCII.comma || b == ASCII.quote { break }
            look += 1
        }
        if let open = angle {
            if display == nil, open > s.index {
                // display-name = *(token LWS): unquoted names may hold tokens and spaces only
                // (RFC 4475 §3.1.2.15 rejects `Bell, Alexander`).
                let raw = s.bytes[s.index..<open]
                for b in raw where !(ASCII.isToken(b) || ASCII.isWhitespace(b)) {
                    throw fail("display name has '\(Character(Unicode.Scalar(b)))'; quote it")
                }
                let text = String(decoding: raw, as: UTF8.self).trimmingSIPWhitespace
                display = text.isEmpty ? nil : text
            }
            guard let close = s.bytes[(open + 1)...].firstIndex(of: ASCII.greaterThan) else { throw fail("missing '>'") }
            uri = try parseURI(s.bytes[(open + 1)..<close], fail)
            s.index = close + 1
        } else {
            // addr-spec: the URI ends at whitespace, ';' or ','. It may not carry URI
            // parameters or headers of its own (RFC 3261 §20.10; RFC 4475 §3.1.2.13).
            let start = s.index
            while let b = s.peek, !ASCII.isWhitespace(b), b != ASCII.semicolon, b != ASCII.comma { s.index += 1 }
            let raw = s.bytes[start..<s.index]
            guard !raw.isEmpty else { throw fail("missing URI") }
            if raw.contains(ASCII.question) { throw fail("a URI with headers must be enclosed in '<>'") }
            uri = try parseURI(raw, fail)
        }
        let params = try parseGenericParameters(&s, header: header)
        return NameAddress(displayName: display, uri: uri, parameters: params)
    }

    private static func parseURI(_ raw: ArraySlice<UInt8>, _ fail: (String) -> SIPParseError) throws(SIPParseError) -> SIPAnyURI {
        do { return try SIPAnyURI(bytes: raw) } catch { throw fail(error.detail) }
    }
}

/// `*( SEMI generic-param )` with LWS allowed around `;` and `=` (RFC 3261 §25.1).
/// `gen-value = token / host / quoted-string`; quoted values keep their quotes.
func parseGenericParameters(_ s: inout ByteScanner, header: String) throws(SIPParseError) -> SIPParameters {
    var params = SIPParameters()
    while true {
        let save = s.index
        s.skipWhitespace()
        guard s.peek == ASCII.semicolon else { s.index = save; break }
        s.index += 1
        s.skipWhitespace()
        guard let name = s.token() else {
            throw SIPParseError(.malformedHeader, "\(header): empty or malformed parameter")
        }
        if s.consume(ASCII.equals) {
            if s.peek == ASCII.quote {
                let start = s.index
                _ = try s.quotedString()
                params.append(name, String(decoding: s.bytes[start..<s.index], as: UTF8.self))
            } else {
                let v = s.take { ASCII.isToken($0) || $0 == ASCII.colon || $0 == ASCII.leftBracket || $0 == ASCII.rightBracket }
                guard !v.isEmpty else { throw SIPParseError(.malformedHeader, "\(header): parameter '\(name)' has no value") }
                params.append(name, String(decoding: v, as: UTF8.self))
            }
        } else {
            params.append(name, nil)
        }
    }
    return params
}
