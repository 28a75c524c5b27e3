import GRDB
@testable import StorageSQLite
import XCTest

extension XCTestCase {
    /// Each statement, written around the store, must fail on a schema constraint (a CHECK,
    /// NOT NULL, UNIQUE or foreign key): the invariants live in the schema.
    func assertSchemaRejects(_ statements: [String], in store: SQLiteStore,
                             file: StaticString = #filePath, line: UInt = #line) async {
        for sql in statements {
            do {
                try await store.writer.write { db in try db.execute(sql: sql) }
                XCTFail("schema accepted: \(sql)", file: file, line: line)
            } catch let error as DatabaseError {
                XCTAssertEqual(error.resultCode, .SQLITE_CONSTRAINT, sql, file: file, line: line)
            } catch {
                XCTFail("\(sql): \(error)", file: file, line: line)
            }
        }
    }
}
