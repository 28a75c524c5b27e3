/// A message that could not be parsed or fails validation.
///
/// `statusCode` is the response a UAS sends when the message was a request it can still
/// answer (RFC 3261 §8.2, §21.4); `nil` means drop it and count it. `partial` is the
/// request as far as it could be read, so a response can copy its Via, From, To,
/// Call-ID and CSeq (§8.2.6.2).
public struct SIPParseError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let empty = Code("empty message")
        public static let tooLarge = Code("message too large")
        public static let malformedStartLine = Code("malformed start line")
        public static let unsupportedVersion = Code("unsupported SIP version")
        public static let malformedRequestURI = Code("malformed Request-URI")
        public static let malformedHeader = Code("malformed header")
        public static let invalidContentLength = Code("invalid Content-Length")
        public static let truncatedBody = Code("body shorter than Content-Length")
        public static let missingHeader = Code("missing mandatory header")
        public static let duplicateHeader = Code("single-valued header repeated")
        public static let cseqMismatch = Code("CSeq method does not match the request method")
        public static let valueOutOfRange = Code("value out of range")
        public static let invalidStatusCode = Code("invalid status code")
    }

    public var code: Code
    /// What is wrong, naming the header or element; fit for a Reason phrase or a log line.
    public var detail: String
    public var statusCode: Int?
    public var partial: SIPRequest?

    public init(_ code: Code, _ detail: String, statusCode: Int? = 400, partial: SIPRequest? = nil) {
        self.code = code
        self.detail = detail
        self.statusCode = statusCode
        self.partial = partial
    }

    public var description: String { "\(code): \(detail)" }

    /// A short reason phrase for the response, e.g. `Bad Request (malformed header: Via ...)`.
    public var reasonPhrase: String {
        let base = statusCode.map { SIPResponse.defaultReason(for: $0) } ?? "Bad Request"
        // Reason-Phrase is UTF-8 text without CR/LF (RFC 3261 §25.1); keep it short.
        // Filter by `isNewline`: "\r\n" is one Character, equal to neither "\r" nor "\n".
        var d = String(detail.map { $0.isNewline ? " " : $0 })
        if d.count > 120 { d = String(d.prefix(120)) }
        return "\(base) (\(d))"
    }
}
