/// What a user may do. A user holds any combination; the HTTP layer checks roles, routing
/// only considers users holding `.agent`.
///
/// Raw values are stored in the database and checked there, so they never change.
public enum Role: String, CaseIterable, Hashable, Comparable, Codable, Sendable {
    /// Takes calls and chats.
    case agent
    /// Watches queues and agents, can barge, whisper and change agent state.
    case supervisor
    /// Manages users, flows and configuration.
    case admin

    /// Declaration order, so sorted roles read agent, supervisor, admin.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
