import HotlineModel

/// An agent on a call consulting another agent before handing the caller over (attended
/// transfer). The consulted agent is reserved, then on the consultation, under its own id;
/// completing it gives them the caller's call and sends the consulting agent to wrap-up.
public struct Consultation: Hashable, Sendable {
    /// Who is consulted.
    public var agent: AgentID
    /// The caller's contact (an answered call).
    public var of: InteractionID
    public var answered: Bool
}

extension ACDEngine {
    public func consultation(_ id: InteractionID) -> Consultation? { consultations[id] }

    /// The consultation in progress on `contact`, if any.
    public func consultation(on contact: InteractionID) -> (id: InteractionID, consultation: Consultation)? {
        consultations.first { $0.value.of == contact }.map { ($0.key, $0.value) }
    }

    /// The agent on `contact` asks to consult `agentID`, who must be available: they are
    /// reserved for the consultation `id` while their phone rings (the host rings it and
    /// times it out).
    public mutating func beginConsultation(_ id: InteractionID, on contact: InteractionID, with agentID: AgentID,
                                           now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let call = calls[contact] else {
            throw ACDError(.unknownContact, "Contact \(contact) is not an answered call; only a call in progress can be transferred.")
        }
        if let (_, existing) = consultation(on: contact) {
            throw ACDError(.impossibleTransition, "Agent \(call.agent) is already consulting \(existing.agent); complete or cancel that first.")
        }
        guard contactSlots[id] == nil, calls[id] == nil, consultations[id] == nil else {
            throw ACDError(.duplicateContact, "Consultation \(id) is already in progress.")
        }
        guard agentID != call.agent else {
            throw ACDError(.impossibleTransition, "Agent \(agentID) is the agent on the call; consult another agent.")
        }
        guard let slot = agentSlots[agentID], let record = agents[slot] else {
            throw ACDError(.agentNotAvailable, "Agent \(agentID) is logged out; consult an available agent.")
        }
        guard record.state == .available else {
            throw ACDError(.agentNotAvailable, "Agent \(agentID) is \(record.state.name.rawValue); consult an available agent.")
        }
        consultations[id] = Consultation(agent: agentID, of: contact, answered: false)
        var actions: [ACDAction] = []
        transition(slot, to: .reserved(id), at: now, cause: "consultation", into: &actions)
        return actions
    }

    /// The consulted agent answered.
    public mutating func consultationAnswered(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let consultation = consultations[id], !consultation.answered else {
            throw ACDError(.unknownContact, "Consultation \(id) is not ringing.")
        }
        consultations[id]!.answered = true
        var actions: [ACDAction] = []
        if let slot = agentSlots[consultation.agent], agents[slot]?.state == .reserved(id) {
            transition(slot, to: .onCall(id), at: now, cause: "consultation answered", into: &actions)
        }
        return actions
    }

    /// The consultation ended without a transfer (cancelled, or either side hung up). A
    /// consulted agent whose phone did not answer (`failure`) becomes not ready as after a
    /// missed offer; one who answered is available again (a consultation has no wrap-up).
    public mutating func endConsultation(_ id: InteractionID, failure: OfferFailure? = nil, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let consultation = consultations.removeValue(forKey: id) else {
            throw ACDError(.unknownContact, "Consultation \(id) is not in progress.")
        }
        var actions: [ACDAction] = []
        guard let slot = agentSlots[consultation.agent], let state = agents[slot]?.state else { return actions }
        switch state {
        case .reserved(id):
            if let failure {
                let reason: NotReadyReason = failure == .unreachable ? .phoneUnavailable : .missedCall
                transition(slot, to: .notReady(reason), at: now, cause: "consultation \(failure.rawValue)", into: &actions)
            } else {
                transition(slot, to: agents[slot]!.pending ?? .available, at: now, cause: "consultation cancelled", into: &actions)
                agents[slot]!.pending = nil
            }
        case .onCall(id):
            let next = agents[slot]!.pending ?? .available
            agents[slot]!.pending = nil
            transition(slot, to: next, at: now, cause: "consultation ended", into: &actions)
        default:
            break   // forced out meanwhile
        }
        return actions
    }

    /// Completes the transfer: the consulted agent takes the caller's call (on call with
    /// the caller's contact) and the consulting agent goes to wrap-up.
    public mutating func completeConsultation(_ id: InteractionID, now: Timestamp) throws(ACDError) -> [ACDAction] {
        lastNow = max(lastNow, now)
        guard let consultation = consultations[id], consultation.answered,
              let slot = agentSlots[consultation.agent], agents[slot]?.state == .onCall(id) else {
            throw ACDError(.impossibleTransition, "Consultation \(id) is not answered; wait for the consulted agent to answer, or cancel.")
        }
        guard let call = calls[consultation.of] else {
            throw ACDError(.unknownContact, "Contact \(consultation.of) is no longer an answered call.")
        }
        consultations[id] = nil
        var actions = try callEnded(consultation.of, now: now, cause: "transferred")
        calls[consultation.of] = (consultation.agent, call.queue, now)
        agents[slot]!.call = (call.queue, now)
        transition(slot, to: .onCall(consultation.of), at: now, cause: "transfer completed", into: &actions)
        return actions
    }
}
