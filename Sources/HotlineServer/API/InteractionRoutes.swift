import CTI
import HotlineModel
import Hummingbird
import Logging
import Storage

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who may read what beyond their own agent: an agent reads the interactions they took
/// part in; a supervisor those of the agents in their team (every agent when they have
/// no team); an admin everything.
struct APIAccess: Sendable {
    /// Supervisor username → the agents of their team; a supervisor not listed sees all.
    var teams: [String: Set<String>] = [:]

    /// The agents `user` may watch; nil: all of them.
    func watched(by user: APIPrincipal) -> Set<String>? {
        if user.roles.contains(.admin) { return nil }
        if user.roles.contains(.supervisor) { return teams[user.username].map { $0.union([user.username]) } }
        return [user.username]
    }

    /// A supervisor with a team also reads the calls no agent took (abandoned in the IVR
    /// or the queue), as the event stream shows them their queues' events.
    func mayRead(_ record: CallRecord, as user: APIPrincipal) -> Bool {
        guard let agents = watched(by: user) else { return true }
        // Every agent the call was offered to took part (a missed call is theirs too).
        let offered = Set(record.segments.map(\.agentID.rawValue))
        if offered.isEmpty, user.roles.contains(.supervisor) { return true }
        return !offered.isDisjoint(with: agents)
    }
}

/// `GET /api/v1/interactions` (search), `GET /api/v1/interactions/{id}` (one, in full) and
/// `GET /api/v1/recordings/{id}` (the WAV file of a call, for whoever may read the call).
struct InteractionRoutes: Sendable {
    let store: any HotlineStore
    let commands: any RoutingCommands
    let auth: APIAuthentication
    let access: APIAccess
    let logger: Logger

    static let maximumLimit = 200

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let query = request.uri.queryParameters
        for name in Set(query.map { String($0.key) }).sorted()
        where !["from", "to", "agent", "queue", "outcome", "caller", "customer", "limit", "cursor"].contains(name) {
            throw APIError.invalidValue(field: name, "'\(name)' is not a filter here; use from, to, agent, queue, outcome, caller, "
                                            + "customer, limit and cursor")
        }
        var filter = CallRecordQuery()
        filter.from = try Self.time(query["from"].map(String.init), field: "from")
        filter.to = try Self.time(query["to"].map(String.init), field: "to")
        filter.queue = query["queue"].map(String.init)
        filter.caller = query["caller"].map(String.init)
        filter.customer = query["customer"].map { CustomerID(String($0)) }
        if let text = query["outcome"] {
            guard let outcome = CallOutcome(rawValue: String(text)) else {
                throw APIError.invalidValue(field: "outcome", "'\(text)' is not an outcome; one of "
                                                + CallOutcome.allCases.map(\.rawValue).joined(separator: ", "))
            }
            filter.outcome = outcome
        }
        let watched = access.watched(by: user)
        if let agent = query["agent"].map(String.init) {
            if let watched, !watched.contains(agent) {
                throw APIError.forbidden(field: "agent", "signed in as \(user.username), you may only search interactions of "
                                             + (user.roles.contains(.supervisor) ? "your team" : "your own"))
            }
            filter.agent = AgentID(rawValue: agent)
        } else if let watched, !user.roles.contains(.supervisor), let only = watched.first {
            filter.agent = AgentID(rawValue: only)
        }
        let limit = try Self.limit(query["limit"].map(String.init))
        var after: InteractionID?
        if let cursor = query["cursor"] {
            guard !cursor.isEmpty, cursor.count <= 64, cursor.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw APIError.invalidValue(field: "cursor", "give the `next` of the previous page as it came")
            }
            after = InteractionID(String(cursor))
        }
        // A supervisor's team is checked after the query: fetch pages until one has enough.
        var items: [JSONValue] = []
        var next: String?
        var from = after
        pages: while true {
            let records: [CallRecord]
            do {
                records = try await store.callRecords(matching: filter, limit: limit, after: from)
            } catch let error as StorageError where error.code == .invalid && error.field == .paging {
                throw APIError.invalidValue(field: "cursor", "this cursor names no interaction; start again without cursor")
            }
            for record in records {
                if access.mayRead(record, as: user) {
                    items.append(APIResources.interaction(record, try await store.interaction(id: record.interactionID)))
                    if items.count == limit {
                        next = record.interactionID.rawValue
                        break pages
                    }
                }
                from = record.interactionID
            }
            if records.count < limit { break }
        }
        return APIJSON.response(JSONValue.object(["items": .array(items), "next": .string(next)]))
    }

    func one(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let id = InteractionID(context.parameters.get("id") ?? "")
        guard let record = try await store.callRecord(of: id) else {
            throw APIError(code: "unknown-interaction", message: "no interaction '\(id)'; search with GET /api/v1/interactions",
                           status: .notFound)
        }
        guard access.mayRead(record, as: user) else {
            throw APIError.forbidden("signed in as \(user.username), you may only read interactions you "
                                         + (user.roles.contains(.supervisor) ? "or your team " : "") + "took part in")
        }
        let interaction = try await store.interaction(id: id)
        var customer: Customer?
        if let id = interaction?.customerID { customer = try await store.customer(id: id) }
        let summary = try await store.ivrSummary(of: id)
        let steps = try await store.ivrSteps(of: id)
        let recordings = try await store.recordings(of: id)
        let ivr: JSONValue = summary.map { s in
            ScreenPop.ivr(s, variables: LineCallController.jsonValue(s.variablesJSON) ?? [:], steps: steps)
        } ?? .null
        guard case .object(var detail) = APIResources.interaction(record, interaction) else { return APIJSON.response(JSONValue.null) }
        detail["customer"] = customer.map(APIResources.customer) ?? .null
        detail["ivr"] = ivr
        detail["segments"] = .array(record.segments.map(APIResources.segment))
        detail["transfers"] = .array(record.transfers.map(APIResources.transfer))
        detail["recordings"] = .array(recordings.map(APIResources.recording))
        detail["timeline"] = .array(APIResources.timeline(record, recordings: recordings))
        return APIJSON.response(JSONValue.object(detail))
    }

    /// `PUT /api/v1/interactions/{id}/customer` `{"customer": "c-..."}`: names the caller
    /// an agent identified (an unknown number, a caller who did not verify). The agent must
    /// be handling the call or have taken part in it; audited.
    func attachCustomer(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let id = InteractionID(context.parameters.get("id") ?? "")
        let body = try await APIRequestBody.read(request, known: ["customer"], required: true, example: #"{"customer": "c-demo-001"}"#)
        guard let customerText = try body.string("customer") else { throw APIError.missingField("customer", "give the customer's id") }
        guard var interaction = try await store.interaction(id: id) else {
            throw APIError(code: "unknown-interaction", message: "no interaction '\(id.rawValue.prefix(64))'", status: .notFound)
        }
        let handling = await commands.agent(user.agentID)?.interaction == id
        if !handling {
            let record = try await store.callRecord(of: id)
            guard let record, access.mayRead(record, as: user) else {
                throw APIError.forbidden("signed in as \(user.username), you may only name the customer of a call you handle or took part in")
            }
        }
        guard let customer = try await store.customer(id: CustomerID(customerText)) else {
            throw APIError(code: "unknown-customer", field: "customer", message: "no customer '\(customerText.prefix(64))'; "
                               + "find one with GET /api/v1/customers?q= or create one", status: .unprocessableContent)
        }
        let live = await commands.attachCustomer(id, customer: customer.id)
        if !live {
            interaction.customerID = customer.id
            try await store.updateInteraction(interaction)
        }
        _ = try? await store.appendAudit(AuditEntry(at: .now(), actor: user.username, action: "interaction.customer",
                                                     subject: "interactions/\(id)", detail: "customer \(customer.id)"))
        logger.info("customer named for an interaction", metadata: ["api.user": "\(user.username)", "interaction.id": "\(id)"])
        return APIJSON.response(JSONValue.object(["interaction": .string(id.rawValue), "customer": APIResources.customer(customer),
                                                  "live": .bool(live)]))
    }

    /// The recording's file, found by its id in the store: the path never comes from the
    /// request, so `../` in it finds nothing.
    func recording(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let text = context.parameters.get("id") ?? ""
        let unknown = APIError(code: "unknown-recording", field: "id", message: "no recording '\(text.prefix(80))'; "
                                   + "the interaction's detail lists its recordings", status: .notFound)
        guard text.count <= 64, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
              let recording = try await store.recording(id: RecordingID(text)) else { throw unknown }
        guard let record = try await store.callRecord(of: recording.interactionID), access.mayRead(record, as: user) else {
            throw APIError.forbidden("signed in as \(user.username), you may only hear calls you took part in")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readBytes(recording.path)
        } catch {
            logger.warning("recording file unreadable", metadata: ["recording.id": "\(recording.id)", "error": "\(error)"])
            throw APIError(code: "recording-unavailable", message: "the recording's file cannot be read (\(recording.status.rawValue)); "
                               + "ask an administrator", status: .gone)
        }
        logger.info("recording downloaded", metadata: ["api.user": "\(user.username)", "recording.id": "\(recording.id)"])
        return Response(status: .ok, headers: [.contentType: "audio/wav", .cacheControl: "private, no-store",
                                               .contentDisposition: "attachment; filename=\"\(recording.id.rawValue).wav\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Query values

    static func time(_ text: String?, field: String) throws(APIError) -> Timestamp? {
        guard let text else { return nil }
        guard let t = Timestamp(rfc3339: text) else {
            throw .invalidValue(field: field, "'\(text.prefix(40))' is not an RFC 3339 time; write e.g. 2026-11-25T00:00:00+08:00")
        }
        return t
    }

    static func limit(_ text: String?, default value: Int = 50) throws(APIError) -> Int {
        guard let text else { return value }
        guard let n = Int(text), (1...maximumLimit).contains(n) else {
            throw .invalidValue(field: "limit", "give a limit of 1 to \(maximumLimit)")
        }
        return n
    }
}
