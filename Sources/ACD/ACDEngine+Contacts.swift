import HotlineModel

/// Contact commands: queueing, offers and their outcome, calls ending; and the timers of
/// waiting contacts (escalation, maximum wait, announcements, ring time).
extension ACDEngine {
    /// Queues a contact and offers it at once when an agent may take it.
    public mutating func enqueue(_ request: ContactRequest, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard contacts[request.id] == nil, calls[request.id] == nil else {
            throw ACDError(.duplicateContact, "Contact \(request.id) is already queued or on a call; finish it first.")
        }
        guard let queue = queues[request.queue] else {
            throw ACDError(.unknownQueue, "Queue \(request.queue) does not exist; use one of: \(queues.keys.sorted().joined(separator: ", ")).")
        }
        if let limit = queue.maximumLength, waitingCount(in: queue.id) >= limit {
            throw ACDError(.queueFull, "Queue \(queue.id) is full (\(limit) waiting); offer voicemail or a callback, or try later.")
        }
        let since = request.waitingSince ?? now
        contacts[request.id] = Contact(request: request, queue: queue.id,
                                       rank: Rank(priority: request.priority, since: since.millisecondsSinceEpoch, sequence: nextSequence()),
                                       enteredQueueAt: now)
        statistics[queue.id, default: QueueStatistics()].entered += 1
        park(request.id)
        var actions: [ACDAction] = [.queued(contact: request.id, queue: queue.id, position: position(of: request.id) ?? 1)]
        scheduleWaitTimers(request.id, now: now)
        routeContact(request.id, now: now, into: &actions)
        return actions
    }

    /// The caller hung up while waiting or while an agent's phone rang.
    public mutating func abandon(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let contact = contacts[id] else {
            throw ACDError(.unknownContact, "Contact \(id) is not waiting; an answered call ends with callEnded.")
        }
        statistics[contact.queue, default: QueueStatistics()].abandoned += 1
        var actions: [ACDAction] = []
        remove(id, at: now, cause: "caller left", into: &actions)
        return actions
    }

    /// Takes a contact out of its queue for another reason than abandoning (the caller
    /// chose voicemail, the host ended the call).
    public mutating func withdraw(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard contacts[id] != nil else { throw ACDError(.unknownContact, "Contact \(id) is not waiting.") }
        var actions: [ACDAction] = []
        remove(id, at: now, cause: "withdrawn", into: &actions)
        return actions
    }

    /// The caller chose to be called back on `number`: they hang up and keep their place.
    public mutating func convertToCallback(_ id: InteractionID, number: String, now: Timestamp) throws(ACDError) {
        lastNow = max(lastNow, now)
        guard var contact = contacts[id], contact.offeredTo == nil else {
            throw ACDError(.unknownContact, "Contact \(id) is not waiting (or an agent's phone is ringing with it).")
        }
        contact.request.kind = .callback(number: number)
        contacts[id] = contact
        cancel(.announce(id))
        cancel(.maximumWait(id))
    }

    /// The agent answered: they are on the call; the contact leaves the queue.
    public mutating func offerAnswered(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let contact = contacts[id], let agent = contact.offeredTo else {
            throw ACDError(.unknownContact, "Contact \(id) is not being offered to an agent.")
        }
        cancel(.ring(id))
        cancelWaitTimers(id)
        contacts[id] = nil
        calls[id] = (agent, contact.queue, now)
        let wait = now.millisecondsSinceEpoch - contact.rank.since
        if let queue = queues[contact.queue] {
            var s = statistics[queue.id] ?? QueueStatistics()
            s.answered += 1
            s.totalAnsweredWaitMs += wait
            s.longestAnsweredWaitMs = max(s.longestAnsweredWaitMs, wait)
            if wait <= Int64(queue.serviceLevelSeconds) * 1000 { s.answeredInTarget += 1 }
            if wait == 0 { s.answeredAtOnce += 1 }
            statistics[queue.id] = s
        }
        var actions: [ACDAction] = []
        agents[agent]?.call = (contact.queue, now)
        transition(agent, to: .onCall(id), at: now, cause: "answered", into: &actions)
        return actions
    }

    /// The offer failed (no answer, busy, unreachable): the agent becomes not ready and the
    /// contact goes back to its place and on to the next agent.
    public mutating func offerFailed(_ id: InteractionID, _ failure: OfferFailure, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard contacts[id]?.offeredTo != nil else {
            throw ACDError(.unknownContact, "Contact \(id) is not being offered to an agent.")
        }
        var actions: [ACDAction] = []
        failOffer(id, failure, at: now, cause: failure.rawValue, into: &actions)
        return actions
    }

    /// An answered call ended: its agent goes to wrap-up (or straight on when the queue has none).
    public mutating func callEnded(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let call = calls.removeValue(forKey: id) else {
            throw ACDError(.unknownContact, "Contact \(id) is not an answered call.")
        }
        var actions: [ACDAction] = []
        guard agents[call.agent]?.state == .onCall(id) else { return actions }   // forced out meanwhile
        let wrapUp = queues[call.queue]?.wrapUpSeconds
        transition(call.agent, to: .wrapUp(id), at: now, cause: "call ended", into: &actions)
        if let seconds = wrapUp {
            if seconds == 0 {
                finishWrapUp(call.agent, at: now, cause: "no wrap-up", into: &actions)
            } else {
                schedule(.wrapUp(call.agent), at: now.adding(milliseconds: Int64(seconds) * 1000))
            }
        }
        return actions
    }

    /// Offers a contact to one agent directly (a transfer to that agent): the agent must
    /// be available and the contact not already waiting or on a call. `queue` gives the
    /// ring time and wrap-up.
    public mutating func offerDirect(_ request: ContactRequest, to agent: AgentID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard contacts[request.id] == nil, calls[request.id] == nil else {
            throw ACDError(.duplicateContact, "Contact \(request.id) is already queued or on a call.")
        }
        guard queues[request.queue] != nil else { throw ACDError(.unknownQueue, "Queue \(request.queue) does not exist.") }
        guard let record = agents[agent] else { throw ACDError(.unknownAgent, "Agent \(agent) is not logged in.") }
        guard record.state == .available else {
            throw ACDError(.agentNotAvailable, "Agent \(agent) is \(record.state.name.rawValue); transfer to a queue or to an available agent.")
        }
        contacts[request.id] = Contact(request: request, queue: request.queue,
                                       rank: Rank(priority: request.priority, since: (request.waitingSince ?? now).millisecondsSinceEpoch,
                                                  sequence: nextSequence()),
                                       enteredQueueAt: now)
        statistics[request.queue, default: QueueStatistics()].entered += 1
        var actions: [ACDAction] = []
        offer(request.id, to: agent, at: now, into: &actions)
        return actions
    }

    // MARK: - Internals

    /// Reserves `agent` for `contact` and asks the host to ring them.
    mutating func offer(_ id: InteractionID, to agent: AgentID, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[id], let queue = queues[contact.queue] else { return }
        unpark(id)
        contacts[id]?.offeredTo = agent
        roundRobinLast[queue.id] = agent
        let deadline = now.adding(milliseconds: Int64(queue.ringSeconds) * 1000)
        schedule(.ring(id), at: deadline)
        transition(agent, to: .reserved(id), at: now, cause: "offer", into: &actions)
        actions.append(.offer(contact: id, agent: agent, queue: queue.id, kind: contact.request.kind, ringDeadline: deadline))
    }

    /// The best available agent for a waiting contact, offered at once.
    mutating func routeContact(_ id: InteractionID, now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[id], contact.offeredTo == nil, let agent = bestAgent(for: id, now: now) else { return }
        offer(id, to: agent, at: now, into: &actions)
    }

    /// Puts an offered contact back at its place (rank unchanged) and routes it again.
    private mutating func requeue(_ id: InteractionID, at now: Timestamp, into actions: inout [ACDAction]) {
        guard contacts[id] != nil else { return }
        cancel(.ring(id))
        contacts[id]?.offeredTo = nil
        park(id)
        // Steps that came due while the phone rang run now.
        catchUpWaitTimers(id, now: now, into: &actions)
        routeContact(id, now: now, into: &actions)
    }

    mutating func failOffer(_ id: InteractionID, _ failure: OfferFailure, at now: Timestamp, cause: String, into actions: inout [ACDAction]) {
        guard let contact = contacts[id], let agent = contact.offeredTo else { return }
        statistics[contact.queue, default: QueueStatistics()].offersFailed += 1
        let reason: NotReadyReason = failure == .unreachable ? .phoneUnavailable : .missedCall
        transition(agent, to: .notReady(reason), at: now, cause: cause, into: &actions)
        requeue(id, at: now, into: &actions)
    }

    /// Stops ringing and frees the agent (the caller left, or the agent was forced out).
    mutating func withdrawOffer(_ id: InteractionID, at now: Timestamp, reason: OfferCancellation, into actions: inout [ACDAction]) {
        guard let agent = contacts[id]?.offeredTo else { return }
        actions.append(.cancelOffer(contact: id, agent: agent, reason: reason))
        cancel(.ring(id))
        contacts[id]?.offeredTo = nil
        if reason == .callerLeft {
            transition(agent, to: .available, at: now, cause: "caller left", into: &actions)
        } else {
            park(id)
            routeContact(id, now: now, into: &actions)
        }
    }

    private mutating func remove(_ id: InteractionID, at now: Timestamp, cause: String, into actions: inout [ACDAction]) {
        guard let contact = contacts[id] else { return }
        cancelWaitTimers(id)
        if let agent = contact.offeredTo {
            cancel(.ring(id))
            actions.append(.cancelOffer(contact: id, agent: agent, reason: .callerLeft))
            contacts[id] = nil
            transition(agent, to: .available, at: now, cause: cause, into: &actions)
        } else {
            unpark(id)
            contacts[id] = nil
        }
    }

    mutating func ringTimedOut(_ id: InteractionID, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let agent = contacts[id]?.offeredTo else { return }
        actions.append(.cancelOffer(contact: id, agent: agent, reason: .ringTimeout))
        failOffer(id, .noAnswer, at: now, cause: "ring no answer", into: &actions)
    }

    // MARK: Wait timers

    private mutating func scheduleWaitTimers(_ id: InteractionID, now: Timestamp) {
        guard let contact = contacts[id], let queue = queues[contact.queue] else { return }
        let entered = contact.enteredQueueAt
        if let step = steps[contact.queue]?.dropFirst(contact.nextStep).first {
            schedule(.escalation(id), at: entered.adding(milliseconds: step.afterMs))
        }
        if let maximum = queue.maximumWaitSeconds, !contact.maximumWaitSent, !contact.request.isCallback {
            schedule(.maximumWait(id), at: entered.adding(milliseconds: Int64(maximum) * 1000))
        }
        if let every = queue.announceEverySeconds, !contact.request.isCallback {
            schedule(.announce(id), at: now.adding(milliseconds: Int64(every) * 1000))
        }
    }

    private mutating func cancelWaitTimers(_ id: InteractionID) {
        cancel(.escalation(id))
        cancel(.maximumWait(id))
        cancel(.announce(id))
    }

    /// After a ring: timers that fell due meanwhile were skipped; run them now.
    private mutating func catchUpWaitTimers(_ id: InteractionID, now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[id] else { return }
        if let step = steps[contact.queue]?.dropFirst(contact.nextStep).first,
           contact.enteredQueueAt.adding(milliseconds: step.afterMs) <= now, timers.element(.escalation(id)) == nil {
            escalate(id, at: now, into: &actions)
        }
        if let contact = contacts[id], let maximum = queues[contact.queue]?.maximumWaitSeconds, !contact.maximumWaitSent,
           contact.enteredQueueAt.adding(milliseconds: Int64(maximum) * 1000) <= now, timers.element(.maximumWait(id)) == nil {
            reachMaximumWait(id, at: now, into: &actions)
        }
    }

    mutating func escalate(_ id: InteractionID, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[id], let step = steps[contact.queue]?.dropFirst(contact.nextStep).first else { return }
        guard contact.offeredTo == nil else { return }   // runs when the contact is back (catchUpWaitTimers)
        unpark(id)
        contacts[id]?.nextStep += 1
        switch step.action {
        case .relaxMinimumLevel, .addSkill:
            contacts[id]?.stage = step.stage
            park(id)
            actions.append(.escalated(contact: id, queue: contact.queue, step: step.index))
            if let next = steps[contact.queue]?.dropFirst(contact.nextStep + 1).first {
                schedule(.escalation(id), at: contact.enteredQueueAt.adding(milliseconds: next.afterMs))
            }
        case .overflow(let target):
            cancelWaitTimers(id)
            contacts[id]?.queue = target
            contacts[id]?.stage = 0
            contacts[id]?.nextStep = 0
            contacts[id]?.maximumWaitSent = false
            contacts[id]?.enteredQueueAt = now
            park(id)
            statistics[target, default: QueueStatistics()].entered += 1
            actions.append(.overflowed(contact: id, from: contact.queue, to: target))
            scheduleWaitTimers(id, now: now)
        }
        routeContact(id, now: now, into: &actions)
    }

    mutating func reachMaximumWait(_ id: InteractionID, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[id], contact.offeredTo == nil, !contact.maximumWaitSent,
              let queue = queues[contact.queue] else { return }
        contacts[id]?.maximumWaitSent = true
        actions.append(.maximumWaitReached(contact: id, queue: queue.id, offer: queue.maximumWaitOffer))
    }

    mutating func announce(_ id: InteractionID, at now: Timestamp, into actions: inout [ACDAction]) {
        guard let contact = contacts[id], let every = queues[contact.queue]?.announceEverySeconds else { return }
        schedule(.announce(id), at: now.adding(milliseconds: Int64(every) * 1000))
        guard contact.offeredTo == nil, let position = position(of: id), let wait = estimatedWaitSeconds(of: id) else { return }
        actions.append(.announce(contact: id, position: position, estimatedWaitSeconds: wait))
    }
}

extension ContactRequest {
    var isCallback: Bool {
        if case .callback = kind { return true }
        return false
    }
}
