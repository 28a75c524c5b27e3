import ACD
import HotlineModel
import IVR
import MediaNetwork
import NIOCore
import SDP
import SIPDialog
import SIPMessage
import SIPNetwork
import SIPTransaction

/// Routing's side of the calls: a caller a flow transfers joins a queue; routing rings an
/// agent's registered phone (an outbound leg carrying the interaction id); the answer
/// bridges the two legs (and the agent joins the recording); a phone that does not answer,
/// is busy or unreachable hands the caller back to routing; either side hanging up closes
/// the record and sends the agent to wrap-up.
extension LineCallController: RoutingHost {
    // MARK: Callers

    /// The flow transferred `state` to a queue. Without routing the caller stays on the
    /// flow's hold prompt (as before queues existed).
    func enqueueCaller(_ state: CallState, request: TransferRequest) {
        guard let routing, let id = state.interaction?.id, state.contact == nil, !state.ended else { return }
        // Who is calling is looked up before the caller is queued, so the screen pop goes
        // out the moment an agent's phone rings (an offer can follow the queueing at once).
        if let lookup = customerLookup, !state.customerLooked {
            let customerID = state.ivr?.verifiedCustomerID ?? state.interaction?.customerID
            let number = callerNumber(state)
            sipLoop.makeFutureWithTask { await lookup(customerID, number) }.whenComplete { [weak self, weak state] result in
                guard let self, let state else { return }
                state.customer = try? result.get()
                state.customerLooked = true
                self.enqueueCaller(state, request: request)
            }
            return
        }
        let path = state.ivr?.path ?? []
        records?.update(id, store: false) { builder in
            for node in path { builder.ivrStep(node: node) }
            builder.ivrEnded(outcome: "transfer to \(request.queue)", at: .now())
        }
        state.contact = id
        // Flows number priorities 1 (first) to 10; the ACD serves higher numbers first.
        state.priority = max(0, 10 - request.priority)
        queuedCallers[id] = state.handle
        let preferred = routing.preferredAgent(for: callerNumber(state), queue: request.queue)
        if let preferred {
            logger.info("returning caller: their last agent is preferred", metadata: ["interaction.id": "\(id)", "agent.id": "\(preferred)"])
        }
        do {
            try routing.enqueue(ContactRequest(id: id, queue: request.queue, priority: state.priority, preferredAgent: preferred))
        } catch {
            logger.warning("queue refused the caller: \(error)", metadata: ["call.id": "\(state.callID)", "queue": "\(request.queue)"])
            refuse(state, cause: error.code == .queueFull ? "queue full" : error.code.rawValue)
        }
    }

    /// Apologises to a caller no queue can take, and hangs up.
    private func refuse(_ state: CallState, cause: String) {
        state.endCause = cause
        let handle = state.handle
        guard let ivr = state.ivr else {
            endpoint?.hangup(handle)
            return
        }
        ivr.say(zh: "很抱歉，目前所有座席都在忙，请稍后再拨。再见。",
                en: "Sorry, all our agents are busy. Please call again later. Goodbye.") { [weak self] in
            self?.endpoint?.hangup(handle)
        }
    }

    /// A caller with a flow hung up or was hung up: the call's record closes (and, for a
    /// caller routing knows, it leaves the queue or its agent goes to wrap-up).
    func callerEnded(_ state: CallState, reason: CallEndReason) {
        guard let id = state.interaction?.id else { return }
        let byCaller = reason == .remoteHangup || reason == .cancelled
        if let contact = state.contact, let routing {
            state.maximumWaitTimer?.cancel()
            if state.callbackRequested {
                // The caller keeps their place as a callback; the record closes with it.
                if queuedCallers[contact] == state.handle { queuedCallers[contact] = nil }
                return
            }
            queuedCallers[contact] = nil
            let outcome: CallOutcome
            if let chosen = state.endOutcome {
                outcome = chosen
            } else if records?.record(of: contact)?.answeredAt != nil {
                outcome = .answered
            } else if routing.isWaiting(contact) {
                outcome = offers[contact] != nil ? .abandonedRinging : .abandonedInQueue
            } else {
                outcome = .failed
            }
            let cause = state.endCause ?? (byCaller ? CallRecord.EndReason.callerHungUp : "\(reason)")
            routing.callFinished(contact, outcome: outcome, reason: cause)
            return
        }
        let ivr = state.ivr
        let path = ivr?.path ?? []
        let outcome: CallOutcome = ivr?.hungUp == true ? .selfServed : (ivr == nil ? .failed : .abandonedInIVR)
        records?.update(id) { builder in
            for node in path { builder.ivrStep(node: node) }
            builder.ivrEnded(outcome: ivr?.outcome, at: .now())
            builder.ended(outcome: outcome, reason: state.endCause ?? (byCaller ? CallRecord.EndReason.callerHungUp : "\(reason)"),
                          at: .now())
        }
    }

    // MARK: RoutingHost

    func ringAgent(_ agent: AgentID, contact: InteractionID, queue: String, kind: ContactRequest.Kind) -> Bool {
        guard let endpoint, let binding = registeredBinding(agent), let uri = try? SIPURI(parsing: binding.contactURI),
              let peer = binding.sourcePeer else { return false }
        let from: NameAddress?
        let callID: String
        var headers: [(SIPHeaderName, String)] = [("X-Hotline-Interaction", contact.rawValue), ("X-Hotline-Queue", queue)]
        switch kind {
        case .call:
            guard let callerHandle = queuedCallers[contact], let caller = calls[callerHandle], !caller.ended else {
                logger.warning("routing offered a contact with no caller waiting", metadata: ["interaction.id": "\(contact)"])
                return false
            }
            // The agent's phone shows the caller (name and number as presented).
            from = try? NameAddress(parsing: caller.from)
            callID = caller.callID
        case .callback(let number):
            guard let info = callbacks[contact] else {
                logger.warning("routing offered a callback Hotline does not know", metadata: ["interaction.id": "\(contact)"])
                return false
            }
            // The agent's phone shows whom they will call back (or call: click-to-dial).
            let label = info.outbound ? "Outbound 外呼" : "Callback 回呼"
            from = try? NameAddress(parsing: "\"\(label)\" <sip:\(number)@\(config.domain)>")
            callID = info.callID
            headers.append(("X-Hotline-Callback", number))
        }
        let handle = endpoint.placeCall(to: uri, from: from, via: peer, headers: headers) { _ in }
        let leg = CallState(handle: handle, callID: callID, role: .agent, line: nil)
        leg.agent = agent
        leg.contact = contact
        leg.from = from.map { "\($0)" } ?? ""
        leg.to = binding.contactURI
        calls[handle] = leg
        offers[contact] = handle
        publishOffer(agent: agent, contact: contact, queue: queue, kind: kind)
        return true
    }

    func stopRinging(_ agent: AgentID, contact: InteractionID) {
        guard let handle = offers.removeValue(forKey: contact) else { return }
        endpoint?.hangup(handle)
    }

    func announce(_ contact: InteractionID, position: Int, estimatedWaitSeconds: Int) {
        guard let handle = queuedCallers[contact], let caller = calls[handle] else { return }
        let key = routing?.waitingQueue(of: contact).flatMap { routing?.queue($0)?.callbackKey }
        let canCallBack = config.trunk != nil && Self.dialableNumber(callerNumber(caller)) != nil
        caller.ivr?.announce(position: position, estimatedWaitSeconds: estimatedWaitSeconds, callbackKey: canCallBack ? key : nil)
    }

    func hangUpAgentCall(_ agent: AgentID, contact: InteractionID) {
        guard let handle = queuedCallers[contact], let caller = calls[handle] else {
            hangUpConsultation(contact)
            return
        }
        caller.endCause = CallRecord.EndReason.agentHungUp
        if let partner = caller.partner { endpoint?.hangup(partner) }
        endpoint?.hangup(handle)
    }

    func transfer(_ contact: InteractionID, from agent: AgentID, to target: CallTransfer.Target, note: String?) throws(RoutingCommandError) {
        try transfer(contact, from: agent, to: target, note: note) { [weak self] agentHandle in self?.endpoint?.hangup(agentHandle) }
    }

    /// Blind transfer; `release` lets the agent's leg go once the caller is detached from it.
    func transfer(_ contact: InteractionID, from agent: AgentID, to target: CallTransfer.Target, note: String?,
                  release: (CallHandle) -> Void) throws(RoutingCommandError) {
        guard let routing, let callerHandle = queuedCallers[contact], let caller = calls[callerHandle], !caller.ended,
              let agentHandle = caller.partner, let agentLeg = calls[agentHandle], agentLeg.agent == agent else {
            throw RoutingCommandError(code: "not-on-a-call", field: "agent", message: "Agent \(agent) has no caller to transfer.", status: 409)
        }
        guard agentLeg.consultation == nil else {
            throw RoutingCommandError(code: "already-consulting", message: "Agent \(agent) is consulting; complete or cancel the consultation first.",
                                      status: 409)
        }
        let queue = records?.record(of: contact)?.queue ?? ""
        switch target {
        case .queue(let id):
            guard routing.queue(id) != nil else {
                throw RoutingCommandError(code: "invalid-target", field: "queue",
                                          message: "There is no queue '\(id)'; transfer to one of the configured queues.", status: 404)
            }
        case .agent(let other):
            guard other != agent else {
                throw RoutingCommandError(code: "invalid-target", field: "agent", message: "The call is already with agent \(agent).", status: 422)
            }
            try routing.checkDirectOffer(to: other)
        case .number(let number):
            guard config.trunk != nil else {
                throw RoutingCommandError(code: "invalid-target", field: "number",
                                          message: "Transfers to outside numbers need an outbound trunk (trunk: in the configuration), and none is configured.",
                                          status: 422)
            }
            guard Self.dialableNumber(number) != nil else {
                throw RoutingCommandError(code: "invalid-target", field: "number",
                                          message: "'\(number)' is not a phone number Hotline can dial; use 5-20 digits, with an optional leading +.",
                                          status: 422)
            }
        }
        logger.info("blind transfer", metadata: ["interaction.id": "\(contact)", "agent.id": "\(agent)", "transfer.target": "\(target)"])
        records?.update(contact) { builder in
            if caller.heldByAgent { builder.resumed(at: .now()) }
            builder.transferred(kind: .blind, byAgent: agent, target: target, at: .now(), completed: true, note: note)
        }
        caller.heldByAgent = false
        // The caller leaves the agent: unbridged, on hold music, and routed again.
        caller.partner = nil
        agentLeg.partner = nil
        agentLeg.contact = nil
        if let leg = caller.leg {
            media.unbridge(leg)
            if let music = musicOnHold { media.play(leg, [.prompt(music)], replace: true, bargeIn: false, loop: true) }
        }
        routing.transferredAway(contact)
        release(agentHandle)
        updateInteraction(caller) { $0.state = .queued }
        do {
            switch target {
            case .queue(let id):
                try routing.enqueue(ContactRequest(id: contact, queue: id, priority: caller.priority))
            case .agent(let other):
                try routing.offerDirect(ContactRequest(id: contact, queue: queue, priority: caller.priority), to: other)
            case .number(let number):
                // The caller leaves routing: the call ends when either side of the new leg hangs up.
                queuedCallers[contact] = nil
                caller.endOutcome = .transferredOut
                dialExternal(caller, number: number, contact: contact)
            }
        } catch {
            logger.warning("transfer target refused the caller: \(error)", metadata: ["interaction.id": "\(contact)"])
            refuse(caller, cause: "transfer failed: \(error.code)")
        }
    }

    func phoneRegistered(_ agent: AgentID) -> Bool { registeredBinding(agent) != nil }

    /// A phone sent REFER (RFC 3515): an agent's phone transferring its caller blind to a
    /// queue, an agent or a number (the Refer-To user part, in that order). The phone hears
    /// the outcome in a final NOTIFY; on success Hotline then hangs up the agent's leg.
    func transferRequested(_ handle: CallHandle, referTo: String, replaces: String?) {
        guard let endpoint else { return }
        guard let state = calls[handle], state.role == .agent, let agent = state.agent, let contact = state.contact,
              state.partner != nil, let routing else {
            endpoint.notifyTransfer(handle, status: 603, reason: "Declined", final: true)
            return
        }
        guard replaces == nil else {
            // Attended transfer from the phone (Replaces) is not supported yet; the API's blind transfer is.
            endpoint.notifyTransfer(handle, status: 501, reason: "Not Implemented", final: true)
            return
        }
        let user = (try? SIPURI(parsing: referTo))?.user ?? referTo.split(separator: ":").last.map(String.init) ?? ""
        let target: CallTransfer.Target
        if routing.queue(user) != nil {
            target = .queue(user)
        } else if routing.displayName(of: AgentID(user)) != nil {
            target = .agent(AgentID(user))
        } else {
            target = .number(user)
        }
        do {
            try transfer(contact, from: agent, to: target, note: nil) { agentHandle in
                endpoint.notifyTransfer(agentHandle, status: 200, reason: "OK", final: true)
                endpoint.hangup(agentHandle)
            }
        } catch {
            logger.notice("transfer by REFER refused: \(error)", metadata: ["interaction.id": "\(contact)", "agent.id": "\(agent)"])
            let (status, reason) = switch error.status {
            case 404: (404, "Not Found")
            case 409: (480, "Temporarily Unavailable")
            default: (603, "Declined")
            }
            endpoint.notifyTransfer(handle, status: status, reason: reason, final: true)
        }
    }

    // MARK: Agent legs

    /// The agent's phone answered: if the caller still waits for it, they are joined.
    func agentAnswered(_ state: CallState, negotiated: NegotiatedMedia?) {
        if let contact = state.contact, offers[contact] == state.handle, callbacks[contact] != nil {
            // A callback: the agent is on it; the customer is dialled once their media is up.
            offers[contact] = nil
            state.negotiated = negotiated
            routing?.offerAnswered(contact)
            logger.info("agent answered a callback", metadata: ["interaction.id": "\(contact)", "agent.id": "\(state.agent?.rawValue ?? "-")"])
            if negotiated != nil { openLeg(state) }
            return
        }
        guard let contact = state.contact, offers[contact] == state.handle,
              let callerHandle = queuedCallers[contact], let caller = calls[callerHandle], !caller.ended else {
            endpoint?.hangup(state.handle)
            return
        }
        offers[contact] = nil
        state.negotiated = negotiated
        state.partner = callerHandle
        caller.partner = state.handle
        routing?.offerAnswered(contact)
        caller.ivr?.handOver()
        let agentID = state.agent.map { routing?.storedIDs[$0] ?? $0 }
        updateInteraction(caller) {
            $0.state = .connected
            $0.agentID = agentID ?? $0.agentID
        }
        logger.info("agent answered", metadata: ["call.id": "\(caller.callID)", "agent.id": "\(state.agent?.rawValue ?? "-")"])
        if negotiated != nil { openLeg(state) }
    }

    /// The agent's media is up: bridged with the caller, and in the recording.
    func agentLegOpened(_ state: CallState, leg: MediaLegID) {
        if let contact = state.contact, state.partner == nil, callbacks[contact] != nil {
            dialCustomer(contact, agentLeg: state, leg: leg)
            return
        }
        guard let callerHandle = state.partner, let caller = calls[callerHandle], let callerLeg = caller.leg,
              let contact = state.contact else { return }
        media.stopPlayback(callerLeg)
        media.bridge(callerLeg, leg)
        logger.info("call bridged", metadata: ["call.id": "\(caller.callID)", "media.caller_leg": "\(callerLeg)",
                                               "media.agent_leg": "\(leg)"])
        if let layout = caller.line?.media.record, layout != "off" {
            media.setRecordingOther(callerLeg, leg)
        } else if caller.recording != nil {
            // A caller back from a transfer or a lost agent: the recording goes on with the new agent.
            media.setRecordingOther(callerLeg, leg)
        } else if let queue = records?.record(of: contact)?.queue, routing?.queue(queue)?.records == true {
            startRecording(caller, leg: callerLeg, other: leg, layout: "stereo")
        }
    }

    /// An agent leg ended: a phone that never answered fails the offer; an agent who hangs
    /// up ends the call.
    func agentLegEnded(_ state: CallState, reason: CallEndReason) {
        if state.consultation != nil, consultingAgentLeft(state) { return }
        guard let contact = state.contact else { return }
        if offers[contact] == state.handle {
            offers[contact] = nil
            let failure = OfferFailure(reason)
            logger.info("agent's phone did not take the call", metadata: [
                "interaction.id": "\(contact)", "agent.id": "\(state.agent?.rawValue ?? "-")", "call.reason": "\(reason)"])
            routing?.offerFailed(contact, failure)
            return
        }
        guard let callerHandle = state.partner, let caller = calls[callerHandle], caller.partner == state.handle, !caller.ended else { return }
        caller.endCause = caller.endCause ?? CallRecord.EndReason.agentHungUp
        endpoint?.hangup(callerHandle)
    }

    // MARK: Phones gone silent

    /// A leg's phone sent nothing for the media timeout. An agent's phone on a call is
    /// dropped and their caller re-queued; a consulted phone ends the consultation; any
    /// other call ends.
    func mediaTimedOut(_ state: CallState, seconds: Int) {
        if state.role == .agent, let callerHandle = state.partner, let caller = calls[callerHandle], caller.partner == state.handle,
           !caller.ended, caller.role == .caller, let contact = state.contact, queuedCallers[contact] == callerHandle {
            agentLost(state, caller: caller, contact: contact)
            return
        }
        logger.notice("no media from the phone: hanging up", metadata: ["call.id": "\(state.callID)", "call.role": "\(state.role)",
                                                                         "media.timeout_s": "\(seconds)"])
        state.endCause = state.endCause ?? "no media for \(seconds) s"
        if let partner = state.partner.flatMap({ calls[$0] }) {
            partner.endCause = partner.endCause ?? (state.role == .caller ? "caller's phone lost (no media for \(seconds) s)"
                : "other side's phone lost (no media for \(seconds) s)")
        }
        if state.line?.flow != nil, !state.closedEarly {
            // Nobody can talk to a phone that is gone: close its record and take it out of
            // routing now (an agent must not be offered it while the BYE waits for an answer).
            state.closedEarly = true
            state.ivr?.callEnded()
            callerEnded(state, reason: .localHangup)
        }
        if let partner = state.partner { endpoint?.hangup(partner) }
        endpoint?.hangup(state.handle)
    }

    /// The agent's phone vanished mid-call: it is hung up, the agent becomes not ready,
    /// and the caller hears why and goes back to the queue at their old place. Without a
    /// queue to go back to, the call ends and the record says so.
    private func agentLost(_ state: CallState, caller: CallState, contact: InteractionID) {
        guard let routing, let agent = state.agent else { return }
        // Consulting when the phone went: an answered consultation completes (the consulted
        // agent takes the caller), a ringing one is dropped and the caller re-queued below.
        if state.consultation != nil, consultingAgentLeft(state) { return }
        let record = records?.record(of: contact)
        let queue = record?.queue ?? ""
        logger.warning("agent's phone lost mid-call: the caller goes back to the queue", metadata: [
            "interaction.id": "\(contact)", "agent.id": "\(agent)", "queue": "\(queue)"])
        caller.partner = nil
        caller.heldByAgent = false
        state.partner = nil
        state.contact = nil
        endpoint?.hangup(state.handle)
        let now = Timestamp.now()
        records?.update(contact) { $0.agentLost(agent: agent, at: now) }
        let requeue = routing.queue(queue) != nil
            ? ContactRequest(id: contact, queue: queue, priority: caller.priority, waitingSince: record?.queuedAt) : nil
        routing.agentLost(contact, requeue: requeue)
        guard requeue != nil, let leg = caller.leg else {
            caller.endCause = "agent's phone lost"
            endpoint?.hangup(caller.handle)
            return
        }
        media.unbridge(leg)
        media.setRecordingOther(leg, nil)
        updateInteraction(caller) { $0.state = .queued }
        let handle = caller.handle
        let apology = (zh: "很抱歉，与座席的通话中断了。请不要挂机，我们正在为您转接下一位座席。",
                       en: "Sorry, we lost the line to your agent. Please stay on the line while we connect you to the next agent.")
        if let ivr = caller.ivr {
            ivr.say(zh: apology.zh, en: apology.en) { [weak self] in
                guard let self, let caller = self.calls[handle], caller.partner == nil, let leg = caller.leg else { return }
                self.playMusicOnHold(leg)
            }
        } else {
            playMusicOnHold(leg)
        }
    }

    // MARK: Helpers

    /// The agent's phone's best live registration.
    func registeredBinding(_ agent: AgentID) -> LocationService.Binding? {
        guard let endpoint else { return nil }
        let now = SIPInstant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds))
        return endpoint.core.registrar.contacts(user: agent.rawValue, now: now).first
    }

}
