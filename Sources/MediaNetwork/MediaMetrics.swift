import Media
import Metrics

/// The media plane's counters (swift-metrics; exported once the HTTP API exists).
final class MediaMetrics: Sendable {
    static let shared = MediaMetrics()

    let legsOpened = Counter(label: "hotline_media_legs_opened_total")
    let legsClosed = Counter(label: "hotline_media_legs_closed_total")
    let clockJumps = Counter(label: "hotline_media_clock_jumps_total")
    let packetsReceived = Counter(label: "hotline_media_rtp_received_total")
    let packetsSent = Counter(label: "hotline_media_rtp_sent_total")
    let digits = Counter(label: "hotline_media_dtmf_total")

    /// Adds a closed leg's counts (per leg rather than per packet: counting is not free).
    func record(_ statistics: MediaLeg.Statistics) {
        packetsReceived.increment(by: statistics.packetsReceived)
        packetsSent.increment(by: statistics.packetsSent)
        for (reason, count) in statistics.drops {
            Counter(label: "hotline_media_rtp_dropped_total", dimensions: [("reason", reason.name)]).increment(by: count)
        }
    }
}
