/// A header field name. Compares case-insensitively, and compact forms (RFC 3261 §7.3.3,
/// §20) compare equal to their long forms: `v` is `Via`, `i` is `Call-ID`.
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The form we write: canonical for known names, as received for others.
    public let name: String
    /// Lowercased long form; the identity of the name.
    public let key: String

    /// 1-based index into `canonicalNames` for known headers, 0 for others: comparing two
    /// known names is an integer compare, the common case on every header lookup.
    let id: UInt8

    init(name: String, key: String, id: UInt8 = 0) { self.name = name; self.key = key; self.id = id }

    public init(_ name: String) {
        let lower = name.asciiLowercased
        if let known = SIPHeaderName.known[lower] { self = known } else { self.init(name: name, key: lower) }
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { name }

    public static func == (a: SIPHeaderName, b: SIPHeaderName) -> Bool {
        // A name with id 0 is not in the known table, so it cannot equal a known one.
        if a.id != 0 || b.id != 0 { return a.id == b.id }
        return a.key == b.key
    }
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
        for (i, n) in canonicalNames.enumerated() {
            table[n.asciiLowercased] = SIPHeaderName(name: n, key: n.asciiLowercased, id: UInt8(i + 1))
        }
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

    /// The known names (and compact forms) in an open-addressing table keyed by an FNV-1a
    /// hash of the lowercased bytes: a parsed name costs a hash over a few bytes and one
    /// compare, no String and no SipHash. The parser fetches `table` once per message.
    struct Table: Sendable {
        static let size = 256
        let names: [SIPHeaderName?]
        /// The lowercased spelling each slot matches (a compact form's own).
        let keys: [[UInt8]]

        init(_ known: [String: SIPHeaderName]) {
            var names = [SIPHeaderName?](repeating: nil, count: Table.size)
            var keys = [[UInt8]](repeating: [], count: Table.size)
            for (lower, name) in known.sorted(by: { $0.key < $1.key }) {
                var slot = Int(Table.fnv(lower.utf8) & UInt32(Table.size - 1))
                while names[slot] != nil { slot = (slot + 1) & (Table.size - 1) }
                names[slot] = name
                keys[slot] = Array(lower.utf8)
            }
            self.names = names
            self.keys = keys
        }

        static func fnv<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
            var h: UInt32 = 0x811C_9DC5
            for b in bytes { h = (h ^ UInt32(ASCII.lower(b))) &* 0x0100_0193 }
            return h
        }

        /// Looks a name up from raw bytes; only unknown names allocate.
        func name(_ bytes: UnsafeBufferPointer<UInt8>) -> SIPHeaderName {
            var slot = Int(Table.fnv(bytes) & UInt32(Table.size - 1))
            while let candidate = names[slot] {
                let key = keys[slot]
                if key.count == bytes.count {
                    var equal = true
                    for i in 0..<key.count where key[i] != ASCII.lower(bytes[i]) { equal = false; break }
                    if equal { return candidate }
                }
                slot = (slot + 1) & (Table.size - 1)
            }
            let lower = String(unsafeUninitializedCapacity: bytes.count) { buf in
                for i in 0..<bytes.count { buf[i] = ASCII.lower(bytes[i]) }
                return bytes.count
            }
            return SIPHeaderName(name: String(decoding: bytes, as: UTF8.self), key: lower)
        }
    }

    static let table = Table(known)

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> SIPHeaderName { table.name(bytes) }
}
