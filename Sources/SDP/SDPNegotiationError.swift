/// An offer or answer we cannot accept, or an offer/answer event out of order.
///
/// Each error carries the SIP response a UAS sends for it and, for media
/// mismatches, the RFC 3261 §20.43 warning that explains it:
///
/// ```
/// SIP/2.0 488 Not Acceptable Here
/// Warning: 305 hotline.example.com "Incompatible media format"
/// ```
///
/// When we are the offerer and the *answer* is unusable there is no response to
/// send (RFC 3261 §13.2.2.4: the UAC acknowledges the 2xx, then ends the dialog with
/// BYE); ``sipStatus`` then only classifies the failure.
public struct SDPNegotiationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. The raw value is stable, for logs and metrics labels.
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The offer has no active audio m-line (488, warning 304).
        public static let noAudioStream = Code(rawValue: "noAudioStream")
        /// The audio m-lines use a transport we lack, e.g. `RTP/SAVP` (488, warning 302).
        public static let incompatibleTransport = Code(rawValue: "incompatibleTransport")
        /// No audio codec in common (488, warning 305).
        public static let noCommonCodec = Code(rawValue: "noCommonCodec")
        /// The answer rejected our audio stream with port 0 (RFC 3264 §6).
        public static let audioRejected = Code(rawValue: "audioRejected")
        /// The answer's m-lines do not pair with the offer's (RFC 3264 §6: same count,
        /// same media types, same order).
        public static let mediaMismatch = Code(rawValue: "mediaMismatch")
        /// The audio stream has no connection address (RFC 8866 §5.7).
        public static let missingConnection = Code(rawValue: "missingConnection")
        /// An offer arrived while ours was outstanding: glare (RFC 3261 §14.2 → 491).
        public static let glare = Code(rawValue: "glare")
        /// An offer arrived while we still owed an answer to the previous one
        /// (RFC 3261 §14.2 → 500 with Retry-After).
        public static let offerPending = Code(rawValue: "offerPending")
        /// An event that the current state does not allow, e.g. an answer when no
        /// offer is outstanding (RFC 3264 §4).
        public static let outOfOrder = Code(rawValue: "outOfOrder")
    }

    public var code: Code
    /// What went wrong, in words, for logs.
    public var message: String
    /// The SIP status a UAS answers with: 488, 491 or 500.
    public var sipStatus: Int
    /// RFC 3261 §20.43 warn-code (3xx), when the failure is about the media.
    public var warningCode: Int?
    /// The warn-text that goes with ``warningCode``.
    public var warningText: String?

    public init(code: Code, message: String, sipStatus: Int, warningCode: Int? = nil, warningText: String? = nil) {
        self.code = code
        self.message = message
        self.sipStatus = sipStatus
        self.warningCode = warningCode
        self.warningText = warningText
    }

    /// The value of a Warning header (RFC 3261 §20.43), e.g.
    /// `305 hotline.example.com "Incompatible media format"`, or `nil` when the
    /// error has no warning code. `agent` is our host name or `-`.
    public func warningHeaderValue(agent: String) -> String? {
        guard let warningCode, let warningText else { return nil }
        return "\(warningCode) \(agent) \"\(warningText)\""
    }

    public var description: String {
        var text = "SDP negotiation \(code) (SIP \(sipStatus)"
        if let warningCode { text += ", warning \(warningCode)" }
        return text + "): \(message)"
    }

    // MARK: Builders, one per code

    static func noAudioStream(_ detail: String) -> Self {
        Self(code: .noAudioStream, message: detail, sipStatus: 488, warningCode: 304, warningText: "Media type not available")
    }

    static func incompatibleTransport(_ detail: String) -> Self {
        Self(code: .incompatibleTransport, message: detail, sipStatus: 488, warningCode: 302, warningText: "Incompatible transport protocol")
    }

    static func noCommonCodec(_ detail: String) -> Self {
        Self(code: .noCommonCodec, message: detail, sipStatus: 488, warningCode: 305, warningText: "Incompatible media format")
    }

    static func audioRejected(_ detail: String) -> Self {
        Self(code: .audioRejected, message: detail, sipStatus: 488, warningCode: 304, warningText: "Media type not available")
    }

    static func mediaMismatch(_ detail: String) -> Self {
        Self(code: .mediaMismatch, message: detail, sipStatus: 488, warningCode: 307, warningText: "Session description parameter not understood")
    }

    static func missingConnection(_ detail: String) -> Self {
        Self(code: .missingConnection, message: detail, sipStatus: 488, warningCode: 301, warningText: "Incompatible network address formats")
    }

    static func glare(_ detail: String) -> Self {
        Self(code: .glare, message: detail, sipStatus: 491)
    }

    static func offerPending(_ detail: String) -> Self {
        Self(code: .offerPending, message: detail, sipStatus: 500)
    }

    static func outOfOrder(_ detail: String) -> Self {
        Self(code: .outOfOrder, message: detail, sipStatus: 500)
    }
}
