/// What the registrar needs to check a SIP digest response, without the password.
///
/// RFC 7616 §3.4.2 (and RFC 2617 §3.2.2.2 for MD5) defines
/// `HA1 = H(username ":" realm ":" password)`; the server only ever needs HA1, so that
/// is all we keep. Both algorithms are stored because many desk phones still only speak
/// MD5 while newer softphones prefer SHA-256, and a credential must work for both.
///
/// `username` must equal the owning `User.username` (the SIP extension). HA1 bakes the
/// username in, so renaming a user makes its credentials useless; stores drop them on
/// rename and the admin sets a new password.
public struct SIPCredential: Hashable, Codable, Sendable {
    /// Digest username, i.e. the user's SIP extension.
    public var username: String
    /// Digest realm, usually the SIP domain.
    public var realm: String
    /// Lower-case hex MD5 HA1, 32 characters.
    public var ha1MD5: String
    /// Lower-case hex SHA-256 HA1, 64 characters.
    public var ha1SHA256: String

    public init(username: String, realm: String, ha1MD5: String, ha1SHA256: String) {
        self.username = username
        self.realm = realm
        self.ha1MD5 = ha1MD5
        self.ha1SHA256 = ha1SHA256
    }

    /// Computes both HA1 values from a password with the caller's hash functions, so
    /// this module needs no crypto library and the password goes no further than here.
    public init(username: String, realm: String, password: String, hashing: some DigestHashing) {
        // RFC 7616 §3.4.2: A1 = unq(username) ":" unq(realm) ":" passwd
        let a1 = "\(username):\(realm):\(password)"
        self.init(
            username: username,
            realm: realm,
            ha1MD5: hashing.md5Hex(a1),
            ha1SHA256: hashing.sha256Hex(a1)
        )
    }
}

/// The two hash functions SIP digest authentication uses, supplied by a module that has a
/// crypto dependency (the server wires in swift-crypto).
public protocol DigestHashing: Sendable {
    /// Lower-case hex MD5 of the UTF-8 bytes of `input`.
    func md5Hex(_ input: String) -> String
    /// Lower-case hex SHA-256 of the UTF-8 bytes of `input`.
    func sha256Hex(_ input: String) -> String
}
