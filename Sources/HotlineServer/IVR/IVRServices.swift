import HotlineModel
import IVR
import Logging
import Storage

/// What a flow asks of the store: lookups, identity checks and the records it creates.
/// Shared by calls and `hotline flow simulate`, so a flow behaves the same in both.
///
/// The values it gives flows are documented in docs/ivr-flows.md ("What a lookup puts in
/// its variable"): amounts in the currency's units, dates and times in China time.
public struct IVRServices: Sendable {
    public typealias Store = any CustomerStore & SelfServiceStore

    let store: Store
    let hasher: PINHasher
    let policy: PINPolicy
    let logger: Logger
    /// Dates and times are said in this offset from UTC (China: +8 h).
    let utcOffsetMinutes: Int

    public init(store: Store, hasher: PINHasher = PINHasher(), policy: PINPolicy = PINPolicy(), logger: Logger,
                utcOffsetMinutes: Int = 8 * 60) {
        self.store = store
        self.hasher = hasher
        self.policy = policy
        self.logger = logger
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// What a call knows when it asks: who it is and who it has verified.
    public struct Asker: Sendable {
        public var interactionID: InteractionID?
        public var callerNumber: String
        /// The verified customer's id, when a verify succeeded.
        public var customerID: CustomerID?

        public init(interactionID: InteractionID?, callerNumber: String, customerID: CustomerID?) {
            self.interactionID = interactionID
            self.callerNumber = callerNumber
            self.customerID = customerID
        }
    }

    // MARK: Lookups

    /// The record, or nil when the key matches nothing (or the store failed: logged, and
    /// the caller takes the flow's not-found branch rather than silence).
    public func lookup(_ record: Lookup.Record, key value: FlowValue) async -> FlowValue? {
        let key = value.description.trimmingCharacters()
        guard !key.isEmpty else { return nil }
        do {
            switch record {
            case .customer:
                return try await customer(matching: key).map(customerValue)
            case .balance:
                return try await balanceAccount(key).map(accountValue)
            case .bills:
                guard let account = try await balanceAccount(key) else { return nil }
                return billsValue(try await store.bills(account: account.number, limit: 12), currency: account.balance.currency)
            case .cards:
                guard let customer = try await customer(matching: key) else { return nil }
                return listValue(try await store.cards(of: customer.id).map(cardValue))
            case .transactions:
                guard try await store.card(number: key) != nil else { return nil }
                return listValue(try await store.transactions(card: key, limit: 10).map(transactionValue))
            case .orders:
                if let order = try await store.order(number: key) { return try await orderValue(order) }
                guard let customer = try await customer(matching: key),
                      let latest = try await store.orders(of: customer.id, limit: 1).first else { return nil }
                return try await orderValue(latest)
            case .parcels:
                if try await store.order(number: key) != nil {
                    return parcelsValue(try await store.parcels(order: key))
                }
                return nil
            case .tickets:
                guard let customer = try await customer(matching: key) else { return nil }
                let tickets = try await store.tickets(of: customer.id, openOnly: false, limit: 10)
                var value = listFields(tickets.map(ticketValue))
                value["open_count"] = .number(Double(tickets.filter { $0.status == .open || $0.status == .inProgress }.count))
                return .record(value)
            }
        } catch {
            logger.error("IVR lookup failed: \(error)", metadata: ["ivr.lookup": "\(record.rawValue)"])
            return nil
        }
    }

    /// A customer by id, phone number, account number or card number.
    func customer(matching key: String) async throws -> Customer? {
        if let c = try await store.customer(id: CustomerID(key)) { return c }
        if key.allSatisfy(\.isPhoneNumberCharacter), let c = try await store.customer(phoneNumber: key) { return c }
        if let account = try await store.account(number: key) { return try await store.customer(id: account.customerID) }
        if let card = try await store.card(number: key) { return try await store.customer(id: card.customerID) }
        return nil
    }

    /// The account a balance or bills lookup means: the account or card's account with
    /// that number, else the telecom account of that phone (or the customer's first).
    func balanceAccount(_ key: String) async throws -> ServiceAccount? {
        if let account = try await store.account(number: key) { return account }
        if let card = try await store.card(number: key) { return try await store.account(number: card.accountNumber) }
        guard let customer = try await customer(matching: key) else { return nil }
        let accounts = try await store.accounts(of: customer.id)
        let digits = PhoneDigits(key).digits
        return accounts.first { $0.kind == .telecom && PhoneDigits($0.number).digits == digits }
            ?? accounts.first { $0.kind == .telecom } ?? accounts.first
    }

    // MARK: Verify

    /// Checks `pin` for the subject `method` and `identifier` name, counting wrong tries
    /// and locking per ``PINPolicy``.
    public func verify(method: Verify.Method, identifier: String, pin: String, now: Timestamp) async -> VerifyOutcome {
        do {
            guard let (subject, customer) = try await pinSubject(method: method, identifier: identifier.trimmingCharacters()),
                  let record = try await store.pin(subject) else { return .unknownIdentifier }
            let attempts = PINAttempts(failures: record.failures, lastFailure: record.lastFailure, lockedUntil: record.lockedUntil)
            if policy.lockedUntil(attempts, now: now) != nil { return .locked }
            let hasher = self.hasher
            let matched = await Task.detached(priority: .userInitiated) { hasher.verify(pin, against: record.hash) }.value
            let (decision, after) = policy.attempt(matched: matched, attempts, now: now)
            if after != attempts {
                try await store.recordPINAttempts(subject, failures: after.failures, lastFailure: after.lastFailure,
                                                  lockedUntil: after.lockedUntil)
            }
            switch decision {
            case .verified: return .verified(customer: customerValue(customer))
            case .wrongPIN(let left): return .wrongPIN(triesLeft: left)
            case .locked: return .locked
            }
        } catch {
            logger.error("IVR PIN check failed: \(error)", metadata: ["ivr.verify": "\(method.rawValue)"])
            return .unknownIdentifier
        }
    }

    /// Whose PIN to check: the customer's phone-service PIN for caller ID and phone
    /// numbers, the account's (else its owner's) for accounts, the card's for cards.
    func pinSubject(method: Verify.Method, identifier: String) async throws -> (PINSubject, Customer)? {
        switch method {
        case .callerID, .phone:
            guard let customer = try await store.customer(phoneNumber: identifier) else { return nil }
            return (PINSubject(.customer, customer.id.rawValue), customer)
        case .account:
            guard let account = try await store.account(number: identifier),
                  let customer = try await store.customer(id: account.customerID) else { return nil }
            if try await store.pin(PINSubject(.account, account.number)) != nil {
                return (PINSubject(.account, account.number), customer)
            }
            return (PINSubject(.customer, customer.id.rawValue), customer)
        case .card:
            guard let card = try await store.card(number: identifier),
                  let customer = try await store.customer(id: card.customerID) else { return nil }
            return (PINSubject(.card, card.number), customer)
        }
    }

    // MARK: Records the IVR creates

    /// Stores a ticket or a return; nil when a required field is empty or the store refuses.
    public func create(_ record: Create.Record, fields: [String: String], asker: Asker, now: Timestamp) async -> FlowValue? {
        func field(_ name: String) -> String? {
            let v = fields[name]?.trimmingCharacters() ?? ""
            return v.isEmpty ? nil : v
        }
        do {
            let customerID: CustomerID?
            if let given = field("customer") {
                customerID = try await store.customer(id: CustomerID(given)) != nil ? CustomerID(given) : nil
            } else {
                customerID = asker.customerID
            }
            switch record {
            case .ticket:
                guard let category = field("category"), let kind = field("kind") else { return nil }
                let summary = field("summary") ?? "\(category)/\(kind), reported by \(asker.callerNumber) in the IVR"
                let ticket = try await store.createTicket(Ticket(
                    number: "", customerID: customerID, interactionID: asker.interactionID, category: category, kind: kind,
                    status: .open, createdAt: now, summary: summary))
                return ticketValue(ticket)
            case .return:
                guard let order = field("order"), let reason = field("reason") else { return nil }
                guard let stored = try await store.order(number: order) else { return nil }
                let request = try await store.createReturn(ReturnRequest(
                    number: "", orderNumber: order, customerID: customerID ?? stored.customerID,
                    interactionID: asker.interactionID, reason: reason, status: .requested, createdAt: now))
                return .record([
                    "number": .string(request.number), "order": .string(request.orderNumber),
                    "reason": .string(request.reason), "status": .string(request.status.rawValue),
                    "created": .string(date(request.createdAt)),
                ])
            }
        } catch {
            logger.error("IVR could not create a \(record.rawValue): \(error)")
            return nil
        }
    }

    /// Stores a callback request; its id, or nil when the store refused it.
    public func storeCallback(number: String, preferredTime: String?, queue: String?, asker: Asker, id: String,
                              now: Timestamp) async -> String? {
        do {
            try await store.createCallback(CallbackRequest(
                id: id, interactionID: asker.interactionID, number: number.trimmingCharacters(),
                preferredTime: preferredTime.flatMap { $0.isEmpty ? nil : $0 }, queue: queue, createdAt: now))
            return id
        } catch {
            logger.error("IVR could not store a callback request: \(error)")
            return nil
        }
    }

    /// Stores a voicemail's record; false when the store refused it (logged).
    public func storeVoicemail(_ voicemail: HotlineModel.Voicemail) async -> Bool {
        do {
            try await store.createVoicemail(voicemail)
            return true
        } catch {
            logger.error("IVR could not store a voicemail: \(error)", metadata: ["voicemail.path": "\(voicemail.path)"])
            return false
        }
    }

    // MARK: Values flows see

    func customerValue(_ c: Customer) -> FlowValue {
        .record([
            "id": .string(c.id.rawValue),
            "name": .string(c.displayName(in: c.language) ?? ""),
            "name_zh": .string(c.nameZh ?? ""),
            "name_en": .string(c.nameEn ?? ""),
            "language": .string(c.language.rawValue),
            "phone": .string(c.phoneNumbers.first ?? ""),
            "phones": .list(c.phoneNumbers.map(FlowValue.string)),
            "accounts": .list(c.accountNumbers.map(FlowValue.string)),
            "tags": .list(c.tags.sorted().map(FlowValue.string)),
        ])
    }

    func accountValue(_ a: ServiceAccount) -> FlowValue {
        .record([
            "number": .string(a.number), "kind": .string(a.kind.rawValue), "balance": amount(a.balance),
            "currency": .string(a.balance.currency), "plan_zh": .string(a.planZh), "plan_en": .string(a.planEn),
        ])
    }

    func billsValue(_ bills: [Bill], currency: String) -> FlowValue {
        let unpaid = bills.filter { !$0.paid }
        let items = bills.map { b -> FlowValue in
            .record(["id": .string(b.id), "period": .string(b.period), "amount": amount(b.amount),
                     "currency": .string(b.amount.currency), "due": .string(b.dueDate), "paid": .bool(b.paid)])
        }
        return .record([
            "count": .number(Double(bills.count)), "unpaid_count": .number(Double(unpaid.count)),
            "unpaid_total": amount(Money(minorUnits: unpaid.reduce(0) { $0 + $1.amount.minorUnits }, currency: currency)),
            "currency": .string(currency), "latest": items.first ?? .null, "items": .list(items),
        ])
    }

    func cardValue(_ c: Card) -> FlowValue {
        .record(["number": .string(c.number), "last4": .string(String(c.number.suffix(4))), "status": .string(c.status.rawValue),
                 "expires": .string(c.expires), "account": .string(c.accountNumber)])
    }

    func transactionValue(_ t: CardTransaction) -> FlowValue {
        .record(["date": .string(date(t.at)), "time": .string(time(t.at)), "amount": amount(t.amount),
                 "currency": .string(t.amount.currency), "merchant_zh": .string(t.merchantZh),
                 "merchant_en": .string(t.merchantEn), "kind": .string(t.amount.minorUnits < 0 ? "debit" : "credit")])
    }

    func orderValue(_ o: Order) async throws -> FlowValue {
        let parcels = try await store.parcels(order: o.number)
        let (zh, en) = Self.orderStatusWords[o.status] ?? (o.status.rawValue, o.status.rawValue)
        return .record([
            "number": .string(o.number), "status": .string(o.status.rawValue), "status_zh": .string(zh),
            "status_en": .string(en), "total": amount(o.total), "currency": .string(o.total.currency),
            "placed": .string(date(o.placedAt)), "items_zh": .string(o.itemsZh), "items_en": .string(o.itemsEn),
            "parcel_count": .number(Double(parcels.count)), "parcel": parcels.first.map(parcelValue) ?? .null,
        ])
    }

    func parcelValue(_ p: Parcel) -> FlowValue {
        let (zh, en) = Self.parcelStatusWords[p.status] ?? (p.status.rawValue, p.status.rawValue)
        return .record([
            "tracking": .string(p.trackingNumber), "carrier_zh": .string(p.carrierZh), "carrier_en": .string(p.carrierEn),
            "status": .string(p.status.rawValue), "status_zh": .string(zh), "status_en": .string(en),
            "location_zh": .string(p.locationZh), "location_en": .string(p.locationEn), "eta": .string(p.estimatedDelivery ?? ""),
        ])
    }

    func parcelsValue(_ parcels: [Parcel]) -> FlowValue {
        let items = parcels.map(parcelValue)
        return .record(["count": .number(Double(items.count)), "first": items.first ?? .null, "items": .list(items)])
    }

    func ticketValue(_ t: Ticket) -> FlowValue {
        .record(["number": .string(t.number), "category": .string(t.category), "kind": .string(t.kind),
                 "status": .string(t.status.rawValue), "created": .string(date(t.createdAt))])
    }

    func listFields(_ items: [FlowValue]) -> [String: FlowValue] {
        ["count": .number(Double(items.count)), "latest": items.first ?? .null, "items": .list(items)]
    }

    func listValue(_ items: [FlowValue]) -> FlowValue { .record(listFields(items)) }

    /// Minor units to the currency's units, exactly for two decimals (what `say money` reads).
    func amount(_ m: Money) -> FlowValue { .number(Double(m.minorUnits) / 100) }

    func date(_ t: Timestamp) -> String { LocalTime(t, utcOffsetMinutes: utcOffsetMinutes).date }
    func time(_ t: Timestamp) -> String { LocalTime(t, utcOffsetMinutes: utcOffsetMinutes).time }

    static let orderStatusWords: [Order.Status: (String, String)] = [
        .placed: ("已下单，等待付款", "placed, waiting for payment"),
        .paid: ("已付款，等待发货", "paid, waiting to be shipped"),
        .shipped: ("已发货", "shipped"),
        .delivered: ("已签收", "delivered"),
        .cancelled: ("已取消", "cancelled"),
        .returned: ("已退货", "returned"),
    ]

    static let parcelStatusWords: [Parcel.Status: (String, String)] = [
        .labelCreated: ("已打单，等待揽收", "label created, waiting for pickup"),
        .inTransit: ("运输中", "in transit"),
        .outForDelivery: ("派送中", "out for delivery"),
        .delivered: ("已签收", "delivered"),
        .exception: ("运输异常", "delayed by a problem"),
    ]
}

extension Character {
    /// What a phone number is written with: digits, `+`, spaces and dashes.
    var isPhoneNumberCharacter: Bool { ("0"..."9").contains(self) || self == "+" || self == " " || self == "-" }
}
