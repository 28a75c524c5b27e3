import CTI
import HotlineModel
import Hummingbird

/// `POST /api/v1/sessions` (sign in), `GET /api/v1/session` (who am I, the CSRF token
/// again after a page reload) and `DELETE /api/v1/session` (log out).
struct SessionRoutes: Sendable {
    let auth: APIAuthentication

    struct SessionBody: Codable, Hashable, Sendable {
        struct User: Codable, Hashable, Sendable {
            var username: String
            var name: String
            var roles: [String]
            /// The agent id this user answers calls as (their extension), when they are an agent.
            var agent: String?
        }

        /// Also the bearer token for API clients; browsers use the cookie and may ignore it.
        var token: String?
        var csrfToken: String
        var expiresAt: String
        var user: User
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await APIRequestBody.read(request, known: ["username", "password"], required: true,
                                                 example: #"{"username": "1001", "password": "..."}"#)
        guard let username = try body.string("username"), !username.isEmpty else {
            throw APIError.missingField("username", "give your username (your extension, e.g. 1001)")
        }
        guard let password = try body.string("password"), !password.isEmpty else {
            throw APIError.missingField("password", "give your password")
        }
        guard username.count <= 64, password.count <= 256 else {
            throw APIError.invalidValue(field: username.count > 64 ? "username" : "password", "too long to be a username or password")
        }
        let source = context.remoteAddress?.ipAddress ?? "local"
        let (session, user) = try await auth.login(username: username, password: password, source: source)
        var response = APIJSON.response(Self.body(session, name: user.displayName, token: session.token, auth: auth), status: .created)
        response.headers[.setCookie] = auth.cookie(session)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func current(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try auth.signIn(request, context)
        guard let session = auth.currentSession(request) else {
            // Basic credentials: no session to describe.
            throw APIError(code: "no-session", message: "signed in with HTTP Basic, which has no session; POST /api/v1/sessions to get one",
                           status: .notFound)
        }
        let name = await auth.lookUp(principal.username)?.displayName ?? principal.username
        var response = APIJSON.response(Self.body(session, name: name, token: nil, auth: auth))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func delete(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try auth.signIn(request, context)
        if let token = auth.token(of: request) {
            let now = auth.wall()
            auth.sessions.withLockedValue { _ = $0.end(token, now: now) }
        }
        var response = Response(status: .noContent)
        response.headers[.setCookie] = auth.cookie(nil)
        return response
    }

    static func body(_ session: SessionTable.Session, name: String, token: String?, auth: APIAuthentication) -> SessionBody {
        SessionBody(token: token, csrfToken: session.csrfToken, expiresAt: auth.expiresAt(session).iso8601,
                    user: .init(username: session.username, name: name, roles: session.roles.sorted().map(\.rawValue),
                                agent: session.roles.contains(.agent) ? session.username : nil))
    }
}
