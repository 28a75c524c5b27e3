import HotlineModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Timestamp {
    /// Midnight of this time's day in the server's time zone: where "today" starts for the
    /// queues' figures and the agents' own figures.
    var startOfLocalDay: Timestamp {
        let date = Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000)
        let offset = Int64(TimeZone.current.secondsFromGMT(for: date)) * 1000
        let local = millisecondsSinceEpoch + offset
        let midnight = local - ((local % 86_400_000) + 86_400_000) % 86_400_000
        return Timestamp(millisecondsSinceEpoch: midnight - offset)
    }
}
