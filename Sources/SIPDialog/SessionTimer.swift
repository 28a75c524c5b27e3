import SIPMessage

/// RFC 4028 session timer negotiation for a session we answer.
public struct SessionTimerNegotiation: Sendable, Hashable {
    public enum Refresher: String, Sendable, Hashable { case uac, uas }

    /// The agreed interval in seconds and who refreshes (from our point of view as UAS:
    /// `.uac` means the caller refreshes).
    public var interval: Int
    public var refresher: Refresher
    /// Whether the UAC said `Supported: timer`, so the 2xx carries `Require: timer`.
    public var peerSupportsTimer: Bool

    public enum Outcome: Sendable, Hashable {
        case none
        case accept(SessionTimerNegotiation)
        /// 422 Session Interval Too Small, with this Min-SE (RFC 4028 §8.1).
        case tooSmall(minSE: Int)
    }

    /// RFC 4028 §9: the UAS side. If the request has Session-Expires below our minimum → 422.
    /// Without Session-Expires but with `Supported: timer`, we may still ask for one; we do,
    /// so a dead caller cannot hold a line forever.
    public static func negotiate(request: SIPRequest, minimum: Int, preferred: Int) -> Outcome {
        let supports = request.headers.tokens(.supported).contains { $0.caseInsensitiveEquals("timer") }
            || request.headers.tokens(.require).contains { $0.caseInsensitiveEquals("timer") }
        guard let raw = request.headers[.sessionExpires] else {
            if supports { return .accept(.init(interval: preferred, refresher: .uac, peerSupportsTimer: true)) }
            // A peer without session timer support: we refresh ourselves only if we could;
            // the B2BUA keeps its own media-inactivity checks instead.
            return .none
        }
        let parts = raw.split(separator: ";")
        guard let first = parts.first, let interval = Int(first.trimmingCharacters()), interval > 0 else { return .none }
        var minSE = minimum
        if let m = request.headers[.minSE], let v = Int(m.split(separator: ";").first?.trimmingCharacters() ?? "") {
            minSE = max(minSE, v)
        }
        if interval < minimum { return .tooSmall(minSE: minimum) }
        var refresher: Refresher = .uac
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters() }
            if kv.count == 2, kv[0].caseInsensitiveEquals("refresher"), kv[1].caseInsensitiveEquals("uas") { refresher = .uas }
        }
        // A peer that does not support timers cannot refresh: we must (§9).
        if !supports { refresher = .uas }
        return .accept(.init(interval: max(interval, minSE), refresher: refresher, peerSupportsTimer: supports))
    }

    /// `Session-Expires: 1800;refresher=uac`
    public var headerValue: String { "\(interval);refresher=\(refresher.rawValue)" }

    /// RFC 4028 §10: without a refresh, the side that is not the refresher sends BYE
    /// before `interval - min(32, interval/3)` has passed.
    public var expiryDelay: Duration { .seconds(interval - min(32, interval / 3)) }
    /// The refresher refreshes at half the interval (§7.4).
    public var refreshDelay: Duration { .seconds(interval / 2) }
}

extension Substring {
    func trimmingCharacters() -> String { String(self).trimmingSIPWhitespace }
}
