import HotlineModel
import Hummingbird

/// A refused API request, rendered as
/// `{"error": {"code": "...", "field": "...", "message": "..."}}` with its status.
///
/// Every failure the API returns is one of these, so a client reads one shape whatever
/// went wrong: authentication, a malformed body, or a routing command refused
/// (``RoutingCommandError`` keeps its code, field and status).
public struct APIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Machine-readable, stable: clients switch on it (the agent desktop translates it).
    public var code: String
    /// The request field at fault, if one is (`state`, `reason`, `queue,agent`, ...).
    public var field: String?
    /// What went wrong and what to do next, in English.
    public var message: String
    public var status: HTTPResponse.Status
    /// Extra response headers: `WWW-Authenticate`, `Retry-After`, `Allow`.
    public var headers: HTTPFields
    /// Members beside `error` in the body (a flow's `problems`, each with line and column).
    public var extra: [String: JSONValue] = [:]

    public init(code: String, field: String? = nil, message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) {
        self.code = code
        self.field = field
        self.message = message
        self.status = status
        self.headers = headers
    }

    /// A routing command's refusal, with its own code, field and status (500 if that is
    /// not an error status, rather than trap on it).
    public init(_ error: RoutingCommandError) {
        let status = (400...599).contains(error.status) ? HTTPResponse.Status(code: error.status) : .internalServerError
        self.init(code: error.code, field: error.field, message: error.message, status: status)
    }

    public var description: String { "\(status.code) \(code)\(field.map { " (\($0))" } ?? ""): \(message)" }

    /// The error body's wire form; also what clients (and the tests) decode.
    public struct Body: Codable, Hashable, Sendable {
        public struct Detail: Codable, Hashable, Sendable {
            public var code: String
            public var field: String?
            public var message: String

            public init(code: String, field: String?, message: String) {
                self.code = code
                self.field = field
                self.message = message
            }

            private enum CodingKeys: String, CodingKey { case code, field, message }

            /// `field` is always present, `null` when no field is at fault, so clients
            /// read one shape.
            public func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(code, forKey: .code)
                try container.encode(field, forKey: .field)
                try container.encode(message, forKey: .message)
            }
        }

        public var error: Detail

        public init(error: Detail) { self.error = error }
    }

    public var body: Body { Body(error: .init(code: code, field: field, message: message)) }

    // MARK: The API's own codes

    /// The challenge of every 401. It names Bearer, not Basic: a Basic challenge makes a
    /// browser open its own login box over the desktop's sign-in page. Scripts that use
    /// Basic send it unasked (`curl -u`).
    static let challenge = "Bearer realm=\"hotline\""

    static func unauthenticated(code: String = "unauthenticated", field: String? = nil, _ message: String) -> APIError {
        APIError(code: code, field: field, message: message, status: .unauthorized, headers: [.wwwAuthenticate: challenge])
    }

    static func tooManyAttempts(retryAfterSeconds: Int) -> APIError {
        APIError(code: "too-many-attempts",
                 message: "too many failed logins from this address or for this user; try again in \(retryAfterSeconds) s",
                 status: .tooManyRequests, headers: [.retryAfter: "\(retryAfterSeconds)"])
    }

    static func forbidden(field: String? = nil, _ message: String) -> APIError {
        APIError(code: "forbidden", field: field, message: message, status: .forbidden)
    }

    static func malformedJSON(field: String? = nil, _ message: String) -> APIError {
        APIError(code: "malformed-json", field: field, message: message, status: .badRequest)
    }

    static func invalidValue(field: String, _ message: String) -> APIError {
        APIError(code: "invalid-value", field: field, message: message, status: .unprocessableContent)
    }

    static func missingField(_ field: String, _ message: String) -> APIError {
        APIError(code: "missing-field", field: field, message: message, status: .unprocessableContent)
    }

    static func unknownField(_ field: String, known: [String]) -> APIError {
        APIError(code: "unknown-field", field: field,
                 message: "'\(field)' is not a field of this request; "
                     + (known.isEmpty ? "send no body" : "known here: \(known.joined(separator: ", "))"),
                 status: .unprocessableContent)
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(code: "body-too-large", message: "the request body is over \(limit) bytes; send a smaller JSON object",
                 status: .contentTooLarge)
    }

    static func unsupportedMediaType(_ given: String?) -> APIError {
        APIError(code: "unsupported-media-type",
                 message: "the body is \(given.map { "'\($0)'" } ?? "untyped"); send JSON with Content-Type: application/json",
                 status: .unsupportedMediaType)
    }

    static func routeNotFound(method: HTTPRequest.Method, path: String) -> APIError {
        APIError(code: "not-found", message: "no route \(method.rawValue) \(path); the routes are listed in docs/api.md",
                 status: .notFound)
    }

    static func methodNotAllowed(method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(code: "method-not-allowed", message: "\(path) does not take \(method.rawValue); use \(list)",
                        status: .methodNotAllowed, headers: [.allow: list])
    }

    static let `internal` = APIError(code: "internal", message: "the server failed to handle the request; see its log",
                                     status: .internalServerError)
}

extension APIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The JSON response, without needing a request (the error middleware's fallback).
    func response() -> Response {
        var response: Response
        if extra.isEmpty {
            response = APIJSON.response(body, status: status)
        } else {
            var members = extra
            members["error"] = ["code": .string(code), "field": .string(field), "message": .string(message)]
            response = APIJSON.response(JSONValue.object(members), status: status)
        }
        response.headers.append(contentsOf: headers)
        return response
    }
}
