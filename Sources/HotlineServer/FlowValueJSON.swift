import IVR

// JSON (RFC 8259) to and from `FlowValue`, for the `http` node's responses and for storing
// a call's variables.
//
// A small strict parser rather than JSONSerialization: on Linux, Foundation hands back
// `true` and `1` as the same NSNumber, so a flow comparing `crm.active == true` would see
// a number. Here `true`/`false` are always `.bool` and numbers always `.number`.

/// Why a text is not JSON, and where.
public struct FlowJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in words fit for a log line.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let description: String

        public static let empty = Code(description: "no JSON value (empty text)")
        public static let invalidUTF8 = Code(description: "not valid UTF-8")
        public static let unexpectedCharacter = Code(description: "unexpected character")
        public static let unexpectedEnd = Code(description: "the text ends inside a value")
        public static let trailingCharacters = Code(description: "more text after the JSON value")
        public static let controlCharacterInString = Code(description: "unescaped control character in a string")
        public static let invalidEscape = Code(description: "invalid escape in a string")
        public static let loneSurrogate = Code(description: "\\u escape of a lone UTF-16 surrogate")
        public static let invalidNumber = Code(description: "invalid number")
        public static let numberOutOfRange = Code(description: "number too large for a double")
        public static let tooDeep = Code(description: "arrays and objects nested deeper than \(FlowJSON.maximumDepth)")
    }

    public var code: Code
    /// Offset in bytes (of the UTF-8 text) where the problem was found.
    public var offset: Int

    public init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }

    public var description: String { "invalid JSON at byte \(offset): \(code)" }
}

/// Limits shared by the parser and its tests.
public enum FlowJSON {
    /// Arrays and objects may nest this deep (`[[1]]` is depth 2); deeper input is
    /// refused so a hostile server cannot exhaust the stack.
    public static let maximumDepth = 64
}

extension FlowValue {
    /// Parses one JSON value (RFC 8259) from UTF-8 bytes.
    ///
    /// Objects become `.record` (a repeated key keeps its last value), arrays `.list`,
    /// numbers `.number` (integers beyond 2^53 lose precision, as in JavaScript), `true`
    /// and `false` `.bool`, `null` `.null`. Any value may be the top-level one. A leading
    /// UTF-8 byte order mark is skipped. Lone surrogates in `\u` escapes, invalid UTF-8,
    /// numbers that overflow a double and nesting deeper than ``FlowJSON/maximumDepth``
    /// are errors.
    public init(json bytes: some Sequence<UInt8>) throws(FlowJSONError) {
        var parser = FlowJSONParser(bytes: Array(bytes))
        self = try parser.parseDocument()
    }

    /// Parses one JSON value from text; see the byte form above.
    public init(json text: String) throws(FlowJSONError) {
        try self.init(json: text.utf8)
    }

    /// The value as compact JSON: records with their keys sorted, integral numbers
    /// without a fraction (`12`, not `12.0`), other numbers in the shortest form that
    /// reads back to the same double, non-finite numbers as `null`, strings escaped per
    /// RFC 8259 §7 (`"`, `\`, and control characters; other characters as UTF-8).
    public var jsonText: String {
        var out = ""
        FlowJSONWriter.write(self, to: &out)
        return out
    }
}

// MARK: - Parser

struct FlowJSONParser {
    private let bytes: [UInt8]
    private var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(FlowJSONError) -> FlowValue {
        try validateUTF8()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        guard index < bytes.count else { throw FlowJSONError(.empty, at: index) }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw FlowJSONError(.trailingCharacters, at: index) }
        return value
    }

    /// Checks the whole input once, so strings can be cut at ASCII delimiters and decoded
    /// without further checks (bytes of a multi-byte UTF-8 sequence are all >= 0x80).
    private func validateUTF8() throws(FlowJSONError) {
        // The standard library's decoder is fast and strict (no overlongs, no surrogates);
        // invalid input comes back with U+FFFD in place of the bad bytes, so it differs.
        let decoded = String(decoding: bytes, as: UTF8.self)
        if decoded.utf8.elementsEqual(bytes) { return }
        var offset = 0
        for byte in decoded.utf8 {
            guard offset < bytes.count, bytes[offset] == byte else {
                throw FlowJSONError(.invalidUTF8, at: offset)
            }
            offset += 1
        }
        guard offset == bytes.count else { throw FlowJSONError(.invalidUTF8, at: offset) }
    }

    private mutating func skipWhitespace() {
        // RFC 8259 §2: space, horizontal tab, line feed, carriage return.
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
    }

    private func error(_ code: FlowJSONError.Code) -> FlowJSONError {
        FlowJSONError(code, at: index)
    }

    private func endOrUnexpected() -> FlowJSONError {
        error(index < bytes.count ? .unexpectedCharacter : .unexpectedEnd)
    }

    /// `depth` is the number of arrays and objects around the value.
    private mutating func parseValue(depth: Int) throws(FlowJSONError) -> FlowValue {
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw error(.unexpectedCharacter)
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(FlowJSONError) {
        let start = index
        for expected in literal.utf8 {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            guard bytes[index] == expected else { throw FlowJSONError(.unexpectedCharacter, at: start) }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(FlowJSONError) -> FlowValue {
        guard depth <= FlowJSON.maximumDepth else { throw error(.tooDeep) }
        index += 1 // {
        var members: [String: FlowValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .record(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw endOrUnexpected() }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw endOrUnexpected() }
            index += 1
            skipWhitespace()
            members[key] = try parseValue(depth: depth)
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .record(members)
            default:
                throw error(.unexpectedCharacter)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(FlowJSONError) -> FlowValue {
        guard depth <= FlowJSON.maximumDepth else { throw error(.tooDeep) }
        index += 1 // [
        var elements: [FlowValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .list(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .list(elements)
            default:
                throw error(.unexpectedCharacter)
            }
        }
    }

    /// RFC 8259 §7. `index` is at the opening quote; on return it is past the closing one.
    private mutating func parseString() throws(FlowJSONError) -> String {
        index += 1 // "
        var result = ""
        var runStart = index
        while true {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                result += String(decoding: bytes[runStart..<index], as: UTF8.self)
                index += 1
                return result
            case UInt8(ascii: "\\"):
                result += String(decoding: bytes[runStart..<index], as: UTF8.self)
                result.unicodeScalars.append(try parseEscape())
                runStart = index
            case 0x00..<0x20:
                throw error(.controlCharacterInString)
            default:
                index += 1
            }
        }
    }

    /// `index` is at the backslash; on return it is past the escape.
    private mutating func parseEscape() throws(FlowJSONError) -> Unicode.Scalar {
        let start = index
        index += 1
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: start)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by `\u` and a low one (RFC 8259 §7).
                let lowStart = index
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw FlowJSONError(.loneSurrogate, at: start)
                }
                index += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else { throw FlowJSONError(.loneSurrogate, at: start) }
                let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                return Unicode.Scalar(value)!
            case 0xDC00...0xDFFF:
                throw FlowJSONError(.loneSurrogate, at: start)
            default:
                return Unicode.Scalar(unit)!
            }
        default:
            throw FlowJSONError(.invalidEscape, at: start)
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(FlowJSONError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw FlowJSONError(.invalidEscape, at: escapeStart)
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func parseNumber() throws(FlowJSONError) -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw FlowJSONError(.invalidNumber, at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            // `01` is not a number; say so rather than "more text after the value".
            if index < bytes.count, isDigit(bytes[index]) { throw FlowJSONError(.invalidNumber, at: start) }
        } else if isDigit(bytes[index]) {
            skipDigits()
        } else {
            throw FlowJSONError(.invalidNumber, at: start)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw FlowJSONError(.invalidNumber, at: start) }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw FlowJSONError(.invalidNumber, at: start) }
            skipDigits()
        }
        // The grammar above is a subset of what Double(String) reads, so this cannot fail
        // for syntax; it gives infinity for overflow, which JSON cannot mean.
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)), value.isFinite else {
            throw FlowJSONError(.numberOutOfRange, at: start)
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }
}

// MARK: - Writer

enum FlowJSONWriter {
    static func write(_ value: FlowValue, to out: inout String) {
        switch value {
        case .string(let s):
            writeString(s, to: &out)
        case .number(let n):
            out += number(n)
        case .bool(let b):
            out += b ? "true" : "false"
        case .null:
            out += "null"
        case .list(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                write(element, to: &out)
            }
            out += "]"
        case .record(let members):
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                writeString(key, to: &out)
                out += ":"
                write(members[key]!, to: &out)
            }
            out += "}"
        }
    }

    /// Integral values below 2^63 as integers (every one converts to Int64 exactly);
    /// others in Swift's shortest round-trip form (`12.5`, `1e-07`, `1e+20`), which is
    /// valid JSON number syntax.
    static func number(_ n: Double) -> String {
        guard n.isFinite else { return "null" } // JSON has no NaN or infinity
        if n == n.rounded(.towardZero), abs(n) < 0x1p63 {
            return String(Int64(n))
        }
        let text = String(n)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// RFC 8259 §7: quote, backslash and U+0000–U+001F must be escaped; everything else
    /// may appear as itself.
    static func writeString(_ s: String, to out: inout String) {
        out += "\"" + TemplateEscape.json.apply(to: s) + "\""
    }
}
