import HotlineModel
import Storage
import XCTest

/// Self-service checks (accounts, bills, cards, orders, tickets, PINs, IVR paths); see
/// `HotlineStoreConformance`.
extension HotlineStoreConformance {
    /// Every reference record round-trips, lists come in their documented order and
    /// honour `limit`, lookups of unknown numbers find nothing.
    func selfServiceReferenceRoundTrip() async throws {
        try await withStore { store in
            try await store.createCustomer(Fixtures.customer(1))
            try await store.createCustomer(Fixtures.customer(2))

            // Accounts: by kind (raw value, so bank before telecom), then opening time, then number.
            let telecomA = Fixtures.account("13800138001", kind: .telecom, openedAt: 1)
            let telecomB = Fixtures.account("13800138000", kind: .telecom, openedAt: 1)
            let bankLater = Fixtures.account("622202000000001", kind: .bank, openedAt: 9)
            let bankEarlier = Fixtures.account("6222020200112233", kind: .bank, openedAt: 5, balance: -1240)
            let otherCustomers = Fixtures.account("13900139000", customer: "c-2", kind: .telecom, openedAt: 0)
            for account in [telecomA, bankLater, otherCustomers, bankEarlier, telecomB] {
                try await store.createAccount(account)
            }
            let accounts = try await store.accounts(of: "c-1")
            XCTAssertEqual(accounts, [bankEarlier, bankLater, telecomB, telecomA])
            let byNumber = try await store.account(number: "6222020200112233")
            XCTAssertEqual(byNumber, bankEarlier)
            for unknown in ["6222020200112234", "622202020011223", " 6222020200112233", ""] {
                let missing = try await store.account(number: unknown)
                XCTAssertNil(missing, unknown)
            }
            let nobodysAccounts = try await store.accounts(of: "c-9")
            XCTAssertEqual(nobodysAccounts, [])

            // Bills: newest period first.
            let august = Fixtures.bill("b-08", account: "13800138000", period: "2026-08", due: "2026-09-20", amount: 12_900, paid: true)
            let october = Fixtures.bill("b-10", account: "13800138000", period: "2026-10", due: "2026-11-20", amount: 12_900, paid: false)
            let september = Fixtures.bill("b-09", account: "13800138000", period: "2026-09", due: "2026-10-20", amount: 13_550, paid: true)
            let elsewhere = Fixtures.bill("b-x", account: "13900139000", period: "2026-10", due: "2026-11-20", amount: 8_900, paid: false)
            for bill in [august, october, elsewhere, september] { try await store.createBill(bill) }
            var bills = try await store.bills(account: "13800138000", limit: 10)
            XCTAssertEqual(bills, [october, september, august])
            bills = try await store.bills(account: "13800138000", limit: 2)
            XCTAssertEqual(bills, [october, september])
            bills = try await store.bills(account: "13800138002", limit: 10)
            XCTAssertEqual(bills, [])

            // Cards: by number.
            let lost = Fixtures.card("6222020200112233999", account: "6222020200112233", status: .lost, expires: "2027-01")
            let active = Fixtures.card("6222020200112233445", account: "6222020200112233", status: .active, expires: "2029-08")
            let sixteen = Fixtures.card("6222020200000001", account: "622202000000001", status: .blocked, expires: "2028-12")
            for card in [lost, active, sixteen] { try await store.createCard(card) }
            let cards = try await store.cards(of: "c-1")
            XCTAssertEqual(cards, [sixteen, active, lost])
            let card = try await store.card(number: "6222020200112233445")
            XCTAssertEqual(card, active)
            let noCard = try await store.card(number: "6222020200112233446")
            XCTAssertNil(noCard)
            let noCards = try await store.cards(of: "c-2")
            XCTAssertEqual(noCards, [])

            // Transactions: newest first, ties by id descending.
            let t1 = Fixtures.transaction("tx-1", card: active.number, at: 100, amount: 850_000, zh: "工资", en: "Salary")
            let t2 = Fixtures.transaction("tx-2", card: active.number, at: 300, amount: -3_800, zh: "星巴克", en: "Starbucks")
            let t3 = Fixtures.transaction("tx-3", card: active.number, at: 300, amount: -129_900, zh: "京东商城", en: "JD.com")
            let t4 = Fixtures.transaction("tx-4", card: active.number, at: 200, amount: -1_000, zh: "地铁", en: "Metro",
                                          currency: "USD")
            let onOtherCard = Fixtures.transaction("tx-5", card: lost.number, at: 999, amount: -1, zh: "便利店", en: "Shop")
            for transaction in [t1, t2, onOtherCard, t3, t4] { try await store.createTransaction(transaction) }
            var transactions = try await store.transactions(card: active.number, limit: 10)
            XCTAssertEqual(transactions, [t3, t2, t4, t1])
            transactions = try await store.transactions(card: active.number, limit: 3)
            XCTAssertEqual(transactions, [t3, t2, t4])
            transactions = try await store.transactions(card: sixteen.number, limit: 3)
            XCTAssertEqual(transactions, [])

            // Orders: newest first, ties by number descending.
            let o1 = Fixtures.order("1000000001", placedAt: 10, status: .delivered)
            let o2 = Fixtures.order("1000000002", placedAt: 30, status: .shipped)
            let o3 = Fixtures.order("1000000003", placedAt: 30, status: .placed)
            let o4 = Fixtures.order("1000000004", placedAt: 20, status: .returned)
            let theirs = Fixtures.order("1000000005", customer: "c-2", placedAt: 40, status: .paid)
            for order in [o1, o2, theirs, o3, o4] { try await store.createOrder(order) }
            var orders = try await store.orders(of: "c-1", limit: 10)
            XCTAssertEqual(orders, [o3, o2, o4, o1])
            orders = try await store.orders(of: "c-1", limit: 1)
            XCTAssertEqual(orders, [o3])
            let order = try await store.order(number: "1000000004")
            XCTAssertEqual(order, o4)
            let noOrder = try await store.order(number: "1000000009")
            XCTAssertNil(noOrder)

            // Parcels: by tracking number.
            let yto = Fixtures.parcel("YT9876543210", order: o2.number, status: .delivered, eta: nil)
            let sf = Fixtures.parcel("SF1234567890", order: o2.number, status: .inTransit, eta: "2026-11-03")
            let other = Fixtures.parcel("SF0000000001", order: o1.number, status: .outForDelivery, eta: "2028-02-29")
            for parcel in [yto, other, sf] { try await store.createParcel(parcel) }
            let parcels = try await store.parcels(order: o2.number)
            XCTAssertEqual(parcels, [sf, yto])
            let none = try await store.parcels(order: o3.number)
            XCTAssertEqual(none, [])
        }
    }

    /// Taken keys are `.conflict` naming the field, and nothing of the failed write stays.
    func selfServiceConflicts() async throws {
        try await withStore { store in
            try await Fixtures.storeReferenceData(in: store)
            try await store.createCustomer(Fixtures.customer(2))

            var account = Fixtures.account("13800138000", customer: "c-2", kind: .bank, openedAt: 7)
            await assertStorageError(.conflict, field: .accountNumber) { try await store.createAccount(account) }
            account.number = "13800138009"
            try await store.createAccount(account)
            let stillFirst = try await store.account(number: "13800138000")
            XCTAssertEqual(stillFirst?.customerID, "c-1")

            await assertStorageError(.conflict, field: .id) {
                try await store.createBill(Fixtures.bill("b-10", account: "13800138009", period: "2026-10", due: "2026-11-20",
                                                         amount: 1, paid: false))
            }
            await assertStorageError(.conflict, field: .period) {
                try await store.createBill(Fixtures.bill("b-new", account: "13800138000", period: "2026-10", due: "2026-11-21",
                                                         amount: 1, paid: false))
            }
            await assertStorageError(.conflict, field: .cardNumber) {
                try await store.createCard(Fixtures.card("6222020200112233445", account: "6222020200112233", status: .blocked,
                                                         expires: "2030-01"))
            }
            await assertStorageError(.conflict, field: .id) {
                try await store.createTransaction(Fixtures.transaction("tx-1", card: "6222020200112233445", at: 5, amount: 1,
                                                                       zh: "重复", en: "Duplicate"))
            }
            await assertStorageError(.conflict, field: .orderNumber) {
                try await store.createOrder(Fixtures.order("1000012345", customer: "c-2", placedAt: 1, status: .placed))
            }
            await assertStorageError(.conflict, field: .trackingNumber) {
                try await store.createParcel(Fixtures.parcel("SF1234567890", order: "1000012345", status: .delivered, eta: nil))
            }
            let bills = try await store.bills(account: "13800138000", limit: 10)
            XCTAssertEqual(bills.map(\.id), ["b-10", "b-09"])
            let card = try await store.card(number: "6222020200112233445")
            XCTAssertEqual(card?.status, .active)
            let transactions = try await store.transactions(card: "6222020200112233445", limit: 10)
            XCTAssertEqual(transactions.map(\.id), ["tx-2", "tx-1"])
            let order = try await store.order(number: "1000012345")
            XCTAssertEqual(order?.customerID, "c-1")
            let parcels = try await store.parcels(order: "1000012345")
            XCTAssertEqual(parcels.map(\.status), [.inTransit])

            try await store.createInteraction(Self.call(1))
            let voicemail = Fixtures.voicemail("vm-1", interaction: "i-1", at: 1)
            try await store.createVoicemail(voicemail)
            var sameVoicemailID = voicemail
            sameVoicemailID.path = "/data/voicemail/other.wav"
            await assertStorageError(.conflict, field: .id) { try await store.createVoicemail(sameVoicemailID) }
            let callback = Fixtures.callback("cb-1", at: 1)
            try await store.createCallback(callback)
            await assertStorageError(.conflict, field: .id) { try await store.createCallback(callback) }

            try await store.appendIVRSteps([Fixtures.step("i-1", 0), Fixtures.step("i-1", 1)])
            await assertStorageError(.conflict, field: .position) {
                try await store.appendIVRSteps([Fixtures.step("i-1", 2), Fixtures.step("i-1", 1)])
            }
            await assertStorageError(.conflict, field: .position) {
                try await store.appendIVRSteps([Fixtures.step("i-1", 3), Fixtures.step("i-1", 3)])
            }
            // All or nothing: step 2 of the first failed batch and step 3 were not kept.
            let steps = try await store.ivrSteps(of: "i-1")
            XCTAssertEqual(steps, [Fixtures.step("i-1", 0), Fixtures.step("i-1", 1)])
        }
    }

    /// A record whose parent does not exist is `.notFound`, naming the missing parent.
    func selfServiceMissingParents() async throws {
        try await withStore { store in
            try await Fixtures.storeReferenceData(in: store)

            await assertStorageError(.notFound, field: .customerID) {
                try await store.createAccount(Fixtures.account("13800138009", customer: "c-9", kind: .telecom, openedAt: 0))
            }
            await assertStorageError(.notFound, field: .accountNumber) {
                try await store.createBill(Fixtures.bill("b-1", account: "13800138009", period: "2026-10", due: "2026-11-20",
                                                         amount: 1, paid: false))
            }
            await assertStorageError(.notFound, field: .accountNumber) {
                try await store.createCard(Fixtures.card("6222020200112233000", account: "6222020200999999", status: .active,
                                                         expires: "2030-01"))
            }
            await assertStorageError(.notFound, field: .customerID) {
                try await store.createCard(Card(number: "6222020200112233000", customerID: "c-9",
                                                accountNumber: "6222020200112233", status: .active, expires: "2030-01"))
            }
            await assertStorageError(.notFound, field: .cardNumber) {
                try await store.createTransaction(Fixtures.transaction("tx-9", card: "6222020200112233000", at: 1, amount: 1,
                                                                       zh: "店", en: "Shop"))
            }
            await assertStorageError(.notFound, field: .customerID) {
                try await store.createOrder(Fixtures.order("1000000009", customer: "c-9", placedAt: 1, status: .placed))
            }
            await assertStorageError(.notFound, field: .orderNumber) {
                try await store.createParcel(Fixtures.parcel("SF0000000009", order: "1000000009", status: .inTransit, eta: nil))
            }
            await assertStorageError(.notFound, field: .orderNumber) {
                try await store.createReturn(Fixtures.returnRequest(order: "1000000009", at: 1))
            }
            await assertStorageError(.notFound, field: .customerID) {
                try await store.createTicket(Fixtures.ticket(customer: "c-9", at: 1))
            }
            await assertStorageError(.notFound, field: .interactionID) {
                try await store.createTicket(Fixtures.ticket(customer: "c-1", interaction: "i-9", at: 1))
            }
            await assertStorageError(.notFound, field: .interactionID) {
                try await store.createVoicemail(Fixtures.voicemail("vm-1", interaction: "i-9", at: 1))
            }
            await assertStorageError(.notFound, field: .interactionID) {
                try await store.createCallback(Fixtures.callback("cb-1", interaction: "i-9", at: 1))
            }
            await assertStorageError(.notFound, field: .interactionID) {
                try await store.appendIVRSteps([Fixtures.step("i-9", 0)])
            }
            await assertStorageError(.notFound, field: .interactionID) {
                try await store.saveIVRSummary(Fixtures.summary("i-9", startedAt: 1))
            }
            await assertStorageError(.notFound, field: .customerID) { try await store.setPIN(.init(.customer, "c-9"), hash: "h") }
            await assertStorageError(.notFound, field: .accountNumber) { try await store.setPIN(.init(.account, "13800138009"), hash: "h") }
            await assertStorageError(.notFound, field: .cardNumber) {
                try await store.setPIN(.init(.card, "6222020200112233000"), hash: "h")
            }

            // Nothing was stored, and no number was used up.
            let card = try await store.card(number: "6222020200112233000")
            XCTAssertNil(card)
            let ticket = try await store.createTicket(Fixtures.ticket(customer: "c-1", at: 1))
            XCTAssertEqual(ticket.number, "10000001")
            let returned = try await store.createReturn(Fixtures.returnRequest(order: "1000012345", at: 1))
            XCTAssertEqual(returned.number, "50000001")
        }
    }

    /// Tickets and returns get the next number: 10000001, 50000001, then one up; lists
    /// are newest first, `openOnly` keeps open and in-progress tickets.
    func ticketAndReturnNumbers() async throws {
        try await withStore { store in
            try await Fixtures.storeReferenceData(in: store)
            try await store.createCustomer(Fixtures.customer(2))
            try await store.createInteraction(Self.call(1))

            var input = Fixtures.ticket(customer: "c-1", interaction: "i-1", at: 1, status: .open)
            input.number = "99999999"  // ignored
            let first = try await store.createTicket(input)
            var expected = input
            expected.number = "10000001"
            XCTAssertEqual(first, expected)
            let resolved = try await store.createTicket(Fixtures.ticket(customer: "c-1", at: 3, status: .resolved))
            let working = try await store.createTicket(Fixtures.ticket(customer: "c-1", at: 2, status: .inProgress))
            let closed = try await store.createTicket(Fixtures.ticket(customer: "c-1", at: 4, status: .closed))
            let theirs = try await store.createTicket(Fixtures.ticket(customer: "c-2", at: 9, status: .open))
            let anonymous = try await store.createTicket(Fixtures.ticket(customer: nil, at: 9, status: .open))
            XCTAssertEqual([resolved, working, closed, theirs, anonymous].map(\.number),
                           ["10000002", "10000003", "10000004", "10000005", "10000006"])

            var tickets = try await store.tickets(of: "c-1", openOnly: false, limit: 10)
            XCTAssertEqual(tickets, [closed, resolved, working, first])
            tickets = try await store.tickets(of: "c-1", openOnly: false, limit: 2)
            XCTAssertEqual(tickets, [closed, resolved])
            tickets = try await store.tickets(of: "c-1", openOnly: true, limit: 10)
            XCTAssertEqual(tickets, [working, first])
            tickets = try await store.tickets(of: "c-1", openOnly: true, limit: 1)
            XCTAssertEqual(tickets, [working])
            tickets = try await store.tickets(of: "c-9", openOnly: false, limit: 10)
            XCTAssertEqual(tickets, [])
            let found = try await store.ticket(number: "10000001")
            XCTAssertEqual(found, expected)
            let foundAnonymous = try await store.ticket(number: "10000006")
            XCTAssertEqual(foundAnonymous, anonymous)
            let missingTicket = try await store.ticket(number: "10000007")
            XCTAssertNil(missingTicket)

            var request = Fixtures.returnRequest(order: "1000012345", customer: "c-1", interaction: "i-1", at: 5)
            request.number = "1"  // ignored
            let firstReturn = try await store.createReturn(request)
            var expectedReturn = request
            expectedReturn.number = "50000001"
            XCTAssertEqual(firstReturn, expectedReturn)
            let secondReturn = try await store.createReturn(Fixtures.returnRequest(order: "1000054321", at: 6))
            XCTAssertEqual(secondReturn.number, "50000002")
            let foundReturn = try await store.returnRequest(number: "50000001")
            XCTAssertEqual(foundReturn, expectedReturn)
            let missingReturn = try await store.returnRequest(number: "50000003")
            XCTAssertNil(missingReturn)
            // The two sequences are separate.
            let next = try await store.createTicket(Fixtures.ticket(customer: nil, at: 10))
            XCTAssertEqual(next.number, "10000007")
        }
    }

    /// Tickets and returns created at the same time still get distinct, consecutive numbers.
    func concurrentTicketNumbers() async throws {
        try await withStore { store in
            try await Fixtures.storeReferenceData(in: store)
            let numbers = try await withThrowingTaskGroup(of: String.self) { group in
                for n in 0..<8 {
                    group.addTask { try await store.createTicket(Fixtures.ticket(customer: "c-1", at: Int64(n))).number }
                    group.addTask { try await store.createReturn(Fixtures.returnRequest(order: "1000012345", at: Int64(n))).number }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(numbers.sorted(), (10_000_001...10_000_008).map(String.init) + (50_000_001...50_000_008).map(String.init))
            let tickets = try await store.tickets(of: "c-1", openOnly: false, limit: 100)
            XCTAssertEqual(Set(tickets.map(\.number)).count, 8)
        }
    }

    /// Setting a PIN stores it with no wrong tries; attempts round-trip; setting it again
    /// replaces the hash and clears the tries; a subject without a PIN has none to record.
    func pinLifecycle() async throws {
        try await withStore { store in
            try await Fixtures.storeReferenceData(in: store)
            let customer = PINSubject(.customer, "c-1")
            let account = PINSubject(.account, "13800138000")
            let card = PINSubject(.card, "6222020200112233445")

            let before = try await store.pin(customer)
            XCTAssertNil(before)
            try await store.setPIN(customer, hash: "scrypt$16384$8$1$c2FsdA$Zmlyc3Q")
            try await store.setPIN(card, hash: "scrypt$16384$8$1$c2FsdA$Y2FyZA")
            var record = try await store.pin(customer)
            XCTAssertEqual(record, PINRecord(subject: customer, hash: "scrypt$16384$8$1$c2FsdA$Zmlyc3Q"))

            try await store.recordPINAttempts(customer, failures: 2, lastFailure: Fixtures.at(500), lockedUntil: nil)
            record = try await store.pin(customer)
            XCTAssertEqual(record, PINRecord(subject: customer, hash: "scrypt$16384$8$1$c2FsdA$Zmlyc3Q", failures: 2,
                                             lastFailure: Fixtures.at(500)))
            try await store.recordPINAttempts(customer, failures: 3, lastFailure: Fixtures.at(600), lockedUntil: Fixtures.at(900_600))
            record = try await store.pin(customer)
            XCTAssertEqual(record, PINRecord(subject: customer, hash: "scrypt$16384$8$1$c2FsdA$Zmlyc3Q", failures: 3,
                                             lastFailure: Fixtures.at(600), lockedUntil: Fixtures.at(900_600)))
            // The card's PIN is its own.
            let cardRecord = try await store.pin(card)
            XCTAssertEqual(cardRecord, PINRecord(subject: card, hash: "scrypt$16384$8$1$c2FsdA$Y2FyZA"))

            try await store.setPIN(customer, hash: "scrypt$16384$8$1$bmV3$c2Vjb25k")
            record = try await store.pin(customer)
            XCTAssertEqual(record, PINRecord(subject: customer, hash: "scrypt$16384$8$1$bmV3$c2Vjb25k"))

            try await store.recordPINAttempts(customer, failures: 0, lastFailure: nil, lockedUntil: nil)
            record = try await store.pin(customer)
            XCTAssertEqual(record, PINRecord(subject: customer, hash: "scrypt$16384$8$1$bmV3$c2Vjb25k"))

            let accountRecord = try await store.pin(account)
            XCTAssertNil(accountRecord)
            await assertStorageError(.notFound, field: .pin) {
                try await store.recordPINAttempts(account, failures: 1, lastFailure: Fixtures.at(1), lockedUntil: nil)
            }
            let stillNone = try await store.pin(account)
            XCTAssertNil(stillNone)
            // The same key under another kind is another subject.
            let otherKind = try await store.pin(PINSubject(.account, "6222020200112233445"))
            XCTAssertNil(otherKind)
        }
    }

    func voicemailsAndCallbacks() async throws {
        try await withStore { store in
            try await store.createInteraction(Self.call(1))
            try await store.createInteraction(Self.call(2))
            let later = Fixtures.voicemail("vm-a", interaction: "i-1", at: 20)
            var earlier = Fixtures.voicemail("vm-b", interaction: "i-1", at: 10)
            earlier.heard = true
            earlier.from = "anonymous"
            let other = Fixtures.voicemail("vm-c", interaction: "i-2", at: 5)
            for voicemail in [later, other, earlier] { try await store.createVoicemail(voicemail) }
            let voicemails = try await store.voicemails(of: "i-1")
            XCTAssertEqual(voicemails, [earlier, later])
            let none = try await store.voicemails(of: "i-9")
            XCTAssertEqual(none, [])

            let third = Fixtures.callback("cb-3", interaction: "i-1", at: 30, preferredTime: "18:00", queue: "cards")
            let first = Fixtures.callback("cb-1", at: 10)
            let second = Fixtures.callback("cb-2", interaction: "i-2", at: 20, preferredTime: "morning")
            var done = Fixtures.callback("cb-0", at: 0)
            done.status = .done
            for callback in [third, done, first, second] { try await store.createCallback(callback) }
            var pending = try await store.callbacks(status: .pending, limit: 10)
            XCTAssertEqual(pending, [first, second, third])
            pending = try await store.callbacks(status: .pending, limit: 2)
            XCTAssertEqual(pending, [first, second])
            let finished = try await store.callbacks(status: .done, limit: 10)
            XCTAssertEqual(finished, [done])
            let failed = try await store.callbacks(status: .failed, limit: 10)
            XCTAssertEqual(failed, [])
        }
    }

    /// Steps come back in position order across appends; a summary is stored, replaced,
    /// and owed transfers are those whose interaction is queued, oldest request first.
    func ivrStepsAndSummaries() async throws {
        try await withStore { store in
            for n in 1...4 { try await store.createInteraction(Self.call(n)) }
            var masked = Fixtures.step("i-1", 1)
            masked.input = "******"
            masked.kind = "collect"
            try await store.appendIVRSteps([Fixtures.step("i-1", 0), masked])
            try await store.appendIVRSteps([Fixtures.step("i-1", 3), Fixtures.step("i-1", 2)])
            try await store.appendIVRSteps([])
            try await store.appendIVRSteps([Fixtures.step("i-2", 0)])
            let steps = try await store.ivrSteps(of: "i-1")
            XCTAssertEqual(steps, [Fixtures.step("i-1", 0), masked, Fixtures.step("i-1", 2), Fixtures.step("i-1", 3)])
            let noSteps = try await store.ivrSteps(of: "i-3")
            XCTAssertEqual(noSteps, [])

            let started = Fixtures.summary("i-1", startedAt: 100)
            try await store.saveIVRSummary(started)
            var summary = try await store.ivrSummary(of: "i-1")
            XCTAssertEqual(summary, started)
            var ended = started
            ended.flowVersion = 3
            ended.language = .enUS
            ended.outcome = "transferred to cards"
            ended.verification = "verified"
            ended.verificationMethod = "card"
            ended.variablesJSON = #"{"card":"******5445","lang":"en-US"}"#
            ended.transfer = IVRSummary.TransferRequest(queue: "cards", skills: ["cards", "english", "a/b \"q\""], priority: 2,
                                                        reason: "lost card", requestedAt: Fixtures.at(150))
            ended.endedAt = Fixtures.at(150)
            try await store.saveIVRSummary(ended)
            summary = try await store.ivrSummary(of: "i-1")
            XCTAssertEqual(summary, ended)
            let noSummary = try await store.ivrSummary(of: "i-4")
            XCTAssertNil(noSummary)

            // i-1 and i-2 queued with transfers (i-2 asked first), i-3 connected with a
            // transfer, i-4 queued without one.
            var i2 = Fixtures.summary("i-2", startedAt: 10)
            i2.transfer = IVRSummary.TransferRequest(queue: "billing", skills: [], priority: 10, reason: nil,
                                                     requestedAt: Fixtures.at(120))
            var i3 = Fixtures.summary("i-3", startedAt: 10)
            i3.transfer = IVRSummary.TransferRequest(queue: "billing", skills: ["billing"], priority: 1, reason: nil,
                                                     requestedAt: Fixtures.at(110))
            let i4 = Fixtures.summary("i-4", startedAt: 10)
            for summary in [i2, i3, i4] { try await store.saveIVRSummary(summary) }
            var owed = try await store.pendingTransfers(limit: 10)
            XCTAssertEqual(owed, [])  // nobody queued yet

            for (n, state) in [(1, Interaction.State.queued), (2, .queued), (3, .connected), (4, .queued)] {
                var call = Self.call(n)
                call.state = state
                try await store.updateInteraction(call)
            }
            owed = try await store.pendingTransfers(limit: 10)
            XCTAssertEqual(owed, [i2, ended])
            owed = try await store.pendingTransfers(limit: 1)
            XCTAssertEqual(owed, [i2])

            var answered = Self.call(2)
            answered.state = .connected
            try await store.updateInteraction(answered)
            owed = try await store.pendingTransfers(limit: 10)
            XCTAssertEqual(owed, [ended])

            // Replacing a summary can also drop its transfer.
            var withoutTransfer = ended
            withoutTransfer.transfer = nil
            withoutTransfer.outcome = "abandoned in queue"
            try await store.saveIVRSummary(withoutTransfer)
            owed = try await store.pendingTransfers(limit: 10)
            XCTAssertEqual(owed, [])
            summary = try await store.ivrSummary(of: "i-1")
            XCTAssertEqual(summary, withoutTransfer)
        }
    }

    /// Deleting a customer deletes its accounts, bills, cards, transactions, orders,
    /// parcels, returns and PINs; tickets stay without the customer; other customers'
    /// records stay as they were.
    func selfServiceCascadeOnCustomerDelete() async throws {
        try await withStore { store in
            let data = try await Fixtures.storeReferenceData(in: store)
            try await store.createCustomer(Fixtures.customer(2))
            let theirAccount = Fixtures.account("13900139000", customer: "c-2", kind: .telecom, openedAt: 0)
            try await store.createAccount(theirAccount)
            let theirOrder = Fixtures.order("1000067890", customer: "c-2", placedAt: 1, status: .delivered)
            try await store.createOrder(theirOrder)
            try await store.setPIN(PINSubject(.customer, "c-1"), hash: "h1")
            try await store.setPIN(PINSubject(.account, "13800138000"), hash: "h2")
            try await store.setPIN(PINSubject(.card, "6222020200112233445"), hash: "h3")
            try await store.setPIN(PINSubject(.customer, "c-2"), hash: "h4")
            let ticket = try await store.createTicket(Fixtures.ticket(customer: "c-1", at: 1))
            let returned = try await store.createReturn(Fixtures.returnRequest(order: "1000012345", customer: "c-1", at: 2))

            try await store.deleteCustomer(id: "c-1")

            for account in data.accounts {
                let gone = try await store.account(number: account.number)
                XCTAssertNil(gone, account.number)
                let bills = try await store.bills(account: account.number, limit: 10)
                XCTAssertEqual(bills, [], account.number)
            }
            let accounts = try await store.accounts(of: "c-1")
            XCTAssertEqual(accounts, [])
            for card in data.cards {
                let gone = try await store.card(number: card.number)
                XCTAssertNil(gone, card.number)
                let transactions = try await store.transactions(card: card.number, limit: 10)
                XCTAssertEqual(transactions, [], card.number)
            }
            for order in data.orders {
                let gone = try await store.order(number: order.number)
                XCTAssertNil(gone, order.number)
                let parcels = try await store.parcels(order: order.number)
                XCTAssertEqual(parcels, [], order.number)
            }
            let goneReturn = try await store.returnRequest(number: returned.number)
            XCTAssertNil(goneReturn)
            for subject in [PINSubject(.customer, "c-1"), PINSubject(.account, "13800138000"), PINSubject(.card, "6222020200112233445")] {
                let gone = try await store.pin(subject)
                XCTAssertNil(gone, "\(subject)")
            }
            var orphan = ticket
            orphan.customerID = nil
            let keptTicket = try await store.ticket(number: ticket.number)
            XCTAssertEqual(keptTicket, orphan)

            let theirs = try await store.accounts(of: "c-2")
            XCTAssertEqual(theirs, [theirAccount])
            let theirOrders = try await store.orders(of: "c-2", limit: 10)
            XCTAssertEqual(theirOrders, [theirOrder])
            let theirPIN = try await store.pin(PINSubject(.customer, "c-2"))
            XCTAssertEqual(theirPIN, PINRecord(subject: PINSubject(.customer, "c-2"), hash: "h4"))
        }
    }

    /// Bad input is `.invalid` naming the field, before anything is written.
    func selfServiceValidation() async throws {
        try await withStore { store in
            try await Fixtures.storeReferenceData(in: store)
            try await store.createInteraction(Self.call(1))

            func account(_ change: (inout ServiceAccount) -> Void) -> ServiceAccount {
                var value = Fixtures.account("13800138009", kind: .telecom, openedAt: 0)
                change(&value)
                return value
            }
            let accounts: [(ServiceAccount, StorageError.Field)] = [
                (account { $0.number = "12345" }, .accountNumber),
                (account { $0.number = "12345678901234567890" }, .accountNumber),
                (account { $0.number = "1380013800a" }, .accountNumber),
                (account { $0.number = "138 0013 8009" }, .accountNumber),
                (account { $0.number = "１３８００１３８００９" }, .accountNumber),
                (account { $0.customerID = "" }, .customerID),
                (account { $0.planZh = " " }, StorageError.Field(rawValue: "planZh")),
                (account { $0.planEn = "" }, StorageError.Field(rawValue: "planEn")),
                (account { $0.balance.currency = "cny" }, .currency),
                (account { $0.balance.currency = "CNYX" }, .currency),
                (account { $0.balance.currency = "" }, .currency),
            ]
            for (value, field) in accounts {
                await assertStorageError(.invalid, field: field) { try await store.createAccount(value) }
            }
            let notStored = try await store.account(number: "13800138009")
            XCTAssertNil(notStored)

            func bill(_ change: (inout Bill) -> Void) -> Bill {
                var value = Fixtures.bill("b-new", account: "13800138000", period: "2026-11", due: "2026-12-20",
                                          amount: 1, paid: false)
                change(&value)
                return value
            }
            let bills: [(Bill, StorageError.Field)] = [
                (bill { $0.id = "" }, .id),
                (bill { $0.id = "b new" }, .id),
                (bill { $0.period = "2026-13" }, .period),
                (bill { $0.period = "2026-1" }, .period),
                (bill { $0.period = "2026-11-01" }, .period),
                (bill { $0.dueDate = "2026-02-29" }, .date),
                (bill { $0.dueDate = "2026-12-32" }, .date),
                (bill { $0.dueDate = "2026/12/20" }, .date),
                (bill { $0.dueDate = "20261220" }, .date),
                (bill { $0.amount.currency = "US$" }, .currency),
            ]
            for (value, field) in bills {
                await assertStorageError(.invalid, field: field) { try await store.createBill(value) }
            }
            // A real leap day is fine.
            try await store.createBill(bill { $0.dueDate = "2028-02-29" })

            let card = Fixtures.card("6222020200112233000", account: "6222020200112233", status: .active, expires: "2030-01")
            var shortCard = card
            shortCard.number = "622202020011223"
            await assertStorageError(.invalid, field: .cardNumber) { try await store.createCard(shortCard) }
            var badExpiry = card
            badExpiry.expires = "01/30"
            await assertStorageError(.invalid, field: .date) { try await store.createCard(badExpiry) }
            var badMerchant = Fixtures.transaction("tx-9", card: "6222020200112233445", at: 1, amount: 1, zh: "店", en: "")
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "merchantEn")) {
                try await store.createTransaction(badMerchant)
            }
            badMerchant.merchantEn = "Shop"
            badMerchant.cardNumber = "6222-0202-0011-2233"
            await assertStorageError(.invalid, field: .cardNumber) { try await store.createTransaction(badMerchant) }

            var order = Fixtures.order("12345", placedAt: 1, status: .placed)
            await assertStorageError(.invalid, field: .orderNumber) { try await store.createOrder(order) }
            order.number = "1000000777"
            order.itemsZh = ""
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "itemsZh")) { try await store.createOrder(order) }
            var parcel = Fixtures.parcel("SF 123", order: "1000012345", status: .inTransit, eta: nil)
            await assertStorageError(.invalid, field: .trackingNumber) { try await store.createParcel(parcel) }
            parcel.trackingNumber = "SF0000000777"
            parcel.estimatedDelivery = "tomorrow"
            await assertStorageError(.invalid, field: .date) { try await store.createParcel(parcel) }
            parcel.estimatedDelivery = nil
            parcel.locationEn = "  "
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "locationEn")) { try await store.createParcel(parcel) }

            var ticket = Fixtures.ticket(customer: "c-1", at: 1)
            ticket.category = ""
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "category")) { _ = try await store.createTicket(ticket) }
            var returnRequest = Fixtures.returnRequest(order: "1000012345", at: 1)
            returnRequest.reason = " "
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "reason")) { _ = try await store.createReturn(returnRequest) }
            returnRequest.reason = "damaged"
            returnRequest.orderNumber = "ORDER-1"
            await assertStorageError(.invalid, field: .orderNumber) { _ = try await store.createReturn(returnRequest) }

            var voicemail = Fixtures.voicemail("vm-1", interaction: "i-1", at: 1)
            voicemail.durationMilliseconds = -1
            await assertStorageError(.invalid, field: .duration) { try await store.createVoicemail(voicemail) }
            voicemail.durationMilliseconds = 0
            voicemail.path = ""
            await assertStorageError(.invalid, field: .path) { try await store.createVoicemail(voicemail) }
            var callback = Fixtures.callback("cb-1", at: 1)
            for number in ["n/a", "12", "", "+86 138 0013 8000 ext. 5"] {
                callback.number = number
                await assertStorageError(.invalid, field: .number) { try await store.createCallback(callback) }
            }
            callback.number = "+86 (138) 0013-8000"
            callback.queue = ""
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "queue")) { try await store.createCallback(callback) }

            var step = Fixtures.step("i-1", -1)
            await assertStorageError(.invalid, field: .position) { try await store.appendIVRSteps([step]) }
            step.position = 0
            step.node = ""
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "node")) {
                try await store.appendIVRSteps([Fixtures.step("i-1", 0), step])
            }
            step.node = "menu"
            step.milliseconds = -5
            await assertStorageError(.invalid, field: .duration) { try await store.appendIVRSteps([step]) }

            var summary = Fixtures.summary("i-1", startedAt: 100)
            summary.transfer = IVRSummary.TransferRequest(queue: "cards", skills: [], priority: 11, reason: nil,
                                                          requestedAt: Fixtures.at(1))
            await assertStorageError(.invalid, field: .transfer) { try await store.saveIVRSummary(summary) }
            summary.transfer?.priority = 0
            await assertStorageError(.invalid, field: .transfer) { try await store.saveIVRSummary(summary) }
            summary.transfer?.priority = 1
            summary.transfer?.queue = " "
            await assertStorageError(.invalid, field: .transfer) { try await store.saveIVRSummary(summary) }
            summary.transfer = nil
            summary.variablesJSON = "[]"
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "variablesJSON")) { try await store.saveIVRSummary(summary) }
            summary.variablesJSON = "{}"
            summary.endedAt = Fixtures.at(99)
            await assertStorageError(.invalid, field: StorageError.Field(rawValue: "endedAt")) { try await store.saveIVRSummary(summary) }

            await assertStorageError(.invalid, field: .pin) { try await store.setPIN(PINSubject(.customer, "c-1"), hash: "") }
            await assertStorageError(.invalid, field: .pin) { try await store.setPIN(PINSubject(.customer, "c-1"), hash: "12 34") }
            await assertStorageError(.invalid, field: .cardNumber) { try await store.setPIN(PINSubject(.card, "1234"), hash: "h") }
            await assertStorageError(.invalid, field: .accountNumber) { try await store.setPIN(PINSubject(.account, "x"), hash: "h") }
            await assertStorageError(.invalid, field: .customerID) { try await store.setPIN(PINSubject(.customer, ""), hash: "h") }
            try await store.setPIN(PINSubject(.customer, "c-1"), hash: "h")
            await assertStorageError(.invalid, field: .pin) {
                try await store.recordPINAttempts(PINSubject(.customer, "c-1"), failures: -1, lastFailure: nil, lockedUntil: nil)
            }

            // Every list takes 1...PageRequest.maximumLimit.
            for limit in [0, -1, PageRequest.maximumLimit + 1] {
                await assertStorageError(.invalid, field: .paging) { try await store.bills(account: "13800138000", limit: limit) }
                await assertStorageError(.invalid, field: .paging) { try await store.transactions(card: "6222020200112233445", limit: limit) }
                await assertStorageError(.invalid, field: .paging) { try await store.orders(of: "c-1", limit: limit) }
                await assertStorageError(.invalid, field: .paging) { try await store.tickets(of: "c-1", openOnly: false, limit: limit) }
                await assertStorageError(.invalid, field: .paging) { try await store.callbacks(status: .pending, limit: limit) }
                await assertStorageError(.invalid, field: .paging) { try await store.pendingTransfers(limit: limit) }
            }
            let largest = try await store.bills(account: "13800138000", limit: PageRequest.maximumLimit)
            XCTAssertEqual(largest.map(\.id), ["b-new", "b-10", "b-09"])

            // None of the rejected writes left anything behind.
            let steps = try await store.ivrSteps(of: "i-1")
            XCTAssertEqual(steps, [])
            let voicemails = try await store.voicemails(of: "i-1")
            XCTAssertEqual(voicemails, [])
            let callbacks = try await store.callbacks(status: .pending, limit: 10)
            XCTAssertEqual(callbacks, [])
            let noSummary = try await store.ivrSummary(of: "i-1")
            XCTAssertNil(noSummary)
            let noTickets = try await store.tickets(of: "c-1", openOnly: false, limit: 10)
            XCTAssertEqual(noTickets, [])
        }
    }

    /// Self-service data and the ticket and return sequences survive closing and
    /// reopening the same database.
    ///
    /// - Parameter open: opens the *same* database on every call.
    static func selfServicePersistsAcrossReopen(open: () async throws -> any HotlineStore) async throws {
        let first = try await open()
        let data = try await Fixtures.storeReferenceData(in: first)
        try await first.createInteraction(call(1))
        let ticket = try await first.createTicket(Fixtures.ticket(customer: "c-1", interaction: "i-1", at: 1))
        let returned = try await first.createReturn(Fixtures.returnRequest(order: "1000012345", at: 2))
        try await first.setPIN(PINSubject(.card, "6222020200112233445"), hash: "scrypt$x")
        try await first.recordPINAttempts(PINSubject(.card, "6222020200112233445"), failures: 1, lastFailure: Fixtures.at(7),
                                          lockedUntil: nil)
        try await first.appendIVRSteps([Fixtures.step("i-1", 0)])
        var summary = Fixtures.summary("i-1", startedAt: 0)
        summary.transfer = IVRSummary.TransferRequest(queue: "cards", skills: ["cards"], priority: 5, reason: nil,
                                                      requestedAt: Fixtures.at(3))
        try await first.saveIVRSummary(summary)
        try await first.close()

        let second = try await open()
        let accounts = try await second.accounts(of: "c-1")
        XCTAssertEqual(accounts, [data.accounts[1], data.accounts[0]])  // bank before telecom
        let bills = try await second.bills(account: "13800138000", limit: 10)
        XCTAssertEqual(bills, data.bills.reversed())
        let cards = try await second.cards(of: "c-1")
        XCTAssertEqual(cards, data.cards)
        let transactions = try await second.transactions(card: "6222020200112233445", limit: 10)
        XCTAssertEqual(transactions, data.transactions.reversed())
        let orders = try await second.orders(of: "c-1", limit: 10)
        XCTAssertEqual(orders, data.orders.reversed())
        let parcels = try await second.parcels(order: "1000012345")
        XCTAssertEqual(parcels, data.parcels)
        let storedTicket = try await second.ticket(number: "10000001")
        XCTAssertEqual(storedTicket, ticket)
        let storedReturn = try await second.returnRequest(number: "50000001")
        XCTAssertEqual(storedReturn, returned)
        let pin = try await second.pin(PINSubject(.card, "6222020200112233445"))
        XCTAssertEqual(pin, PINRecord(subject: PINSubject(.card, "6222020200112233445"), hash: "scrypt$x", failures: 1,
                                      lastFailure: Fixtures.at(7)))
        let steps = try await second.ivrSteps(of: "i-1")
        XCTAssertEqual(steps, [Fixtures.step("i-1", 0)])
        let storedSummary = try await second.ivrSummary(of: "i-1")
        XCTAssertEqual(storedSummary, summary)
        // The sequences continue where they were.
        let nextTicket = try await second.createTicket(Fixtures.ticket(customer: nil, at: 3))
        XCTAssertEqual(nextTicket.number, "10000002")
        let nextReturn = try await second.createReturn(Fixtures.returnRequest(order: "1000054321", at: 4))
        XCTAssertEqual(nextReturn.number, "50000002")
        try await second.close()

        let third = try await open()
        let thirdTicket = try await third.createTicket(Fixtures.ticket(customer: nil, at: 5))
        XCTAssertEqual(thirdTicket.number, "10000003")
        let thirdReturn = try await third.createReturn(Fixtures.returnRequest(order: "1000054321", at: 6))
        XCTAssertEqual(thirdReturn.number, "50000003")
        try await third.close()
    }
}

/// Self-service records for the checks; times are offsets in ms from `t0`.
extension Fixtures {
    /// 2026-11-01T00:00:00+08:00.
    static let t0: Int64 = 1_793_462_400_000

    static func at(_ offset: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: t0 + offset) }

    static func account(
        _ number: String, customer: CustomerID = "c-1", kind: ServiceAccount.Kind, openedAt: Int64, balance: Int64 = 5_630
    ) -> ServiceAccount {
        ServiceAccount(number: number, customerID: customer, kind: kind,
                       planZh: kind == .telecom ? "畅享 129" : "储蓄账户", planEn: kind == .telecom ? "Unlimited 129" : "Savings",
                       balance: Money(minorUnits: balance), openedAt: at(openedAt))
    }

    static func bill(_ id: String, account: String, period: String, due: String, amount: Int64, paid: Bool) -> Bill {
        Bill(id: id, accountNumber: account, period: period, amount: Money(minorUnits: amount), issuedAt: at(0),
             dueDate: due, paid: paid)
    }

    static func card(_ number: String, customer: CustomerID = "c-1", account: String, status: Card.Status, expires: String) -> Card {
        Card(number: number, customerID: customer, accountNumber: account, status: status, expires: expires)
    }

    static func transaction(
        _ id: String, card: String, at offset: Int64, amount: Int64, zh: String, en: String, currency: String = "CNY"
    ) -> CardTransaction {
        CardTransaction(id: id, cardNumber: card, at: at(offset), amount: Money(minorUnits: amount, currency: currency),
                        merchantZh: zh, merchantEn: en)
    }

    static func order(_ number: String, customer: CustomerID = "c-1", placedAt: Int64, status: Order.Status) -> Order {
        Order(number: number, customerID: customer, placedAt: at(placedAt), status: status, total: Money(minorUnits: 29_900),
              itemsZh: "蓝牙耳机 ×1", itemsEn: "Bluetooth earphones ×1")
    }

    static func parcel(_ tracking: String, order: String, status: Parcel.Status, eta: String?) -> Parcel {
        Parcel(trackingNumber: tracking, orderNumber: order, carrierZh: "顺丰速运", carrierEn: "SF Express", status: status,
               locationZh: "上海转运中心", locationEn: "Shanghai hub", estimatedDelivery: eta, updatedAt: at(50))
    }

    static func ticket(customer: CustomerID?, interaction: InteractionID? = nil, at offset: Int64,
                       status: Ticket.Status = .open) -> Ticket {
        Ticket(number: "", customerID: customer, interactionID: interaction, category: "broadband", kind: "no-connection",
               status: status, createdAt: at(offset), summary: "光猫红灯 / modem light red")
    }

    static func returnRequest(order: String, customer: CustomerID? = nil, interaction: InteractionID? = nil,
                              at offset: Int64) -> ReturnRequest {
        ReturnRequest(number: "", orderNumber: order, customerID: customer, interactionID: interaction, reason: "damaged",
                      status: .requested, createdAt: at(offset))
    }

    static func voicemail(_ id: String, interaction: InteractionID, at offset: Int64) -> Voicemail {
        Voicemail(id: id, interactionID: interaction, from: "+8613800138000", to: "10000",
                  path: "/data/voicemail/2026-11-01/\(id).wav", durationMilliseconds: 12_340, createdAt: at(offset))
    }

    static func callback(_ id: String, interaction: InteractionID? = nil, at offset: Int64, preferredTime: String? = nil,
                         queue: String? = nil) -> CallbackRequest {
        CallbackRequest(id: id, interactionID: interaction, number: "+86 138 0013 8000", preferredTime: preferredTime,
                        queue: queue, createdAt: at(offset))
    }

    static func step(_ interaction: InteractionID, _ position: Int) -> IVRStepRecord {
        IVRStepRecord(interactionID: interaction, position: position, flow: "bank", node: "node-\(position)", kind: "menu",
                      input: position == 0 ? nil : "\(position)", outcome: "next", startedAt: at(Int64(position) * 1_000),
                      milliseconds: 900)
    }

    static func summary(_ interaction: InteractionID, startedAt: Int64) -> IVRSummary {
        IVRSummary(interactionID: interaction, flow: "bank", flowVersion: 1, language: .zhCN, startedAt: at(startedAt))
    }

    /// What `storeReferenceData` stored, each list in creation order.
    struct ReferenceData {
        var accounts: [ServiceAccount] = []
        var bills: [Bill] = []
        var cards: [Card] = []
        var transactions: [CardTransaction] = []
        var orders: [Order] = []
        var parcels: [Parcel] = []
    }

    /// Customer c-1 with a telecom and a bank account, two bills, a card with two
    /// transactions, two orders and a parcel.
    @discardableResult
    static func storeReferenceData(in store: any HotlineStore) async throws -> ReferenceData {
        var data = ReferenceData()
        try await store.createCustomer(customer(1, nameZh: "王芳", nameEn: "Fang Wang", phones: ["13800138000"]))
        data.accounts = [account("13800138000", kind: .telecom, openedAt: 0),
                         account("6222020200112233", kind: .bank, openedAt: 1, balance: 1_234_567)]
        data.bills = [bill("b-09", account: "13800138000", period: "2026-09", due: "2026-10-20", amount: 13_550, paid: true),
                      bill("b-10", account: "13800138000", period: "2026-10", due: "2026-11-20", amount: 12_900, paid: false)]
        data.cards = [card("6222020200112233445", account: "6222020200112233", status: .active, expires: "2029-08")]
        data.transactions = [transaction("tx-1", card: "6222020200112233445", at: 10, amount: 850_000, zh: "工资", en: "Salary"),
                             transaction("tx-2", card: "6222020200112233445", at: 20, amount: -3_800, zh: "星巴克", en: "Starbucks")]
        data.orders = [order("1000054321", placedAt: 1, status: .placed), order("1000012345", placedAt: 2, status: .shipped)]
        data.parcels = [parcel("SF1234567890", order: "1000012345", status: .inTransit, eta: "2026-11-03")]
        for account in data.accounts { try await store.createAccount(account) }
        for bill in data.bills { try await store.createBill(bill) }
        for card in data.cards { try await store.createCard(card) }
        for transaction in data.transactions { try await store.createTransaction(transaction) }
        for order in data.orders { try await store.createOrder(order) }
        for parcel in data.parcels { try await store.createParcel(parcel) }
        return data
    }
}
