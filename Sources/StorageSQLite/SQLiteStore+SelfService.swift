import Foundation
import GRDB
import HotlineModel
import Storage

// Self-service records (SelfServiceStore) on the "v3-self-service" tables.
//
// Parents are looked up inside the writing transaction before inserting, so a missing
// customer, account, card, order or interaction is a `.notFound` that names the field and
// the value; the foreign keys stay as the backstop for any other writer. Taken keys are
// left to the UNIQUE constraints (race-free) and renamed to the API field here.

// The conformance comes through `HotlineStore` (declared with the class: a Sendable
// protocol cannot be adopted in another file).
extension SQLiteStore {
    // MARK: Reference data

    public func createAccount(_ account: ServiceAccount) async throws {
        try account.validateForStorage()
        try await write("create account \(account.number)", conflicts: [
            .accountNumber: "account \(account.number) already exists; look it up by its number instead of creating it again",
        ]) { db in
            try SelfServiceRows.requireCustomer(account.customerID, db)
            try db.execute(sql: """
                INSERT INTO service_accounts (number, customer_id, kind, plan_zh, plan_en, balance_minor, balance_currency, opened_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    account.number, account.customerID.rawValue, account.kind.rawValue, account.planZh, account.planEn,
                    account.balance.minorUnits, account.balance.currency, account.openedAt.millisecondsSinceEpoch,
                ])
        }
    }

    public func createBill(_ bill: Bill) async throws {
        try bill.validateForStorage()
        try await write("create bill \(bill.id) of account \(bill.accountNumber)", conflicts: [
            .id: "bill id \(bill.id) is already in use; generate a new id",
            .period: "account \(bill.accountNumber) already has a bill for \(bill.period); one bill per account and month",
        ]) { db in
            try SelfServiceRows.requireAccount(bill.accountNumber, db)
            try db.execute(sql: """
                INSERT INTO bills (id, account_number, period, amount_minor, amount_currency, issued_at, due_date, paid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    bill.id, bill.accountNumber, bill.period, bill.amount.minorUnits, bill.amount.currency,
                    bill.issuedAt.millisecondsSinceEpoch, bill.dueDate, bill.paid,
                ])
        }
    }

    public func createCard(_ card: Card) async throws {
        try card.validateForStorage()
        try await write("create card \(card.number)", conflicts: [
            .cardNumber: "card \(card.number) already exists; look it up by its number instead of creating it again",
        ]) { db in
            try SelfServiceRows.requireCustomer(card.customerID, db)
            try SelfServiceRows.requireAccount(card.accountNumber, db)
            try db.execute(sql: """
                INSERT INTO cards (number, customer_id, account_number, status, expires) VALUES (?, ?, ?, ?, ?)
                """, arguments: [card.number, card.customerID.rawValue, card.accountNumber, card.status.rawValue, card.expires])
        }
    }

    public func createTransaction(_ transaction: CardTransaction) async throws {
        try transaction.validateForStorage()
        try await write("store transaction \(transaction.id) of card \(transaction.cardNumber)", conflicts: [
            .id: "transaction id \(transaction.id) is already in use; generate a new id",
        ]) { db in
            try SelfServiceRows.requireCard(transaction.cardNumber, db)
            try db.execute(sql: """
                INSERT INTO card_transactions (id, card_number, occurred_at, amount_minor, amount_currency, merchant_zh, merchant_en)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    transaction.id, transaction.cardNumber, transaction.at.millisecondsSinceEpoch,
                    transaction.amount.minorUnits, transaction.amount.currency, transaction.merchantZh, transaction.merchantEn,
                ])
        }
    }

    public func createOrder(_ order: Order) async throws {
        try order.validateForStorage()
        try await write("create order \(order.number)", conflicts: [
            .orderNumber: "order \(order.number) already exists; look it up by its number instead of creating it again",
        ]) { db in
            try SelfServiceRows.requireCustomer(order.customerID, db)
            try db.execute(sql: """
                INSERT INTO orders (number, customer_id, placed_at, status, total_minor, total_currency, items_zh, items_en)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    order.number, order.customerID.rawValue, order.placedAt.millisecondsSinceEpoch, order.status.rawValue,
                    order.total.minorUnits, order.total.currency, order.itemsZh, order.itemsEn,
                ])
        }
    }

    public func createParcel(_ parcel: Parcel) async throws {
        try parcel.validateForStorage()
        try await write("store parcel \(parcel.trackingNumber) of order \(parcel.orderNumber)", conflicts: [
            .trackingNumber: "parcel \(parcel.trackingNumber) is already stored; tracking numbers are unique",
        ]) { db in
            try SelfServiceRows.requireOrder(parcel.orderNumber, db)
            try db.execute(sql: """
                INSERT INTO parcels (tracking_number, order_number, carrier_zh, carrier_en, status, location_zh, location_en,
                                     estimated_delivery, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    parcel.trackingNumber, parcel.orderNumber, parcel.carrierZh, parcel.carrierEn, parcel.status.rawValue,
                    parcel.locationZh, parcel.locationEn, parcel.estimatedDelivery, parcel.updatedAt.millisecondsSinceEpoch,
                ])
        }
    }

    public func setPIN(_ subject: PINSubject, hash: String) async throws {
        try subject.validateForStorage(hash: hash)
        try await write("set the PIN of \(subject)") { db in
            switch subject.kind {
            case .customer: try SelfServiceRows.requireCustomer(CustomerID(subject.key), db)
            case .account: try SelfServiceRows.requireAccount(subject.key, db)
            case .card: try SelfServiceRows.requireCard(subject.key, db)
            }
            try db.execute(sql: """
                INSERT INTO pins (subject_kind, subject_key, customer_id, account_number, card_number, hash, failures,
                                  last_failure, locked_until)
                VALUES (?, ?, ?, ?, ?, ?, 0, NULL, NULL)
                ON CONFLICT (subject_kind, subject_key)
                DO UPDATE SET hash = excluded.hash, failures = 0, last_failure = NULL, locked_until = NULL
                """, arguments: [
                    subject.kind.rawValue, subject.key,
                    subject.kind == .customer ? subject.key : nil,
                    subject.kind == .account ? subject.key : nil,
                    subject.kind == .card ? subject.key : nil,
                    hash,
                ])
        }
    }

    // MARK: Reads for the IVR

    public func account(number: String) async throws -> ServiceAccount? {
        try await read("find account \(number)") { db in
            try SelfServiceRows.accounts(db, where: "number = ?", [number]).first
        }
    }

    public func accounts(of customer: CustomerID) async throws -> [ServiceAccount] {
        try await read("list the accounts of customer \(customer)") { db in
            try SelfServiceRows.accounts(db, where: "customer_id = ?", [customer.rawValue])
        }
    }

    public func bills(account: String, limit: Int) async throws -> [Bill] {
        try PageRequest.validateLimit(limit)
        return try await read("list the bills of account \(account)") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, account_number, period, amount_minor, amount_currency, issued_at, due_date, paid
                FROM bills WHERE account_number = ? ORDER BY period DESC, id DESC LIMIT ?
                """, arguments: [account, limit])
            return rows.map { row in
                Bill(id: row["id"], accountNumber: row["account_number"], period: row["period"],
                     amount: Money(minorUnits: row["amount_minor"], currency: row["amount_currency"]),
                     issuedAt: Timestamp(millisecondsSinceEpoch: row["issued_at"]), dueDate: row["due_date"],
                     paid: row["paid"])
            }
        }
    }

    public func card(number: String) async throws -> Card? {
        try await read("find card \(number)") { db in
            try SelfServiceRows.cards(db, where: "number = ?", [number]).first
        }
    }

    public func cards(of customer: CustomerID) async throws -> [Card] {
        try await read("list the cards of customer \(customer)") { db in
            try SelfServiceRows.cards(db, where: "customer_id = ?", [customer.rawValue])
        }
    }

    public func transactions(card: String, limit: Int) async throws -> [CardTransaction] {
        try PageRequest.validateLimit(limit)
        return try await read("list the transactions of card \(card)") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, card_number, occurred_at, amount_minor, amount_currency, merchant_zh, merchant_en
                FROM card_transactions WHERE card_number = ? ORDER BY occurred_at DESC, id DESC LIMIT ?
                """, arguments: [card, limit])
            return rows.map { row in
                CardTransaction(id: row["id"], cardNumber: row["card_number"],
                                at: Timestamp(millisecondsSinceEpoch: row["occurred_at"]),
                                amount: Money(minorUnits: row["amount_minor"], currency: row["amount_currency"]),
                                merchantZh: row["merchant_zh"], merchantEn: row["merchant_en"])
            }
        }
    }

    public func order(number: String) async throws -> Order? {
        try await read("find order \(number)") { db in
            try SelfServiceRows.orders(db, where: "number = ?", [number]).first
        }
    }

    public func orders(of customer: CustomerID, limit: Int) async throws -> [Order] {
        try PageRequest.validateLimit(limit)
        return try await read("list the orders of customer \(customer)") { db in
            try SelfServiceRows.orders(db, where: "customer_id = ?", [customer.rawValue], limit: limit)
        }
    }

    public func parcels(order: String) async throws -> [Parcel] {
        try await read("list the parcels of order \(order)") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT tracking_number, order_number, carrier_zh, carrier_en, status, location_zh, location_en,
                       estimated_delivery, updated_at
                FROM parcels WHERE order_number = ? ORDER BY tracking_number
                """, arguments: [order])
            return try rows.map { row in
                Parcel(trackingNumber: row["tracking_number"], orderNumber: row["order_number"],
                       carrierZh: row["carrier_zh"], carrierEn: row["carrier_en"],
                       status: try SelfServiceRows.decode(Parcel.Status.self, row, "status"),
                       locationZh: row["location_zh"], locationEn: row["location_en"],
                       estimatedDelivery: row["estimated_delivery"],
                       updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"]))
            }
        }
    }

    public func tickets(of customer: CustomerID, openOnly: Bool, limit: Int) async throws -> [Ticket] {
        try PageRequest.validateLimit(limit)
        return try await read("list the tickets of customer \(customer)") { db in
            let open = openOnly ? " AND status IN ('open', 'in_progress')" : ""
            return try SelfServiceRows.tickets(
                db, where: "customer_id = ?\(open)", [customer.rawValue], orderBy: "created_at DESC, number DESC", limit: limit)
        }
    }

    public func ticket(number: String) async throws -> Ticket? {
        try await read("find ticket \(number)") { db in
            try SelfServiceRows.tickets(db, where: "number = ?", [number], orderBy: "number").first
        }
    }

    public func returnRequest(number: String) async throws -> ReturnRequest? {
        try await read("find return \(number)") { db in
            try SelfServiceRows.returnRequest(db, number: number)
        }
    }

    // MARK: PINs

    public func pin(_ subject: PINSubject) async throws -> PINRecord? {
        try await read("read the PIN of \(subject)") { db in
            try Row.fetchOne(db, sql: """
                SELECT hash, failures, last_failure, locked_until FROM pins WHERE subject_kind = ? AND subject_key = ?
                """, arguments: [subject.kind.rawValue, subject.key]).map { row in
                let lastFailure: Int64? = row["last_failure"]
                let lockedUntil: Int64? = row["locked_until"]
                return PINRecord(subject: subject, hash: row["hash"], failures: row["failures"],
                                 lastFailure: lastFailure.map(Timestamp.init(millisecondsSinceEpoch:)),
                                 lockedUntil: lockedUntil.map(Timestamp.init(millisecondsSinceEpoch:)))
            }
        }
    }

    public func recordPINAttempts(_ subject: PINSubject, failures: Int, lastFailure: Timestamp?, lockedUntil: Timestamp?) async throws {
        try subject.validateForStorage(failures: failures)
        try await write("record the wrong PIN tries of \(subject)") { db in
            try db.execute(sql: """
                UPDATE pins SET failures = ?, last_failure = ?, locked_until = ? WHERE subject_kind = ? AND subject_key = ?
                """, arguments: [
                    failures, lastFailure?.millisecondsSinceEpoch, lockedUntil?.millisecondsSinceEpoch,
                    subject.kind.rawValue, subject.key,
                ])
            guard db.changesCount > 0 else {
                throw StorageError(code: .notFound, field: .pin, message: """
                    \(subject) has no PIN, so there are no tries to record; set its PIN first.
                    """)
            }
        }
    }

    // MARK: Written by the IVR

    public func createTicket(_ ticket: Ticket) async throws -> Ticket {
        try ticket.validateForStorage()
        return try await write("open a \(ticket.category) ticket") { db in
            try SelfServiceRows.requireOptional(customer: ticket.customerID, interaction: ticket.interactionID, db)
            var stored = ticket
            stored.number = try SelfServiceRows.nextNumber(in: "tickets", first: SelfServiceRows.firstTicketNumber, db)
            try db.execute(sql: """
                INSERT INTO tickets (number, customer_id, interaction_id, category, kind, status, created_at, summary)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    stored.number, stored.customerID?.rawValue, stored.interactionID?.rawValue, stored.category,
                    stored.kind, stored.status.rawValue, stored.createdAt.millisecondsSinceEpoch, stored.summary,
                ])
            return stored
        }
    }

    public func createReturn(_ request: ReturnRequest) async throws -> ReturnRequest {
        try request.validateForStorage()
        return try await write("start a return of order \(request.orderNumber)") { db in
            try SelfServiceRows.requireOrder(request.orderNumber, db)
            try SelfServiceRows.requireOptional(customer: request.customerID, interaction: request.interactionID, db)
            var stored = request
            stored.number = try SelfServiceRows.nextNumber(in: "return_requests", first: SelfServiceRows.firstReturnNumber, db)
            try db.execute(sql: """
                INSERT INTO return_requests (number, order_number, customer_id, interaction_id, reason, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    stored.number, stored.orderNumber, stored.customerID?.rawValue, stored.interactionID?.rawValue,
                    stored.reason, stored.status.rawValue, stored.createdAt.millisecondsSinceEpoch,
                ])
            return stored
        }
    }

    public func createVoicemail(_ voicemail: Voicemail) async throws {
        try voicemail.validateForStorage()
        try await write("store voicemail \(voicemail.path)", conflicts: [
            .id: "voicemail id \(voicemail.id) is already in use; generate a new id",
        ]) { db in
            try SelfServiceRows.requireInteraction(voicemail.interactionID, db)
            try db.execute(sql: """
                INSERT INTO voicemails (id, interaction_id, from_address, to_address, path, duration_ms, created_at, heard)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    voicemail.id, voicemail.interactionID.rawValue, voicemail.from, voicemail.to, voicemail.path,
                    voicemail.durationMilliseconds, voicemail.createdAt.millisecondsSinceEpoch, voicemail.heard,
                ])
        }
    }

    public func voicemails(of interaction: InteractionID) async throws -> [Voicemail] {
        try await read("list the voicemails of \(interaction)") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, interaction_id, from_address, to_address, path, duration_ms, created_at, heard
                FROM voicemails WHERE interaction_id = ? ORDER BY created_at, id
                """, arguments: [interaction.rawValue])
            return rows.map { row in
                Voicemail(id: row["id"], interactionID: InteractionID(row["interaction_id"] as String),
                          from: row["from_address"], to: row["to_address"], path: row["path"],
                          durationMilliseconds: row["duration_ms"],
                          createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]), heard: row["heard"])
            }
        }
    }

    public func createCallback(_ request: CallbackRequest) async throws {
        try request.validateForStorage()
        try await write("store callback request \(request.id)", conflicts: [
            .id: "callback request id \(request.id) is already in use; generate a new id",
        ]) { db in
            try SelfServiceRows.requireOptional(customer: nil, interaction: request.interactionID, db)
            try db.execute(sql: """
                INSERT INTO callback_requests (id, interaction_id, number, preferred_time, queue, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    request.id, request.interactionID?.rawValue, request.number, request.preferredTime, request.queue,
                    request.status.rawValue, request.createdAt.millisecondsSinceEpoch,
                ])
        }
    }

    public func callbacks(status: CallbackRequest.Status, limit: Int) async throws -> [CallbackRequest] {
        try PageRequest.validateLimit(limit)
        return try await read("list \(status.rawValue) callback requests") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, interaction_id, number, preferred_time, queue, status, created_at
                FROM callback_requests WHERE status = ? ORDER BY created_at, id LIMIT ?
                """, arguments: [status.rawValue, limit])
            return try rows.map { row in
                let interaction: String? = row["interaction_id"]
                return CallbackRequest(id: row["id"], interactionID: interaction.map(InteractionID.init),
                                       number: row["number"], preferredTime: row["preferred_time"], queue: row["queue"],
                                       status: try SelfServiceRows.decode(CallbackRequest.Status.self, row, "status"),
                                       createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]))
            }
        }
    }

    public func appendIVRSteps(_ steps: [IVRStepRecord]) async throws {
        for step in steps { try step.validateForStorage() }
        guard let first = steps.first else { return }
        try await write("store \(steps.count) IVR steps of \(first.interactionID)", conflicts: [
            .position: "the interaction already has a step at one of these positions; append the steps after the last one stored",
        ]) { db in try SelfServiceRows.insertSteps(steps, db) }
    }

    public func ivrSteps(of interaction: InteractionID) async throws -> [IVRStepRecord] {
        try await read("list the IVR steps of \(interaction)") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT interaction_id, position, flow, node, kind, input, outcome, started_at, duration_ms
                FROM ivr_steps WHERE interaction_id = ? ORDER BY position
                """, arguments: [interaction.rawValue])
            return rows.map { row in
                IVRStepRecord(interactionID: InteractionID(row["interaction_id"] as String), position: row["position"],
                              flow: row["flow"], node: row["node"], kind: row["kind"], input: row["input"],
                              outcome: row["outcome"], startedAt: Timestamp(millisecondsSinceEpoch: row["started_at"]),
                              milliseconds: row["duration_ms"])
            }
        }
    }

    public func saveIVRSummary(_ summary: IVRSummary) async throws {
        try summary.validateForStorage()
        let skills = try summary.transfer.map { try SelfServiceRows.skillsJSON($0.skills) }
        try await write("save the IVR summary of \(summary.interactionID)") { db in
            try SelfServiceRows.upsertSummary(summary, skills: skills, db)
        }
    }

    public func ivrSummary(of interaction: InteractionID) async throws -> IVRSummary? {
        try await read("read the IVR summary of \(interaction)") { db in
            try SelfServiceRows.summaries(db, where: "s.interaction_id = ?", [interaction.rawValue]).first
        }
    }

    public func pendingTransfers(limit: Int) async throws -> [IVRSummary] {
        try PageRequest.validateLimit(limit)
        return try await read("list the transfers waiting for an agent") { db in
            try SelfServiceRows.summaries(
                db, join: "JOIN interactions i ON i.id = s.interaction_id",
                where: "s.transfer_queue IS NOT NULL AND i.state = 'queued'", [],
                orderBy: "s.transfer_requested_at, s.interaction_id", limit: limit)
        }
    }

    // MARK: Access

    /// `write(_:_:)`, with the UNIQUE keys of the self-service tables reported as API
    /// fields and `conflicts[field]` as what to say about each.
    private func write<T: Sendable>(
        _ action: String,
        conflicts: [StorageError.Field: String],
        _ body: @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await write(action, body)
        } catch var error as StorageError where error.code == .conflict {
            if let column = error.field?.rawValue, let field = SelfServiceRows.uniqueColumns[column] {
                error.field = field
            }
            if let field = error.field, let hint = conflicts[field] {
                error.message = "Could not \(action): \(hint)."
            }
            throw error
        }
    }
}

/// Row mapping and checks for the self-service tables.
enum SelfServiceRows {
    static func insertSteps(_ steps: [IVRStepRecord], _ db: Database) throws {
        var checked = Set<InteractionID>()
        for step in steps {
            if checked.insert(step.interactionID).inserted {
                try requireInteraction(step.interactionID, db)
            }
            try db.cachedStatement(sql: """
                INSERT INTO ivr_steps (interaction_id, position, flow, node, kind, input, outcome, started_at, duration_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    step.interactionID.rawValue, step.position, step.flow, step.node, step.kind, step.input,
                    step.outcome, step.startedAt.millisecondsSinceEpoch, step.milliseconds,
                ])
        }
    }

    /// `skills`: the transfer's skills as stored (``skillsJSON(_:)``).
    static func upsertSummary(_ summary: IVRSummary, skills: String?, _ db: Database) throws {
        try requireInteraction(summary.interactionID, db)
        let transfer = summary.transfer
        try db.cachedStatement(sql: """
            INSERT INTO ivr_summaries (interaction_id, flow, flow_version, language, outcome, verification,
                verification_method, variables_json, transfer_queue, transfer_skills, transfer_priority,
                transfer_reason, transfer_requested_at, started_at, ended_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (interaction_id) DO UPDATE SET
                flow = excluded.flow, flow_version = excluded.flow_version, language = excluded.language,
                outcome = excluded.outcome, verification = excluded.verification,
                verification_method = excluded.verification_method, variables_json = excluded.variables_json,
                transfer_queue = excluded.transfer_queue, transfer_skills = excluded.transfer_skills,
                transfer_priority = excluded.transfer_priority, transfer_reason = excluded.transfer_reason,
                transfer_requested_at = excluded.transfer_requested_at, started_at = excluded.started_at,
                ended_at = excluded.ended_at
            """).execute(arguments: [
                summary.interactionID.rawValue, summary.flow, summary.flowVersion, summary.language.rawValue,
                summary.outcome, summary.verification, summary.verificationMethod, summary.variablesJSON,
                transfer?.queue, skills, transfer?.priority, transfer?.reason,
                transfer?.requestedAt.millisecondsSinceEpoch, summary.startedAt.millisecondsSinceEpoch,
                summary.endedAt?.millisecondsSinceEpoch,
            ])
    }

    static let firstTicketNumber: Int64 = 10_000_001
    static let firstReturnNumber: Int64 = 50_000_001

    /// The UNIQUE keys of "v3-self-service", as SQLite names them in its messages, and the
    /// field each protects. (Numbers the store allocates cannot clash and are left out.)
    static let uniqueColumns: [String: StorageError.Field] = [
        "service_accounts.number": .accountNumber,
        "bills.id": .id,
        "bills.account_number, bills.period": .period,
        "cards.number": .cardNumber,
        "card_transactions.id": .id,
        "orders.number": .orderNumber,
        "parcels.tracking_number": .trackingNumber,
        "voicemails.id": .id,
        "callback_requests.id": .id,
        "ivr_steps.interaction_id, ivr_steps.position": .position,
    ]

    // MARK: Parents

    static func requireCustomer(_ id: CustomerID, _ db: Database) throws {
        guard try exists(db, "customers", "id", id.rawValue) else {
            throw StorageError(code: .notFound, field: .customerID, message: """
                Customer \(id) does not exist; create the customer first or check the id.
                """)
        }
    }

    static func requireAccount(_ number: String, _ db: Database) throws {
        guard try exists(db, "service_accounts", "number", number) else {
            throw StorageError(code: .notFound, field: .accountNumber, message: """
                Account \(number) does not exist; create the account first or check the number.
                """)
        }
    }

    static func requireCard(_ number: String, _ db: Database) throws {
        guard try exists(db, "cards", "number", number) else {
            throw StorageError(code: .notFound, field: .cardNumber, message: """
                Card \(number) does not exist; create the card first or check the number.
                """)
        }
    }

    static func requireOrder(_ number: String, _ db: Database) throws {
        guard try exists(db, "orders", "number", number) else {
            throw StorageError(code: .notFound, field: .orderNumber, message: """
                Order \(number) does not exist; check the order number.
                """)
        }
    }

    static func requireInteraction(_ id: InteractionID, _ db: Database) throws {
        guard try exists(db, "interactions", "id", id.rawValue) else {
            throw StorageError(code: .notFound, field: .interactionID, message: """
                Interaction \(id) does not exist; store the interaction before what happened in it.
                """)
        }
    }

    static func requireOptional(customer: CustomerID?, interaction: InteractionID?, _ db: Database) throws {
        if let customer { try requireCustomer(customer, db) }
        if let interaction { try requireInteraction(interaction, db) }
    }

    private static func exists(_ db: Database, _ table: String, _ column: String, _ value: String) throws -> Bool {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM \(table) WHERE \(column) = ?"), arguments: [value]) != nil
    }

    /// The number after the highest in `table` (at least `first`): 8 digits. Called in
    /// the inserting transaction, which SQLite runs alone, so two calls never get the same.
    static func nextNumber(in table: String, first: Int64, _ db: Database) throws -> String {
        // Every number has 8 digits (schema CHECK), so the text maximum is the numeric one
        // and comes from the primary key index without a scan.
        let highest = try String.fetchOne(db, sql: "SELECT MAX(number) FROM \(table)")
        let next = max(first, (highest.flatMap { Int64($0) } ?? 0) + 1)
        guard next <= 99_999_999 else {
            throw StorageError.backend("""
                The 8-digit numbers for \(table) are used up (the last is \(highest ?? "")); archive \
                old records into another table or widen the numbers with a migration.
                """)
        }
        return String(next)
    }

    // MARK: Rows

    static func decode<Value: RawRepresentable>(_ type: Value.Type, _ row: Row, _ column: String) throws -> Value
    where Value.RawValue == String {
        let raw: String = row[column]
        guard let value = Value(rawValue: raw) else { throw unreadable(column, raw) }
        return value
    }

    static func accounts(_ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible]) throws -> [ServiceAccount] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT number, customer_id, kind, plan_zh, plan_en, balance_minor, balance_currency, opened_at
            FROM service_accounts WHERE \(condition) ORDER BY kind, opened_at, number
            """, arguments: StatementArguments(arguments))
        return try rows.map { row in
            ServiceAccount(number: row["number"], customerID: CustomerID(row["customer_id"] as String),
                           kind: try decode(ServiceAccount.Kind.self, row, "kind"), planZh: row["plan_zh"],
                           planEn: row["plan_en"],
                           balance: Money(minorUnits: row["balance_minor"], currency: row["balance_currency"]),
                           openedAt: Timestamp(millisecondsSinceEpoch: row["opened_at"]))
        }
    }

    static func cards(_ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible]) throws -> [Card] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT number, customer_id, account_number, status, expires FROM cards WHERE \(condition) ORDER BY number
            """, arguments: StatementArguments(arguments))
        return try rows.map { row in
            Card(number: row["number"], customerID: CustomerID(row["customer_id"] as String),
                 accountNumber: row["account_number"], status: try decode(Card.Status.self, row, "status"),
                 expires: row["expires"])
        }
    }

    static func orders(
        _ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible], limit: Int = 1
    ) throws -> [Order] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT number, customer_id, placed_at, status, total_minor, total_currency, items_zh, items_en
            FROM orders WHERE \(condition) ORDER BY placed_at DESC, number DESC LIMIT ?
            """, arguments: StatementArguments(arguments + [limit]))
        return try rows.map { row in
            Order(number: row["number"], customerID: CustomerID(row["customer_id"] as String),
                  placedAt: Timestamp(millisecondsSinceEpoch: row["placed_at"]),
                  status: try decode(Order.Status.self, row, "status"),
                  total: Money(minorUnits: row["total_minor"], currency: row["total_currency"]),
                  itemsZh: row["items_zh"], itemsEn: row["items_en"])
        }
    }

    static func tickets(
        _ db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible], orderBy order: String,
        limit: Int = 1
    ) throws -> [Ticket] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT number, customer_id, interaction_id, category, kind, status, created_at, summary
            FROM tickets WHERE \(condition) ORDER BY \(order) LIMIT ?
            """, arguments: StatementArguments(arguments + [limit]))
        return try rows.map { row in
            let customer: String? = row["customer_id"]
            let interaction: String? = row["interaction_id"]
            return Ticket(number: row["number"], customerID: customer.map(CustomerID.init),
                          interactionID: interaction.map(InteractionID.init), category: row["category"],
                          kind: row["kind"], status: try decode(Ticket.Status.self, row, "status"),
                          createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]), summary: row["summary"])
        }
    }

    static func returnRequest(_ db: Database, number: String) throws -> ReturnRequest? {
        try Row.fetchOne(db, sql: """
            SELECT number, order_number, customer_id, interaction_id, reason, status, created_at
            FROM return_requests WHERE number = ?
            """, arguments: [number]).map { row in
            let customer: String? = row["customer_id"]
            let interaction: String? = row["interaction_id"]
            return ReturnRequest(number: row["number"], orderNumber: row["order_number"],
                                 customerID: customer.map(CustomerID.init),
                                 interactionID: interaction.map(InteractionID.init), reason: row["reason"],
                                 status: try decode(ReturnRequest.Status.self, row, "status"),
                                 createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]))
        }
    }

    /// Summaries from `ivr_summaries s` (optionally joined), in `order`.
    static func summaries(
        _ db: Database, join: String = "", where condition: String, _ arguments: [any DatabaseValueConvertible],
        orderBy order: String = "s.interaction_id", limit: Int = 1
    ) throws -> [IVRSummary] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT s.interaction_id, s.flow, s.flow_version, s.language, s.outcome, s.verification,
                   s.verification_method, s.variables_json, s.transfer_queue, s.transfer_skills, s.transfer_priority,
                   s.transfer_reason, s.transfer_requested_at, s.started_at, s.ended_at
            FROM ivr_summaries s \(join) WHERE \(condition) ORDER BY \(order) LIMIT ?
            """, arguments: StatementArguments(arguments + [limit]))
        return try rows.map { row in
            var transfer: IVRSummary.TransferRequest?
            if let queue = row["transfer_queue"] as String? {
                let skillsText: String = row["transfer_skills"]
                guard let skills = try? JSONDecoder().decode([String].self, from: Data(skillsText.utf8)) else {
                    throw unreadable("transfer_skills", skillsText)
                }
                transfer = IVRSummary.TransferRequest(
                    queue: queue, skills: skills, priority: row["transfer_priority"], reason: row["transfer_reason"],
                    requestedAt: Timestamp(millisecondsSinceEpoch: row["transfer_requested_at"]))
            }
            let ended: Int64? = row["ended_at"]
            return IVRSummary(
                interactionID: InteractionID(row["interaction_id"] as String), flow: row["flow"],
                flowVersion: row["flow_version"], language: try decode(Language.self, row, "language"),
                outcome: row["outcome"], verification: row["verification"],
                verificationMethod: row["verification_method"], variablesJSON: row["variables_json"],
                transfer: transfer, startedAt: Timestamp(millisecondsSinceEpoch: row["started_at"]),
                endedAt: ended.map(Timestamp.init(millisecondsSinceEpoch:)))
        }
    }

    /// `["billing","vip"]`: a JSON array of strings, which PostgreSQL can cast to jsonb.
    static func skillsJSON(_ skills: [String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard let data = try? encoder.encode(skills) else {
            throw StorageError.invalid(.transfer, "The transfer skills \(skills) cannot be stored; use plain skill names.")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
