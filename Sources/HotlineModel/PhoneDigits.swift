/// A phone number reduced to its digits, the form used to match a caller to a customer.
///
/// Normalisation keeps decimal digits only and drops everything else (`+`, spaces,
/// dashes, parentheses, dots), so "+86 138-0013-8000", "(86) 13800138000" and
/// "8613800138000" all become "8613800138000". Digits from other scripts, notably the
/// full-width "１３８" a Chinese input method produces, count as their ASCII value.
///
/// It deliberately does not guess country codes: "13800138000" and "8613800138000" stay
/// different. Store numbers in international form (which is what caller ID delivers on
/// most trunks) so the two sides meet.
public struct PhoneDigits: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// ASCII digits only; empty when the input had no digits at all.
    public let digits: String

    /// Normalises `number` as described on the type.
    public init(_ number: String) {
        var digits = ""
        for scalar in number.unicodeScalars {
            // `numericType == .decimal` is true exactly for the 0...9 of every script.
            guard scalar.properties.numericType == .decimal,
                  let value = scalar.properties.numericValue
            else { continue }
            digits.append(Character(Unicode.Scalar(UInt8(48 + Int(value)))))
        }
        self.digits = digits
    }

    /// True when the input held no digit, i.e. it cannot identify anyone.
    public var isEmpty: Bool { digits.isEmpty }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }

    public static func < (lhs: PhoneDigits, rhs: PhoneDigits) -> Bool { lhs.digits < rhs.digits }

    public var description: String { digits }
}
