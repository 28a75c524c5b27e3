/// Everything the server persists, behind one value it holds for its lifetime.
///
/// Backends (SQLite embedded, PostgreSQL for production) conform to this and must pass
/// the same conformance suite in StorageTests.
public protocol HotlineStore: UserStore, CustomerStore, InteractionStore, SelfServiceStore {
    /// Releases the database. Further calls fail with `.backend`. Called on shutdown so
    /// the SQLite WAL is checkpointed and PostgreSQL connections are closed cleanly.
    func close() async throws
}
