import ACD
import HotlineModel

/// What the HTTP API (and later the agent desktop) asks of routing.
///
/// Each command runs on routing's event loop and either does all it says or throws a
/// ``RoutingCommandError`` and changes nothing.
public protocol RoutingCommands: Sendable {
    /// Every configured agent, in id order.
    func agents() async -> [AgentStatus]
    func agent(_ id: AgentID) async -> AgentStatus?
    /// Logs `id` in: available when `ready`, else not ready (`login`). Their phone must be registered to be offered calls.
    func login(_ id: AgentID, ready: Bool) async throws(RoutingCommandError) -> AgentStatus
    /// Logs `id` out. Refused while a call rings or is up unless `force` (a supervisor's
    /// forced logout, which also ends the agent's call).
    func logout(_ id: AgentID, force: Bool) async throws(RoutingCommandError) -> AgentStatus
    func makeAvailable(_ id: AgentID) async throws(RoutingCommandError) -> AgentStatus
    /// Not ready with `reason`; during a call or wrap-up, the state taken when they end.
    func makeNotReady(_ id: AgentID, reason: NotReadyReason) async throws(RoutingCommandError) -> AgentStatus
    /// Ends after-call work with the disposition and notes that go in the call record.
    /// Refused without a disposition when the queue requires one.
    func endWrapUp(_ id: AgentID, disposition: String?, notes: String?) async throws(RoutingCommandError) -> AgentStatus
    /// Blind transfer of the caller on `id`'s call to a queue, an agent or an external
    /// number; `note` goes in the call record for whoever takes the call.
    func transfer(_ id: AgentID, to target: CallTransfer.Target, note: String?) async throws(RoutingCommandError)
    /// Attended transfer, first step: the caller holds while `id` talks to an agent or a number.
    func consult(_ id: AgentID, with target: CallTransfer.Target, note: String?) async throws(RoutingCommandError)
    /// Hands the caller to the consulted party (once they answered); `id` goes to wrap-up.
    func completeTransfer(_ id: AgentID) async throws(RoutingCommandError)
    /// Ends the consultation; the caller is back with `id`.
    func cancelConsultation(_ id: AgentID) async throws(RoutingCommandError)
    /// Puts `id`'s caller on hold (music on hold) or takes them off it.
    func hold(_ id: AgentID, _ on: Bool) async throws(RoutingCommandError)
    /// Hangs up the call `id` is on (the caller's side too).
    func hangup(_ id: AgentID) async throws(RoutingCommandError)
    /// Every configured queue with who waits and today's figures, in id order.
    func queues() async -> [QueueStatus]
    /// Click-to-dial: `id`'s phone rings, then `number` is dialled through the trunk; the
    /// new interaction's id.
    func dial(_ id: AgentID, number: String, customer: CustomerID?) async throws(RoutingCommandError) -> InteractionID
    /// Names the customer of a call in progress (an agent identified an unknown caller);
    /// false when no call in progress has that id.
    func attachCustomer(_ contact: InteractionID, customer: CustomerID) async -> Bool
}

/// An agent as the API shows them.
public struct AgentStatus: Hashable, Codable, Sendable {
    public var id: AgentID
    public var name: String
    public var state: AgentStateName
    /// The not-ready reason.
    public var reason: String?
    /// The call ringing, up or being wrapped up.
    public var interaction: InteractionID?
    /// When the agent entered this state.
    public var since: Timestamp
    /// Whether their phone has a live registration (calls are only offered to registered phones).
    public var phoneRegistered: Bool
    /// Skill → level 1...10.
    public var skills: [String: Int]

    public init(id: AgentID, name: String, state: AgentStateName, reason: String?, interaction: InteractionID?,
                since: Timestamp, phoneRegistered: Bool, skills: [String: Int]) {
        self.id = id
        self.name = name
        self.state = state
        self.reason = reason
        self.interaction = interaction
        self.since = since
        self.phoneRegistered = phoneRegistered
        self.skills = skills
    }
}

/// A queue as the API shows it: who waits now and the figures since start-up.
public struct QueueStatus: Hashable, Codable, Sendable {
    public var id: String
    public var names: [String: String]
    public var waiting: Int
    /// The longest current wait, in seconds (0 when nobody waits).
    public var longestWaitSeconds: Int
    /// Agents holding the queue's skills who are available now.
    public var agentsAvailable: Int
    /// Agents holding the queue's skills who are logged in and not "not ready".
    public var agentsStaffed: Int
    public var entered: Int
    public var answered: Int
    public var abandoned: Int
    /// Answered within the service-level time, as a percentage of answered plus abandoned (nil before any).
    public var serviceLevelPercent: Double?
    public var averageSpeedOfAnswerSeconds: Double?

    public init(id: String, names: [String: String], waiting: Int, longestWaitSeconds: Int, agentsAvailable: Int,
                agentsStaffed: Int, entered: Int, answered: Int, abandoned: Int, serviceLevelPercent: Double?,
                averageSpeedOfAnswerSeconds: Double?) {
        self.id = id
        self.names = names
        self.waiting = waiting
        self.longestWaitSeconds = longestWaitSeconds
        self.agentsAvailable = agentsAvailable
        self.agentsStaffed = agentsStaffed
        self.entered = entered
        self.answered = answered
        self.abandoned = abandoned
        self.serviceLevelPercent = serviceLevelPercent
        self.averageSpeedOfAnswerSeconds = averageSpeedOfAnswerSeconds
    }
}

/// A routing command refused, and why. Nothing changed.
public struct RoutingCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Machine-readable: `unknown-agent`, `unknown-queue`, `impossible-transition`,
    /// `not-on-a-call`, `disposition-required`, `invalid-target`, `agent-not-available`,
    /// `already-consulting`, `not-consulting`, `not-answered`, `phone-not-registered`.
    public var code: String
    /// The request field at fault, if one is.
    public var field: String?
    /// What went wrong and what to do, in English.
    public var message: String
    /// The HTTP status that fits: 404 unknown ids, 409 wrong state, 422 bad values.
    public var status: Int

    public init(code: String, field: String? = nil, message: String, status: Int) {
        self.code = code
        self.field = field
        self.message = message
        self.status = status
    }

    public var description: String { "\(code): \(message)" }

    public static func unknownAgent(_ id: AgentID) -> RoutingCommandError {
        RoutingCommandError(code: "unknown-agent", field: "agent", message: "no agent '\(id)' is configured; check agents: in the configuration",
                            status: 404)
    }
}
