/// Digest credentials, the value of an `Authorization` or `Proxy-Authorization` header
/// (RFC 3261 §22.2, §22.3, §25.1 `digest-response`; RFC 7616 §3.4).
public struct DigestCredentials: Sendable, Hashable {
    public var username: String
    public var realm: String
    public var nonce: String
    /// `digest-uri`: the Request-URI as the client saw it. The hash covers it; comparing it
    /// with the actual Request-URI (RFC 3261 §22.4, to stop a response being replayed to
    /// another URI) is the caller's job because SIP URI comparison lives in SIPMessage.
    public var uri: String
    /// `request-digest`, hex.
    public var response: String
    /// MD5 when the header has no `algorithm=` (RFC 7616 §3.4).
    public var algorithm: DigestAlgorithm
    public var cnonce: String?
    public var opaque: String?
    /// nil for an RFC 2069-style response (RFC 3261 §22.4 item 8).
    public var qop: DigestQop?
    /// `nc` exactly as sent (8 hex digits); the hash covers this text, not the number.
    public var nonceCount: String?

    public init(
        username: String, realm: String, nonce: String, uri: String, response: String,
        algorithm: DigestAlgorithm = .md5, cnonce: String? = nil, opaque: String? = nil,
        qop: DigestQop? = nil, nonceCount: String? = nil
    ) {
        self.username = username
        self.realm = realm
        self.nonce = nonce
        self.uri = uri
        self.response = response
        self.algorithm = algorithm
        self.cnonce = cnonce
        self.opaque = opaque
        self.qop = qop
        self.nonceCount = nonceCount
    }

    /// `nc` as a number; nil when absent or not 8 hex digits.
    public var nonceCountValue: UInt32? {
        guard let nonceCount, nonceCount.utf8.count == 8 else { return nil }
        return UInt32(nonceCount, radix: 16)
    }

    /// The header value a client sends, e.g.
    /// `Digest username="1001", realm="hotline.local", nonce="…", uri="sip:hotline.local",
    /// response="…", algorithm=SHA-256, cnonce="…", qop=auth, nc=00000001`.
    public var headerValue: String {
        var parts = [
            "username=" + AuthHeaderScanner.quoted(username),
            "realm=" + AuthHeaderScanner.quoted(realm),
            "nonce=" + AuthHeaderScanner.quoted(nonce),
            "uri=" + AuthHeaderScanner.quoted(uri),
            "response=" + AuthHeaderScanner.quoted(response),
            "algorithm=" + algorithm.token,
        ]
        if let cnonce { parts.append("cnonce=" + AuthHeaderScanner.quoted(cnonce)) }
        if let opaque { parts.append("opaque=" + AuthHeaderScanner.quoted(opaque)) }
        if let qop { parts.append("qop=" + qop.token) }
        if let nonceCount { parts.append("nc=" + nonceCount) }
        return "Digest " + parts.joined(separator: ", ")
    }
}

/// A parsed `Authorization` / `Proxy-Authorization` value.
public enum AuthorizationCredentials: Sendable, Hashable {
    case digest(DigestCredentials)
    /// A scheme other than Digest. Not an error (RFC 4475 §3.3.7 `regaut01`): a registrar
    /// answers with a Digest challenge, a proxy forwards the header unchanged. The
    /// parameters are not read.
    case unknownScheme(String)

    /// Parses a credentials value.
    ///
    /// Required for Digest: username, realm, nonce, uri, response; with qop also cnonce
    /// and nc (RFC 7616 §3.4); a `-sess` algorithm also needs qop (RFC 3261 §22.4 item 8).
    ///
    /// - Throws: ``AuthError`` with ``AuthError/Code/malformedHeader``,
    ///   ``AuthError/Code/missingParameter``, ``AuthError/Code/duplicateParameter``,
    ///   ``AuthError/Code/unsupportedAlgorithm``, ``AuthError/Code/invalidNonceCount`` or
    ///   ``AuthError/Code/headerTooLong``.
    public init(parsing headerValue: String) throws(AuthError) {
        var scanner = try AuthHeaderScanner(headerValue)
        let scheme = try scanner.readScheme()
        guard scheme.lowercased() == "digest" else {
            self = .unknownScheme(scheme)
            return
        }
        let parameters = try scanner.readParameters()
        let algorithm = try DigestParameters.algorithm(in: parameters)

        var qop: DigestQop?
        if let parameter = parameters["qop"] {
            guard let known = DigestQop(token: parameter.value) else {
                throw AuthError(
                    code: .malformedHeader, parameter: "qop", offset: parameter.offset,
                    detail: "'\(parameter.value)' is not auth or auth-int")
            }
            qop = known
        }
        let nonceCount = parameters["nc"]
        if let nonceCount {
            let text = nonceCount.value
            guard text.utf8.count == 8, text.utf8.allSatisfy({ DigestHex.value($0) != nil }) else {
                throw AuthError(
                    code: .invalidNonceCount, parameter: "nc", offset: nonceCount.offset,
                    detail: "'\(text)' is not 8 hexadecimal digits")
            }
        }
        let cnonce = parameters["cnonce"]?.value
        if qop != nil {
            if cnonce == nil {
                throw AuthError(code: .missingParameter, parameter: "cnonce", detail: "qop requires cnonce")
            }
            if nonceCount == nil {
                throw AuthError(code: .missingParameter, parameter: "nc", detail: "qop requires nc")
            }
        } else if algorithm.isSession {
            throw AuthError(
                code: .missingParameter, parameter: "qop",
                detail: "\(algorithm.token) depends on cnonce, which is only sent with qop")
        }

        self = .digest(
            DigestCredentials(
                username: try DigestParameters.required("username", in: parameters),
                realm: try DigestParameters.required("realm", in: parameters),
                nonce: try DigestParameters.required("nonce", in: parameters),
                uri: try DigestParameters.required("uri", in: parameters),
                response: try DigestParameters.required("response", in: parameters),
                algorithm: algorithm,
                cnonce: cnonce,
                opaque: parameters["opaque"]?.value,
                qop: qop,
                nonceCount: nonceCount?.value))
    }
}
