import CTI
import HotlineModel
import Hummingbird
import HummingbirdBcrypt
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import SIPDialog

/// Who makes each API request (docs/api.md, Signing in):
///
/// - a **session** made by `POST /api/v1/sessions` with the user's web password (checked
///   against its bcrypt hash), carried by the `hotline_session` cookie (browsers) or as
///   `Authorization: Bearer <token>` (API clients). A request that changes something with
///   the cookie must also send `X-CSRF-Token` with the session's CSRF token, so another
///   site cannot make the agent's browser act;
/// - **HTTP Basic** with the SIP extension and SIP password, for scripts (issue #5), kept
///   until they move to tokens.
///
/// Failed password checks of either kind are throttled per source and per user.
public final class APIAuthentication: Sendable {
    static let cookieName = "hotline_session"
    static let csrfHeader = HTTPFields.Element.Name("X-CSRF-Token")!

    /// What the store says about a user signing in.
    public struct StoredUser: Sendable {
        public var username: String
        public var displayName: String
        public var roles: Set<Role>
        public var isActive: Bool
        public var passwordHash: String?

        public init(username: String, displayName: String, roles: Set<Role>, isActive: Bool, passwordHash: String?) {
            self.username = username
            self.displayName = displayName
            self.roles = roles
            self.isActive = isActive
            self.passwordHash = passwordHash
        }
    }

    let basic: NIOLockedValueBox<BasicAuthenticator>
    let sessions: NIOLockedValueBox<SessionTable>
    private let throttle: NIOLockedValueBox<AuthThrottle>
    let lookUp: @Sendable (String) async -> StoredUser?
    /// Nanoseconds on a monotonic clock (the throttle's).
    let monotonic: @Sendable () -> Int64
    /// Wall-clock time (session expiry).
    let wall: @Sendable () -> Timestamp
    let secureCookies: Bool
    let logger: Logger

    init(basic: BasicAuthenticator, sessions: SessionTable = SessionTable(), secureCookies: Bool,
         lookUp: @escaping @Sendable (String) async -> StoredUser?,
         monotonic: @escaping @Sendable () -> Int64, wall: @escaping @Sendable () -> Timestamp = { .now() }, logger: Logger) {
        self.basic = NIOLockedValueBox(basic)
        self.sessions = NIOLockedValueBox(sessions)
        self.throttle = NIOLockedValueBox(AuthThrottle(sourcePolicy: BasicAuthenticator.sourcePolicy,
                                                       userPolicy: BasicAuthenticator.userPolicy))
        self.lookUp = lookUp
        self.monotonic = monotonic
        self.wall = wall
        self.secureCookies = secureCookies
        self.logger = logger
    }

    // MARK: Each request

    /// The signed-in user of a request, or 401 (none, expired), 403 (CSRF), 429 (throttled).
    func signIn(_ request: Request, _ context: APIRequestContext) throws(APIError) -> APIPrincipal {
        let authorization = request.headers[.authorization]
        if let authorization, let token = Self.bearerToken(authorization) {
            return try session(token).principal
        }
        if authorization == nil, let token = request.cookies[Self.cookieName]?.value {
            let (principal, csrf) = try session(token)
            if Self.changesState(request.method) {
                guard let sent = request.headers[Self.csrfHeader],
                      DigestHex.equalInConstantTime(expectedHex: csrf, providedHex: sent) else {
                    throw APIError(code: "csrf-mismatch", field: "X-CSRF-Token",
                                   message: "this request changes something and came with the session cookie but without the "
                                       + "session's CSRF token; send X-CSRF-Token (from POST /api/v1/sessions or GET /api/v1/session)",
                                   status: .forbidden)
                }
            }
            return principal
        }
        return try basicSignIn(request, context)
    }

    private func session(_ token: String) throws(APIError) -> (principal: APIPrincipal, csrf: String) {
        let now = wall()
        switch sessions.withLockedValue({ $0.touch(token, now: now) }) {
        case .valid(let s):
            return (APIPrincipal(username: s.username, roles: s.roles), s.csrfToken)
        case .expired:
            throw .unauthenticated(code: "session-expired", "your session has ended (logged out, idle too long or too old); sign in again")
        case .unknown:
            throw .unauthenticated("this session token is not known (the server may have restarted); sign in again")
        }
    }

    private func basicSignIn(_ request: Request, _ context: APIRequestContext) throws(APIError) -> APIPrincipal {
        let source = context.remoteAddress?.ipAddress ?? "local"
        let header = request.headers[.authorization]
        let now = monotonic()
        switch basic.withLockedValue({ $0.authenticate(authorization: header, source: source, now: now) }) {
        case .signedIn(let user):
            return user
        case .missingCredentials:
            throw .unauthenticated("sign in: POST /api/v1/sessions with your username and password, then send the cookie or "
                                       + "Authorization: Bearer <token>; scripts may use HTTP Basic with the SIP extension and password")
        case .unreadableCredentials:
            throw .unauthenticated("the Authorization header is neither Bearer <token> nor Basic with base64 of username:password")
        case .wrongCredentials(let username):
            logger.notice("API sign-in failed; repeated failures are throttled", metadata: ["api.user": "\(username)", "api.source": "\(source)"])
            throw .unauthenticated("wrong username or password; use your SIP extension and SIP password")
        case .throttled(let seconds):
            throw .tooManyAttempts(retryAfterSeconds: seconds)
        }
    }

    // MARK: Sessions

    /// Checks a web password and opens a session. The bcrypt check runs on the thread pool,
    /// not the event loop. An unknown user costs the same hashing as a wrong password.
    func login(username: String, password: String, source: String) async throws(APIError) -> (SessionTable.Session, StoredUser) {
        let stored = await lookUp(username)
        let known = stored != nil
        if case .throttled(let seconds) = throttle.withLockedValue({ $0.check(source: source, user: known ? username : nil, now: monotonic()) }) {
            throw .tooManyAttempts(retryAfterSeconds: seconds)
        }
        let hash = stored?.passwordHash ?? Self.decoyHash
        let matches = (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
        guard let stored, matches, stored.isActive, stored.passwordHash != nil else {
            throttle.withLockedValue { $0.recordFailure(source: source, user: known ? username : nil, now: monotonic()) }
            logger.notice("web sign-in failed; repeated failures are throttled", metadata: ["api.user": "\(username)", "api.source": "\(source)"])
            throw .unauthenticated(code: "wrong-credentials", field: "password",
                                   "wrong username or password (or the account is disabled or has no web password); try again")
        }
        throttle.withLockedValue { $0.recordSuccess(source: source, user: username, now: monotonic()) }
        let session = sessions.withLockedValue {
            $0.create(username: username, roles: stored.roles, token: Self.randomToken(), csrfToken: Self.randomToken(), now: wall())
        }
        logger.info("signed in", metadata: ["api.user": "\(username)", "api.source": "\(source)"])
        return (session, stored)
    }

    /// The `Set-Cookie` value for a session (or, with nil, one that removes the cookie).
    func cookie(_ session: SessionTable.Session?) -> String {
        var parts = ["\(Self.cookieName)=\(session?.token ?? "")", "Path=/", "HttpOnly", "SameSite=Strict"]
        if let session {
            let table = sessions.withLockedValue { ($0.idleTimeout, $0.maximumAge) }
            let expires = session.expiresAt(idle: table.0, maximum: table.1)
            parts.append("Max-Age=\(max(0, (expires.millisecondsSinceEpoch - wall().millisecondsSinceEpoch) / 1000))")
        } else {
            parts.append("Max-Age=0")
        }
        if secureCookies { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    /// The session of this request's cookie or bearer token, without CSRF (reading).
    func currentSession(_ request: Request) -> SessionTable.Session? {
        guard let token = token(of: request) else { return nil }
        if case .valid(let s) = sessions.withLockedValue({ $0.touch(token, now: wall()) }) { return s }
        return nil
    }

    func token(of request: Request) -> String? {
        if let authorization = request.headers[.authorization] { return Self.bearerToken(authorization) }
        return request.cookies[Self.cookieName]?.value
    }

    func expiresAt(_ session: SessionTable.Session) -> Timestamp {
        sessions.withLockedValue { session.expiresAt(idle: $0.idleTimeout, maximum: $0.maximumAge) }
    }

    // MARK: Helpers

    static func bearerToken(_ header: String) -> String? {
        let trimmed = header.drop { $0 == " " }
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: " ")
        return token.isEmpty ? nil : String(token)
    }

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        ![.get, .head, .options].contains(method)
    }

    /// 32 random bytes (the system's CSPRNG) as 64 hex digits.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// Hashed once, so an unknown user's attempt takes as long as a wrong password.
    static let decoyHash = Bcrypt.hash("decoy password that no one has", cost: 10)
}

