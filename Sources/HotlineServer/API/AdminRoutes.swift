import ACD
import HotlineModel
import Hummingbird
import IVR
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Storage

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What the admin pages change, and where the changes are kept.
public final class AdminBackend: Sendable {
    let dataDirectory: String
    let routing: RoutingService?
    let registry: FlowRegistry?
    /// Line number → its name (the lines come from the configuration file).
    let lineNames: [String: String]
    let settings: NIOLockedValueBox<AdminSettings>
    /// Where uploaded flows are kept (`<data_dir>/flows`), and where they are checked first.
    var uploads: String { dataDirectory + "/flows" }
    var staging: String { dataDirectory + "/flows-staging" }

    public init(dataDirectory: String, routing: RoutingService?, registry: FlowRegistry?, lineNames: [String: String],
                settings: AdminSettings) {
        self.dataDirectory = dataDirectory
        self.routing = routing
        self.registry = registry
        self.lineNames = lineNames
        self.settings = NIOLockedValueBox(settings)
    }

    /// Changes the stored settings and writes them out; nothing changes when the write fails.
    func update(_ change: (inout AdminSettings) -> Void) throws(APIError) {
        let failure: String? = settings.withLockedValue { current in
            var next = current
            change(&next)
            do {
                try next.save(dataDirectory: dataDirectory)
            } catch {
                return "\(error)"
            }
            current = next
            return nil
        }
        if let failure {
            throw APIError(code: "unavailable", message: "the settings cannot be written (\(failure)); nothing changed", status: .serviceUnavailable)
        }
    }
}

/// `/api/v1/admin/...`: agents (name, roles, skills), queues (the configuration's queue
/// format), lines (which flow answers a number) and IVR flows (validate, upload and
/// activate). Admins only; every change is audited and kept across restarts
/// (``AdminSettings``).
struct AdminRoutes: Sendable {
    let backend: AdminBackend
    let store: any HotlineStore
    let auth: APIAuthentication
    let logger: Logger
    let now: @Sendable () -> Timestamp

    static let maximumFlowBytes = 256 * 1024

    // MARK: Agents

    func listAgents(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        var out: [JSONValue] = []
        for user in try await store.users() where user.isActive { out.append(Self.agent(user)) }
        return APIJSON.response(JSONValue.array(out))
    }

    func agent(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        return APIJSON.response(Self.agent(try await user(context)))
    }

    func putAgent(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let who = try admin(request, context)
        var user = try await user(context)
        let body = try await APIRequestBody.read(request, known: ["name", "roles", "skills", "language"], required: true,
                                                 example: #"{"name": "李娜 (Li Na)", "roles": ["agent"], "skills": {"telecom": 8}, "language": "zh-CN"}"#)
        if let name = try body.string("name") { user.displayName = try CustomerRoutes.name(name, field: "name") }
        if let roles = try body.strings("roles") {
            var set: Set<Role> = []
            for r in roles {
                guard let role = Role(rawValue: r) else { throw APIError.invalidValue(field: "roles", "'\(r)' is not a role; agent, supervisor or admin") }
                set.insert(role)
            }
            guard !set.isEmpty else { throw APIError.invalidValue(field: "roles", "give at least one role") }
            if user.username == who.username, !set.contains(.admin) {
                throw APIError.invalidValue(field: "roles", "you cannot take the admin role from yourself; ask another admin")
            }
            user.roles = set
        }
        if case .record(let fields)? = body.fields["skills"] {
            var skills: [Skill] = []
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                guard case .number(let n) = value, n == n.rounded(), Skill.levels.contains(Int(n)),
                      !name.isEmpty, name.count <= 32, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                    throw APIError.invalidValue(field: "skills", "'\(name)': skills are names (letters, digits, '-', '_') with a level of 1 to 10")
                }
                skills.append(Skill(name: name, level: Int(n)))
            }
            user.skills = skills
        } else if body.fields["skills"] != nil {
            throw APIError.malformedJSON(field: "skills", #"skills is an object of levels, e.g. {"cards": 6}"#)
        }
        if let language = try body.string("language") {
            guard let l = Language(rawValue: language) else { throw APIError.invalidValue(field: "language", "zh-CN or en-US") }
            user.language = l
        }
        let before = try await self.user(context)
        let saved = user
        try await store.updateUser(user)
        do {
            try backend.update { $0.agents[saved.username] = .init(name: saved.displayName, roles: saved.roles.map(\.rawValue).sorted(),
                                                                      skills: Dictionary(saved.skills.map { ($0.name, $0.level) }, uniquingKeysWith: max),
                                                                      language: saved.language.rawValue) }
        } catch {
            try? await store.updateUser(before)
            throw error
        }
        if let routing = backend.routing, user.roles.contains(.agent) {
            do {
                try await routing.updateAgent(AgentID(user.username), name: user.displayName,
                                              skills: Dictionary(user.skills.map { ($0.name, $0.level) }, uniquingKeysWith: max))
            } catch {
                // Not a routing agent (added to the configuration later): the skills apply after a restart.
                logger.notice("routing did not take the agent's change: \(error)", metadata: ["agent.id": "\(user.username)"])
            }
        }
        try await audit(who, "agent.update", "agents/\(user.username)", "\(Self.agent(before)) → \(Self.agent(user))")
        return APIJSON.response(Self.agent(user))
    }

    static func agent(_ user: User) -> JSONValue {
        [
            "id": .string(user.username), "name": .string(user.displayName), "roles": .strings(user.roles.map(\.rawValue).sorted()),
            "skills": .object(Dictionary(user.skills.map { ($0.name, JSONValue.int($0.level)) }, uniquingKeysWith: { a, _ in a })),
            "language": .string(user.language.rawValue),
        ]
    }

    private func user(_ context: APIRequestContext) async throws -> User {
        let id = context.parameters.get("id") ?? ""
        guard id.count <= 64, let user = try await store.user(username: id) else {
            throw APIError(code: "unknown-agent", field: "id", message: "no agent '\(id.prefix(64))'; agents are added in the configuration file",
                           status: .notFound)
        }
        return user
    }

    // MARK: Queues

    func listQueues(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        let queues = await backend.routing?.queueConfigurations() ?? []
        return APIJSON.response(JSONValue.array(queues.map(\.configDocument)))
    }

    func queue(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        let id = context.parameters.get("id") ?? ""
        guard let queue = await backend.routing?.queueConfigurations().first(where: { $0.id == id }) else {
            throw APIError(code: "unknown-queue", field: "id", message: "no queue '\(id.prefix(64))'; PUT it to create it", status: .notFound)
        }
        return APIJSON.response(queue.configDocument)
    }

    func putQueue(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let who = try admin(request, context)
        let id = context.parameters.get("id") ?? ""
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw APIError.invalidValue(field: "id", "a queue id is 1 to 64 lowercase letters, digits, '-' or '_'")
        }
        guard let routing = backend.routing else {
            throw APIError(code: "unavailable", message: "routing is off (no queues in the configuration)", status: .serviceUnavailable)
        }
        let text = try await Self.text(request, yamlOrJSON: true)
        let queue: QueueConfiguration
        do {
            queue = try ConfigurationReader(file: "body").readQueue(text: text, id: id)
        } catch {
            throw APIError.invalidValue(field: "queue", error.description)
        }
        let before = await routing.queueConfigurations().first { $0.id == id }
        let created = try await routing.configureQueue(queue)
        let document = queue.configDocument
        let json = String(decoding: try JSONEncoder().encode(document), as: UTF8.self)
        do {
            try backend.update { $0.queues[id] = json }
        } catch {
            // Routing took it but it would not survive a restart: put the old one back.
            if let before { _ = try? await routing.configureQueue(before) }
            throw error
        }
        try await audit(who, created ? "queue.create" : "queue.update", "queues/\(id)", json)
        return APIJSON.response(document, status: created ? .created : .ok)
    }

    // MARK: Lines

    func listLines(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        let flows = backend.registry?.lines ?? [:]
        return APIJSON.response(JSONValue.array(backend.lineNames.keys.sorted().map { line($0, flows: flows) }))
    }

    func getLine(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        return APIJSON.response(line(try number(context), flows: backend.registry?.lines ?? [:]))
    }

    func putLine(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let who = try admin(request, context)
        let number = try number(context)
        let body = try await APIRequestBody.read(request, known: ["name", "flow"], required: true, example: #"{"flow": "bank"}"#)
        guard let flow = try body.string("flow") else { throw APIError.missingField("flow", "name the flow this line runs") }
        let name = try body.string("name").map { try CustomerRoutes.name($0, field: "name") } ?? backend.lineNames[number] ?? number
        guard let registry = backend.registry, registry.catalog?.flows[flow] != nil else {
            throw APIError(code: "unknown-flow", field: "flow", message: "no flow '\(flow.prefix(64))' is loaded; GET /api/v1/admin/flows lists them",
                           status: .unprocessableContent)
        }
        try backend.update { $0.lines[number] = .init(name: name, flow: flow) }
        _ = registry.setFlow(flow, forLine: number)
        try await audit(who, "line.update", "lines/\(number)", "flow \(flow)")
        var out = line(number, flows: registry.lines)
        if case .object(var members) = out { members["name"] = .string(name); out = .object(members) }
        return APIJSON.response(out)
    }

    private func number(_ context: APIRequestContext) throws(APIError) -> String {
        let number = context.parameters.get("number") ?? ""
        guard backend.lineNames[number] != nil else {
            throw APIError(code: "unknown-line", field: "number", message: "no line '\(number.prefix(32))'; lines are added in the configuration "
                               + "file (with their SIP settings), and here given a flow", status: .notFound)
        }
        return number
    }

    private func line(_ number: String, flows: [String: String]) -> JSONValue {
        APIResources.object([("number", .string(number)),
                             ("name", .string(backend.settings.withLockedValue { $0.lines[number]?.name } ?? backend.lineNames[number] ?? number)),
                             ("flow", APIResources.text(flows[number]))])
    }

    // MARK: Flows

    func listFlows(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        guard let catalog = backend.registry?.catalog else { return APIJSON.response(JSONValue.array([])) }
        let lines = backend.registry?.lines ?? [:]
        let uploads = backend.uploads + "/"
        return APIJSON.response(JSONValue.array(catalog.flows.values.sorted { $0.name < $1.name }.map { flow in
            [
                "name": .string(flow.name), "version": .int(catalog.version), "loadedAt": .string(catalog.loadedAt.iso8601),
                "lines": .strings(lines.filter { $0.value == flow.name }.map(\.key).sorted()),
                "uploaded": .bool(flow.file.hasPrefix(uploads)), "language": .string(flow.language.rawValue),
            ]
        }))
    }

    func validateFlow(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        let text = try await Self.text(request, yamlOrJSON: false)
        let name = Self.flowName(in: text) ?? "uploaded"
        unlink(try check(text, name: name))
        return APIJSON.response(JSONValue.object(["ok": true, "flow": .string(name)]))
    }

    func putFlow(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let who = try admin(request, context)
        let name = context.parameters.get("name") ?? ""
        guard (1...64).contains(name.count), name.first.map({ $0.isLowercase || $0.isNumber }) == true,
              name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw APIError.invalidValue(field: "name", "a flow name is 1 to 64 lowercase letters, digits, '-' or '_'")
        }
        guard let registry = backend.registry else {
            throw APIError(code: "unavailable", message: "the IVR is off (no flows in the configuration)", status: .serviceUnavailable)
        }
        let text = try await Self.text(request, yamlOrJSON: false)
        guard Self.flowName(in: text) == name else {
            throw APIError.invalidValue(field: "flow", "the file's `flow:` must say '\(name)', the name in the path")
        }
        let staged = try check(text, name: name)
        let target = backend.uploads + "/\(name).yaml"
        let previous = try? FileIO.read(target)
        guard rename(staged, target) == 0 else {
            throw APIError(code: "unavailable", message: "the flow could not be stored (\(String(cString: strerror(errno))))", status: .serviceUnavailable)
        }
        let report = await registry.reload()
        guard let version = report.version else {
            // Checked a moment ago; the other files changed meanwhile. Put the old one back.
            if let previous { try? FileIO.writeAtomically(target, previous) } else { unlink(target) }
            throw APIError(code: "invalid-flow", message: "the flows did not reload: " + report.problems.joined(separator: " | "),
                           status: .unprocessableContent)
        }
        try await audit(who, "flow.upload", "flows/\(name)", "version \(version), \(text.utf8.count) bytes")
        return APIJSON.response(JSONValue.object(["name": .string(name), "version": .int(version), "ok": true,
                                                  "loadedAt": .string(registry.catalog?.loadedAt.iso8601 ?? now().iso8601),
                                                  "lines": .strings(registry.lines.filter { $0.value == name }.map(\.key).sorted())]))
    }

    /// Checks an uploaded flow with every other loaded flow (subflows may call each other);
    /// the file that checked, in the staging directory; 422 `invalid-flow` with each
    /// problem's line and column.
    private func check(_ text: String, name: String) throws(APIError) -> String {
        do {
            try FileIO.makeDirectory(backend.staging)
            try FileIO.makeDirectory(backend.uploads)
        } catch {
            throw APIError(code: "unavailable", message: "the flow directories cannot be made (\(error))", status: .serviceUnavailable)
        }
        let staged = backend.staging + "/\(name).yaml"
        do { try FileIO.writeAtomically(staged, text) } catch {
            throw APIError(code: "unavailable", message: "the flow cannot be written (\(error))", status: .serviceUnavailable)
        }
        let others = (backend.registry?.files ?? []).filter { $0 != backend.uploads + "/\(name).yaml" }
        let result = FlowLoader.load(others + [staged], preferring: backend.staging)
        guard result.problems.isEmpty else {
            let problems: [JSONValue] = result.problems.map { p in
                let mine = p.location.file == staged
                return APIResources.object([
                    ("file", .string(mine ? "\(name).yaml" : p.location.file)), ("line", .int(p.location.line)),
                    ("column", .int(p.location.column)), ("code", .string(p.code.name)), ("message", .string(p.problem)),
                    ("fix", .string(p.fix)), ("inThisFile", .bool(mine)),
                ])
            }
            unlink(staged)
            var error = APIError(code: "invalid-flow", message: "the flow has \(problems.count) problem\(problems.count == 1 ? "" : "s"); "
                                     + "each is listed with its line and column", status: .unprocessableContent)
            error.extra = ["problems": .array(problems)]
            throw error
        }
        return staged
    }

    /// The value of the top-level `flow:` key, read without parsing the rest.
    static func flowName(in text: String) -> String? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where line.hasPrefix("flow:") {
            let value = line.dropFirst(5).split(separator: "#", maxSplits: 1).first.map { $0.trimmingCharacters(in: " \t\"'\r") } ?? ""
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    /// The body as text: YAML (`application/yaml`, `text/yaml`) or, when allowed, JSON.
    static func text(_ request: Request, yamlOrJSON: Bool) async throws(APIError) -> String {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: " ").lowercased() } ?? ""
        let yaml = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"].contains(type)
        guard yaml || (yamlOrJSON && APIRequestBody.isJSON(type)) else {
            throw APIError(code: "unsupported-media-type",
                           message: "send the \(yamlOrJSON ? "queue as JSON or YAML" : "flow as YAML") with Content-Type: "
                               + (yamlOrJSON ? "application/json or application/yaml" : "application/yaml"),
                           status: .unsupportedMediaType)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumFlowBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(code: "body-too-large", message: "the body is over \(maximumFlowBytes) bytes; send a smaller document",
                           status: .contentTooLarge)
        } catch {
            throw .malformedJSON("the body could not be read (\(error)); send it again")
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self), !text.allSatisfy(\.isWhitespace) else {
            throw .malformedJSON("the body is empty or not UTF-8 text")
        }
        return text
    }

    // MARK: The audit log

    /// `GET /api/v1/admin/audit?subject=customers/c-1&actor=1001&limit=50&before=<sequence>`:
    /// who viewed or changed what, newest first.
    func audit(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try admin(request, context)
        let query = request.uri.queryParameters
        for name in Set(query.map { String($0.key) }).sorted() where !["subject", "actor", "limit", "before"].contains(name) {
            throw APIError.invalidValue(field: name, "'\(name)' is not a filter here; use subject, actor, limit and before")
        }
        let limit = try InteractionRoutes.limit(query["limit"].map(String.init))
        var before: Int64?
        if let text = query["before"] {
            guard let n = Int64(text), n > 0 else { throw APIError.invalidValue(field: "before", "give the `next` of the previous page") }
            before = n
        }
        let entries = try await store.auditEntries(subject: query["subject"].map(String.init), actor: query["actor"].map(String.init),
                                                   limit: limit, before: before)
        let items: [JSONValue] = entries.map { e in
            APIResources.object([("sequence", e.sequence.map { .number(Double($0)) }), ("at", APIResources.time(e.at)),
                                 ("actor", .string(e.actor)), ("action", .string(e.action)), ("subject", .string(e.subject)),
                                 ("detail", APIResources.text(e.detail))])
        }
        let next: JSONValue = entries.count == limit ? (entries.last?.sequence).map { .string(String($0)) } ?? .null : .null
        return APIJSON.response(JSONValue.object(["items": .array(items), "next": next]))
    }

    // MARK: Checks

    private func admin(_ request: Request, _ context: APIRequestContext) throws(APIError) -> APIPrincipal {
        let user = try auth.signIn(request, context)
        guard user.roles.contains(.admin) else {
            throw .forbidden("signed in as \(user.username), not an admin; administration is for admins")
        }
        return user
    }

    private func audit(_ user: APIPrincipal, _ action: String, _ subject: String, _ detail: String) async throws {
        _ = try? await store.appendAudit(AuditEntry(at: now(), actor: user.username, action: action, subject: subject,
                                                    detail: String(String.UnicodeScalarView(detail.unicodeScalars.prefix(AuditEntry.maximumDetailLength)))))
        logger.notice("administration", metadata: ["api.user": "\(user.username)", "admin.action": "\(action)", "admin.subject": "\(subject)"])
    }
}
