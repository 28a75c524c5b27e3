/// A person who logs in to Hotline: the record behind an agent's desktop and SIP phone.
///
/// `username` is also the SIP extension and digest-auth user (e.g. "1001"), so one name
/// works for the web login, the phone registration and what a supervisor reads on a wall
/// board.
public struct User: Hashable, Codable, Sendable {
    public var id: UserID
    /// Login name and SIP extension, unique across users.
    public var username: String
    /// Name shown to colleagues and customers ("Agent Li", "李娜").
    public var displayName: String
    public var roles: Set<Role>
    /// Routing skills; at most one entry per skill name.
    public var skills: [Skill]
    /// Language of the desktop and of agent-facing prompts.
    public var language: Language
    /// Inactive users keep their history but cannot log in, register or take calls.
    public var isActive: Bool

    public init(
        id: UserID,
        username: String,
        displayName: String,
        roles: Set<Role> = [.agent],
        skills: [Skill] = [],
        language: Language = .zhCN,
        isActive: Bool = true
    ) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.roles = roles
        self.skills = skills
        self.language = language
        self.isActive = isActive
    }

    /// The identity routing uses when this user works as an agent, or nil when the user
    /// does not hold the agent role.
    public var agentID: AgentID? {
        roles.contains(.agent) ? AgentID(id) : nil
    }
}
