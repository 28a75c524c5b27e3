import HotlineModel
import Storage
import XCTest

/// The behaviour every `HotlineStore` backend must show, written once.
///
/// A backend's test case builds one of these with a factory that returns a store on a
/// fresh, empty database, and calls each check from its own test method (see
/// `SQLiteConformanceTests`). The PostgreSQL backend runs the identical checks, which is
/// what keeps the two backends interchangeable behind `hotline serve`.
///
/// Checks assert exact records and exact error codes and fields, not just "no error".
struct HotlineStoreConformance: Sendable {
    /// Opens a store on a new, empty database.
    let makeStore: @Sendable () async throws -> any HotlineStore

    /// Runs `body` on a fresh store and closes it afterwards, also when `body` throws.
    func withStore(_ body: (any HotlineStore) async throws -> Void) async throws {
        let store = try await makeStore()
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// Data written through one store is there after closing it and opening the same
    /// database again, twice (the second reopen also proves that opening an up-to-date
    /// database, which re-runs the migration step, changes nothing).
    ///
    /// - Parameter open: opens the *same* database on every call.
    static func persistsAcrossReopen(open: () async throws -> any HotlineStore) async throws {
        let first = try await open()
        let user = try await first.createUser(Fixtures.user(1, skills: [Skill(name: "billing", level: 7)]))
        try await first.setSIPCredential(Fixtures.credential(for: user), for: user.id)
        let customer = try await first.createCustomer(Fixtures.customer(1, phones: ["+86 138-0013-8000"]))
        try await first.close()

        let second = try await open()
        let reopenedUser = try await second.user(id: user.id)
        XCTAssertEqual(reopenedUser, user)
        let reopenedCredential = try await second.sipCredential(username: user.username, realm: Fixtures.realm)
        XCTAssertEqual(reopenedCredential, Fixtures.credential(for: user))
        let reopenedCustomer = try await second.customer(phoneNumber: "8613800138000")
        XCTAssertEqual(reopenedCustomer, customer)
        let secondUser = try await second.createUser(Fixtures.user(2))
        try await second.close()

        let third = try await open()
        let users = try await third.users()
        XCTAssertEqual(users, [user, secondUser])
        let customers = try await third.customers(PageRequest(limit: 10))
        XCTAssertEqual(customers, Page(items: [customer], next: nil))
        try await third.close()
    }
}

/// Records the checks use. Usernames are ASCII digits and names are chosen so that the
/// documented orders (byte order) are unambiguous on every backend.
enum Fixtures {
    static let realm = "hotline.local"

    static func user(
        _ number: Int,
        roles: Set<Role> = [.agent],
        skills: [Skill] = [],
        language: Language = .zhCN
    ) -> User {
        User(
            id: UserID("u-\(number)"),
            username: "\(1000 + number)",
            displayName: "Agent \(number)",
            roles: roles,
            skills: skills,
            language: language)
    }

    /// A credential with distinct, valid-looking HA1 values derived from the username.
    static func credential(for user: User, realm: String = realm, fill: Character = "a") -> SIPCredential {
        SIPCredential(
            username: user.username,
            realm: realm,
            ha1MD5: String(repeating: fill, count: 32),
            ha1SHA256: String(repeating: fill, count: 64))
    }

    static func customer(
        _ number: Int,
        nameZh: String? = nil,
        nameEn: String? = nil,
        phones: [String] = [],
        createdAt: Int64 = 1_700_000_000_000
    ) -> Customer {
        Customer(
            id: CustomerID("c-\(number)"),
            nameZh: nameZh,
            nameEn: nameEn,
            phoneNumbers: phones,
            createdAt: Timestamp(millisecondsSinceEpoch: createdAt))
    }
}

/// Asserts that `body` throws a `StorageError` with `code` (and `field`, when given) and
/// returns the error for further checks.
@discardableResult
func assertStorageError<T>(
    _ code: StorageError.Code,
    field: StorageError.Field? = nil,
    _ body: () async throws -> T,
    file: StaticString = #filePath,
    line: UInt = #line
) async -> StorageError? {
    do {
        let value = try await body()
        XCTFail("expected \(code) error, got \(value)", file: file, line: line)
        return nil
    } catch let error as StorageError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        if let field {
            XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
        }
        XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        return error
    } catch {
        XCTFail("expected StorageError, got \(error)", file: file, line: line)
        return nil
    }
}
