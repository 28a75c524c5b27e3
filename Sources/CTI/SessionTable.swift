import HotlineModel

/// Signed-in web and API sessions: an opaque token (cookie or bearer) and the CSRF token
/// that must come with every state-changing request made with the cookie.
///
/// Pure: the caller passes the time and the random tokens. A session ends when its user
/// logs out, after `idleTimeout` without a request, or `maximumAge` after sign-in,
/// whichever comes first; the caller is told which, so the client can say "your session
/// expired" rather than "wrong password". Sessions live in memory: a restart signs
/// everybody out (their work, calls and records are in the store).
public struct SessionTable: Sendable {
    public struct Session: Hashable, Sendable {
        public var token: String
        public var csrfToken: String
        public var username: String
        public var roles: Set<Role>
        public var createdAt: Timestamp
        public var lastSeen: Timestamp

        /// When the session ends if nothing else happens.
        public func expiresAt(idle: Int64, maximum: Int64) -> Timestamp {
            Timestamp(millisecondsSinceEpoch: min(lastSeen.millisecondsSinceEpoch + idle, createdAt.millisecondsSinceEpoch + maximum))
        }
    }

    public enum Lookup: Hashable, Sendable {
        case valid(Session)
        case expired
        case unknown
    }

    /// Milliseconds without a request after which a session ends.
    public let idleTimeout: Int64
    /// Milliseconds after sign-in after which a session ends however active.
    public let maximumAge: Int64
    /// Sessions one user may hold at once (several browsers, a script); the oldest goes.
    public let perUserLimit: Int
    private var sessions: [String: Session] = [:]
    /// Tokens of sessions that expired or were logged out recently, to answer `expired`.
    private var ended: [String: Timestamp] = [:]

    public init(idleTimeout: Int64 = 60 * 60_000, maximumAge: Int64 = 12 * 3_600_000, perUserLimit: Int = 10) {
        self.idleTimeout = idleTimeout
        self.maximumAge = maximumAge
        self.perUserLimit = perUserLimit
    }

    public var count: Int { sessions.count }

    /// A new session for `username` (tokens made by the caller from a secure random source).
    public mutating func create(username: String, roles: Set<Role>, token: String, csrfToken: String, now: Timestamp) -> Session {
        let session = Session(token: token, csrfToken: csrfToken, username: username, roles: roles, createdAt: now, lastSeen: now)
        let mine = sessions.values.filter { $0.username == username }.sorted { $0.createdAt < $1.createdAt }
        for old in mine.prefix(max(0, mine.count - perUserLimit + 1)) { end(old.token, now: now) }
        sessions[token] = session
        return session
    }

    /// The session of `token`, its idle time restarted.
    public mutating func touch(_ token: String, now: Timestamp) -> Lookup {
        guard var session = sessions[token] else { return ended[token] != nil ? .expired : .unknown }
        if now >= session.expiresAt(idle: idleTimeout, maximum: maximumAge) {
            end(token, now: now)
            return .expired
        }
        session.lastSeen = now
        sessions[token] = session
        return .valid(session)
    }

    /// Logs a session out; true when there was one.
    @discardableResult
    public mutating func end(_ token: String, now: Timestamp) -> Bool {
        guard sessions.removeValue(forKey: token) != nil else { return false }
        ended[token] = now
        return true
    }

    /// Ends every session of `username` (password changed, user disabled).
    public mutating func endAll(of username: String, now: Timestamp) {
        for session in sessions.values where session.username == username { end(session.token, now: now) }
    }

    /// Drops expired sessions, and forgets ended ones after a day; call now and then.
    public mutating func sweep(now: Timestamp) {
        for session in sessions.values where now >= session.expiresAt(idle: idleTimeout, maximum: maximumAge) {
            end(session.token, now: now)
        }
        let day: Int64 = 86_400_000
        ended = ended.filter { now.millisecondsSinceEpoch - $0.value.millisecondsSinceEpoch < day }
    }
}
