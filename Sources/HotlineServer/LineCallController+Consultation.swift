import ACD
import HotlineModel
import MediaNetwork
import NIOCore
import SDP
import SIPDialog
import SIPMessage
import SIPNetwork
import SIPTransaction

/// An attended transfer in progress, kept on the consulting agent's leg.
final class ConsultationState {
    /// The engine's id for a consulted agent (their reserved/on-call state); for a number, a local id.
    let id: InteractionID
    let contact: InteractionID
    let target: CallTransfer.Target
    let note: String?
    /// The consulted leg.
    let handle: CallHandle
    var answered = false
    var ringTimer: Scheduled<Void>?

    init(id: InteractionID, contact: InteractionID, target: CallTransfer.Target, note: String?, handle: CallHandle) {
        self.id = id
        self.contact = contact
        self.target = target
        self.note = note
        self.handle = handle
    }
}

/// Attended transfer (consult, then complete or cancel) and hold, as the agent's desktop
/// asks for them through the API.
///
/// Consulting puts the caller on hold (music, and the caller's recording keeps what the
/// caller hears, not the agents' talk), rings the other agent's phone (or dials the number
/// through the trunk) and joins the consulting agent with whoever answers. Completing joins
/// the caller with them and lets the first agent go to wrap-up; cancelling, or the consulted
/// side hanging up or not answering, puts the caller back with the first agent. The first
/// agent hanging up during an answered consultation completes it.
extension LineCallController {
    /// The caller `contact` and the leg of `agent` on it, or `not-on-a-call`.
    private func agentCall(_ contact: InteractionID, _ agent: AgentID) throws(RoutingCommandError) -> (caller: CallState, agentLeg: CallState) {
        guard let callerHandle = queuedCallers[contact], let caller = calls[callerHandle], !caller.ended,
              let agentHandle = caller.partner, let agentLeg = calls[agentHandle], agentLeg.agent == agent, !agentLeg.ended else {
            throw RoutingCommandError(code: "not-on-a-call", field: "agent", message: "Agent \(agent) has no caller on the line.", status: 409)
        }
        return (caller, agentLeg)
    }

    func consult(_ contact: InteractionID, from agent: AgentID, to target: CallTransfer.Target, note: String?) throws(RoutingCommandError) {
        guard let endpoint, let routing else { throw RoutingCommandError(code: "unavailable", message: "Hotline is stopping.", status: 503) }
        let (caller, agentLeg) = try agentCall(contact, agent)
        guard agentLeg.consultation == nil else {
            throw RoutingCommandError(code: "already-consulting", message: "Agent \(agent) is already consulting; complete or cancel that first.",
                                      status: 409)
        }
        guard let callerLeg = caller.leg, let agentMedia = agentLeg.leg else {
            throw RoutingCommandError(code: "not-on-a-call", field: "agent", message: "Agent \(agent)'s call has no audio yet; try again.",
                                      status: 409)
        }
        let queue = records?.record(of: contact)?.queue ?? ""
        let agentRing = Int64(routing.queue(queue)?.ringSeconds ?? 20)
        let handle: CallHandle
        let consultID: InteractionID
        // How long the consulted phone may ring: the queue's ring time, and 20 s more for
        // an outside number (a gateway and a mobile network answer later than a desk phone).
        let ringSeconds: Int64
        switch target {
        case .queue:
            throw RoutingCommandError(code: "invalid-target", field: "queue",
                                      message: "A consultation is with an agent or a number; to send the caller to a queue, transfer (blind).",
                                      status: 422)
        case .agent(let other):
            guard other != agent else {
                throw RoutingCommandError(code: "invalid-target", field: "agent", message: "Agent \(agent) cannot consult themselves.", status: 422)
            }
            try routing.checkDirectOffer(to: other)
            guard let binding = registeredBinding(other), let uri = try? SIPURI(parsing: binding.contactURI), let peer = binding.sourcePeer else {
                throw RoutingCommandError(code: "phone-not-registered", field: "agent",
                                          message: "Agent \(other)'s phone is not registered; consult someone else.", status: 409)
            }
            consultID = InteractionID("\(contact.rawValue)-k\(nextConsultationNumber())")
            ringSeconds = agentRing
            try routing.beginConsultation(consultID, on: contact, with: other)
            // The consulted phone shows who consults (and the caller's interaction, for the desktop).
            let name = routing.displayName(of: agent) ?? agent.rawValue
            let from = try? NameAddress(parsing: "\"\(name.replacingOccurrences(of: "\"", with: "")) 咨询 consult\" <sip:\(agent)@\(config.domain)>")
            handle = endpoint.placeCall(to: uri, from: from, via: peer,
                                        headers: [("X-Hotline-Interaction", contact.rawValue), ("X-Hotline-Consultation", agent.rawValue)]) { _ in }
        case .number(let number):
            guard let trunk = config.trunk else {
                throw RoutingCommandError(code: "invalid-target", field: "number",
                                          message: "Consulting outside numbers needs an outbound trunk (trunk: in the configuration), and none is configured.",
                                          status: 422)
            }
            guard Self.dialableNumber(number) != nil,
                  case let from = try? NameAddress(parsing: "<sip:\(trunk.callerID ?? caller.line?.number ?? "hotline")@\(config.domain)>"),
                  let placed = dialTrunk(number, from: from, contact: contact) else {
                throw RoutingCommandError(code: "invalid-target", field: "number",
                                          message: "'\(number)' is not a phone number Hotline can dial; use 5-20 digits, with an optional leading +.",
                                          status: 422)
            }
            consultID = InteractionID("\(contact.rawValue)-k\(nextConsultationNumber())")
            ringSeconds = agentRing + 20
            handle = placed.handle
        }
        let consulted = CallState(handle: handle, callID: caller.callID, role: .consult, line: nil)
        consulted.consultedBy = agentLeg.handle
        if case .agent(let other) = target { consulted.agent = other }
        consulted.contact = consultID
        calls[handle] = consulted
        let consultation = ConsultationState(id: consultID, contact: contact, target: target, note: note, handle: handle)
        agentLeg.consultation = consultation
        consultation.ringTimer = sipLoop.scheduleTask(in: .seconds(ringSeconds)) { [weak self] in
            guard let self, agentLeg.consultation === consultation, !consultation.answered else { return }
            self.logger.info("consulted phone did not answer", metadata: ["interaction.id": "\(contact)"])
            self.endpoint?.hangup(handle)
        }
        // The caller waits on hold; the agent hears ringback.
        media.unbridge(callerLeg)
        media.setRecordingOther(callerLeg, nil)
        playMusicOnHold(callerLeg)
        media.play(agentMedia, [.tone(id: "ringback", .ringback(.china), milliseconds: 60_000)], replace: true)
        let now = Timestamp.now()
        records?.update(contact) { builder in
            if !caller.heldByAgent { builder.held(at: now) }
            builder.transferred(kind: .attended, byAgent: agent, target: target, at: now, completed: false, note: note)
        }
        logger.info("consulting", metadata: ["interaction.id": "\(contact)", "agent.id": "\(agent)", "transfer.target": "\(target)"])
    }

    func completeConsultation(_ contact: InteractionID, by agent: AgentID) throws(RoutingCommandError) {
        let (caller, agentLeg) = try agentCall(contact, agent)
        guard let consultation = agentLeg.consultation else {
            throw RoutingCommandError(code: "not-consulting", message: "Agent \(agent) is not consulting anyone; consult first.", status: 409)
        }
        guard consultation.answered, let consulted = calls[consultation.handle], consulted.leg != nil else {
            throw RoutingCommandError(code: "not-answered", message: "The consulted party has not answered yet; wait, or cancel.", status: 409)
        }
        try hand(caller, from: agentLeg, to: consulted, consultation)
    }

    /// Joins the caller with the consulted party and lets the consulting agent go.
    private func hand(_ caller: CallState, from agentLeg: CallState, to consulted: CallState,
                      _ consultation: ConsultationState) throws(RoutingCommandError) {
        guard let routing, let agent = agentLeg.agent, let consultedMedia = consulted.leg else { return }
        let contact = consultation.contact
        let now = Timestamp.now()
        consultation.ringTimer?.cancel()
        switch consultation.target {
        case .agent(let other):
            try routing.completeConsultation(consultation.id)
            consulted.role = .agent
            consulted.contact = contact
            let storedID = routing.storedIDs[other] ?? other
            updateInteraction(caller) { $0.agentID = storedID }
        case .number, .queue:
            routing.transferredAway(contact)
            queuedCallers[contact] = nil
            caller.endOutcome = .transferredOut
            consulted.role = .external
            consulted.contact = nil
        }
        records?.update(contact) { builder in
            if !caller.heldByAgent { builder.resumed(at: now) }
            builder.transferred(kind: .attended, byAgent: agent, target: consultation.target, at: now, completed: true,
                                note: consultation.note)
            if case .agent(let other) = consultation.target {
                builder.offered(agent: other, queue: nil, at: now)
                builder.answered(agent: other, at: now)
            }
        }
        caller.heldByAgent = false
        agentLeg.consultation = nil
        agentLeg.partner = nil
        agentLeg.contact = nil
        consulted.consultedBy = nil
        consulted.partner = caller.handle
        caller.partner = consulted.handle
        if let agentMedia = agentLeg.leg { media.unbridge(agentMedia) }
        if let callerLeg = caller.leg {
            media.stopPlayback(callerLeg)
            media.bridge(callerLeg, consultedMedia)
            media.setRecordingOther(callerLeg, consultedMedia)
        }
        logger.info("attended transfer completed", metadata: ["interaction.id": "\(contact)", "agent.id": "\(agent)",
                                                              "transfer.target": "\(consultation.target)"])
        if !agentLeg.ended { endpoint?.hangup(agentLeg.handle) }
    }

    func cancelConsultation(_ contact: InteractionID, by agent: AgentID) throws(RoutingCommandError) {
        let (caller, agentLeg) = try agentCall(contact, agent)
        guard agentLeg.consultation != nil else {
            throw RoutingCommandError(code: "not-consulting", message: "Agent \(agent) is not consulting anyone; nothing to cancel.", status: 409)
        }
        backToCaller(caller, agentLeg, failure: nil)
    }

    /// The consultation is over without a transfer: the consulted leg goes, the engine
    /// frees (or, for a phone that never answered, marks) the consulted agent, and the
    /// caller is with the first agent again.
    private func backToCaller(_ caller: CallState?, _ agentLeg: CallState, failure: OfferFailure?) {
        guard let consultation = agentLeg.consultation else { return }
        agentLeg.consultation = nil
        consultation.ringTimer?.cancel()
        if case .agent = consultation.target { routing?.endConsultation(consultation.id, failure: failure) }
        if let consulted = calls[consultation.handle], !consulted.ended {
            consulted.consultedBy = nil
            endpoint?.hangup(consulted.handle)
        }
        guard let caller, !caller.ended else { return }
        let now = Timestamp.now()
        if !caller.heldByAgent { records?.update(consultation.contact) { $0.resumed(at: now) } }
        if let agentMedia = agentLeg.leg {
            media.unbridge(agentMedia)
            media.stopPlayback(agentMedia)
            if let callerLeg = caller.leg, !caller.heldByAgent {
                media.stopPlayback(callerLeg)
                media.bridge(callerLeg, agentMedia)
            }
            if let callerLeg = caller.leg { media.setRecordingOther(callerLeg, agentMedia) }
        }
        logger.info("consultation ended: the caller is back with the agent", metadata: [
            "interaction.id": "\(consultation.contact)", "agent.id": "\(agentLeg.agent?.rawValue ?? "-")",
            "consultation.failure": "\(failure?.rawValue ?? "-")"])
    }

    // MARK: Consulted legs

    func consultAnswered(_ state: CallState, negotiated: NegotiatedMedia?) {
        guard let agentHandle = state.consultedBy, let agentLeg = calls[agentHandle], let consultation = agentLeg.consultation,
              consultation.handle == state.handle else {
            endpoint?.hangup(state.handle)
            return
        }
        state.negotiated = negotiated
        consultation.answered = true
        consultation.ringTimer?.cancel()
        if case .agent = consultation.target { routing?.consultationAnswered(consultation.id) }
        if negotiated != nil { openLeg(state) }
    }

    func consultLegOpened(_ state: CallState, leg: MediaLegID) {
        guard let agentHandle = state.consultedBy, let agentLeg = calls[agentHandle], let agentMedia = agentLeg.leg,
              agentLeg.consultation?.handle == state.handle else { return }
        media.stopPlayback(agentMedia)
        media.bridge(agentMedia, leg)
    }

    func consultLegEnded(_ state: CallState, reason: CallEndReason) {
        guard let agentHandle = state.consultedBy, let agentLeg = calls[agentHandle], let consultation = agentLeg.consultation,
              consultation.handle == state.handle else { return }
        let failure: OfferFailure? = consultation.answered ? nil : OfferFailure(reason)
        let caller = agentLeg.partner.flatMap { calls[$0] }
        backToCaller(caller, agentLeg, failure: failure)
    }

    /// The consulting agent's leg ended: an answered consultation completes (the caller
    /// goes to the consulted party); a ringing one is dropped. True when the caller was handed on.
    func consultingAgentLeft(_ agentLeg: CallState) -> Bool {
        guard let consultation = agentLeg.consultation else { return false }
        let caller = agentLeg.partner.flatMap { calls[$0] }
        if let caller, !caller.ended, consultation.answered, let consulted = calls[consultation.handle], consulted.leg != nil {
            do {
                try hand(caller, from: agentLeg, to: consulted, consultation)
                return true
            } catch {
                logger.warning("transfer on hang-up refused: \(error)", metadata: ["interaction.id": "\(consultation.contact)"])
            }
        }
        backToCaller(caller, agentLeg, failure: nil)
        return false
    }

    /// Hangs up a consulted leg by its consultation id (the consulted agent logged out by force, or hung up by the API).
    func hangUpConsultation(_ id: InteractionID) {
        guard let consulted = calls.values.first(where: { $0.role == .consult && $0.contact == id }) else { return }
        endpoint?.hangup(consulted.handle)
    }

    // MARK: Hold from the desktop

    func hold(_ contact: InteractionID, by agent: AgentID, _ on: Bool) throws(RoutingCommandError) {
        let (caller, agentLeg) = try agentCall(contact, agent)
        guard agentLeg.consultation == nil else {
            throw RoutingCommandError(code: "already-consulting", message: "The caller is already on hold for a consultation; complete or cancel it.",
                                      status: 409)
        }
        guard on != caller.heldByAgent else { return }
        guard let callerLeg = caller.leg, let agentMedia = agentLeg.leg else {
            throw RoutingCommandError(code: "not-on-a-call", field: "agent", message: "Agent \(agent)'s call has no audio yet; try again.", status: 409)
        }
        caller.heldByAgent = on
        let now = Timestamp.now()
        if on {
            media.unbridge(callerLeg)
            playMusicOnHold(callerLeg)
            records?.update(contact) { $0.held(at: now) }
        } else {
            media.stopPlayback(callerLeg)
            media.bridge(callerLeg, agentMedia)
            records?.update(contact) { $0.resumed(at: now) }
        }
        logger.info(on ? "caller held by the agent" : "caller resumed by the agent", metadata: ["interaction.id": "\(contact)", "agent.id": "\(agent)"])
    }

    /// Consultation ids only need to differ while they last: a number per run.
    private func nextConsultationNumber() -> Int {
        consultationCount += 1
        return consultationCount
    }

    func playMusicOnHold(_ leg: MediaLegID) {
        if let music = musicOnHold {
            media.play(leg, [.prompt(music)], replace: true, bargeIn: false, loop: true)
        } else {
            media.stopPlayback(leg)
        }
    }
}

extension OfferFailure {
    /// How a phone's refusal or silence reads as a failed offer.
    init(_ reason: CallEndReason) {
        switch reason {
        // A phone's final answer to Hotline's INVITE ends the call as `failed(status:)`;
        // `rejected` is Hotline refusing a call, kept for completeness.
        case .rejected(let status) where [486, 600, 603].contains(status), .failed(let status) where [486, 600, 603].contains(status):
            self = .busy
        case .rejected(let status) where [408, 480, 487].contains(status), .failed(let status) where [408, 480, 487].contains(status):
            self = .noAnswer
        case .timeout, .cancelled: self = .noAnswer
        default: self = .unreachable
        }
    }
}

