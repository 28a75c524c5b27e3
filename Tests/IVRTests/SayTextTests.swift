import XCTest

@testable import IVR

/// Exact strings for every rule in ``SayText``'s documentation. Each table row is
/// (input, expected); a failure names the input so the broken rule is obvious.
final class SayTextTests: XCTestCase {
    // MARK: number, en-US

    func testEnglishCardinals() {
        let cases: [(Int64, String)] = [
            (0, "zero"),
            (7, "seven"),
            (10, "ten"),
            (11, "eleven"),
            (15, "fifteen"),
            (19, "nineteen"),
            (20, "twenty"),
            (21, "twenty-one"),
            (40, "forty"),
            (99, "ninety-nine"),
            (100, "one hundred"),
            (101, "one hundred one"),
            (105, "one hundred five"),
            (110, "one hundred ten"),
            (999, "nine hundred ninety-nine"),
            (1000, "one thousand"),
            (1001, "one thousand one"),
            (1234, "one thousand two hundred thirty-four"),
            (10_000, "ten thousand"),
            (100_000, "one hundred thousand"),
            (1_000_000, "one million"),
            (1_000_005, "one million five"),
            (2_000_300, "two million three hundred"),
            (2_345_678, "two million three hundred forty-five thousand six hundred seventy-eight"),
            (1_000_000_000, "one billion"),
            (1_000_000_000_000, "one trillion"),
            (1_000_000_000_000_000, "one quadrillion"),
            (1_000_000_000_000_000_000, "one quintillion"),
            (-1, "minus one"),
            (-42, "minus forty-two"),
            (-1_000_000, "minus one million"),
            (
                Int64.max,
                "nine quintillion two hundred twenty-three quadrillion three hundred seventy-two trillion "
                    + "thirty-six billion eight hundred fifty-four million seven hundred seventy-five thousand "
                    + "eight hundred seven"
            ),
            (
                Int64.min,
                "minus nine quintillion two hundred twenty-three quadrillion three hundred seventy-two trillion "
                    + "thirty-six billion eight hundred fifty-four million seven hundred seventy-five thousand "
                    + "eight hundred eight"
            ),
        ]
        for (n, expected) in cases {
            XCTAssertEqual(SayText.number(n, .enUS), expected, "\(n)")
        }
    }

    // MARK: number, zh-CN

    func testChineseCardinals() {
        let cases: [(Int64, String)] = [
            (0, "零"),
            (1, "一"),
            (2, "二"),
            (10, "十"),
            (12, "十二"),
            (19, "十九"),
            (20, "二十"),
            (22, "二十二"),
            (100, "一百"),
            (101, "一百零一"),
            (105, "一百零五"),
            (110, "一百一十"),
            (111, "一百一十一"),
            (200, "二百"),
            (999, "九百九十九"),
            (1000, "一千"),
            (1001, "一千零一"),
            (1005, "一千零五"),
            (1010, "一千零一十"),
            (1100, "一千一百"),
            (1234, "一千二百三十四"),
            (2002, "二千零二"),
            (10_000, "一万"),
            (10_001, "一万零一"),
            (10_010, "一万零一十"),
            (10_100, "一万零一百"),
            (11_000, "一万一千"),
            (100_000, "十万"),
            (100_010, "十万零一十"),
            (120_000, "十二万"),
            (1_000_000, "一百万"),
            (1_010_000, "一百零一万"),
            (10_000_000, "一千万"),
            (12_345_678, "一千二百三十四万五千六百七十八"),
            (100_000_000, "一亿"),
            (100_000_001, "一亿零一"),
            (101_000_000, "一亿零一百万"),
            (110_000_000, "一亿一千万"),
            (1_000_000_000, "十亿"),
            (1_200_000_000, "十二亿"),
            (1_000_000_000_000, "一万亿"),
            (1_000_000_010_000, "一万亿零一万"),
            (10_000_000_000_000_000, "一亿亿"),
            (-1, "负一"),
            (-10, "负十"),
            (-105, "负一百零五"),
            (Int64.max, "九百二十二亿三千三百七十二万零三百六十八亿五千四百七十七万五千八百零七"),
            (Int64.min, "负九百二十二亿三千三百七十二万零三百六十八亿五千四百七十七万五千八百零八"),
        ]
        for (n, expected) in cases {
            XCTAssertEqual(SayText.number(n, .zhCN), expected, "\(n)")
        }
    }

    // MARK: digits

    func testDigits() {
        let cases: [(String, SayLanguage, Bool, String)] = [
            ("123", .enUS, false, "one two three"),
            ("0", .enUS, false, "zero"),
            ("*72#", .enUS, false, "star seven two pound"),
            ("+1 (415) 555-0100", .enUS, false, "one four one five five five five zero one zero zero"),
            ("123", .enUS, true, "one two three"),
            ("", .enUS, false, ""),
            ("abc", .enUS, false, ""),
            ("123", .zhCN, false, "一 二 三"),
            ("1390", .zhCN, false, "一 三 九 零"),
            ("*#", .zhCN, false, "星 井"),
            ("138-0013-8000", .zhCN, true, "幺 三 八 零 零 幺 三 八 零 零 零"),
            ("110", .zhCN, true, "幺 幺 零"),
            ("0123456789", .zhCN, false, "零 一 二 三 四 五 六 七 八 九"),
            ("0123456789", .zhCN, true, "零 幺 二 三 四 五 六 七 八 九"),
            ("１２", .zhCN, false, ""),  // full-width digits are not keypad digits
            ("1\u{20E3}2", .enUS, false, "two"),  // a keycap emoji is not a digit
            ("1\u{301}*", .enUS, false, "star"),  // nor is a digit with a combining accent
        ]
        for (input, language, phoneStyle, expected) in cases {
            XCTAssertEqual(
                SayText.digits(input, language, phoneStyle: phoneStyle), expected,
                "\(input) \(language) phoneStyle: \(phoneStyle)")
        }
        XCTAssertEqual(SayText.digits("1#", .zhCN), "一 井", "phoneStyle defaults to false")
    }

    // MARK: money

    func testMoney() {
        let cases: [(Int64, String, SayLanguage, String)] = [
            // en-US, CNY: no plural, zero parts left out.
            (12345, "CNY", .enUS, "one hundred twenty-three yuan and forty-five fen"),
            (100, "CNY", .enUS, "one yuan"),
            (200, "CNY", .enUS, "two yuan"),
            (0, "CNY", .enUS, "zero yuan"),
            (5, "CNY", .enUS, "five fen"),
            (1, "CNY", .enUS, "one fen"),
            (10_000, "CNY", .enUS, "one hundred yuan"),
            (10_005, "CNY", .enUS, "one hundred yuan and five fen"),
            (-12345, "CNY", .enUS, "minus one hundred twenty-three yuan and forty-five fen"),
            // en-US, USD: singular and plural.
            (12345, "USD", .enUS, "one hundred twenty-three dollars and forty-five cents"),
            (100, "USD", .enUS, "one dollar"),
            (101, "USD", .enUS, "one dollar and one cent"),
            (102, "USD", .enUS, "one dollar and two cents"),
            (201, "USD", .enUS, "two dollars and one cent"),
            (0, "USD", .enUS, "zero dollars"),
            (1, "USD", .enUS, "one cent"),
            (99, "USD", .enUS, "ninety-nine cents"),
            (100_000_000, "USD", .enUS, "one million dollars"),
            (-5, "USD", .enUS, "minus five cents"),
            (-100, "usd", .enUS, "minus one dollar"),
            // zh-CN, CNY: 元角分, 整, 零.
            (12345, "CNY", .zhCN, "一百二十三元四角五分"),
            (10_000, "CNY", .zhCN, "一百元整"),
            (10_005, "CNY", .zhCN, "一百元零五分"),
            (10_050, "CNY", .zhCN, "一百元五角"),
            (10_055, "CNY", .zhCN, "一百元五角五分"),
            (50, "CNY", .zhCN, "五角"),
            (5, "CNY", .zhCN, "五分"),
            (55, "CNY", .zhCN, "五角五分"),
            (0, "CNY", .zhCN, "零元"),
            (100, "CNY", .zhCN, "一元整"),
            (200, "CNY", .zhCN, "二元整"),
            (1_000, "CNY", .zhCN, "十元整"),
            (100_500, "CNY", .zhCN, "一千零五元整"),
            (1_000_000_00, "CNY", .zhCN, "一百万元整"),
            (-12345, "CNY", .zhCN, "负一百二十三元四角五分"),
            (-5, "cny", .zhCN, "负五分"),
            // zh-CN, USD: cents as one number.
            (12345, "USD", .zhCN, "一百二十三美元四十五美分"),
            (10_000, "USD", .zhCN, "一百美元"),
            (105, "USD", .zhCN, "一美元五美分"),
            (110, "USD", .zhCN, "一美元十美分"),
            (5, "USD", .zhCN, "五美分"),
            (0, "USD", .zhCN, "零美元"),
            (-100, "USD", .zhCN, "负一美元"),
            // Unknown codes: decimal number, then the code letter by letter.
            (12345, "EUR", .enUS, "one hundred twenty-three point four five E U R"),
            (12300, "EUR", .enUS, "one hundred twenty-three E U R"),
            (50, "gbp", .enUS, "zero point five G B P"),
            (-12305, "EUR", .enUS, "minus one hundred twenty-three point zero five E U R"),
            (12345, "EUR", .zhCN, "一百二十三点四五 E U R"),
            (10, "EUR", .zhCN, "零点一 E U R"),
            (100, "", .enUS, "one"),
        ]
        for (minorUnits, currency, language, expected) in cases {
            XCTAssertEqual(
                SayText.money(minorUnits: minorUnits, currency: currency, language), expected,
                "\(minorUnits) \(currency) \(language)")
        }
    }

    func testMoneyExtremes() {
        XCTAssertEqual(
            SayText.money(minorUnits: .min, currency: "CNY", .zhCN),
            "负九亿二千二百三十三万七千二百零三亿六千八百五十四万七千七百五十八元零八分")
        XCTAssertEqual(
            SayText.money(minorUnits: .max, currency: "USD", .enUS),
            "ninety-two quadrillion two hundred thirty-three trillion seven hundred twenty billion "
                + "three hundred sixty-eight million five hundred forty-seven thousand seven hundred "
                + "fifty-eight dollars and seven cents")
    }

    // MARK: date

    func testEnglishOrdinalDays() {
        let ordinals = [
            "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
            "eighteenth", "nineteenth", "twentieth", "twenty-first", "twenty-second", "twenty-third",
            "twenty-fourth", "twenty-fifth", "twenty-sixth", "twenty-seventh", "twenty-eighth",
            "twenty-ninth", "thirtieth", "thirty-first",
        ]
        for (index, ordinal) in ordinals.enumerated() {
            XCTAssertEqual(
                SayText.date(year: 2026, month: 1, day: index + 1, .enUS),
                "January \(ordinal), twenty twenty-six", "day \(index + 1)")
        }
    }

    func testEnglishDates() {
        let cases: [(Int, Int, Int, String)] = [
            (2026, 11, 25, "November twenty-fifth, twenty twenty-six"),
            (2000, 1, 1, "January first, two thousand"),
            (2005, 2, 2, "February second, two thousand five"),
            (2009, 3, 3, "March third, two thousand nine"),
            (2010, 4, 4, "April fourth, twenty ten"),
            (2011, 5, 5, "May fifth, twenty eleven"),
            (1999, 6, 6, "June sixth, nineteen ninety-nine"),
            (1900, 7, 7, "July seventh, nineteen hundred"),
            (1905, 8, 8, "August eighth, nineteen oh five"),
            (2100, 9, 9, "September ninth, twenty-one hundred"),
            (2105, 10, 10, "October tenth, twenty-one oh five"),
            (1066, 12, 31, "December thirty-first, ten sixty-six"),
            (1005, 12, 12, "December twelfth, one thousand five"),
            (999, 12, 20, "December twentieth, nine hundred ninety-nine"),
            (1, 1, 1, "January first, one"),
            (2024, 2, 29, "February twenty-ninth, twenty twenty-four"),
            (2000, 2, 29, "February twenty-ninth, two thousand"),
        ]
        for (year, month, day, expected) in cases {
            XCTAssertEqual(SayText.date(year: year, month: month, day: day, .enUS), expected, "\(year)-\(month)-\(day)")
        }
    }

    func testChineseDates() {
        let cases: [(Int, Int, Int, String)] = [
            (2026, 11, 25, "二零二六年十一月二十五日"),
            (2000, 1, 1, "二零零零年一月一日"),
            (1999, 12, 31, "一九九九年十二月三十一日"),
            (2024, 2, 29, "二零二四年二月二十九日"),
            (2010, 10, 10, "二零一零年十月十日"),
            (2026, 6, 20, "二零二六年六月二十日"),
            (2026, 3, 12, "二零二六年三月十二日"),
            (5, 1, 1, "五年一月一日"),
        ]
        for (year, month, day, expected) in cases {
            XCTAssertEqual(SayText.date(year: year, month: month, day: day, .zhCN), expected, "\(year)-\(month)-\(day)")
        }
    }

    func testInvalidDatesAreNil() {
        let cases: [(Int, Int, Int)] = [
            (2026, 13, 1), (2026, 0, 1), (2026, 1, 0), (2026, 1, 32), (2026, 4, 31), (2026, 6, 31),
            (2026, 9, 31), (2026, 11, 31), (2026, 2, 29), (1900, 2, 29), (2100, 2, 29), (2024, 2, 30),
            (0, 1, 1), (10_000, 1, 1), (-1, 1, 1),
        ]
        for (year, month, day) in cases {
            for language in [SayLanguage.enUS, .zhCN] {
                XCTAssertNil(SayText.date(year: year, month: month, day: day, language), "\(year)-\(month)-\(day)")
            }
        }
    }

    // MARK: time

    func testEnglishTimes() {
        let cases: [(Int, Int, String)] = [
            (15, 45, "three forty-five p.m."),
            (15, 0, "three o'clock p.m."),
            (12, 0, "twelve noon"),
            (0, 0, "twelve midnight"),
            (9, 5, "nine oh five a.m."),
            (9, 10, "nine ten a.m."),
            (0, 30, "twelve thirty a.m."),
            (0, 1, "twelve oh one a.m."),
            (12, 30, "twelve thirty p.m."),
            (1, 0, "one o'clock a.m."),
            (11, 59, "eleven fifty-nine a.m."),
            (13, 1, "one oh one p.m."),
            (23, 59, "eleven fifty-nine p.m."),
        ]
        for (hour, minute, expected) in cases {
            XCTAssertEqual(SayText.time(hour: hour, minute: minute, .enUS), expected, "\(hour):\(minute)")
        }
    }

    func testChineseTimes() {
        let cases: [(Int, Int, String)] = [
            (15, 45, "下午三点四十五分"),
            (9, 5, "上午九点零五分"),
            (15, 0, "下午三点整"),
            (0, 0, "凌晨十二点整"),
            (0, 30, "凌晨十二点三十分"),
            (5, 59, "凌晨五点五十九分"),
            (6, 0, "上午六点整"),
            (11, 10, "上午十一点十分"),
            (12, 0, "中午十二点整"),
            (12, 15, "中午十二点十五分"),
            (13, 0, "下午一点整"),
            (14, 2, "下午两点零二分"),
            (2, 20, "凌晨两点二十分"),
            (18, 59, "下午六点五十九分"),
            (19, 0, "晚上七点整"),
            (22, 22, "晚上十点二十二分"),
            (23, 59, "晚上十一点五十九分"),
        ]
        for (hour, minute, expected) in cases {
            XCTAssertEqual(SayText.time(hour: hour, minute: minute, .zhCN), expected, "\(hour):\(minute)")
        }
    }

    func testInvalidTimesAreNil() {
        let cases: [(Int, Int)] = [(24, 0), (-1, 0), (0, 60), (0, -1), (25, 61)]
        for (hour, minute) in cases {
            for language in [SayLanguage.enUS, .zhCN] {
                XCTAssertNil(SayText.time(hour: hour, minute: minute, language), "\(hour):\(minute)")
            }
        }
    }
}
