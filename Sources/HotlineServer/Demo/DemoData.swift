import HotlineModel
import IVR

/// The customers and self-service records the demo lines (telecom `10000`, bank `95500`,
/// shop `40000`) answer with: a few fixed personas that tests and docs/demo-customers.md
/// name, then some three hundred generated customers.
///
/// Pure and reproducible: the same seed gives byte-identical data on any machine and any
/// day. It draws from its own SplitMix64 (the standard library's `random(in:using:)`
/// may change its algorithm between releases) and derives every time from
/// `referenceInstant`, never from a clock. Money is in fen (CNY); dates and times are
/// China time (UTC+8, no daylight saving).
///
/// PINs are here in clear only so the seeder can hash them; they are never stored so.
public struct DemoData: Hashable, Sendable {
    /// A PIN before hashing.
    public struct ClearPIN: Hashable, Sendable {
        public var subject: PINSubject
        public var pin: String

        public init(subject: PINSubject, pin: String) {
            self.subject = subject
            self.pin = pin
        }
    }

    /// Personas first (tagged "persona"), then generated customers; all are tagged "demo",
    /// a few generated ones "vip".
    public var customers: [Customer]
    public var accounts: [ServiceAccount]
    /// Per account, newest period first.
    public var bills: [Bill]
    public var cards: [Card]
    /// Per card, newest first.
    public var transactions: [CardTransaction]
    public var orders: [Order]
    public var parcels: [Parcel]
    /// Every customer's phone-service PIN, followed by the PINs of their cards.
    public var pins: [ClearPIN]

    /// "Now" for the demo: 2026-11-01T00:00:00+08:00. Bills, transactions and parcels
    /// are dated relative to it.
    public static let referenceInstant = ChinaTime.timestamp(2026, 11, 1)
    /// The first persona, written first; the seeder takes its presence to mean "already seeded".
    public static let markerCustomerID: CustomerID = "c-demo-001"
    /// How many customers `generate` makes besides the seven personas.
    public static let generatedCustomerCount = 293

    /// The phone-service PIN of a generated customer: the last six digits of their primary
    /// phone number, reversed (13912345678 → 876543).
    public static func generatedCustomerPIN(primaryPhone: String) -> String {
        String(primaryPhone.suffix(6).reversed())
    }

    /// The PIN of a generated card: the last six digits of the card number, reversed.
    public static func generatedCardPIN(cardNumber: String) -> String {
        String(cardNumber.suffix(6).reversed())
    }

    /// `YYYY-MM-DD` of an instant in China time, as the demo dates its records.
    public static func chinaDate(_ time: Timestamp) -> String { ChinaTime.date(time) }

    /// Whether `digits` passes the Luhn check (ISO/IEC 7812-1 Annex B), as card numbers do.
    public static func isLuhnValid(_ digits: String) -> Bool {
        let values = digits.compactMap(\.wholeNumberValue)
        guard values.count == digits.count, values.count >= 2 else { return false }
        return luhnSum(values.reversed()) % 10 == 0
    }

    public static func generate(seed: UInt64 = 20261101) -> DemoData {
        var builder = DemoDataBuilder(seed: seed)
        builder.addPersonas()
        for index in 1...generatedCustomerCount {
            builder.addGeneratedCustomer(index)
        }
        return builder.data
    }

    /// Σ of the Luhn-doubled digits, rightmost (check digit position) first.
    fileprivate static func luhnSum(_ reversedDigits: some Sequence<Int>) -> Int {
        var sum = 0
        for (position, digit) in reversedDigits.enumerated() {
            if position % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum
    }
}

/// Civil dates and times in China (UTC+8 all year), computed without Foundation's
/// calendar so the result does not depend on the machine's time zone or locale.
enum ChinaTime {
    static let offsetMilliseconds: Int64 = 8 * 3_600_000

    /// The instant of a China-time wall clock reading.
    static func timestamp(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0) -> Timestamp {
        let minutes = Int64(daysSinceEpoch(year, month, day)) * 1440 + Int64(hour * 60 + minute)
        return Timestamp(millisecondsSinceEpoch: minutes * 60_000 - offsetMilliseconds)
    }

    /// `YYYY-MM-DD` of an instant in China.
    static func date(_ time: Timestamp) -> String {
        let local = time.millisecondsSinceEpoch + offsetMilliseconds
        let days = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        return date(daysSinceEpoch: Int(days))
    }

    /// `YYYY-MM-DD` of a day counted from 1970-01-01.
    static func date(daysSinceEpoch days: Int) -> String {
        let (year, month, day) = civil(daysSinceEpoch: days)
        return "\(year)-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date.
    static func daysSinceEpoch(_ year: Int, _ month: Int, _ day: Int) -> Int {
        LocalTime.daysSinceEpoch(year: year, month: month, day: day)
    }

    /// The inverse of `daysSinceEpoch` (civil_from_days, which the IVR's LocalTime does).
    static func civil(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let local = LocalTime(Timestamp(millisecondsSinceEpoch: Int64(days) * 86_400_000), utcOffsetMinutes: 0)
        return (local.year, local.month, local.day)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and the same sequence everywhere.
private struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform enough for demo data (the modulo bias is below 2^-40 for these ranges).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    mutating func pick<T>(weighted items: [(T, Int)]) -> T {
        var roll = int(0...(items.reduce(0) { $0 + $1.1 } - 1))
        for (item, weight) in items {
            if roll < weight { return item }
            roll -= weight
        }
        return items[items.count - 1].0
    }

    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(int(0...9))) })
    }
}

/// Builds `DemoData` record by record, keeping every number unique.
private struct DemoDataBuilder {
    var data = DemoData(customers: [], accounts: [], bills: [], cards: [], transactions: [], orders: [], parcels: [], pins: [])
    var random: SplitMix64
    /// Every phone, account, card, order and tracking number handed out so far.
    var taken: Set<String> = []
    var transactionCount = 0

    init(seed: UInt64) {
        random = SplitMix64(state: seed)
    }

    typealias Line = (zh: String, en: String)

    // MARK: Personas (exact values; docs/demo-customers.md and the tests rely on them)

    mutating func addPersonas() {
        let t = ChinaTime.timestamp
        addCustomer("c-demo-001", "张伟", "Wei Zhang", phones: ["13800138000"], .zhCN, accounts: ["13800138000"],
                    tags: Self.personaTags, createdAt: t(2018, 3, 12, 10, 0), pin: "123456")
        addTelecom("c-demo-001", "13800138000", plan: Self.telecomPlans[2], balance: 5630, openedAt: t(2018, 3, 12, 10, 0),
                   bills: [(2026, 10, 12900, false), (2026, 9, 13550, true), (2026, 8, 12900, true)])

        addCustomer("c-demo-002", "陈艾米", "Emily Chen", phones: ["13900139000"], .enUS, accounts: ["13900139000"],
                    tags: Self.personaTags, createdAt: t(2021, 6, 1, 15, 30), pin: "654321")
        addTelecom("c-demo-002", "13900139000", plan: Self.telecomPlans[1], balance: -1240, openedAt: t(2021, 6, 1, 15, 30),
                   bills: [(2026, 10, 8900, false), (2026, 9, 8900, true)])

        addCustomer("c-demo-003", "李秀英", "Xiuying Li", phones: ["13700137000"], .zhCN, accounts: ["13700137000"],
                    tags: Self.personaTags, createdAt: t(2016, 9, 20, 9, 15), pin: "111111")
        addTelecom("c-demo-003", "13700137000", plan: Self.telecomPlans[0], balance: 2000, openedAt: t(2016, 9, 20, 9, 15),
                   bills: [(2026, 10, 5900, false), (2026, 9, 5900, true), (2026, 8, 5900, true)])

        addCustomer("c-demo-004", "王芳", "Fang Wang", phones: ["13600136000"], .zhCN, accounts: ["6222020200112233"],
                    tags: Self.personaTags, createdAt: t(2019, 11, 5, 11, 0), pin: "222222")
        addBank("c-demo-004", "6222020200112233", plan: Self.bankPlans[0], balance: 1_234_567, openedAt: t(2019, 11, 5, 11, 0))
        addCard("c-demo-004", "6222020200112233445", account: "6222020200112233", .active, expires: "2029-08", pin: "147258",
                transactions: [
                    (t(2026, 10, 31, 14, 20), -3800, ("星巴克", "Starbucks")),
                    (t(2026, 10, 30, 9, 0), 850_000, ("工资", "Salary")),
                    (t(2026, 10, 29, 20, 15), -129_900, ("京东商城", "JD.com")),
                    (t(2026, 10, 27, 12, 5), -4550, ("美团外卖", "Meituan food delivery")),
                    (t(2026, 10, 25, 18, 40), -26830, ("盒马鲜生", "Freshippo")),
                    (t(2026, 10, 22, 8, 15), -2700, ("滴滴出行", "DiDi")),
                    (t(2026, 10, 20, 19, 30), -10000, ("话费充值", "Mobile top-up")),
                ])

        addCustomer("c-demo-005", "约翰·史密斯", "John Smith", phones: ["13300133000"], .enUS, accounts: ["6222020200998877"],
                    tags: Self.personaTags, createdAt: t(2022, 2, 14, 16, 45), pin: "333333")
        addBank("c-demo-005", "6222020200998877", plan: Self.bankPlans[0], balance: 321_000, openedAt: t(2022, 2, 14, 16, 45))
        addCard("c-demo-005", "6222020200998877665", account: "6222020200998877", .active, expires: "2028-05", pin: "369258",
                transactions: [
                    (t(2026, 10, 30, 12, 30), -2350, ("全家便利店", "FamilyMart")),
                    (t(2026, 10, 28, 19, 0), -42800, ("海底捞", "Haidilao")),
                    (t(2026, 10, 25, 10, 0), 200_000, ("转账收入", "Transfer in")),
                    (t(2026, 10, 21, 16, 45), -3600, ("星巴克", "Starbucks")),
                    (t(2026, 10, 18, 9, 10), -500, ("上海地铁", "Shanghai Metro")),
                ])

        addCustomer("c-demo-006", "赵磊", "Lei Zhao", phones: ["13200132000"], .zhCN, accounts: ["6222020200555566"],
                    tags: Self.personaTags, createdAt: t(2020, 7, 8, 14, 20), pin: "444444")
        addBank("c-demo-006", "6222020200555566", plan: Self.bankPlans[1], balance: 88800, openedAt: t(2020, 7, 8, 14, 20))
        addCard("c-demo-006", "6222020200555566667", account: "6222020200555566", .active, expires: "2027-12", pin: "246810",
                transactions: [
                    (t(2026, 10, 31, 8, 30), -1590, ("瑞幸咖啡", "Luckin Coffee")),
                    (t(2026, 10, 29, 12, 10), -3260, ("美团外卖", "Meituan food delivery")),
                    (t(2026, 10, 26, 18, 0), -2480, ("滴滴出行", "DiDi")),
                    (t(2026, 10, 15, 9, 0), 620_000, ("工资", "Salary")),
                    (t(2026, 10, 12, 20, 30), -15900, ("淘宝", "Taobao")),
                ])

        addCustomer("c-demo-007", "刘洋", "Yang Liu", phones: ["13500135000"], .zhCN, accounts: [],
                    tags: Self.personaTags, createdAt: t(2023, 5, 19, 19, 0), pin: "555555")
        addOrder("c-demo-007", "1000012345", placedAt: t(2026, 10, 28, 21, 10), .shipped, total: 29900,
                 items: ("蓝牙耳机 ×1", "Bluetooth earphones ×1"))
        addParcel("SF1234567890", order: "1000012345", carrier: ("顺丰速运", "SF Express"), .inTransit,
                  location: ("上海转运中心", "Shanghai hub"), eta: "2026-11-03", updatedAt: t(2026, 10, 31, 22, 40))
        addOrder("c-demo-007", "1000054321", placedAt: t(2026, 10, 31, 20, 5), .placed, total: 89900,
                 items: ("智能手表 ×1", "Smart watch ×1"))

        // Emily Chen shops too: a delivered order, for the shop line in English.
        addOrder("c-demo-002", "1000067890", placedAt: t(2026, 10, 20, 10, 30), .delivered, total: 15800,
                 items: ("保温杯 ×2", "Vacuum flask ×2"))
        addParcel("YT9876543210", order: "1000067890", carrier: ("圆通速递", "YTO Express"), .delivered,
                  location: ("北京朝阳区", "Chaoyang, Beijing"), eta: nil, updatedAt: t(2026, 10, 23, 15, 10))
    }

    // MARK: Generated customers

    mutating func addGeneratedCustomer(_ index: Int) {
        let id = "c-bulk-\(ChinaTime.pad(index, 3))"
        let language: Language = random.chance(10) ? .enUS : .zhCN
        let name: (zh: String?, en: String)
        if language == .enUS && random.chance(50) {
            // A foreign resident, known by an English name only.
            name = (nil, "\(random.pick(Self.foreignGivenNames)) \(random.pick(Self.foreignSurnames))")
        } else {
            let surname = random.pick(Self.surnames), given = random.pick(Self.givenNames)
            name = (surname.zh + given.zh, "\(given.en) \(surname.en)")
        }
        var phones = [newMobile()]
        if random.chance(8) { phones.append(newMobile()) }
        // Some minute between 2015-01-01 and 2026-03-31, so six months of bills fit after it.
        let first = ChinaTime.timestamp(2015, 1, 1), last = ChinaTime.timestamp(2026, 3, 31, 23, 59)
        let minutes = Int((last.millisecondsSinceEpoch - first.millisecondsSinceEpoch) / 60_000)
        let createdAt = first.adding(milliseconds: Int64(random.int(0...minutes)) * 60_000)
        let hasTelecom = random.chance(70), hasBank = random.chance(40), hasOrders = random.chance(50)
        let bankNumber = hasBank ? newNumber { random in
            let length = random.int(12...16)
            let first = String(random.int(1...9))  // account numbers do not start with 0
            return first + random.digits(length - 1)
        } : nil
        let accounts = (hasTelecom ? [phones[0]] : []) + (bankNumber.map { [$0] } ?? [])
        addCustomer(id, name.zh, name.en, phones: phones, language, accounts: accounts,
                    tags: random.chance(5) ? ["demo", "vip"] : ["demo"], createdAt: createdAt,
                    pin: DemoData.generatedCustomerPIN(primaryPhone: phones[0]))

        if hasTelecom { addGeneratedTelecom(id, number: phones[0], openedAt: createdAt) }
        if let bankNumber { addGeneratedBank(id, number: bankNumber, openedAt: createdAt) }
        if hasOrders {
            for _ in 0..<random.int(1...3) { addGeneratedOrder(id) }
        }
    }

    mutating func addGeneratedTelecom(_ customer: String, number: String, openedAt: Timestamp) {
        let plan = random.pick(Self.telecomPlans)
        let balance = random.chance(15) ? -Int64(random.int(100...5000)) : Int64(random.int(0...30000))
        let latestPaid = random.chance(35), previousPaid = !random.chance(8)
        var bills: [(Int, Int, Int64, Bool)] = []
        for back in 0..<random.int(3...6) {
            let month = 10 - back  // 2026-10 back to 2026-05
            let extra = random.chance(30) ? Int64(random.int(100...5000)) : 0
            bills.append((2026, month, plan.fen + extra, back == 0 ? latestPaid : back == 1 ? previousPaid : true))
        }
        addTelecom(customer, number, plan: plan, balance: balance, openedAt: openedAt, bills: bills)
    }

    mutating func addGeneratedBank(_ customer: String, number: String, openedAt: Timestamp) {
        let balanceRange = random.pick(weighted: [(0...99_999, 30), (100_000...2_000_000, 55), (2_000_001...20_000_000, 15)])
        let balance = Int64(random.int(balanceRange))
        addBank(customer, number, plan: random.pick(Self.bankPlans), balance: balance, openedAt: openedAt)
        for _ in 0..<random.int(1...2) {
            let card = newNumber { random in
                let body = "622202" + random.digits(12)
                let check = (10 - DemoData.luhnSum([0] + body.reversed().map { $0.wholeNumberValue! }) % 10) % 10
                return body + String(check)
            }
            let status = random.pick(weighted: [(Card.Status.active, 85), (.lost, 6), (.blocked, 4), (.expired, 5)])
            let expires = status == .expired
                ? "\(random.int(2024...2025))-\(ChinaTime.pad(random.int(1...12), 2))"
                : "\(random.int(2027...2031))-\(ChinaTime.pad(random.int(1...12), 2))"
            var transactions: [(Timestamp, Int64, Line)] = []
            for _ in 0..<random.int(5...15) {
                let merchant = random.pick(weighted: Self.merchants.map { ($0, $0.weight) })
                let at = Self.time(daysAgo: random.int(0...59), random.int(7...22), random.int(0...59))
                let amount = Int64(random.int(merchant.fen))
                transactions.append((at, merchant.credit ? amount : -amount, (merchant.zh, merchant.en)))
            }
            transactions.sort { $0.0 > $1.0 }
            addCard(customer, card, account: number, status, expires: expires, pin: DemoData.generatedCardPIN(cardNumber: card),
                    transactions: transactions)
        }
    }

    mutating func addGeneratedOrder(_ customer: String) {
        let status = random.pick(weighted: [(Order.Status.placed, 10), (.paid, 15), (.shipped, 25), (.delivered, 35),
                                            (.cancelled, 8), (.returned, 7)])
        let daysAgo = switch status {
        case .placed: random.int(0...1)
        case .paid: random.int(0...2)
        case .shipped: random.int(1...5)
        case .delivered: random.int(6...40)
        case .cancelled: random.int(1...40)
        case .returned: random.int(15...60)
        }
        let placedAt = Self.time(daysAgo: daysAgo, random.int(8...23), random.int(0...59))
        var lines: [(product: (zh: String, en: String, fen: Int64), quantity: Int)] = []
        for _ in 0..<(random.chance(25) ? 2 : 1) {
            let product = random.pick(Self.products)
            if lines.contains(where: { $0.product.zh == product.zh }) { continue }
            lines.append((product, random.pick(weighted: [(1, 75), (2, 20), (3, 5)])))
        }
        let number = newNumber { "10" + $0.digits(8) }
        addOrder(customer, number, placedAt: placedAt, status,
                 total: lines.reduce(0) { $0 + $1.product.fen * Int64($1.quantity) },
                 items: (lines.map { "\($0.product.zh) ×\($0.quantity)" }.joined(separator: "、"),
                         lines.map { "\($0.product.en) ×\($0.quantity)" }.joined(separator: ", ")))

        guard status == .shipped || status == .delivered else { return }
        let destination = random.pick(Self.districts)
        for _ in 0..<(lines.count == 2 && random.chance(30) ? 2 : 1) {
            let carrier = random.pick(Self.carriers)
            let tracking = newNumber { carrier.prefix + $0.digits(10) }
            let hub = random.pick(Self.hubs)
            if status == .delivered {
                addParcel(tracking, order: number, carrier: (carrier.zh, carrier.en), .delivered,
                          location: (destination.zh, destination.en), eta: nil, updatedAt: placedAt.adding(milliseconds: Int64(random.int(2 * 1440...4 * 1440)) * 60_000))
                continue
            }
            let parcelStatus = random.pick(weighted: [(Parcel.Status.labelCreated, 15), (.inTransit, 55), (.outForDelivery, 20),
                                                      (.exception, 10)])
            let location: Line = parcelStatus == .outForDelivery
                ? (destination.zh + "营业点", destination.en + " delivery station")
                : (hub.zh, hub.en)
            let eta = parcelStatus == .outForDelivery ? "2026-11-01" : "2026-11-0\(random.int(2...5))"
            let sinceOrder = DemoData.referenceInstant.millisecondsSinceEpoch - placedAt.millisecondsSinceEpoch
            let updatedAt = placedAt.adding(milliseconds: Int64(random.int(1...Int(sinceOrder / 60_000))) * 60_000)
            addParcel(tracking, order: number, carrier: (carrier.zh, carrier.en), parcelStatus, location: location,
                      eta: eta, updatedAt: updatedAt)
        }
    }

    /// A China-time clock reading on the day `daysAgo` days before 2026-10-31 (0: that day).
    static func time(daysAgo: Int, _ hour: Int, _ minute: Int) -> Timestamp {
        let day = ChinaTime.daysSinceEpoch(2026, 10, 31) - daysAgo
        let (year, month, dayOfMonth) = ChinaTime.civil(daysSinceEpoch: day)
        return ChinaTime.timestamp(year, month, dayOfMonth, hour, minute)
    }

    /// An unused mobile number (13x–19x prefixes in use in mainland China).
    mutating func newMobile() -> String {
        newNumber { $0.pick(Self.mobilePrefixes) + $0.digits(8) }
    }

    /// Draws numbers until one is free, then marks it taken.
    mutating func newNumber(_ draw: (inout SplitMix64) -> String) -> String {
        while true {
            let number = draw(&random)
            if taken.insert(number).inserted { return number }
        }
    }

    // MARK: Records

    static let personaTags: Set<String> = ["demo", "persona"]

    mutating func addCustomer(_ id: String, _ zh: String?, _ en: String, phones: [String], _ language: Language,
                              accounts: [String], tags: Set<String>, createdAt: Timestamp, pin: String) {
        taken.formUnion(phones)
        taken.formUnion(accounts)
        data.customers.append(Customer(id: CustomerID(id), nameZh: zh, nameEn: en, phoneNumbers: phones, language: language,
                                       accountNumbers: accounts, tags: tags, createdAt: createdAt))
        data.pins.append(DemoData.ClearPIN(subject: PINSubject(.customer, id), pin: pin))
    }

    /// `bills`: (year, month, fen, paid), newest first; issued on the 1st of the next
    /// month at midnight, due on its 20th.
    mutating func addTelecom(_ customer: String, _ number: String, plan: (zh: String, en: String, fen: Int64), balance: Int64,
                             openedAt: Timestamp, bills: [(Int, Int, Int64, Bool)]) {
        data.accounts.append(ServiceAccount(number: number, customerID: CustomerID(customer), kind: .telecom, planZh: plan.zh,
                                            planEn: plan.en, balance: Money(minorUnits: balance), openedAt: openedAt))
        for (year, month, fen, paid) in bills {
            let period = "\(year)-\(ChinaTime.pad(month, 2))"
            let (dueYear, dueMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
            data.bills.append(Bill(id: "bill-\(number)-\(period)", accountNumber: number, period: period,
                                   amount: Money(minorUnits: fen), issuedAt: ChinaTime.timestamp(dueYear, dueMonth, 1),
                                   dueDate: "\(dueYear)-\(ChinaTime.pad(dueMonth, 2))-20", paid: paid))
        }
    }

    mutating func addBank(_ customer: String, _ number: String, plan: Line, balance: Int64, openedAt: Timestamp) {
        taken.insert(number)
        data.accounts.append(ServiceAccount(number: number, customerID: CustomerID(customer), kind: .bank, planZh: plan.zh,
                                            planEn: plan.en, balance: Money(minorUnits: balance), openedAt: openedAt))
    }

    /// `transactions`: (time, signed fen, merchant), newest first.
    mutating func addCard(_ customer: String, _ number: String, account: String, _ status: Card.Status, expires: String,
                          pin: String, transactions: [(Timestamp, Int64, Line)]) {
        taken.insert(number)
        data.cards.append(Card(number: number, customerID: CustomerID(customer), accountNumber: account, status: status,
                               expires: expires))
        data.pins.append(DemoData.ClearPIN(subject: PINSubject(.card, number), pin: pin))
        for (at, fen, merchant) in transactions {
            transactionCount += 1
            data.transactions.append(CardTransaction(id: "tx-\(ChinaTime.pad(transactionCount, 6))", cardNumber: number, at: at,
                                                     amount: Money(minorUnits: fen), merchantZh: merchant.zh,
                                                     merchantEn: merchant.en))
        }
    }

    mutating func addOrder(_ customer: String, _ number: String, placedAt: Timestamp, _ status: Order.Status, total: Int64,
                           items: Line) {
        taken.insert(number)
        data.orders.append(Order(number: number, customerID: CustomerID(customer), placedAt: placedAt, status: status,
                                 total: Money(minorUnits: total), itemsZh: items.zh, itemsEn: items.en))
    }

    mutating func addParcel(_ tracking: String, order: String, carrier: Line, _ status: Parcel.Status, location: Line,
                            eta: String?, updatedAt: Timestamp) {
        taken.insert(tracking)
        data.parcels.append(Parcel(trackingNumber: tracking, orderNumber: order, carrierZh: carrier.zh, carrierEn: carrier.en,
                                   status: status, locationZh: location.zh, locationEn: location.en,
                                   estimatedDelivery: eta, updatedAt: updatedAt))
    }

    // MARK: Vocabulary

    static let surnames: [Line] = [
        ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"), ("黄", "Huang"),
        ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"),
        ("郭", "Guo"), ("何", "He"), ("高", "Gao"), ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"),
        ("谢", "Xie"), ("宋", "Song"), ("唐", "Tang"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"),
        ("彭", "Peng"), ("曾", "Zeng"), ("田", "Tian"), ("董", "Dong"), ("潘", "Pan"), ("袁", "Yuan"), ("蔡", "Cai"),
        ("蒋", "Jiang"), ("余", "Yu"), ("欧阳", "Ouyang"), ("司马", "Sima"),
    ]
    static let givenNames: [Line] = [
        ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("秀英", "Xiuying"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"),
        ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"),
        ("娟", "Juan"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀兰", "Xiulan"), ("霞", "Xia"), ("平", "Ping"),
        ("刚", "Gang"), ("桂英", "Guiying"), ("建华", "Jianhua"), ("志强", "Zhiqiang"), ("晓明", "Xiaoming"),
        ("海燕", "Haiyan"), ("婷婷", "Tingting"), ("子涵", "Zihan"), ("浩然", "Haoran"), ("欣怡", "Xinyi"),
        ("雨桐", "Yutong"), ("俊杰", "Junjie"), ("思远", "Siyuan"), ("佳怡", "Jiayi"), ("宇轩", "Yuxuan"),
    ]
    static let foreignGivenNames = ["James", "Sarah", "David", "Anna", "Lucas", "Olivia", "Raj", "Yuki", "Maria", "Tom",
                                    "Sophie", "Daniel", "Emma", "Ahmed", "Laura", "Pierre"]
    static let foreignSurnames = ["Miller", "Johnson", "Brown", "Schmidt", "Martin", "Wilson", "Patel", "Tanaka", "Garcia",
                                  "Anderson", "Dubois", "Müller", "Kim", "Rossi", "Novak", "Taylor"]
    static let mobilePrefixes = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
                                 "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
                                 "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199"]
    /// Name and monthly fee in fen.
    static let telecomPlans: [(zh: String, en: String, fen: Int64)] = [
        ("畅享 59", "Unlimited 59", 5900), ("畅享 89", "Unlimited 89", 8900), ("畅享 129", "Unlimited 129", 12900),
        ("畅享 199", "Unlimited 199", 19900), ("校园卡 39", "Campus 39", 3900), ("长者卡 19", "Senior 19", 1900),
    ]
    static let bankPlans: [Line] = [("储蓄账户", "Savings"), ("工资账户", "Payroll"), ("理财账户", "Wealth management")]
    /// Merchant, amount range in fen, whether money comes in, and how often it appears.
    static let merchants: [(zh: String, en: String, fen: ClosedRange<Int>, credit: Bool, weight: Int)] = [
        ("星巴克", "Starbucks", 2800...6500, false, 8), ("瑞幸咖啡", "Luckin Coffee", 900...3200, false, 10),
        ("美团外卖", "Meituan food delivery", 1500...9000, false, 12), ("京东商城", "JD.com", 2900...399_900, false, 6),
        ("淘宝", "Taobao", 990...89900, false, 8), ("盒马鲜生", "Freshippo", 3500...45000, false, 6),
        ("滴滴出行", "DiDi", 1200...8800, false, 7), ("中国石化加油站", "Sinopec fuel station", 20000...60000, false, 3),
        ("全家便利店", "FamilyMart", 800...4500, false, 6), ("海底捞", "Haidilao", 15000...80000, false, 3),
        ("上海地铁", "Shanghai Metro", 300...900, false, 5), ("中国铁路 12306", "China Railway 12306", 5450...93300, false, 3),
        ("携程旅行", "Trip.com", 30000...350_000, false, 2), ("国家电网电费", "State Grid electricity", 5000...40000, false, 3),
        ("话费充值", "Mobile top-up", 3000...20000, false, 3),
        ("工资", "Salary", 500_000...2_500_000, true, 4), ("转账收入", "Transfer in", 10000...500_000, true, 4),
        ("退款", "Refund", 1000...50000, true, 3), ("利息", "Interest", 10...5000, true, 2),
    ]
    /// Product and unit price in fen.
    static let products: [(zh: String, en: String, fen: Int64)] = [
        ("蓝牙耳机", "Bluetooth earphones", 29900), ("智能手表", "Smart watch", 89900), ("保温杯", "Vacuum flask", 7900),
        ("运动鞋", "Running shoes", 45900), ("机械键盘", "Mechanical keyboard", 39900), ("手机壳", "Phone case", 3900),
        ("充电宝", "Power bank", 12900), ("空气炸锅", "Air fryer", 39900), ("羽绒服", "Down jacket", 89900),
        ("电动牙刷", "Electric toothbrush", 19900), ("茶叶礼盒", "Tea gift box", 26800),
        ("儿童绘本", "Children's picture book", 4590), ("瑜伽垫", "Yoga mat", 8900), ("台灯", "Desk lamp", 15900),
        ("咖啡豆", "Coffee beans", 6800),
    ]
    static let carriers: [(zh: String, en: String, prefix: String)] = [
        ("顺丰速运", "SF Express", "SF"), ("圆通速递", "YTO Express", "YT"), ("中通快递", "ZTO Express", "ZT"),
    ]
    static let hubs: [Line] = [
        ("上海转运中心", "Shanghai hub"), ("广州转运中心", "Guangzhou hub"), ("北京转运中心", "Beijing hub"),
        ("杭州转运中心", "Hangzhou hub"), ("成都转运中心", "Chengdu hub"), ("武汉转运中心", "Wuhan hub"),
    ]
    static let districts: [Line] = [
        ("北京朝阳区", "Chaoyang, Beijing"), ("上海浦东新区", "Pudong, Shanghai"), ("广州天河区", "Tianhe, Guangzhou"),
        ("深圳南山区", "Nanshan, Shenzhen"), ("杭州西湖区", "Xihu, Hangzhou"), ("成都武侯区", "Wuhou, Chengdu"),
    ]
}

