import Logging
import Media
import NIOCore

/// A leg's sockets around its `MediaLeg` value: runs what the value decides. Lives on
/// its loop's event loop and is touched nowhere else.
final class MediaLegRuntime: @unchecked Sendable {
    let id: MediaLegID
    let spec: MediaLegSpec
    unowned let loop: MediaLoop
    var leg: MediaLeg
    var rtpChannel: (any Channel)?
    var rtcpChannel: (any Channel)?
    let events: @Sendable (MediaLegID, MediaLegEvent) -> Void
    /// The bridged leg (same loop), whose audio we relay and which relays ours.
    var partner: MediaLegRuntime?
    var recording: ActiveRecording?
    /// A digit empties the playlist (the prompt was played with barge-in).
    var bargeIn = false
    /// Report ``MediaLegEvent/playlistDrained`` when the playlist next runs out.
    var reportDrained = false
    /// What the last tick heard from the peer and sent to it, for the recording.
    private(set) var lastHeard: [UInt8]?
    private(set) var lastSent: [UInt8]?

    // Socket address ↔ transport address, cached: converting costs more than the rest of a packet.
    private var rtpTarget: (RTPTransportAddress, SocketAddress)?
    private var rtcpTarget: (RTPTransportAddress, SocketAddress)?
    private var lastSource: (SocketAddress, RTPTransportAddress)?

    init(id: MediaLegID, spec: MediaLegSpec, loop: MediaLoop, events: @escaping @Sendable (MediaLegID, MediaLegEvent) -> Void) {
        self.id = id
        self.spec = spec
        self.loop = loop
        self.leg = MediaLeg(configuration: spec.configuration)
        self.events = events
    }

    // MARK: Receiving

    func receivedRTP(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let source = transportAddress(envelope.remoteAddress)
        let now = MediaLoop.now()
        let result = envelope.data.withUnsafeReadableBytes { leg.receiveRTP($0, from: source, at: now) }
        switch result {
        case .audio(let header, let range):
            guard let partner else { return }
            let packet = envelope.data.withUnsafeReadableBytes {
                partner.leg.relayAudio(UnsafeRawBufferPointer(rebasing: $0[range]), law: leg.law, header: header)
            }
            if let packet { partner.sendRTP(packet, flush: true) }
        case .telephoneEvent(let header, let range, let digits):
            if let partner {
                if partner.leg.takesTelephoneEvents {
                    let packet = envelope.data.withUnsafeReadableBytes {
                        partner.leg.relayTelephoneEvent(UnsafeRawBufferPointer(rebasing: $0[range]), header: header)
                    }
                    if let packet { partner.sendRTP(packet, flush: true) }
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

    func receivedRTCP(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let source = transportAddress(envelope.remoteAddress)
        let now = MediaLoop.now()
        _ = envelope.data.withUnsafeReadableBytes { leg.receiveRTCP($0, from: source, at: now) }
    }

    func digitArrived(_ event: DTMFEvent) {
        if bargeIn, !leg.playlist.isEmpty {
            leg.playlist.bargeIn()
            bargeIn = false
        }
        events(id, .digit(event))
    }

    // MARK: The clock

    func tick(now: MediaInstant, ntp: UInt64) {
        let wasPlaying = !leg.playlist.isEmpty
        let out = leg.tick(now: now, ntp: ntp)
        lastHeard = out.heard
        lastSent = out.sent
        if !out.rtp.isEmpty, let channel = rtpChannel {
            let target = socketAddress(leg.sendTarget, cache: &rtpTarget)
            if let target {
                for packet in out.rtp { write(packet, to: target, on: channel) }
                channel.flush()
            }
        }
        if let rtcp = out.rtcp { sendRTCP(rtcp) }
        for d in out.digits { digitArrived(d) }
        for id in out.finished { events(self.id, .playbackFinished(id)) }
        if wasPlaying, leg.playlist.isEmpty, reportDrained {
            reportDrained = false
            events(id, .playlistDrained)
        }
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

    func sendRTP(_ packet: [UInt8], flush: Bool) {
        guard let channel = rtpChannel, let target = socketAddress(leg.sendTarget, cache: &rtpTarget) else { return }
        write(packet, to: target, on: channel)
        if flush { channel.flush() }
    }

    func sendRTCP(_ packet: [UInt8]) {
        guard let channel = rtcpChannel, let target = socketAddress(leg.rtcpTarget, cache: &rtcpTarget) else { return }
        write(packet, to: target, on: channel)
        channel.flush()
    }

    private func write(_ packet: [UInt8], to target: SocketAddress, on channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: packet.count)
        buffer.writeBytes(packet)
        channel.write(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
    }

    // MARK: Addresses

    private func transportAddress(_ address: SocketAddress) -> RTPTransportAddress {
        if let (socket, transport) = lastSource, socket == address { return transport }
        let transport = RTPTransportAddress(host: address.ipAddress ?? "?", port: address.port ?? 0)
        lastSource = (address, transport)
        return transport
    }

    private func socketAddress(_ target: RTPTransportAddress,
                               cache: inout (RTPTransportAddress, SocketAddress)?) -> SocketAddress? {
        if let (transport, socket) = cache, transport == target { return socket }
        // 0.0.0.0 (RFC 2543 hold) or port 0: nowhere to send.
        guard target.port > 0, target.host != "0.0.0.0", target.host != "::",
              let socket = try? SocketAddress(ipAddress: target.host, port: target.port) else { return nil }
        cache = (target, socket)
        return socket
    }
}

/// A recording in progress on a leg.
struct ActiveRecording: @unchecked Sendable {
    var recorder: CallRecorder
    let file: RecordingFile
    /// The other party (a bridged leg); `nil` records what Hotline plays to the caller.
    var other: MediaLegRuntime?
}

/// Hands each datagram of a leg's RTP or RTCP socket to the leg.
final class MediaDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    weak var runtime: MediaLegRuntime?
    let rtcp: Bool

    init(runtime: MediaLegRuntime, rtcp: Bool) {
        self.runtime = runtime
        self.rtcp = rtcp
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let runtime else { return }
        let envelope = unwrapInboundIn(data)
        if rtcp { runtime.receivedRTCP(envelope) } else { runtime.receivedRTP(envelope) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and the like on a connectionless socket: the peer is gone
        // or not yet there; the call's signalling decides what happens.
    }
}
