import ArgumentParser
import CMediaSocket
import HotlineServer
import Media
import NIOCore
import NIOPosix
import SIPDialog
import SIPMessage
import SIPNetwork
import SIPTransaction

#if canImport(Glibc)
import Glibc
#endif

/// `hotline bench ivr-load`: the short-IVR-call benchmark's caller without SIPp. It places
/// calls at a fixed rate with Hotline's own UAC; each call streams 20 ms PCMU caller audio
/// with one key as an RFC 4733 event at `--key-at` seconds after the answer (the packets a
/// phone sends: a marked start, updates every 20 ms, three end packets, audio suppressed
/// meanwhile, all on the audio's SSRC and sequence), and waits for Hotline's BYE.
///
/// Why not SIPp alone: SIPp plays each call's stream through a raw socket of its own, and
/// on one machine every UDP packet delivered (Hotline's prompts included) is copied to
/// each of those sockets, inside the sender's system call. The cost grows with the square
/// of the calls up and lands on Hotline's core; steering it to SIPp's core (RPS) saturates
/// SIPp first. Here every call's RTP goes through one ordinary UDP socket.
struct IVRLoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ivr-load",
        abstract: "Place short IVR calls at a fixed rate (caller audio with one RFC 4733 key, wait for Hotline's BYE); print failures, setup times and Hotline's CPU.")

    @Option(help: "Hotline's SIP address.") var target: String = "127.0.0.1:5060"
    @Option(help: "The number to call (a line running a flow that hangs up after the key).") var number: String = "9100"
    @Option(help: "Calls placed per second.") var rate: Double = 100
    @Option(help: "Seconds of arrivals (rate x duration calls).") var duration: Double = 20
    @Option(name: .customLong("key-at"), help: "Seconds after the answer when the caller presses the key.") var keyAt: Double = 1.2
    @Option(help: "The key pressed (0-9, *, #).") var key: String = "1"
    @Option(name: .customLong("key-ms"), help: "How long the key is held, ms (the event's duration).") var keyMs: Int = 100
    @Option(name: .customLong("caller-seconds"), help: "Seconds the caller's audio runs after the answer; then the caller is silent (sends nothing).")
    var callerSeconds: Double = 60
    @Option(help: "Seconds to wait for Hotline's BYE after the answer before hanging up ourselves (a failed call).") var wait: Double = 15
    @Option(name: .customLong("slow-ms"), help: "A setup (INVITE -> 200) this long or longer counts as slow.") var slowMs: Double = 500
    @Option(help: "Our SIP address.") var bind: String = "127.0.0.1:5400"
    @Option(name: .customLong("rtp-port"), help: "Our one RTP port, shared by every call.") var rtpPort: Int = 40000
    @Option(name: .customLong("server-pid"), help: "Hotline's PID, to measure its CPU.") var serverPID: Int32?
    @Option(help: "A WAV file each call streams as the caller's voice (each call from its own offset); silence when not given.")
    var audio: String?
    @Option(name: .customLong("call-ids"), help: "Write \"ok CALL-ID\" for each call Hotline hung up in time (to check the journal's outcomes).")
    var callIDs: String?
    @Option(name: .customLong("setup-times"), help: "Write every setup time (INVITE -> 200, ms), one per line.")
    var setupTimes: String?
    @Option(name: .customLong("log-level")) var logLevel: String = "error"

    func validate() throws {
        guard rate > 0, duration > 0 else { throw ValidationError("--rate and --duration are positive") }
        guard key.count == 1, let c = key.first, DTMFDigit(character: c) != nil else { throw ValidationError("--key is one of 0-9, *, #, A-D") }
        guard keyAt >= 0, keyMs >= 20, keyMs <= 5000 else { throw ValidationError("--key-at is >= 0 and --key-ms within 20...5000") }
        guard wait > keyAt else { throw ValidationError("--wait is longer than --key-at") }
    }

    func run() async throws {
        let rig = try await LoadRig.open(target: target, number: number, bind: bind, rtpPort: rtpPort, audio: audio, logLevel: logLevel)
        let loop = rig.loop, dialer = rig.dialer, reception = rig.reception, uri = rig.uri, voice = rig.voice
        let plan = IVRCallerPlan(keyFrame: Int((keyAt / 0.02).rounded()), digit: DTMFDigit(character: key.first!)!,
                                 keyUnits: UInt32(keyMs * 8), streamFrames: Int((callerSeconds / 0.02).rounded()),
                                 waitFrames: Int((wait / 0.02).rounded()))
        let state = IVRLoadState(loop: loop, plan: plan, voice: voice)
        state.reception = reception
        let endpoint = dialer.endpoint
        try await loop.submit {
            state.channel = rig.channel
            state.hangup = { handles in for handle in handles { endpoint.hangup(handle) } }
        }.get()

        let total = Int((rate * duration).rounded())
        let peer = rig.peer
        let ownBefore = Self.ownCPUSeconds()
        let serverBefore = serverPID.flatMap(MediaLoadBench.cpuSeconds)
        let started = monotonicSeconds()
        try await loop.submit { state.startClock() }.get()
        // The steady window: from the first hang-ups (answer + key + a confirmation) to the last INVITE.
        let windowStart = started + keyAt + 2, windowEnd = started + duration
        var window: (cpu: Double, length: Double)?
        var windowCPU0: Double?
        var placed = 0
        while placed < total {
            let now = monotonicSeconds()
            if windowCPU0 == nil, now >= windowStart, windowStart + 1 <= windowEnd, let pid = serverPID {
                windowCPU0 = MediaLoadBench.cpuSeconds(pid)
                reception.resetWindow()
            }
            // Every call due by now, placed in one trip to the loop.
            let due = min(total, Int(((now - started) * rate).rounded(.down)) + 1)
            if due > placed {
                let range = placed..<due, port = UInt16(rtpPort)
                try await dialer.withEndpoint { endpoint in
                    for _ in range {
                        let handle = endpoint.placeCall(to: uri, via: peer, mediaPort: port) { event in
                            state.callEvent(event)
                        }
                        state.placed(handle, callID: endpoint.core.callID(of: handle))
                    }
                }
                placed = due
            }
            let next = started + Double(placed) / rate
            let pause = next - monotonicSeconds()
            if pause > 0 { try await Task.sleep(nanoseconds: UInt64(min(pause, 0.005) * 1e9)) }
        }
        if let pid = serverPID, let c0 = windowCPU0, let c1 = MediaLoadBench.cpuSeconds(pid) {
            window = (c1 - c0, monotonicSeconds() - windowStart)
        }
        let steady = reception.windowReport(callsUp: try await loop.submit { state.active.count }.get())
        // Wait for every call to end: Hotline's BYE, or our own after --wait.
        let deadline = monotonicSeconds() + wait + 30
        while monotonicSeconds() < deadline {
            if try await loop.submit({ state.ended >= total }).get() { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let elapsed = monotonicSeconds() - started
        let serverAfter = serverPID.flatMap(MediaLoadBench.cpuSeconds)
        let ownAfter = Self.ownCPUSeconds()
        let report = try await loop.submit { state.report(expected: total) }.get()
        try await loop.submit { state.stopClock() }.get()
        try await rig.close()
        if let callIDs {
            try FileIO.writeAtomically(callIDs, report.goodCallIDs.map { "ok \($0)\n" }.joined())
        }
        if let setupTimes {
            try FileIO.writeAtomically(setupTimes, report.setupMs.map { "\(fmt($0, 3))\n" }.joined())
        }

        let setups = report.setupMs.sorted()
        func rank(_ q: Double) -> Double { setups.isEmpty ? 0 : setups[max(0, min(setups.count - 1, Int((Double(setups.count) * q).rounded(.up)) - 1))] }
        let slow = setups.filter { $0 >= slowMs }.count
        let failedPercent = total == 0 ? 0 : Double(report.failed) * 100 / Double(total)
        let slowPercent = setups.isEmpty ? 0 : Double(slow) * 100 / Double(setups.count)
        print("ivr-load: \(total) calls to \(number) at \(fmt(rate))/s for \(fmt(duration)) s; key \(key) at \(fmt(keyAt, 2)) s "
              + "(RFC 4733, \(keyMs) ms), caller audio for \(fmt(callerSeconds)) s, Hotline's BYE awaited \(fmt(wait)) s")
        print("calls: \(report.answered) answered, \(report.remoteEnded) hung up by Hotline in time, failed \(report.failed)"
              + (report.reasons.isEmpty ? "" : " \(report.reasons.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))")
              + "; peak \(report.peak) up at once; call length (answer -> BYE) p50 \(fmt(report.lengthP50, 2)) s")
        print("setup (INVITE -> 200): p50 \(fmt(rank(0.5))) ms, p99 \(fmt(rank(0.99))) ms, max \(fmt(setups.last ?? 0)) ms; "
              + "\(slow) of \(setups.count) at \(fmt(slowMs, 0)) ms or more")
        print(steady)
        var cpuPercent = -1.0, msPerCallSecond = -1.0
        if let (cpu, length) = window { cpuPercent = cpu / length * 100 }
        if let a = serverBefore, let b = serverAfter, report.callSeconds > 0 { msPerCallSecond = (b - a) * 1000 / report.callSeconds }
        let own = (ownAfter - ownBefore) / elapsed * 100
        print("hotline cpu: \(cpuPercent < 0 ? "-" : fmt(cpuPercent)) % of a core over the steady window; "
              + "\(msPerCallSecond < 0 ? "-" : fmt(msPerCallSecond, 3)) ms per call-second over the run; generator \(fmt(own)) % of a core")
        // One line for scripts (scripts/bench-ivr.sh GEN=hotline).
        print("result calls=\(total) failed=\(report.failed) failed%=\(fmt(failedPercent, 2)) slow%=\(fmt(slowPercent, 2)) "
              + "p50=\(fmt(rank(0.5), 0)) p99=\(fmt(rank(0.99), 0)) cpu%=\(cpuPercent < 0 ? "-" : fmt(cpuPercent)) "
              + "maxcalls=\(report.peak) ms/call-s=\(msPerCallSecond < 0 ? "-" : fmt(msPerCallSecond, 3)) gen%=\(Int(own.rounded()))")
    }

    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// What every benchmark caller does, in 20 ms frames after the answer.
struct IVRCallerPlan: Sendable {
    /// The frame at which the key's event starts.
    var keyFrame: Int
    var digit: DTMFDigit
    /// The event's duration in timestamp units (8 per ms).
    var keyUnits: UInt32
    /// Frames of caller audio; after them the caller sends nothing.
    var streamFrames: Int
    /// Frames to wait for Hotline's BYE before hanging up ourselves.
    var waitFrames: Int
}

/// One caller's stream: audio frames, the key's event packets in their place, then audio again.
struct IVRCallerStream {
    var remote: SocketAddress
    var sender: RTPSender
    var audioPayloadType: UInt8
    var eventPayloadType: UInt8?
    /// The next frame of the caller's voice.
    var position: Int
    /// Frames since the answer.
    var frame = 0
    /// The key's packets not yet sent, each with the frame it goes out on.
    var pendingEvents: [(frame: Int, bytes: [UInt8])] = []
    /// The frame audio resumes on after the event.
    var resumeFrame = 0

    /// The datagrams for this 20 ms tick (none, one audio frame, or the event's packets due now).
    mutating func tick(plan: IVRCallerPlan, voice: [[UInt8]], silence: [UInt8]) -> [[UInt8]] {
        defer { frame += 1 }
        guard frame < plan.streamFrames else { return [] }
        if frame == plan.keyFrame, let pt = eventPayloadType {
            let events = TelephoneEventSender(payloadType: pt, ssrc: sender.ssrc)
            let timestamp = sender.timestamp
            var packets = events.packets(for: plan.digit, duration: plan.keyUnits, timestamp: timestamp, sequenceNumber: 0)
            let first = sender.reserveSequenceNumbers(packets.count)
            for i in packets.indices { packets[i].header.sequenceNumber = first &+ UInt16(i) }
            pendingEvents = packets.map { (frame + Int($0.sendOffset / 160) - 1, $0.bytes) }
            let span = (pendingEvents.last?.frame ?? frame) - frame + 1
            resumeFrame = frame + span
            sender.skip(frames: span)
        }
        if !pendingEvents.isEmpty || frame < resumeFrame {
            var due: [[UInt8]] = []
            while let next = pendingEvents.first, next.frame <= frame {
                due.append(next.bytes)
                pendingEvents.removeFirst()
            }
            return due
        }
        var payload = silence
        if !voice.isEmpty {
            payload = voice[position]
            position = (position + 1) % voice.count
        }
        return [sender.next(payloadType: audioPayloadType, payload: payload)]
    }
}

/// The generator's calls; everything on the dialer's event loop.
final class IVRLoadState: @unchecked Sendable {
    let loop: any EventLoop
    let plan: IVRCallerPlan
    var channel: (any Channel)?
    var reception: LoadReception?
    struct Pending {
        var placedAt: Double
        var callID: String?
        var answeredAt: Double?
    }
    var pending: [CallHandle: Pending] = [:]
    var active: [CallHandle: IVRCallerStream] = [:]
    var answered = 0
    var ended = 0
    var remoteEnded = 0
    var peak = 0
    var setupMs: [Double] = []
    var lengths: [Double] = []
    var reasons: [String: Int] = [:]
    var goodCallIDs: [String] = []
    private var clock: Scheduled<Void>?
    private var origin: NIODeadline = .now()
    private var tickCount: Int64 = 0
    private let voice: [[UInt8]]
    private let silence = [UInt8](repeating: 0xFF, count: 160)
    private var seed: UInt64 = 7

    init(loop: any EventLoop, plan: IVRCallerPlan, voice: [[UInt8]]) {
        self.loop = loop
        self.plan = plan
        self.voice = voice
    }

    func placed(_ handle: CallHandle, callID: String?) {
        // The call may already have failed (no port): its end was counted.
        guard pending[handle] == nil, !endedEarly.contains(handle) else { endedEarly.remove(handle); return }
        pending[handle] = Pending(placedAt: monotonicSeconds(), callID: callID)
        peak = max(peak, pending.count)
    }

    /// Calls that ended inside `placeCall`, before `placed` saw them.
    private var endedEarly: Set<CallHandle> = []

    func callEvent(_ event: UserAgentEvent) {
        switch event {
        case .answered(let handle, let media):
            guard var call = pending[handle] else { return }
            let now = monotonicSeconds()
            answered += 1
            call.answeredAt = now
            pending[handle] = call
            setupMs.append((now - call.placedAt) * 1000)
            guard let media, let remote = try? SocketAddress(ipAddress: media.remoteAddress, port: Int(media.remotePort)) else { return }
            seed &+= 0x9E37_79B9
            active[handle] = IVRCallerStream(remote: remote, sender: RTPSender(seed: seed), audioPayloadType: media.codec.payloadType,
                                             eventPayloadType: media.telephoneEventPayloadType,
                                             position: voice.isEmpty ? 0 : Int(seed % UInt64(voice.count)))
            reception?.expect(port: Int(media.remotePort))
        case .ended(let handle, let reason):
            ended += 1
            if let s = active.removeValue(forKey: handle), let port = s.remote.port { reception?.forget(port: port) }
            guard let call = pending.removeValue(forKey: handle) else {
                endedEarly.insert(handle)
                reasons["\(reason)", default: 0] += 1
                return
            }
            if reason == .remoteHangup, let answeredAt = call.answeredAt {
                remoteEnded += 1
                lengths.append(monotonicSeconds() - answeredAt)
                if let id = call.callID { goodCallIDs.append(id) }
            } else {
                reasons[call.answeredAt == nil ? "not-answered(\(reason))" : (reason == .localHangup ? "no-bye" : "\(reason)"),
                        default: 0] += 1
            }
        default:
            break
        }
    }

    func startClock() {
        origin = .now()
        tickCount = 0
        schedule()
    }

    func stopClock() {
        clock?.cancel()
        clock = nil
    }

    private func schedule() {
        tickCount += 1
        clock = loop.scheduleTask(deadline: origin + .milliseconds(20 * tickCount)) { [weak self] in self?.fire() }
    }

    private func fire() {
        guard let channel else { schedule(); return }
        var overdue: [CallHandle] = []
        for (handle, var stream) in active {
            for packet in stream.tick(plan: plan, voice: voice, silence: silence) {
                var buffer = channel.allocator.buffer(capacity: packet.count)
                buffer.writeBytes(packet)
                channel.write(AddressedEnvelope(remoteAddress: stream.remote, data: buffer), promise: nil)
            }
            if stream.frame > plan.waitFrames { overdue.append(handle) }
            active[handle] = stream
        }
        channel.flush()
        schedule()
        // Hotline did not hang up in time: we do (the call counts as failed).
        guard !overdue.isEmpty else { return }
        for handle in overdue { active.removeValue(forKey: handle) }
        hangup?(overdue)
    }

    /// Hangs calls up (set by the command: it needs the endpoint).
    var hangup: (([CallHandle]) -> Void)?

    struct Report {
        var answered: Int, remoteEnded: Int, failed: Int, peak: Int
        var reasons: [String: Int]
        var setupMs: [Double]
        var lengthP50: Double
        var callSeconds: Double
        var goodCallIDs: [String]
    }

    func report(expected: Int) -> Report {
        // Calls still up at the report did not end in time.
        var reasons = self.reasons
        if !pending.isEmpty { reasons["still-up"] = pending.count }
        let sorted = lengths.sorted()
        return Report(answered: answered, remoteEnded: remoteEnded, failed: expected - remoteEnded, peak: peak,
                      reasons: reasons, setupMs: setupMs, lengthP50: sorted.isEmpty ? 0 : sorted[sorted.count / 2],
                      callSeconds: lengths.reduce(0, +), goodCallIDs: goodCallIDs)
    }
}
