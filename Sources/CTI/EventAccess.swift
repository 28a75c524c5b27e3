import HotlineModel

/// Who is watching the stream, and which events they may see: authorisation on every
/// event, not only on the connection.
///
/// - an agent sees events about themselves (their state, offers to them, their calls) and
///   the live figures of the queues they serve;
/// - a supervisor sees every event of the agents in their teams and of every queue (when
///   they have no team configured, every agent);
/// - an admin sees everything.
public struct EventViewer: Hashable, Sendable {
    public var username: String
    public var roles: Set<Role>
    /// Agents a supervisor watches; nil: all of them.
    public var team: Set<String>?
    /// Queues an agent serves (for `queue.stats`).
    public var queues: Set<String>

    public init(username: String, roles: Set<Role>, team: Set<String>? = nil, queues: Set<String> = []) {
        self.username = username
        self.roles = roles
        self.team = team
        self.queues = queues
    }

    public func maySee(_ event: Event) -> Bool {
        if roles.contains(.admin) { return true }
        if roles.contains(.supervisor) {
            guard let team else { return true }
            return event.agents.isEmpty || event.agents.contains { team.contains($0) || $0 == username }
        }
        if event.agents.contains(username) { return true }
        if event.type == EventType.queueStats { return event.queues.contains { queues.contains($0) } }
        return false
    }
}
