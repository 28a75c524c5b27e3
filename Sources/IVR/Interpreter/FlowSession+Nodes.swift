import HotlineModel

/// Entering each kind of node: what it does straight away, and whether it waits.
extension FlowSession {
    /// Runs `node` as far as it goes without an event: gives the node to enter next, or
    /// nil when the session now waits (or is finished).
    mutating func enter(_ node: FlowNode, _ actions: inout [IVRAction]) -> NodeID? {
        switch node.kind {
        case .play(let play):
            return playThenNext(play.prompts.flatMap { promptItems($0.value) }, bargeIn: play.bargeIn, &actions)
        case .say(let say):
            return playThenNext(sayItems(say), bargeIn: say.bargeIn, &actions)
        case .menu(let menu):
            return listen(prompt: promptItems(menu.prompt.value), &actions)
        case .collect(let collect):
            if collect.secret {
                secretVariables.insert(collect.variable.value)
                if !recordingPaused {
                    recordingPaused = true
                    actions.append(.pauseRecording)
                }
            }
            return listen(prompt: promptItems(collect.prompt.value), &actions)
        case .language(let choice):
            return listen(prompt: languageChoiceItems(choice), &actions)
        case .set(let assignments):
            return set(assignments, &actions)
        case .branch(let branch):
            return decide(branch, &actions)
        case .hours(let hours):
            switch BusinessHours.status(of: hours, at: clock) {
            case .open:
                leave(outcome: "open", input: nil, &actions)
                return hours.whenOpen.value
            case .closed:
                leave(outcome: "closed", input: nil, &actions)
                return hours.whenClosed.value
            case .holiday:
                leave(outcome: "holiday", input: nil, &actions)
                return (hours.onHoliday ?? hours.whenClosed).value
            }
        case .verify(let verify):
            return requestVerification(verify, &actions)
        case .lookup(let lookup):
            let key: FlowValue
            do throws(ExpressionError) {
                key = try evaluate(lookup.key.value)
            } catch {
                leave(outcome: "error: \(error.message)", input: nil, &actions)
                return lookup.onNotFound.value
            }
            let request = newRequest()
            actions.append(.lookup(request: request, record: lookup.record, key: key))
            waiting = .result(request: request)
            return nil
        case .create(let create):
            return requestCreate(create, &actions)
        case .http(let http):
            return requestHTTP(http, &actions)
        case .voicemail(let voicemail):
            return playThen(promptItems(voicemail.prompt.value), then: .recordVoicemail, &actions)
        case .callback(let callback):
            return playThen(promptItems(callback.prompt.value), then: .storeCallback, &actions)
        case .transfer(let transfer):
            transferCall(transfer, &actions)
            return nil
        case .subflow(let subflow):
            guard let called = subflows[subflow.flow.value], let returnTo = node.next?.value else {
                leave(outcome: "error: flow '\(subflow.flow.value)' is not loaded", input: nil, &actions)
                end(outcome: "error", &actions)
                actions.append(.hangup(outcome: "error"))
                return nil
            }
            leave(outcome: "entered \(called.name)", input: nil, &actions)
            frames.append(Frame(flow: called, returnTo: returnTo))
            return called.start.value
        case .return:
            leave(outcome: "returned", input: nil, &actions)
            guard frames.count > 1, let returnTo = frames.removeLast().returnTo else {
                // A `return` in the main flow ends the call.
                end(outcome: nil, &actions)
                actions.append(.hangup(outcome: nil))
                return nil
            }
            return returnTo
        case .hangup(let hangup):
            return playThen(hangup.prompt.map { promptItems($0.value) } ?? [], then: .hangup, &actions)
        }
    }

    // MARK: Prompts

    /// play and say: play, then go on at `next` (straight away when there is nothing to play).
    private mutating func playThenNext(_ items: [SpokenItem], bargeIn: Bool, _ actions: inout [IVRAction]) -> NodeID? {
        if bargeIn, !typeAhead.isEmpty {
            // Keys typed ahead (while a lookup ran, or into an earlier prompt) interrupt a
            // prompt that keys may interrupt before it starts, and go on to the next node.
            return leaveToNext(outcome: "interrupted", input: nil, &actions)
        }
        // The caller hears something new they may not interrupt: older type-ahead no
        // longer answers it.
        typeAhead.removeAll()
        guard !items.isEmpty else { return leaveToNext(outcome: "played", input: nil, &actions) }
        actions.append(.play(items, bargeIn: bargeIn))
        waiting = .playback(bargeIn: bargeIn, then: .next)
        return nil
    }

    /// voicemail, callback and hangup: a prompt nobody interrupts, then the node's work.
    private mutating func playThen(_ items: [SpokenItem], then: AfterPlayback, _ actions: inout [IVRAction]) -> NodeID? {
        typeAhead.removeAll()
        guard !items.isEmpty else { return promptPlayed(then, &actions) }
        actions.append(.play(items, bargeIn: false))
        waiting = .playback(bargeIn: false, then: then)
        return nil
    }

    /// What follows a prompt of a play, say, voicemail, callback or hangup node.
    mutating func promptPlayed(_ then: AfterPlayback, _ actions: inout [IVRAction]) -> NodeID? {
        switch then {
        case .next:
            return leaveToNext(outcome: "played", input: nil, &actions)
        case .recordVoicemail:
            guard case .voicemail(let voicemail)? = current?.node.kind else { return nil }
            let request = newRequest()
            actions.append(.recordVoicemail(request: request, maximumSeconds: voicemail.maximumSeconds))
            waiting = .result(request: request)
            return nil
        case .storeCallback:
            guard case .callback(let callback)? = current?.node.kind else { return nil }
            let number: String
            var preferredTime: String?
            do throws(ExpressionError) {
                number = if let e = callback.number { try evaluate(e.value).description } else { call.callerNumber }
                if let time = callback.preferredTime {
                    let value = try evaluate(time.value)
                    if value != .null { preferredTime = value.description }
                }
            } catch {
                return leaveToNext(outcome: "error: \(error.message)", input: nil, &actions)
            }
            let request = newRequest()
            actions.append(.storeCallback(request: request, number: number, preferredTime: preferredTime))
            waiting = .result(request: request)
            return nil
        case .hangup:
            guard case .hangup(let hangup)? = current?.node.kind else { return nil }
            leave(outcome: hangup.outcome ?? "hung up", input: nil, &actions)
            end(outcome: hangup.outcome, &actions)
            actions.append(.hangup(outcome: hangup.outcome))
            return nil
        }
    }

    // MARK: Decisions

    private mutating func set(_ assignments: [Assignment], _ actions: inout [IVRAction]) -> NodeID? {
        var firstError: String?
        for assignment in assignments {
            let name = assignment.variable.value
            do throws(ExpressionError) {
                variables[name] = try evaluate(assignment.expression.value)
            } catch {
                // The variable reads as null, as one never set; the step says why.
                variables[name] = .null
                if firstError == nil { firstError = "\(name): \(error.message)" }
            }
            if name == "language", case .string(let tag)? = variables[name], let chosen = Language(rawValue: tag) {
                language = chosen
            }
        }
        return leaveToNext(outcome: firstError.map { "error: \($0)" } ?? "set", input: nil, &actions)
    }

    private mutating func decide(_ branch: Branch, _ actions: inout [IVRAction]) -> NodeID? {
        for (condition, node) in branch.cases {
            do throws(ExpressionError) {
                if try evaluate(condition.value).isTruthy {
                    leave(outcome: "if \(condition.value)", input: nil, &actions)
                    return node.value
                }
            } catch {
                leave(outcome: "error: \(error.message)", input: nil, &actions)
                return branch.otherwise.value
            }
        }
        leave(outcome: "otherwise", input: nil, &actions)
        return branch.otherwise.value
    }

    // MARK: Transfer

    private mutating func transferCall(_ transfer: Transfer, _ actions: inout [IVRAction]) {
        let hold = transfer.prompt.map { promptItems($0.value) } ?? []
        if !hold.isEmpty { actions.append(.play(hold, bargeIn: false)) }
        // A reason that does not render still transfers the call: it is only shown to the agent.
        let reason = transfer.reason.flatMap { try? render($0.value, escape: .none) }
        let queue = transfer.queue.value
        leave(outcome: "queue \(queue)", input: nil, &actions)
        let request = TransferRequest(
            queue: queue, skills: transfer.skills.map(\.value), priority: transfer.priority,
            holdPrompt: hold, reason: reason, context: context)
        end(outcome: "transferred to \(queue)", &actions)
        actions.append(.transfer(request))
    }
}
