import Hummingbird
import HotlineModel
import Logging
import NIOConcurrencyHelpers
import Storage

/// The routing routes of `/api/v1`: agents sign in to routing, change state, finish
/// wrap-up and transfer or end their call; supervisors watch and act on any agent.
///
/// Each handler signs the request in, checks who may do it, reads the body, then runs one
/// ``RoutingCommands`` command; a refusal anywhere is thrown (``APIError`` or
/// ``RoutingCommandError``) and rendered by ``APIErrorMiddleware``.
struct AgentRoutes: Sendable {
    let commands: any RoutingCommands
    let auth: APIAuthentication
    /// Who watches whom: a supervisor with a team reads and acts on its agents only.
    var access = APIAccess()
    let logger: Logger

    /// Settable with `PUT .../state`; the rest follow from logins and calls.
    static let settableStates: [AgentStateName] = [.available, .notReady]
    /// Reasons routing sets by itself; an agent claiming one would mislead the reports.
    static let routingReasons: Set<NotReadyReason> = [.missedCall, .phoneUnavailable, .login]
    static let maximumDispositionLength = 64
    static let maximumNotesLength = 4000

    // MARK: Reads

    func listAgents(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        guard user.supervises else {
            // A plain agent sees themselves only (an empty list if no agent carries their name).
            return APIJSON.response(await commands.agent(user.agentID).map { [$0] } ?? [])
        }
        let all = await commands.agents()
        guard let watched = access.watched(by: user) else { return APIJSON.response(all) }
        return APIJSON.response(all.filter { watched.contains($0.id.rawValue) })
    }

    func agent(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        guard let status = await commands.agent(id) else { throw RoutingCommandError.unknownAgent(id) }
        return APIJSON.response(status)
    }

    func queues(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try signIn(request, context)
        return APIJSON.response(await commands.queues())
    }

    // MARK: Commands

    func login(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        let body = try await APIRequestBody.read(request, known: ["ready"], required: false, example: #"{"ready": true}"#)
        let ready = try body.bool("ready") ?? false
        log("login", user, id, ["api.ready": "\(ready)"])
        return APIJSON.response(try await commands.login(id, ready: ready))
    }

    func logout(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        let body = try await APIRequestBody.read(request, known: ["force"], required: false, example: #"{"force": false}"#)
        let force = try body.bool("force") ?? false
        if force, !user.supervises {
            throw APIError.forbidden(field: "force", "only a supervisor or admin may force a logout; log out without force "
                                         + "once the call has ended")
        }
        log("logout", user, id, ["api.force": "\(force)"])
        return APIJSON.response(try await commands.logout(id, force: force))
    }

    func setState(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        let body = try await APIRequestBody.read(request, known: ["state", "reason"], required: true,
                                                 example: #"{"state": "not-ready", "reason": "break"}"#)
        let settable = Self.settableStates.map(\.rawValue).joined(separator: ", ")
        guard let stateText = try body.string("state") else {
            throw APIError.missingField("state", "give the state to set: \(settable) (not-ready with a reason)")
        }
        let reasonText = try body.string("reason")
        switch AgentStateName(rawValue: stateText) {
        case .available?:
            if reasonText != nil {
                throw APIError.invalidValue(field: "reason", "only not-ready takes a reason; leave reason out for available")
            }
            log("available", user, id, [:])
            return APIJSON.response(try await commands.makeAvailable(id))
        case .notReady?:
            guard let reasonText else {
                throw APIError.missingField("reason", #"not-ready needs a reason, e.g. {"state": "not-ready", "reason": "break"}"#)
            }
            let reason = try Self.reason(reasonText, by: user)
            log("not-ready", user, id, ["agent.reason": "\(reason)"])
            return APIJSON.response(try await commands.makeNotReady(id, reason: reason))
        case .loggedOut?, .reserved?, .onCall?, .wrapUp?, nil:
            throw APIError.invalidValue(field: "state", "'\(stateText)' cannot be set here; settable states: \(settable) "
                                            + "(log in and out with .../login and .../logout; calls set the others)")
        }
    }

    func wrapUp(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        let body = try await APIRequestBody.read(request, known: ["disposition", "notes"], required: false,
                                                 example: #"{"disposition": "resolved"}"#)
        let disposition = try body.string("disposition")
        if let disposition, disposition.allSatisfy(\.isWhitespace) || disposition.count > Self.maximumDispositionLength {
            throw APIError.invalidValue(field: "disposition", "give a disposition code of 1 to \(Self.maximumDispositionLength) "
                                            + "characters, e.g. \"resolved\", or leave it out")
        }
        let notes = try body.string("notes")
        if let notes, notes.count > Self.maximumNotesLength {
            throw APIError.invalidValue(field: "notes", "notes are \(notes.count) characters; keep them to \(Self.maximumNotesLength)")
        }
        log("wrap-up", user, id, ["call.disposition": "\(disposition ?? "-")"])
        return APIJSON.response(try await commands.endWrapUp(id, disposition: disposition, notes: notes))
    }

    func transfer(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        let (target, note) = try await Self.target(request, fields: ["queue", "agent", "number"], example: #"{"queue": "cards"}"#)
        log("transfer", user, id, ["call.transfer.target": "\(target)"])
        try await commands.transfer(id, to: target, note: note)
        return APIJSON.response(APIAccepted(status: "transferring"), status: .accepted)
    }

    /// Click-to-dial: the agent's phone rings first, then Hotline dials the number.
    func dial(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        let body = try await APIRequestBody.read(request, known: ["number", "customer"], required: true,
                                                 example: #"{"number": "13800138000"}"#)
        guard let number = try body.string("number") else {
            throw APIError.missingField("number", #"give the number to call, e.g. {"number": "13800138000"}"#)
        }
        let customer = try body.string("customer").map { CustomerID($0) }
        log("dial", user, id, [:])
        let interaction = try await commands.dial(id, number: number, customer: customer)
        return APIJSON.response(JSONValue.object(["status": "dialling", "interaction": .string(interaction.rawValue)]), status: .accepted)
    }

    /// Attended transfer: the caller holds while the agent talks to another agent or a number.
    func consult(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        let (target, note) = try await Self.target(request, fields: ["agent", "number"], example: #"{"agent": "1002"}"#)
        log("consult", user, id, ["call.transfer.target": "\(target)"])
        try await commands.consult(id, with: target, note: note)
        return APIJSON.response(APIAccepted(status: "consulting"), status: .accepted)
    }

    func completeTransfer(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await accepted(request, context, "complete-transfer", answer: "transferred") { try await commands.completeTransfer($0) }
    }

    func cancelConsultation(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await accepted(request, context, "cancel-consultation", answer: "with-caller") { try await commands.cancelConsultation($0) }
    }

    func hold(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await accepted(request, context, "hold", answer: "held") { try await commands.hold($0, true) }
    }

    func resume(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await accepted(request, context, "resume", answer: "resumed") { try await commands.hold($0, false) }
    }

    /// A call command without a body: signs in, checks who may act on the agent, runs it,
    /// and answers 202 with `answer` as the status.
    private func accepted(_ request: Request, _ context: APIRequestContext, _ command: String, answer: String,
                          _ run: (AgentID) async throws -> Void) async throws -> Response {
        let user = try signIn(request, context)
        let id = try await agentID(context, user)
        log(command, user, id, [:])
        try await run(id)
        return APIJSON.response(APIAccepted(status: answer), status: .accepted)
    }

    /// Exactly one of `fields` names where the call goes; `note` is optional text for whoever takes it.
    static func target(_ request: Request, fields: [String], example: String) async throws -> (CallTransfer.Target, String?) {
        let body = try await APIRequestBody.read(request, known: fields + ["note"], required: true, example: example)
        func nonEmpty(_ field: String) throws(APIError) -> String? {
            guard let value = try body.string(field) else { return nil }
            guard !value.isEmpty else { throw .invalidValue(field: field, "\(field) is empty; name where the call goes") }
            return value
        }
        var targets: [(field: String, target: CallTransfer.Target)] = []
        for field in fields {
            guard let value = try nonEmpty(field) else { continue }
            switch field {
            case "queue": targets.append((field, .queue(value)))
            case "agent": targets.append((field, .agent(AgentID(rawValue: value))))
            default: targets.append((field, .number(value)))
            }
        }
        guard targets.count == 1 else {
            let given = targets.map(\.field)
            let choices = fields.count == 2 ? fields.joined(separator: " or ")
                : fields.dropLast().joined(separator: ", ") + " or " + fields[fields.count - 1]
            throw APIError.invalidValue(field: (given.isEmpty ? fields : given).joined(separator: ","),
                                        "give exactly one of \(choices); the body has "
                                            + (given.isEmpty ? "none" : given.joined(separator: " and ")))
        }
        let note = try body.string("note")
        if let note, note.allSatisfy(\.isWhitespace) || note.count > CallTransfer.maximumNoteLength {
            throw APIError.invalidValue(field: "note", "give a note of 1 to \(CallTransfer.maximumNoteLength) characters for whoever "
                                            + "takes the call, or leave it out")
        }
        return (targets[0].target, note)
    }

    func hangup(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await accepted(request, context, "hangup", answer: "hanging-up") { try await commands.hangup($0) }
    }

    // MARK: Checks

    /// The signed-in user, or 401/403/429.
    func signIn(_ request: Request, _ context: APIRequestContext) throws(APIError) -> APIPrincipal {
        try auth.signIn(request, context)
    }

    /// The `{id}` of the path, when `user` may act on that agent: 403 otherwise (another
    /// agent, or a supervisor's agent outside their team), 404 for an agent there is not.
    func agentID(_ context: APIRequestContext, _ user: APIPrincipal) async throws -> AgentID {
        let id = AgentID(rawValue: context.parameters.get("id") ?? "")
        guard user.mayAct(on: id) else {
            throw APIError.forbidden("signed in as \(user.username), you may only read and change agent \(user.username); "
                                         + "supervisors and admins act on any agent")
        }
        if let watched = access.watched(by: user), !watched.contains(id.rawValue) {
            guard await commands.agent(id) != nil else { throw RoutingCommandError.unknownAgent(id) }
            throw APIError.forbidden("signed in as \(user.username), you supervise your team's agents only; \(id) is not in it")
        }
        return id
    }

    /// A not-ready reason an agent may give: a valid code that routing does not set itself.
    static func reason(_ text: String, by user: APIPrincipal) throws(APIError) -> NotReadyReason {
        let reason = NotReadyReason(rawValue: text)
        do {
            try reason.validateForStorage()
        } catch {
            throw .invalidValue(field: "reason", error.message)
        }
        if routingReasons.contains(reason) {
            throw .invalidValue(field: "reason", "'\(text)' is set by routing itself; choose e.g. break, lunch, training or meeting")
        }
        if reason == .forcedBySupervisor, !user.supervises {
            throw .invalidValue(field: "reason", "'\(text)' is for supervisors; choose e.g. break, lunch, training or meeting")
        }
        return reason
    }

    private func log(_ command: String, _ user: APIPrincipal, _ agent: AgentID, _ extra: Logger.Metadata) {
        var metadata: Logger.Metadata = ["api.command": "\(command)", "api.user": "\(user.username)", "agent.id": "\(agent)"]
        metadata.merge(extra) { _, new in new }
        logger.debug("API command", metadata: metadata)
    }
}
