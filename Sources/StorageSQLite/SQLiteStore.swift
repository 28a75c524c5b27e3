import Foundation
import GRDB
import HotlineModel
import Storage

/// The embedded `HotlineStore`: one SQLite file, so `hotline serve` needs no database
/// server.
///
/// A file database is opened as a GRDB `DatabasePool` (WAL mode): the SIP registrar and
/// screen pop read concurrently while the admin API writes. Writers wait up to
/// `busyTimeout` for a lock (another process, a backup tool) before failing. Foreign keys
/// are enforced because the schema relies on them for cascades.
///
/// The SQL here sticks to what PostgreSQL also accepts (TEXT/INTEGER columns, `?`
/// parameters, `ON CONFLICT ... DO UPDATE`, no SQLite-only functions) so the PostgreSQL
/// backend is a translation of placeholders, not a redesign.
public final class SQLiteStore: HotlineStore {
    /// Where the database lives.
    public enum Location: Hashable, Sendable {
        /// `<directory>/hotline.sqlite`; the directory is created if missing.
        case dataDirectory(String)
        /// A private database that vanishes with the store; for tests and simulations.
        case inMemory
    }

    /// Name of the database file inside the data directory.
    public static let fileName = "hotline.sqlite"

    /// Full path of the database file, or nil in memory.
    public let databasePath: String?

    let writer: any DatabaseWriter

    /// Set by `close()`. GRDB connections must not be used once closed (a closed
    /// `DatabaseQueue` can even crash), so every access checks this first.
    private let closed = LockedFlag()

    /// Opens (creating if needed) the database and applies pending migrations.
    ///
    /// Synchronous on purpose: the server opens its store once at start-up, before any
    /// service runs, and should not start at all when this throws.
    ///
    /// - Throws: `StorageError` with code `.backend` when the directory or file cannot be
    ///   created or opened, or when the file was written by a newer Hotline.
    public init(_ location: Location, busyTimeout: Duration = .seconds(5)) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout.timeInterval)
        configuration.label = "hotline"

        switch location {
        case .dataDirectory(let directory):
            let path = URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName).path
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StorageError.backend("""
                    Could not create the data directory \(directory); make sure its parent \
                    exists and is writable by the user running hotline, or configure another \
                    data directory.
                    """, underlying: "\(error)")
            }
            do {
                writer = try DatabasePool(path: path, configuration: configuration)
            } catch {
                throw StorageError.backend("""
                    Could not open the database \(path); check that it is a Hotline database \
                    and that its directory is writable (SQLite needs to create -wal and -shm \
                    files next to it).
                    """, underlying: "\(error)")
            }
            databasePath = path
        case .inMemory:
            do {
                writer = try DatabaseQueue(configuration: configuration)
            } catch {
                throw StorageError.backend("Could not open an in-memory database; the process may be out of memory.", underlying: "\(error)")
            }
            databasePath = nil
        }
        try SQLiteSchema.migrate(writer, path: databasePath ?? ":memory:")
    }

    /// Closes the database. Call it once every user of the store has finished (the server
    /// does so after its services stopped); later calls to the store throw `.backend`.
    public func close() async throws {
        guard closed.setIfUnset() else { return }
        do {
            try writer.close()
        } catch {
            throw SQLiteErrorMapping.storageError(for: error, action: "close the database")
        }
    }

    /// Identifiers of the migrations applied to this database, in order. Lets operators
    /// (and tests) see the schema version without opening the file by hand.
    public func appliedMigrations() async throws -> [String] {
        try await read("list migrations") { db in
            try SQLiteSchema.migrator.appliedMigrations(db)
        }
    }

    // MARK: Database access

    /// Runs `body` in a read transaction, turning every failure into a `StorageError`
    /// whose message names `action` ("find user 1001").
    func read<T: Sendable>(_ action: String, _ body: @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen(action)
        do {
            return try await writer.read(body)
        } catch {
            throw SQLiteErrorMapping.storageError(for: error, action: action)
        }
    }

    /// Runs `body` in a write transaction (all or nothing), mapping failures like `read`.
    func write<T: Sendable>(_ action: String, _ body: @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen(action)
        do {
            return try await writer.write(body)
        } catch {
            throw SQLiteErrorMapping.storageError(for: error, action: action)
        }
    }

    private func checkOpen(_ action: String) throws {
        guard !closed.isSet else {
            throw StorageError.backend("""
                Could not \(action): the store is closed; this is a bug in whoever kept using \
                it after shutdown, please report it with the log.
                """)
        }
    }
}

/// A one-way flag shared across threads. `NSLock` rather than `Synchronization.Mutex`
/// because the package still supports macOS 14.
private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }

    /// Sets the flag; returns false when it was already set.
    func setIfUnset() -> Bool {
        lock.withLock {
            defer { value = true }
            return !value
        }
    }
}

extension Duration {
    /// Seconds as `TimeInterval`, which is what GRDB's busy timeout takes.
    fileprivate var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// `?, ?, ?` for an `IN (...)` list of `count` values.
func sqlPlaceholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}

/// Keys split into groups small enough for one `IN (...)` list; SQLite caps the number
/// of parameters per statement (32766 by default) and PostgreSQL at 65535.
func inListChunks(_ keys: [String], size: Int = 500) -> [[String]] {
    stride(from: 0, to: keys.count, by: size).map { Array(keys[$0..<min($0 + size, keys.count)]) }
}
