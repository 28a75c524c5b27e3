/// Turns received RFC 4733 telephone-event packets into one start and one end per key press.
///
/// An event is identified by its RTP timestamp (RFC 4733 §2.5.2.1): the first packet with
/// a new timestamp starts it (even if it repeats the previous digit), later packets with
/// the same timestamp update its duration, and the first with the E bit ends it; the
/// redundant end packets (§2.5.1.4) are then ignored. If the end packets are all lost, the
/// event ends `timeout` after its last packet (`expire(now:)` at `deadline`), or when the
/// next event starts.
///
/// ```
///            packet(new ts)                   E bit
///   idle ─────────────────────▶ active ──────────────▶ ended(ts)
///     ▲                         │ ▲  │ timeout / new ts    │ packet(new ts)
///     │                         │ └──┘ update             ▼
///     └─────────────────────────┴──────────────────── (next event)
/// ```
public struct TelephoneEventReceiver: Hashable, Sendable {
    /// What the layer above hears. Each event produces exactly one `started` and one `ended`.
    public enum Event: Hashable, Sendable {
        /// A key went down: act on this (barge-in, digit collection).
        case started(TelephoneEventReceiver.Digit)
        /// The key went up; `duration` in timestamp units.
        case ended(TelephoneEventReceiver.Digit, duration: UInt32, cause: EndCause)
    }

    public enum EndCause: Hashable, Sendable {
        /// An end packet (E bit) arrived.
        case endPacket
        /// No packet for `timeout`: the end packets were lost.
        case timeout
        /// A new event (new timestamp) began before this one's end arrived.
        case superseded
    }

    /// One event as the receiver saw it.
    public struct Digit: Hashable, Sendable {
        /// RFC 4733 event code; `digit` is set for DTMF (0–15).
        public var event: UInt8
        public var rtpTimestamp: UInt32
        public var ssrc: UInt32
        /// Arrival of the packet that started it.
        public var arrival: MediaInstant

        public init(event: UInt8, rtpTimestamp: UInt32, ssrc: UInt32, arrival: MediaInstant) {
            self.event = event
            self.rtpTimestamp = rtpTimestamp
            self.ssrc = ssrc
            self.arrival = arrival
        }

        public var digit: DTMFDigit? { DTMFDigit(rawValue: event) }
    }

    /// The receiver's state.
    public enum State: Hashable, Sendable {
        /// No event seen yet. Exits: `active` on any packet.
        case idle
        /// An event is in progress. Exits: `ended` on an end packet or timeout; `active`
        /// (a new event) on a packet with a newer timestamp.
        case active(Digit, duration: UInt32, lastArrival: MediaInstant)
        /// The last event ended; its further packets are ignored. Exits: `active` on a
        /// packet with a newer timestamp.
        case ended(Digit)
    }

    public private(set) var state: State = .idle
    /// How long after the last packet an event without an end packet is ended.
    public let timeout: Int64

    /// After this long without a packet, the next packet starts a new event even if its
    /// timestamp is not newer (RFC 4733 §2.5.2.2 senders never reuse one; restarted ones may).
    public let restartAfter: Int64
    private var lastPacketArrival: MediaInstant?

    public init(timeoutMilliseconds: Int64 = 250, restartAfterMilliseconds: Int64 = 1000) {
        timeout = timeoutMilliseconds
        restartAfter = restartAfterMilliseconds
    }

    /// When `expire(now:)` should next be called, if an event is in progress.
    public var deadline: MediaInstant? {
        switch state {
        case .idle, .ended: nil
        case .active(_, _, let last): last.advanced(byMilliseconds: timeout)
        }
    }

    /// Feeds one packet whose payload type is telephone-event.
    public mutating func receive(header: RTPHeader, payload: TelephoneEventPayload,
                                 arrival: MediaInstant) -> [Event] {
        defer { lastPacketArrival = arrival }
        let duration = UInt32(payload.duration)
        let fresh = Digit(event: payload.event, rtpTimestamp: header.timestamp, ssrc: header.ssrc, arrival: arrival)
        var events: [Event] = []
        switch state {
        case .idle:
            break
        case .active(let current, let soFar, _):
            if isSameEvent(current, header) {
                let longest = max(soFar, duration)
                if payload.isEnd {
                    state = .ended(current)
                    return [.ended(current, duration: longest, cause: .endPacket)]
                }
                state = .active(current, duration: longest, lastArrival: arrival)
                return []
            }
            guard isNewer(header, than: current) else { return [] }  // a late packet of an older event
            events.append(.ended(current, duration: soFar, cause: .superseded))
        case .ended(let last):
            // A packet long after the last one is a new press whatever its timestamp says:
            // a sender that restarted its timestamps, or replayed captures (SIPp's).
            let quiet = lastPacketArrival.map { arrival.milliseconds - $0.milliseconds >= restartAfter } ?? false
            guard quiet || (!isSameEvent(last, header) && isNewer(header, than: last)) else { return [] }
        }
        events.append(.started(fresh))
        if payload.isEnd {
            // The start and updates were lost; only an end packet arrived.
            state = .ended(fresh)
            events.append(.ended(fresh, duration: duration, cause: .endPacket))
        } else {
            state = .active(fresh, duration: duration, lastArrival: arrival)
        }
        return events
    }

    /// Parses `payload` and feeds it; a malformed payload is an error for the caller to count.
    public mutating func receive(header: RTPHeader, payload bytes: some Collection<UInt8>,
                                 arrival: MediaInstant) throws(RTPError) -> [Event] {
        let payload = try TelephoneEventPayload(parsing: bytes)
        return receive(header: header, payload: payload, arrival: arrival)
    }

    /// Ends an event whose end packets never came, once `deadline` has passed.
    public mutating func expire(now: MediaInstant) -> [Event] {
        switch state {
        case .idle, .ended:
            return []
        case .active(let current, let duration, let last):
            guard now >= last.advanced(byMilliseconds: timeout) else { return [] }
            state = .ended(current)
            return [.ended(current, duration: duration, cause: .timeout)]
        }
    }

    private func isSameEvent(_ digit: Digit, _ header: RTPHeader) -> Bool {
        digit.rtpTimestamp == header.timestamp && digit.ssrc == header.ssrc
    }

    /// Serial-number comparison of timestamps (RFC 3550 §5.1 wraps); another SSRC is new.
    private func isNewer(_ header: RTPHeader, than digit: Digit) -> Bool {
        header.ssrc != digit.ssrc || Int32(bitPattern: header.timestamp &- digit.rtpTimestamp) > 0
    }
}
