import SIPMessage
import SIPTransaction

/// The registrar (RFC 3261 §10.3) with digest authentication (§22, RFC 8760) and
/// throttling of failed attempts.
///
/// Unknown users and wrong passwords get the same 401 with the same challenges after the
/// same hashing work (the verifier hashes against a dummy HA1), so extensions cannot be
/// enumerated; after repeated failures a source or a username is refused with 403 and
/// Retry-After until its back-off has passed.
public struct Registrar: Sendable {
    public struct Settings: Sendable, Hashable {
        public var realm: String
        /// §10.3 step 8: below this, 423 Interval Too Brief.
        public var minExpires: UInt32 = 60
        /// Longer requests are shortened to this.
        public var maxExpires: UInt32 = 7200
        /// Used when neither the Contact nor the request gives an expiry.
        public var defaultExpires: UInt32 = 3600

        public init(realm: String) { self.realm = realm }
    }

    public var settings: Settings
    /// Username → HA1 values, loaded from the store by the server.
    public var credentials: [String: DigestHA1]
    public private(set) var location: LocationService
    var verifier: DigestVerifier
    var throttle: AuthThrottle

    public init(settings: Settings, credentials: [String: DigestHA1], verifier: DigestVerifier,
                throttle: AuthThrottle = AuthThrottle(), location: LocationService = LocationService()) {
        self.settings = settings
        self.credentials = credentials
        self.verifier = verifier
        self.throttle = throttle
        self.location = location
    }

    /// The address-of-record key for a user: always in our domain, whatever host the
    /// phone put in To (`1001@127.0.0.1` and `1001@hotline.local` are the same extension).
    public func addressOfRecord(user: String) -> String { "sip:\(user)@\(settings.realm)" }

    /// Current contacts of a user, best first (for ringing an agent's phone).
    public func contacts(user: String, now: SIPInstant) -> [LocationService.Binding] {
        location.bindings(aor: addressOfRecord(user: user), now: now.nanoseconds)
    }

    public mutating func expire(now: SIPInstant) -> [String: [LocationService.Binding]] {
        location.expire(now: now.nanoseconds)
    }

    /// Processes a REGISTER and returns the response plus events for the application.
    public mutating func register(_ request: SIPRequest, _ e: RequestEssentials, from peer: SIPPeer, toTag: String,
                                  now: SIPInstant) -> (SIPResponse, [UserAgentEvent]) {
        let t = now.nanoseconds
        let source = peer.host
        // §10.3 step 5: the To header names the AOR and must be a SIP or SIPS URI (RFC 4475 §3.3.4).
        guard let toURI = e.to.uri.sipURI, let user = toURI.user, !user.isEmpty else {
            return (request.makeResponse(400, reason: "Bad Request (To must be a sip: or sips: address-of-record)", toTag: toTag), [])
        }
        // §22.3: authenticate first.
        var digest: DigestCredentials?
        if let value = request.headers[.authorization] {
            switch try? AuthorizationCredentials(parsing: value) {
            case .digest(let c)?: digest = c
            case .unknownScheme?: digest = nil // RFC 4475 §3.3.7: challenge with a scheme we know
            case nil:
                return (request.makeResponse(400, reason: "Bad Request (malformed Authorization header)", toTag: toTag), [])
            }
        }
        guard let credentials = digest else {
            return (challenge(request, toTag: toTag, now: t), [])
        }
        if case .throttled(let retry) = throttle.check(source: source, user: credentials.username, now: t) {
            var r = request.makeResponse(403, reason: "Forbidden (too many failed attempts; wait before retrying)", toTag: toTag)
            r.headers.add(.retryAfter, String(retry))
            return (r, [])
        }
        switch verifier.verify(credentials, method: request.method.rawValue, ha1: self.credentials[credentials.username], now: t) {
        case .authorized:
            break
        case .stale(let challenges):
            return (challengeResponse(request, challenges, toTag: toTag), [])
        case .challenge(let challenges, let reason):
            // Only a wrong response tested a password; an old or foreign nonce did not.
            guard reason == .wrongResponse else { return (challengeResponse(request, challenges, toTag: toTag), []) }
            throttle.recordFailure(source: source, user: credentials.username, now: t)
            return (challengeResponse(request, challenges, toTag: toTag),
                    [.authenticationFailed(user: credentials.username, source: LocationService.Binding.source(of: peer))])
        }
        throttle.recordSuccess(source: source, user: credentials.username, now: t)
        // §10.3 step 6: the authenticated user may only register its own AOR.
        guard credentials.username == user else {
            return (request.makeResponse(403, reason: "Forbidden (\(credentials.username) may not register \(user))", toTag: toTag), [])
        }
        return updateBindings(request, e, aor: addressOfRecord(user: user), peer: peer, toTag: toTag, now: t)
    }

    private mutating func challenge(_ request: SIPRequest, toTag: String, now: Int64) -> SIPResponse {
        challengeResponse(request, verifier.challenges(now: now), toTag: toTag)
    }

    private func challengeResponse(_ request: SIPRequest, _ challenges: [DigestChallenge], toTag: String) -> SIPResponse {
        var r = request.makeResponse(401, toTag: toTag)
        // RFC 8760 §2.4: one header per algorithm, the preferred (SHA-256) first.
        for c in challenges { r.headers.add(.wwwAuthenticate, c.headerValue) }
        return r
    }

    /// §10.3 steps 6–8.
    private mutating func updateBindings(_ request: SIPRequest, _ e: RequestEssentials, aor: String, peer: SIPPeer,
                                         toTag: String, now: Int64) -> (SIPResponse, [UserAgentEvent]) {
        var events: [UserAgentEvent] = []
        let source = LocationService.Binding.source(of: peer)
        // `e.contacts` is nil both for `Contact: *` and for no Contact at all; the latter is
        // a query (§10.2.3) that changes nothing.
        if e.contacts == nil, request.headers.contains(.contact) {
            // `Contact: *` is only valid with Expires: 0 (§10.2.2).
            guard e.expires == 0 else {
                return (request.makeResponse(400, reason: "Bad Request (Contact: * needs Expires: 0)", toTag: toTag), [])
            }
            let before = location.bindings(aor: aor, now: now)
            do {
                try location.removeAll(aor: aor, callID: e.callID, cseq: e.cseq.sequence)
            } catch {
                return (request.makeResponse(error.suggestedStatusCode, reason: error.detail, toTag: toTag), [])
            }
            events += before.map { .unregistered(aor: aor, contact: $0.contactURI) }
        } else if let contacts = e.contacts, !contacts.isEmpty {
            var updates: [LocationService.ContactUpdate] = []
            for c in contacts {
                let requested: UInt32 = c.parameters.value("expires").flatMap { UInt32($0) } ?? e.expires ?? settings.defaultExpires
                if requested > 0, requested < settings.minExpires {
                    var r = request.makeResponse(423, toTag: toTag)
                    r.headers.add(.minExpires, String(settings.minExpires))
                    return (r, [])
                }
                let q = c.parameters.value("q").flatMap(Double.init)
                let instance = c.parameters.value("+sip.instance")
                updates.append(.init(contactURI: c.uri.description, expires: min(requested, settings.maxExpires), q: q,
                                     instance: instance, source: source))
            }
            do {
                let changes = try location.update(aor: aor, contacts: updates, callID: e.callID, cseq: e.cseq.sequence, now: now)
                for change in changes {
                    switch change {
                    case .added(let b), .refreshed(let b):
                        events.append(.registered(aor: aor, contact: b.contactURI, expires: Int(b.remainingSeconds(now: now))))
                    case .removed(let b):
                        events.append(.unregistered(aor: aor, contact: b.contactURI))
                    case .unchanged:
                        break
                    }
                }
            } catch {
                return (request.makeResponse(error.suggestedStatusCode, reason: error.detail, toTag: toTag), [])
            }
        }
        // §10.3 step 8: the 200 lists every current binding with its remaining time.
        var r = request.makeResponse(200, toTag: toTag)
        for b in location.bindings(aor: aor, now: now) {
            r.headers.add(.contact, "<\(b.contactURI)>;expires=\(b.remainingSeconds(now: now))")
        }
        return (r, events)
    }
}

extension UserAgentCore {
    mutating func handleRegister(_ request: SIPRequest, _ e: RequestEssentials, _ tx: TransactionID,
                                 from peer: SIPPeer, now: SIPInstant) -> [UserAgentAction] {
        let (response, events) = registrar.register(request, e, from: peer, toTag: ids.tag(), now: now)
        return [.respond(response, tx)] + events.map { .notify($0) }
    }
}

/// Client side of digest authentication (answering a 401/407 on our own requests).
enum DigestClient {
    static func authorization(challenge: AuthenticationChallenge, method: String, uri: String, username: String,
                              password: String, cnonce: String, nonceCount: UInt32) -> String {
        guard case .digest(let c) = challenge else { return "" }
        return DigestComputation.credentials(answering: c, username: username, password: password, method: method,
                                             uri: uri, cnonce: cnonce, nonceCount: nonceCount).headerValue
    }
}
