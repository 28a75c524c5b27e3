import Metrics

/// Message counters: exported through swift-metrics and kept as plain numbers for logs and tests.
public struct SIPStatistics: Sendable, Hashable, CustomStringConvertible {
    public enum DropReason: String, Sendable, CaseIterable {
        case parseError = "parse_error"
        case invalidResponse = "invalid_response"
        case rateLimited = "rate_limited"
        case tooLarge = "too_large"
        case streamError = "stream_error"
        case unroutable = "unroutable"
    }

    public var requestsIn = 0
    public var responsesIn = 0
    public var messagesOut = 0
    public var statelessErrorResponses = 0
    public var dropped: [String: Int] = [:]

    public var droppedTotal: Int { dropped.values.reduce(0, +) }

    public var description: String {
        let d = dropped.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return "requests_in=\(requestsIn) responses_in=\(responsesIn) out=\(messagesOut) stateless_errors=\(statelessErrorResponses) dropped{\(d)}"
    }
}

/// The swift-metrics counters behind `SIPStatistics`, created once.
struct SIPMetrics: Sendable {
    let requestsIn = Counter(label: "hotline_sip_messages_in_total", dimensions: [("kind", "request")])
    let responsesIn = Counter(label: "hotline_sip_messages_in_total", dimensions: [("kind", "response")])
    let messagesOut = Counter(label: "hotline_sip_messages_out_total")
    let dropped: [SIPStatistics.DropReason: Counter] = Dictionary(uniqueKeysWithValues: SIPStatistics.DropReason.allCases.map {
        ($0, Counter(label: "hotline_sip_messages_dropped_total", dimensions: [("reason", $0.rawValue)]))
    })
}
