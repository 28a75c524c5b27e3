import GRDB
import Storage

/// Turns GRDB/SQLite failures into `StorageError`s that say what to do.
///
/// Unique violations are recognised from SQLite's message ("UNIQUE constraint failed:
/// users.username"), which names the columns but not the constraint; the table below maps
/// those columns to the API field a client should fix.
enum SQLiteErrorMapping {
    /// Unique keys of the schema (see `SQLiteSchema`) and the field each protects.
    static let uniqueColumns: [String: StorageError.Field] = [
        "users.id": .id,
        "users.username": .username,
        "user_skills.user_id, user_skills.name": .skills,
        "sip_credentials.username, sip_credentials.realm": .sipUsername,
        "customers.id": .id,
        "customer_phones.digits": .phoneNumber,
        "customer_accounts.customer_id, customer_accounts.account_number": .accountNumber,
        "customer_tags.customer_id, customer_tags.tag": .tags,
        "interactions.id": .id,
        "recordings.id": .id,
        "recordings.path": .path,
    ]

    /// `error` as a `StorageError`; `CancellationError` and `StorageError` pass through.
    /// `action` completes "Could not …", e.g. "create user 1001".
    static func storageError(for error: any Error, action: String) -> any Error {
        switch error {
        case is StorageError, is CancellationError:
            return error
        case let error as DatabaseError:
            return storageError(for: error, action: action)
        default:
            return StorageError.backend("""
                Could not \(action): the database returned data Hotline cannot read; restore \
                the database from a backup or report this with the log.
                """, underlying: "\(error)")
        }
    }

    private static func storageError(for error: DatabaseError, action: String) -> StorageError {
        let underlying = "\(error)"
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            let columns = error.message.map { message in
                message.split(separator: ":", maxSplits: 1).last.map { String($0).trimmingSpaces } ?? message
            } ?? ""
            let field = uniqueColumns[columns] ?? StorageError.Field(rawValue: columns)
            var conflict = StorageError.conflict(field, "Could not \(action): \(hint(for: field)).")
            conflict.underlying = underlying
            return conflict
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return StorageError(code: .notFound, message: """
                Could not \(action): a record it refers to no longer exists; reload and try again.
                """, underlying: underlying)
        case .SQLITE_CONSTRAINT_CHECK, .SQLITE_CONSTRAINT_NOTNULL:
            return StorageError(code: .invalid, message: """
                Could not \(action): the database rejected a value as out of range; check the \
                input against the API documentation.
                """, underlying: underlying)
        default:
            break
        }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .backend("""
                Could not \(action): the database stayed locked longer than the busy timeout; \
                make sure no other hotline process uses the same data directory, then retry.
                """, underlying: underlying)
        case .SQLITE_FULL:
            return .backend("Could not \(action): the disk is full; free space on the data directory's disk.", underlying: underlying)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
            return .backend("""
                Could not \(action): the database file is not writable; check the permissions \
                of the data directory and hotline.sqlite.
                """, underlying: underlying)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return .backend("""
                Could not \(action): the database file is damaged; stop hotline and restore \
                hotline.sqlite from a backup.
                """, underlying: underlying)
        case .SQLITE_MISUSE:
            return .backend("Could not \(action): the store is closed; open a new one.", underlying: underlying)
        default:
            return .backend("""
                Could not \(action) because the database failed; check the log and the disk, \
                then retry.
                """, underlying: underlying)
        }
    }

    /// The second half of a conflict message: what is taken and what to do about it.
    private static func hint(for field: StorageError.Field) -> String {
        switch field {
        case .username:
            "the username is already taken; choose another username or edit the existing user"
        case .phoneNumber:
            "the phone number already belongs to another customer; find that customer by the number and update it instead"
        case .sipUsername:
            "another user already has a SIP credential with this username in this realm; rename or delete that user first"
        case .path:
            "another recording already uses this file; give each recording its own file name"
        case .id:
            "the id is already in use; generate a new id, or update the existing record instead of creating it"
        default:
            "\(field) must be unique and is already taken; choose another value"
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
