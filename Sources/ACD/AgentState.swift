import HotlineModel

/// Where an agent is, as routing sees it.
///
/// ```
///             login                      offer                 answer
///  logged-out ─────▶ not-ready ◀──▶ available ─────▶ reserved ─────▶ on-call
///      ▲               ▲   ▲            ▲   ▲          │ │              │ call ends
///      │ logout        │   │            │   └──────────┘ │ caller left  ▼
///      └───────────────┤   │ no answer, busy,            │          wrap-up ──▶ available
///         (any state   │   │ unreachable ("missed-call", │            │      (time up or agent
///          but ringing │   │ "phone-unavailable")        │            │       ends it)
///          or on a     │   └─────────────────────────────┘            │
///          call)       └──────────────────────── chosen during the call or wrap-up
/// ```
/// Every state has a way out: an unregistered phone makes an available agent not ready
/// and fails a ringing offer; a dropped call ends in wrap-up; a forced logout (supervisor,
/// restart) leaves from any state.
public enum AgentState: Hashable, Sendable, CustomStringConvertible {
    /// Exits: login.
    case loggedOut
    /// Exits: an offer (reserved), not ready, logout.
    case available
    /// The phone rings with this contact. Exits: answered (on call), failed (not ready),
    /// the caller left (available), forced logout.
    case reserved(InteractionID)
    /// Exits: the call ends (wrap-up), forced logout.
    case onCall(InteractionID)
    /// After-call work for this contact. Exits: time up or the agent ends it (available,
    /// or the state chosen during the call), not ready, logout.
    case wrapUp(InteractionID)
    /// Exits: available, another reason, logout.
    case notReady(NotReadyReason)

    public var name: AgentStateName {
        switch self {
        case .loggedOut: .loggedOut
        case .available: .available
        case .reserved: .reserved
        case .onCall: .onCall
        case .wrapUp: .wrapUp
        case .notReady: .notReady
        }
    }

    public var interaction: InteractionID? {
        switch self {
        case .reserved(let i), .onCall(let i), .wrapUp(let i): i
        case .loggedOut, .available, .notReady: nil
        }
    }

    public var reason: NotReadyReason? {
        if case .notReady(let r) = self { return r }
        return nil
    }

    /// Counts toward occupancy (least-occupied routing).
    var isBusy: Bool {
        switch self {
        case .reserved, .onCall, .wrapUp: true
        case .loggedOut, .available, .notReady: false
        }
    }

    public var description: String {
        switch self {
        case .loggedOut, .available: name.rawValue
        case .reserved(let i), .onCall(let i), .wrapUp(let i): "\(name.rawValue)(\(i))"
        case .notReady(let r): "not-ready(\(r.rawValue))"
        }
    }
}

/// An agent as routing knows them: who they are and what they can do.
public struct AgentProfile: Hashable, Sendable {
    public var id: AgentID
    /// Skill name → level 1...10.
    public var skills: [String: Int]

    public init(id: AgentID, skills: [String: Int]) {
        self.id = id
        self.skills = skills
    }
}

/// A command routing refused, and why; nothing changed.
public struct ACDError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public static let unknownAgent = Code(rawValue: "unknown-agent")
        public static let unknownQueue = Code(rawValue: "unknown-queue")
        public static let unknownContact = Code(rawValue: "unknown-contact")
        public static let duplicateContact = Code(rawValue: "duplicate-contact")
        public static let impossibleTransition = Code(rawValue: "impossible-transition")
        public static let queueFull = Code(rawValue: "queue-full")
        public static let agentNotAvailable = Code(rawValue: "agent-not-available")
        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
