import HotlineModel
import Storage
import XCTest

/// User and SIP credential checks; see `HotlineStoreConformance`.
extension HotlineStoreConformance {
    func userCreateFindUpdateDelete() async throws {
        try await withStore { store in
            let missingByID = try await store.user(id: "u-1")
            XCTAssertNil(missingByID)
            let missingByName = try await store.user(username: "1001")
            XCTAssertNil(missingByName)
            let none = try await store.users()
            XCTAssertEqual(none, [])

            // Created in reverse order to see the list ordered by username.
            let second = try await store.createUser(Fixtures.user(2))
            var input = Fixtures.user(1, skills: [Skill(name: "mandarin", level: 9), Skill(name: "billing", level: 5)])
            input.displayName = "  Li Na  "
            let first = try await store.createUser(input)
            // Stored form: trimmed display name, skills sorted by name.
            var expected = input
            expected.displayName = "Li Na"
            expected.skills = [Skill(name: "billing", level: 5), Skill(name: "mandarin", level: 9)]
            XCTAssertEqual(first, expected)

            let byID = try await store.user(id: "u-1")
            XCTAssertEqual(byID, expected)
            let byName = try await store.user(username: "1001")
            XCTAssertEqual(byName, expected)
            let all = try await store.users()
            XCTAssertEqual(all, [expected, second])

            var changed = expected
            changed.displayName = "李娜"
            changed.roles = [.agent, .supervisor]
            changed.skills = [Skill(name: "complaints", level: 10)]
            changed.language = .enUS
            changed.isActive = false
            let updated = try await store.updateUser(changed)
            XCTAssertEqual(updated, changed)
            let reread = try await store.user(id: "u-1")
            XCTAssertEqual(reread, changed)
            let untouched = try await store.user(id: "u-2")
            XCTAssertEqual(untouched, second)

            await assertStorageError(.notFound) { try await store.updateUser(Fixtures.user(3)) }
            await assertStorageError(.notFound) { try await store.deleteUser(id: "u-3") }

            try await store.deleteUser(id: "u-2")
            let remaining = try await store.users()
            XCTAssertEqual(remaining, [changed])
            let deleted = try await store.user(username: "1002")
            XCTAssertNil(deleted)
        }
    }

    func userConflicts() async throws {
        try await withStore { store in
            let first = try await store.createUser(Fixtures.user(1))

            var sameUsername = Fixtures.user(2)
            sameUsername.username = first.username
            await assertStorageError(.conflict, field: .username) { try await store.createUser(sameUsername) }
            let notStored = try await store.user(id: "u-2")
            XCTAssertNil(notStored)

            var sameID = Fixtures.user(3)
            sameID.id = first.id
            await assertStorageError(.conflict, field: .id) { try await store.createUser(sameID) }

            let second = try await store.createUser(Fixtures.user(2))
            var renamed = second
            renamed.username = first.username
            await assertStorageError(.conflict, field: .username) { try await store.updateUser(renamed) }
            let unchanged = try await store.user(id: second.id)
            XCTAssertEqual(unchanged, second)
        }
    }

    /// Concurrent creates of one username: exactly one wins, the rest see `.conflict`.
    func concurrentUsernameCreates() async throws {
        try await withStore { store in
            let outcomes = await withTaskGroup(of: StorageError?.self) { group in
                for number in 1...8 {
                    var user = Fixtures.user(number)
                    user.username = "1001"
                    group.addTask {
                        do {
                            try await store.createUser(user)
                            return nil
                        } catch {
                            return error as? StorageError
                                ?? StorageError.backend("unexpected \(error)")
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(outcomes.filter { $0 == nil }.count, 1)
            XCTAssertEqual(outcomes.compactMap { $0?.code }, Array(repeating: .conflict, count: 7))
            XCTAssertEqual(outcomes.compactMap { $0?.field }, Array(repeating: .username, count: 7))
            let users = try await store.users()
            XCTAssertEqual(users.map(\.username), ["1001"])
        }
    }

    func userValidation() async throws {
        try await withStore { store in
            func with(_ change: (inout User) -> Void) -> User {
                var user = Fixtures.user(1)
                change(&user)
                return user
            }
            let rejected: [(User, StorageError.Field)] = [
                (with { $0.skills = [Skill(name: "billing", level: 0)] }, .skills),
                (with { $0.skills = [Skill(name: "billing", level: 11)] }, .skills),
                (with { $0.skills = [Skill(name: "billing", level: 3), Skill(name: " billing", level: 4)] }, .skills),
                (with { $0.skills = [Skill(name: " ", level: 3)] }, .skills),
                (with { $0.username = "" }, .username),
                (with { $0.username = "li na" }, .username),
                (with { $0.username = "1001@hotline" }, .username),
                (with { $0.displayName = "   " }, .displayName),
                (with { $0.id = "" }, .id),
            ]
            for (user, field) in rejected {
                await assertStorageError(.invalid, field: field) { try await store.createUser(user) }
            }
            let none = try await store.users()
            XCTAssertEqual(none, [])

            let stored = try await store.createUser(Fixtures.user(1))
            await assertStorageError(.invalid, field: .skills) {
                try await store.updateUser(with { $0.skills = [Skill(name: "billing", level: 11)] })
            }
            let unchanged = try await store.user(id: stored.id)
            XCTAssertEqual(unchanged, stored)
        }
    }

    func rolesAndSkills() async throws {
        try await withStore { store in
            let everything = Fixtures.user(1, roles: Set(Role.allCases), skills: [
                Skill(name: "billing", level: Skill.levels.lowerBound),
                Skill(name: "mandarin", level: Skill.levels.upperBound),
            ])
            let nothing = Fixtures.user(2, roles: [], skills: [])
            try await store.createUser(everything)
            try await store.createUser(nothing)
            let readEverything = try await store.user(id: everything.id)
            XCTAssertEqual(readEverything, everything)
            let readNothing = try await store.user(id: nothing.id)
            XCTAssertEqual(readNothing, nothing)
            XCTAssertEqual(readNothing?.agentID, nil)
            XCTAssertEqual(readEverything?.agentID, AgentID("u-1"))

            // Update replaces the sets, it does not merge.
            var fewer = everything
            fewer.roles = [.admin]
            fewer.skills = [Skill(name: "mandarin", level: 4)]
            try await store.updateUser(fewer)
            let readFewer = try await store.user(id: everything.id)
            XCTAssertEqual(readFewer, fewer)
        }
    }

    func passwordHashRoundTrip() async throws {
        try await withStore { store in
            let user = try await store.createUser(Fixtures.user(1))
            let none = try await store.passwordHash(username: user.username)
            XCTAssertNil(none, "a new user has no web password")
            let hash = "$2b$10$" + String(repeating: "a", count: 53)
            try await store.setPasswordHash(hash, username: user.username)
            let stored = try await store.passwordHash(username: user.username)
            XCTAssertEqual(stored, hash)
            await assertStorageError(.invalid, field: .passwordHash) {
                try await store.setPasswordHash("agent1001", username: user.username)
            }
            let kept = try await store.passwordHash(username: user.username)
            XCTAssertEqual(kept, hash, "a refused password changes nothing")
            await assertStorageError(.notFound) { try await store.setPasswordHash(hash, username: "nobody") }
            try await store.setPasswordHash(nil, username: user.username)
            let cleared = try await store.passwordHash(username: user.username)
            XCTAssertNil(cleared)
        }
    }

    func sipCredentialRoundTrip() async throws {
        try await withStore { store in
            let user = try await store.createUser(Fixtures.user(1))
            let other = try await store.createUser(Fixtures.user(2))
            let upper = SIPCredential(
                username: user.username, realm: Fixtures.realm,
                ha1MD5: String(repeating: "AB", count: 16), ha1SHA256: String(repeating: "CD", count: 32))
            try await store.setSIPCredential(upper, for: user.id)
            var lower = upper
            lower.ha1MD5 = lower.ha1MD5.lowercased()
            lower.ha1SHA256 = lower.ha1SHA256.lowercased()
            let found = try await store.sipCredential(username: user.username, realm: Fixtures.realm)
            XCTAssertEqual(found, lower)

            // Replacing the credential of a realm, adding a second realm.
            let replaced = Fixtures.credential(for: user, fill: "1")
            try await store.setSIPCredential(replaced, for: user.id)
            let backup = Fixtures.credential(for: user, realm: "backup.local", fill: "2")
            try await store.setSIPCredential(backup, for: user.id)
            let afterReplace = try await store.sipCredential(username: user.username, realm: Fixtures.realm)
            XCTAssertEqual(afterReplace, replaced)
            let list = try await store.sipCredentials(for: user.id)
            XCTAssertEqual(list, [backup, replaced])
            let otherList = try await store.sipCredentials(for: other.id)
            XCTAssertEqual(otherList, [])

            let wrongRealm = try await store.sipCredential(username: user.username, realm: "elsewhere")
            XCTAssertNil(wrongRealm)
            let wrongUser = try await store.sipCredential(username: "9999", realm: Fixtures.realm)
            XCTAssertNil(wrongUser)

            await assertStorageError(.notFound) {
                try await store.setSIPCredential(Fixtures.credential(for: Fixtures.user(3)), for: "u-3")
            }
            await assertStorageError(.invalid, field: .sipUsername) {
                try await store.setSIPCredential(Fixtures.credential(for: other), for: user.id)
            }
            for (md5, sha256) in [("abc", String(repeating: "a", count: 64)),
                                  (String(repeating: "z", count: 32), String(repeating: "a", count: 64)),
                                  (String(repeating: "a", count: 32), String(repeating: "a", count: 63))] {
                let bad = SIPCredential(username: user.username, realm: Fixtures.realm, ha1MD5: md5, ha1SHA256: sha256)
                await assertStorageError(.invalid, field: .ha1) { try await store.setSIPCredential(bad, for: user.id) }
            }
            await assertStorageError(.invalid, field: .realm) {
                try await store.setSIPCredential(Fixtures.credential(for: user, realm: ""), for: user.id)
            }

            // HA1 hashes the username, so renaming drops the credentials.
            var renamed = user
            renamed.username = "2001"
            try await store.updateUser(renamed)
            let afterRename = try await store.sipCredentials(for: user.id)
            XCTAssertEqual(afterRename, [])
        }
    }

    func sipCredentialsCascadeOnUserDelete() async throws {
        try await withStore { store in
            let user = try await store.createUser(Fixtures.user(1))
            try await store.setSIPCredential(Fixtures.credential(for: user), for: user.id)
            try await store.deleteUser(id: user.id)

            let byName = try await store.sipCredential(username: user.username, realm: Fixtures.realm)
            XCTAssertNil(byName)
            let byUser = try await store.sipCredentials(for: user.id)
            XCTAssertEqual(byUser, [])

            // The same id and username can be reused and start without credentials.
            try await store.createUser(user)
            let resurrected = try await store.sipCredential(username: user.username, realm: Fixtures.realm)
            XCTAssertNil(resurrected)
        }
    }
}
