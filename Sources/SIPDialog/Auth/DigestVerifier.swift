/// The server side of SIP digest authentication (RFC 3261 §22.4, RFC 7616 §3.3–3.5,
/// RFC 8760): issues challenges and checks credentials, for one realm.
///
/// Pure and synchronous: the caller looks the user up (``DigestHA1`` or nil), passes `now`
/// (wall-clock nanoseconds, see ``NonceService``) and a per-node random `nonceSeed`, and
/// turns the ``Outcome`` into a response:
///
///     .authorized                → carry on with the request
///     .challenge(cs, reason:)    → 401/407 with one WWW-/Proxy-Authenticate per element
///     .stale(cs)                 → the same, every challenge carrying stale=TRUE
///
/// A request without credentials for this realm gets `challenges(now:)`.
///
/// What the caller still owns: comparing `credentials.uri` with the Request-URI (RFC 3261
/// §22.4, needs SIP URI comparison), counting `.challenge(_, reason: .wrongResponse)` as a
/// failed guess in ``AuthThrottle`` (other reasons test no password), and keeping a
/// client on one node if replay across nodes matters (see ``NonceCountTable``).
public struct DigestVerifier: Sendable {
    public struct Configuration: Sendable {
        public var realm: String
        /// At least ``NonceService/minimumSecretLength`` random bytes, shared by every node
        /// that must accept the others' nonces.
        public var nonceSecret: [UInt8]
        public var nonceLifetimeSeconds: Int64
        /// Algorithms offered, one challenge each, in this order. Default SHA-256 then MD5:
        /// RFC 8760 §2.4 has the server list its preferred algorithm first and keep MD5
        /// for older clients. An empty list means the default.
        public var algorithms: [DigestAlgorithm]
        /// Accept RFC 2069-style responses without qop. RFC 3261 §22.4 item 8 keeps qop
        /// optional for servers to receive (RFC 2543 clients); such a nonce is single-use,
        /// so replay protection holds either way.
        public var acceptsResponsesWithoutQop: Bool
        /// Bound of the nonce-count table (see ``NonceCountTable``).
        public var maximumTrackedNonces: Int

        public init(
            realm: String, nonceSecret: [UInt8],
            nonceLifetimeSeconds: Int64 = NonceService.defaultLifetimeSeconds,
            algorithms: [DigestAlgorithm] = [.sha256, .md5], acceptsResponsesWithoutQop: Bool = true,
            maximumTrackedNonces: Int = 10_000
        ) {
            self.realm = realm
            self.nonceSecret = nonceSecret
            self.nonceLifetimeSeconds = nonceLifetimeSeconds
            self.algorithms = algorithms
            self.acceptsResponsesWithoutQop = acceptsResponsesWithoutQop
            self.maximumTrackedNonces = maximumTrackedNonces
        }
    }

    /// What to do with the request.
    public enum Outcome: Sendable, Hashable {
        case authorized
        /// Send these challenges (401/407). `reason` is for logs and throttling only;
        /// never put it in the response.
        case challenge([DigestChallenge], reason: Rejection)
        /// The response was right but the nonce is too old or already used with this nc:
        /// send these challenges, all with `stale=TRUE`; the client retries silently.
        case stale([DigestChallenge])
    }

    /// Why credentials were not accepted.
    public enum Rejection: Sendable, Hashable {
        /// Unknown user or wrong password: deliberately one case, so neither logs nor
        /// behaviour reveal which usernames exist (RFC 7616 §5.6 spirit).
        case wrongResponse
        /// `realm` is not this verifier's realm.
        case realmMismatch
        /// The nonce was not issued with this secret and realm, or is dated in the future.
        case invalidNonce
        /// `algorithm` is one this verifier does not offer.
        case algorithmNotOffered
        /// qop=auth-int, or no qop while ``Configuration/acceptsResponsesWithoutQop`` is off.
        case qopNotOffered
        /// qop without a usable `nc` or `cnonce` (only possible for hand-built credentials).
        case malformedCredentials
    }

    public let realm: String
    public let algorithms: [DigestAlgorithm]
    public let acceptsResponsesWithoutQop: Bool
    private let nonces: NonceService
    private var nonceCounts: NonceCountTable
    private var nextSalt: UInt64
    /// Hashed against when the user or their HA1 is missing, so that case costs the same
    /// work as a wrong password. Derived from the secret: never a known constant.
    private let dummyHA1: DigestHA1

    /// - Parameter nonceSeed: a random number per node, so nonces never repeat across nodes.
    /// - Throws: ``AuthError`` with ``AuthError/Code/secretTooShort``.
    public init(configuration: Configuration, nonceSeed: UInt64) throws(AuthError) {
        nonces = try NonceService(
            secret: configuration.nonceSecret, realm: configuration.realm,
            lifetimeSeconds: configuration.nonceLifetimeSeconds)
        realm = configuration.realm
        algorithms = configuration.algorithms.isEmpty ? [.sha256, .md5] : configuration.algorithms
        acceptsResponsesWithoutQop = configuration.acceptsResponsesWithoutQop
        nonceCounts = NonceCountTable(capacity: configuration.maximumTrackedNonces)
        nextSalt = nonceSeed
        dummyHA1 = DigestHA1(
            username: "", realm: configuration.realm,
            password: DigestHex.encode(configuration.nonceSecret))
    }

    /// Fresh challenges, one per offered algorithm, all sharing one nonce, qop="auth".
    public mutating func challenges(now: Int64) -> [DigestChallenge] {
        makeChallenges(now: now, stale: false)
    }

    /// Checks credentials sent for `method` (the request's method, e.g. `REGISTER`).
    ///
    /// - Parameter ha1: the user's stored HA1s, or nil when no such user exists. Both cases
    ///   take the same path and the same hashing work.
    public mutating func verify(_ credentials: DigestCredentials, method: String, ha1: DigestHA1?, now: Int64)
        -> Outcome
    {
        guard algorithms.contains(credentials.algorithm) else { return reject(.algorithmNotOffered, now: now) }
        guard credentials.realm == realm else { return reject(.realmMismatch, now: now) }
        switch credentials.qop {
        case .auth:
            guard credentials.nonceCountValue != nil, credentials.cnonce != nil else {
                return reject(.malformedCredentials, now: now)
            }
        case .authInt:
            return reject(.qopNotOffered, now: now)
        case nil:
            guard acceptsResponsesWithoutQop else { return reject(.qopNotOffered, now: now) }
        }
        guard let issuedAt = nonces.issueTime(of: credentials.nonce) else {
            return reject(.invalidNonce, now: now)
        }
        let freshness = nonces.validity(issuedAt: issuedAt, now: now)
        switch freshness {
        case .invalid: return reject(.invalidNonce, now: now)
        case .valid, .stale: break
        }

        let stored = ha1?.value(for: credentials.algorithm)
        let expected = DigestComputation.response(
            ha1: stored ?? dummyHA1.value(for: credentials.algorithm) ?? "",
            algorithm: credentials.algorithm, nonce: credentials.nonce, method: method,
            uri: credentials.uri, qop: credentials.qop, cnonce: credentials.cnonce,
            nonceCount: credentials.nonceCount)
        let matches = DigestComputation.constantTimeEquals(expectedHex: expected, providedHex: credentials.response)
        guard matches, stored != nil else { return reject(.wrongResponse, now: now) }

        switch freshness {
        case .stale:
            // RFC 7616 §3.3: stale only when the digest is valid for the old nonce.
            return .stale(makeChallenges(now: now, stale: true))
        case .valid, .invalid:
            break
        }
        // No qop: record count 0, which makes the nonce single-use.
        let count = credentials.qop == nil ? 0 : credentials.nonceCountValue ?? 0
        guard
            nonceCounts.accept(
                nonce: credentials.nonce, issuedAt: issuedAt, nonceCount: count, now: now,
                lifetime: nonces.lifetimeNanoseconds)
        else {
            return .stale(makeChallenges(now: now, stale: true))
        }
        return .authorized
    }

    private mutating func reject(_ reason: Rejection, now: Int64) -> Outcome {
        .challenge(makeChallenges(now: now, stale: false), reason: reason)
    }

    private mutating func makeChallenges(now: Int64, stale: Bool) -> [DigestChallenge] {
        let nonce = nonces.makeNonce(now: now, salt: nextSalt)
        nextSalt &+= 1
        return algorithms.map {
            DigestChallenge(realm: realm, nonce: nonce, algorithm: $0, qopOptions: [.auth], stale: stale)
        }
    }
}
