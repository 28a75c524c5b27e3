import HotlineModel

/// Keys, prompts ending and timers: menus, collects and language choices, and barge-in.
extension FlowSession {
    /// Starts a menu, collect or language node: answers type-ahead at once, or plays the
    /// prompt (and starts listening when it ends).
    mutating func listen(prompt: [SpokenItem], _ actions: inout [IVRAction]) -> NodeID? {
        if !typeAhead.isEmpty {
            // The caller already answered while an earlier prompt played: no prompt.
            waiting = .input(Listening(promptPlaying: false))
            while current != nil, case .input = waiting, !typeAhead.isEmpty {
                let key = typeAhead.removeFirst()
                if let next = inputKey(key, &actions) { return next }
            }
            return nil
        }
        if prompt.isEmpty {
            waiting = .input(Listening(promptPlaying: false))
            startNoInputTimer(&actions)
        } else {
            actions.append(.play(prompt, bargeIn: promptBargeIn))
            waiting = .input(Listening(promptPlaying: true))
        }
        return nil
    }

    /// Menus say whether a key stops their prompt; collect and language prompts always stop.
    private var promptBargeIn: Bool {
        switch current?.node.kind {
        case .menu(let menu)?: menu.bargeIn
        case .collect?, .language?: true
        case .play?, .say?, .verify?, .lookup?, .create?, .http?, .set?, .branch?, .hours?, .voicemail?, .callback?,
             .transfer?, .subflow?, .return?, .hangup?, nil: false
        }
    }

    // MARK: Events

    mutating func digit(_ key: Character, _ actions: inout [IVRAction]) {
        switch waiting {
        case .finished:
            return
        case .notStarted, .result:
            // Keys pressed while a lookup or PIN check runs are the caller typing ahead
            // (the next menu's choice): kept, like keys that interrupt a prompt.
            if typeAhead.count < Self.maximumTypeAhead { typeAhead.append(key) }
        case .playback(let bargeIn, let then):
            guard bargeIn, then == .next else { return }
            actions.append(.stopPlayback)
            if typeAhead.count < Self.maximumTypeAhead { typeAhead.append(key) }
            run(from: leaveToNext(outcome: "interrupted", input: nil, &actions), &actions)
        case .input:
            run(from: inputKey(key, &actions), &actions)
        }
    }

    mutating func playbackFinished(_ actions: inout [IVRAction]) {
        switch waiting {
        case .notStarted, .result, .finished:
            return
        case .playback(_, let then):
            run(from: promptPlayed(then, &actions), &actions)
        case .input(var listening):
            guard listening.promptPlaying else { return }
            listening.promptPlaying = false
            waiting = .input(listening)
            startNoInputTimer(&actions)
        }
    }

    /// `timer` was running and has been removed from the running set.
    mutating func timerFired(_ timer: IVRTimer, _ actions: inout [IVRAction]) {
        switch timer {
        case .http(let request):
            httpTimedOut(request, &actions)
        case .noInput:
            guard case .input = waiting else { return }
            run(from: retry(because: "timeout", input: nil, &actions), &actions)
        case .interDigit:
            guard case .input = waiting else { return }
            run(from: endOfEntry(&actions), &actions)
        }
    }

    // MARK: Listening

    private mutating func startNoInputTimer(_ actions: inout [IVRAction]) {
        switch current?.node.kind {
        case .menu(let menu)?: startTimer(.noInput, afterMilliseconds: menu.timeoutMilliseconds, &actions)
        case .collect(let collect)?: startTimer(.noInput, afterMilliseconds: collect.firstDigitTimeoutMilliseconds, &actions)
        case .language(let choice)?: startTimer(.noInput, afterMilliseconds: choice.timeoutMilliseconds, &actions)
        case .play?, .say?, .verify?, .lookup?, .create?, .http?, .set?, .branch?, .hours?, .voicemail?, .callback?,
             .transfer?, .subflow?, .return?, .hangup?, nil: return
        }
    }

    /// A key at a menu, collect or language node: gives the node to go to when the node is done.
    mutating func inputKey(_ key: Character, _ actions: inout [IVRAction]) -> NodeID? {
        guard case .input(var listening) = waiting, let node = current?.node else { return nil }
        if listening.promptPlaying {
            guard promptBargeIn else { return nil }
            actions.append(.stopPlayback)
            listening.promptPlaying = false
            waiting = .input(listening)
        } else {
            cancelTimer(.noInput, &actions)
        }
        let keyText = String(key)
        switch node.kind {
        case .menu(let menu):
            if let target = menu.options.first(where: { $0.key.value == keyText })?.value {
                leave(outcome: "option \(keyText)", input: keyText, &actions)
                return target.value
            }
            if menu.repeatKey?.value == keyText {
                actions.append(.play(promptItems(menu.prompt.value), bargeIn: menu.bargeIn))
                listening.promptPlaying = true
                waiting = .input(listening)
                return nil
            }
            return retry(because: "invalid", input: keyText, &actions)
        case .collect(let collect):
            if key == collect.terminator { return endOfEntry(&actions) }
            listening.digits.append(key)
            waiting = .input(listening)
            if listening.digits.count >= collect.maximumLength { return endOfEntry(&actions) }
            startTimer(.interDigit, afterMilliseconds: collect.interDigitTimeoutMilliseconds, &actions)
            return nil
        case .language(let choice):
            if let chosen = choice.options.first(where: { $0.key.value == keyText })?.value {
                choose(chosen)
                return leaveToNext(outcome: "language \(chosen.rawValue)", input: keyText, &actions)
            }
            choose(choice.fallback)
            return leaveToNext(outcome: "invalid", input: keyText, &actions)
        case .play, .say, .verify, .lookup, .create, .http, .set, .branch, .hours, .voicemail, .callback,
             .transfer, .subflow, .return, .hangup:
            return nil
        }
    }

    /// A collect's entry ended (terminator, maximum length or inter-digit timeout).
    private mutating func endOfEntry(_ actions: inout [IVRAction]) -> NodeID? {
        guard case .input(let listening) = waiting, case .collect(let collect)? = current?.node.kind else { return nil }
        guard listening.digits.count >= collect.minimumLength else {
            return retry(because: "invalid", input: masked(collect.variable.value, listening.digits), &actions)
        }
        variables[collect.variable.value] = .string(listening.digits)
        return leaveToNext(outcome: "collected", input: masked(collect.variable.value, listening.digits), &actions)
    }

    /// A wrong key, a too-short entry or a timeout: a try used; the prompt again (after
    /// the invalid or timeout prompt), or `on_failure` when none is left. A language
    /// node takes its fallback instead.
    private mutating func retry(because reason: String, input: String?, _ actions: inout [IVRAction]) -> NodeID? {
        guard case .input(var listening) = waiting, let node = current?.node else { return nil }
        let tries: Int, prompt: String, reasonPrompt: Located<String>?, bargeIn: Bool, onFailure: NodeID
        switch node.kind {
        case .menu(let menu):
            (tries, prompt, bargeIn, onFailure) = (menu.tries, menu.prompt.value, menu.bargeIn, menu.onFailure.value)
            reasonPrompt = reason == "timeout" ? menu.timeoutPrompt : menu.invalidPrompt
        case .collect(let collect):
            (tries, prompt, bargeIn, onFailure) = (collect.tries, collect.prompt.value, true, collect.onFailure.value)
            reasonPrompt = reason == "timeout" ? collect.timeoutPrompt : collect.invalidPrompt
        case .language(let choice):
            choose(choice.fallback)
            return leaveToNext(outcome: reason, input: input, &actions)
        case .play, .say, .verify, .lookup, .create, .http, .set, .branch, .hours, .voicemail, .callback,
             .transfer, .subflow, .return, .hangup:
            return nil
        }
        listening.triesUsed += 1
        listening.digits = ""
        guard listening.triesUsed < tries else {
            leave(outcome: reason, input: input, &actions)
            return onFailure
        }
        cancelTimer(.interDigit, &actions)
        let items = (reasonPrompt.map { promptItems($0.value) } ?? []) + promptItems(prompt)
        if items.isEmpty {
            listening.promptPlaying = false
            waiting = .input(listening)
            startNoInputTimer(&actions)
        } else {
            actions.append(.play(items, bargeIn: bargeIn))
            listening.promptPlaying = true
            waiting = .input(listening)
        }
        return nil
    }

    private mutating func choose(_ chosen: Language) {
        language = chosen
        variables["language"] = .string(chosen.rawValue)
    }
}
