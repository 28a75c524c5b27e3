import HotlineModel

/// Agent commands: login, state changes, phone events, skills. Each returns what changed,
/// or throws ``ACDError`` and changes nothing.
extension ACDEngine {
    /// Logs an agent in: available at once when `ready`, else not ready ("login").
    public mutating func login(_ profile: AgentProfile, ready: Bool, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        if let slot = agentSlots[profile.id], let agent = agents[slot] {
            throw ACDError(.impossibleTransition, "Agent \(profile.id) is already logged in (\(agent.state)); log out first or change state instead.")
        }
        try Self.check(profile)
        var agent = makeAgent(profile)
        agent.loggedInAt = now
        agent.idleSince = now
        let slot = Self.occupy(agent, in: &agents, free: &freeAgentSlots)
        agentSlots[profile.id] = slot
        var actions: [ACDAction] = []
        transition(slot, to: ready ? .available : .notReady(.login), at: now, cause: "login", into: &actions)
        return actions
    }

    /// Logs an agent out. Refused while their phone rings or they are on a call, unless
    /// `force` (a supervisor, a restart): then a ringing offer is withdrawn and its contact
    /// goes back to its place, and a call in progress carries on without the agent.
    public mutating func logout(_ id: AgentID, now: Timestamp, force: Bool = false, cause: String = "logout") throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        let slot = try requireLoggedIn(id)
        var actions: [ACDAction] = []
        switch agents[slot]!.state {
        case .loggedOut:
            return []
        case .reserved(let contact):
            guard force else {
                throw ACDError(.impossibleTransition, "Agent \(id)'s phone is ringing with \(contact); answer it or let it ring out before logging out.")
            }
            if let c = contactSlots[contact] { withdrawOffer(c, at: now, reason: .ringTimeout, into: &actions) }
        case .onCall(let contact):
            guard force else {
                throw ACDError(.impossibleTransition, "Agent \(id) is on a call (\(contact)); end or transfer it before logging out.")
            }
        case .available, .wrapUp, .notReady:
            break
        }
        cancel(.wrapUp(slot))
        agents[slot]!.pending = nil
        transition(slot, to: .loggedOut, at: now, cause: cause, into: &actions)
        return actions
    }

    /// The agent is ready for contacts: from not ready, or ending wrap-up early.
    public mutating func makeAvailable(_ id: AgentID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        let slot = try requireLoggedIn(id)
        var actions: [ACDAction] = []
        switch agents[slot]!.state {
        case .available:
            return []
        case .notReady:
            transition(slot, to: .available, at: now, cause: "agent", into: &actions)
        case .wrapUp:
            agents[slot]!.pending = .available
            finishWrapUp(slot, at: now, cause: "agent", into: &actions)
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
        let slot = try requireLoggedIn(id)
        let state = agents[slot]!.state
        var actions: [ACDAction] = []
        switch state {
        case .available, .notReady:
            if state == .notReady(reason) { return [] }
            transition(slot, to: .notReady(reason), at: now, cause: "agent", into: &actions)
        case .onCall, .wrapUp:
            agents[slot]!.pending = .notReady(reason)
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
        let slot = try requireLoggedIn(id)
        guard case .wrapUp = agents[slot]!.state else {
            throw ACDError(.impossibleTransition, "Agent \(id) is not in wrap-up (\(agents[slot]!.state)); nothing to end.")
        }
        var actions: [ACDAction] = []
        finishWrapUp(slot, at: now, cause: "agent", into: &actions)
        return actions
    }

    /// The agent's phone is gone (registration expired or removed): they cannot take
    /// contacts until it is back and they choose available again.
    public mutating func phoneUnavailable(_ id: AgentID, now: Timestamp) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let slot = agentSlots[id], let state = agents[slot]?.state else { return [] }
        var actions: [ACDAction] = []
        switch state {
        case .available, .notReady:
            if state != .notReady(.phoneUnavailable) {
                transition(slot, to: .notReady(.phoneUnavailable), at: now, cause: "phone unregistered", into: &actions)
            }
        case .reserved(let contact):
            if let c = contactSlots[contact] { failOffer(c, .unreachable, at: now, cause: "phone unregistered", into: &actions) }
        case .onCall, .wrapUp:
            agents[slot]!.pending = .notReady(.phoneUnavailable)
        case .loggedOut:
            break
        }
        return actions
    }

    /// New skills for an agent (an administrator's change): routing uses them at once.
    public mutating func updateSkills(_ id: AgentID, skills: [String: Int], now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let slot = agentSlots[id], agents[slot] != nil else {
            throw ACDError(.unknownAgent, "Agent \(id) is not logged in; the new skills apply at the next login.")
        }
        try Self.check(AgentProfile(id: id, skills: skills))
        let wasFree = agents[slot]!.state == .available
        if wasFree { markBusy(slot) }
        let fresh = makeAgent(AgentProfile(id: id, skills: skills))
        agents[slot]!.profile.skills = skills
        agents[slot]!.levels = fresh.levels
        agents[slot]!.skillList = fresh.skillList
        agents[slot]!.eligible = nil
        staffingChanged()
        var actions: [ACDAction] = []
        if wasFree {
            markFree(slot)
            routeAgent(slot, now: now, into: &actions)
        }
        return actions
    }

    // MARK: - Internals

    static func check(_ profile: AgentProfile) throws(ACDError) {
        for (skill, level) in profile.skills.sorted(by: { $0.key < $1.key }) where !Skill.levels.contains(level) {
            throw ACDError(.impossibleTransition, "Agent \(profile.id) has skill \(skill) at level \(level); levels run 1 to 10.")
        }
    }

    mutating func makeAgent(_ profile: AgentProfile) -> Agent {
        var levels: [Int] = []
        var list: [Int] = []
        for (skill, level) in profile.skills.sorted(by: { $0.key < $1.key }) {
            let n = skillOrdinal(skill)
            if levels.count <= n { levels += [Int](repeating: 0, count: n + 1 - levels.count) }
            levels[n] = level
            list.append(n)
        }
        return Agent(profile: profile, levels: levels, skillList: list)
    }

    func requireLoggedIn(_ id: AgentID) throws(ACDError) -> Slot {
        guard let slot = agentSlots[id], agents[slot] != nil else {
            throw ACDError(.unknownAgent, "Agent \(id) is not logged in; log in first.")
        }
        return slot
    }

    /// Changes an agent's state, keeps the free-agent index, occupancy and staffing
    /// counts right, and routes the agent when they become available.
    mutating func transition(_ slot: Slot, to new: AgentState, at now: Timestamp, cause: String, into actions: inout [ACDAction]) {
        guard let old = agents[slot]?.state, old != new else { return }
        let id = agents[slot]!.profile.id
        if old == .available { markBusy(slot) }
        if old.isBusy, !new.isBusy, let since = agents[slot]!.busySince {
            agents[slot]!.busyMs += now.millisecondsSinceEpoch - since.millisecondsSinceEpoch
            agents[slot]!.busySince = nil
        }
        if !old.isBusy, new.isBusy { agents[slot]!.busySince = now }
        if old.countsAsStaffed != new.countsAsStaffed { staffingChanged() }
        agents[slot]!.state = new
        actions.append(.agentStateChanged(agent: id, from: old, to: new, at: now, cause: cause))
        switch new {
        case .available:
            agents[slot]!.idleSince = now
            markFree(slot)
            routeAgent(slot, now: now, into: &actions)
        case .loggedOut:
            agents[slot] = nil
            agentSlots[id] = nil
            freeAgentSlots.append(slot)
        case .reserved, .onCall, .wrapUp, .notReady:
            break
        }
    }

    /// Wrap-up is over (time up or the agent): the state chosen meanwhile, or available.
    mutating func finishWrapUp(_ slot: Slot, at now: Timestamp, cause: String, into actions: inout [ACDAction]) {
        guard case .wrapUp = agents[slot]?.state else { return }
        cancel(.wrapUp(slot))
        if let call = agents[slot]!.call {
            queueTable[call.queue].handleTimes.add(Double(now.millisecondsSinceEpoch - call.answeredAt.millisecondsSinceEpoch) / 1000)
            agents[slot]!.call = nil
        }
        let next = agents[slot]!.pending ?? .available
        agents[slot]!.pending = nil
        transition(slot, to: next, at: now, cause: cause, into: &actions)
    }

    /// Looks for the best contact for an agent who just became available and offers it.
    mutating func routeAgent(_ slot: Slot, now: Timestamp, into actions: inout [ACDAction]) {
        guard agents[slot]?.state == .available, let contact = bestContact(for: slot) else { return }
        offer(contact, to: slot, at: now, into: &actions)
    }
}

extension AgentState {
    /// Counts as staffed for the wait estimate: logged in and not "not ready".
    var countsAsStaffed: Bool {
        switch self {
        case .available, .reserved, .onCall, .wrapUp: true
        case .loggedOut, .notReady: false
        }
    }
}
