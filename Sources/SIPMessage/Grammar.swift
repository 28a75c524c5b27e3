// Character classes of RFC 3261 §25.1, as byte tests.

enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let lessThan: UInt8 = 0x3C
    static let greaterThan: UInt8 = 0x3E
    static let slash: UInt8 = 0x2F
    static let at: UInt8 = 0x40
    static let question: UInt8 = 0x3F
    static let ampersand: UInt8 = 0x26
    static let percent: UInt8 = 0x25
    static let leftBracket: UInt8 = 0x5B
    static let rightBracket: UInt8 = 0x5D

    static func isWhitespace(_ b: UInt8) -> Bool { b == sp || b == tab }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

    static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    // The classes are switches rather than lookup tables: a static table is a lazily
    // initialised global, and every access would pay its `swift_once` check.

    /// RFC 3261 `token`: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
    static func isToken(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x2D, 0x2E, 0x21, 0x25, 0x2A, 0x5F, 0x2B, 0x60, 0x27, 0x7E: return true
        default: return false
        }
    }

    /// RFC 3261 `unreserved` = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
    static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x2D, 0x5F, 0x2E, 0x21, 0x7E, 0x2A, 0x27, 0x28, 0x29: return true
        default: return false
        }
    }

    /// Characters allowed unescaped in a SIP URI user part: unreserved / user-unreserved
    /// ("&" / "=" / "+" / "$" / "," / ";" / "?" / "/").
    static func isUserChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x26, 0x3D, 0x2B, 0x24, 0x2C, 0x3B, 0x3F, 0x2F: return true
        default: return isUnreserved(b)
        }
    }

    /// password: unreserved / "&" / "=" / "+" / "$" / ","
    static func isPasswordChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x26, 0x3D, 0x2B, 0x24, 0x2C: return true
        default: return isUnreserved(b)
        }
    }

    /// paramchar: param-unreserved / unreserved; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
    static func isParamChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x5B, 0x5D, 0x2F, 0x3A, 0x26, 0x2B, 0x24: return true
        default: return isUnreserved(b)
        }
    }

    /// hnv-unreserved / unreserved, for URI headers: "[" / "]" / "/" / "?" / ":" / "+" / "$"
    static func isHeaderChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x5B, 0x5D, 0x2F, 0x3F, 0x3A, 0x2B, 0x24: return true
        default: return isUnreserved(b)
        }
    }
}

/// Percent-encoding helpers (RFC 3261 §19.1.2, RFC 3986 §2.1).
enum PercentEncoding {
    /// Decodes `%HH` once. Returns nil when a `%` is not followed by two hex digits.
    static func decode<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
        guard bytes.contains(ASCII.percent) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            if b == ASCII.percent {
                let h1 = bytes.index(after: i)
                guard h1 != bytes.endIndex else { return nil }
                let h2 = bytes.index(after: h1)
                guard h2 != bytes.endIndex, let hi = ASCII.hexValue(bytes[h1]), let lo = ASCII.hexValue(bytes[h2]) else { return nil }
                out.append(hi << 4 | lo)
                i = bytes.index(after: h2)
            } else {
                out.append(b)
                i = bytes.index(after: i)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func encode(_ string: String, allowed: (UInt8) -> Bool) -> String {
        var needs = false
        for b in string.utf8 where !allowed(b) { needs = true; break }
        if !needs { return string }
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count + 8)
        for b in string.utf8 {
            if allowed(b) { out.append(b) } else {
                out.append(ASCII.percent); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// ASCII-only lowercase, cheaper than `lowercased()` and locale-free as SIP wants.
    var asciiLowercased: String {
        var needs = false
        for b in utf8 where b >= 0x41 && b <= 0x5A { needs = true; break }
        if !needs { return self }
        return String(decoding: utf8.map { ASCII.lower($0) }, as: UTF8.self)
    }

    /// ASCII case-insensitive equality.
    public func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where ASCII.lower(x) != ASCII.lower(y) { return false }
        return true
    }

    /// Trims SP/HTAB/CR/LF at both ends.
    public var trimmingSIPWhitespace: String {
        let bytes = Array(utf8)
        var s = 0, e = bytes.count
        while s < e, ASCII.isWhitespace(bytes[s]) || bytes[s] == ASCII.cr || bytes[s] == ASCII.lf { s += 1 }
        while e > s, ASCII.isWhitespace(bytes[e - 1]) || bytes[e - 1] == ASCII.cr || bytes[e - 1] == ASCII.lf { e -= 1 }
        if s == 0 && e == bytes.count { return self }
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }
}
