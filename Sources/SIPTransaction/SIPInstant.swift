/// A point in time on the stack's monotonic clock, in nanoseconds from an origin the
/// adapter chooses. The transaction machines never read a clock: the adapter passes
/// `now` in and schedules the instants the machines return (STYLE habit 3).
public struct SIPInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func < (a: SIPInstant, b: SIPInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Saturates instead of trapping: a deadline past the end of time is just "never".
    public static func + (instant: SIPInstant, duration: Duration) -> SIPInstant {
        let (sum, overflow) = instant.nanoseconds.addingReportingOverflow(duration.saturatedNanoseconds)
        if overflow { return SIPInstant(nanoseconds: duration < .zero ? .min : .max) }
        return SIPInstant(nanoseconds: sum)
    }

    /// How long from `b` to `a`: what an adapter passes to its event loop's scheduler.
    public static func - (a: SIPInstant, b: SIPInstant) -> Duration {
        let (difference, overflow) = a.nanoseconds.subtractingReportingOverflow(b.nanoseconds)
        if overflow { return .nanoseconds(a.nanoseconds < b.nanoseconds ? Int64.min : Int64.max) }
        return .nanoseconds(difference)
    }

    public var description: String {
        let ms = nanoseconds / 1_000_000
        return "t+\(ms)ms"
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`.
    var saturatedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return sum
    }
}
