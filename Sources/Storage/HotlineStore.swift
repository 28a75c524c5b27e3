/// Everything the server persists, behind one value it holds for its lifetime.
///
/// Backends (SQLite embedded, PostgreSQL for production) conform to this and must pass
/// the same conformance suite in StorageTests.
public protocol HotlineStore: UserStore, CustomerStore, InteractionStore, SelfServiceStore, RoutingStore, AuditStore {
    /// Releases the database. Further calls fail with `.backend`. Called on shutdown so
    /// the SQLite WAL is checkpointed and PostgreSQL connections are closed cleanly.
    func close() async throws

    /// Stores call records in order, as one transaction where the backend can: a write
    /// that fails (a missing interaction, a taken id) is left out with its error, at its
    /// index, and the others are stored. Never throws: a failure of the whole batch (the
    /// disk) is every write's error.
    func perform(_ writes: [JournalWrite]) async -> [(any Error)?]
}
