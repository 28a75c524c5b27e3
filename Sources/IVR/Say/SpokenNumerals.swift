/// The cardinal-number engines behind ``SayText``: English (en-US) and Chinese
/// (zh-CN, Mandarin) words for any `UInt64`, which covers the magnitude of every
/// `Int64` including `Int64.min`. Signs, currencies and calendars are ``SayText``'s job.
enum SpokenNumerals {}

// MARK: - English (en-US)

extension SpokenNumerals {
    static let englishOnes = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
        "seventeen", "eighteen", "nineteen",
    ]

    static let englishTens = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ]

    /// Short-scale names (American usage: a billion is 10^9). `UInt64.max` is about
    /// 1.8 × 10^19, so quintillion is the largest scale any `Int64` needs.
    static let englishScales = [
        "", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion",
    ]

    /// 0–99. Compounds 21–99 are hyphenated ("twenty-one"), the American spelling;
    /// espeak-ng reads the hyphenated form as one word with a secondary stress, which is
    /// how the number is spoken.
    static func englishBelowHundred(_ n: Int) -> String {
        precondition((0..<100).contains(n))
        if n < 20 { return englishOnes[n] }
        let ones = n % 10
        return ones == 0 ? englishTens[n / 10] : "\(englishTens[n / 10])-\(englishOnes[ones])"
    }

    /// 1–999 without "and" ("one hundred five"): en-US drops the "and" that en-GB keeps.
    static func englishBelowThousand(_ n: Int) -> String {
        precondition((1..<1000).contains(n))
        var words: [String] = []
        if n >= 100 { words.append("\(englishOnes[n / 100]) hundred") }
        if n % 100 != 0 { words.append(englishBelowHundred(n % 100)) }
        return words.joined(separator: " ")
    }

    /// Groups of three digits, each followed by its scale; empty groups are silent
    /// ("one million five", not "one million zero thousand five").
    static func english(_ n: UInt64) -> String {
        if n == 0 { return englishOnes[0] }
        var groups: [Int] = []
        var rest = n
        while rest > 0 {
            groups.append(Int(rest % 1000))
            rest /= 1000
        }
        var words: [String] = []
        for (scale, group) in groups.enumerated().reversed() where group != 0 {
            let name = englishScales[scale]
            words.append(name.isEmpty ? englishBelowThousand(group) : "\(englishBelowThousand(group)) \(name)")
        }
        return words.joined(separator: " ")
    }

    /// Ordinal of a cardinal's last word ("twenty-one" → "twenty-first"); the irregular
    /// forms are first, second, third, fifth, eighth, ninth and twelfth, and tens in -y
    /// become -ieth ("twentieth").
    static func englishOrdinal(_ n: UInt64) -> String {
        let cardinal = english(n)
        let cut = cardinal.lastIndex(where: { $0 == " " || $0 == "-" }).map { cardinal.index(after: $0) }
            ?? cardinal.startIndex
        let head = cardinal[..<cut]
        let last = String(cardinal[cut...])
        let irregular = [
            "one": "first", "two": "second", "three": "third", "five": "fifth",
            "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
        ]
        if let ordinal = irregular[last] { return head + ordinal }
        if last.hasSuffix("y") { return head + last.dropLast() + "ieth" }
        return head + last + "th"
    }
}

// MARK: - Chinese (zh-CN)

extension SpokenNumerals {
    /// 二, not 两: 两 is the counting form before measure words and some units
    /// ("两个", "两点"), and ``SayText`` uses it only where that convention applies.
    static let chineseDigits: [Character] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]

    /// Chinese groups by 10^4 (万) and 10^8 (亿), not by 10^3. Larger magnitudes nest:
    /// 10^12 is 一万亿 and 10^16 is 一亿亿, the reading used in speech (京 and above are
    /// not understood by callers).
    ///
    /// The zero rule, as taught in Chinese primary school: one 零 stands for any run of
    /// missing places *between* non-zero places, trailing zeros are silent — 105 一百零五, 1005 一千零五, 110 一百一十, 1_0000_0001 一亿零一.
    static func chinese(_ n: UInt64) -> String {
        n == 0 ? "零" : chinese(n, leading: true)
    }

    /// `leading` is true while no higher place has been said: only there does 一十
    /// shorten to 十 (12 十二, 10_0000 十万), inside a number it stays 一十 (110 一百一十,
    /// 10010 一万零一十).
    private static func chinese(_ n: UInt64, leading: Bool) -> String {
        for (unit, size) in [("亿", UInt64(1_0000_0000)), ("万", UInt64(1_0000))] where n >= size {
            let high = n / size
            let low = n % size
            var text = chinese(high, leading: leading) + unit
            if low > 0 {
                // The low part's top place is empty: 一万零五百, 一亿零五万.
                if low < size / 10 { text += "零" }
                text += chinese(low, leading: false)
            }
            return text
        }
        return chineseBelowTenThousand(Int(n), leading: leading)
    }

    /// 1–9999 with 千, 百, 十.
    private static func chineseBelowTenThousand(_ n: Int, leading: Bool) -> String {
        precondition((1..<1_0000).contains(n))
        let places: [(digit: Int, unit: String)] = [
            (n / 1000, "千"), (n / 100 % 10, "百"), (n / 10 % 10, "十"), (n % 10, ""),
        ]
        var text = ""
        var started = false
        var pendingZero = false
        for place in places {
            guard place.digit != 0 else {
                if started { pendingZero = true }
                continue
            }
            if pendingZero { text.append("零") }
            pendingZero = false
            if place.unit == "十" && place.digit == 1 && !started && leading {
                text += "十"
            } else {
                text.append(chineseDigits[place.digit])
                text += place.unit
            }
            started = true
        }
        return text
    }
}
