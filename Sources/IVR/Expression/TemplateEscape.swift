/// How a ``Template`` escapes each substituted value for where the text goes. Literal
/// template text is never escaped: the flow designer writes it for its destination.
public enum TemplateEscape: Hashable, Sendable {
    /// As is: spoken sentences, plain text.
    case none
    /// Percent-encoded UTF-8 except the unreserved characters `A-Z a-z 0-9 - . _ ~`
    /// (RFC 3986 §2.3), so a value is one path segment or query value whatever it holds
    /// (`/`, `?`, `&`, `=`, spaces, non-ASCII).
    case urlComponent
    /// The inside of a JSON string literal (RFC 8259 §7): `"` and `\` escaped, control
    /// characters as `\n`, `\t`, ... or `\u00XX`; everything else, non-ASCII included,
    /// kept as UTF-8. Write the quotes in the template: `{{"name": "{customer.name}"}}`.
    case json

    public func apply(to value: String) -> String {
        switch self {
        case .none:
            return value
        case .urlComponent:
            var output = ""
            for byte in value.utf8 {
                if Self.isUnreserved(byte) {
                    output.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    output += "%" + Self.hexByte(byte)
                }
            }
            return output
        case .json:
            var output = ""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case "\r": output += "\\r"
                case "\t": output += "\\t"
                case "\u{08}": output += "\\b"
                case "\u{0C}": output += "\\f"
                case "\u{00}"..."\u{1F}": output += "\\u00" + Self.hexByte(UInt8(scalar.value))
                default: output.unicodeScalars.append(scalar)
                }
            }
            return output
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Two uppercase hex digits (RFC 3986 §2.1 prefers uppercase).
    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }
}
