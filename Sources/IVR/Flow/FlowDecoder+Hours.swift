extension FlowDecoder {
    /// Zones without daylight saving, by name; others are written as an offset (`+08:00`).
    static let fixedZones: [String: Int] = [
        "Asia/Shanghai": 480, "Asia/Chongqing": 480, "Asia/Hong_Kong": 480, "Asia/Macau": 480, "Asia/Taipei": 480,
        "Asia/Singapore": 480, "Asia/Tokyo": 540, "Asia/Seoul": 540, "Asia/Kolkata": 330, "UTC": 0, "Etc/UTC": 0,
    ]
    static let weekdayNames = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]

    static func hours(_ value: FlowSource, what: String, reader: FlowReader) -> FlowNode.Kind? {
        guard let f = reader.mapping(value, what: what) else { return nil }
        var offset = 480
        var zoneName = "Asia/Shanghai"
        if let z = f.string("zone") {
            if let known = fixedZones[z.value] {
                offset = known
                zoneName = z.value
            } else if let parsed = utcOffset(z.value) {
                offset = parsed
                zoneName = z.value
            } else {
                reader.report(FlowProblem(.badValue, at: z.location, "time zone '\(z.value)' is not known here",
                                          fix: "write a zone without daylight saving (Asia/Shanghai, UTC, ...) or an offset like +08:00"))
            }
        }
        var spans: [Hours.Span] = []
        if let o = f.require("open", example: "[{days: mon-fri, from: \"08:00\", to: \"20:00\"}]"),
           let items = reader.list(o, what: "'open' of \(what)") {
            for item in items {
                guard let sf = reader.mapping(item, what: "an opening span of \(what)") else { continue }
                let days = sf.requireString("days", example: "mon-fri").flatMap { weekdays($0, reader: reader) }
                let from = sf.requireString("from", example: "\"08:00\"").flatMap { minutes($0, reader: reader, allow24: false) }
                let to = sf.requireString("to", example: "\"20:00\"").flatMap { minutes($0, reader: reader, allow24: true) }
                if let days, let from, let to {
                    if from < to { spans.append(Hours.Span(weekdays: days, from: from, to: to)) } else {
                        reader.report(FlowProblem(.badValue, at: sf.location, "an opening span ends before it starts",
                                                  fix: "make 'to' later than 'from' (use two spans across midnight)"))
                    }
                }
                sf.finish()
            }
        }
        var holidays: Set<Located<String>> = []
        if let h = f.take("holidays"), let items = reader.list(h, what: "'holidays' of \(what)") {
            for item in items {
                guard let d = reader.string(item, what: "a holiday") else { continue }
                if isDate(d.value) { holidays.insert(d) } else {
                    reader.report(FlowProblem(.badValue, at: d.location, "holiday '\(d.value)' is not a date",
                                              fix: "write it as YYYY-MM-DD, e.g. 2026-10-01"))
                }
            }
        }
        let open = f.requireNode("when_open")
        let closed = f.requireNode("when_closed")
        let holiday = f.node("on_holiday")
        f.finish()
        guard let open, let closed else { return nil }
        return .hours(Hours(utcOffsetMinutes: offset, zoneName: zoneName, open: spans, holidays: holidays,
                            whenOpen: open, whenClosed: closed, onHoliday: holiday))
    }

    /// `+08:00`, `-05:30`, `UTC+8`.
    static func utcOffset(_ text: String) -> Int? {
        var t = Substring(text)
        if t.hasPrefix("UTC") { t = t.dropFirst(3) }
        guard let sign = t.first, sign == "+" || sign == "-" else { return nil }
        let parts = t.dropFirst().split(separator: ":")
        guard (1...2).contains(parts.count), let h = Int(parts[0]), h <= 14 else { return nil }
        let m = parts.count == 2 ? Int(parts[1]) : 0
        guard let m, m < 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (h * 60 + m)
    }

    /// `mon-fri`, `sat,sun`, `mon-sun`, `daily`.
    static func weekdays(_ text: Located<String>, reader: FlowReader) -> Set<Int>? {
        if text.value == "daily" { return Set(1...7) }
        var days: Set<Int> = []
        for part in text.value.lowercased().split(separator: ",").map({ $0.trimmingWhitespace }) {
            let ends = part.split(separator: "-").map { weekdayNames[String($0)] }
            if ends.count == 1, let d = ends[0] { days.insert(d) }
            else if ends.count == 2, let a = ends[0], let b = ends[1], a <= b { days.formUnion(a...b) }
            else {
                reader.report(FlowProblem(.badValue, at: text.location, "'\(text.value)' is not a list of weekdays",
                                          fix: "write days like mon-fri or sat,sun (mon tue wed thu fri sat sun) or daily"))
                return nil
            }
        }
        return days
    }

    /// `HH:MM` as minutes from midnight (`24:00` allowed as an end).
    static func minutes(_ text: Located<String>, reader: FlowReader, allow24: Bool) -> Int? {
        let parts = text.value.split(separator: ":")
        if parts.count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]), m < 60,
           h < 24 || (allow24 && h == 24 && m == 0) {
            return h * 60 + m
        }
        reader.report(FlowProblem(.badValue, at: text.location, "'\(text.value)' is not a time of day",
                                  fix: "write it as \"HH:MM\" in quotes, 24-hour, e.g. \"08:30\""))
        return nil
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return false }
        return y >= 2000 && (1...12).contains(m) && (1...31).contains(d)
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var s = self
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return s
    }
}
