/// A point in time handed to the media machines by their adapter (STYLE habit 3):
/// milliseconds on any monotonic clock. The machines never read a clock themselves.
public struct MediaInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func < (lhs: MediaInstant, rhs: MediaInstant) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public func advanced(byMilliseconds ms: Int64) -> MediaInstant { MediaInstant(milliseconds: milliseconds + ms) }

    public var description: String { "\(milliseconds)ms" }
}
