extension SayText {
    // MARK: Dates

    /// A calendar date (proleptic Gregorian), for appointments, due dates and order
    /// dates. Returns nil when the date does not exist — year outside 1–9999, month
    /// outside 1–12, or a day the month does not have (February 29 outside a leap
    /// year) — so a bad value from a lookup becomes a flow error instead of a wrong
    /// date in a caller's ear.
    ///
    /// - en-US: month, ordinal day, comma, year — "November twenty-fifth, twenty
    ///   twenty-six", the American spoken order. Years are said in pairs
    ///   ("nineteen ninety-nine", "twenty twenty-six", "nineteen oh five", "nineteen
    ///   hundred"), except 2000–2009 and their like in other millennia, said as
    ///   cardinals ("two thousand five"), and years below 1000, said as cardinals.
    ///   The comma makes espeak-ng pause before the year.
    /// - zh-CN: 二零二六年十一月二十五日 — the year digit by digit (how years are
    ///   spoken), month and day as numbers, and 日 (the written form, as on a bank
    ///   or government notice) rather than the colloquial 号.
    public static func date(year: Int, month: Int, day: Int, _ language: SayLanguage) -> String? {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        switch language {
        case .enUS:
            let dayText = SpokenNumerals.englishOrdinal(UInt64(day))
            return "\(englishMonths[month - 1]) \(dayText), \(englishYear(year))"
        case .zhCN:
            let yearText = String(String(year).map { SpokenNumerals.chineseDigits[Int($0.asciiValue! - UInt8(ascii: "0"))] })
            let monthText = SpokenNumerals.chinese(UInt64(month))
            let dayText = SpokenNumerals.chinese(UInt64(day))
            return "\(yearText)年\(monthText)月\(dayText)日"
        }
    }

    private static let englishMonths = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }

    private static func englishYear(_ year: Int) -> String {
        let century = year / 100
        let rest = year % 100
        // 2000–2009 (and 1000–1009, 3000–3009): "two thousand five", not "twenty oh five".
        if year < 1000 || (century % 10 == 0 && rest < 10) {
            return SpokenNumerals.english(UInt64(year))
        }
        let first = SpokenNumerals.englishBelowHundred(century)
        if rest == 0 { return "\(first) hundred" }
        if rest < 10 { return "\(first) oh \(SpokenNumerals.englishOnes[rest])" }
        return "\(first) \(SpokenNumerals.englishBelowHundred(rest))"
    }

    // MARK: Times

    /// A time of day from a 24-hour clock, said on a 12-hour clock as callers say it.
    /// Returns nil for hour outside 0–23 or minute outside 0–59 (there is no 24:00 and
    /// no leap-second minute to say).
    ///
    /// - en-US: "three forty-five p.m.", "nine oh five a.m.", "three o'clock p.m.";
    ///   noon and midnight are "twelve noon" and "twelve midnight" because "12 a.m."
    ///   and "12 p.m." are ambiguous to many listeners. espeak-ng says "a.m." and
    ///   "p.m." as the two letters.
    /// - zh-CN: a period of the day, then the hour on a 12-hour clock, then minutes:
    ///   凌晨 0–5, 上午 6–11, 中午 12, 下午 13–18, 晚上 19–23 — 下午三点四十五分,
    ///   上午九点零五分 (零 before a single-digit minute), 下午三点整 (整 on the hour),
    ///   凌晨十二点整 for midnight. Two o'clock is 两点: 两, not 二, is the counting form
    ///   before the measure word 点 ("二点" sounds wrong to a Mandarin speaker), while
    ///   十二点 keeps 二 inside the compound number.
    public static func time(hour: Int, minute: Int, _ language: SayLanguage) -> String? {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        let hour12 = hour % 12 == 0 ? 12 : hour % 12
        switch language {
        case .enUS:
            if minute == 0 && hour == 0 { return "twelve midnight" }
            if minute == 0 && hour == 12 { return "twelve noon" }
            let hourText = SpokenNumerals.english(UInt64(hour12))
            let suffix = hour < 12 ? "a.m." : "p.m."
            switch minute {
            case 0: return "\(hourText) o'clock \(suffix)"
            case 1...9: return "\(hourText) oh \(SpokenNumerals.englishOnes[minute]) \(suffix)"
            default: return "\(hourText) \(SpokenNumerals.englishBelowHundred(minute)) \(suffix)"
            }
        case .zhCN:
            let period = switch hour {
            case 0...5: "凌晨"
            case 6...11: "上午"
            case 12: "中午"
            case 13...18: "下午"
            default: "晚上"
            }
            let hourText = hour12 == 2 ? "两" : SpokenNumerals.chinese(UInt64(hour12))
            let minuteText = switch minute {
            case 0: "整"
            case 1...9: "零\(SpokenNumerals.chineseDigits[minute])分"
            default: "\(SpokenNumerals.chinese(UInt64(minute)))分"
            }
            return "\(period)\(hourText)点\(minuteText)"
        }
    }
}
