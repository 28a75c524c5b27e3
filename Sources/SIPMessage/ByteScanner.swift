/// A cursor over the bytes of one header value or start line, with the LWS rules of
/// RFC 3261 §25.1 (`SWS`, `HCOLON`, `SEMI`, `EQUAL`, `COMMA`, `SLASH` allow LWS on both sides).
struct ByteScanner {
    let bytes: [UInt8]
    var index: Int

    init(_ string: String) { self.bytes = Array(string.utf8); self.index = 0 }
    init(bytes: [UInt8]) { self.bytes = bytes; self.index = 0 }

    var isAtEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count, ASCII.isWhitespace(bytes[index]) || bytes[index] == ASCII.cr || bytes[index] == ASCII.lf { index += 1 }
    }

    /// Consumes `b` (with LWS around it) if it is next.
    mutating func consume(_ b: UInt8) -> Bool {
        let save = index
        skipWhitespace()
        if peek == b { index += 1; skipWhitespace(); return true }
        index = save
        return false
    }

    mutating func token() -> String? {
        let start = index
        while index < bytes.count, ASCII.isToken(bytes[index]) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// Reads bytes while `predicate` holds.
    mutating func take(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    /// A quoted-string starting at the current `"`; returns its unescaped content.
    /// Throws on an unterminated string (RFC 4475 §3.1.2.6).
    mutating func quotedString() throws(SIPParseError) -> String {
        precondition(peek == ASCII.quote)
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let b = bytes[index]
            if b == ASCII.quote { index += 1; return String(decoding: out, as: UTF8.self) }
            if b == ASCII.backslash {
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                guard index + 1 < bytes.count else { break }
                out.append(bytes[index + 1])
                index += 2
                continue
            }
            out.append(b)
            index += 1
        }
        throw SIPParseError(.malformedHeader, "unterminated quoted string")
    }

    var rest: String { String(decoding: bytes[min(index, bytes.count)...], as: UTF8.self) }
}
