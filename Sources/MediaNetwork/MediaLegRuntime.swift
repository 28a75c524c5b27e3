import Logging
import Media
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A leg's sockets around its `MediaLeg` value: runs what the value decides. Lives on
/// its loop's event loop and is touched nowhere else.
final class MediaLegRuntime: @unchecked Sendable {
    let id: MediaLegID
    let spec: MediaLegSpec
    unowned let loop: MediaLoop
    var leg: MediaLeg
    var rtpSocket: MediaSocket?
    var rtcpSocket: MediaSocket?
    let events: @Sendable (MediaLegID, MediaLegEvent) -> Void
    /// The bridged leg (same loop), whose audio we relay and which relays ours.
    var partner: MediaLegRuntime?
    var recording: ActiveRecording?
    /// A message being taken from the caller alone (voicemail), beside any call recording.
    var message: MessageRecording?
    /// A digit empties the playlist (the prompt was played with barge-in).
    var bargeIn = false
    /// Report ``MediaLegEvent/playlistDrained`` when the playlist next runs out.
    var reportDrained = false
    /// Where the leg is in its loop's tick order.
    var slot = 0
    /// What the last tick heard from the peer and sent to it, for the recording.
    private(set) var lastHeard: [UInt8]?
    private(set) var lastSent: [UInt8]?
    /// Sends the kernel refused (a full send buffer): the packet is lost, as on the wire.
    private(set) var sendErrors = 0
    /// When the peer last sent anything (RTP or RTCP), or the silence window last restarted.
    private var lastPacketAt = MediaLoop.now()
    private var mediaTimeoutReported = false

    // Socket address <-> transport address, cached: converting costs more than the rest of a packet.
    private var rtpTarget: (RTPTransportAddress, MediaSocketAddress)?
    private var rtcpTarget: (RTPTransportAddress, MediaSocketAddress)?
    private var lastSource: (MediaSocketAddress, RTPTransportAddress)?
    // The sockets' SO_RXQ_OVFL counters as last seen.
    private var rtpKernelDrops: UInt32 = 0
    private var rtcpKernelDrops: UInt32 = 0

    init(id: MediaLegID, spec: MediaLegSpec, loop: MediaLoop, events: @escaping @Sendable (MediaLegID, MediaLegEvent) -> Void) {
        self.id = id
        self.spec = spec
        self.loop = loop
        self.leg = MediaLeg(configuration: spec.configuration)
        self.events = events
    }

    // MARK: Receiving

    /// The most batches read from one socket per tick: 4 × 16 datagrams (3,200 a second)
    /// is far above the rate cap, so a flood is cut here and the kernel counts the rest.
    static let maximumBatchesPerPoll = 4

    /// Reads and handles what waits on the RTP socket (and the RTCP socket if `rtcp`).
    func poll(_ batch: MediaReceiveBatch, arrival: ArrivalClock, rtcp: Bool) {
        if let socket = rtpSocket {
            poll(socket, batch, arrival, kernelDrops: &rtpKernelDrops) { bytes, source, at in
                self.receivedRTP(bytes, from: source, at: at)
            }
        }
        if rtcp, let socket = rtcpSocket {
            poll(socket, batch, arrival, kernelDrops: &rtcpKernelDrops) { bytes, source, at in
                self.receivedRTCP(bytes, from: source, at: at)
            }
        }
    }

    private func poll(_ socket: MediaSocket, _ batch: MediaReceiveBatch, _ arrival: ArrivalClock,
                      kernelDrops: inout UInt32,
                      _ handle: (UnsafeRawBufferPointer, RTPTransportAddress, MediaInstant) -> Void) {
        var drops = kernelDrops
        var rounds = 0
        var n = 0
        repeat {
            n = batch.receive(socket, kernelDrops: &drops)
            for i in 0..<n {
                let datagram = batch.datagrams[i]
                guard let bytes = batch.bytes(i) else {
                    leg.countDropped(.malformed)  // larger than any RTP packet of ours
                    continue
                }
                handle(bytes, transportAddress(datagram.source, datagram.source_length),
                       arrival.instant(realtimeNanoseconds: datagram.realtime_ns))
            }
            rounds += 1
        } while n == MediaReceiveBatch.slots && rounds < Self.maximumBatchesPerPoll
        if drops != kernelDrops {
            leg.countDropped(.socketQueueFull, count: Int(drops &- kernelDrops))
            kernelDrops = drops
        }
    }

    func receivedRTP(_ bytes: UnsafeRawBufferPointer, from source: RTPTransportAddress, at now: MediaInstant) {
        lastPacketAt = now
        let result = leg.receiveRTP(bytes, from: source, at: now)
        switch result {
        case .audio(let header, let range):
            guard let partner else { return }
            let packet = partner.leg.relayAudio(UnsafeRawBufferPointer(rebasing: bytes[range]), law: leg.law, header: header)
            if let packet { partner.sendRTP(packet) }
        case .telephoneEvent(let header, let range, let digits):
            if let partner {
                if partner.leg.takesTelephoneEvents {
                    let packet = partner.leg.relayTelephoneEvent(UnsafeRawBufferPointer(rebasing: bytes[range]), header: header)
                    if let packet { partner.sendRTP(packet) }
                } else {
                    partner.leg.sendDigits(digits.map(\.digit))
                }
            }
            for d in digits { digitArrived(d) }
        case .comfortNoise:
            break
        case .dropped(let reason):
            loop.logger.trace("rtp dropped", metadata: ["call.id": "\(spec.callID)", "media.drop": "\(reason)",
                                                        "media.source": "\(source)"])
        }
    }

    func receivedRTCP(_ bytes: UnsafeRawBufferPointer, from source: RTPTransportAddress, at now: MediaInstant) {
        lastPacketAt = now
        _ = leg.receiveRTCP(bytes, from: source, at: now)
    }

    func digitArrived(_ event: DTMFEvent) {
        // `#` ends a message, as voicemail systems announce.
        if event.digit == .pound, message != nil { message!.stopRequested = true }
        if bargeIn, !leg.playlist.isEmpty {
            leg.playlist.bargeIn()
            bargeIn = false
        }
        events(id, .digit(event))
    }

    /// Reports a peer silent for the media timeout (checked about once a second). While
    /// we do not receive (hold), the window restarts.
    func checkMediaTimeout(now: MediaInstant) {
        guard let seconds = spec.mediaTimeoutSeconds, !mediaTimeoutReported else { return }
        guard leg.configuration.receives else {
            lastPacketAt = now
            return
        }
        guard now.milliseconds - lastPacketAt.milliseconds >= Int64(seconds) * 1000 else { return }
        mediaTimeoutReported = true
        loop.logger.notice("no media from the peer: its phone may be gone", metadata: [
            "call.id": "\(spec.callID)", "media.leg": "\(spec.role)", "media.timeout_s": "\(seconds)"])
        events(id, .mediaTimeout(seconds: seconds))
    }

    /// The peer's media changed (a re-INVITE): the silence window starts again.
    func restartMediaTimeout() {
        lastPacketAt = MediaLoop.now()
        mediaTimeoutReported = false
    }

    // MARK: The clock

    /// The sending half of the tick (see ``MediaLeg/tickSending(into:)``).
    func tickSending() {
        var out = MediaLeg.Tick()
        leg.tickSending(into: &out)
        lastSent = out.sent
        for packet in out.rtp { sendRTP(packet) }
        for id in out.finished { events(self.id, .playbackFinished(id)) }
    }

    /// The receiving half, after ``poll(_:arrival:rtcp:)``.
    func tickReceiving(now: MediaInstant, ntp: UInt64) {
        var out = MediaLeg.Tick()
        leg.tickReceiving(now: now, ntp: ntp, into: &out)
        lastHeard = out.heard
        if let rtcp = out.rtcp { sendRTCP(rtcp) }
        for d in out.digits { digitArrived(d) }
        // Checked here, after this tick's digits: a barge-in empties the playlist too.
        if reportDrained, leg.playlist.isEmpty {
            reportDrained = false
            events(id, .playlistDrained)
        }
    }

    /// One frame of the caller into the message; true when the message is complete
    /// (its length reached or `#` pressed).
    func messageTick() -> Bool {
        guard var message else { return false }
        let writes = message.recorder.append(left: lastHeard, leftLaw: leg.law, right: nil, rightLaw: leg.law)
        if !writes.isEmpty { message.file.submit(writes) }
        self.message = message
        return message.stopRequested || message.recorder.durationMilliseconds >= message.maximumMilliseconds
    }

    func recordTick() {
        guard var recording else { return }
        let right: [UInt8]?
        let rightLaw: CompandingLaw
        if let other = recording.other {
            right = other.lastHeard
            rightLaw = other.leg.law
        } else {
            right = lastSent
            rightLaw = leg.law
        }
        let writes = recording.recorder.append(left: lastHeard, leftLaw: leg.law, right: right, rightLaw: rightLaw)
        if !writes.isEmpty { recording.file.submit(writes) }
        self.recording = recording
    }

    // MARK: Sending

    func sendRTP(_ packet: [UInt8]) {
        guard let socket = rtpSocket, let target = socketAddress(leg.sendTarget, cache: &rtpTarget) else { return }
        send(packet, to: target, on: socket)
    }

    func sendRTCP(_ packet: [UInt8]) {
        guard let socket = rtcpSocket, let target = socketAddress(leg.rtcpTarget, cache: &rtcpTarget) else { return }
        send(packet, to: target, on: socket)
    }

    private func send(_ packet: [UInt8], to target: MediaSocketAddress, on socket: MediaSocket) {
        let error = packet.withUnsafeBytes { socket.send($0, to: target) }
        // ECONNREFUSED: an ICMP port unreachable from an earlier send; the peer is gone or
        // not yet there, and the call's signalling decides what happens.
        if error != 0, error != ECONNREFUSED { sendErrors += 1 }
    }

    func closeSockets() {
        rtpSocket?.close()
        rtcpSocket?.close()
        rtpSocket = nil
        rtcpSocket = nil
    }

    // MARK: Addresses

    private func transportAddress(_ storage: sockaddr_storage, _ length: socklen_t) -> RTPTransportAddress {
        if let (socket, transport) = lastSource, socket.sameAddress(as: storage) { return transport }
        let socket = MediaSocketAddress(storage: storage, length: length)
        let transport = socket.transportAddress
        lastSource = (socket, transport)
        return transport
    }

    private func socketAddress(_ target: RTPTransportAddress,
                               cache: inout (RTPTransportAddress, MediaSocketAddress)?) -> MediaSocketAddress? {
        if let (transport, socket) = cache, transport == target { return socket }
        guard let socket = MediaSocketAddress(target) else { return nil }
        cache = (target, socket)
        return socket
    }
}

/// Converts the kernel's receive times (wall clock) to the media clock's monotonic
/// milliseconds; the offset between the two clocks is taken once per tick.
struct ArrivalClock {
    let realtimeMinusMonotonic: Int64
    let now: MediaInstant

    static func current() -> ArrivalClock {
        var real = timespec(), mono = timespec()
        clock_gettime(CLOCK_REALTIME, &real)
        clock_gettime(CLOCK_MONOTONIC, &mono)
        let offset = (Int64(real.tv_sec) - Int64(mono.tv_sec)) * 1_000_000_000 + (Int64(real.tv_nsec) - Int64(mono.tv_nsec))
        let monoNanoseconds = Int64(mono.tv_sec) * 1_000_000_000 + Int64(mono.tv_nsec)
        return ArrivalClock(realtimeMinusMonotonic: offset, now: MediaInstant(milliseconds: monoNanoseconds / 1_000_000))
    }

    /// The arrival time of a datagram; `now` when the kernel gave none (or one from the future).
    func instant(realtimeNanoseconds: Int64) -> MediaInstant {
        guard realtimeNanoseconds > 0 else { return now }
        let at = MediaInstant(milliseconds: (realtimeNanoseconds - realtimeMinusMonotonic) / 1_000_000)
        return at > now ? now : at
    }
}

/// A message (voicemail) being recorded from the caller alone.
struct MessageRecording: @unchecked Sendable {
    var recorder: CallRecorder
    let file: RecordingFile
    let maximumMilliseconds: Int64
    var stopRequested = false
    let done: EventLoopPromise<RecordingSummary?>
}

/// A recording in progress on a leg.
struct ActiveRecording: @unchecked Sendable {
    var recorder: CallRecorder
    let file: RecordingFile
    /// The other party (a bridged leg); `nil` records what Hotline plays to the caller.
    var other: MediaLegRuntime?
}
