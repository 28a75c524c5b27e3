/// The digest arithmetic of RFC 7616 §3.4 (and RFC 2617 §3.2.2, RFC 2069 §2.1.2), as used
/// by SIP (RFC 3261 §22.4, RFC 8760 §2.4).
///
///     HA1 = H(username ":" realm ":" password)                 non-sess
///     HA1 = H(H(username ":" realm ":" password) ":" nonce ":" cnonce)   -sess
///     HA2 = H(method ":" uri)                                   qop=auth or no qop
///     HA2 = H(method ":" uri ":" H(entity-body))                qop=auth-int
///     response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)      with qop
///     response = H(HA1 ":" nonce ":" HA2)                        RFC 2069, no qop
///
/// All digests are lower-case hex. Strings are hashed as their UTF-8 bytes.
public enum DigestComputation {
    /// The stored HA1, `H(username ":" realm ":" password)`, hashed with the algorithm's
    /// base function (MD5 for MD5 and MD5-sess, SHA-256 for SHA-256 and SHA-256-sess).
    ///
    /// This is what a user store keeps instead of the password. For `-sess` algorithms the
    /// session HA1 is derived from it by
    /// ``response(ha1:algorithm:nonce:method:uri:qop:cnonce:nonceCount:entityBody:)``.
    public static func ha1(username: String, realm: String, password: String, algorithm: DigestAlgorithm)
        -> String
    {
        algorithm.base.hash("\(username):\(realm):\(password)")
    }

    /// `request-digest` from a stored HA1 (see ``ha1(username:realm:password:algorithm:)``).
    ///
    /// - Parameters:
    ///   - qop: nil computes the RFC 2069 form, which ignores `cnonce` and `nonceCount`.
    ///   - nonceCount: the `nc` text as sent, e.g. `00000001` (see ``formatNonceCount(_:)``).
    ///   - entityBody: the message body, only used for qop=auth-int.
    public static func response(
        ha1: String, algorithm: DigestAlgorithm, nonce: String, method: String, uri: String,
        qop: DigestQop? = nil, cnonce: String? = nil, nonceCount: String? = nil, entityBody: [UInt8] = []
    ) -> String {
        let storedHA1 = ha1.lowercased()
        let sessionHA1 =
            algorithm.isSession
            ? algorithm.hash("\(storedHA1):\(nonce):\(cnonce ?? "")")
            : storedHA1
        let ha2: String
        switch qop {
        case .authInt:
            ha2 = algorithm.hash("\(method):\(uri):\(algorithm.hash(bytes: entityBody))")
        case .auth, nil:
            ha2 = algorithm.hash("\(method):\(uri)")
        }
        guard let qop else {
            return algorithm.hash("\(sessionHA1):\(nonce):\(ha2)")
        }
        return algorithm.hash("\(sessionHA1):\(nonce):\(nonceCount ?? ""):\(cnonce ?? ""):\(qop.token):\(ha2)")
    }

    /// `request-digest` from a password.
    public static func response(
        username: String, realm: String, password: String, algorithm: DigestAlgorithm, nonce: String,
        method: String, uri: String, qop: DigestQop? = nil, cnonce: String? = nil,
        nonceCount: String? = nil, entityBody: [UInt8] = []
    ) -> String {
        response(
            ha1: ha1(username: username, realm: realm, password: password, algorithm: algorithm),
            algorithm: algorithm, nonce: nonce, method: method, uri: uri, qop: qop, cnonce: cnonce,
            nonceCount: nonceCount, entityBody: entityBody)
    }

    /// `nc-value`: 8 lower-case hex digits (RFC 3261 §25.1 `8LHEX`), e.g. 1 → `00000001`.
    public static func formatNonceCount(_ count: UInt32) -> String {
        let hex = String(count, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The credentials a client sends in answer to `challenge` (client side of RFC 3261 §22.2).
    ///
    /// Uses qop=auth when offered (RFC 3261 §22.4 item 8: a client that receives qop MUST
    /// send it), otherwise the RFC 2069 form. `cnonce` is the caller's random value.
    public static func credentials(
        answering challenge: DigestChallenge, username: String, password: String, method: String,
        uri: String, cnonce: String, nonceCount: UInt32 = 1
    ) -> DigestCredentials {
        let qop: DigestQop? = challenge.qopOptions.contains(.auth) ? .auth : nil
        let nc = qop == nil ? nil : formatNonceCount(nonceCount)
        let sentCnonce = qop == nil ? nil : cnonce
        return DigestCredentials(
            username: username, realm: challenge.realm, nonce: challenge.nonce, uri: uri,
            response: response(
                username: username, realm: challenge.realm, password: password,
                algorithm: challenge.algorithm, nonce: challenge.nonce, method: method, uri: uri,
                qop: qop, cnonce: sentCnonce, nonceCount: nc),
            algorithm: challenge.algorithm, cnonce: sentCnonce, opaque: challenge.opaque, qop: qop,
            nonceCount: nc)
    }

    /// Compares a computed digest with the hex a client sent (``DigestHex/equalInConstantTime(expectedHex:providedHex:)``).
    static func constantTimeEquals(expectedHex: String, providedHex: String) -> Bool {
        DigestHex.equalInConstantTime(expectedHex: expectedHex, providedHex: providedHex)
    }
}

/// What a user store keeps for digest authentication: HA1 per hash function, never the
/// password (RFC 7616 §5.2 notes HA1 is password-equivalent for its realm, so protect it,
/// and recompute it when the realm changes).
///
/// A user that only has an MD5 HA1 cannot answer a SHA-256 challenge and vice versa.
public struct DigestHA1: Sendable, Hashable {
    /// `MD5(username:realm:password)`, lower-case hex, used for MD5 and MD5-sess.
    public var md5: String?
    /// `SHA-256(username:realm:password)`, lower-case hex, used for SHA-256 and SHA-256-sess.
    public var sha256: String?

    public init(md5: String?, sha256: String?) {
        self.md5 = md5?.lowercased()
        self.sha256 = sha256?.lowercased()
    }

    /// Computes both HA1s, e.g. when an administrator sets a password.
    public init(username: String, realm: String, password: String) {
        self.init(
            md5: DigestComputation.ha1(username: username, realm: realm, password: password, algorithm: .md5),
            sha256: DigestComputation.ha1(username: username, realm: realm, password: password, algorithm: .sha256))
    }

    /// The HA1 to use for `algorithm`, or nil if the store has none for its hash function.
    public func value(for algorithm: DigestAlgorithm) -> String? {
        switch algorithm {
        case .md5, .md5Session: return md5
        case .sha256, .sha256Session: return sha256
        }
    }
}
