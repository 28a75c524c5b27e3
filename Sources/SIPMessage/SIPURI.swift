/// A `sip:` or `sips:` URI (RFC 3261 §19.1). User, password, parameter and header
/// values are held unescaped (decoded once: `value%2541` becomes `value%41`, never `valueA`,
/// RFC 4475 §3.1.1.3) and re-escaped on output.
///
/// IPv6 hosts are held without brackets (`2001:db8::10`); `[2001:db8::10:5070]` is a host
/// with no port (RFC 5118 §4.3).
public struct SIPURI: Sendable, Hashable, CustomStringConvertible {
    public var secure: Bool
    public var user: String?
    public var password: String?
    public var host: String
    public var port: Int?
    public var parameters: SIPParameters
    public var headers: [SIPParameters.Parameter]

    public init(secure: Bool = false, user: String? = nil, password: String? = nil, host: String, port: Int? = nil,
                parameters: SIPParameters = SIPParameters(), headers: [SIPParameters.Parameter] = []) {
        self.secure = secure
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
    }

    public var scheme: String { secure ? "sips" : "sip" }
    public var isIPv6: Bool { host.utf8.contains(ASCII.colon) }
    /// The host as written in a URI or Via: IPv6 references in brackets.
    public var hostReference: String { isIPv6 ? "[\(host)]" : host }
    /// `host[:port]`
    public var hostPort: String { port.map { "\(hostReference):\($0)" } ?? hostReference }
    /// The transport parameter, lowercased (`udp`, `tcp`, `tls`, `ws` ...).
    public var transport: String? { parameters.value("transport")?.asciiLowercased }

    /// The URI without parameters and headers: how an address-of-record is keyed.
    public var addressOfRecord: String {
        var s = scheme + ":"
        if let u = user { s += PercentEncoding.encode(u, allowed: ASCII.isUserChar) + "@" }
        // IPv6 in brackets, or `[2001:db8::1]:5061` and `[2001:db8::1:5061]` share a key.
        s += hostReference.asciiLowercased
        if let p = port { s += ":\(p)" }
        return s
    }

    public var description: String {
        var s = scheme + ":"
        if let u = user {
            s += PercentEncoding.encode(u, allowed: ASCII.isUserChar)
            if let p = password { s += ":" + PercentEncoding.encode(p, allowed: ASCII.isPasswordChar) }
            s += "@"
        }
        s += hostPort
        for p in parameters {
            s += ";" + PercentEncoding.encode(p.name, allowed: ASCII.isParamChar)
            if let v = p.value { s += "=" + PercentEncoding.encode(v, allowed: ASCII.isParamChar) }
        }
        for (i, h) in headers.enumerated() {
            s += i == 0 ? "?" : "&"
            s += PercentEncoding.encode(h.name, allowed: ASCII.isHeaderChar) + "="
            s += PercentEncoding.encode(h.value ?? "", allowed: ASCII.isHeaderChar)
        }
        return s
    }

    /// Parses a complete SIP or SIPS URI.
    public init(parsing string: String) throws(SIPParseError) {
        let bytes = Array(string.utf8)
        self = try SIPURI.parse(bytes[...])
    }

    static func parse(_ all: ArraySlice<UInt8>) throws(SIPParseError) -> SIPURI {
        func fail(_ why: String) -> SIPParseError {
            SIPParseError(.malformedRequestURI, "\(why) in '\(String(decoding: all, as: UTF8.self))'")
        }
        guard let colon = all.firstIndex(of: ASCII.colon) else { throw fail("no scheme") }
        let scheme = String(decoding: all[all.startIndex..<colon], as: UTF8.self).asciiLowercased
        guard scheme == "sip" || scheme == "sips" else { throw fail("not a sip/sips URI") }
        var rest = all[(colon + 1)...]
        for b in rest where b == ASCII.sp || b == ASCII.tab || b == ASCII.cr || b == ASCII.lf || b == ASCII.lessThan || b == ASCII.greaterThan || b == ASCII.quote {
            throw fail("illegal character \(b == ASCII.sp ? "space" : "'\(Character(Unicode.Scalar(b)))'")")
        }
        // userinfo ends at the first '@' (an '@' in the user part must be escaped, RFC 3261
        // §19.1.1). Find it before looking for '?': the user part may itself contain '?'
        // (user-unreserved, RFC 4475 §3.1.1.2), so headers start at the first '?' after it.
        let at = rest.firstIndex(of: ASCII.at)
        // Headers after '?'
        var headers: [SIPParameters.Parameter] = []
        if let q = rest[(at.map { $0 + 1 } ?? rest.startIndex)...].firstIndex(of: ASCII.question) {
            for part in rest[(q + 1)...].split(separator: ASCII.ampersand, omittingEmptySubsequences: false) {
                guard let eq = part.firstIndex(of: ASCII.equals), let n = PercentEncoding.decode(part[part.startIndex..<eq]),
                      let v = PercentEncoding.decode(part[(eq + 1)...]), !n.isEmpty
                else { throw fail("malformed URI header") }
                headers.append(.init(name: n, value: v))
            }
            rest = rest[rest.startIndex..<q]
        }
        var user: String?, password: String?
        if let at {
            let userinfo = rest[rest.startIndex..<at]
            let userPart: ArraySlice<UInt8>
            if let c = userinfo.firstIndex(of: ASCII.colon) {
                userPart = userinfo[userinfo.startIndex..<c]
                guard let p = PercentEncoding.decode(userinfo[(c + 1)...]) else { throw fail("bad escape in password") }
                password = p
            } else {
                userPart = userinfo
            }
            guard !userPart.isEmpty, let u = PercentEncoding.decode(userPart) else { throw fail("bad user part") }
            for b in userPart where !(ASCII.isUserChar(b) || b == ASCII.percent) { throw fail("illegal character in user part") }
            user = u
            rest = rest[(at + 1)...]
        }
        // hostport, then ;params
        var hostEnd = rest.endIndex
        var host: String
        var port: Int?
        var i = rest.startIndex
        if rest.first == ASCII.leftBracket {
            guard let close = rest.firstIndex(of: ASCII.rightBracket) else { throw fail("unterminated IPv6 reference") }
            let inner = rest[(i + 1)..<close]
            guard IPAddress.isIPv6Literal(inner) else { throw fail("bad IPv6 reference") }
            host = String(decoding: inner, as: UTF8.self)
            i = close + 1
        } else {
            while i < rest.endIndex, rest[i] != ASCII.colon, rest[i] != ASCII.semicolon { i += 1 }
            let h = rest[rest.startIndex..<i]
            guard IPAddress.isHostname(h) else { throw fail("bad host") }
            host = String(decoding: h, as: UTF8.self)
        }
        if i < rest.endIndex, rest[i] == ASCII.colon {
            let ps = i + 1
            i = ps
            while i < rest.endIndex, ASCII.isDigit(rest[i]) { i += 1 }
            guard i > ps, i - ps <= 5, let p = Int(String(decoding: rest[ps..<i], as: UTF8.self)), p <= 65535 else { throw fail("bad port") }
            port = p
        }
        hostEnd = i
        var parameters = SIPParameters()
        if hostEnd < rest.endIndex {
            guard rest[hostEnd] == ASCII.semicolon else { throw fail("unexpected character after host") }
            for part in rest[(hostEnd + 1)...].split(separator: ASCII.semicolon, omittingEmptySubsequences: false) {
                for b in part where !(ASCII.isParamChar(b) || b == ASCII.percent || b == ASCII.equals) { throw fail("illegal character in parameter") }
                if let eq = part.firstIndex(of: ASCII.equals) {
                    guard let n = PercentEncoding.decode(part[part.startIndex..<eq]), !n.isEmpty,
                          let v = PercentEncoding.decode(part[(eq + 1)...]) else { throw fail("malformed parameter") }
                    parameters.append(n, v)
                } else {
                    guard let n = PercentEncoding.decode(part), !n.isEmpty else { throw fail("empty parameter") }
                    parameters.append(n, nil)
                }
            }
        }
        return SIPURI(secure: scheme == "sips", user: user, password: password, host: host, port: port,
                      parameters: parameters, headers: headers)
    }

    /// RFC 3261 §19.1.4 comparison: user and password case-sensitive, host case-insensitive,
    /// `user`, `ttl`, `method`, `maddr` and `transport` must match if present in either,
    /// other parameters only if present in both; headers must match.
    public func isEquivalent(to o: SIPURI) -> Bool {
        guard secure == o.secure, user == o.user, password == o.password,
              host.caseInsensitiveEquals(o.host), port == o.port else { return false }
        for name in ["user", "ttl", "method", "maddr", "transport"] {
            let a = parameters.value(name)?.asciiLowercased, b = o.parameters.value(name)?.asciiLowercased
            if parameters.contains(name) || o.parameters.contains(name) { guard a == b else { return false } }
        }
        for p in parameters where o.parameters.contains(p.name) {
            guard (p.value?.asciiLowercased) == (o.parameters.value(p.name)?.asciiLowercased) else { return false }
        }
        return Set(headers) == Set(o.headers)
    }
}

/// A `tel:` URI (RFC 3966), kept as the number plus parameters.
public struct TelURI: Sendable, Hashable, CustomStringConvertible {
    public var number: String
    public var parameters: SIPParameters

    public init(number: String, parameters: SIPParameters = SIPParameters()) {
        self.number = number
        self.parameters = parameters
    }

    public var isGlobal: Bool { number.hasPrefix("+") }
    /// Digits only, the way numbers are compared and stored.
    public var digits: String { String(number.filter { $0.isASCII && $0.isNumber }) }

    public var description: String {
        var s = "tel:" + number
        parameters.serialize(into: &s)
        return s
    }

    public init(parsing string: String) throws(SIPParseError) {
        guard string.utf8.count > 4, String(string.prefix(4)).caseInsensitiveEquals("tel:") else {
            throw SIPParseError(.malformedRequestURI, "not a tel URI: '\(string)'")
        }
        let parts = string.dropFirst(4).split(separator: ";", omittingEmptySubsequences: false)
        let number = String(parts[0])
        guard !number.isEmpty, number.utf8.allSatisfy({ ASCII.isDigit($0) || "+-.()*#ABCDabcdpw".utf8.contains($0) }) else {
            throw SIPParseError(.malformedRequestURI, "bad telephone number in '\(string)'")
        }
        var params = SIPParameters()
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let n = kv.first, !n.isEmpty else { throw SIPParseError(.malformedRequestURI, "empty parameter in '\(string)'") }
            params.append(String(n), kv.count > 1 ? String(kv[1]) : nil)
        }
        self.init(number: number, parameters: params)
    }
}

/// Any URI that may appear in a Request-URI or name-addr: SIP/SIPS, tel, or another
/// absolute URI kept opaque (RFC 3261 §19: `isbn:`, `http:`, `soap.beep:` ...).
public enum SIPAnyURI: Sendable, Hashable, CustomStringConvertible {
    case sip(SIPURI)
    case tel(TelURI)
    case other(scheme: String, text: String)

    public var description: String {
        switch self {
        case .sip(let u): return u.description
        case .tel(let t): return t.description
        case .other(_, let text): return text
        }
    }

    public var scheme: String {
        switch self {
        case .sip(let u): return u.scheme
        case .tel: return "tel"
        case .other(let s, _): return s
        }
    }

    public var sipURI: SIPURI? { if case .sip(let u) = self { return u } else { return nil } }

    /// The user part of a SIP URI or the number of a tel URI: the dialled number.
    public var userOrNumber: String? {
        switch self {
        case .sip(let u): return u.user
        case .tel(let t): return t.number
        case .other: return nil
        }
    }

    public init(parsing string: String) throws(SIPParseError) {
        let bytes = Array(string.utf8)
        try self.init(bytes: bytes[...])
    }

    init(bytes: ArraySlice<UInt8>) throws(SIPParseError) {
        guard let colon = bytes.firstIndex(of: ASCII.colon), colon > bytes.startIndex else {
            throw SIPParseError(.malformedRequestURI, "no scheme in '\(String(decoding: bytes, as: UTF8.self))'")
        }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )  (RFC 3261 §25.1)
        let schemeBytes = bytes[bytes.startIndex..<colon]
        guard ASCII.isAlpha(schemeBytes.first!),
              schemeBytes.allSatisfy({ ASCII.isAlpha($0) || ASCII.isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { throw SIPParseError(.malformedRequestURI, "bad scheme in '\(String(decoding: bytes, as: UTF8.self))'") }
        let scheme = String(decoding: schemeBytes, as: UTF8.self).asciiLowercased
        switch scheme {
        case "sip", "sips": self = .sip(try SIPURI.parse(bytes))
        case "tel": self = .tel(try TelURI(parsing: String(decoding: bytes, as: UTF8.self)))
        default:
            for b in bytes where b <= ASCII.sp || b == 0x7F || b == ASCII.lessThan || b == ASCII.greaterThan || b == ASCII.quote {
                throw SIPParseError(.malformedRequestURI, "illegal character in '\(String(decoding: bytes, as: UTF8.self))'")
            }
            self = .other(scheme: scheme, text: String(decoding: bytes, as: UTF8.self))
        }
    }
}
