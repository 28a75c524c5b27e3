import HotlineModel
import Hummingbird
import Logging
import Storage

/// Customers for the desktop: search, one with their records, create, change. Every view
/// and change is written to the audit log (who, what, when) before the answer goes out; a
/// view that cannot be audited is refused.
///
/// An agent reads a customer who was on an interaction they took part in, and, while
/// they handle a call (reserved, on a call or in wrap-up), may search and read customers
/// to identify the caller. Supervisors and admins read every customer.
struct CustomerRoutes: Sendable {
    let store: any HotlineStore
    let commands: any RoutingCommands
    let auth: APIAuthentication
    let logger: Logger
    let now: @Sendable () -> Timestamp

    static let fields = ["nameZh", "nameEn", "phoneNumbers", "language", "tags"]
    static let example = #"{"nameZh": "周杰", "nameEn": "Jie Zhou", "phoneNumbers": ["13912345678"], "language": "zh-CN", "tags": []}"#
    static let maximumResults = 50

    func search(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let q = request.uri.queryParameters["q"].map { String($0.trimmingCharacters(in: " ")) } ?? ""
        guard !q.isEmpty else { throw APIError.missingField("q", "give q, a name, phone number or account number") }
        guard q.count >= 2, q.count <= 100 else {
            throw APIError.invalidValue(field: "q", "give 2 to 100 characters of a name, phone number or account number")
        }
        let handling = try await handlingInteraction(user)
        if !user.supervises, handling == nil {
            throw APIError.forbidden(field: "q", "agents search customers while they handle a call (to find the caller); "
                                         + "open a customer from one of your interactions instead")
        }
        var found: [Customer] = []
        func add(_ c: Customer?) { if let c, !found.contains(where: { $0.id == c.id }) { found.append(c) } }
        if q.allSatisfy({ $0.isNumber || $0 == "+" || $0 == "-" || $0 == " " }) {
            add(try await store.customer(phoneNumber: q))
            if let account = try await store.account(number: q) { add(try await store.customer(id: account.customerID)) }
            if let card = try await store.card(number: q) { add(try await store.customer(id: card.customerID)) }
        }
        for c in try await store.searchCustomers(name: q, limit: Self.maximumResults) where found.count < Self.maximumResults { add(c) }
        try await audit(user, "customer.search", subject: "customers", detail: "q=\(q) results=\(found.count)"
                            + (handling.map { " during \($0)" } ?? ""))
        return APIJSON.response(JSONValue.object(["items": .array(found.map(APIResources.customer))]))
    }

    func one(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let customer = try await customer(context)
        let reason = try await mayRead(customer.id, user)
        try await audit(user, "customer.view", subject: "customers/\(customer.id)", detail: reason)
        guard case .object(var detail) = APIResources.customer(customer) else { return APIJSON.response(JSONValue.null) }
        let accounts = try await store.accounts(of: customer.id)
        detail["accounts"] = .array(accounts.map(APIResources.account))
        var bills: [Bill] = []
        for account in accounts where account.kind == .telecom { bills += try await store.bills(account: account.number, limit: 6) }
        detail["bills"] = .array(bills.sorted { $0.issuedAt > $1.issuedAt }.map(APIResources.bill))
        var cards: [JSONValue] = []
        for card in try await store.cards(of: customer.id) {
            cards.append(APIResources.card(card, transactions: try await store.transactions(card: card.number, limit: 10)))
        }
        detail["cards"] = .array(cards)
        var orders: [JSONValue] = []
        for order in try await store.orders(of: customer.id, limit: 10) {
            orders.append(APIResources.order(order, parcels: try await store.parcels(order: order.number)))
        }
        detail["orders"] = .array(orders)
        detail["tickets"] = .array(try await store.tickets(of: customer.id, openOnly: true, limit: 20).map(APIResources.ticket))
        var interactions: [JSONValue] = []
        for record in try await store.callRecords(matching: CallRecordQuery(customer: customer.id), limit: 10, after: nil) {
            interactions.append(APIResources.interaction(record, try await store.interaction(id: record.interactionID)))
        }
        detail["interactions"] = .array(interactions)
        return APIJSON.response(JSONValue.object(detail))
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let body = try await APIRequestBody.read(request, known: Self.fields, required: true, example: Self.example)
        var customer = Customer(id: CustomerID("c-\(APIAuthentication.randomToken().prefix(16))"), createdAt: now())
        try apply(body, to: &customer)
        guard customer.nameZh != nil || customer.nameEn != nil || !customer.phoneNumbers.isEmpty else {
            throw APIError.missingField("nameZh", "give at least a name (nameZh or nameEn) or a phone number, e.g. \(Self.example)")
        }
        if !user.supervises, try await handlingInteraction(user) == nil {
            throw APIError.forbidden("agents create customers while they handle a call (an unknown caller)")
        }
        let stored = try await storing { try await store.createCustomer(customer) }
        try await audit(user, "customer.create", subject: "customers/\(stored.id)", detail: Self.describe(nil, stored))
        var response = APIJSON.response(APIResources.customer(stored), status: .created)
        response.headers[.location] = "/api/v1/customers/\(stored.id)"
        return response
    }

    func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let body = try await APIRequestBody.read(request, known: Self.fields, required: true, example: #"{"language": "en-US"}"#)
        guard !body.fields.isEmpty else {
            throw APIError.malformedJSON("the body changes nothing; give one or more of \(Self.fields.joined(separator: ", "))")
        }
        let before = try await customer(context)
        _ = try await mayRead(before.id, user)
        var after = before
        try apply(body, to: &after)
        let stored = try await storing { try await store.updateCustomer(after) }
        try await audit(user, "customer.update", subject: "customers/\(stored.id)", detail: Self.describe(before, stored))
        return APIJSON.response(APIResources.customer(stored))
    }

    // MARK: Pieces

    private func customer(_ context: APIRequestContext) async throws -> Customer {
        let id = context.parameters.get("id") ?? ""
        guard id.count <= 64, let customer = try await store.customer(id: CustomerID(id)) else {
            throw APIError(code: "unknown-customer", field: "id", message: "no customer '\(id.prefix(64))'; search with GET /api/v1/customers?q=",
                           status: .notFound)
        }
        return customer
    }

    /// Why `user` may read the customer (written to the audit log), or 403.
    private func mayRead(_ customer: CustomerID, _ user: APIPrincipal) async throws -> String {
        if user.supervises { return "as \(user.roles.contains(.admin) ? "admin" : "supervisor")" }
        if let current = try await handlingInteraction(user) { return "while handling \(current)" }
        let theirs = try await store.callRecords(matching: CallRecordQuery(agent: user.agentID, customer: customer), limit: 1, after: nil)
        if let record = theirs.first { return "on their interaction \(record.interactionID)" }
        throw APIError.forbidden("signed in as \(user.username), you may only open customers of interactions you took part in "
                                     + "(or while you handle a call)")
    }

    /// The interaction the agent is handling now (reserved, on a call, in wrap-up), if any.
    private func handlingInteraction(_ user: APIPrincipal) async throws -> InteractionID? {
        guard let status = await commands.agent(user.agentID) else { return nil }
        switch status.state {
        case .reserved, .onCall, .wrapUp: return status.interaction
        case .available, .notReady, .loggedOut: return nil
        }
    }

    private func apply(_ body: APIRequestBody, to c: inout Customer) throws(APIError) {
        if let name = try body.string("nameZh") { c.nameZh = try Self.name(name, field: "nameZh") }
        if let name = try body.string("nameEn") { c.nameEn = try Self.name(name, field: "nameEn") }
        if let language = try body.string("language") {
            guard let l = Language(rawValue: language) else {
                throw .invalidValue(field: "language", "'\(language)' is not a language here; zh-CN or en-US")
            }
            c.language = l
        }
        if let numbers = try body.strings("phoneNumbers") {
            guard numbers.count <= 10, Set(numbers).count == numbers.count,
                  numbers.allSatisfy({ n in (3...20).contains(n.count - (n.hasPrefix("+") ? 1 : 0)) && n.enumerated().allSatisfy { $1.isASCII && ($1.isNumber || ($0 == 0 && $1 == "+")) } }) else {
                throw .invalidValue(field: "phoneNumbers", "give up to 10 different numbers of 3 to 20 digits (a leading + allowed)")
            }
            c.phoneNumbers = numbers
        }
        if let tags = try body.strings("tags") {
            guard tags.count <= 20, Set(tags).count == tags.count,
                  tags.allSatisfy({ t in (1...32).contains(t.count) && t.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") } }) else {
                throw .invalidValue(field: "tags", "give up to 20 different tags of 1 to 32 lowercase letters, digits or '-', e.g. vip")
            }
            c.tags = Set(tags)
        }
    }

    static func name(_ text: String, field: String) throws(APIError) -> String {
        let trimmed = String(Substring(text).trimmingCharacters(in: " "))
        guard (1...100).contains(trimmed.count), !trimmed.contains(where: { $0.isNewline }) else {
            throw .invalidValue(field: field, "give a name of 1 to 100 characters on one line")
        }
        return trimmed
    }

    /// A store write, its refusals as the API's errors.
    private func storing(_ write: () async throws -> Customer) async throws -> Customer {
        do {
            return try await write()
        } catch let error as StorageError where error.code == .conflict && error.field == .phoneNumber {
            throw APIError(code: "phone-number-taken", field: "phoneNumbers", message: "\(error.message); search for that customer instead",
                           status: .conflict)
        } catch let error as StorageError where error.code == .invalid {
            throw APIError.invalidValue(field: error.field?.rawValue ?? "body", error.message)
        }
    }

    private func audit(_ user: APIPrincipal, _ action: String, subject: String, detail: String) async throws {
        do {
            _ = try await store.appendAudit(AuditEntry(at: now(), actor: user.username, action: action, subject: subject,
                                                       detail: String(String.UnicodeScalarView(detail.unicodeScalars.prefix(AuditEntry.maximumDetailLength)))))
        } catch {
            logger.error("audit log write failed; the request is refused", metadata: ["error": "\(error)", "api.user": "\(user.username)"])
            throw APIError(code: "unavailable", message: "the audit log cannot be written, so customer records are closed; try again",
                           status: .serviceUnavailable)
        }
    }

    /// "nameEn: 'A' → 'B'; tags: [] → [vip]": what a change did, for the audit log.
    static func describe(_ before: Customer?, _ after: Customer) -> String {
        func show(_ c: Customer?) -> [(String, String)] {
            [("nameZh", c?.nameZh ?? "-"), ("nameEn", c?.nameEn ?? "-"),
             ("phoneNumbers", "[" + (c?.phoneNumbers ?? []).joined(separator: ",") + "]"),
             ("language", c?.language.rawValue ?? "-"), ("tags", "[" + (c?.tags.sorted() ?? []).joined(separator: ",") + "]")]
        }
        let old = show(before)
        let new = show(after)
        let changes = zip(old, new).filter { $0.1 != $1.1 }.map { "\($0.0): \($0.1) → \($1.1)" }
        return changes.isEmpty ? "no change" : changes.joined(separator: "; ")
    }
}
