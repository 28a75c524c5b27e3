import GRDB
import HotlineModel
import Storage

extension SQLiteStore {
    @discardableResult
    public func createUser(_ user: User) async throws -> User {
        let user = try user.validatedForStorage()
        try await write("create user \(user.username)") { db in
            try db.execute(sql: """
                INSERT INTO users (id, username, display_name, language, active)
                VALUES (?, ?, ?, ?, ?)
                """, arguments: [user.id.rawValue, user.username, user.displayName, user.language.rawValue, user.isActive])
            try UserRows.insertRolesAndSkills(of: user, db)
        }
        return user
    }

    public func user(id: UserID) async throws -> User? {
        try await read("find user \(id)") { db in
            try UserRows.fetch(db, where: "id = ?", [id.rawValue]).first
        }
    }

    public func user(username: String) async throws -> User? {
        try await read("find user \(username)") { db in
            try UserRows.fetch(db, where: "username = ?", [username]).first
        }
    }

    public func users() async throws -> [User] {
        try await read("list users") { db in
            try UserRows.fetch(db, where: nil, [])
        }
    }

    @discardableResult
    public func updateUser(_ user: User) async throws -> User {
        let user = try user.validatedForStorage()
        try await write("update user \(user.username)") { db in
            guard let oldUsername = try String.fetchOne(
                db, sql: "SELECT username FROM users WHERE id = ?", arguments: [user.id.rawValue])
            else {
                throw StorageError.notFound("User \(user.id) does not exist; create it first or check the id.")
            }
            try db.execute(sql: """
                UPDATE users SET username = ?, display_name = ?, language = ?, active = ?
                WHERE id = ?
                """, arguments: [user.username, user.displayName, user.language.rawValue, user.isActive, user.id.rawValue])
            if oldUsername != user.username {
                // HA1 hashes the username, so the old credentials can never verify again.
                try db.execute(sql: "DELETE FROM sip_credentials WHERE user_id = ?", arguments: [user.id.rawValue])
            }
            try db.execute(sql: "DELETE FROM user_roles WHERE user_id = ?", arguments: [user.id.rawValue])
            try db.execute(sql: "DELETE FROM user_skills WHERE user_id = ?", arguments: [user.id.rawValue])
            try UserRows.insertRolesAndSkills(of: user, db)
        }
        return user
    }

    public func deleteUser(id: UserID) async throws {
        try await write("delete user \(id)") { db in
            // Roles, skills and credentials go with it: ON DELETE CASCADE.
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id.rawValue])
            guard db.changesCount > 0 else {
                throw StorageError.notFound("User \(id) does not exist, so there is nothing to delete.")
            }
        }
    }

    public func setSIPCredential(_ credential: SIPCredential, for user: UserID) async throws {
        let credential = try credential.validatedForStorage()
        try await write("set the SIP credential of \(credential.username)@\(credential.realm)") { db in
            guard let username = try String.fetchOne(
                db, sql: "SELECT username FROM users WHERE id = ?", arguments: [user.rawValue])
            else {
                throw StorageError.notFound("User \(user) does not exist; create the user before setting a SIP password.")
            }
            guard username == credential.username else {
                throw StorageError.invalid(.sipUsername, """
                    The SIP credential is for "\(credential.username)" but user \(user) has \
                    username "\(username)"; compute the HA1 values with the user's username.
                    """)
            }
            try db.execute(sql: """
                INSERT INTO sip_credentials (user_id, realm, username, ha1_md5, ha1_sha256)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (user_id, realm) DO UPDATE SET
                    username = excluded.username,
                    ha1_md5 = excluded.ha1_md5,
                    ha1_sha256 = excluded.ha1_sha256
                """, arguments: [user.rawValue, credential.realm, credential.username, credential.ha1MD5, credential.ha1SHA256])
        }
    }

    public func sipCredential(username: String, realm: String) async throws -> SIPCredential? {
        try await read("find the SIP credential of \(username)@\(realm)") { db in
            try UserRows.fetchCredentials(db, where: "username = ? AND realm = ?", [username, realm]).first
        }
    }

    public func setPasswordHash(_ hash: String?, username: String) async throws {
        if let hash, !(hash.hasPrefix("$2") && hash.utf8.count == 60) {
            throw StorageError.invalid(.passwordHash, "A web password is stored as a 60-character bcrypt hash ($2b$...), never as text.")
        }
        try await write("set the web password of \(username)") { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE username = ?", arguments: [hash, username])
            guard db.changesCount > 0 else {
                throw StorageError.notFound("User \(username) does not exist; create the user before setting a password.")
            }
        }
    }

    public func passwordHash(username: String) async throws -> String? {
        try await read("read the web password of \(username)") { db in
            try String?.fetchOne(db, sql: "SELECT password_hash FROM users WHERE username = ?", arguments: [username]) ?? nil
        }
    }

    public func sipCredentials(for user: UserID) async throws -> [SIPCredential] {
        try await read("list the SIP credentials of user \(user)") { db in
            try UserRows.fetchCredentials(db, where: "user_id = ?", [user.rawValue])
        }
    }
}

/// Row mapping for the user tables. Child rows (roles, skills) are loaded for all users of
/// a result in one query per table rather than one per user.
enum UserRows {
    static func insertRolesAndSkills(of user: User, _ db: Database) throws {
        for role in user.roles.sorted() {
            try db.execute(
                sql: "INSERT INTO user_roles (user_id, role) VALUES (?, ?)",
                arguments: [user.id.rawValue, role.rawValue])
        }
        for skill in user.skills {
            try db.execute(
                sql: "INSERT INTO user_skills (user_id, name, level) VALUES (?, ?, ?)",
                arguments: [user.id.rawValue, skill.name, skill.level])
        }
    }

    /// Users matching `condition` (a WHERE clause over `users`), ordered by username.
    static func fetch(_ db: Database, where condition: String?, _ arguments: [String]) throws -> [User] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, username, display_name, language, active FROM users
            \(condition.map { "WHERE \($0)" } ?? "")
            ORDER BY username
            """, arguments: StatementArguments(arguments))
        let ids = try rows.map { try $0.decode(String.self, forColumn: "id") }
        var roles = [String: Set<Role>]()
        var skills = [String: [Skill]]()
        for chunk in inListChunks(ids) {
            let inList = sqlPlaceholders(chunk.count)
            for row in try Row.fetchAll(db, sql: """
                SELECT user_id, role FROM user_roles WHERE user_id IN (\(inList))
                """, arguments: StatementArguments(chunk)) {
                let raw = try row.decode(String.self, forColumn: "role")
                guard let role = Role(rawValue: raw) else { throw unreadable("role", raw) }
                roles[try row.decode(String.self, forColumn: "user_id"), default: []].insert(role)
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT user_id, name, level FROM user_skills WHERE user_id IN (\(inList))
                ORDER BY user_id, name
                """, arguments: StatementArguments(chunk)) {
                let skill = Skill(
                    name: try row.decode(String.self, forColumn: "name"),
                    level: try row.decode(Int.self, forColumn: "level"))
                skills[try row.decode(String.self, forColumn: "user_id"), default: []].append(skill)
            }
        }
        return try rows.map { row in
            let id = try row.decode(String.self, forColumn: "id")
            let rawLanguage = try row.decode(String.self, forColumn: "language")
            guard let language = Language(rawValue: rawLanguage) else { throw unreadable("language", rawLanguage) }
            return User(
                id: UserID(id),
                username: try row.decode(String.self, forColumn: "username"),
                displayName: try row.decode(String.self, forColumn: "display_name"),
                roles: roles[id] ?? [],
                skills: skills[id] ?? [],
                language: language,
                isActive: try row.decode(Bool.self, forColumn: "active"))
        }
    }

    /// Credentials matching `condition` (a WHERE clause over `sip_credentials`), by realm.
    static func fetchCredentials(_ db: Database, where condition: String, _ arguments: [String]) throws -> [SIPCredential] {
        try Row.fetchAll(db, sql: """
            SELECT username, realm, ha1_md5, ha1_sha256 FROM sip_credentials
            WHERE \(condition)
            ORDER BY realm
            """, arguments: StatementArguments(arguments)).map { row in
            SIPCredential(
                username: try row.decode(String.self, forColumn: "username"),
                realm: try row.decode(String.self, forColumn: "realm"),
                ha1MD5: try row.decode(String.self, forColumn: "ha1_md5"),
                ha1SHA256: try row.decode(String.self, forColumn: "ha1_sha256"))
        }
    }
}

/// A stored value outside the enumeration the schema allows; only possible if someone
/// edited the file by hand or a newer schema widened a CHECK.
func unreadable(_ column: String, _ value: String) -> StorageError {
    .backend("""
        The database holds \(column) "\(value)", which this version of Hotline does not know; \
        upgrade Hotline or correct the row.
        """)
}
