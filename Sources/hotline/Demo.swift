import ArgumentParser
import HotlineModel
import HotlineServer
import StorageSQLite

/// `hotline demo ...`: the demo customers the lines 10000, 95500 and 40000 answer for.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Demo customers, accounts, cards and orders for the demo lines (10000, 95500, 40000).",
        subcommands: [DemoSeed.self, DemoCustomers.self])
}

/// `hotline demo seed [--data-dir DIR]`: stores the demo data once.
struct DemoSeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Store the demo customers and their records and PINs; a store that has them already is left alone.")

    @Option(name: .customLong("data-dir"), help: "Where the database lives (default ./data; env HOTLINE_DATA_DIR).")
    var dataDir: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (default warning).")
    var logLevel = "warning"

    func run() async throws {
        let directory = dataDir ?? environment()["HOTLINE_DATA_DIR"] ?? "./data"
        let logger = bootstrapLogging(level: logLevel)
        let store: SQLiteStore
        do {
            store = try SQLiteStore(.dataDirectory(directory))
        } catch {
            FileIO.writeStandardError("hotline demo seed: \(error)\n")
            throw ExitCode(2)
        }
        do {
            let report = try await DemoSeeder.seed(into: store, logger: logger)
            try await store.close()
            print("\(directory): \(report)")
            print("Who to be when you call: hotline demo customers (or docs/demo-customers.md).")
        } catch {
            try? await store.close()
            FileIO.writeStandardError("hotline demo seed: \(error)\n")
            throw ExitCode(1)
        }
    }
}

/// `hotline demo customers [--all]`: who to be when calling the demo lines.
struct DemoCustomers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customers",
        abstract: "Print the demo personas with their numbers and PINs, and how the other customers' PINs are made.")

    @Flag(help: "Also list every generated customer: phone, PIN, accounts, cards with PINs, orders.")
    var all = false

    func run() {
        let data = DemoData.generate()
        print(DemoCatalog(data).personas())
        if all { print(DemoCatalog(data).table()) }
    }
}

/// Renders `DemoData` for people at a terminal.
struct DemoCatalog {
    let data: DemoData
    let pins: [PINSubject: String]

    init(_ data: DemoData) {
        self.data = data
        pins = Dictionary(data.pins.map { ($0.subject, $0.pin) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every persona with everything they own, then how generated PINs are derived.
    func personas() -> String {
        var out = "Personas (phone-service PIN for 10000 / 40000 and the customer check; card PIN for 95500):\n"
        for customer in data.customers where customer.tags.contains("persona") {
            let name = [customer.nameZh, customer.nameEn].compactMap { $0 }.joined(separator: " / ")
            out += "\n\(customer.id)  \(name)  \(customer.language.rawValue)\n"
            out += "  phone \(customer.phoneNumbers.joined(separator: ", "))  PIN \(pin(.customer, customer.id.rawValue))\n"
            for account in data.accounts where account.customerID == customer.id {
                out += "  \(account.kind.rawValue) account \(account.number): \(account.planZh) / \(account.planEn), "
                    + "balance \(Self.money(account.balance))\n"
                for bill in data.bills where bill.accountNumber == account.number {
                    out += "    bill \(bill.period) \(Self.money(bill.amount)) due \(bill.dueDate) \(bill.paid ? "paid" : "unpaid")\n"
                }
            }
            for card in data.cards where card.customerID == customer.id {
                out += "  card \(card.number) (\(card.status.rawValue), expires \(card.expires))  PIN \(pin(.card, card.number))\n"
                for transaction in data.transactions.filter({ $0.cardNumber == card.number }).prefix(3) {
                    out += "    \(Self.dateTime(transaction.at)) \(transaction.merchantZh) / \(transaction.merchantEn) "
                        + "\(Self.money(transaction.amount))\n"
                }
            }
            for order in data.orders where order.customerID == customer.id {
                out += "  order \(order.number) \(order.status.rawValue) \(Self.money(order.total)) "
                    + "placed \(Self.dateTime(order.placedAt)): \(order.itemsZh) / \(order.itemsEn)\n"
                for parcel in data.parcels where parcel.orderNumber == order.number {
                    out += "    parcel \(parcel.trackingNumber) \(parcel.carrierZh) / \(parcel.carrierEn) \(parcel.status.rawValue) "
                        + "at \(parcel.locationZh) / \(parcel.locationEn)\(parcel.estimatedDelivery.map { ", ETA \($0)" } ?? "")\n"
                }
            }
        }
        let generated = data.customers.filter { !$0.tags.contains("persona") }
        out += """

            \(generated.count) generated customers (\(generated.first?.id.rawValue ?? "")…\(generated.last?.id.rawValue ?? "")):
              phone-service PIN = the last six digits of the primary phone number, reversed (13912345678 → 876543)
              card PIN          = the last six digits of the card number, reversed (…0123456789 → 987654)
              hotline demo customers --all lists them with their numbers and PINs.
            """
        return out
    }

    /// One row per customer, columns aligned for a terminal (CJK characters are two columns wide).
    func table() -> String {
        var rows = [["id", "name", "lang", "phone", "PIN", "accounts", "cards (PIN)", "orders"]]
        for customer in data.customers {
            let accounts = data.accounts.filter { $0.customerID == customer.id }
                .map { "\($0.kind.rawValue) \($0.number) \(Self.money($0.balance))" }
            let cards = data.cards.filter { $0.customerID == customer.id }
                .map { "\($0.number) (\(pin(.card, $0.number)))\($0.status == .active ? "" : " " + $0.status.rawValue)" }
            let orders = data.orders.filter { $0.customerID == customer.id }.map { "\($0.number) \($0.status.rawValue)" }
            rows.append([customer.id.rawValue, customer.displayName(in: customer.language) ?? "", customer.language.rawValue,
                         customer.phoneNumbers.joined(separator: ", "), pin(.customer, customer.id.rawValue),
                         accounts.joined(separator: "; "), cards.joined(separator: "; "), orders.joined(separator: "; ")])
        }
        let widths = rows[0].indices.map { column in rows.map { Self.displayWidth($0[column]) }.max() ?? 0 }
        return "\n" + rows.map { row in
            zip(row, widths).map { cell, width in cell + String(repeating: " ", count: width - Self.displayWidth(cell)) }
                .joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }

    private func pin(_ kind: PINSubject.Kind, _ key: String) -> String {
        pins[PINSubject(kind, key)] ?? "-"
    }

    /// `¥56.30`, `-¥12.40` (every demo amount is in CNY).
    static func money(_ money: Money) -> String {
        let fen = money.minorUnits.magnitude
        let cents = fen % 100 < 10 ? "0\(fen % 100)" : "\(fen % 100)"
        return "\(money.minorUnits < 0 ? "-" : "")¥\(fen / 100).\(cents)"
    }

    /// `2026-10-31 14:20`, China time.
    static func dateTime(_ time: Timestamp) -> String {
        let minutes = (time.millisecondsSinceEpoch / 60_000 + 8 * 60) % 1440
        let hour = minutes / 60, minute = minutes % 60
        return "\(DemoData.chinaDate(time)) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }

    /// Terminal columns: East Asian wide characters take two.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            switch scalar.value {
            case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                 0xFFE0...0xFFE6: width + 2
            default: width + 1
            }
        }
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
