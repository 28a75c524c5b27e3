/// A Digest challenge, the value of a `WWW-Authenticate` or `Proxy-Authenticate` header
/// (RFC 3261 §22.1, §25.1 `digest-cln`; RFC 7616 §3.3; RFC 8760 §2.2).
public struct DigestChallenge: Sendable, Hashable {
    public var realm: String
    public var nonce: String
    /// Returned unchanged by the client (RFC 7616 §3.3); nil when not sent.
    public var opaque: String?
    /// MD5 when the header has no `algorithm=` (RFC 7616 §3.3).
    public var algorithm: DigestAlgorithm
    /// The `qop` options offered, in header order. RFC 3261 §22.4 item 8: a server
    /// MUST always send qop, so ``DigestVerifier`` always offers `auth`.
    public var qopOptions: [DigestQop]
    /// TRUE when the previous request carried a correct response for a nonce that is no
    /// longer fresh, so the client can retry without asking the user (RFC 7616 §3.3).
    public var stale: Bool

    public init(
        realm: String, nonce: String, opaque: String? = nil, algorithm: DigestAlgorithm = .md5,
        qopOptions: [DigestQop] = [.auth], stale: Bool = false
    ) {
        self.realm = realm
        self.nonce = nonce
        self.opaque = opaque
        self.algorithm = algorithm
        self.qopOptions = qopOptions
        self.stale = stale
    }

    /// The header value, e.g.
    /// `Digest realm="hotline.local", nonce="…", algorithm=SHA-256, qop="auth", stale=TRUE`.
    ///
    /// `algorithm` is always written, even for MD5, so an RFC 8760 client never guesses.
    public var headerValue: String {
        var parts = [
            "realm=" + AuthHeaderScanner.quoted(realm),
            "nonce=" + AuthHeaderScanner.quoted(nonce),
        ]
        if let opaque { parts.append("opaque=" + AuthHeaderScanner.quoted(opaque)) }
        parts.append("algorithm=" + algorithm.token)
        if !qopOptions.isEmpty {
            parts.append("qop=" + AuthHeaderScanner.quoted(qopOptions.map(\.token).joined(separator: ",")))
        }
        if stale { parts.append("stale=TRUE") }
        return "Digest " + parts.joined(separator: ", ")
    }
}

/// A parsed `WWW-Authenticate` / `Proxy-Authenticate` value.
public enum AuthenticationChallenge: Sendable, Hashable {
    case digest(DigestChallenge)
    /// A scheme other than Digest, e.g. `Basic`. Its parameters are not read: SIP only
    /// defines Digest (RFC 3261 §22.1), and a client simply picks another challenge.
    case unknownScheme(String)

    /// Parses a challenge value.
    ///
    /// - Throws: ``AuthError`` with ``AuthError/Code/malformedHeader``,
    ///   ``AuthError/Code/missingParameter`` (realm or nonce),
    ///   ``AuthError/Code/duplicateParameter``, ``AuthError/Code/unsupportedAlgorithm``
    ///   or ``AuthError/Code/headerTooLong``.
    public init(parsing headerValue: String) throws(AuthError) {
        var scanner = try AuthHeaderScanner(headerValue)
        let scheme = try scanner.readScheme()
        guard scheme.lowercased() == "digest" else {
            self = .unknownScheme(scheme)
            return
        }
        let parameters = try scanner.readParameters()
        let algorithm = try DigestParameters.algorithm(in: parameters)
        // RFC 7616 §3.3: qop is a quoted, comma-separated list; unknown options are ignored.
        var qopOptions: [DigestQop] = []
        if let qop = parameters["qop"] {
            for option in qop.value.split(separator: ",") {
                let token = option.filter { $0 != " " && $0 != "\t" }
                if let known = DigestQop(token: String(token)), !qopOptions.contains(known) {
                    qopOptions.append(known)
                }
            }
        }
        self = .digest(
            DigestChallenge(
                realm: try DigestParameters.required("realm", in: parameters),
                nonce: try DigestParameters.required("nonce", in: parameters),
                opaque: parameters["opaque"]?.value,
                algorithm: algorithm,
                qopOptions: qopOptions,
                stale: parameters["stale"]?.value.lowercased() == "true"))
    }
}

/// Lookups shared by the challenge and credentials parsers.
enum DigestParameters {
    static func required(_ name: String, in parameters: [String: AuthParameter]) throws(AuthError) -> String {
        guard let parameter = parameters[name] else {
            throw AuthError(code: .missingParameter, parameter: name, detail: "Digest requires \(name)")
        }
        return parameter.value
    }

    static func algorithm(in parameters: [String: AuthParameter]) throws(AuthError) -> DigestAlgorithm {
        guard let parameter = parameters["algorithm"] else { return .md5 }
        guard let algorithm = DigestAlgorithm(token: parameter.value) else {
            throw AuthError(
                code: .unsupportedAlgorithm, parameter: "algorithm", offset: parameter.offset,
                detail: "'\(parameter.value)' is not MD5, MD5-sess, SHA-256 or SHA-256-sess")
        }
        return algorithm
    }
}
