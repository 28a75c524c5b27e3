import SIPDialog

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Signs API requests in with HTTP Basic (RFC 7617) against ``APIUsers``, and slows down
/// password guessing with the registrar's ``AuthThrottle``: failed attempts are counted per
/// source address and per username, and past a few failures each key must wait a growing
/// back-off (429 with `Retry-After`).
///
/// Pure: time is an input (`now`, nanoseconds on any monotonic clock); the server keeps one
/// in a lock and passes its clock's reading.
///
/// A request without readable credentials tests no password, so it is refused (401) without
/// counting; a wrong password counts against the source, and against the username when the
/// account exists (so the table is not filled with made-up names). A refused (throttled)
/// attempt is not checked and not counted.
public struct BasicAuthenticator: Sendable {
    public enum Outcome: Sendable, Hashable {
        case signedIn(APIPrincipal)
        /// No `Authorization` header, or another scheme than Basic.
        case missingCredentials
        /// `Basic` with something that is not base64 of `username:password` in UTF-8.
        case unreadableCredentials
        case wrongCredentials(username: String)
        case throttled(retryAfterSeconds: Int)
    }

    /// Sources get more free failures than users: a whole floor of agents may sit behind
    /// one NAT address, and a few typos there must not lock everybody out.
    public static let sourcePolicy = AuthThrottle.Policy(freeFailures: 20)
    public static let userPolicy = AuthThrottle.Policy(freeFailures: 5)

    public let users: APIUsers
    private(set) var throttle: AuthThrottle

    public init(users: APIUsers, sourcePolicy: AuthThrottle.Policy = BasicAuthenticator.sourcePolicy,
                userPolicy: AuthThrottle.Policy = BasicAuthenticator.userPolicy) {
        self.users = users
        self.throttle = AuthThrottle(sourcePolicy: sourcePolicy, userPolicy: userPolicy)
    }

    /// Checks one request's `Authorization` header. `source` is the client's IP address.
    public mutating func authenticate(authorization: String?, source: String, now: Int64) -> Outcome {
        guard let authorization, let token = Self.basicToken(authorization) else { return .missingCredentials }
        guard let (username, password) = Self.decode(token) else { return .unreadableCredentials }
        let known = users.accounts[username] != nil
        if case .throttled(let seconds) = throttle.check(source: source, user: known ? username : nil, now: now) {
            return .throttled(retryAfterSeconds: seconds)
        }
        guard let account = users.verify(username: username, password: password) else {
            throttle.recordFailure(source: source, user: known ? username : nil, now: now)
            return .wrongCredentials(username: username)
        }
        throttle.recordSuccess(source: source, user: username, now: now)
        return .signedIn(APIPrincipal(username: username, roles: account.roles))
    }

    /// The credentials of `Basic <token68>`; the scheme is case-insensitive (RFC 7235 §2.1).
    static func basicToken(_ header: String) -> Substring? {
        let trimmed = header.drop { $0 == " " }
        guard trimmed.count > 6, trimmed.prefix(6).lowercased() == "basic " else { return nil }
        return trimmed.dropFirst(6).drop { $0 == " " }
    }

    /// `username:password` from base64 (RFC 7617 §2: the user-id has no colon, the password may).
    static func decode(_ token: Substring) -> (username: String, password: String)? {
        guard let data = Data(base64Encoded: String(token.trimmingCharacters(in: " "))),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":")
        else { return nil }
        let username = String(text[..<colon])
        guard !username.isEmpty else { return nil }
        return (username, String(text[text.index(after: colon)...]))
    }
}
