import Crypto

/// A digest algorithm (RFC 7616 §3.2 / RFC 8760 §2.1), as written in `algorithm=`.
///
/// SIP uses MD5 (RFC 3261 §22.4) and SHA-256 (RFC 8760); SHA-512-256 is not supported.
/// The `-sess` variants hash the client nonce into HA1 (RFC 7616 §3.4.2).
public enum DigestAlgorithm: Sendable, Hashable, CaseIterable {
    case md5
    case md5Session
    case sha256
    case sha256Session

    /// The token used on the wire, e.g. `SHA-256-sess`.
    public var token: String {
        switch self {
        case .md5: return "MD5"
        case .md5Session: return "MD5-sess"
        case .sha256: return "SHA-256"
        case .sha256Session: return "SHA-256-sess"
        }
    }

    /// Reads an `algorithm=` token; matching is case-insensitive (RFC 7616 §3.3).
    public init?(token: String) {
        switch token.lowercased() {
        case "md5": self = .md5
        case "md5-sess": self = .md5Session
        case "sha-256": self = .sha256
        case "sha-256-sess": self = .sha256Session
        default: return nil
        }
    }

    /// Whether HA1 includes the nonce and cnonce (RFC 7616 §3.4.2).
    public var isSession: Bool {
        switch self {
        case .md5, .sha256: return false
        case .md5Session, .sha256Session: return true
        }
    }

    /// The algorithm without `-sess`: the one a stored HA1 is computed with.
    public var base: DigestAlgorithm {
        switch self {
        case .md5, .md5Session: return .md5
        case .sha256, .sha256Session: return .sha256
        }
    }

    /// Length of a response in hex digits (32 for MD5, 64 for SHA-256).
    public var hexLength: Int {
        switch self {
        case .md5, .md5Session: return 32
        case .sha256, .sha256Session: return 64
        }
    }

    /// `H(data)` of RFC 7616 §3.4, as lower-case hex.
    func hash(_ text: String) -> String {
        switch self {
        case .md5, .md5Session:
            return DigestHex.encode(Insecure.MD5.hash(data: Array(text.utf8)))
        case .sha256, .sha256Session:
            return DigestHex.encode(SHA256.hash(data: Array(text.utf8)))
        }
    }

    /// `H(bytes)`, used for the entity body of qop=auth-int.
    func hash(bytes: [UInt8]) -> String {
        switch self {
        case .md5, .md5Session:
            return DigestHex.encode(Insecure.MD5.hash(data: bytes))
        case .sha256, .sha256Session:
            return DigestHex.encode(SHA256.hash(data: bytes))
        }
    }
}

/// A quality of protection (RFC 7616 §3.3 `qop`).
public enum DigestQop: Sendable, Hashable, CaseIterable {
    /// Authentication only: A2 = method ":" uri.
    case auth
    /// Authentication with integrity: A2 = method ":" uri ":" H(body).
    case authInt

    public var token: String {
        switch self {
        case .auth: return "auth"
        case .authInt: return "auth-int"
        }
    }

    /// Reads a qop token, case-insensitively.
    public init?(token: String) {
        switch token.lowercased() {
        case "auth": self = .auth
        case "auth-int": self = .authInt
        default: return nil
        }
    }
}

/// Lower-case hexadecimal helpers for digests.
/// Lower-case hex, as digest values and the nonce secret file are written.
public enum DigestHex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether two hex digests are equal, in time that depends only on the lengths (never
    /// on where the first difference is); hex case is ignored. For digest responses and
    /// stored HA1 values alike.
    public static func equalInConstantTime(expectedHex: String, providedHex: String) -> Bool {
        let expected = decode(expectedHex) ?? []
        let provided = decode(providedHex)
        var difference: UInt8 = (provided != nil && provided?.count == expected.count) ? 0 : 1
        let bytes = provided ?? []
        for index in expected.indices {
            difference |= expected[index] ^ (index < bytes.count ? bytes[index] : 0)
        }
        return difference == 0
    }

    /// Decodes hex digits of either case; nil if the text is not an even run of hex digits.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
