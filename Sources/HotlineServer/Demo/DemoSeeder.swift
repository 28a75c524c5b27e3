import HotlineModel
import Logging
import NIOCore
import Storage

/// Writes the demo data (`DemoData`) into a store, once.
///
/// The records go in parent first (customers, accounts, bills, cards, transactions,
/// orders, parcels), then the PINs, hashed with `PINHasher` on all cores. Customer
/// `DemoData.markerCustomerID` is the first record written and the last PIN the last:
/// a store holding the first is seeded (nothing is written again), one holding the first
/// but not the last was left half-way and is refused.
public enum DemoSeeder {
    /// What a seed did.
    public struct Report: Hashable, Sendable, CustomStringConvertible {
        /// False when the store already held the demo data and nothing was written.
        public var seeded: Bool
        public var customers = 0
        public var accounts = 0
        public var bills = 0
        public var cards = 0
        public var transactions = 0
        public var orders = 0
        public var parcels = 0
        /// PINs hashed and stored (customers' and cards').
        public var pins = 0
        /// How many PINs were hashed at a time.
        public var hashingTasks = 0
        /// Wall time spent hashing the PINs.
        public var hashing: Duration = .zero
        /// Wall time of the whole seed, hashing included.
        public var total: Duration = .zero

        public var description: String {
            guard seeded else {
                return "demo data already present (customer \(DemoData.markerCustomerID) exists); nothing written"
            }
            return """
                seeded \(customers) customers, \(accounts) accounts, \(bills) bills, \(cards) cards, \
                \(transactions) transactions, \(orders) orders, \(parcels) parcels and \(pins) PINs \
                in \(Self.seconds(total)) (hashing the PINs, \(hashingTasks) at a time: \(Self.seconds(hashing)))
                """
        }

        static func seconds(_ duration: Duration) -> String {
            let tenths = (milliseconds(duration) + 50) / 100
            return "\(tenths / 10).\(tenths % 10) s"
        }

        static func milliseconds(_ duration: Duration) -> Int64 {
            duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        }
    }

    /// Seeds `store` with `data` unless it already holds it.
    ///
    /// - Throws: `DemoSeedError` when the store holds part of the demo data or refuses a
    ///   record (a number already taken by a customer that is not part of the demo, say).
    ///
    /// The personas' PINs are hashed at the product's cost (``PINHasher``'s default). The
    /// generated customers' PINs are derived from their public phone and card numbers, so
    /// there is nothing for a slow hash to protect: they are hashed with `bulkHasher`, by
    /// default scrypt at 1/16 of the cost (N = 2^10), which keeps seeding to seconds even
    /// in a debug build. Both are salted scrypt, stored with their parameters.
    public static func seed(into store: any CustomerStore & SelfServiceStore, data: DemoData = .generate(),
                            hasher: PINHasher = PINHasher(), bulkHasher: PINHasher = PINHasher(rounds: 1 << 10),
                            logger: Logger) async throws -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        if try await store.customer(id: DemoData.markerCustomerID) != nil {
            if let last = data.pins.last, try await store.pin(last.subject) == nil {
                throw DemoSeedError(code: .partiallySeeded, record: "PIN \(last.subject)", underlying: nil)
            }
            logger.info("demo data already present; nothing written", metadata: ["customer.id": "\(DemoData.markerCustomerID)"])
            return Report(seeded: false)
        }

        var report = Report(seeded: true)
        for customer in data.customers {
            try await write("customer \(customer.id)") { try await store.createCustomer(customer) }
        }
        report.customers = data.customers.count
        for account in data.accounts {
            try await write("account \(account.number)") { try await store.createAccount(account) }
        }
        report.accounts = data.accounts.count
        for bill in data.bills {
            try await write("bill \(bill.id)") { try await store.createBill(bill) }
        }
        report.bills = data.bills.count
        for card in data.cards {
            try await write("card \(card.number)") { try await store.createCard(card) }
        }
        report.cards = data.cards.count
        for transaction in data.transactions {
            try await write("card transaction \(transaction.id)") { try await store.createTransaction(transaction) }
        }
        report.transactions = data.transactions.count
        for order in data.orders {
            try await write("order \(order.number)") { try await store.createOrder(order) }
        }
        report.orders = data.orders.count
        for parcel in data.parcels {
            try await write("parcel \(parcel.trackingNumber)") { try await store.createParcel(parcel) }
        }
        report.parcels = data.parcels.count

        let hashingStart = clock.now
        report.hashingTasks = max(1, min(System.coreCount, data.pins.count))
        let personas = Set(data.customers.filter { $0.tags.contains("persona") }.map(\.id.rawValue))
        let personaCards = Set(data.cards.filter { personas.contains($0.customerID.rawValue) }.map(\.number))
        let hashes = try await hash(data.pins, tasks: report.hashingTasks) { pin in
            let persona = pin.subject.kind == .customer ? personas.contains(pin.subject.key) : personaCards.contains(pin.subject.key)
            return persona ? hasher : bulkHasher
        }
        report.hashing = clock.now - hashingStart
        for (pin, hash) in zip(data.pins, hashes) {
            try await write("PIN \(pin.subject)") { try await store.setPIN(pin.subject, hash: hash) }
        }
        report.pins = hashes.count
        report.total = clock.now - start
        logger.info("demo data seeded", metadata: [
            "demo.customers": "\(report.customers)", "demo.accounts": "\(report.accounts)", "demo.bills": "\(report.bills)",
            "demo.cards": "\(report.cards)", "demo.transactions": "\(report.transactions)", "demo.orders": "\(report.orders)",
            "demo.parcels": "\(report.parcels)", "demo.pins": "\(report.pins)",
            "demo.hashing_ms": "\(Report.milliseconds(report.hashing))", "demo.total_ms": "\(Report.milliseconds(report.total))",
        ])
        return report
    }

    /// The hashes of `pins`, in their order, at most `tasks` at a time: scrypt is CPU- and
    /// memory-bound (16 MiB per hash at the default cost), so more tasks than cores only
    /// add memory.
    static func hash(_ pins: [DemoData.ClearPIN], tasks: Int,
                     hasher: (DemoData.ClearPIN) -> PINHasher) async throws -> [String] {
        var hashes = [String](repeating: "", count: pins.count)
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0
            func addTask() throws {
                try Task.checkCancellation()
                let index = next, pin = pins[index].pin, pinHasher = hasher(pins[index])
                next += 1
                group.addTask { (index, try pinHasher.hash(pin)) }
            }
            while next < min(tasks, pins.count) { try addTask() }
            while let (index, hash) = try await group.next() {
                hashes[index] = hash
                if next < pins.count { try addTask() }
            }
        }
        return hashes
    }

    private static func write(_ record: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            throw DemoSeedError(code: .storeRefused, record: record, underlying: "\(error)")
        }
    }
}

/// Why the demo data could not be seeded, with what to do about it.
public struct DemoSeedError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        /// The first demo customer is there but not the last PIN: an earlier seed stopped part-way.
        public static let partiallySeeded = Code(rawValue: "partially seeded")
        /// The store refused a record.
        public static let storeRefused = Code(rawValue: "store refused a record")
        public var description: String { rawValue }
    }

    public var code: Code
    /// The record concerned: "customer c-bulk-012", "PIN card:6222...".
    public var record: String
    /// The store's error, if any.
    public var underlying: String?

    public var description: String {
        switch code {
        case .partiallySeeded:
            return """
                The store holds part of the demo data (customer \(DemoData.markerCustomerID) but no \(record)): \
                an earlier seed stopped part-way. Seed into an empty data directory (move the old \
                hotline.sqlite aside) and run the seed again.
                """
        default:
            return """
                Could not store demo \(record): \(underlying ?? "no reason given"). The demo data needs a store \
                without other customers using its numbers; seed into an empty data directory.
                """
        }
    }
}
