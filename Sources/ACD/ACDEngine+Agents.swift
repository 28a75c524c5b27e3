import HotlineModel

/// Agent commands: login, state changes, phone events, skills. Each returns what changed,
/// or throws ``ACDError`` and changes nothing.
extension ACDEngine {
    /// Logs an agent in: available at once when `ready`, else not ready ("login").
    public mutating func login(_ profile: AgentProfile, ready: Bool, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        if let agent = agents[profile.id], agent.state != .loggedOut {
            throw ACDError(.impossibleTransition, "Agent \(profile.id) is already logged in (\(agent.state)); log out first or change state instead.")
        }
        try Self.check(profile)
        var agent = Agent(profile: profile)
        agent.loggedInAt = now
        agent.idleSince = now
        agents[profile.id] = agent
        var actions: [ACDAction] = []
        transition(profile.id, to: ready ? .available : .notReady(.login), at: now, cause: "login", into: &actions)
        return actions
    }

    /// Logs an agent out. Refused while their phone rings or they are on a call, unless
    /// `force` (a supervisor, a restart): then a ringing offer is withdrawn and its contact
    /// goes back to its place, and a call in progress carries on without the agent.
    public mutating func logout(_ id: AgentID, now: Timestamp, force: Bool = false, cause: String = "logout") throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        let state = try requireLoggedIn(id)
        var actions: [ACDAction] = []
        switch state {
        case .loggedOut:
            return []
        case .reserved(let contact):
            guard force else {
                throw ACDError(.impossibleTransition, "Agent \(id)'s phone is ringing with \(contact); answer it or let it ring out before logging out.")
            }
            withdrawOffer(contact, at: now, reason: .ringTimeout, into: &actions)
        case .onCall(let contact):
            guard force else {
                throw ACDError(.impossibleTransition, "Agent \(id) is on a call (\(contact)); end or transfer it before logging out.")
            }
        case .available, .wrapUp, .notReady:
            break
        }
        if case .wrapUp = agents[id]?.state { cancel(.wrapUp(id)) }
        agents[id]?.pending = nil
        transition(id, to: .loggedOut, at: now, cause: cause, into: &actions)
        return actions
    }

    /// The agent is ready for contacts: from not ready, or ending wrap-up early.
    public mutating func makeAvailable(_ id: AgentID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        let state = try requireLoggedIn(id)
        var actions: [ACDAction] = []
        switch state {
        case .available:
            return []
        case .notReady:
            transition(id, to: .available, at: now, cause: "agent", into: &actions)
        case .wrapUp:
            agents[id]?.pending = .available
            finishWrapUp(id, at: now, cause: "agent", into: &actions)
        case .reserved(let contact):
            throw ACDError(.impossibleTransition, "Agent \(id)'s phone is ringing with \(contact); answer it.")
        case .onCall(let contact):
            throw ACDError(.impossibleTransition, "Agent \(id) is on a call (\(contact)); the call ends in wrap-up, then available.")
        case .loggedOut:
            throw ACDError(.impossibleTransition, "Agent \(id) is logged out; log in first.")
        }
        return actions
    }

    /// Not ready with `reason`. During a call or wrap-up it is remembered and taken when
    /// wrap-up ends; while the phone rings it is refused.
    public mutating func makeNotReady(_ id: AgentID, reason: NotReadyReason, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        let state = try requireLoggedIn(id)
        var actions: [ACDAction] = []
        switch state {
        case .available, .notReady:
            if state == .notReady(reason) { return [] }
            transition(id, to: .notReady(reason), at: now, cause: "agent", into: &actions)
        case .onCall, .wrapUp:
            agents[id]?.pending = .notReady(reason)
        case .reserved(let contact):
            throw ACDError(.impossibleTransition, "Agent \(id)'s phone is ringing with \(contact); answer it, or let it ring out (the agent then becomes not ready).")
        case .loggedOut:
            throw ACDError(.impossibleTransition, "Agent \(id) is logged out; log in first.")
        }
        return actions
    }

    /// The agent ends after-call work (the desktop checks any disposition first).
    public mutating func endWrapUp(_ id: AgentID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        let state = try requireLoggedIn(id)
        guard case .wrapUp = state else {
            throw ACDError(.impossibleTransition, "Agent \(id) is not in wrap-up (\(state)); nothing to end.")
        }
        var actions: [ACDAction] = []
        finishWrapUp(id, at: now, cause: "agent", into: &actions)
        return actions
    }

    /// The agent's phone is gone (registration expired or removed): they cannot take
    /// contacts until it is back and they choose available again.
    public mutating func phoneUnavailable(_ id: AgentID, now: Timestamp) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let state = agents[id]?.state else { return [] }
        var actions: [ACDAction] = []
        switch state {
        case .available, .notReady:
            if state != .notReady(.phoneUnavailable) {
                transition(id, to: .notReady(.phoneUnavailable), at: now, cause: "phone unregistered", into: &actions)
            }
        case .reserved(let contact):
            failOffer(contact, .unreachable, at: now, cause: "phone unregistered", into: &actions)
        case .onCall, .wrapUp:
            agents[id]?.pending = .notReady(.phoneUnavailable)
        case .loggedOut:
            break
        }
        return actions
    }

    /// New skills for an agent (an administrator's change): routing uses them at once.
    public mutating func updateSkills(_ id: AgentID, skills: [String: Int], now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let agent = agents[id] else { throw ACDError(.unknownAgent, "Agent \(id) is not logged in; the new skills apply at the next login.") }
        try Self.check(AgentProfile(id: id, skills: skills))
        let wasFree = agent.state == .available
        if wasFree { markBusy(id) }
        agents[id]?.profile.skills = skills
        agents[id]?.eligible = nil
        staffedCache = [:]
        var actions: [ACDAction] = []
        if wasFree {
            markFree(id)
            routeAgent(id, now: now, into: &actions)
        }
        return actions
    }

    // MARK: - Internals

    static func check(_ profile: AgentProfile) throws(ACDError) {
        for (skill, level) in profile.skills.sorted(by: { $0.key < $1.key }) where !Skill.levels.contains(level) {
            throw ACDError(.impossibleTransition, "Agent \(profile.id) has skill \(skill) at level \(level); levels run 1 to 10.")
        }
    }

    func requireLoggedIn(_ id: AgentID) throws(ACDError) -> AgentState {
        guard let agent = agents[id] else {
            throw ACDError(.unknownAgent, "Agent \(id) is not logged in; log in first.")
        }
        return agent.state
    }

    /// Changes an agent's state, keeps the free-agent index, occupancy and staffing
    /// counts right, and routes the agent when they become available.
    mutating func transition(_ id: AgentID, to new: AgentState, at now: Timestamp, cause: String, into actions: inout [ACDAction]) {
        guard let old = agents[id]?.state, old != new else { return }
        if old == .available { markBusy(id) }
        if old.isBusy, !new.isBusy, let since = agents[id]?.busySince {
            agents[id]?.busyMs += now.millisecondsSinceEpoch - since.millisecondsSinceEpoch
            agents[id]?.busySince = nil
        }
        if !old.isBusy, new.isBusy { agents[id]?.busySince = now }
        if case .notReady = old { staffedCache = [:] }
        if case .notReady = new { staffedCache = [:] }
        if old == .loggedOut || new == .loggedOut { staffedCache = [:] }
        agents[id]?.state = new
        actions.append(.agentStateChanged(agent: id, from: old, to: new, at: now, cause: cause))
        switch new {
        case .available:
            agents[id]?.idleSince = now
            markFree(id)
            routeAgent(id, now: now, into: &actions)
        case .loggedOut:
            agents[id] = nil
        case .reserved, .onCall, .wrapUp, .notReady:
            break
        }
    }

    /// Wrap-up is over (time up or the agent): the state chosen meanwhile, or available.
    mutating func finishWrapUp(_ id: AgentID, at now: Timestamp, cause: String, into actions: inout [ACDAction]) {
        guard let agent = agents[id], case .wrapUp = agent.state else { return }
        cancel(.wrapUp(id))
        if let call = agent.call {
            recordHandleTime(call.queue, milliseconds: now.millisecondsSinceEpoch - call.answeredAt.millisecondsSinceEpoch)
            agents[id]?.call = nil
        }
        let next = agent.pending ?? .available
        agents[id]?.pending = nil
        transition(id, to: next, at: now, cause: cause, into: &actions)
    }

    /// Looks for the best contact for an agent who just became available and offers it.
    mutating func routeAgent(_ id: AgentID, now: Timestamp, into actions: inout [ACDAction]) {
        guard agents[id]?.state == .available, let contact = bestContact(for: id) else { return }
        offer(contact, to: id, at: now, into: &actions)
    }
}
