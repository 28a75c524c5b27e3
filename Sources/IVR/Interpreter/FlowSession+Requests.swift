import HotlineModel

/// verify, lookup, create, http, voicemail and callback: a numbered request to the adapter and
/// the branch its result chooses. A result for another number (a request the session
/// gave up on, after the http guard timer) is ignored.
extension FlowSession {
    mutating func requestVerification(_ verify: Verify, _ actions: inout [IVRAction]) -> NodeID? {
        let identifier: String
        switch verify.method {
        case .callerID:
            identifier = call.callerNumber
        case .phone, .account, .card:
            do throws(ExpressionError) {
                identifier = if let e = verify.identifier { try evaluate(e.value).description } else { call.callerNumber }
            } catch {
                leave(outcome: "error: \(error.message)", input: nil, &actions)
                return verify.onFailure.value
            }
        }
        let pin = variables[verify.pin.value]?.description ?? ""
        verificationMethod = verify.method
        let request = newRequest()
        actions.append(.verify(request: request, method: verify.method, identifier: identifier, pin: pin))
        waiting = .result(request: request)
        return nil
    }

    mutating func requestCreate(_ create: Create, _ actions: inout [IVRAction]) -> NodeID? {
        var fields: [String: String] = [:]
        do throws(ExpressionError) {
            for (key, template) in create.fields { fields[key] = try render(template.value, escape: .none) }
        } catch {
            leave(outcome: "error: \(error.message)", input: nil, &actions)
            return create.onError.value
        }
        let request = newRequest()
        actions.append(.create(request: request, record: create.record, fields: fields))
        waiting = .result(request: request)
        return nil
    }

    mutating func created(_ value: FlowValue?, _ actions: inout [IVRAction]) {
        guard case .create(let create)? = current?.node.kind else { return }
        let next: NodeID?
        if let value {
            variables[create.variable.value] = value
            let number = value.member("number").map { " \($0)" } ?? ""
            next = leaveToNext(outcome: "created \(create.record.rawValue)\(number)", input: nil, &actions)
        } else {
            leave(outcome: "not created", input: nil, &actions)
            next = create.onError.value
        }
        run(from: next, &actions)
    }

    mutating func requestHTTP(_ http: HTTPRequest, _ actions: inout [IVRAction]) -> NodeID? {
        let url: String
        var body: String?
        do throws(ExpressionError) {
            url = try render(http.url.value, escape: .urlComponent)
            if !http.body.isEmpty {
                var fields: [String] = []
                for (key, template) in http.body {
                    let value = try render(template.value, escape: .json)
                    fields.append("\"\(TemplateEscape.json.apply(to: key))\":\"\(value)\"")
                }
                body = "{" + fields.joined(separator: ",") + "}"
            }
        } catch {
            leave(outcome: "error: \(error.message)", input: nil, &actions)
            return http.onError.value
        }
        let request = newRequest()
        actions.append(.http(request: request, method: http.method, url: url, jsonBody: body,
                             timeoutMilliseconds: http.timeoutMilliseconds))
        startTimer(.http(request), afterMilliseconds: http.timeoutMilliseconds, &actions)
        waiting = .result(request: request)
        return nil
    }

    mutating func lookupResult(_ value: FlowValue?, _ actions: inout [IVRAction]) {
        guard case .lookup(let lookup)? = current?.node.kind else { return }
        let next: NodeID?
        if let value {
            variables[lookup.variable.value] = value
            next = leaveToNext(outcome: "found", input: nil, &actions)
        } else {
            leave(outcome: "not found", input: nil, &actions)
            next = lookup.onNotFound.value
        }
        run(from: next, &actions)
    }

    mutating func verifyResult(_ result: VerifyOutcome, _ actions: inout [IVRAction]) {
        guard case .verify(let verify)? = current?.node.kind else { return }
        let next: NodeID?
        switch result {
        case .verified(let customer):
            verification = "verified"
            variables["customer"] = customer
            variables["verified"] = true
            next = leaveToNext(outcome: "verified", input: nil, &actions)
        case .wrongPIN(let triesLeft):
            verification = "wrong PIN"
            variables["verified"] = false
            leave(outcome: "wrong PIN, \(triesLeft) left", input: nil, &actions)
            next = verify.onFailure.value
        case .locked:
            verification = "locked"
            variables["verified"] = false
            leave(outcome: "locked", input: nil, &actions)
            next = verify.onLocked.value
        case .unknownIdentifier:
            verification = "unknown identifier"
            variables["verified"] = false
            leave(outcome: "unknown identifier", input: nil, &actions)
            next = verify.onFailure.value
        }
        variables["verification"] = verification.map(FlowValue.string) ?? .null
        run(from: next, &actions)
    }

    mutating func httpResult(_ result: HTTPOutcome, _ actions: inout [IVRAction]) {
        guard case .http(let http)? = current?.node.kind else { return }
        let next: NodeID?
        switch result {
        case .response(let status, let body) where (200...299).contains(status):
            variables[http.variable?.value ?? "http"] = body ?? .null
            next = leaveToNext(outcome: "http \(status)", input: nil, &actions)
        case .response(let status, _):
            leave(outcome: "http \(status)", input: nil, &actions)
            next = http.onError.value
        case .failed(let reason):
            leave(outcome: "error: \(reason)", input: nil, &actions)
            next = http.onError.value
        case .timedOut:
            leave(outcome: "timeout", input: nil, &actions)
            next = http.onTimeout.value
        }
        run(from: next, &actions)
    }

    /// The guard timer of request `request` fired before its result.
    mutating func httpTimedOut(_ request: Int, _ actions: inout [IVRAction]) {
        guard case .result(let awaited) = waiting, awaited == request,
              case .http(let http)? = current?.node.kind else { return }
        leave(outcome: "timeout", input: nil, &actions)
        run(from: http.onTimeout.value, &actions)
    }

    mutating func stored(_ id: String, _ actions: inout [IVRAction]) {
        let name: String
        switch current?.node.kind {
        case .voicemail?: name = "voicemail"
        case .callback?: name = "callback"
        case .play?, .say?, .menu?, .collect?, .verify?, .lookup?, .create?, .http?, .set?, .branch?, .hours?, .language?,
             .transfer?, .subflow?, .return?, .hangup?, nil:
            return
        }
        variables[name] = .string(id)
        run(from: leaveToNext(outcome: "stored", input: nil, &actions), &actions)
    }
}
