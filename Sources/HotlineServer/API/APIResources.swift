import CTI
import HotlineModel
import Storage

/// The JSON of the API's records (openapi.yaml, components/schemas): customers, their
/// accounts and orders, interactions with their segments, transfers, recordings and
/// timeline. Times are RFC 3339 in UTC; money is `{"minorUnits", "currency"}`; an optional
/// field without a value is left out (`customer` and `ivr` of a detail are `null`).
enum APIResources {
    /// An object of the members that have a value (nil members are left out).
    static func object(_ members: [(String, JSONValue?)]) -> JSONValue {
        var out: [String: JSONValue] = [:]
        for (key, value) in members {
            if let value { out[key] = value }
        }
        return .object(out)
    }

    static func time(_ t: Timestamp?) -> JSONValue? { t.map { .string($0.iso8601) } }
    static func text(_ s: String?) -> JSONValue? { s.map(JSONValue.string) }
    static func seconds(_ ms: Int64?) -> JSONValue? { ms.map { .number(Double($0 / 1000)) } }
    static func money(_ m: Money) -> JSONValue { ["minorUnits": .number(Double(m.minorUnits)), "currency": .string(m.currency)] }

    // MARK: Customers

    static func customer(_ c: Customer) -> JSONValue {
        object([
            ("id", .string(c.id.rawValue)),
            ("nameZh", text(c.nameZh)),
            ("nameEn", text(c.nameEn)),
            ("phoneNumbers", .strings(c.phoneNumbers)),
            ("language", .string(c.language.rawValue)),
            ("accountNumbers", .strings(c.accountNumbers)),
            ("tags", .strings(c.tags.sorted())),
            ("vip", .bool(c.tags.contains("vip"))),
            ("createdAt", time(c.createdAt)),
        ])
    }

    static func account(_ a: ServiceAccount) -> JSONValue {
        object([("number", .string(a.number)), ("kind", .string(a.kind.rawValue)), ("planZh", .string(a.planZh)),
                ("planEn", .string(a.planEn)), ("balance", money(a.balance)), ("openedAt", time(a.openedAt))])
    }

    static func bill(_ b: Bill) -> JSONValue {
        object([("id", .string(b.id)), ("accountNumber", .string(b.accountNumber)), ("period", .string(b.period)),
                ("amount", money(b.amount)), ("issuedAt", time(b.issuedAt)), ("dueDate", .string(b.dueDate)), ("paid", .bool(b.paid))])
    }

    /// A card number as screens show it: the first 6 and last 4 digits (PCI DSS), the
    /// rest as `*`, so a desktop never displays the whole number.
    static func maskedCard(_ number: String) -> String {
        guard number.count > 10 else { return String(repeating: "*", count: number.count) }
        return String(number.prefix(6)) + String(repeating: "*", count: number.count - 10) + String(number.suffix(4))
    }

    static func card(_ c: Card, transactions: [CardTransaction]) -> JSONValue {
        object([("number", .string(maskedCard(c.number))), ("last4", .string(String(c.number.suffix(4)))), ("accountNumber", .string(c.accountNumber)), ("status", .string(c.status.rawValue)),
                ("expires", .string(c.expires)),
                ("transactions", .array(transactions.map { t in
                    object([("id", .string(t.id)), ("at", time(t.at)), ("amount", money(t.amount)),
                            ("merchantZh", .string(t.merchantZh)), ("merchantEn", .string(t.merchantEn))])
                }))])
    }

    static func order(_ o: Order, parcels: [Parcel]) -> JSONValue {
        object([("number", .string(o.number)), ("placedAt", time(o.placedAt)), ("status", .string(o.status.rawValue)),
                ("total", money(o.total)), ("itemsZh", .string(o.itemsZh)), ("itemsEn", .string(o.itemsEn)),
                ("parcels", .array(parcels.map { p in
                    object([("trackingNumber", .string(p.trackingNumber)), ("carrierZh", .string(p.carrierZh)),
                            ("carrierEn", .string(p.carrierEn)), ("status", .string(p.status.rawValue)),
                            ("locationZh", .string(p.locationZh)), ("locationEn", .string(p.locationEn)),
                            ("estimatedDelivery", text(p.estimatedDelivery)), ("updatedAt", time(p.updatedAt))])
                }))])
    }

    static func ticket(_ t: Ticket) -> JSONValue {
        object([("number", .string(t.number)), ("category", .string(t.category)), ("kind", .string(t.kind)),
                ("status", .string(t.status.rawValue)), ("createdAt", time(t.createdAt)), ("summary", .string(t.summary)),
                ("interaction", text(t.interactionID?.rawValue))])
    }

    // MARK: Interactions

    /// A call as lists show it: the stored record with the interaction's channel,
    /// direction and customer.
    static func interaction(_ record: CallRecord, _ interaction: Interaction?) -> JSONValue {
        let last = record.segments.last { $0.disposition != nil || $0.notes != nil }
        return object([
            ("id", .string(record.interactionID.rawValue)),
            ("channel", .string(interaction?.channel.rawValue ?? "call")),
            ("direction", .string(interaction?.direction.rawValue ?? "inbound")),
            ("caller", .string(record.caller)),
            ("dialled", .string(record.dialled)),
            ("startedAt", time(record.arrivedAt)),
            ("answeredAt", time(record.answeredAt)),
            ("endedAt", time(record.endedAt)),
            ("customerId", text(interaction?.customerID?.rawValue)),
            ("queue", text(record.queue)),
            ("agents", .strings(record.agents.map(\.rawValue))),
            ("outcome", text(record.outcome?.rawValue)),
            ("endReason", text(record.endReason)),
            ("disposition", text(record.disposition ?? last?.disposition)),
            ("notes", text(last?.notes)),
            ("waitSeconds", seconds(record.waitMs)),
            ("talkSeconds", record.answeredAt == nil ? nil : seconds(record.talkMs)),
        ])
    }

    static func segment(_ s: CallSegment) -> JSONValue {
        object([
            ("position", .number(Double(s.position))), ("agent", .string(s.agentID.rawValue)), ("queue", text(s.queue)),
            ("offeredAt", time(s.offeredAt)), ("answeredAt", time(s.answeredAt)), ("endedAt", time(s.endedAt)),
            ("result", .string(s.result.rawValue)), ("talkSeconds", seconds(s.talkMs)), ("holdSeconds", seconds(s.holdMs)),
            ("wrapUpSeconds", seconds(s.wrapUpMs)), ("disposition", text(s.disposition)), ("notes", text(s.notes)),
        ])
    }

    static func transfer(_ t: CallTransfer) -> JSONValue {
        let target: JSONValue = switch t.target {
        case .queue(let q): ["queue": .string(q)]
        case .agent(let a): ["agent": .string(a.rawValue)]
        case .number(let n): ["number": .string(n)]
        }
        return object([("at", time(t.at)), ("kind", .string(t.kind.rawValue)), ("byAgent", text(t.byAgent?.rawValue)),
                       ("target", target), ("completed", .bool(t.completed)), ("note", text(t.note))])
    }

    static func recording(_ r: CallRecording) -> JSONValue {
        object([("id", .string(r.id.rawValue)), ("url", .string("/api/v1/recordings/\(r.id.rawValue)")),
                ("durationMs", .number(Double(r.durationMilliseconds))), ("status", .string(r.status.rawValue)),
                ("layout", .string(r.layout.rawValue)), ("startedAt", time(r.startedAt))])
    }

    /// What happened to the call, in time order: arrival, the IVR, queues, each offer and
    /// its answer or end, transfers, recordings, the end.
    static func timeline(_ record: CallRecord, recordings: [CallRecording]) -> [JSONValue] {
        var entries: [(at: Timestamp, order: Int, what: String, detail: String?)] = []
        func add(_ at: Timestamp?, _ what: String, _ detail: String?) {
            if let at { entries.append((at, entries.count, what, detail)) }
        }
        add(record.arrivedAt, "arrived", "\(record.caller) dialled \(record.dialled)")
        add(record.ivrEndedAt, "ivr-ended", record.ivrOutcome)
        add(record.queuedAt, "queued", record.queues.first)
        for s in record.segments {
            add(s.offeredAt, "offered", s.agentID.rawValue + (s.queue.map { " (\($0))" } ?? ""))
            add(s.answeredAt, "answered", s.agentID.rawValue)
            if s.result != .answered || s.answeredAt == nil { add(s.endedAt, s.result.rawValue, s.agentID.rawValue) }
        }
        for t in record.transfers {
            let target = switch t.target {
            case .queue(let q): "queue \(q)"
            case .agent(let a): "agent \(a.rawValue)"
            case .number(let n): "number \(n)"
            }
            add(t.at, "\(t.kind.rawValue)-transfer", (t.byAgent.map { "\($0.rawValue) → " } ?? "") + target + (t.completed ? "" : " (not completed)"))
        }
        for r in recordings { add(r.startedAt, "recording-started", r.id.rawValue) }
        add(record.endedAt, "ended", record.endReason ?? record.outcome?.rawValue)
        return entries.sorted { ($0.at, $0.order) < ($1.at, $1.order) }.map { e in
            object([("at", time(e.at)), ("what", .string(e.what)), ("detail", text(e.detail))])
        }
    }
}
