/// A language the IVR can say values in. Mirrors `HotlineModel.Language` case for case
/// so the adapter can map one onto the other without this pure formatter depending on
/// the model.
public enum SayLanguage: String, Sendable {
    /// Mandarin, simplified characters.
    case zhCN = "zh-CN"
    /// American English.
    case enUS = "en-US"
}

/// Values as the words a caller should hear: the text handed to espeak-ng. Given raw
/// digits espeak-ng has to guess what they are — it cannot tell an amount from an
/// account number, a year or a phone number, and it says "$1.05" as "dollar one point
/// zero five" — so the IVR decides and hands it words.
///
/// Pure: no Foundation, no locale, no clock. Every output uses only words, spaces,
/// hyphens inside English compounds ("twenty-one") and, in English dates and times,
/// the comma and "a.m."/"p.m." that espeak-ng voices as a pause and as letters.
public enum SayText {
    // MARK: Numbers

    /// A cardinal number over the whole `Int64` range.
    ///
    /// - en-US: "one thousand two hundred thirty-four", without the "and" en-GB puts
    ///   after hundred, hyphenated 21–99, short scale up to quintillion;
    ///   negatives start with "minus", as telephone banking reads them.
    /// - zh-CN: 一千二百三十四 with one 零 per gap (一百零五, 一亿零一) and 一十 shortened
    ///   to 十 only at the start (十二, 十万 but 一百一十). Plain cardinals use 二, never
    ///   两; negatives start with 负.
    public static func number(_ n: Int64, _ language: SayLanguage) -> String {
        let magnitude = SpokenNumerals.say(n.magnitude, language)
        guard n < 0 else { return magnitude }
        switch language {
        case .enUS: return "minus \(magnitude)"
        case .zhCN: return "负\(magnitude)"
        }
    }

    // MARK: Digits

    /// Each digit on its own: account numbers, order numbers, phone numbers, PINs
    /// being read back. `*` is "star"/"星" and `#` is "pound"/"井", the names printed
    /// next to the keys in the US and in China; anything else (spaces, dashes,
    /// parentheses, "+") is skipped so a formatted number can be passed as is.
    ///
    /// Digits are separated by spaces in both languages: espeak-ng then pauses lightly
    /// between them instead of running them together, which is what lets a caller
    /// write them down.
    ///
    /// - Parameter phoneStyle: in zh-CN, say 1 as 幺, the way Chinese operators and
    ///   radio users read phone numbers so that 一 (yī) is not mistaken for 七 (qī).
    ///   It has no effect in en-US, where "one" is already distinct.
    public static func digits(_ s: String, _ language: SayLanguage, phoneStyle: Bool = false) -> String {
        var words: [String] = []
        for character in s {
            // Match on the ASCII value, not on `"0"..."9"`: a Character range also holds
            // graphemes such as "1\u{20E3}" (keycap one) that have no ASCII value.
            switch character.asciiValue {
            case let ascii? where (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii):
                let digit = Int(ascii - UInt8(ascii: "0"))
                switch language {
                case .enUS:
                    words.append(SpokenNumerals.englishOnes[digit])
                case .zhCN:
                    words.append(digit == 1 && phoneStyle ? "幺" : String(SpokenNumerals.chineseDigits[digit]))
                }
            case UInt8(ascii: "*"):
                words.append(language == .enUS ? "star" : "星")
            case UInt8(ascii: "#"):
                words.append(language == .enUS ? "pound" : "井")
            default:
                continue
            }
        }
        return words.joined(separator: " ")
    }

    // MARK: Money

    /// An amount of money given in minor units (fen, cents): `12345` with "CNY" is
    /// ¥123.45. Integer minor units keep the amount exact; CNY and USD both have two
    /// decimal places (ISO 4217). The code is matched ignoring ASCII case.
    ///
    /// - en-US, CNY: "one hundred twenty-three yuan and forty-five fen". Yuan and fen
    ///   do not take a plural -s in English. A zero part is left out ("one yuan",
    ///   "five fen") unless the whole amount is zero ("zero yuan").
    /// - en-US, USD: "one dollar and one cent", "two dollars and five cents", with the
    ///   same omissions.
    /// - zh-CN, CNY: 元, 角, 分 as on a receipt or bank statement (the reading of
    ///   the People's Bank of China rules for writing amounts, 《正确填写票据和结算凭证的
    ///   基本规定》): 一百二十三元四角五分; a whole amount ends in 整 (一百元整); a
    ///   missing 角 between 元 and 分 is 零 (一百元零五分); under one yuan there is no
    ///   元 (五角, 五分); zero is 零元.
    /// - zh-CN, USD: 美元 and 美分, with cents as one number as Chinese speakers say
    ///   them (一百二十三美元四十五美分, not 四角五分).
    /// - Negative amounts start with "minus"/负.
    /// - Any other code: the amount as a decimal number, assuming two decimal places as
    ///   most ISO 4217 currencies have, followed by the code spelled letter by letter
    ///   ("one hundred twenty-three point four five E U R"); espeak-ng reads "EUR" as
    ///   the word "your". A currency with another exponent (JPY 0, KWD 3) needs a case
    ///   here before the IVR says it.
    public static func money(minorUnits: Int64, currency: String, _ language: SayLanguage) -> String {
        let major = minorUnits.magnitude / 100
        let minor = Int(minorUnits.magnitude % 100)
        let code = String(currency.map { $0.isASCII ? Character($0.uppercased()) : $0 })
        let amount: String
        switch (code, language) {
        case ("CNY", .enUS):
            amount = englishMoney(major, "yuan", "yuan", minor, "fen", "fen")
        case ("USD", .enUS):
            amount = englishMoney(major, "dollar", "dollars", minor, "cent", "cents")
        case ("CNY", .zhCN):
            amount = chineseYuan(major, minor)
        case ("USD", .zhCN):
            amount = chineseDollars(major, minor)
        default:
            let letters = code.map(String.init).joined(separator: " ")
            amount = decimal(major, minor, language) + (letters.isEmpty ? "" : " " + letters)
        }
        guard minorUnits < 0 else { return amount }
        switch language {
        case .enUS: return "minus \(amount)"
        case .zhCN: return "负\(amount)"
        }
    }

    private static func englishMoney(
        _ major: UInt64, _ majorOne: String, _ majorMany: String,
        _ minor: Int, _ minorOne: String, _ minorMany: String
    ) -> String {
        let majorText = "\(SpokenNumerals.english(major)) \(major == 1 ? majorOne : majorMany)"
        let minorText = "\(SpokenNumerals.englishBelowHundred(minor)) \(minor == 1 ? minorOne : minorMany)"
        switch (major, minor) {
        case (_, 0): return majorText
        case (0, _): return minorText
        default: return "\(majorText) and \(minorText)"
        }
    }

    private static func chineseYuan(_ major: UInt64, _ minor: Int) -> String {
        let jiao = minor / 10
        let fen = minor % 10
        let yuan = SpokenNumerals.chinese(major)
        if minor == 0 { return major == 0 ? "零元" : "\(yuan)元整" }
        var text = major == 0 ? "" : "\(yuan)元"
        if jiao > 0 {
            text += "\(SpokenNumerals.chineseDigits[jiao])角"
        } else if major > 0 {
            text += "零"
        }
        if fen > 0 { text += "\(SpokenNumerals.chineseDigits[fen])分" }
        return text
    }

    private static func chineseDollars(_ major: UInt64, _ minor: Int) -> String {
        let dollars = "\(SpokenNumerals.chinese(major))美元"
        let cents = "\(SpokenNumerals.chinese(UInt64(minor)))美分"
        switch (major, minor) {
        case (_, 0): return dollars
        case (0, _): return cents
        default: return dollars + cents
        }
    }

    /// "123 point four five" / 一百二十三点四五; a trailing zero is dropped as in any
    /// spoken decimal (0.50 is "zero point five").
    private static func decimal(_ major: UInt64, _ minor: Int, _ language: SayLanguage) -> String {
        var fraction = [minor / 10, minor % 10]
        while fraction.last == 0 { fraction.removeLast() }
        let whole = SpokenNumerals.say(major, language)
        guard !fraction.isEmpty else { return whole }
        switch language {
        case .enUS:
            return whole + " point " + fraction.map { SpokenNumerals.englishOnes[$0] }.joined(separator: " ")
        case .zhCN:
            return whole + "点" + String(fraction.map { SpokenNumerals.chineseDigits[$0] })
        }
    }
}

extension SpokenNumerals {
    static func say(_ n: UInt64, _ language: SayLanguage) -> String {
        switch language {
        case .enUS: return english(n)
        case .zhCN: return chinese(n)
        }
    }
}
