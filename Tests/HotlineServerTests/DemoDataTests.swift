import HotlineModel
import Logging
import NIOCore
import Storage
import StorageSQLite
import XCTest
@testable import HotlineServer

/// The demo data (docs/demo-customers.md): reproducible to the byte, the personas exactly
/// as documented, every number unique, every reference resolvable, and the seeder writing
/// it all once with hashed PINs.
final class DemoDataTests: XCTestCase {
    static let data = DemoData.generate()
    /// A small scrypt cost keeps the seeding tests quick; the format and checks are the same.
    let hasher = PINHasher(rounds: 1 << 4)
    let logger = Logger(label: "demo-data-tests")

    // MARK: Reproducibility

    func testTheSameSeedGivesTheSameDataAndAnotherSeedOtherData() {
        XCTAssertEqual(DemoData.generate(), Self.data)
        XCTAssertEqual(Self.canonical(DemoData.generate()), Self.canonical(Self.data))
        let other = DemoData.generate(seed: 7)
        XCTAssertNotEqual(other, Self.data)
        XCTAssertEqual(Array(other.customers.prefix(7)), Array(Self.data.customers.prefix(7)), "personas do not depend on the seed")
        XCTAssertNotEqual(other.customers[7].phoneNumbers, Self.data.customers[7].phoneNumbers)
    }

    /// Pinned: any change to the generator, its word lists or the personas changes these.
    /// If the change is intended, update the values here and check docs/demo-customers.md.
    func testTheWholeDataSetIsPinned() {
        let data = Self.data
        XCTAssertEqual([data.customers.count, data.accounts.count, data.bills.count, data.cards.count,
                        data.transactions.count, data.orders.count, data.parcels.count, data.pins.count],
                       [300, 326, 901, 196, 1972, 308, 168, 496])
        XCTAssertEqual(Self.fnv1a(Self.canonical(data)), "d1ede6c09e90beb8")
        XCTAssertEqual(data.customers[7].phoneNumbers, ["15958911075"], "the first generated customer")
    }

    func testTimesAreChinaTimeFromTheReferenceInstant() {
        // 2026-11-01T00:00:00+08:00 and 2026-10-31T14:20+08:00, as `date -d ... +%s` gives them.
        XCTAssertEqual(DemoData.referenceInstant, Timestamp(millisecondsSinceEpoch: 1_793_462_400_000))
        XCTAssertEqual(ChinaTime.timestamp(2026, 10, 31, 14, 20), Timestamp(millisecondsSinceEpoch: 1_793_427_600_000))
        XCTAssertEqual(ChinaTime.timestamp(1970, 1, 1, 8, 0), Timestamp(millisecondsSinceEpoch: 0))
        XCTAssertEqual(DemoData.chinaDate(Timestamp(millisecondsSinceEpoch: 1_793_462_399_999)), "2026-10-31")
        XCTAssertEqual(DemoData.chinaDate(DemoData.referenceInstant), "2026-11-01")
        XCTAssertEqual(DemoData.chinaDate(Timestamp(millisecondsSinceEpoch: -1)), "1970-01-01", "08:00 minus 1 ms is still that day")
        XCTAssertEqual(ChinaTime.daysSinceEpoch(2000, 3, 1) - ChinaTime.daysSinceEpoch(2000, 2, 28), 2, "2000 is a leap year")
        XCTAssertEqual(ChinaTime.daysSinceEpoch(2100, 3, 1) - ChinaTime.daysSinceEpoch(2100, 2, 28), 1, "2100 is not")
        for day in stride(from: -800, through: 60_000, by: 7) {
            let (year, month, dayOfMonth) = ChinaTime.civil(daysSinceEpoch: day)
            XCTAssertEqual(ChinaTime.daysSinceEpoch(year, month, dayOfMonth), day)
        }
        XCTAssertEqual(ChinaTime.date(daysSinceEpoch: ChinaTime.daysSinceEpoch(2024, 2, 29)), "2024-02-29")
        let latest = ([Self.data.customers.map(\.createdAt), Self.data.accounts.map(\.openedAt), Self.data.bills.map(\.issuedAt),
                       Self.data.transactions.map(\.at), Self.data.orders.map(\.placedAt), Self.data.parcels.map(\.updatedAt)]
            .joined()).max()
        XCTAssertEqual(latest, DemoData.referenceInstant, "nothing after the reference instant (the October bills are issued at it)")
    }

    // MARK: Personas

    func testPersonaCustomers() {
        let persona: Set<String> = ["demo", "persona"]
        XCTAssertEqual(Array(Self.data.customers.prefix(7)), [
            Customer(id: "c-demo-001", nameZh: "张伟", nameEn: "Wei Zhang", phoneNumbers: ["13800138000"], language: .zhCN,
                     accountNumbers: ["13800138000"], tags: persona, createdAt: t(2018, 3, 12, 10, 0)),
            Customer(id: "c-demo-002", nameZh: "陈艾米", nameEn: "Emily Chen", phoneNumbers: ["13900139000"], language: .enUS,
                     accountNumbers: ["13900139000"], tags: persona, createdAt: t(2021, 6, 1, 15, 30)),
            Customer(id: "c-demo-003", nameZh: "李秀英", nameEn: "Xiuying Li", phoneNumbers: ["13700137000"], language: .zhCN,
                     accountNumbers: ["13700137000"], tags: persona, createdAt: t(2016, 9, 20, 9, 15)),
            Customer(id: "c-demo-004", nameZh: "王芳", nameEn: "Fang Wang", phoneNumbers: ["13600136000"], language: .zhCN,
                     accountNumbers: ["6222020200112233"], tags: persona, createdAt: t(2019, 11, 5, 11, 0)),
            Customer(id: "c-demo-005", nameZh: "约翰·史密斯", nameEn: "John Smith", phoneNumbers: ["13300133000"], language: .enUS,
                     accountNumbers: ["6222020200998877"], tags: persona, createdAt: t(2022, 2, 14, 16, 45)),
            Customer(id: "c-demo-006", nameZh: "赵磊", nameEn: "Lei Zhao", phoneNumbers: ["13200132000"], language: .zhCN,
                     accountNumbers: ["6222020200555566"], tags: persona, createdAt: t(2020, 7, 8, 14, 20)),
            Customer(id: "c-demo-007", nameZh: "刘洋", nameEn: "Yang Liu", phoneNumbers: ["13500135000"], language: .zhCN,
                     accountNumbers: [], tags: persona, createdAt: t(2023, 5, 19, 19, 0)),
        ])
        XCTAssertFalse(Self.data.customers.dropFirst(7).contains { $0.tags.contains("persona") })
        XCTAssertEqual(Self.pin(.customer, "c-demo-001"), "123456")
        XCTAssertEqual(Self.pin(.customer, "c-demo-002"), "654321")
        XCTAssertEqual(Self.pin(.customer, "c-demo-003"), "111111")
        XCTAssertEqual(Self.pin(.customer, "c-demo-004"), "222222")
        XCTAssertEqual(Self.pin(.customer, "c-demo-005"), "333333")
        XCTAssertEqual(Self.pin(.customer, "c-demo-006"), "444444")
        XCTAssertEqual(Self.pin(.customer, "c-demo-007"), "555555")
    }

    func testPersonaTelecomAccountsAndBills() {
        XCTAssertEqual(Self.data.accounts.filter { $0.customerID.rawValue.hasPrefix("c-demo-") && $0.kind == .telecom }, [
            ServiceAccount(number: "13800138000", customerID: "c-demo-001", kind: .telecom, planZh: "畅享 129", planEn: "Unlimited 129",
                           balance: Money(minorUnits: 5630), openedAt: t(2018, 3, 12, 10, 0)),
            ServiceAccount(number: "13900139000", customerID: "c-demo-002", kind: .telecom, planZh: "畅享 89", planEn: "Unlimited 89",
                           balance: Money(minorUnits: -1240), openedAt: t(2021, 6, 1, 15, 30)),
            ServiceAccount(number: "13700137000", customerID: "c-demo-003", kind: .telecom, planZh: "畅享 59", planEn: "Unlimited 59",
                           balance: Money(minorUnits: 2000), openedAt: t(2016, 9, 20, 9, 15)),
        ])
        func bill(_ account: String, _ period: String, _ fen: Int64, issued: Timestamp, due: String, paid: Bool) -> Bill {
            Bill(id: "bill-\(account)-\(period)", accountNumber: account, period: period, amount: Money(minorUnits: fen),
                 issuedAt: issued, dueDate: due, paid: paid)
        }
        XCTAssertEqual(Self.data.bills.filter { ["13800138000", "13900139000", "13700137000"].contains($0.accountNumber) }, [
            bill("13800138000", "2026-10", 12900, issued: t(2026, 11, 1), due: "2026-11-20", paid: false),
            bill("13800138000", "2026-09", 13550, issued: t(2026, 10, 1), due: "2026-10-20", paid: true),
            bill("13800138000", "2026-08", 12900, issued: t(2026, 9, 1), due: "2026-09-20", paid: true),
            bill("13900139000", "2026-10", 8900, issued: t(2026, 11, 1), due: "2026-11-20", paid: false),
            bill("13900139000", "2026-09", 8900, issued: t(2026, 10, 1), due: "2026-10-20", paid: true),
            bill("13700137000", "2026-10", 5900, issued: t(2026, 11, 1), due: "2026-11-20", paid: false),
            bill("13700137000", "2026-09", 5900, issued: t(2026, 10, 1), due: "2026-10-20", paid: true),
            bill("13700137000", "2026-08", 5900, issued: t(2026, 9, 1), due: "2026-09-20", paid: true),
        ])
    }

    func testPersonaBankAccountsCardsAndTransactions() {
        XCTAssertEqual(Self.data.accounts.filter { $0.customerID.rawValue.hasPrefix("c-demo-") && $0.kind == .bank }, [
            ServiceAccount(number: "6222020200112233", customerID: "c-demo-004", kind: .bank, planZh: "储蓄账户", planEn: "Savings",
                           balance: Money(minorUnits: 1_234_567), openedAt: t(2019, 11, 5, 11, 0)),
            ServiceAccount(number: "6222020200998877", customerID: "c-demo-005", kind: .bank, planZh: "储蓄账户", planEn: "Savings",
                           balance: Money(minorUnits: 321_000), openedAt: t(2022, 2, 14, 16, 45)),
            ServiceAccount(number: "6222020200555566", customerID: "c-demo-006", kind: .bank, planZh: "工资账户", planEn: "Payroll",
                           balance: Money(minorUnits: 88800), openedAt: t(2020, 7, 8, 14, 20)),
        ])
        XCTAssertEqual(Array(Self.data.cards.prefix(3)), [
            Card(number: "6222020200112233445", customerID: "c-demo-004", accountNumber: "6222020200112233", status: .active,
                 expires: "2029-08"),
            Card(number: "6222020200998877665", customerID: "c-demo-005", accountNumber: "6222020200998877", status: .active,
                 expires: "2028-05"),
            Card(number: "6222020200555566667", customerID: "c-demo-006", accountNumber: "6222020200555566", status: .active,
                 expires: "2027-12"),
        ])
        XCTAssertFalse(Self.data.cards.dropFirst(3).contains { $0.customerID.rawValue.hasPrefix("c-demo-") })
        XCTAssertEqual(Self.pin(.card, "6222020200112233445"), "147258")
        XCTAssertEqual(Self.pin(.card, "6222020200998877665"), "369258")
        XCTAssertEqual(Self.pin(.card, "6222020200555566667"), "246810")

        let wangFang = Self.data.transactions.filter { $0.cardNumber == "6222020200112233445" }
        XCTAssertEqual(Array(wangFang.prefix(3)), [
            CardTransaction(id: "tx-000001", cardNumber: "6222020200112233445", at: t(2026, 10, 31, 14, 20),
                            amount: Money(minorUnits: -3800), merchantZh: "星巴克", merchantEn: "Starbucks"),
            CardTransaction(id: "tx-000002", cardNumber: "6222020200112233445", at: t(2026, 10, 30, 9, 0),
                            amount: Money(minorUnits: 850_000), merchantZh: "工资", merchantEn: "Salary"),
            CardTransaction(id: "tx-000003", cardNumber: "6222020200112233445", at: t(2026, 10, 29, 20, 15),
                            amount: Money(minorUnits: -129_900), merchantZh: "京东商城", merchantEn: "JD.com"),
        ])
        XCTAssertEqual(wangFang.count, 7, "then older ones")
        for card in ["6222020200112233445", "6222020200998877665", "6222020200555566667"] {
            let times = Self.data.transactions.filter { $0.cardNumber == card }.map(\.at)
            XCTAssertEqual(times, times.sorted(by: >), "newest first on \(card)")
            XCTAssertGreaterThanOrEqual(times.count, 5, card)
        }
    }

    func testPersonaOrdersAndParcels() {
        XCTAssertEqual(Self.data.orders.filter { $0.customerID.rawValue.hasPrefix("c-demo-") }, [
            Order(number: "1000012345", customerID: "c-demo-007", placedAt: t(2026, 10, 28, 21, 10), status: .shipped,
                  total: Money(minorUnits: 29900), itemsZh: "蓝牙耳机 ×1", itemsEn: "Bluetooth earphones ×1"),
            Order(number: "1000054321", customerID: "c-demo-007", placedAt: t(2026, 10, 31, 20, 5), status: .placed,
                  total: Money(minorUnits: 89900), itemsZh: "智能手表 ×1", itemsEn: "Smart watch ×1"),
            Order(number: "1000067890", customerID: "c-demo-002", placedAt: t(2026, 10, 20, 10, 30), status: .delivered,
                  total: Money(minorUnits: 15800), itemsZh: "保温杯 ×2", itemsEn: "Vacuum flask ×2"),
        ])
        XCTAssertEqual(Array(Self.data.parcels.prefix(2)), [
            Parcel(trackingNumber: "SF1234567890", orderNumber: "1000012345", carrierZh: "顺丰速运", carrierEn: "SF Express",
                   status: .inTransit, locationZh: "上海转运中心", locationEn: "Shanghai hub", estimatedDelivery: "2026-11-03",
                   updatedAt: t(2026, 10, 31, 22, 40)),
            Parcel(trackingNumber: "YT9876543210", orderNumber: "1000067890", carrierZh: "圆通速递", carrierEn: "YTO Express",
                   status: .delivered, locationZh: "北京朝阳区", locationEn: "Chaoyang, Beijing", estimatedDelivery: nil,
                   updatedAt: t(2026, 10, 23, 15, 10)),
        ])
        XCTAssertFalse(Self.data.parcels.contains { $0.orderNumber == "1000054321" }, "a placed order has no parcel yet")
    }

    // MARK: Shape of the generated data

    func testEveryNumberIsUniqueAndWellFormed() {
        let data = Self.data
        let phones = data.customers.flatMap(\.phoneNumbers)
        XCTAssertEqual(Set(phones.map(PhoneDigits.init)).count, phones.count, "phone numbers")
        for phone in phones {
            XCTAssertTrue(Self.isDigits(phone, count: 11) && ("13"..."19").contains(phone.prefix(2)), phone)
        }
        XCTAssertEqual(Set(data.customers.map(\.id)).count, data.customers.count, "customer ids")
        XCTAssertEqual(Set(data.accounts.map(\.number)).count, data.accounts.count, "account numbers")
        XCTAssertEqual(Set(data.bills.map(\.id)).count, data.bills.count, "bill ids")
        XCTAssertEqual(Set(data.bills.map { "\($0.accountNumber) \($0.period)" }).count, data.bills.count, "one bill per month")
        XCTAssertEqual(Set(data.cards.map(\.number)).count, data.cards.count, "card numbers")
        XCTAssertEqual(Set(data.transactions.map(\.id)).count, data.transactions.count, "transaction ids")
        XCTAssertEqual(Set(data.orders.map(\.number)).count, data.orders.count, "order numbers")
        XCTAssertEqual(Set(data.parcels.map(\.trackingNumber)).count, data.parcels.count, "tracking numbers")
        // Across kinds too (a telecom account is its line's phone number, so those count once):
        // generated records never reuse a persona's number.
        let bankAccounts = data.accounts.filter { $0.kind == .bank }.map(\.number)
        let everything = phones + bankAccounts + data.cards.map(\.number) + data.orders.map(\.number) + data.parcels.map(\.trackingNumber)
        XCTAssertEqual(Set(everything).count, everything.count)

        for account in data.accounts where account.kind == .bank && !account.customerID.rawValue.hasPrefix("c-demo-") {
            XCTAssertTrue((12...16).contains(account.number.count) && Self.isDigits(account.number, count: account.number.count)
                          && account.number.first != "0", account.number)
        }
        for card in data.cards.dropFirst(3) {
            XCTAssertTrue(Self.isDigits(card.number, count: 19) && card.number.hasPrefix("622202"), card.number)
            XCTAssertTrue(DemoData.isLuhnValid(card.number), card.number)
        }
        for order in data.orders {
            XCTAssertTrue(Self.isDigits(order.number, count: 10) && order.number.hasPrefix("10"), order.number)
        }
        for parcel in data.parcels {
            XCTAssertTrue(["SF", "YT", "ZT"].contains(parcel.trackingNumber.prefix(2))
                          && Self.isDigits(String(parcel.trackingNumber.dropFirst(2)), count: 10), parcel.trackingNumber)
        }
    }

    func testLuhn() {
        XCTAssertTrue(DemoData.isLuhnValid("79927398713"))  // the textbook example
        XCTAssertFalse(DemoData.isLuhnValid("79927398710"))
        XCTAssertTrue(DemoData.isLuhnValid("4111111111111111"))
        XCTAssertFalse(DemoData.isLuhnValid("4111111111111112"))
        XCTAssertFalse(DemoData.isLuhnValid("41111111111111a1"))
        XCTAssertFalse(DemoData.isLuhnValid("0"))
    }

    func testEveryReferenceResolves() {
        let data = Self.data
        let customers = Dictionary(uniqueKeysWithValues: data.customers.map { ($0.id, $0) })
        let accounts = Dictionary(uniqueKeysWithValues: data.accounts.map { ($0.number, $0) })
        let cards = Dictionary(uniqueKeysWithValues: data.cards.map { ($0.number, $0) })
        let orders = Dictionary(uniqueKeysWithValues: data.orders.map { ($0.number, $0) })
        for account in data.accounts {
            XCTAssertNotNil(customers[account.customerID], account.number)
            if account.kind == .telecom {
                XCTAssertEqual(customers[account.customerID]?.phoneNumbers.first, account.number, "a telecom account is the primary line")
            }
        }
        for customer in data.customers {
            XCTAssertEqual(customer.accountNumbers, data.accounts.filter { $0.customerID == customer.id }.map(\.number),
                           "\(customer.id) quotes exactly its accounts, telecom first")
            XCTAssertLessThanOrEqual(customer.createdAt, accounts[customer.accountNumbers.first ?? ""]?.openedAt ?? customer.createdAt)
        }
        for bill in data.bills {
            XCTAssertEqual(accounts[bill.accountNumber]?.kind, .telecom, bill.id)
        }
        for card in data.cards {
            XCTAssertEqual(accounts[card.accountNumber]?.kind, .bank, card.number)
            XCTAssertEqual(accounts[card.accountNumber]?.customerID, card.customerID, "\(card.number) draws on its owner's account")
        }
        for transaction in data.transactions {
            XCTAssertNotNil(cards[transaction.cardNumber], transaction.id)
        }
        for order in data.orders {
            XCTAssertNotNil(customers[order.customerID], order.number)
        }
        for parcel in data.parcels {
            let order = orders[parcel.orderNumber]
            XCTAssertTrue(order?.status == .shipped || order?.status == .delivered, "\(parcel.trackingNumber): only shipped orders have parcels")
            XCTAssertEqual(parcel.status == .delivered, order?.status == .delivered, parcel.trackingNumber)
            XCTAssertEqual(parcel.estimatedDelivery == nil, parcel.status == .delivered, "\(parcel.trackingNumber): an ETA until delivered")
            XCTAssertGreaterThan(parcel.updatedAt, order?.placedAt ?? parcel.updatedAt, parcel.trackingNumber)
        }
        for order in data.orders where order.status == .shipped || order.status == .delivered {
            XCTAssertTrue(data.parcels.contains { $0.orderNumber == order.number }, "\(order.number) has a parcel")
        }
    }

    func testEveryCustomerAndCardHasOneSixDigitPINGeneratedOnesDerivedAsDocumented() {
        let data = Self.data
        XCTAssertEqual(data.pins.map(\.subject).count, Set(data.pins.map(\.subject)).count)
        XCTAssertEqual(Set(data.pins.map(\.subject)),
                       Set(data.customers.map { PINSubject(.customer, $0.id.rawValue) } + data.cards.map { PINSubject(.card, $0.number) }))
        XCTAssertTrue(data.pins.allSatisfy { Self.isDigits($0.pin, count: 6) })
        XCTAssertEqual(data.pins.first?.subject, PINSubject(.customer, "c-demo-001"), "the marker's PIN first ...")
        for customer in data.customers.dropFirst(7) {
            XCTAssertEqual(Self.pin(.customer, customer.id.rawValue), String(customer.phoneNumbers[0].suffix(6).reversed()))
        }
        for card in data.cards.dropFirst(3) {
            XCTAssertEqual(Self.pin(.card, card.number), String(card.number.suffix(6).reversed()))
        }
        XCTAssertEqual(DemoData.generatedCustomerPIN(primaryPhone: "13912345678"), "876543")
        XCTAssertEqual(DemoData.generatedCardPIN(cardNumber: "6222020123456789012"), "210987")
    }

    func testTheMixOfLanguagesAndServices() {
        let data = Self.data
        let generated = data.customers.dropFirst(7)
        XCTAssertEqual(generated.count, DemoData.generatedCustomerCount)
        let english = data.customers.filter { $0.language == .enUS }
        XCTAssertEqual(english.count, 21)
        XCTAssertTrue((0.05...0.15).contains(Double(english.count) / Double(data.customers.count)), "about 10 % prefer en-US")
        let englishOnly = data.customers.filter { $0.nameZh == nil }
        XCTAssertEqual(englishOnly.count, 9)
        XCTAssertTrue(englishOnly.allSatisfy { $0.language == .enUS && $0.nameEn != nil })
        XCTAssertTrue(data.customers.allSatisfy { $0.nameEn != nil })
        XCTAssertTrue(data.customers.filter { $0.nameZh != nil && $0.language == .enUS }.count > 2, "Chinese-named customers preferring English too")

        func share(_ has: (Customer) -> Bool) -> Double { Double(generated.filter(has).count) / Double(generated.count) }
        XCTAssertTrue((0.6...0.8).contains(share { c in data.accounts.contains { $0.customerID == c.id && $0.kind == .telecom } }))
        XCTAssertTrue((0.3...0.5).contains(share { c in data.accounts.contains { $0.customerID == c.id && $0.kind == .bank } }))
        XCTAssertTrue((0.4...0.6).contains(share { c in data.orders.contains { $0.customerID == c.id } }))

        XCTAssertEqual(Set(data.orders.map(\.status)), Set(Order.Status.allCases))
        XCTAssertEqual(Set(data.parcels.map(\.status)), Set(Parcel.Status.allCases))
        XCTAssertEqual(Set(data.cards.map(\.status)), Set(Card.Status.allCases))
        XCTAssertTrue(data.transactions.contains { $0.amount.minorUnits > 0 } && data.transactions.contains { $0.amount.minorUnits < 0 })
        XCTAssertTrue(data.accounts.contains { $0.balance.minorUnits < 0 })
        XCTAssertTrue([data.accounts.map(\.balance), data.bills.map(\.amount), data.transactions.map(\.amount), data.orders.map(\.total)]
            .joined().allSatisfy { $0.currency == "CNY" })

        for account in data.accounts where account.kind == .telecom && !account.customerID.rawValue.hasPrefix("c-demo-") {
            let bills = data.bills.filter { $0.accountNumber == account.number }
            XCTAssertTrue((3...6).contains(bills.count), account.number)
            XCTAssertEqual(bills.first?.period, "2026-10")
            XCTAssertEqual(bills.first?.dueDate, "2026-11-20")
            XCTAssertEqual(bills.map(\.period), bills.map(\.period).sorted(by: >), "newest first")
        }
        for card in data.cards.dropFirst(3) {
            let transactions = data.transactions.filter { $0.cardNumber == card.number }
            XCTAssertTrue((5...15).contains(transactions.count), card.number)
            XCTAssertEqual(transactions.map(\.at), transactions.map(\.at).sorted(by: >), "newest first")
        }
        for customer in generated {
            XCTAssertTrue((1...3).contains(data.orders.filter { $0.customerID == customer.id }.count)
                          || !data.orders.contains { $0.customerID == customer.id })
        }
        for parcel in data.parcels where parcel.status != .delivered {
            XCTAssertTrue(("2026-11-01"..."2026-11-05").contains(parcel.estimatedDelivery ?? ""), parcel.trackingNumber)
        }
    }

    // MARK: Seeding

    func testSeedingWritesEverythingOnceWithHashedPINs() async throws {
        let store = try SQLiteStore(.inMemory)
        let data = Self.data
        let report = try await DemoSeeder.seed(into: store, data: data, hasher: hasher, bulkHasher: hasher, logger: logger)
        XCTAssertTrue(report.seeded)
        XCTAssertEqual([report.customers, report.accounts, report.bills, report.cards, report.transactions, report.orders,
                        report.parcels, report.pins],
                       [data.customers.count, data.accounts.count, data.bills.count, data.cards.count, data.transactions.count,
                        data.orders.count, data.parcels.count, data.pins.count])
        XCTAssertEqual(report.hashingTasks, max(1, min(System.coreCount, data.pins.count)))
        XCTAssertTrue(report.description.hasPrefix("seeded 300 customers, \(data.accounts.count) accounts,"), report.description)

        // Read back through the IVR's questions.
        let zhangWei = try await store.customer(phoneNumber: "13800138000")
        XCTAssertEqual(zhangWei, data.customers[0])
        let bills = try await store.bills(account: "13800138000", limit: 10)
        XCTAssertEqual(bills, data.bills.filter { $0.accountNumber == "13800138000" })
        let transactions = try await store.transactions(card: "6222020200112233445", limit: 3)
        XCTAssertEqual(transactions.map(\.merchantEn), ["Starbucks", "Salary", "JD.com"])
        let parcels = try await store.parcels(order: "1000012345")
        XCTAssertEqual(parcels.map(\.trackingNumber), ["SF1234567890"])
        let page = try await store.customers(PageRequest(limit: PageRequest.maximumLimit))
        XCTAssertEqual(page.items.count, min(PageRequest.maximumLimit, 300))

        // PINs: hashed, never in clear; the right one verifies, a wrong one does not.
        for (subject, right, wrong) in [(PINSubject(.customer, "c-demo-001"), "123456", "123457"),
                                        (PINSubject(.card, "6222020200112233445"), "147258", "147259"),
                                        (PINSubject(.customer, data.customers[7].id.rawValue),
                                         DemoData.generatedCustomerPIN(primaryPhone: data.customers[7].phoneNumbers[0]), "000000")] {
            let stored = try await store.pin(subject)
            let record = try XCTUnwrap(stored, "\(subject)")
            XCTAssertTrue(record.hash.hasPrefix("scrypt$16$8$1$"), record.hash)
            XCTAssertFalse(record.hash.contains(right))
            XCTAssertEqual(record.failures, 0)
            XCTAssertTrue(hasher.verify(right, against: record.hash), "\(subject)")
            XCTAssertFalse(hasher.verify(wrong, against: record.hash), "\(subject)")
        }
        let lastPIN = try await store.pin(data.pins[data.pins.count - 1].subject)
        XCTAssertNotNil(lastPIN)

        // A second run finds the marker and writes nothing.
        let hashBefore = try await store.pin(PINSubject(.customer, "c-demo-001"))?.hash
        let again = try await DemoSeeder.seed(into: store, data: data, hasher: hasher, bulkHasher: hasher, logger: logger)
        XCTAssertEqual(again, DemoSeeder.Report(seeded: false))
        XCTAssertEqual(again.description, "demo data already present (customer c-demo-001 exists); nothing written")
        let hashAfter = try await store.pin(PINSubject(.customer, "c-demo-001"))?.hash
        XCTAssertEqual(hashAfter, hashBefore, "the PIN was not hashed again")
        try await store.close()
    }

    func testASeedLeftHalfWayIsRefusedWithWhatToDo() async throws {
        let store = try SQLiteStore(.inMemory)
        try await store.createCustomer(Self.data.customers[0])
        do {
            _ = try await DemoSeeder.seed(into: store, data: Self.data, hasher: hasher, bulkHasher: hasher, logger: logger)
            XCTFail("seeded over a half-seeded store")
        } catch let error as DemoSeedError {
            XCTAssertEqual(error.code, .partiallySeeded)
            XCTAssertEqual(error.record, "PIN \(Self.data.pins[Self.data.pins.count - 1].subject)")
            XCTAssertTrue(error.description.contains("Seed into an empty data directory"), error.description)
        }
        try await store.close()
    }

    func testANumberTakenByAnotherCustomerStopsTheSeedNamingTheRecord() async throws {
        let store = try SQLiteStore(.inMemory)
        try await store.createCustomer(Customer(id: "c-someone", phoneNumbers: ["13800138000"], createdAt: DemoData.referenceInstant))
        do {
            _ = try await DemoSeeder.seed(into: store, data: Self.data, hasher: hasher, bulkHasher: hasher, logger: logger)
            XCTFail("seeded although 13800138000 belongs to someone else")
        } catch let error as DemoSeedError {
            XCTAssertEqual(error.code, .storeRefused)
            XCTAssertEqual(error.record, "customer c-demo-001")
            XCTAssertTrue(error.description.hasPrefix("Could not store demo customer c-demo-001: "), error.description)
        }
        let written = try await store.customer(id: "c-demo-001")
        XCTAssertNil(written)
        try await store.close()
    }

    func testHashingRunsBoundedAndKeepsTheOrder() async throws {
        let pins = (0..<9).map { DemoData.ClearPIN(subject: PINSubject(.customer, "c-\($0)"), pin: "00000\($0)") }
        let hashes = try await DemoSeeder.hash(pins, tasks: 2) { _ in hasher }
        XCTAssertEqual(hashes.count, 9)
        for (pin, hash) in zip(pins, hashes) {
            XCTAssertTrue(hasher.verify(pin.pin, against: hash), pin.pin)
        }
        XCTAssertFalse(hasher.verify("000001", against: hashes[0]))
        let none = try await DemoSeeder.hash([], tasks: 2) { _ in hasher }
        XCTAssertEqual(none, [])
    }

    // MARK: Helpers

    static func pin(_ kind: PINSubject.Kind, _ key: String) -> String? {
        data.pins.first { $0.subject == PINSubject(kind, key) }?.pin
    }

    static func isDigits(_ text: String, count: Int) -> Bool {
        text.count == count && text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
    }

    /// Every field of every record, one line each, tags sorted (a `Set` iterates in a
    /// per-process order).
    static func canonical(_ data: DemoData) -> String {
        var lines: [String] = []
        for c in data.customers {
            lines.append(["customer", c.id.rawValue, c.nameZh ?? "-", c.nameEn ?? "-", c.phoneNumbers.joined(separator: ","),
                          c.language.rawValue, c.accountNumbers.joined(separator: ","), c.tags.sorted().joined(separator: ","),
                          "\(c.createdAt.millisecondsSinceEpoch)"].joined(separator: "|"))
        }
        for a in data.accounts {
            lines.append(["account", a.number, a.customerID.rawValue, a.kind.rawValue, a.planZh, a.planEn, money(a.balance),
                          "\(a.openedAt.millisecondsSinceEpoch)"].joined(separator: "|"))
        }
        for b in data.bills {
            lines.append(["bill", b.id, b.accountNumber, b.period, money(b.amount), "\(b.issuedAt.millisecondsSinceEpoch)",
                          b.dueDate, "\(b.paid)"].joined(separator: "|"))
        }
        for c in data.cards {
            lines.append(["card", c.number, c.customerID.rawValue, c.accountNumber, c.status.rawValue, c.expires].joined(separator: "|"))
        }
        for t in data.transactions {
            lines.append(["transaction", t.id, t.cardNumber, "\(t.at.millisecondsSinceEpoch)", money(t.amount), t.merchantZh,
                          t.merchantEn].joined(separator: "|"))
        }
        for o in data.orders {
            lines.append(["order", o.number, o.customerID.rawValue, "\(o.placedAt.millisecondsSinceEpoch)", o.status.rawValue,
                          money(o.total), o.itemsZh, o.itemsEn].joined(separator: "|"))
        }
        for p in data.parcels {
            lines.append(["parcel", p.trackingNumber, p.orderNumber, p.carrierZh, p.carrierEn, p.status.rawValue, p.locationZh,
                          p.locationEn, p.estimatedDelivery ?? "-", "\(p.updatedAt.millisecondsSinceEpoch)"].joined(separator: "|"))
        }
        for p in data.pins {
            lines.append(["pin", p.subject.description, p.pin].joined(separator: "|"))
        }
        return lines.joined(separator: "\n")
    }

    static func money(_ money: Money) -> String { "\(money.minorUnits) \(money.currency)" }

    /// FNV-1a, 64 bits, in hex: small, and the same on every platform.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A China-time wall clock reading (tests spell the documented times this way).
private func t(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0) -> Timestamp {
    ChinaTime.timestamp(year, month, day, hour, minute)
}
