import HotlineModel

/// Persistence for users and their SIP credentials.
///
/// Lookups return nil for a missing record because "no such user" is an ordinary answer
/// (a REGISTER for an unknown extension); changes to a missing record throw
/// `StorageError` with code `.notFound`. Every method validates its input the same way
/// in every backend (the `validatedForStorage()` extensions in this module) and returns
/// records as stored: skills sorted by name, HA1 hex in lower case.
///
/// Orders are by byte order of the UTF-8 text (SQLite's default; PostgreSQL queries need
/// `COLLATE "C"`), so every backend lists records identically.
public protocol UserStore: Sendable {
    /// Stores a new user. Throws `.conflict` on `.username` or `.id` when taken.
    @discardableResult
    func createUser(_ user: User) async throws -> User

    /// The user with this id, or nil.
    func user(id: UserID) async throws -> User?

    /// The user with this login name / SIP extension, or nil. Exact match.
    func user(username: String) async throws -> User?

    /// All users, ordered by username (byte order). Contact centers have hundreds to a few thousand
    /// users, which is why this is not paged.
    func users() async throws -> [User]

    /// Replaces the stored user with the same id, roles and skills included.
    /// Renaming a user deletes its SIP credentials (see `SIPCredential`).
    @discardableResult
    func updateUser(_ user: User) async throws -> User

    /// Deletes a user and, through the schema, its roles, skills and credentials.
    /// Prefer `isActive = false` for people who handled interactions, to keep history.
    func deleteUser(id: UserID) async throws

    /// Creates or replaces the user's credential for `credential.realm`.
    /// `credential.username` must equal the user's username; `.conflict` on
    /// `.sipUsername` if another user already holds that name in the realm.
    func setSIPCredential(_ credential: SIPCredential, for user: UserID) async throws

    /// The credential a REGISTER or INVITE challenge response is checked against.
    func sipCredential(username: String, realm: String) async throws -> SIPCredential?

    /// All credentials of a user, ordered by realm.
    func sipCredentials(for user: UserID) async throws -> [SIPCredential]

    /// Sets (or with nil clears) the bcrypt hash of the user's web and API password.
    /// `.notFound` if there is no such user; `.invalid` if the text is not a bcrypt hash.
    func setPasswordHash(_ hash: String?, username: String) async throws

    /// The bcrypt hash of the user's web password; nil when none is set or no such user.
    func passwordHash(username: String) async throws -> String?
}
