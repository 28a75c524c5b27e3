import ACD
import HotlineModel
import IVR
import MediaNetwork
import SIPDialog
import SIPMessage
import SIPNetwork
import SIPTransaction

/// A queued callback: the caller hung up keeping their place; when an agent is free,
/// their phone rings first, and once they answer Hotline dials the customer through the
/// trunk and joins them.
struct CallbackInfo {
    var number: String
    /// The line the customer first dialled (the number shown to them when the trunk sets none).
    var dialled: String
    var callID: String
    var queue: String
    /// The caller's interaction: the callback's legs and recording belong to it.
    var interaction: Interaction?
    /// An agent's click-to-dial rather than a caller's callback (what the agent's phone shows).
    var outbound = false
}

/// Callbacks and the queue's maximum wait: keys a waiting caller presses, voicemail,
/// and dialling the customer back.
extension LineCallController {
    /// A key pressed by a caller routing knows; true when it was routing's (not the flow's).
    func queueDigit(_ state: CallState, _ key: Character) -> Bool {
        guard let contact = state.contact, let routing, routing.isWaiting(contact), offers[contact] == nil,
              !state.callbackRequested, state.endOutcome == nil else { return false }
        if state.choosingAtMaximumWait {
            guard key == "1" || key == "2" else { return true }
            state.choosingAtMaximumWait = false
            state.maximumWaitTimer?.cancel()
            if key == "1" { takeVoicemail(state) } else { callBack(state) }
            return true
        }
        guard let queue = routing.waitingQueue(of: contact).flatMap(routing.queue), queue.callbackKey == key,
              config.trunk != nil, Self.dialableNumber(callerNumber(state)) != nil else { return false }
        callBack(state)
        return true
    }

    func maximumWaitReached(_ contact: InteractionID, queue: String, offer: MaximumWaitOffer) {
        guard let handle = queuedCallers[contact], let caller = calls[handle], let ivr = caller.ivr,
              !caller.callbackRequested, caller.endOutcome == nil, !caller.choosingAtMaximumWait else { return }
        let canCallBack = config.trunk != nil && Self.dialableNumber(callerNumber(caller)) != nil
        logger.info("caller reached the queue's maximum wait", metadata: [
            "interaction.id": "\(contact)", "queue": "\(queue)", "queue.offer": "\(offer.rawValue)", "callback.possible": "\(canCallBack)"])
        switch offer {
        case .voicemail:
            takeVoicemail(caller)
        case .callback where canCallBack:
            callBack(caller)
        case .callback:
            // No trunk to call out on, or no number to call: a message is the way left.
            takeVoicemail(caller)
        case .voicemailOrCallback:
            guard canCallBack else { return takeVoicemail(caller) }
            // Keys count from the question's start; no key within 8 s after it: a message.
            caller.choosingAtMaximumWait = true
            ivr.say(zh: "很抱歉让您久等了。留言请按1；挂机等待我们回电，请按2。",
                    en: "Sorry to keep you waiting. To leave a message, press 1. To hang up and be called back, press 2.") { [weak self, weak caller] in
                guard let self, let caller, caller.choosingAtMaximumWait else { return }
                caller.maximumWaitTimer = self.sipLoop.scheduleTask(in: .seconds(8)) { [weak self, weak caller] in
                    guard let self, let caller, !caller.ended, caller.choosingAtMaximumWait else { return }
                    caller.choosingAtMaximumWait = false
                    self.takeVoicemail(caller)
                }
            }
        }
    }

    /// The caller leaves the queue to leave a message, then Hotline says goodbye.
    func takeVoicemail(_ caller: CallState) {
        guard let contact = caller.contact, let ivr = caller.ivr else { return }
        routing?.withdraw(contact)
        records?.update(contact) { $0.leftQueue(at: .now()) }
        caller.endOutcome = .voicemail
        caller.endCause = CallRecord.EndReason.maxWait
        let handle = caller.handle
        ivr.say(zh: "请在提示音后留言，说完请按井号键。", en: "Please leave a message after the tone, and press the hash key when you are done.") {
            [weak self, weak ivr] in
            guard let ivr else { return }
            ivr.takeMessage(name: "queue", maximumSeconds: 120) { [weak self, weak ivr] id in
                self?.logger.info("voicemail left in the queue", metadata: ["interaction.id": "\(contact)", "voicemail.id": "\(id ?? "-")"])
                guard let ivr else { return }
                ivr.say(zh: "谢谢您的留言，我们会尽快处理。再见。", en: "Thank you for your message. We will get back to you soon. Goodbye.") {
                    self?.endpoint?.hangup(handle)
                }
            }
        }
    }

    /// The caller hangs up keeping their place: routing reserves an agent when their turn
    /// comes, then the customer is dialled.
    func callBack(_ caller: CallState) {
        guard let contact = caller.contact, let routing, let number = Self.dialableNumber(callerNumber(caller)),
              let queue = routing.waitingQueue(of: contact) else { return }
        do {
            try routing.convertToCallback(contact, number: number)
        } catch {
            logger.warning("callback refused: \(error)", metadata: ["interaction.id": "\(contact)"])
            return
        }
        caller.callbackRequested = true
        callbacks[contact] = CallbackInfo(number: number, dialled: caller.line?.number ?? "", callID: caller.callID, queue: queue,
                                          interaction: caller.interaction)
        logger.info("caller will be called back, keeping their place", metadata: ["interaction.id": "\(contact)", "queue": "\(queue)"])
        let spoken = number.map(String.init).joined(separator: " ")
        let handle = caller.handle
        caller.ivr?.say(zh: "好的，轮到您时我们会回拨 \(spoken)，您的排队位置保留不变。再见。",
                        en: "All right. When it is your turn we will call you back on \(spoken), and you keep your place in the queue. Goodbye.") {
            [weak self] in self?.endpoint?.hangup(handle)
        }
    }

    // MARK: Click-to-dial

    /// An agent's outbound call, dialled like a callback once their phone answers: its
    /// interaction (outbound, the agent to the number) and record are started here.
    func prepareDial(agent: AgentID, number: String, queue: String, customer: CustomerID?) throws(RoutingCommandError) -> InteractionID {
        guard config.trunk != nil else {
            throw RoutingCommandError(code: "invalid-target", field: "number", message: "No trunk is configured, so Hotline cannot call out.",
                                      status: 422)
        }
        guard let number = Self.dialableNumber(number) else {
            throw RoutingCommandError(code: "invalid-value", field: "number",
                                      message: "'\(number.prefix(32))' is not a number to dial; give 5 to 20 digits, a leading + allowed.",
                                      status: 422)
        }
        let id = InteractionID("i-\(newID())")
        let callID = "dial-\(id.rawValue)@\(config.domain)"
        let now = Timestamp.now()
        let interaction = Interaction(id: id, channel: .call, direction: .outbound, from: "sip:\(agent.rawValue)@\(config.domain)",
                                      to: number, state: .offered, customerID: customer,
                                      agentID: routing?.storedIDs[agent] ?? agent, startedAt: now, sipCallID: callID)
        journal?.write(.createInteraction(interaction))
        records?.started(id, sipCallID: callID, caller: agent.rawValue, dialled: number, at: now)
        // The queue whose records and wrap-up rules the call follows.
        records?.update(id) { $0.queued(queue: queue, at: now) }
        callbacks[id] = CallbackInfo(number: number, dialled: config.trunk?.callerID ?? "", callID: callID, queue: queue,
                                     interaction: interaction, outbound: true)
        return id
    }

    func dialNotAnswered(_ contact: InteractionID, reason: String) {
        guard let info = callbacks.removeValue(forKey: contact), var interaction = info.interaction else { return }
        interaction.state = .ended
        interaction.endedAt = max(.now(), interaction.startedAt)
        interaction.endReason = reason
        journal?.write(.updateInteraction(interaction))
        logger.info("click-to-dial not answered by the agent", metadata: ["interaction.id": "\(contact)"])
    }

    // MARK: Dialling the customer

    /// The agent reserved for a callback answered: they hear ringback while the customer is dialled.
    func dialCustomer(_ contact: InteractionID, agentLeg: CallState, leg: MediaLegID) {
        guard let info = callbacks[contact], let trunk = config.trunk,
              case let from = try? NameAddress(parsing: "<sip:\(trunk.callerID ?? info.dialled)@\(config.domain)>"),
              let (handle, uri) = dialTrunk(info.number, from: from, contact: contact) else {
            logger.error("callback cannot be dialled (no trunk)", metadata: ["interaction.id": "\(contact)"])
            endpoint?.hangup(agentLeg.handle)
            return
        }
        media.play(leg, [.tone(id: "ringback", .ringback(.china), milliseconds: 60_000)], replace: true)
        let customer = CallState(handle: handle, callID: info.callID, role: .customer, line: nil)
        customer.contact = contact
        customer.interaction = info.interaction
        if let agent = agentLeg.agent { customer.interaction?.agentID = routing?.storedIDs[agent] ?? agent }
        customer.partner = agentLeg.handle
        customer.from = from.map { "\($0)" } ?? ""
        customer.to = "\(uri)"
        agentLeg.partner = handle
        calls[handle] = customer
        queuedCallers[contact] = handle
        logger.info("calling the customer back", metadata: ["interaction.id": "\(contact)", "agent.id": "\(agentLeg.agent?.rawValue ?? "-")"])
    }

    /// The customer answered: joined with the agent, and recorded when the queue says so.
    func customerLegOpened(_ state: CallState, leg: MediaLegID) {
        guard let contact = state.contact, let agentHandle = state.partner, let agent = calls[agentHandle],
              let agentMedia = agent.leg else { return }
        media.stopPlayback(agentMedia)
        media.bridge(leg, agentMedia)
        logger.info("callback connected", metadata: ["interaction.id": "\(contact)"])
        if let queue = callbacks[contact]?.queue, routing?.queue(queue)?.records == true {
            startRecording(state, leg: leg, other: agentMedia, layout: "stereo")
        }
    }

    /// The customer's leg ended (answered or not): the callback is over.
    func customerLegEnded(_ state: CallState, reason: CallEndReason) {
        guard let contact = state.contact else { return }
        queuedCallers[contact] = nil
        let outbound = callbacks.removeValue(forKey: contact)?.outbound == true
        let cause: String
        if let given = state.endCause {
            cause = given
        } else if state.negotiated == nil {
            cause = "\(outbound ? "the number" : "callback") not answered (\(reason))"
        } else if reason == .remoteHangup {
            cause = outbound ? "the called party hung up" : CallRecord.EndReason.callerHungUp
        } else {
            cause = "\(reason)"
        }
        // An agent's own call is answered or failed; a callback keeps its own outcome.
        let outcome: CallOutcome = outbound ? (state.negotiated == nil ? .failed : .answered) : .callback
        routing?.callFinished(contact, outcome: outcome, reason: cause)
    }

    /// A blind transfer to an outside number: the caller hears ringback while the number
    /// is dialled through the trunk, then talks to whoever answers (still recorded).
    func dialExternal(_ caller: CallState, number: String, contact: InteractionID) {
        // The outside party sees the caller's number (as a PBX forwarding a call does).
        guard let (handle, uri) = dialTrunk(number, from: try? NameAddress(parsing: caller.from), contact: contact) else { return }
        if let leg = caller.leg { media.play(leg, [.tone(id: "ringback", .ringback(.china), milliseconds: 60_000)], replace: true) }
        let external = CallState(handle: handle, callID: caller.callID, role: .external, line: nil)
        external.partner = caller.handle
        external.from = caller.from
        external.to = "\(uri)"
        caller.partner = handle
        calls[handle] = external
        logger.info("transferring to an outside number", metadata: ["interaction.id": "\(contact)"])
    }

    /// The outside number answered the transferred caller: joined, and on the recording.
    func externalLegOpened(_ state: CallState, leg: MediaLegID) {
        guard let callerHandle = state.partner, let caller = calls[callerHandle], let callerLeg = caller.leg else { return }
        media.stopPlayback(callerLeg)
        media.bridge(callerLeg, leg)
        if let layout = caller.line?.media.record, layout != "off" { media.setRecordingOther(callerLeg, leg) }
    }

    /// The outside leg ended: the caller's call ends with it.
    func externalLegEnded(_ state: CallState, reason: CallEndReason) {
        guard let callerHandle = state.partner, let caller = calls[callerHandle], !caller.ended else { return }
        caller.endCause = caller.endCause ?? (state.negotiated == nil ? "transfer target did not answer (\(reason))"
            : "transfer target hung up")
    }

    /// Calls `number` through the configured trunk (with its digest credentials when it has
    /// them), carrying the interaction id; nil without a trunk.
    func dialTrunk(_ number: String, from: NameAddress?, contact: InteractionID) -> (handle: CallHandle, uri: SIPURI)? {
        guard let endpoint, let trunk = config.trunk,
              let uri = try? SIPURI(parsing: "sip:\(number)@\(trunk.host):\(trunk.port)") else { return nil }
        let credentials = trunk.username.map { DialCredentials(username: $0, password: trunk.password ?? "") }
        let handle = endpoint.placeCall(to: uri, from: from, via: SIPPeer(transport: .udp, host: trunk.host, port: trunk.port),
                                        credentials: credentials, headers: [("X-Hotline-Interaction", contact.rawValue)]) { _ in }
        return (handle, uri)
    }

    /// A number Hotline can dial out (a callback, a transfer): 5 to 20 digits after an
    /// optional leading +; nil otherwise.
    static func dialableNumber(_ number: String) -> String? {
        let digits = number.hasPrefix("+") ? number.dropFirst() : Substring(number)
        guard (5...20).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return number
    }
}
