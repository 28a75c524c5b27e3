/// An error raised while reading an authentication header or configuring digest
/// authentication.
///
/// Carries a ``Code`` plus the context needed to fix the problem: which auth-param, at
/// which byte offset of the header value. `description` ends with what to do next.
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. Compare with the static lets (`error.code == .missingParameter`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The header value does not follow the RFC 3261 §25.1 credentials/challenge grammar.
        public static let malformedHeader = Code("malformedHeader")
        /// A parameter required by RFC 3261 §22.4 / RFC 7616 §3.4 is absent.
        public static let missingParameter = Code("missingParameter")
        /// The same auth-param appears twice (RFC 7616 §3.4: each at most once).
        public static let duplicateParameter = Code("duplicateParameter")
        /// `algorithm=` names an algorithm other than MD5, MD5-sess, SHA-256, SHA-256-sess.
        public static let unsupportedAlgorithm = Code("unsupportedAlgorithm")
        /// `nc=` is not 8 hexadecimal digits (RFC 3261 §25.1 `nc-value = 8LHEX`).
        public static let invalidNonceCount = Code("invalidNonceCount")
        /// The header value is longer than ``AuthHeaderLimits/maximumLength``.
        public static let headerTooLong = Code("headerTooLong")
        /// A nonce secret shorter than ``NonceService/minimumSecretLength`` bytes.
        public static let secretTooShort = Code("secretTooShort")
    }

    public var code: Code
    /// The auth-param concerned, lower-cased (`nonce`, `nc`, …), if any.
    public var parameter: String?
    /// Byte offset in the header value where the problem was found, if any.
    public var offset: Int?
    /// A human-readable explanation.
    public var detail: String

    public init(code: Code, parameter: String? = nil, offset: Int? = nil, detail: String) {
        self.code = code
        self.parameter = parameter
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        var text = "\(code)"
        if let parameter { text += " (parameter \(parameter))" }
        if let offset { text += " at byte \(offset)" }
        text += ": \(detail)"
        switch code {
        case .secretTooShort:
            text += "; configure a secret of at least \(NonceService.minimumSecretLength) random bytes"
        default:
            text += "; the peer must resend the request with a well-formed header"
        }
        return text
    }
}

/// Bounds applied by the authentication header parser (STYLE.md §5: every decoder is bounded).
public enum AuthHeaderLimits {
    /// Longest header value accepted, in UTF-8 bytes. A real Digest `Authorization` value is
    /// well under 1 KiB; 8 KiB leaves room for long URIs while refusing abuse.
    public static let maximumLength = 8192
    /// Most auth-params accepted in one header value.
    public static let maximumParameters = 64
}
