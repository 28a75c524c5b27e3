/// A header field name. Compares case-insensitively, and compact forms (RFC 3261 §7.3.3,
/// §20) compare equal to their long forms: `v` is `Via`, `i` is `Call-ID`.
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The form we write: canonical for known names, as received for others.
    public let name: String
    /// Lowercased long form; the identity of the name.
    public let key: String

    init(name: String, key: String) { self.name = name; self.key = key }

    public init(_ name: String) {
        let lower = name.asciiLowercased
        if let known = SIPHeaderName.known[lower] { self = known } else { self.init(name: name, key: lower) }
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { name }

    public static func == (a: SIPHeaderName, b: SIPHeaderName) -> Bool { a.key == b.key }
    public func hash(into h: inout Hasher) { h.combine(key) }

    /// Whether the header's grammar is a comma-separated list (RFC 3261 §7.3.1), so that
    /// `Via: a, b` means two values. Authorization-type headers and Date are not lists.
    public var isList: Bool { SIPHeaderName.listKeys.contains(key) }

    /// Whether the header may appear once only (RFC 4475 §3.3.8 checks these).
    public var isSingleValued: Bool { SIPHeaderName.singleKeys.contains(key) }

    public static let accept: SIPHeaderName = "Accept"
    public static let acceptEncoding: SIPHeaderName = "Accept-Encoding"
    public static let acceptLanguage: SIPHeaderName = "Accept-Language"
    public static let allow: SIPHeaderName = "Allow"
    public static let allowEvents: SIPHeaderName = "Allow-Events"
    public static let authorization: SIPHeaderName = "Authorization"
    public static let callID: SIPHeaderName = "Call-ID"
    public static let contact: SIPHeaderName = "Contact"
    public static let contentDisposition: SIPHeaderName = "Content-Disposition"
    public static let contentEncoding: SIPHeaderName = "Content-Encoding"
    public static let contentLength: SIPHeaderName = "Content-Length"
    public static let contentType: SIPHeaderName = "Content-Type"
    public static let cseq: SIPHeaderName = "CSeq"
    public static let date: SIPHeaderName = "Date"
    public static let event: SIPHeaderName = "Event"
    public static let expires: SIPHeaderName = "Expires"
    public static let from: SIPHeaderName = "From"
    public static let maxForwards: SIPHeaderName = "Max-Forwards"
    public static let minExpires: SIPHeaderName = "Min-Expires"
    public static let minSE: SIPHeaderName = "Min-SE"
    public static let proxyAuthenticate: SIPHeaderName = "Proxy-Authenticate"
    public static let proxyAuthorization: SIPHeaderName = "Proxy-Authorization"
    public static let proxyRequire: SIPHeaderName = "Proxy-Require"
    public static let reason: SIPHeaderName = "Reason"
    public static let recordRoute: SIPHeaderName = "Record-Route"
    public static let referTo: SIPHeaderName = "Refer-To"
    public static let referredBy: SIPHeaderName = "Referred-By"
    public static let require: SIPHeaderName = "Require"
    public static let retryAfter: SIPHeaderName = "Retry-After"
    public static let route: SIPHeaderName = "Route"
    public static let server: SIPHeaderName = "Server"
    public static let sessionExpires: SIPHeaderName = "Session-Expires"
    public static let subject: SIPHeaderName = "Subject"
    public static let supported: SIPHeaderName = "Supported"
    public static let timestamp: SIPHeaderName = "Timestamp"
    public static let to: SIPHeaderName = "To"
    public static let unsupported: SIPHeaderName = "Unsupported"
    public static let userAgent: SIPHeaderName = "User-Agent"
    public static let via: SIPHeaderName = "Via"
    public static let warning: SIPHeaderName = "Warning"
    public static let wwwAuthenticate: SIPHeaderName = "WWW-Authenticate"

    static let canonicalNames: [String] = [
        "Accept", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
        "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact",
        "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
        "Content-Type", "CSeq", "Date", "Error-Info", "Event", "Expires", "From", "In-Reply-To",
        "Max-Forwards", "MIME-Version", "Min-Expires", "Min-SE", "Organization", "Path",
        "P-Asserted-Identity", "Priority", "Proxy-Authenticate", "Proxy-Authorization",
        "Proxy-Require", "RAck", "Reason", "Record-Route", "Refer-To", "Referred-By", "Reply-To",
        "Require", "Retry-After", "Route", "RSeq", "Server", "Service-Route", "Session-Expires",
        "Subject", "Subscription-State", "Supported", "Timestamp", "To", "Unsupported",
        "User-Agent", "Via", "Warning", "WWW-Authenticate",
    ]

    /// RFC 3261 §7.3.3 and the extensions' compact forms (RFC 3515, 3265, 4028, 3841).
    static let compactForms: [String: String] = [
        "i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
        "c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To", "v": "Via",
        "o": "Event", "r": "Refer-To", "b": "Referred-By", "x": "Session-Expires", "u": "Allow-Events",
    ]

    static let known: [String: SIPHeaderName] = {
        var table: [String: SIPHeaderName] = [:]
        for n in canonicalNames { table[n.asciiLowercased] = SIPHeaderName(name: n, key: n.asciiLowercased) }
        for (short, long) in compactForms { table[short] = table[long.asciiLowercased]! }
        return table
    }()

    static let listKeys: Set<String> = [
        "via", "contact", "route", "record-route", "allow", "supported", "require", "proxy-require",
        "unsupported", "accept", "accept-encoding", "accept-language", "content-encoding",
        "content-language", "allow-events", "path", "service-route", "p-asserted-identity",
        "in-reply-to", "warning", "alert-info", "call-info", "error-info", "reason",
    ]

    static let singleKeys: Set<String> = [
        "call-id", "cseq", "from", "to", "max-forwards", "content-length", "content-type", "expires",
        "min-expires", "session-expires", "min-se", "rack", "rseq",
    ]

    /// Looks a name up from raw bytes without allocating for known names.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> SIPHeaderName {
        // Small strings (≤ 15 UTF-8 bytes) are stored inline, so this does not allocate
        // for the common names.
        let lower = String(unsafeUninitializedCapacity: bytes.count) { buf in
            var i = 0
            for b in bytes { buf[i] = ASCII.lower(b); i += 1 }
            return i
        }
        if let k = known[lower] { return k }
        return SIPHeaderName(name: String(decoding: bytes, as: UTF8.self), key: lower)
    }
}
