/// One Via value (RFC 3261 §20.42, §18.2.1; RFC 3581 rport; RFC 5118 §4.5).
public struct Via: Sendable, Hashable, CustomStringConvertible {
    /// `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or any extension token (RFC 4475 §3.1.1.10), upper-cased.
    public var transport: String
    public var host: String
    public var port: Int?
    public var parameters: SIPParameters

    /// RFC 3261 §8.1.1.7: branches of compliant elements start with this cookie.
    public static let magicCookie = "z9hG4bK"

    public init(transport: String, host: String, port: Int? = nil, parameters: SIPParameters = SIPParameters()) {
        self.transport = transport
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    public var branch: String? {
        get { parameters.value("branch") }
        set { parameters["branch"] = newValue.map { .some($0) } }
    }
    /// A branch that carries the magic cookie and something after it (RFC 4475 §3.2.1:
    /// a bare `z9hG4bK` is not an RFC 3261 transaction id).
    public var hasRFC3261Branch: Bool {
        guard let b = branch else { return false }
        return b.utf8.count > Via.magicCookie.utf8.count && b.hasPrefix(Via.magicCookie)
    }
    public var received: String? {
        get { parameters.value("received") }
        set { parameters["received"] = newValue.map { .some($0) } }
    }
    /// RFC 3581: `rport` present without a value asks for the source port.
    public var hasRport: Bool { parameters.contains("rport") }
    public var rport: Int? { parameters.value("rport").flatMap { Int($0) } }
    public var maddr: String? { parameters.value("maddr") }

    public var isIPv6: Bool { host.utf8.contains(ASCII.colon) }
    /// `sent-by` as written: `host[:port]`, IPv6 in brackets.
    public var sentBy: String {
        let h = isIPv6 ? "[\(host)]" : host
        return port.map { "\(h):\($0)" } ?? h
    }

    public var description: String {
        var s = "SIP/2.0/\(transport) \(sentBy)"
        parameters.serialize(into: &s)
        return s
    }

    public init(parsing string: String) throws(SIPParseError) {
        func fail(_ why: String) -> SIPParseError { SIPParseError(.malformedHeader, "Via: \(why) in '\(string)'") }
        var s = ByteScanner(string)
        s.skipWhitespace()
        // sent-protocol = protocol-name SLASH protocol-version SLASH transport
        guard let name = s.token(), name.caseInsensitiveEquals("SIP"), s.consume(ASCII.slash),
              let version = s.token(), version == "2.0", s.consume(ASCII.slash),
              let transport = s.token()
        else { throw fail("expected SIP/2.0/<transport>") }
        s.skipWhitespace()
        var host: String
        if s.peek == ASCII.leftBracket {
            s.index += 1
            let inner = s.take { $0 != ASCII.rightBracket }
            guard s.peek == ASCII.rightBracket, IPAddress.isIPv6Literal(inner) else { throw fail("bad IPv6 reference") }
            s.index += 1
            host = String(decoding: inner, as: UTF8.self)
        } else {
            let h = s.take { ASCII.isAlpha($0) || ASCII.isDigit($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }
            guard !h.isEmpty else { throw fail("missing sent-by host") }
            host = String(decoding: h, as: UTF8.self)
        }
        var port: Int?
        if s.consume(ASCII.colon) {
            let p = s.take(while: ASCII.isDigit)
            guard !p.isEmpty, p.count <= 5, let v = Int(String(decoding: p, as: UTF8.self)), v <= 65535 else { throw fail("bad port") }
            port = v
        }
        let params = try parseGenericParameters(&s, header: "Via")
        s.skipWhitespace()
        guard s.isAtEnd else { throw fail("unexpected '\(s.rest)'") }
        self.init(transport: transport.uppercased(), host: host, port: port, parameters: params)
    }
}
