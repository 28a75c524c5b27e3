/// A session description that could not be parsed.
///
/// The error names the line (1-based, counting every line of the body including
/// blank ones) and says what is wrong with it, so a log line is enough to find the
/// fault in a packet capture:
///
/// ```
/// line 2: o= must have 6 fields (<username> <sess-id> <sess-version> <nettype> <addrtype> <address>), found 4 (RFC 8866 §5.2)
/// ```
///
/// A SIP user agent server answers an INVITE whose body fails to parse with
/// `400 Bad Request` (RFC 3261 §21.4.1), putting ``description`` in the reason
/// phrase or a Warning header so the sender's operator can fix their side.
public struct SDPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of fault was found. Compare with the static members; the raw value
    /// is stable and meant for logs and metrics labels.
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The body is larger than ``SDPLimits/maxBytes``.
        public static let bodyTooLarge = Code(rawValue: "bodyTooLarge")
        /// The body has more `m=` lines than ``SDPLimits/maxMediaDescriptions``.
        public static let tooManyMediaDescriptions = Code(rawValue: "tooManyMediaDescriptions")
        /// The body has no lines at all.
        public static let empty = Code(rawValue: "empty")
        /// A line is not of the form `<type>=<value>` (RFC 8866 §5).
        public static let malformedLine = Code(rawValue: "malformedLine")
        /// The first line is not `v=` (RFC 8866 §5: "v=" starts a session description).
        public static let versionNotFirst = Code(rawValue: "versionNotFirst")
        /// `v=` is not `0` (RFC 8866 §5.1).
        public static let unsupportedVersion = Code(rawValue: "unsupportedVersion")
        /// A line that may appear once appears twice (`v=`, `o=`, `s=`, session `c=`).
        public static let duplicateLine = Code(rawValue: "duplicateLine")
        /// A session-level line (`v=`, `o=`, `s=`, `t=`) appears after the first `m=`.
        public static let unexpectedLine = Code(rawValue: "unexpectedLine")
        /// One of the mandatory `o=`, `s=`, `t=` lines is missing (RFC 8866 §5).
        public static let missingMandatoryLine = Code(rawValue: "missingMandatoryLine")
        /// `o=` is malformed (RFC 8866 §5.2).
        public static let malformedOrigin = Code(rawValue: "malformedOrigin")
        /// `c=` is malformed (RFC 8866 §5.7).
        public static let malformedConnection = Code(rawValue: "malformedConnection")
        /// `b=` is malformed (RFC 8866 §5.8).
        public static let malformedBandwidth = Code(rawValue: "malformedBandwidth")
        /// `t=` or `r=` is malformed (RFC 8866 §5.9, §5.10).
        public static let malformedTiming = Code(rawValue: "malformedTiming")
        /// `m=` is malformed (RFC 8866 §5.14).
        public static let malformedMedia = Code(rawValue: "malformedMedia")
        /// An active media description has no `c=` line and there is no session-level
        /// one (RFC 8866 §5.7).
        public static let missingConnection = Code(rawValue: "missingConnection")
    }

    /// What kind of fault was found.
    public var code: Code
    /// The 1-based line the fault was found at; `nil` when it concerns the whole body.
    public var line: Int?
    /// A human-readable explanation that starts with the line number.
    public var message: String

    public init(code: Code, line: Int?, message: String) {
        self.code = code
        self.line = line
        self.message = message
    }

    /// Builds an error whose message is prefixed with `line N: `.
    static func at(_ line: Int, _ code: Code, _ what: String) -> SDPError {
        SDPError(code: code, line: line, message: "line \(line): \(what)")
    }

    public var description: String { "SDP \(code): \(message)" }
}
