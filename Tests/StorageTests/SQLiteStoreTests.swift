import Foundation
import GRDB
import HotlineModel
import Storage
@testable import StorageSQLite
import XCTest

/// What only the SQLite backend promises: where the file lives, how the connection is
/// configured, the migration list, and that the schema itself enforces the invariants.
final class SQLiteStoreTests: XCTestCase {
    private var directory: URL!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hotline-sqlite-tests-\(UUID().uuidString)")
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: directory)
    }

    static let migrations = ["v1-users", "v1-sip-credentials", "v1-customers", "v2-interactions", "v3-self-service", "v4-routing",
                             "v5-lost-agents-transfer-notes", "v6-web-passwords", "v7-audit-log"]

    func testCreatesNestedDataDirectoryAndFile() async throws {
        let dataDirectory = directory.appendingPathComponent("a/b/data")
        let store = try SQLiteStore(.dataDirectory(dataDirectory.path))
        let expectedPath = dataDirectory.appendingPathComponent("hotline.sqlite").path
        XCTAssertEqual(store.databasePath, expectedPath)
        XCTAssertTrue(FileManager.default.fileExists(atPath: expectedPath))
        try await store.close()
    }

    func testConnectionIsWALWithForeignKeys() async throws {
        let store = try SQLiteStore(.dataDirectory(directory.path))
        let (journal, foreignKeys) = try await store.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        XCTAssertEqual(journal, "wal")
        XCTAssertEqual(foreignKeys, 1)
        try await store.close()
    }

    func testMigrationsAreNamedAndIdempotentOnReopen() async throws {
        for _ in 0..<3 {
            let store = try SQLiteStore(.dataDirectory(directory.path))
            let applied = try await store.appliedMigrations()
            XCTAssertEqual(applied, Self.migrations)
            try await store.close()
        }
        let memory = try SQLiteStore(.inMemory)
        let applied = try await memory.appliedMigrations()
        XCTAssertEqual(applied, Self.migrations)
    }

    func testRefusesDatabaseMigratedByNewerVersion() async throws {
        let store = try SQLiteStore(.dataDirectory(directory.path))
        try await store.writer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
        }
        try await store.close()
        XCTAssertThrowsError(try SQLiteStore(.dataDirectory(directory.path))) { error in
            let error = error as? StorageError
            XCTAssertEqual(error?.code, .backend)
            XCTAssertTrue(error?.message.contains("newer version of Hotline") ?? false, "\(String(describing: error))")
        }
    }

    func testUnwritableDataDirectoryExplainsWhatToDo() throws {
        // A regular file where the data directory should be.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let blocker = directory.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        XCTAssertThrowsError(try SQLiteStore(.dataDirectory(blocker.appendingPathComponent("data").path))) { error in
            let error = error as? StorageError
            XCTAssertEqual(error?.code, .backend)
            XCTAssertTrue(error?.message.contains("Could not create the data directory") ?? false)
        }
    }

    func testClosedStoreReportsBackendError() async throws {
        for location in [SQLiteStore.Location.inMemory, .dataDirectory(directory.path)] {
            let store = try SQLiteStore(location)
            try await store.close()
            try await store.close()  // closing twice is harmless
            await assertStorageError(.backend) { try await store.users() }
            await assertStorageError(.backend) { try await store.createUser(Fixtures.user(1)) }
        }
    }

    /// The schema rejects bad rows even when written around the store's validation.
    func testSchemaEnforcesInvariants() async throws {
        let store = try SQLiteStore(.inMemory)
        try await store.createUser(Fixtures.user(1))
        let rejected = [
            "INSERT INTO users (id, username, display_name, language, active) VALUES ('u-2', '1002', 'x', 'fr-FR', 1)",
            "INSERT INTO users (id, username, display_name, language, active) VALUES ('u-2', '1002', NULL, 'zh-CN', 1)",
            "INSERT INTO users (id, username, display_name, language, active) VALUES ('u-2', '1001', 'x', 'zh-CN', 1)",
            "INSERT INTO user_roles (user_id, role) VALUES ('u-1', 'janitor')",
            "INSERT INTO user_roles (user_id, role) VALUES ('u-9', 'agent')",
            "INSERT INTO user_skills (user_id, name, level) VALUES ('u-1', 'billing', 11)",
            "INSERT INTO sip_credentials (user_id, realm, username, ha1_md5, ha1_sha256) VALUES ('u-1', 'r', '1001', 'short', 'short')",
            "INSERT INTO customer_phones (customer_id, position, number, digits) VALUES ('c-9', 0, '1', '1')",
            "INSERT INTO customers (id, name_key, language, created_at) VALUES ('c-1', '', 'zh-CN', NULL)",
        ]
        await assertSchemaRejects(rejected, in: store)
    }

    func testUniqueViolationsMapToConflictFields() {
        func mapped(_ message: String) -> StorageError? {
            let error = DatabaseError(resultCode: .SQLITE_CONSTRAINT_UNIQUE, message: message)
            return SQLiteErrorMapping.storageError(for: error, action: "test") as? StorageError
        }
        XCTAssertEqual(mapped("UNIQUE constraint failed: users.username")?.field, .username)
        XCTAssertEqual(mapped("UNIQUE constraint failed: customer_phones.digits")?.field, .phoneNumber)
        XCTAssertEqual(mapped("UNIQUE constraint failed: sip_credentials.username, sip_credentials.realm")?.field, .sipUsername)
        XCTAssertEqual(mapped("UNIQUE constraint failed: users.id")?.code, .conflict)
        XCTAssertEqual(mapped("UNIQUE constraint failed: other.column")?.field, StorageError.Field(rawValue: "other.column"))
    }
}
