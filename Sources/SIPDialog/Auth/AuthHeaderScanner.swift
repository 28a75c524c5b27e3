/// One auth-param read from a challenge or credentials value.
struct AuthParameter: Sendable, Hashable {
    /// Lower-cased name: auth-param names are case-insensitive (RFC 7235 §2.1).
    var name: String
    /// The value with quotes removed and quoted-pairs resolved.
    var value: String
    var wasQuoted: Bool
    /// Byte offset of the name in the header value, for error context.
    var offset: Int
}

/// Reads the RFC 3261 §25.1 grammar shared by `credentials` and `challenge`:
///
///     auth-scheme LWS auth-param *(COMMA auth-param)
///     auth-param  = auth-param-name EQUAL ( token / quoted-string )
///
/// Tolerances (all seen in the field, none ambiguous): line folding and any amount of
/// whitespace around `=` and `,`; empty list elements and leading/trailing commas
/// (RFC 7235 §1.2 `#rule`); parameter names in any case; a quoted-string where a token
/// is expected and vice versa. Input is bounded by ``AuthHeaderLimits``.
struct AuthHeaderScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ headerValue: String) throws(AuthError) {
        bytes = Array(headerValue.utf8)
        guard bytes.count <= AuthHeaderLimits.maximumLength else {
            throw AuthError(
                code: .headerTooLong,
                detail: "header value is \(bytes.count) bytes, more than \(AuthHeaderLimits.maximumLength)")
        }
    }

    /// Reads the auth-scheme token that opens the value.
    mutating func readScheme() throws(AuthError) -> String {
        skipWhitespace()
        let start = index
        let scheme = readToken()
        guard !scheme.isEmpty else {
            throw Self.malformed("expected an auth-scheme token", offset: start)
        }
        return scheme
    }

    /// Reads the auth-param list after the scheme; names are unique and lower-cased.
    mutating func readParameters() throws(AuthError) -> [String: AuthParameter] {
        // RFC 3261 §25.1: the scheme and the first auth-param are separated by LWS.
        guard index < bytes.count, Self.isWhitespace(bytes[index]) else {
            throw Self.malformed("expected whitespace and auth-params after the scheme", offset: index)
        }
        var parameters: [String: AuthParameter] = [:]
        while true {
            skipWhitespaceAndCommas()
            guard index < bytes.count else { break }
            let start = index
            let name = readToken().lowercased()
            guard !name.isEmpty else {
                throw Self.malformed("expected an auth-param name", offset: start)
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw Self.malformed("expected '=' after the parameter name", parameter: name, offset: index)
            }
            index += 1
            skipWhitespace()
            let value: String
            let quoted: Bool
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                value = try readQuotedString(parameter: name)
                quoted = true
            } else {
                let valueStart = index
                value = readToken()
                quoted = false
                guard !value.isEmpty else {
                    throw Self.malformed(
                        "expected a token or quoted-string value", parameter: name, offset: valueStart)
                }
            }
            guard parameters[name] == nil else {
                throw AuthError(
                    code: .duplicateParameter, parameter: name, offset: start,
                    detail: "the parameter appears more than once")
            }
            guard parameters.count < AuthHeaderLimits.maximumParameters else {
                throw Self.malformed(
                    "more than \(AuthHeaderLimits.maximumParameters) auth-params", offset: start)
            }
            parameters[name] = AuthParameter(name: name, value: value, wasQuoted: quoted, offset: start)
            skipWhitespace()
            guard index < bytes.count else { break }
            guard bytes[index] == UInt8(ascii: ",") else {
                throw Self.malformed("expected ',' between auth-params", offset: index)
            }
        }
        guard !parameters.isEmpty else {
            throw Self.malformed("the scheme has no auth-params", offset: index)
        }
        return parameters
    }

    // MARK: lexical rules

    /// RFC 3261 §25.1 `token`.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"),
            UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"),
            UInt8(ascii: "'"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// SP, HTAB, and the CR/LF of a fold (RFC 3261 §25.1 LWS).
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 0x0d || byte == 0x0a
    }

    private mutating func readToken() -> String {
        let start = index
        while index < bytes.count, Self.isTokenCharacter(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    private mutating func skipWhitespaceAndCommas() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) || bytes[index] == UInt8(ascii: ",") {
            index += 1
        }
    }

    /// RFC 3261 §25.1 `quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE`.
    /// A fold (CRLF followed by whitespace) inside the quotes reads as one SP (§7.3.1).
    private mutating func readQuotedString(parameter: String) throws(AuthError) -> String {
        let open = index
        index += 1
        var content: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                // Only ASCII bytes were dropped or added, so the UTF-8 of the input stays valid.
                return String(decoding: content, as: UTF8.self)
            case UInt8(ascii: "\\"):
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                guard index + 1 < bytes.count, bytes[index + 1] != 0x0a, bytes[index + 1] != 0x0d,
                    bytes[index + 1] <= 0x7f
                else {
                    throw Self.malformed("invalid quoted-pair", parameter: parameter, offset: index)
                }
                content.append(bytes[index + 1])
                index += 2
            case 0x0d, 0x0a:
                while index < bytes.count, bytes[index] == 0x0d || bytes[index] == 0x0a { index += 1 }
                guard index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t")
                else {
                    throw Self.malformed("line break inside a quoted-string", parameter: parameter, offset: index)
                }
                while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
                    index += 1
                }
                content.append(UInt8(ascii: " "))
            case 0x00...0x08, 0x0b...0x1f, 0x7f:
                throw Self.malformed("control character in a quoted-string", parameter: parameter, offset: index)
            default:
                content.append(byte)
                index += 1
            }
        }
        throw Self.malformed("unterminated quoted-string", parameter: parameter, offset: open)
    }

    static func malformed(_ detail: String, parameter: String? = nil, offset: Int) -> AuthError {
        AuthError(code: .malformedHeader, parameter: parameter, offset: offset, detail: detail)
    }

    // MARK: writing

    /// Writes `text` as a quoted-string, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair).
    /// CR, LF and other controls cannot be escaped and become SP, so a value can never
    /// end the header line.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x00...0x08, 0x0a...0x1f, 0x7f:
                out.append(UInt8(ascii: " "))
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
