import HotlineModel

/// Whether an `hours` node is open at an instant, in its fixed UTC offset.
enum BusinessHours {
    enum Status: Hashable, Sendable {
        case open, closed, holiday
    }

    /// A holiday closes the whole local day; otherwise open when the local time of day
    /// falls in a span (`from` inclusive, `to` exclusive) for the local weekday.
    static func status(of hours: Hours, at now: Timestamp) -> Status {
        let local = LocalTime(now, utcOffsetMinutes: hours.utcOffsetMinutes)
        let today = [local.year, local.month, local.day]
        for holiday in hours.holidays {
            let parts = holiday.value.split(separator: "-").map { Int($0) }
            if parts.count == 3, parts.map({ $0 ?? -1 }) == today { return .holiday }
        }
        for span in hours.open where span.weekdays.contains(local.weekday) {
            if span.from <= local.minuteOfDay && local.minuteOfDay < span.to { return .open }
        }
        return .closed
    }
}

/// A timestamp's calendar fields at a fixed UTC offset (proleptic Gregorian).
public struct LocalTime: Hashable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    /// ISO weekday, 1 = Monday ... 7 = Sunday.
    public var weekday: Int
    public var minuteOfDay: Int

    /// `YYYY-MM-DD`, as flows say dates.
    public var date: String { "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))" }
    /// `HH:MM`, as flows say times.
    public var time: String { "\(Self.pad(minuteOfDay / 60, 2)):\(Self.pad(minuteOfDay % 60, 2))" }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    public init(_ instant: Timestamp, utcOffsetMinutes: Int) {
        let dayMilliseconds: Int64 = 86_400_000
        let local = instant.millisecondsSinceEpoch + Int64(utcOffsetMinutes) * 60_000
        // Floor division, so instants before 1970 land on the right day.
        let days = local >= 0 ? local / dayMilliseconds : (local - dayMilliseconds + 1) / dayMilliseconds
        minuteOfDay = Int((local - days * dayMilliseconds) / 60_000)
        // 1970-01-01 was a Thursday (ISO 4).
        weekday = Int(((days % 7) + 7 + 3) % 7) + 1
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date: the inverse of the calendar
    /// fields above (Howard Hinnant's days_from_civil).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1  // from 1 March
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
