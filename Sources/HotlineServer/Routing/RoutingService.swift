import ACD
import HotlineModel
import Logging
import NIOCore

/// What routing asks of the calls: ring an agent's phone, stop it, speak to a waiting
/// caller. Implemented by ``LineCallController`` on the SIP loop.
protocol RoutingHost: AnyObject {
    /// Rings `agent`'s registered phone with `contact`; false when it has no registration
    /// (the offer then fails as unreachable).
    func ringAgent(_ agent: AgentID, contact: InteractionID, queue: String, kind: ContactRequest.Kind) -> Bool
    /// Stops ringing `agent` with `contact` (the ring time passed, or the caller left).
    func stopRinging(_ agent: AgentID, contact: InteractionID)
    /// Tells a waiting caller their position and estimated wait.
    func announce(_ contact: InteractionID, position: Int, estimatedWaitSeconds: Int)
    /// The caller has waited the queue's maximum.
    func maximumWaitReached(_ contact: InteractionID, queue: String, offer: MaximumWaitOffer)
    /// Ends the call `agent` is on (forced logout, the hang-up command).
    func hangUpAgentCall(_ agent: AgentID, contact: InteractionID)
    /// Blind transfer of the caller on `contact` (answered by `agent`) to `target`.
    func transfer(_ contact: InteractionID, from agent: AgentID, to target: CallTransfer.Target, note: String?) throws(RoutingCommandError)
    /// Attended transfer: `agent` consults `target` while the caller holds.
    func consult(_ contact: InteractionID, from agent: AgentID, to target: CallTransfer.Target, note: String?) throws(RoutingCommandError)
    func completeConsultation(_ contact: InteractionID, by agent: AgentID) throws(RoutingCommandError)
    func cancelConsultation(_ contact: InteractionID, by agent: AgentID) throws(RoutingCommandError)
    /// Puts the caller on hold (music) or back.
    func hold(_ contact: InteractionID, by agent: AgentID, _ on: Bool) throws(RoutingCommandError)
    /// Whether `agent`'s phone has a live registration.
    func phoneRegistered(_ agent: AgentID) -> Bool
    /// Click-to-dial: prepares an outbound call from `agent` to `number` in `queue` (its
    /// records and wrap-up rules) and answers its interaction id; routing then offers it.
    func prepareDial(agent: AgentID, number: String, queue: String, customer: CustomerID?) throws(RoutingCommandError) -> InteractionID
    /// The agent's phone did not take their own click-to-dial call: it is over.
    func dialNotAnswered(_ contact: InteractionID, reason: String)
    /// Names the customer of the call `contact` if it is in progress (true), so the
    /// interaction keeps them to its end.
    func attachCustomer(_ contact: InteractionID, customer: CustomerID) -> Bool
}

/// Owns the ACD engine and connects it to the rest of Hotline: runs its timers on the
/// SIP loop, carries out its actions through the ``RoutingHost``, stores every agent state
/// change, and answers the API's commands (``RoutingCommands``).
///
/// Everything but the `RoutingCommands` entry points runs on the SIP loop; those hop there.
public final class RoutingService: RoutingCommands, @unchecked Sendable {
    struct AgentEntry {
        var name: String
        var profile: AgentProfile
        var since: Timestamp
        /// The next `sequence` of their stored state changes.
        var sequence: Int64
        /// The queue of the call they are on or wrapping up (its wrap-up rules).
        var queue: String?
        /// Disposition and notes given with the command that ends wrap-up.
        var wrapUp: (disposition: String?, notes: String?)?
    }

    let loop: any EventLoop
    private var engine: ACDEngine
    private var newDay: Scheduled<Void>?
    /// Click-to-dial calls whose agent has not answered yet (a failed offer ends them).
    private var outboundDials: Set<InteractionID> = []
    private var agents: [AgentID: AgentEntry]
    private var queueOrder: [QueueConfiguration]
    private let journal: InteractionJournal?
    /// Set when the calls are wired (the controller owns the keeper).
    var records: CallRecordKeeper?
    private let logger: Logger
    weak var host: (any RoutingHost)?
    private var timer: Scheduled<Void>?
    private var timerAt: Timestamp?
    /// Host callbacks that arrive while actions are being carried out wait for the end.
    private var applying = false
    private var deferred: [() -> Void] = []
    private var sweep: RepeatedTask?

    /// Who each caller last talked to (for queues with a preferred-agent window).
    private var preferred: PreferredAgents

    /// Where agent states, queueing and queue figures are published (the desktop's stream).
    var events: EventHub?
    /// Queues whose figures changed since they were last published; published together a
    /// moment later, so a burst of changes makes one `queue.stats` per queue.
    private var dirtyQueues: Set<String> = []
    private var statsFlush: Scheduled<Void>?
    static let statsDelay = TimeAmount.milliseconds(200)

    /// Routing names agents by their SIP username (what phones, the API and logs use); the
    /// store names them by user id (an agent is a user). Username → user id.
    let storedIDs: [AgentID: AgentID]

    /// `lastStates`: each agent's last stored change (their sequence goes on from it);
    /// `userIDs`: each configured agent's user id in the store, by username.
    /// `recentRecords`: calls within the longest preferred-agent window, so a caller who
    /// talked to an agent before a restart is still offered to them.
    init(queues: [QueueConfiguration], agents: [HotlineConfiguration.Agent], userIDs: [String: UserID],
         lastStates: [AgentStateChange], recentRecords: [CallRecord] = [], loop: any EventLoop, journal: InteractionJournal?,
         logger: Logger) throws {
        self.engine = try ACDEngine(queues: queues)
        var preferred = PreferredAgents(keepSeconds: Self.longestPreferredWindow(queues) ?? 0)
        for record in recentRecords { preferred.note(record) }
        self.preferred = preferred
        self.queueOrder = queues.sorted { $0.id < $1.id }
        self.loop = loop
        self.journal = journal
        self.logger = logger
        let storedIDs = Dictionary(userIDs.map { (AgentID($0.key), AgentID($0.value.rawValue)) }, uniquingKeysWith: { a, _ in a })
        self.storedIDs = storedIDs
        let usernames = Dictionary(storedIDs.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        let last = Dictionary(lastStates.compactMap { change in usernames[change.agentID].map { ($0, change) } },
                              uniquingKeysWith: { a, b in a.sequence > b.sequence ? a : b })
        let now = Timestamp.now()
        var entries: [AgentID: AgentEntry] = [:]
        var closing: [AgentStateChange] = []
        for agent in agents {
            let id = AgentID(agent.username)
            let skills = Dictionary(agent.skills.map { ($0.name, $0.level) }, uniquingKeysWith: max)
            var entry = AgentEntry(name: agent.displayName, profile: AgentProfile(id: id, skills: skills),
                                   since: last[id]?.at ?? now, sequence: (last[id]?.sequence ?? 0) + 1)
            // Hotline stopped with this agent logged in: their calls are gone, so they are
            // logged out, and log in again when they are back at their desk.
            if let previous = last[id], previous.to != .loggedOut {
                closing.append(AgentStateChange(agentID: storedIDs[id] ?? id, sequence: entry.sequence, from: previous.to, to: .loggedOut,
                                                at: max(now, previous.at), cause: "restart"))
                entry.sequence += 1
                entry.since = max(now, previous.at)
            }
            entries[id] = entry
        }
        self.agents = entries
        if !closing.isEmpty {
            journal?.write(.appendAgentStateChanges(closing))
            logger.warning("agents logged in when Hotline stopped are logged out", metadata: [
                "agents": "\(closing.map(\.agentID.rawValue).joined(separator: ","))"])
        }
    }

    /// Starts the registration sweep (an agent whose phone's registration lapsed is made not ready).
    func start() {
        sweep = loop.scheduleRepeatedTask(initialDelay: .seconds(5), delay: .seconds(5)) { [weak self] _ in
            self?.checkRegistrations()
        }
        scheduleNewDay()
    }

    /// The queues' figures are today's: they start again at local midnight.
    private func scheduleNewDay() {
        let now = Timestamp.now()
        let next = now.startOfLocalDay.adding(milliseconds: 86_400_000)
        // A little after midnight, so the new day is surely there (clock steps, DST).
        let delay = max(1000, next.millisecondsSinceEpoch - now.millisecondsSinceEpoch + 1000)
        newDay = loop.scheduleTask(in: .milliseconds(delay)) { [weak self] in
            guard let self else { return }
            self.engine.resetStatistics()
            self.markQueuesChanged(self.queueOrder.map(\.id))
            self.logger.info("queue figures start a new day")
            self.scheduleNewDay()
        }
    }

    /// Today's figures of each queue from the day's stored records (after a restart):
    /// entered for each queue a call went through, answered and abandoned in its last queue.
    static func todaysStatistics(_ records: [CallRecord], queues: [QueueConfiguration]) -> [String: QueueStatistics] {
        var out: [String: QueueStatistics] = [:]
        let targets = Dictionary(queues.map { ($0.id, Int64($0.serviceLevelSeconds) * 1000) }, uniquingKeysWith: { a, _ in a })
        for record in records {
            for queue in record.queues where targets[queue] != nil { out[queue, default: QueueStatistics()].entered += 1 }
            guard let queue = record.queue, let target = targets[queue] else { continue }
            if let answered = record.answeredAt {
                let wait = record.waitMs ?? max(0, answered.millisecondsSinceEpoch - (record.queuedAt ?? answered).millisecondsSinceEpoch)
                var stats = out[queue, default: QueueStatistics()]
                stats.answered += 1
                stats.totalAnsweredWaitMs += wait
                stats.longestAnsweredWaitMs = max(stats.longestAnsweredWaitMs, wait)
                if wait <= target { stats.answeredInTarget += 1 }
                if wait == 0 { stats.answeredAtOnce += 1 }
                out[queue] = stats
            } else if record.outcome == .abandonedInQueue || record.outcome == .abandonedRinging {
                out[queue, default: QueueStatistics()].abandoned += 1
            }
        }
        return out
    }

    /// Primes the figures with today's records (called once, before calls arrive).
    func primeStatistics(_ records: [CallRecord]) {
        engine.resetStatistics(Self.todaysStatistics(records, queues: queueOrder))
    }

    func stop() {
        sweep?.cancel()
        newDay?.cancel()
        timer?.cancel()
    }

    func queue(_ id: String) -> QueueConfiguration? { engine.queues[id] }

    /// The longest preferred-agent window of `queues` (nil: no queue prefers).
    static func longestPreferredWindow(_ queues: [QueueConfiguration]) -> Int? {
        queues.compactMap(\.preferredAgentWindowSeconds).max()
    }

    /// The agent `caller` last talked to, when `queue` prefers them and they are within its window.
    func preferredAgent(for caller: String, queue: String) -> AgentID? {
        guard let configuration = engine.queues[queue] else { return nil }
        let agent = preferred.agent(for: caller, windowSeconds: configuration.preferredAgentWindowSeconds, now: .now())
        return agent.flatMap { agents[$0] != nil ? $0 : nil }
    }

    // MARK: Calls (on the SIP loop)

    /// A caller asks for an agent. Throws when the queue refuses them (unknown, full).
    func enqueue(_ request: ContactRequest) throws(ACDError) {
        let now = Timestamp.now()
        let actions = try engine.enqueue(request, now: now)
        records?.update(request.id) { $0.queued(queue: request.queue, at: now) }
        apply(actions)
    }

    /// The agent's phone answered the offer of `contact`.
    func offerAnswered(_ contact: InteractionID) {
        outboundDials.remove(contact)
        perform("answer") { (engine, now) throws(ACDError) in try engine.offerAnswered(contact, now: now) }
    }

    /// The agent's phone rejected the offer or could not be reached.
    func offerFailed(_ contact: InteractionID, _ failure: OfferFailure) {
        guard let agent = engine.contact(contact)?.offeredTo else { return }
        let result: CallSegment.Result = switch failure {
        case .noAnswer: .noAnswer
        case .busy: .busy
        case .unreachable: .unreachable
        }
        records?.update(contact) { $0.offerFailed(agent: agent, result: result, at: .now()) }
        perform("offer failed") { (engine, now) throws(ACDError) in try engine.offerFailed(contact, failure, now: now) }
        endUnansweredDial(contact, result)
    }

    /// An agent's own click-to-dial call their phone did not take (the engine dropped it:
    /// it was offered to them only) is over. Nothing for any other contact.
    private func endUnansweredDial(_ contact: InteractionID, _ result: CallSegment.Result) {
        guard outboundDials.remove(contact) != nil else { return }
        let reason = "the agent's phone did not answer (\(result.rawValue))"
        records?.update(contact) { $0.ended(outcome: .failed, reason: reason, at: .now()) }
        host?.dialNotAnswered(contact, reason: reason)
    }

    /// The call `contact` is over (the caller or the agent hung up, or it failed): its
    /// record closes with `outcome`, a caller still waiting leaves the queue, and the
    /// agent on it goes to wrap-up.
    func callFinished(_ contact: InteractionID, outcome: CallOutcome, reason: String) {
        let now = Timestamp.now()
        records?.update(contact) { $0.ended(outcome: outcome, reason: reason, at: now) }
        if let record = records?.record(of: contact) { preferred.note(record) }
        publishEnded(contact, outcome: outcome, reason: reason, at: now)
        if engine.agent(on: contact) != nil {
            perform("call ended") { (engine, now) throws(ACDError) in try engine.callEnded(contact, now: now) }
        } else if engine.contact(contact) != nil {
            perform("abandon") { (engine, now) throws(ACDError) in try engine.abandon(contact, now: now) }
        }
        // A part whose agent moved on without wrap-up (a forced logout) closes now.
        if let record = records?.record(of: contact) {
            for agent in Set(record.segments.filter { $0.answeredAt != nil }.map(\.agentID)) {
                let state = engine.state(of: agent)
                guard state != .wrapUp(contact), state != .onCall(contact) else { continue }
                records?.update(contact) { builder in
                    if builder.awaitsWrapUp(of: agent) { builder.wrapUpEnded(agent: agent, disposition: nil, notes: nil, at: now) }
                }
            }
        }
    }

    /// The caller left the queue for something else (voicemail, a transfer elsewhere).
    func withdraw(_ contact: InteractionID) {
        guard engine.contact(contact) != nil else { return }
        perform("withdraw") { (engine, now) throws(ACDError) in try engine.withdraw(contact, now: now) }
    }

    /// The caller keeps their place and is called back on `number`.
    func convertToCallback(_ contact: InteractionID, number: String) throws(ACDError) {
        try engine.convertToCallback(contact, number: number, now: .now())
    }

    /// The agent transferred the caller away (the record already says so): the agent
    /// goes to wrap-up and the contact is free to be queued or offered again.
    func transferredAway(_ contact: InteractionID) {
        guard engine.agent(on: contact) != nil else { return }
        perform("transferred") { (engine, now) throws(ACDError) in try engine.callEnded(contact, now: now, cause: "transferred") }
    }

    /// The agent's phone vanished mid-call: they become not ready; with `requeue` the caller waits again at their place.
    func agentLost(_ contact: InteractionID, requeue: ContactRequest?) {
        perform("agent lost") { (engine, now) throws(ACDError) in try engine.agentLost(contact, requeue: requeue, now: now) }
    }

    // MARK: Consultations (attended transfers)

    /// Reserves `agent` for a consultation on `contact`; refused unless they are available.
    func beginConsultation(_ id: InteractionID, on contact: InteractionID, with agent: AgentID) throws(RoutingCommandError) {
        let actions = try acd { () throws(ACDError) in try engine.beginConsultation(id, on: contact, with: agent, now: .now()) }
        // Read first: an optional-chained assignment evaluates its right side inside the write access.
        let queue = engine.agent(on: contact).flatMap { agents[$0]?.queue }
        agents[agent]?.queue = queue
        apply(actions)
    }

    func consultationAnswered(_ id: InteractionID) {
        perform("consultation answered") { (engine, now) throws(ACDError) in try engine.consultationAnswered(id, now: now) }
    }

    func endConsultation(_ id: InteractionID, failure: OfferFailure?) {
        guard engine.consultation(id) != nil else { return }
        perform("consultation ended") { (engine, now) throws(ACDError) in try engine.endConsultation(id, failure: failure, now: now) }
    }

    /// The consulted agent takes the caller; the consulting agent goes to wrap-up.
    func completeConsultation(_ id: InteractionID) throws(RoutingCommandError) {
        let actions = try acd { () throws(ACDError) in try engine.completeConsultation(id, now: .now()) }
        apply(actions)
    }

    /// Refuses a transfer to `agent` unless they are logged in and available.
    func checkDirectOffer(to agent: AgentID) throws(RoutingCommandError) {
        guard agents[agent] != nil else {
            throw RoutingCommandError(code: "invalid-target", field: "agent", message: "There is no agent '\(agent)'.", status: 404)
        }
        let state = engine.state(of: agent)
        guard state == .available else {
            throw RoutingCommandError(code: "agent-not-available", field: "agent",
                                      message: "Agent \(agent) is \(state.name.rawValue); transfer to a queue or to an available agent.",
                                      status: 409)
        }
    }

    /// Offers a caller to one agent (a transfer to that agent).
    func offerDirect(_ request: ContactRequest, to agent: AgentID) throws(ACDError) {
        let actions = try engine.offerDirect(request, to: agent, now: .now())
        apply(actions)
    }

    func isWaiting(_ contact: InteractionID) -> Bool { engine.contact(contact) != nil }
    func waitingQueue(of contact: InteractionID) -> String? { engine.contact(contact)?.queue }
    func agent(on contact: InteractionID) -> AgentID? { engine.agent(on: contact) }
    func position(of contact: InteractionID) -> Int? { engine.position(of: contact) }
    func displayName(of agent: AgentID) -> String? { agents[agent]?.name }

    /// A registration of `user` was removed: when they have no phone left, routing stops offering to them.
    func phoneUnregistered(user: String) {
        let id = AgentID(user)
        guard agents[id] != nil, host?.phoneRegistered(id) == false else { return }
        apply(engine.phoneUnavailable(id, now: .now()))
    }

    private func checkRegistrations() {
        for (id, state) in engine.agentStates where state == .available {
            if host?.phoneRegistered(id) == false {
                logger.info("agent's phone registration lapsed: not ready", metadata: ["agent.id": "\(id)"])
                apply(engine.phoneUnavailable(id, now: .now()))
            }
        }
    }

    /// Runs an engine call from the host; an error means the host and the engine disagree
    /// about a call (logged: it is a bug, and nothing changed).
    private func perform(_ what: String, _ body: (inout ACDEngine, Timestamp) throws(ACDError) -> [ACDAction]) {
        do {
            apply(try body(&engine, .now()))
        } catch {
            logger.warning("routing: \(what) refused: \(error)")
        }
    }

    // MARK: Actions

    private func apply(_ actions: [ACDAction]) {
        if applying {
            deferred.append { [weak self] in self?.apply(actions) }
            return
        }
        applying = true
        for action in actions { carryOut(action) }
        applying = false
        for action in actions {
            switch action {
            case .queued(_, let queue, _), .offer(_, _, let queue, _, _): markQueuesChanged([queue])
            case .overflowed(_, let from, let to): markQueuesChanged([from, to])
            default: break
            }
        }
        while !deferred.isEmpty {
            let next = deferred.removeFirst()
            next()
        }
        rescheduleTimer()
    }

    private func carryOut(_ action: ACDAction) {
        switch action {
        case .offer(let contact, let agent, let queue, let kind, _):
            records?.update(contact) { $0.offered(agent: agent, queue: queue, at: .now()) }
            agents[agent]?.queue = queue
            logger.info("offering call to agent", metadata: ["interaction.id": "\(contact)", "agent.id": "\(agent)", "queue": "\(queue)"])
            if host?.ringAgent(agent, contact: contact, queue: queue, kind: kind) != true {
                logger.notice("agent's phone is not registered: offer fails", metadata: ["interaction.id": "\(contact)", "agent.id": "\(agent)"])
                deferred.append { [weak self] in self?.offerFailed(contact, .unreachable) }
            }
        case .cancelOffer(let contact, let agent, let reason):
            if reason == .ringTimeout {
                records?.update(contact) { $0.offerFailed(agent: agent, result: .noAnswer, at: .now()) }
            }
            host?.stopRinging(agent, contact: contact)
            if reason == .ringTimeout {
                deferred.append { [weak self] in self?.endUnansweredDial(contact, .noAnswer) }
            }
            events?.publish(EventType.interactionOfferCancelled, subject: "interactions/\(contact)",
                            data: ["interaction": .string(contact.rawValue), "agent": .string(agent.rawValue),
                                   "reason": .string(reason.rawValue)], agents: [agent.rawValue])
        case .agentStateChanged(let agent, let from, let to, let at, let cause):
            stateChanged(agent, from: from, to: to, at: at, cause: cause)
        case .queued(let contact, let queue, let position):
            logger.info("call queued", metadata: ["interaction.id": "\(contact)", "queue": "\(queue)", "queue.position": "\(position)"])
            events?.publish(EventType.interactionQueued, subject: "interactions/\(contact)",
                            data: ["interaction": .string(contact.rawValue), "queue": .string(queue), "position": .int(position)],
                            queues: [queue])
        case .escalated(let contact, let queue, let step):
            logger.info("queue escalation step", metadata: ["interaction.id": "\(contact)", "queue": "\(queue)", "queue.step": "\(step)"])
        case .overflowed(let contact, let from, let to):
            logger.info("call overflowed to another queue", metadata: ["interaction.id": "\(contact)", "queue": "\(from)", "queue.to": "\(to)"])
            records?.update(contact) { $0.queued(queue: to, at: .now()) }
        case .announce(let contact, let position, let seconds):
            host?.announce(contact, position: position, estimatedWaitSeconds: seconds)
        case .maximumWaitReached(let contact, let queue, let offer):
            host?.maximumWaitReached(contact, queue: queue, offer: offer)
        }
    }

    private func stateChanged(_ agent: AgentID, from: AgentState, to: AgentState, at: Timestamp, cause: String) {
        guard var entry = agents[agent] else { return }
        if case .reserved(let contact) = from, case .onCall = to {
            records?.update(contact) { $0.answered(agent: agent, at: at) }
            events?.publish(EventType.interactionAnswered, subject: "interactions/\(contact)",
                            data: ["interaction": .string(contact.rawValue), "agent": .string(agent.rawValue), "queue": .string(entry.queue),
                                   "at": .string(at.iso8601)],
                            agents: [agent.rawValue], queues: entry.queue.map { [$0] } ?? [], time: at)
        }
        if case .wrapUp(let contact) = from {
            let given = entry.wrapUp
            records?.update(contact) { $0.wrapUpEnded(agent: agent, disposition: given?.disposition, notes: given?.notes, at: at) }
            entry.wrapUp = nil
            events?.publish(EventType.interactionWrappedUp, subject: "interactions/\(contact)",
                            data: ["interaction": .string(contact.rawValue), "agent": .string(agent.rawValue),
                                   "disposition": .string(given?.disposition), "notes": .string(given?.notes), "at": .string(at.iso8601)],
                            agents: [agent.rawValue], time: at)
        }
        if case .onCall(let contact) = from, to.name != .wrapUp, records?.record(of: contact)?.outcome != nil {
            // No wrap-up in this queue: the part ends without after-call work. (A forced
            // logout during the call closes it when the call ends: ``callFinished``.)
            records?.update(contact) { $0.wrapUpEnded(agent: agent, disposition: nil, notes: nil, at: at) }
        }
        let change = AgentStateChange(agentID: storedIDs[agent] ?? agent, sequence: entry.sequence, from: from.name, to: to.name, reason: to.reason,
                                      interactionID: to.interaction, at: at, cause: String(cause.prefix(200)))
        entry.sequence += 1
        entry.since = at
        if to.interaction == nil { entry.queue = nil }
        agents[agent] = entry
        journal?.write(.appendAgentStateChanges([change]))
        publishState(agent, entry: entry, from: from, to: to, at: at, cause: cause)
        logger.info("agent state", metadata: ["agent.id": "\(agent)", "agent.from": "\(from)", "agent.to": "\(to)", "agent.cause": "\(cause)"])
    }

    // MARK: Events

    private func publishState(_ agent: AgentID, entry: AgentEntry, from: AgentState, to: AgentState, at: Timestamp, cause: String) {
        guard let events else { return }
        var queues = Set(queueOrder.filter { $0.isServed(by: entry.profile.skills) }.map(\.id))
        if let queue = entry.queue { queues.insert(queue) }
        events.publish(EventType.agentState, subject: "agents/\(agent)", data: [
            "agent": .string(agent.rawValue), "name": .string(entry.name), "state": .string(to.name.rawValue),
            "reason": .string(to.reason?.rawValue), "interaction": .string(to.interaction?.rawValue),
            "previous": .string(from.name.rawValue), "cause": .string(cause), "since": .string(at.iso8601),
            "queue": .string(entry.queue),
        ], agents: [agent.rawValue], queues: queues.sorted(), time: at)
        markQueuesChanged(queues)
    }

    /// The call is over: for its agents' desktops (the wrap-up form opens) and the
    /// supervisors; its queues' figures change (an abandon counts).
    private func publishEnded(_ contact: InteractionID, outcome: CallOutcome, reason: String, at: Timestamp) {
        guard let events else { return }
        let record = records?.record(of: contact)
        let queues = Set(record?.queues ?? []).union(engine.contact(contact).map { [$0.queue] } ?? [])
        let agents = record?.agents.map(\.rawValue) ?? []
        events.publish(EventType.interactionEnded, subject: "interactions/\(contact)", data: [
            "interaction": .string(contact.rawValue), "outcome": .string(outcome.rawValue), "reason": .string(reason),
            "queue": .string(record?.queue), "agent": .string(agents.last), "agents": .strings(agents), "at": .string(at.iso8601),
        ], agents: agents, queues: queues.sorted(), time: at)
        markQueuesChanged(queues)
    }

    /// Publishes the figures of `queues` shortly (once for a burst of changes).
    func markQueuesChanged<S: Sequence>(_ queues: S) where S.Element == String {
        guard events != nil else { return }
        dirtyQueues.formUnion(queues)
        guard statsFlush == nil, !dirtyQueues.isEmpty else { return }
        statsFlush = loop.scheduleTask(in: Self.statsDelay) { [weak self] in self?.publishQueueStats() }
    }

    private func publishQueueStats() {
        statsFlush = nil
        guard let events else { return }
        let now = Timestamp.now()
        let changed = dirtyQueues
        dirtyQueues.removeAll()
        for queue in queueOrder where changed.contains(queue.id) {
            let byState = staffing(of: queue)
            let status = queueStatus(queue, now: now, staffing: byState)
            let oldest = engine.waiting(in: queue.id).map(\.enteredQueueAt).min()
            events.publish(EventType.queueStats, subject: "queues/\(queue.id)", data: [
                "queue": .string(queue.id),
                "names": .object(status.names.mapValues(JSONValue.string)),
                "waiting": .int(status.waiting), "longestWaitSeconds": .int(status.longestWaitSeconds),
                "oldestWaitingSince": .string(oldest?.iso8601),
                "agentsAvailable": .int(status.agentsAvailable), "agentsStaffed": .int(status.agentsStaffed),
                "entered": .int(status.entered), "answered": .int(status.answered), "abandoned": .int(status.abandoned),
                "serviceLevelPercent": status.serviceLevelPercent.map { .number($0) } ?? .null,
                "averageSpeedOfAnswerSeconds": status.averageSpeedOfAnswerSeconds.map { .number($0) } ?? .null,
                "agentsByState": .object(Dictionary(uniqueKeysWithValues: byState.map { ($0.key.rawValue, JSONValue.int($0.value)) })),
            ], queues: [queue.id], time: now)
        }
    }

    private func rescheduleTimer() {
        let next = engine.nextDeadline
        guard next != timerAt else { return }
        timer?.cancel()
        timerAt = next
        guard let next else { timer = nil; return }
        let delay = max(0, next.millisecondsSinceEpoch - Timestamp.now().millisecondsSinceEpoch)
        timer = loop.scheduleTask(in: .milliseconds(delay)) { [weak self] in
            guard let self else { return }
            self.timerAt = nil
            self.timer = nil
            self.apply(self.engine.advance(to: .now()))
        }
    }

    // MARK: RoutingCommands (any thread; hop to the loop)

    public func agents() async -> [AgentStatus] {
        (try? await onLoop { [self] () throws(RoutingCommandError) in
            agents.keys.sorted { $0.rawValue < $1.rawValue }.compactMap(status)
        }) ?? []
    }

    public func agent(_ id: AgentID) async -> AgentStatus? {
        try? await onLoop { [self] () throws(RoutingCommandError) in status(id) }
    }

    public func login(_ id: AgentID, ready: Bool) async throws(RoutingCommandError) -> AgentStatus {
        try await command(id) { [self] (engine, now) throws(RoutingCommandError) in
            guard let entry = agents[id] else { throw .unknownAgent(id) }
            if ready { try requirePhone(id) }
            return try acd { () throws(ACDError) in try engine.login(entry.profile, ready: ready, now: now) }
        }
    }

    public func logout(_ id: AgentID, force: Bool) async throws(RoutingCommandError) -> AgentStatus {
        try await command(id) { [self] (engine, now) throws(RoutingCommandError) in
            let onCall: InteractionID? = if case .onCall(let c) = engine.state(of: id) { c } else { nil }
            let actions = try acd { () throws(ACDError) in
                try engine.logout(id, now: now, force: force, cause: force ? "forced by supervisor" : "logout")
            }
            if let onCall {
                // The call goes on without routing's agent: end it, as the supervisor asked.
                deferred.append { [weak self] in self?.host?.hangUpAgentCall(id, contact: onCall) }
            }
            return actions
        }
    }

    public func makeAvailable(_ id: AgentID) async throws(RoutingCommandError) -> AgentStatus {
        try await command(id) { [self] (engine, now) throws(RoutingCommandError) in
            let state = engine.state(of: id)
            if state.name == .notReady { try requirePhone(id) }
            if case .wrapUp = state { try requireDisposition(id, given: nil, queues: engine.queues) }
            return try acd { () throws(ACDError) in try engine.makeAvailable(id, now: now) }
        }
    }

    public func makeNotReady(_ id: AgentID, reason: NotReadyReason) async throws(RoutingCommandError) -> AgentStatus {
        try await command(id) { [self] (engine, now) throws(RoutingCommandError) in
            try acd { () throws(ACDError) in try engine.makeNotReady(id, reason: reason, now: now) }
        }
    }

    public func endWrapUp(_ id: AgentID, disposition: String?, notes: String?) async throws(RoutingCommandError) -> AgentStatus {
        try await command(id) { [self] (engine, now) throws(RoutingCommandError) in
            guard case .wrapUp = engine.state(of: id) else {
                throw RoutingCommandError(code: "impossible-transition", message: "Agent \(id) is not in wrap-up (\(engine.state(of: id))); nothing to end.",
                                          status: 409)
            }
            try requireDisposition(id, given: disposition, queues: engine.queues)
            agents[id]?.wrapUp = (disposition?.isEmpty == false ? disposition : nil, notes?.isEmpty == false ? notes : nil)
            return try acd { () throws(ACDError) in try engine.endWrapUp(id, now: now) }
        }
    }

    public func transfer(_ id: AgentID, to target: CallTransfer.Target, note: String?) async throws(RoutingCommandError) {
        try await onCall(id, "transferred") { (host, contact) throws(RoutingCommandError) in
            try host.transfer(contact, from: id, to: target, note: note)
        }
    }

    public func consult(_ id: AgentID, with target: CallTransfer.Target, note: String?) async throws(RoutingCommandError) {
        try await onCall(id, "transferred") { (host, contact) throws(RoutingCommandError) in
            try host.consult(contact, from: id, to: target, note: note)
        }
    }

    public func completeTransfer(_ id: AgentID) async throws(RoutingCommandError) {
        try await onCall(id, "transferred") { (host, contact) throws(RoutingCommandError) in
            try host.completeConsultation(contact, by: id)
        }
    }

    public func cancelConsultation(_ id: AgentID) async throws(RoutingCommandError) {
        try await onCall(id, "back with the caller") { (host, contact) throws(RoutingCommandError) in
            try host.cancelConsultation(contact, by: id)
        }
    }

    public func hold(_ id: AgentID, _ on: Bool) async throws(RoutingCommandError) {
        try await onCall(id, on ? "held" : "resumed") { (host, contact) throws(RoutingCommandError) in
            try host.hold(contact, by: id, on)
        }
    }

    /// Runs `body` on the loop with the caller's contact of `id`'s call, or refuses when
    /// they are not on one (a consultation is not the caller's call).
    private func onCall(_ id: AgentID, _ what: String,
                        _ body: @escaping (any RoutingHost, InteractionID) throws(RoutingCommandError) -> Void) async throws(RoutingCommandError) {
        try await onLoop { [self] () throws(RoutingCommandError) in
            guard agents[id] != nil else { throw .unknownAgent(id) }
            guard case .onCall(let contact) = engine.state(of: id), engine.consultation(contact) == nil else {
                throw RoutingCommandError(code: "not-on-a-call", field: "agent",
                                          message: "Agent \(id) is not on a call with a caller (\(engine.state(of: id))); only a caller's call can be \(what).",
                                          status: 409)
            }
            guard let host else { throw RoutingCommandError(code: "unavailable", message: "Hotline is stopping.", status: 503) }
            try body(host, contact)
        }
    }

    public func hangup(_ id: AgentID) async throws(RoutingCommandError) {
        try await onLoop { [self] () throws(RoutingCommandError) in
            guard agents[id] != nil else { throw .unknownAgent(id) }
            guard case .onCall(let contact) = engine.state(of: id) else {
                throw RoutingCommandError(code: "not-on-a-call", field: "agent",
                                          message: "Agent \(id) is not on a call (\(engine.state(of: id))); there is nothing to hang up.",
                                          status: 409)
            }
            host?.hangUpAgentCall(id, contact: contact)
        }
    }

    public func queues() async -> [QueueStatus] {
        (try? await onLoop { [self] () throws(RoutingCommandError) in queueOrder.map { queueStatus($0, now: .now()) } }) ?? []
    }

    // MARK: Click-to-dial

    /// The agent's phone rings (showing the number); once they answer, Hotline dials the
    /// number through the trunk and joins them. The agent must be available with a
    /// registered phone; the call belongs to the first queue their skills serve.
    public func dial(_ id: AgentID, number: String, customer: CustomerID?) async throws(RoutingCommandError) -> InteractionID {
        try await onLoop { [self] () throws(RoutingCommandError) in
            guard let entry = agents[id] else { throw .unknownAgent(id) }
            let state = engine.state(of: id)
            guard state == .available else {
                throw RoutingCommandError(code: "agent-not-available", field: nil,
                                          message: "Agent \(id) is \(state.name.rawValue); go available to dial (finish the call or wrap-up first).",
                                          status: 409)
            }
            guard host?.phoneRegistered(id) == true else {
                throw RoutingCommandError(code: "phone-not-registered", message: "Agent \(id)'s phone is not registered; register it first.",
                                          status: 409)
            }
            guard let queue = queueOrder.first(where: { $0.isServed(by: entry.profile.skills) }) else {
                throw RoutingCommandError(code: "no-queue", message: "Agent \(id) serves no queue, so the call would have no wrap-up rules.",
                                          status: 409)
            }
            guard let host else { throw RoutingCommandError(code: "unavailable", message: "Calls are not handled here.", status: 503) }
            let contact = try host.prepareDial(agent: id, number: number, queue: queue.id, customer: customer)
            outboundDials.insert(contact)
            do throws(ACDError) {
                apply(try engine.offerDirect(ContactRequest(id: contact, queue: queue.id, kind: .callback(number: number), onlyTo: id),
                                             to: id, now: .now()))
            } catch {
                throw RoutingCommandError(code: error.code.rawValue, message: error.message, status: 409)
            }
            logger.info("click-to-dial", metadata: ["agent.id": "\(id)", "interaction.id": "\(contact)", "queue": "\(queue.id)"])
            return contact
        }
    }

    public func attachCustomer(_ contact: InteractionID, customer: CustomerID) async -> Bool {
        (try? await onLoop { [self] () throws(RoutingCommandError) in host?.attachCustomer(contact, customer: customer) ?? false }) ?? false
    }

    // MARK: Administration

    /// The queues as configured now, by id.
    public func queueConfigurations() async -> [QueueConfiguration] {
        (try? await onLoop { [self] () throws(RoutingCommandError) in queueOrder }) ?? []
    }

    /// Adds or replaces one queue (an administrator's change): callers already waiting keep
    /// their place and are routed again under the new rules. True when the queue is new.
    /// 422 `invalid-queue` with the problem when the queues would not fit together.
    public func configureQueue(_ queue: QueueConfiguration) async throws(RoutingCommandError) -> Bool {
        try await onLoop { [self] () throws(RoutingCommandError) in
            var next = queueOrder.filter { $0.id != queue.id }
            let created = next.count == queueOrder.count
            next.append(queue)
            next.sort { $0.id < $1.id }
            let actions: [ACDAction]
            do throws(ACDConfigurationError) {
                actions = try engine.configure(next)
            } catch {
                throw RoutingCommandError(code: "invalid-queue", field: error.problems.first?.step.map { "escalation[\($0)]" },
                                          message: error.problems.map(\.message).joined(separator: "; "), status: 422)
            }
            queueOrder = next
            apply(actions)
            markQueuesChanged([queue.id])
            logger.notice("queue configured by an administrator", metadata: ["queue": "\(queue.id)", "queue.created": "\(created)"])
            return created
        }
    }

    /// New name and skills for an agent (an administrator's change); routing uses the
    /// skills from the next offer (at once when they are logged in).
    public func updateAgent(_ id: AgentID, name: String, skills: [String: Int]) async throws(RoutingCommandError) {
        try await onLoop { [self] () throws(RoutingCommandError) in
            guard var entry = agents[id] else { throw .unknownAgent(id) }
            if engine.state(of: id) != .loggedOut {
                apply(try acd { () throws(ACDError) in try engine.updateSkills(id, skills: skills, now: .now()) })
            }
            entry.name = name
            entry.profile.skills = skills
            agents[id] = entry
            markQueuesChanged(queueOrder.map(\.id))
        }
    }

    // MARK: Command helpers (on the loop)

    /// Runs a state command for `id` and answers with their status after it.
    private func command(_ id: AgentID,
                         _ body: @escaping (inout ACDEngine, Timestamp) throws(RoutingCommandError) -> [ACDAction])
        async throws(RoutingCommandError) -> AgentStatus {
        try await onLoop { [self] () throws(RoutingCommandError) in
            guard agents[id] != nil else { throw .unknownAgent(id) }
            // The engine changes nothing when it refuses.
            let actions = try body(&engine, .now())
            apply(actions)
            guard let status = status(id) else { throw .unknownAgent(id) }
            return status
        }
    }

    private func onLoop<T: Sendable>(_ body: @escaping () throws(RoutingCommandError) -> T) async throws(RoutingCommandError) -> T {
        let box = UnsafeSendableBox(body)
        do {
            return try await loop.submit { try box.value() }.get()
        } catch let error as RoutingCommandError {
            throw error
        } catch {
            throw RoutingCommandError(code: "unavailable", message: "Hotline is stopping (\(error)).", status: 503)
        }
    }

    private func acd(_ body: () throws(ACDError) -> [ACDAction]) throws(RoutingCommandError) -> [ACDAction] {
        do {
            return try body()
        } catch {
            let status = switch error.code {
            case .unknownAgent, .unknownContact: 409
            case .unknownQueue: 404
            default: 409
            }
            throw RoutingCommandError(code: error.code.rawValue, message: error.message, status: status)
        }
    }

    private func requirePhone(_ id: AgentID) throws(RoutingCommandError) {
        guard host?.phoneRegistered(id) == true else {
            throw RoutingCommandError(code: "phone-not-registered", field: "agent",
                                      message: "Agent \(id)'s phone (extension \(id)) is not registered with Hotline, so no call could reach it; "
                                        + "register the phone, then become available.", status: 409)
        }
    }

    /// `queues`: the engine's (passed in: the engine itself is borrowed while commands run).
    private func requireDisposition(_ id: AgentID, given: String?, queues: [String: QueueConfiguration]) throws(RoutingCommandError) {
        guard let queue = agents[id]?.queue.flatMap({ queues[$0] }), queue.wrapUpRequiresDisposition,
              given?.isEmpty ?? true else { return }
        throw RoutingCommandError(code: "disposition-required", field: "disposition",
                                  message: "Queue \(queue.id) requires a disposition to end wrap-up; give one (e.g. \"resolved\").",
                                  status: 422)
    }

    private func status(_ id: AgentID) -> AgentStatus? {
        guard let entry = agents[id] else { return nil }
        let state = engine.state(of: id)
        return AgentStatus(id: id, name: entry.name, state: state.name, reason: state.reason?.rawValue, interaction: state.interaction,
                           since: entry.since, phoneRegistered: host?.phoneRegistered(id) ?? false, skills: entry.profile.skills)
    }

    /// How many of the agents who serve `queue` are in each state.
    private func staffing(of queue: QueueConfiguration) -> [AgentStateName: Int] {
        var byState: [AgentStateName: Int] = [:]
        for (id, state) in engine.agentStates {
            guard let skills = agents[id]?.profile.skills, queue.isServed(by: skills) else { continue }
            byState[state.name, default: 0] += 1
        }
        return byState
    }

    private func queueStatus(_ queue: QueueConfiguration, now: Timestamp, staffing given: [AgentStateName: Int]? = nil) -> QueueStatus {
        let waiting = engine.waiting(in: queue.id)
        let longest = waiting.map { now.millisecondsSinceEpoch - $0.enteredQueueAt.millisecondsSinceEpoch }.max() ?? 0
        let byState = given ?? staffing(of: queue)
        let available = byState[.available] ?? 0
        let staffed = available + [.reserved, .onCall, .wrapUp].reduce(0) { $0 + (byState[$1] ?? 0) }
        let stats = engine.statistics[queue.id] ?? QueueStatistics()
        return QueueStatus(id: queue.id, names: Dictionary(uniqueKeysWithValues: queue.names.map { ($0.key.rawValue, $0.value) }),
                           waiting: waiting.count, longestWaitSeconds: Int(max(0, longest) / 1000), agentsAvailable: available,
                           agentsStaffed: staffed, entered: stats.entered, answered: stats.answered, abandoned: stats.abandoned,
                           serviceLevelPercent: stats.serviceLevelPercent, averageSpeedOfAnswerSeconds: stats.averageSpeedOfAnswerSeconds)
    }
}
