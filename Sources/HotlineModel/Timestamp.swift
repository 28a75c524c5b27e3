/// A point in time as whole milliseconds since the Unix epoch (UTC).
///
/// Pure modules take `now` as an argument instead of reading a clock, and storage keeps
/// times as `INTEGER` milliseconds so that SQLite and PostgreSQL store the same value
/// without time-zone or precision surprises. Encodes as a bare JSON number.
public struct Timestamp: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public init(from decoder: any Decoder) throws {
        self.millisecondsSinceEpoch = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(millisecondsSinceEpoch)
    }

    /// The time `milliseconds` later (or earlier, when negative).
    public func adding(milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public var description: String { "\(millisecondsSinceEpoch)ms" }
}
