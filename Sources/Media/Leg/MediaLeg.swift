/// The media of one call leg: what arrives on its RTP and RTCP ports and what it sends,
/// as a value the adapter drives. The adapter owns the sockets and the clock; this
/// decides.
///
/// ```
///   RTP in ──▶ payload type known? ──▶ SourceLatch ──▶ rate cap ──┬─ telephone-event ─▶ TelephoneEventReceiver ─┐
///              (else drop, counted)   (RFC 4961)                  └─ audio ─▶ JitterBuffer                      │
///                                                                               │ tick (20 ms)                  ▼
///                                                               heard frame ◀── pop ──▶ DTMFDetector ──▶ DTMFArbiter ──▶ digits
///   INFO digit (from the SIP side) ───────────────────────────────────────────────────────────────────▶ DTMFArbiter
///
///   tick (20 ms) ──▶ queued RFC 4733 packets, else Playlist frame, else silence ──▶ RTPSender ──▶ RTP out
///   relay(…) from the bridged leg ──▶ RTPTranslator (+ G.711 transcoding) ──▶ RTPSender ──▶ RTP out
///   every ~5 s ──▶ SR or RR + SDES CNAME ──▶ RTCP out
/// ```
///
/// The in-band detector runs while the call has not shown that it sends RFC 4733: always
/// when telephone-event was not negotiated, and until the first telephone-event packet
/// when it was (a phone that negotiates it and then sends tones is the classic DTMF
/// mismatch). The arbiter drops a press reported by a second source.
public struct MediaLeg: Sendable {
    // MARK: Configuration

    /// When to run the in-band (Goertzel) detector.
    public enum InBandDetection: Hashable, Sendable {
        /// Until the peer sends RFC 4733 (see the type's documentation).
        case automatic
        case always
        case never
    }

    public struct Configuration: Hashable, Sendable {
        /// The negotiated audio codec.
        public var law: CompandingLaw
        /// The payload type the codec uses on this leg (0 and 8 unless the SDP remapped them).
        public var payloadType: UInt8
        /// The negotiated RFC 4733 payload type, if any.
        public var telephoneEventPayloadType: UInt8?
        /// Where the SDP says the peer receives RTP and RTCP.
        public var remote: RTPTransportAddress
        public var remoteRTCP: RTPTransportAddress
        /// What we do with the stream (the SDP direction from our side: hold makes us
        /// `sendonly`, `recvonly` or `inactive`).
        public var sends: Bool
        public var receives: Bool
        public var latch: SourceLatch.Configuration
        public var jitterBuffer: JitterBuffer.Configuration
        public var detector: DTMFDetector.Configuration
        public var inBandDetection: InBandDetection
        /// Send G.711 silence when nothing is playing, so NATs stay open and phones that
        /// hang up on RTP silence do not (a bridged leg sends the other side's audio instead).
        public var sendsSilenceWhenIdle: Bool
        /// RTCP report interval (RFC 3550 §6.2: 5 s minimum), randomised by ±50 % (§6.3.1).
        public var rtcpIntervalMilliseconds: Int64
        /// The canonical name in our SDES packets (RFC 3550 §6.5.1).
        public var cname: String
        /// Packets per second accepted from the peer before the excess is dropped as a flood;
        /// a G.711 peer sends 50, RFC 4733 bursts add a few.
        public var maximumPacketsPerSecond: Int
        /// Seed of the SSRC, first sequence number and timestamp, and the RTCP interval's randomness.
        public var seed: UInt64

        public init(law: CompandingLaw, payloadType: UInt8? = nil, telephoneEventPayloadType: UInt8? = nil,
                    remote: RTPTransportAddress, remoteRTCP: RTPTransportAddress? = nil,
                    sends: Bool = true, receives: Bool = true,
                    latch: SourceLatch.Configuration = SourceLatch.Configuration(),
                    jitterBuffer: JitterBuffer.Configuration = JitterBuffer.Configuration(),
                    detector: DTMFDetector.Configuration = DTMFDetector.Configuration(),
                    inBandDetection: InBandDetection = .automatic, sendsSilenceWhenIdle: Bool = true,
                    rtcpIntervalMilliseconds: Int64 = 5000, cname: String = "hotline",
                    maximumPacketsPerSecond: Int = 250, seed: UInt64) {
            self.law = law
            self.payloadType = payloadType ?? law.rtpPayloadType
            self.telephoneEventPayloadType = telephoneEventPayloadType
            self.remote = remote
            self.remoteRTCP = remoteRTCP ?? RTPTransportAddress(host: remote.host, port: remote.port + 1)
            self.sends = sends
            self.receives = receives
            self.latch = latch
            self.jitterBuffer = jitterBuffer
            self.detector = detector
            self.inBandDetection = inBandDetection
            self.sendsSilenceWhenIdle = sendsSilenceWhenIdle
            self.rtcpIntervalMilliseconds = rtcpIntervalMilliseconds
            self.cname = cname
            self.maximumPacketsPerSecond = maximumPacketsPerSecond
            self.seed = seed
        }
    }

    // MARK: Results

    /// Why a packet was not used. The adapter counts drops by reason.
    public struct DropReason: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Not valid RTP or RTCP (RFC 3550 §5.1, §6.4).
        public static let malformed = DropReason("malformed")
        /// A payload type the SDP did not negotiate on this leg.
        public static let wrongPayloadType = DropReason("wrongPayloadType")
        /// Not from the negotiated peer (see ``SourceLatch``).
        public static let unexpectedHost = DropReason("unexpectedHost")
        public static let notLatchedSource = DropReason("notLatchedSource")
        /// More packets per second than a phone sends.
        public static let rateLimited = DropReason("rateLimited")
        /// Audio while we do not receive (hold: `sendonly` or `inactive` on our side).
        public static let notReceiving = DropReason("notReceiving")
        /// A duplicate, or a packet whose turn to play had passed.
        public static let duplicateOrLate = DropReason("duplicateOrLate")
        /// Dropped by the operating system before Hotline read it: the socket's queue was
        /// full (a flood faster than the rate cap reads). The adapter reports these.
        public static let socketQueueFull = DropReason("socketQueueFull")

        init(_ latch: SourceLatch.DropReason) {
            switch latch {
            case .unexpectedHost: self = .unexpectedHost
            case .notLatchedSource: self = .notLatchedSource
            default: self = .malformed
            }
        }
    }

    /// What became of one received RTP packet.
    public enum Received: Hashable, Sendable {
        /// The peer's audio, buffered; relay `payloadRange` of the packet if the leg is bridged.
        case audio(RTPHeader, payloadRange: Range<Int>)
        /// An RFC 4733 packet; relay it if the bridged leg takes telephone-event, and pass
        /// `digits` (new presses, at most one) on.
        case telephoneEvent(RTPHeader, payloadRange: Range<Int>, digits: [DTMFEvent])
        /// RFC 3389 comfort noise: valid, nothing to do with it.
        case comfortNoise
        case dropped(DropReason)
    }

    /// What one clock tick produced.
    public struct Tick: Sendable {
        /// RTP packets to send to ``sendTarget``, in order (usually one).
        public var rtp: [[UInt8]] = []
        /// A compound RTCP packet to send to ``rtcpTarget``.
        public var rtcp: [UInt8]?
        /// Playlist items that played to their end.
        public var finished: [String] = []
        /// Presses found this tick by the in-band detector (RFC 4733 presses are reported as
        /// their first packet arrives, by ``receiveRTP(_:from:at:)``).
        public var digits: [DTMFEvent] = []
        /// The G.711 payload we sent from the playlist (what the peer hears from us), for recording.
        public var sent: [UInt8]?
        /// The peer's audio played out of the jitter buffer this tick (concealment repeats
        /// the last frame), for recording; `nil` when there was none.
        public var heard: [UInt8]?

        public init() {}
    }

    /// Counters for logs, metrics and the call record.
    public struct Statistics: Hashable, Sendable {
        public var packetsReceived = 0
        public var packetsSent = 0
        public var rtcpReceived = 0
        public var rtcpSent = 0
        public var relayed = 0
        public var drops: [DropReason: Int] = [:]
        /// What the peer last reported about our stream (RFC 3550 §6.4): fraction lost
        /// (of 256), cumulative loss and jitter in timestamp units.
        public var peerReport: RTCPReportBlock?
        /// The jitter buffer's counters (since its last restart at a new packet time).
        public var jitterBuffer = JitterBuffer.Statistics()
        /// The in-band detector heard at least one tick of this leg.
        public var inBandDetectorRan = false

        public func drops(_ reason: DropReason) -> Int { drops[reason, default: 0] }
        public var dropped: Int { drops.values.reduce(0, +) }
    }

    // MARK: State

    public private(set) var configuration: Configuration
    public private(set) var latch: SourceLatch
    private var rtcpLatch: SourceLatch
    public private(set) var sender: RTPSender
    public var playlist: Playlist
    private var jitterBuffer: JitterBuffer
    private var reception: RTPReceptionStatistics?
    private var receivedSSRC: UInt32?
    private var eventReceiver = TelephoneEventReceiver()
    private var detector: DTMFDetector?
    /// Where the detector's sample 0 was, to date its detections.
    private var detectorOrigin: MediaInstant?
    public private(set) var arbiter = DTMFArbiter()
    private var translator = RTPTranslator()
    /// RFC 4733 packets of the event being sent; all carry the event's start timestamp.
    private var outgoingEvents: [TelephoneEventSender.Packet] = []
    private var outgoingEventElapsed: UInt32 = 0
    private var queuedDigits: [(DTMFDigit, UInt32)] = []
    /// Ticks since a packet was relayed from the bridged leg: while the other side talks,
    /// its packets drive our stream's timestamps, and the clock neither sends silence nor
    /// advances them.
    private var ticksSinceRelay = Int.max
    /// Relayed audio keeps the floor this many ticks after the last relayed packet.
    public static let relayHoldTicks = 10
    private var lastPacket: [UInt8]?
    private var concealedInARow = 0
    /// Received audio not yet played out, in the leg's law (see `playOut`).
    private var heardQueue: [UInt8] = []
    /// Samples of audio the jitter buffer is owed before the next pop.
    private var demand = 0
    /// Samples per packet the peer sends (the jitter buffer's frame).
    private var jitterFrameSamples = MediaModule.samplesPerFrame
    private var counters = Statistics()
    // Rate cap: a one-second window.
    private var windowStart: Int64?
    private var windowCount = 0
    // RTCP
    private var nextRTCP: MediaInstant?
    private var random: UInt64
    private var lastSRFromPeer: (compact: UInt32, arrival: MediaInstant)?
    private var packetsAtLastReport: UInt32 = 0
    /// What the detector is fed on a tick that heard nothing.
    /// One 20 ms frame of silence in the leg's law (idle packets and padding), made once.
    private var silenceFrame: [UInt8]

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.latch = SourceLatch(remote: configuration.remote, configuration: configuration.latch)
        self.rtcpLatch = SourceLatch(remote: configuration.remoteRTCP, configuration: configuration.latch)
        self.sender = RTPSender(seed: configuration.seed)
        self.playlist = Playlist(law: configuration.law)
        self.silenceFrame = Playlist.silenceFrame(configuration.law)
        self.jitterBuffer = JitterBuffer(configuration: configuration.jitterBuffer)
        self.random = configuration.seed ^ 0xD1B5_4A32_D192_ED03
        if configuration.inBandDetection != .never {
            detector = DTMFDetector(configuration: configuration.detector)
        }
    }

    /// Counters for logs, metrics and the call record.
    public var statistics: Statistics {
        var s = counters
        s.jitterBuffer = jitterBuffer.statistics
        return s
    }

    /// Where our RTP goes: the latched source (RFC 4961), else the SDP address.
    public var sendTarget: RTPTransportAddress { latch.sendTarget }
    /// Where our RTCP goes.
    public var rtcpTarget: RTPTransportAddress { rtcpLatch.sendTarget }
    /// The in-band detector is running.
    public var detectsInBand: Bool { detector != nil }
    public var law: CompandingLaw { configuration.law }

    // MARK: Receiving

    /// Takes one datagram from the RTP port.
    public mutating func receiveRTP(_ packet: UnsafeRawBufferPointer, from source: RTPTransportAddress,
                                    at now: MediaInstant) -> Received {
        let view: RTPPacketView
        do { view = try RTPHeader.parse(packet) } catch { return drop(.malformed) }
        let header = view.header
        let isAudio = header.payloadType == configuration.payloadType
        let isEvent = configuration.telephoneEventPayloadType == header.payloadType
        let isComfortNoise = header.payloadType == 13
        // Unknown payload types are dropped before they can latch a stranger.
        guard isAudio || isEvent || isComfortNoise else { return drop(.wrongPayloadType) }
        switch latch.receive(ssrc: header.ssrc, from: source, at: now) {
        case .accept: break
        case .drop(let reason): return drop(DropReason(reason))
        }
        guard admit(now) else { return drop(.rateLimited) }
        guard configuration.receives else { return drop(.notReceiving) }
        counters.packetsReceived += 1
        record(header, now: now)
        if isComfortNoise { return .comfortNoise }
        let payload = UnsafeRawBufferPointer(rebasing: packet[view.payloadRange])
        if isEvent {
            var digits: [DTMFEvent] = []
            do {
                for event in try eventReceiver.receive(header: header, payload: payload, arrival: now) {
                    if let d = pressed(event) { digits.append(d) }
                }
            } catch {
                return drop(.malformed)
            }
            // The phone sends RFC 4733: the tones that may also be in its audio are not news.
            if configuration.inBandDetection == .automatic { detector = nil }
            return .telephoneEvent(header, payloadRange: view.payloadRange, digits: digits)
        }
        guard payload.count > 0 else { return drop(.malformed) }
        if payload.count != jitterFrameSamples {
            // Another packet time: the buffer counts in packets, so it starts again at this size.
            jitterFrameSamples = payload.count
            var c = configuration.jitterBuffer
            c.frameDuration = Int64(max(1, payload.count / (MediaModule.sampleRate / 1000)))
            jitterBuffer = JitterBuffer(configuration: c)
        }
        switch jitterBuffer.insert(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                                   payload: Array(payload), arrival: now) {
        case .accepted:
            return .audio(header, payloadRange: view.payloadRange)
        case .duplicate:
            // Relaying it would make the bridged peer hear the frame twice.
            return drop(.duplicateOrLate)
        case .tooLate:
            // Too late for our play-out, not for the bridged peer's jitter buffer: still relayed.
            counters.drops[.duplicateOrLate, default: 0] += 1
            return .audio(header, payloadRange: view.payloadRange)
        }
    }

    /// Convenience over the raw-buffer form.
    public mutating func receiveRTP(_ packet: [UInt8], from source: RTPTransportAddress, at now: MediaInstant) -> Received {
        packet.withUnsafeBytes { receiveRTP($0, from: source, at: now) }
    }

    /// A digit from SIP INFO on this leg's dialog; `nil` when another source already reported it.
    public mutating func receiveInfoDigit(_ digit: DTMFDigit, durationMilliseconds: Int?, at now: MediaInstant) -> DTMFEvent? {
        arbiter.offer(DTMFEvent(digit: digit, source: .sipInfo, at: now, durationMilliseconds: durationMilliseconds))
    }

    /// Takes one datagram from the RTCP port: keeps the peer's sender report time (for
    /// our report's LSR/DLSR) and what it says about our stream.
    @discardableResult
    public mutating func receiveRTCP(_ packet: UnsafeRawBufferPointer, from source: RTPTransportAddress,
                                     at now: MediaInstant) -> DropReason? {
        let packets: [RTCPPacket]
        do { packets = try RTCPPacket.parseCompound(packet) } catch {
            counters.drops[.malformed, default: 0] += 1
            return .malformed
        }
        let ssrc: UInt32
        switch packets.first {
        case .senderReport(let sr): ssrc = sr.ssrc
        case .receiverReport(let rr): ssrc = rr.ssrc
        default: counters.drops[.malformed, default: 0] += 1; return .malformed
        }
        if case .drop(let reason) = rtcpLatch.receive(ssrc: ssrc, from: source, at: now) {
            let r = DropReason(reason)
            counters.drops[r, default: 0] += 1
            return r
        }
        counters.rtcpReceived += 1
        for p in packets {
            var blocks: [RTCPReportBlock] = []
            switch p {
            case .senderReport(let sr):
                lastSRFromPeer = (sr.compactNTP, now)
                blocks = sr.reports
            case .receiverReport(let rr):
                blocks = rr.reports
            case .other:
                break
            }
            if let mine = blocks.first(where: { $0.ssrc == sender.ssrc }) { counters.peerReport = mine }
        }
        return nil
    }

    public mutating func receiveRTCP(_ packet: [UInt8], from source: RTPTransportAddress, at now: MediaInstant) -> DropReason? {
        packet.withUnsafeBytes { receiveRTCP($0, from: source, at: now) }
    }

    // MARK: Sending

    /// Queues `digits` to send the way this leg negotiated: RFC 4733 events when it has
    /// telephone-event, else in-band tones in the playlist (ITU-T Q.23).
    public mutating func sendDigits(_ digits: [DTMFDigit], durationMilliseconds: Int = 100) {
        guard !digits.isEmpty else { return }
        // ITU-T Q.24: receivers need at least 40 ms of tone.
        let milliseconds = max(40, durationMilliseconds)
        if configuration.telephoneEventPayloadType != nil {
            for d in digits { queuedDigits.append((d, UInt32(milliseconds * 8))) }
        } else {
            playlist.enqueue(.tone(id: "dtmf", .dtmf(digits, toneMilliseconds: milliseconds),
                                   frames: digits.count * (milliseconds + 100) / 20))
        }
    }

    /// A packet from the bridged leg, sent on at once: `payload` in `law`, transcoded to
    /// ours when they differ, its timestamp translated onto our stream. `nil` when we do
    /// not send now (hold) or the playlist has the floor (music on hold, an announcement).
    public mutating func relayAudio(_ payload: UnsafeRawBufferPointer, law sourceLaw: CompandingLaw,
                                    header source: RTPHeader) -> [UInt8]? {
        guard configuration.sends, playlist.isEmpty, outgoingEvents.isEmpty else { return nil }
        let (timestamp, marker) = translate(source)
        let samples = UInt32(payload.count)
        counters.relayed += 1
        counters.packetsSent += 1
        if sourceLaw == configuration.law {
            return sender.next(payloadType: configuration.payloadType, payload: payload, timestamp: timestamp,
                               nextTimestamp: timestamp &+ samples, marker: marker || source.marker)
        }
        let transcoded = G711.transcode(Array(payload), from: sourceLaw, to: configuration.law)
        return sender.next(payloadType: configuration.payloadType, payload: transcoded, timestamp: timestamp,
                           nextTimestamp: timestamp &+ samples, marker: marker || source.marker)
    }

    /// An RFC 4733 packet from the bridged leg, passed on under our telephone-event payload
    /// type; `nil` when we have none (then send the digit with ``sendDigits(_:durationMilliseconds:)``).
    public mutating func relayTelephoneEvent(_ payload: UnsafeRawBufferPointer, header source: RTPHeader) -> [UInt8]? {
        guard configuration.sends, let pt = configuration.telephoneEventPayloadType else { return nil }
        let (timestamp, marker) = translate(source)
        counters.relayed += 1
        counters.packetsSent += 1
        return sender.next(payloadType: pt, payload: payload, timestamp: timestamp, nextTimestamp: nil,
                           marker: marker || source.marker)
    }

    /// A relayed packet's place on our timeline. When our own packets (a prompt, music on
    /// hold) took the stream further than the translation reaches, the translation starts
    /// again from where we are, so no timestamp is sent twice.
    private mutating func translate(_ source: RTPHeader) -> (timestamp: UInt32, marker: Bool) {
        var result = translator.translate(sourceTimestamp: source.timestamp, sourceSSRC: source.ssrc,
                                          streamTimestamp: sender.timestamp)
        if Int32(bitPattern: result.timestamp &- sender.timestamp) < -2 * Int32(MediaModule.samplesPerFrame) {
            translator.reset()
            result = translator.translate(sourceTimestamp: source.timestamp, sourceSSRC: source.ssrc,
                                          streamTimestamp: sender.timestamp)
        }
        ticksSinceRelay = 0
        return result
    }

    /// Whether the bridged leg can take our RFC 4733 packets as they are.
    public var takesTelephoneEvents: Bool { configuration.telephoneEventPayloadType != nil }

    // MARK: The clock

    /// One 20 ms tick of the media clock: ``tickSending(into:)`` then
    /// ``tickReceiving(now:ntp:into:)``. `ntp` is the wall clock in NTP format (RFC 3550 §4),
    /// used only in sender reports.
    public mutating func tick(now: MediaInstant, ntp: UInt64) -> Tick {
        var out = Tick()
        tickSending(into: &out)
        tickReceiving(now: now, ntp: ntp, into: &out)
        return out
    }

    /// The sending half of a tick: the next playlist frame, RFC 4733 packet or silence
    /// (``Tick/rtp``, ``Tick/sent``, ``Tick/finished``). An adapter with many legs runs
    /// this half for all of them first, so every leg's packet leaves early in the tick
    /// and at the same offset each time, whatever the receiving half costs.
    public mutating func tickSending(into out: inout Tick) {
        send(into: &out)
    }

    /// The receiving half of a tick: 20 ms of the peer's audio out of the jitter buffer
    /// (``Tick/heard``), in-band and timed-out RFC 4733 presses (``Tick/digits``), and an
    /// RTCP report when one is due (``Tick/rtcp``).
    public mutating func tickReceiving(now: MediaInstant, ntp: UInt64, into out: inout Tick) {
        playOut(now: now, into: &out)
        for event in eventReceiver.expire(now: now) { if let d = pressed(event) { out.digits.append(d) } }
        if let due = nextRTCP {
            if now >= due {
                out.rtcp = makeReport(now: now, ntp: ntp)
                scheduleRTCP(after: now)
            }
        } else {
            // RFC 3550 §6.3.2: the first report after half an interval.
            nextRTCP = now.advanced(byMilliseconds: configuration.rtcpIntervalMilliseconds / 2)
        }
    }

    private mutating func playOut(now: MediaInstant, into out: inout Tick) {
        guard reception != nil else { return }
        // Peers may send 10, 30 or 40 ms packets whatever we asked (g711a.pcap is 30 ms):
        // packets go into a sample queue and each tick takes 20 ms from it, popping the
        // jitter buffer as often as the queue needs (two pops in three ticks for 30 ms).
        let n = MediaModule.samplesPerFrame
        demand += n
        var first: JitterBuffer.Playout?
        if heardQueue.isEmpty, demand == n {
            let playout = jitterBuffer.pop(now: now)
            if case .frame(let f) = playout, f.payload.count == n {
                // The usual 20 ms packet is heard as it is, without the queue.
                lastPacket = f.payload
                concealedInARow = 0
                demand = 0
                out.heard = f.payload
                detect(f.payload, now: now, into: &out)
                return
            }
            first = playout
        }
        while demand > 0 {
            let playout = first ?? jitterBuffer.pop(now: now)
            first = nil
            switch playout {
            case .frame(let f):
                heardQueue.append(contentsOf: f.payload)
                lastPacket = f.payload
                concealedInARow = 0
                demand -= max(1, f.payload.count)
            case .concealment:
                // G.711 Appendix I in its simplest form: repeat the last packet, twice at most.
                concealedInARow += 1
                if concealedInARow <= 2, let last = lastPacket {
                    heardQueue.append(contentsOf: last)
                } else {
                    heardQueue.append(contentsOf: repeatElement(Prompt.silenceByte(configuration.law), count: jitterFrameSamples))
                }
                demand -= jitterFrameSamples
            case .silence:
                // Not started, buffering, or ran dry: nothing owed for this tick.
                demand = 0
            }
        }
        let frame: [UInt8]?
        if heardQueue.count >= n {
            frame = Array(heardQueue[..<n])
            heardQueue.removeFirst(n)
        } else if !heardQueue.isEmpty {
            frame = heardQueue + silenceFrame[heardQueue.count...]
            heardQueue.removeAll(keepingCapacity: true)
        } else {
            frame = nil
        }
        // A queue that grew (a peer sending faster than its clock) is trimmed, not let run away.
        if heardQueue.count > 4 * n { heardQueue.removeFirst(heardQueue.count - 2 * n) }
        out.heard = frame
        detect(frame, now: now, into: &out)
    }

    /// Runs the in-band detector over what this tick heard (silence when nothing).
    private mutating func detect(_ frame: [UInt8]?, now: MediaInstant, into out: inout Tick) {
        guard detector != nil else { return }
        if detectorOrigin == nil {
            detectorOrigin = now
            counters.inBandDetectorRan = true
        }
        // Decoded on the stack and fed to the detector in place: the detector is a large
        // value, and a copy of it per frame cost more than the detection.
        let detections = withUnsafeTemporaryAllocation(of: Int16.self, capacity: MediaModule.samplesPerFrame) { pcm in
            var n = 0
            if let frame {
                n = frame.withUnsafeBufferPointer { G711.decode($0, law: configuration.law, into: pcm) }
            } else {
                n = pcm.count
                pcm.initialize(repeating: 0)
            }
            return detector!.process(UnsafeBufferPointer(rebasing: pcm[0..<n]))
        }
        for d in detections {
            let at = detectorOrigin!.advanced(byMilliseconds: d.startSample / Int64(MediaModule.sampleRate / 1000))
            if let e = arbiter.offer(DTMFEvent(digit: d.digit, source: .inBand, at: at)) { out.digits.append(e) }
        }
    }

    private mutating func send(into out: inout Tick) {
        let relaying = ticksSinceRelay < Self.relayHoldTicks
        if ticksSinceRelay < Int.max { ticksSinceRelay += 1 }
        guard configuration.sends else {
            sender.skip(frames: 1)
            return
        }
        if outgoingEvents.isEmpty, !queuedDigits.isEmpty {
            let (digit, duration) = queuedDigits.removeFirst()
            let te = TelephoneEventSender(payloadType: configuration.telephoneEventPayloadType!, ssrc: sender.ssrc)
            outgoingEventElapsed = 0
            // Sequence numbers come from the sender as each packet goes out.
            outgoingEvents = te.packets(for: digit, duration: duration, timestamp: sender.timestamp,
                                        sequenceNumber: sender.sequenceNumber)
        }
        if !outgoingEvents.isEmpty {
            // RFC 4733 §2.5.1.2: one update per packet interval, the end packet repeated;
            // the audio clock runs on underneath (no audio is sent during the event).
            outgoingEventElapsed &+= sender.samplesPerFrame
            while let first = outgoingEvents.first, first.sendOffset <= outgoingEventElapsed {
                outgoingEvents.removeFirst()
                out.rtp.append(sender.next(payloadType: first.header.payloadType, payload: first.payload.bytes,
                                           timestamp: first.header.timestamp, nextTimestamp: nil,
                                           marker: first.header.marker))
                counters.packetsSent += 1
            }
            sender.skip(frames: 1)
            return
        }
        if relaying, playlist.isEmpty { return }
        while let event = playlist.next() {
            switch event {
            case .frame(let payload):
                out.rtp.append(sender.next(payloadType: configuration.payloadType, payload: payload))
                out.sent = payload
                counters.packetsSent += 1
                return
            case .finished(let id):
                out.finished.append(id)
            }
        }
        if configuration.sendsSilenceWhenIdle {
            out.rtp.append(sender.next(payloadType: configuration.payloadType, payload: silenceFrame))
            counters.packetsSent += 1
        } else {
            sender.skip(frames: 1)
        }
    }

    /// The clock lost `frames` ticks (the loop was held up): the stream's timestamp
    /// runs on so the peer hears a gap, not time squeezed.
    public mutating func skip(frames: Int) {
        sender.skip(frames: frames)
    }

    // MARK: Renegotiation and the end

    /// A re-INVITE or UPDATE changed the media (hold, resume, another address or codec).
    public mutating func update(_ new: Configuration) {
        let old = configuration
        configuration.sends = new.sends
        configuration.receives = new.receives
        configuration.telephoneEventPayloadType = new.telephoneEventPayloadType
        if new.telephoneEventPayloadType == nil, !queuedDigits.isEmpty {
            // The peer no longer takes RFC 4733: the digits still to send go in-band.
            let digits = queuedDigits.map(\.0)
            let milliseconds = Int(queuedDigits[0].1) / 8
            queuedDigits.removeAll()
            sendDigits(digits, durationMilliseconds: milliseconds)
        }
        configuration.payloadType = new.payloadType
        if new.remote != old.remote {
            configuration.remote = new.remote
            latch.renegotiate(remote: new.remote)
        }
        if new.remoteRTCP != old.remoteRTCP {
            configuration.remoteRTCP = new.remoteRTCP
            rtcpLatch.renegotiate(remote: new.remoteRTCP)
        }
        if new.law != old.law {
            configuration.law = new.law
            silenceFrame = Playlist.silenceFrame(new.law)
            // What is queued was encoded for the old law; the owner queues it again.
            playlist = Playlist(law: new.law, loop: playlist.loop)
            jitterBuffer = JitterBuffer(configuration: configuration.jitterBuffer)
            lastPacket = nil
            heardQueue.removeAll()
        }
    }

    /// The RTCP to send as the leg closes: a last report and BYE (RFC 3550 §6.6).
    public mutating func close(now: MediaInstant, ntp: UInt64) -> [UInt8] {
        var packets = [reportPacket(now: now, ntp: ntp)]
        packets.append(.sourceDescription(ssrc: sender.ssrc, cname: configuration.cname))
        packets.append(.goodbye(ssrc: sender.ssrc))
        counters.rtcpSent += 1
        return RTCPPacket.serializeCompound(packets)
    }

    // MARK: Helpers

    /// Counts datagrams dropped outside the leg: by the operating system (``DropReason/socketQueueFull``)
    /// or by the adapter before parsing (an oversized datagram is ``DropReason/malformed``).
    public mutating func countDropped(_ reason: DropReason, count: Int = 1) {
        guard count > 0 else { return }
        counters.drops[reason, default: 0] += count
    }

    private mutating func drop(_ reason: DropReason) -> Received {
        counters.drops[reason, default: 0] += 1
        return .dropped(reason)
    }

    private mutating func admit(_ now: MediaInstant) -> Bool {
        if windowStart.map({ now.milliseconds - $0 >= 1000 || now.milliseconds < $0 }) ?? true {
            windowStart = now.milliseconds
            windowCount = 0
        }
        windowCount += 1
        return windowCount <= configuration.maximumPacketsPerSecond
    }

    /// RFC 3550 Appendix A.1 and A.8 bookkeeping for the report blocks.
    private mutating func record(_ header: RTPHeader, now: MediaInstant) {
        if reception == nil || receivedSSRC != header.ssrc {
            reception = RTPReceptionStatistics(firstSequenceNumber: header.sequenceNumber)
            receivedSSRC = header.ssrc
        }
        let arrival = UInt32(truncatingIfNeeded: now.milliseconds &* 8)
        _ = reception!.record(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, arrival: arrival)
    }

    private mutating func pressed(_ event: TelephoneEventReceiver.Event) -> DTMFEvent? {
        guard case .started(let d) = event, let digit = d.digit else { return nil }
        return arbiter.offer(DTMFEvent(digit: digit, source: .rfc4733, at: d.arrival))
    }

    private mutating func scheduleRTCP(after now: MediaInstant) {
        // RFC 3550 §6.3.1: the interval times a random factor in [0.5, 1.5).
        random = random &* 6364136223846793005 &+ 1442695040888963407
        let factor = Double(random >> 11) / Double(1 << 53) + 0.5
        nextRTCP = now.advanced(byMilliseconds: Int64(Double(configuration.rtcpIntervalMilliseconds) * factor))
    }

    private mutating func makeReport(now: MediaInstant, ntp: UInt64) -> [UInt8] {
        counters.rtcpSent += 1
        return RTCPPacket.serializeCompound([reportPacket(now: now, ntp: ntp),
                                             .sourceDescription(ssrc: sender.ssrc, cname: configuration.cname)])
    }

    private mutating func reportPacket(now: MediaInstant, ntp: UInt64) -> RTCPPacket {
        var blocks: [RTCPReportBlock] = []
        if var r = reception, let ssrc = receivedSSRC {
            var lsr: UInt32 = 0, dlsr: UInt32 = 0
            if let sr = lastSRFromPeer {
                lsr = sr.compact
                // Units of 1/65536 s (RFC 3550 §6.4.1).
                dlsr = UInt32(clamping: (now.milliseconds - sr.arrival.milliseconds) * 65536 / 1000)
            }
            blocks.append(r.makeReportBlock(ssrc: ssrc, lastSR: lsr, delaySinceLastSR: dlsr))
            reception = r
        }
        // §6.4: a sender report if we sent since the last report, else a receiver report.
        let sentSinceLast = sender.packetCount != packetsAtLastReport
        packetsAtLastReport = sender.packetCount
        if sentSinceLast {
            return .senderReport(RTCPSenderReport(ssrc: sender.ssrc, ntpTimestamp: ntp, rtpTimestamp: sender.timestamp,
                                                  packetCount: sender.packetCount, octetCount: sender.octetCount,
                                                  reports: blocks))
        }
        return .receiverReport(RTCPReceiverReport(ssrc: sender.ssrc, reports: blocks))
    }
}
