/// An adaptive jitter buffer for one received audio stream of fixed-length frames.
///
/// Packets go in as they arrive (`insert`), in any order; the media clock takes one frame
/// per tick (`pop(now:)`). The buffer reorders, drops duplicates and packets that come
/// after their turn, reports a lost packet as one `.concealment`, and unwraps sequence
/// numbers across 65535 → 0 (RFC 3550 §5.1).
///
/// The playout delay adapts to the interarrival jitter J (RFC 3550 §6.4.1, A.8, here in
/// milliseconds): target = 20 ms + 4·J, rounded to whole frames and kept within
/// [`minimumDelay`, `maximumDelay`]. The delay actually applied is how long the next frame
/// has waited: more than two frames over the target and it is skipped (if another is held);
/// less than a frame under it, or nothing held, and the tick plays `.silence` without
/// moving on, which is how the delay grows.
///
/// ```
///   idle ──insert──▶ buffering(until: first arrival + target) ──pop(now ≥ until)──▶ playing
///                          ▲                                                          │
///                          └── insert far outside the window, or two in sequence far ──┘
///                              behind it (the sender restarted: RFC 3550 A.1)
/// ```
public struct JitterBuffer: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var minimumDelay: Int64 = 20
        public var maximumDelay: Int64 = 200
        /// Milliseconds per frame (the ptime).
        public var frameDuration: Int64 = 20
        /// RTP timestamp units per millisecond (8 at 8 kHz).
        public var timestampUnitsPerMillisecond: Int64 = 8
        /// Most frames held at once; a packet further ahead makes room by skipping the oldest.
        public var capacity: Int = 32
        public init() {}
    }

    /// One received frame.
    public struct Frame: Hashable, Sendable {
        public var sequenceNumber: UInt16
        public var timestamp: UInt32
        public var payload: [UInt8]

        public init(sequenceNumber: UInt16, timestamp: UInt32, payload: [UInt8]) {
            self.sequenceNumber = sequenceNumber
            self.timestamp = timestamp
            self.payload = payload
        }
    }

    /// What to play this tick.
    public enum Playout: Hashable, Sendable {
        case frame(Frame)
        /// The packet with this sequence number was lost: conceal it.
        case concealment(sequenceNumber: UInt16)
        /// Nothing to play: not started, still buffering, the buffer ran dry, or it is
        /// holding back a tick to lengthen its delay.
        case silence
    }

    public enum InsertResult: Hashable, Sendable {
        case accepted
        /// Already buffered or already played.
        case duplicate
        /// Its turn to play has passed.
        case tooLate
    }

    /// Counters for RTCP and the dashboards.
    public struct Statistics: Hashable, Sendable {
        public var played = 0
        public var concealed = 0
        public var duplicates = 0
        public var late = 0
        /// Frames skipped to shorten the delay or to make room.
        public var skipped = 0
        public var restarts = 0
        /// Ticks held back to lengthen the delay.
        public var stretched = 0
        public init() {}
    }

    /// The buffer's state.
    public enum State: Hashable, Sendable {
        /// No packet yet. Exits: `buffering` on the first insert.
        case idle
        /// Holding the first packets until the playout delay has passed. Exits: `playing`
        /// when `pop(now:)` reaches `until`.
        case buffering(until: MediaInstant)
        /// One frame per pop. Exits: `buffering` when the sender restarts its sequence.
        case playing
    }

    public let configuration: Configuration
    public private(set) var state: State = .idle
    public private(set) var statistics = Statistics()
    /// Interarrival jitter in milliseconds (RFC 3550 A.8 estimator).
    public private(set) var jitter: Double = 0

    private var slots: [Frame?]
    private var arrivals: [MediaInstant]
    /// Extended sequence number of the next frame to play.
    private var next: Int64 = 0
    private var buffered = 0
    /// Bit i set: frame `next - 1 - i` was played (to tell duplicates from late packets).
    private var playedMask: UInt64 = 0
    private var lastArrival: MediaInstant?
    private var lastTimestamp: UInt32 = 0

    /// Larger jumps mean the sender restarted (RFC 3550 A.1's MAX_DROPOUT).
    static let restartDistance: Int64 = 3000
    /// A packet further behind than this may be a sender that restarted its numbering
    /// nearby (RFC 3550 A.1's MAX_MISORDER); the next packet in sequence after it confirms
    /// the restart. (SIPp replaying a short pcap in a loop does this every pass.)
    static let misorderDistance: Int64 = 100
    /// The sequence number that would confirm a restart (the one after a far-behind packet).
    private var restartConfirmation: UInt16?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        slots = Array(repeating: nil, count: configuration.capacity)
        arrivals = Array(repeating: MediaInstant(milliseconds: 0), count: configuration.capacity)
    }

    /// The playout delay the buffer steers towards, in milliseconds.
    public var targetDelay: Int64 {
        let frame = configuration.frameDuration
        let frames = Int64(((20 + 4 * jitter) / Double(frame)).rounded()) * frame
        return min(max(frames, configuration.minimumDelay), configuration.maximumDelay)
    }

    /// Audio held (frames received and not yet played), in milliseconds.
    public var bufferedDuration: Int64 { Int64(buffered) * configuration.frameDuration }

    private var highestBuffered: Int64? {
        guard buffered > 0 else { return nil }
        for ext in stride(from: next + Int64(configuration.capacity) - 1, through: next, by: -1)
        where slot(ext)?.sequenceNumber == UInt16(truncatingIfNeeded: ext) {
            return ext
        }
        return nil
    }

    private func index(_ ext: Int64) -> Int { Int(ext % Int64(configuration.capacity)) }
    private func slot(_ ext: Int64) -> Frame? { slots[index(ext)] }

    /// Adds a received packet.
    public mutating func insert(sequenceNumber seq: UInt16, timestamp: UInt32, payload: [UInt8],
                                arrival: MediaInstant) -> InsertResult {
        let frame = Frame(sequenceNumber: seq, timestamp: timestamp, payload: payload)
        switch state {
        case .idle:
            restart(at: seq, timestamp: timestamp, arrival: arrival)
            store(frame, next, arrival)
            return .accepted
        case .buffering, .playing:
            break
        }
        // Unwrap against the next frame to play: the nearest extended number with these 16 bits.
        let ext = next + Int64(Int16(bitPattern: seq &- UInt16(truncatingIfNeeded: next)))
        let distance = ext - next
        if distance >= Self.restartDistance || distance <= -Self.restartDistance {
            statistics.restarts += 1
            restart(at: seq, timestamp: timestamp, arrival: arrival)
            store(frame, next, arrival)
            return .accepted
        }
        if distance <= -Self.misorderDistance {
            if restartConfirmation == seq {
                restartConfirmation = nil
                statistics.restarts += 1
                restart(at: seq, timestamp: timestamp, arrival: arrival)
                store(frame, next, arrival)
                return .accepted
            }
            restartConfirmation = seq &+ 1
        }
        if distance < 0 {
            if case .buffering = state, -distance < Int64(configuration.capacity) - Int64(bufferedSpan) {
                next = ext  // reordered before playout began: start earlier
            } else {
                let played = -distance <= 64 && playedMask & (1 << (UInt64(-distance) - 1)) != 0
                if played {
                    statistics.duplicates += 1
                    return .duplicate
                }
                // A late packet is the clearest sign the delay is too short: it counts for jitter.
                updateJitter(timestamp: timestamp, arrival: arrival)
                statistics.late += 1
                return .tooLate
            }
        }
        if ext - next >= Int64(configuration.capacity) {
            // Too far ahead for the buffer: skip the oldest frames to make room.
            while ext - next >= Int64(configuration.capacity) { skipOldest() }
        }
        if isHeld(ext) {
            statistics.duplicates += 1
            return .duplicate
        }
        updateJitter(timestamp: timestamp, arrival: arrival)
        store(frame, ext, arrival)
        return .accepted
    }

    /// The next frame to play at `now`; call once per frame duration.
    public mutating func pop(now: MediaInstant) -> Playout {
        switch state {
        case .idle:
            return .silence
        case .buffering(let until):
            guard now >= until else { return .silence }
            state = .playing
        case .playing:
            break
        }
        guard buffered > 0 else { return .silence }  // ran dry: wait, which grows the delay
        let target = targetDelay, frame = configuration.frameDuration
        let waited = isHeld(next) ? now.milliseconds - arrivals[index(next)].milliseconds : nil
        if let waited, waited > target + 2 * frame, buffered > 1 {
            // Too much delay: drop the oldest frame (one per tick, so it is barely heard).
            skipOldest()
        } else if let waited, waited < target - frame {
            // The next frame has waited less than the jitter calls for: hold it a tick,
            // which adds a frame of delay. (A frame that waited long enough plays, so a
            // stream that stops is still played out.)
            statistics.stretched += 1
            return .silence
        }
        let ext = next
        if let frame = slot(ext), isHeld(ext) {
            slots[index(ext)] = nil
            buffered -= 1
            advance(played: true)
            statistics.played += 1
            return .frame(frame)
        }
        advance(played: false)
        statistics.concealed += 1
        return .concealment(sequenceNumber: UInt16(truncatingIfNeeded: ext))
    }

    // MARK: - Internals

    private var bufferedSpan: Int { Int((highestBuffered ?? next - 1) - next + 1) }

    /// Whether the slot for `ext` holds that very frame (not one a capacity earlier or later).
    private func isHeld(_ ext: Int64) -> Bool {
        guard let frame = slot(ext) else { return false }
        return frame.sequenceNumber == UInt16(truncatingIfNeeded: ext) && ext >= next
            && ext < next + Int64(configuration.capacity)
    }

    private mutating func store(_ frame: Frame, _ ext: Int64, _ arrival: MediaInstant) {
        if slots[index(ext)] == nil { buffered += 1 }
        slots[index(ext)] = frame
        arrivals[index(ext)] = arrival
    }

    private mutating func skipOldest() {
        if isHeld(next) {
            slots[index(next)] = nil
            buffered -= 1
            statistics.skipped += 1
        }
        advance(played: false)
    }

    private mutating func advance(played: Bool) {
        playedMask = playedMask << 1 | (played ? 1 : 0)
        next += 1
    }

    private mutating func restart(at seq: UInt16, timestamp: UInt32, arrival: MediaInstant) {
        // A new stream: its first packet is the reference for the jitter estimate.
        lastArrival = arrival
        lastTimestamp = timestamp
        slots = Array(repeating: nil, count: configuration.capacity)
        buffered = 0
        playedMask = 0
        // Keep `next` non-negative and congruent to seq so slot indices stay valid.
        next = (next / 65536 + 1) * 65536 + Int64(seq)
        state = .buffering(until: arrival.advanced(byMilliseconds: targetDelay))
    }

    /// RFC 3550 A.8 with times in milliseconds: D = (Rj − Ri) − (Sj − Si), J += (|D| − J)/16.
    private mutating func updateJitter(timestamp: UInt32, arrival: MediaInstant) {
        defer { lastArrival = arrival; lastTimestamp = timestamp }
        guard let previous = lastArrival else { return }
        let sent = Double(Int32(bitPattern: timestamp &- lastTimestamp)) / Double(configuration.timestampUnitsPerMillisecond)
        let d = Double(arrival.milliseconds - previous.milliseconds) - sent
        jitter += (d.magnitude - jitter) / 16
    }
}
