import HotlineModel

/// Contact commands: queueing, offers and their outcome, calls ending; and the timers of
/// waiting contacts (escalation, maximum wait, announcements, ring time).
extension ACDEngine {
    /// Queues a contact and offers it at once when an agent may take it.
    public mutating func enqueue(_ request: ContactRequest, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard contactSlots[request.id] == nil, calls[request.id] == nil else {
            throw ACDError(.duplicateContact, "Contact \(request.id) is already queued or on a call; finish it first.")
        }
        guard let queue = queueOrdinals[request.queue], queues.index(forKey: request.queue) != nil else {
            throw ACDError(.unknownQueue, "Queue \(request.queue) does not exist; use one of: \(queues.keys.sorted().joined(separator: ", ")).")
        }
        let configuration = queueTable[queue].settings
        if let limit = configuration.maximumLength, queueTable[queue].waiting >= limit {
            throw ACDError(.queueFull, "Queue \(configuration.id) is full (\(limit) waiting); offer voicemail or a callback, or try later.")
        }
        let slot = addContact(request, queue: queue, now: now)
        queueTable[queue].statistics.entered += 1
        park(slot)
        var actions: [ACDAction] = [.queued(contact: request.id, queue: configuration.id, position: position(slot) ?? 1)]
        scheduleWaitTimers(slot, now: now)
        routeContact(slot, now: now, into: &actions)
        return actions
    }

    /// The caller hung up while waiting or while an agent's phone rang.
    public mutating func abandon(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let slot = contactSlots[id] else {
            throw ACDError(.unknownContact, "Contact \(id) is not waiting; an answered call ends with callEnded.")
        }
        queueTable[contacts[slot]!.queue].statistics.abandoned += 1
        var actions: [ACDAction] = []
        remove(slot, at: now, cause: "caller left", into: &actions)
        return actions
    }

    /// Takes a contact out of its queue for another reason than abandoning (the caller
    /// chose voicemail, the host ended the call).
    public mutating func withdraw(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let slot = contactSlots[id] else { throw ACDError(.unknownContact, "Contact \(id) is not waiting.") }
        var actions: [ACDAction] = []
        remove(slot, at: now, cause: "withdrawn", into: &actions)
        return actions
    }

    /// The caller chose to be called back on `number`: they hang up and keep their place.
    public mutating func convertToCallback(_ id: InteractionID, number: String, now: Timestamp) throws(ACDError) {
        lastNow = max(lastNow, now)
        guard let slot = contactSlots[id], contacts[slot]!.offeredTo == nil else {
            throw ACDError(.unknownContact, "Contact \(id) is not waiting (or an agent's phone is ringing with it).")
        }
        contacts[slot]!.request.kind = .callback(number: number)
        cancel(.announce(slot))
        cancel(.maximumWait(slot))
    }

    /// The agent answered: they are on the call; the contact leaves the queue.
    public mutating func offerAnswered(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let slot = contactSlots[id], let agent = contacts[slot]!.offeredTo else {
            throw ACDError(.unknownContact, "Contact \(id) is not being offered to an agent.")
        }
        let contact = contacts[slot]!
        cancel(.ring(slot))
        cancelWaitTimers(slot)
        dropContact(slot)
        calls[id] = (agents[agent]!.profile.id, contact.queue, now)
        let wait = now.millisecondsSinceEpoch - contact.rank.since
        let configuration = queueTable[contact.queue].settings
        queueTable[contact.queue].statistics.answered(afterWaiting: wait, target: Int64(configuration.serviceLevelSeconds) * 1000)
        var actions: [ACDAction] = []
        agents[agent]!.call = (contact.queue, now)
        transition(agent, to: .onCall(id), at: now, cause: "answered", into: &actions)
        return actions
    }

    /// The offer failed (no answer, busy, unreachable): the agent becomes not ready and the
    /// contact goes back to its place and on to the next agent.
    public mutating func offerFailed(_ id: InteractionID, _ failure: OfferFailure, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let slot = contactSlots[id], contacts[slot]!.offeredTo != nil else {
            throw ACDError(.unknownContact, "Contact \(id) is not being offered to an agent.")
        }
        var actions: [ACDAction] = []
        failOffer(slot, failure, at: now, cause: failure.rawValue, into: &actions)
        return actions
    }

    /// An answered call ended: its agent goes to wrap-up (or straight on when the queue has none).
    public mutating func callEnded(_ id: InteractionID, now: Timestamp, cause: String = "call ended") throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let call = calls.removeValue(forKey: id) else {
            throw ACDError(.unknownContact, "Contact \(id) is not an answered call.")
        }
        var actions: [ACDAction] = []
        guard let agent = agentSlots[call.agent], agents[agent]?.state == .onCall(id) else { return actions }   // forced out meanwhile
        let wrapUp = queueTable[call.queue].settings.wrapUpSeconds
        transition(agent, to: .wrapUp(id), at: now, cause: cause, into: &actions)
        if let seconds = wrapUp {
            if seconds == 0 {
                finishWrapUp(agent, at: now, cause: "no wrap-up", into: &actions)
            } else {
                schedule(.wrapUp(agent), at: now.adding(milliseconds: Int64(seconds) * 1000))
            }
        }
        return actions
    }

    /// The agent's phone vanished mid-call (no media, no answer to signalling): the agent
    /// becomes not ready (phone unavailable) without wrap-up, and with `requeue` the caller
    /// goes back to the queue at the place they had (its `waitingSince`), routed at once.
    /// A re-queued caller is not refused for the queue's length and not counted again as
    /// entering it.
    public mutating func agentLost(_ id: InteractionID, requeue request: ContactRequest?, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let call = calls[id] else {
            throw ACDError(.unknownContact, "Contact \(id) is not an answered call.")
        }
        if let request, request.id != id || queueOrdinals[request.queue] == nil || queues.index(forKey: request.queue) == nil {
            throw ACDError(.unknownQueue, "Contact \(id) cannot go back to queue \(request.queue): it does not exist.")
        }
        calls[id] = nil
        var actions: [ACDAction] = []
        if let agent = agentSlots[call.agent], agents[agent]?.state == .onCall(id) {
            agents[agent]!.call = nil
            agents[agent]!.pending = nil
            transition(agent, to: .notReady(.phoneUnavailable), at: now, cause: "phone lost mid-call", into: &actions)
        }
        guard let request, let queue = queueOrdinals[request.queue] else { return actions }
        let slot = addContact(request, queue: queue, now: now)
        park(slot)
        actions.append(.queued(contact: id, queue: request.queue, position: position(slot) ?? 1))
        scheduleWaitTimers(slot, now: now)
        routeContact(slot, now: now, into: &actions)
        return actions
    }

    /// Offers a contact to one agent directly (a transfer to that agent): the agent must
    /// be available and the contact not already waiting or on a call. `queue` gives the
    /// ring time and wrap-up.
    public mutating func offerDirect(_ request: ContactRequest, to agentID: AgentID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard contactSlots[request.id] == nil, calls[request.id] == nil else {
            throw ACDError(.duplicateContact, "Contact \(request.id) is already queued or on a call.")
        }
        guard let queue = queueOrdinals[request.queue], queues.index(forKey: request.queue) != nil else {
            throw ACDError(.unknownQueue, "Queue \(request.queue) does not exist.")
        }
        guard let agent = agentSlots[agentID], let record = agents[agent] else { throw ACDError(.unknownAgent, "Agent \(agentID) is not logged in.") }
        guard record.state == .available else {
            throw ACDError(.agentNotAvailable, "Agent \(agentID) is \(record.state.name.rawValue); transfer to a queue or to an available agent.")
        }
        let slot = addContact(request, queue: queue, now: now)
        queueTable[queue].statistics.entered += 1
        var actions: [ACDAction] = []
        offer(slot, to: agent, at: now, into: &actions)
        return actions
    }

    // MARK: - Internals

    private mutating func addContact(_ request: ContactRequest, queue: Int, now: Timestamp) -> Slot {
        let contact = Contact(request: request, queue: queue,
                              rank: Rank(priority: request.priority, since: (request.waitingSince ?? now).millisecondsSinceEpoch,
                                         sequence: nextSequence()),
                              enteredQueueAt: now)
        let slot = Self.occupy(contact, in: &contacts, free: &freeContactSlots)
        contactSlots[request.id] = slot
        return slot
    }

    private mutating func dropContact(_ slot: Slot) {
        guard let contact = contacts[slot] else { return }
        unpark(slot)
        contactSlots[contact.request.id] = nil
        contacts[slot] = nil
        freeContactSlots.append(slot)
    }

    /// Reserves `agent` for the contact and asks the host to ring them.
    mutating func offer(_ slot: Slot, to agent: Slot, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[slot] else { return }
        unpark(slot)
        contacts[slot]!.offeredTo = agent
        let configuration = queueTable[contact.queue].settings
        let agentID = agents[agent]!.profile.id
        queueTable[contact.queue].roundRobinLast = agentID
        let deadline = now.adding(milliseconds: Int64(configuration.ringSeconds) * 1000)
        schedule(.ring(slot), at: deadline)
        transition(agent, to: .reserved(contact.request.id), at: now, cause: "offer", into: &actions)
        actions.append(.offer(contact: contact.request.id, agent: agentID, queue: configuration.id, kind: contact.request.kind,
                              ringDeadline: deadline))
    }

    /// The best available agent for a waiting contact, offered at once.
    mutating func routeContact(_ slot: Slot, now: Timestamp, into actions: inout [ACDAction]) {
        guard contacts[slot]?.waiting == true, let agent = bestAgent(for: slot, now: now) else { return }
        offer(slot, to: agent, at: now, into: &actions)
    }

    /// Puts an offered contact back at its place (rank unchanged) and routes it again.
    private mutating func requeue(_ slot: Slot, at now: Timestamp, into actions: inout [ACDAction]) {
        guard contacts[slot] != nil else { return }
        cancel(.ring(slot))
        contacts[slot]!.offeredTo = nil
        park(slot)
        // Steps that came due while the phone rang run now.
        catchUpWaitTimers(slot, now: now, into: &actions)
        routeContact(slot, now: now, into: &actions)
    }

    mutating func failOffer(_ slot: Slot, _ failure: OfferFailure, at now: Timestamp, cause: String, into actions: inout [ACDAction]) {
        guard let contact = contacts[slot], let agent = contact.offeredTo else { return }
        queueTable[contact.queue].statistics.offersFailed += 1
        if contact.request.onlyTo != nil {
            // The agent's own call: nobody else takes it, and they did not miss a customer.
            cancelWaitTimers(slot)
            cancel(.ring(slot))
            dropContact(slot)
            transition(agent, to: .available, at: now, cause: cause, into: &actions)
            return
        }
        let reason: NotReadyReason = failure == .unreachable ? .phoneUnavailable : .missedCall
        transition(agent, to: .notReady(reason), at: now, cause: cause, into: &actions)
        requeue(slot, at: now, into: &actions)
    }

    /// Stops ringing and puts the contact back (the agent was forced out).
    mutating func withdrawOffer(_ slot: Slot, at now: Timestamp, reason: OfferCancellation, into actions: inout [ACDAction]) {
        guard let agent = contacts[slot]?.offeredTo else { return }
        actions.append(.cancelOffer(contact: contacts[slot]!.request.id, agent: agents[agent]!.profile.id, reason: reason))
        cancel(.ring(slot))
        contacts[slot]!.offeredTo = nil
        park(slot)
        routeContact(slot, now: now, into: &actions)
    }

    private mutating func remove(_ slot: Slot, at now: Timestamp, cause: String, into actions: inout [ACDAction]) {
        guard let contact = contacts[slot] else { return }
        cancelWaitTimers(slot)
        cancel(.ring(slot))
        dropContact(slot)
        if let agent = contact.offeredTo {
            actions.append(.cancelOffer(contact: contact.request.id, agent: agents[agent]!.profile.id, reason: .callerLeft))
            transition(agent, to: .available, at: now, cause: cause, into: &actions)
        }
    }

    mutating func ringTimedOut(_ slot: Slot, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[slot], let agent = contact.offeredTo else { return }
        actions.append(.cancelOffer(contact: contact.request.id, agent: agents[agent]!.profile.id, reason: .ringTimeout))
        failOffer(slot, .noAnswer, at: now, cause: "ring no answer", into: &actions)
    }

    // MARK: Wait timers

    private mutating func scheduleWaitTimers(_ slot: Slot, now: Timestamp) {
        guard let contact = contacts[slot] else { return }
        let info = queueTable[contact.queue]
        if contact.nextStep < info.steps.count {
            schedule(.escalation(slot), at: contact.enteredQueueAt.adding(milliseconds: info.steps[contact.nextStep].afterMs))
        }
        if let maximum = info.settings.maximumWaitSeconds, !contact.maximumWaitSent, !contact.request.isCallback {
            schedule(.maximumWait(slot), at: contact.enteredQueueAt.adding(milliseconds: Int64(maximum) * 1000))
        }
        if let every = info.settings.announceEverySeconds, !contact.request.isCallback {
            schedule(.announce(slot), at: now.adding(milliseconds: Int64(every) * 1000))
        }
    }

    private mutating func cancelWaitTimers(_ slot: Slot) {
        cancel(.escalation(slot))
        cancel(.maximumWait(slot))
        cancel(.announce(slot))
    }

    /// After a ring: timers that fell due meanwhile were skipped; run them now.
    private mutating func catchUpWaitTimers(_ slot: Slot, now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[slot] else { return }
        let info = queueTable[contact.queue]
        if contact.nextStep < info.steps.count,
           contact.enteredQueueAt.adding(milliseconds: info.steps[contact.nextStep].afterMs) <= now,
           !isScheduled(.escalation(slot)) {
            escalate(slot, at: now, into: &actions)
        }
        if let contact = contacts[slot], let maximum = queueTable[contact.queue].settings.maximumWaitSeconds,
           !contact.maximumWaitSent, contact.enteredQueueAt.adding(milliseconds: Int64(maximum) * 1000) <= now,
           !isScheduled(.maximumWait(slot)) {
            reachMaximumWait(slot, at: now, into: &actions)
        }
    }

    mutating func escalate(_ slot: Slot, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[slot], contact.waiting else { return }   // an offered contact catches up when back
        let steps = queueTable[contact.queue].steps
        guard contact.nextStep < steps.count else { return }
        let step = steps[contact.nextStep]
        unpark(slot)
        contacts[slot]!.nextStep += 1
        switch step.action {
        case .relaxMinimumLevel, .addSkill:
            contacts[slot]!.stage = step.stage
            park(slot)
            actions.append(.escalated(contact: contact.request.id, queue: queueID(contact.queue), step: step.index))
            if contact.nextStep + 1 < steps.count {
                schedule(.escalation(slot), at: contact.enteredQueueAt.adding(milliseconds: steps[contact.nextStep + 1].afterMs))
            }
        case .overflow(let target):
            guard let to = queueOrdinals[target] else { park(slot); return }
            cancelWaitTimers(slot)
            contacts[slot]!.queue = to
            contacts[slot]!.stage = 0
            contacts[slot]!.nextStep = 0
            contacts[slot]!.maximumWaitSent = false
            contacts[slot]!.enteredQueueAt = now
            park(slot)
            queueTable[to].statistics.entered += 1
            actions.append(.overflowed(contact: contact.request.id, from: queueID(contact.queue), to: target))
            scheduleWaitTimers(slot, now: now)
        }
        routeContact(slot, now: now, into: &actions)
    }

    mutating func reachMaximumWait(_ slot: Slot, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[slot], contact.waiting, !contact.maximumWaitSent else { return }
        contacts[slot]!.maximumWaitSent = true
        let configuration = queueTable[contact.queue].settings
        actions.append(.maximumWaitReached(contact: contact.request.id, queue: configuration.id, offer: configuration.maximumWaitOffer))
    }

    mutating func announce(_ slot: Slot, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[slot], let every = queueTable[contact.queue].settings.announceEverySeconds else { return }
        schedule(.announce(slot), at: now.adding(milliseconds: Int64(every) * 1000))
        guard contact.waiting, let position = position(slot), let wait = estimatedWaitSeconds(slot) else { return }
        actions.append(.announce(contact: contact.request.id, position: position, estimatedWaitSeconds: wait))
    }
}

extension ContactRequest {
    var isCallback: Bool {
        if case .callback = kind { return true }
        return false
    }
}
