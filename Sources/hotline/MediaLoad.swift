import ArgumentParser
import HotlineServer
import Logging
import CMediaSocket
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

/// `hotline bench media-load`: a lean load generator for the media benchmark. It places
/// SIP calls with Hotline's own UAC, and streams 20 ms PCMU caller audio for every call
/// from one UDP socket, all calls' packets of a tick written before one flush (NIO sends
/// them with sendmmsg). It receives what Hotline sends on that socket and reports loss and
/// the spacing of Hotline's packets, and Hotline's CPU and memory per call when given its PID.
///
/// SIPp's pcap playback runs a thread per call and saturates long before Hotline does;
/// this measures Hotline.
struct MediaLoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media-load",
        abstract: "Hold N concurrent calls that stream and receive 20 ms G.711 audio; print loss, jitter, CPU and memory per call.")

    @Option(help: "Hotline's SIP address.") var target: String = "127.0.0.1:5060"
    @Option(help: "The number to call (a line that answers and plays a prompt).") var number: String = "9000"
    @Option(help: "Concurrent calls to hold.") var calls: Int = 100
    @Option(help: "Calls placed per second while ramping up.") var rate: Double = 100
    @Option(help: "Seconds each call stays up after it is answered.") var hold: Double = 20
    @Option(help: "Our SIP address.") var bind: String = "127.0.0.1:5400"
    @Option(name: .customLong("rtp-port"), help: "Our one RTP port, shared by every call.") var rtpPort: Int = 40000
    @Option(name: .customLong("server-pid"), help: "Hotline's PID, to measure its CPU and memory.") var serverPID: Int32?
    @Option(name: .customLong("log-level")) var logLevel: String = "error"
    @Option(help: "A WAV file each call streams in a loop as the caller's voice (each call from its own offset); silence when not given.")
    var audio: String?

    func run() async throws {
        let rig = try await LoadRig.open(target: target, number: number, bind: bind, rtpPort: rtpPort, audio: audio, logLevel: logLevel)
        let loop = rig.loop, dialer = rig.dialer, reception = rig.reception, uri = rig.uri
        let state = LoadState(loop: loop, calls: calls, voice: rig.voice)
        state.reception = reception
        try await loop.submit { state.channel = rig.channel }.get()

        let rssBefore = serverPID.flatMap(Self.rssKilobytes)
        let peer = rig.peer
        let started = monotonicSeconds()
        // Ramp up: place calls at `rate` per second.
        try await loop.submit { state.startClock() }.get()
        for i in 0..<calls {
            let due = started + Double(i) / rate
            let wait = due - monotonicSeconds()
            if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
            let holdMs = Int64(hold * 1000), port = UInt16(rtpPort)
            _ = try await dialer.withEndpoint { endpoint in
                endpoint.placeCall(to: uri, via: peer, duration: .milliseconds(holdMs), mediaPort: port) { event in
                    state.callEvent(event)
                }
            }
        }
        let rampEnd = monotonicSeconds()
        // Measure while every call is up: from the end of the ramp plus 1 s to the first planned hang-up.
        let firstHangup = started + hold
        let windowStart = rampEnd + 1
        var cpu: (Double, Double, Int)?
        if windowStart + 2 < firstHangup, let pid = serverPID {
            try await Task.sleep(nanoseconds: UInt64((windowStart - monotonicSeconds()) * 1e9))
            let before = Self.cpuSeconds(pid)
            let activeBefore = try await loop.submit { state.active.count }.get()
            reception.resetWindow()
            let length = firstHangup - 1 - windowStart
            try await Task.sleep(nanoseconds: UInt64(length * 1e9))
            let after = Self.cpuSeconds(pid)
            if let before, let after { cpu = (after - before, length, activeBefore) }
        }
        let rssPeak = serverPID.flatMap(Self.rssKilobytes)
        let callsUp = try await loop.submit { state.active.count }.get()
        let window = reception.windowReport(callsUp: callsUp)
        // Wait for the calls to end.
        let deadline = monotonicSeconds() + hold + Double(calls) / rate + 30
        while monotonicSeconds() < deadline {
            if try await loop.submit({ state.ended >= calls }).get() { break }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        let summary = try await loop.submit { state.summary() }.get()
        try await loop.submit { state.stopClock() }.get()
        try await rig.close()

        print("media-load: \(calls) calls to \(number) at \(rate)/s, held \(hold) s each; 20 ms PCMU both ways")
        print(summary)
        print(window)
        if let (seconds, length, active) = cpu {
            let perCallSecond = seconds * 1000 / (Double(active) * length)
            print("hotline cpu: \(fmt(seconds)) s over \(fmt(length)) s with \(active) calls up = "
                  + "\(fmt(perCallSecond, 3)) ms per call-second (\(fmt(seconds / length * 100)) % of a core)")
        }
        if let a = rssBefore, let b = rssPeak {
            print("hotline rss: \(a / 1024) MiB idle, \(b / 1024) MiB with the calls up = "
                  + "\(fmt(Double(b - a) / Double(max(1, calls)))) KiB per call")
        }
    }

    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let text = try? FileIO.read("/proc/\(pid)/stat") else { return nil }
        // Fields after the command name in parentheses: utime is the 14th, stime the 15th.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return nil }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func rssKilobytes(_ pid: Int32) -> Int? {
        guard let text = try? FileIO.read("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        }
        return nil
    }
}

func fmt(_ v: Double, _ digits: Int = 1) -> String {
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    return "\(r)"
}

/// The generator's calls and streams; everything on one event loop.
final class LoadState: @unchecked Sendable {
    let loop: any EventLoop
    var channel: (any Channel)?
    var reception: LoadReception?
    struct Stream {
        var handle: CallHandle
        var remote: SocketAddress
        var sender: RTPSender
        /// The next frame of the caller's voice.
        var position: Int
    }
    var active: [CallHandle: Stream] = [:]
    var answered = 0
    var ended = 0
    var failed: [String: Int] = [:]
    var peakActive = 0
    var sent = 0
    private var clock: Scheduled<Void>?
    private var origin: NIODeadline = .now()
    private var tick: Int64 = 0
    /// The caller's voice, 20 ms μ-law frames played in a loop; silence when empty.
    private let voice: [[UInt8]]
    private let silence = [UInt8](repeating: 0xFF, count: 160)
    private var seed: UInt64 = 1
    let expected: Int

    init(loop: any EventLoop, calls: Int, voice: [[UInt8]]) {
        self.loop = loop
        self.expected = calls
        self.voice = voice
    }

    func callEvent(_ event: UserAgentEvent) {
        switch event {
        case .answered(let handle, let media):
            answered += 1
            guard let media, let remote = try? SocketAddress(ipAddress: media.remoteAddress, port: Int(media.remotePort)) else { return }
            seed &+= 0x9E37_79B9
            active[handle] = Stream(handle: handle, remote: remote, sender: RTPSender(seed: seed),
                                    position: voice.isEmpty ? 0 : Int(seed % UInt64(voice.count)))
            reception?.expect(port: Int(media.remotePort))
            peakActive = max(peakActive, active.count)
        case .ended(let handle, let reason):
            ended += 1
            if let s = active.removeValue(forKey: handle), let port = s.remote.port {
                reception?.forget(port: port)
            }
            if reason != .localHangup { failed["\(reason)", default: 0] += 1 }
        default:
            break
        }
    }

    func startClock() {
        origin = .now()
        tick = 0
        schedule()
    }

    func stopClock() {
        clock?.cancel()
        clock = nil
    }

    private func schedule() {
        tick += 1
        clock = loop.scheduleTask(deadline: origin + .milliseconds(20 * tick)) { [weak self] in self?.fire() }
    }

    private func fire() {
        guard let channel else { schedule(); return }
        for (handle, var s) in active {
            var payload = silence
            if !voice.isEmpty {
                payload = voice[s.position]
                s.position = (s.position + 1) % voice.count
            }
            let packet = s.sender.next(payloadType: 0, payload: payload)
            var buffer = channel.allocator.buffer(capacity: packet.count)
            buffer.writeBytes(packet)
            channel.write(AddressedEnvelope(remoteAddress: s.remote, data: buffer), promise: nil)
            active[handle] = s
            sent += 1
        }
        channel.flush()
        schedule()
    }

    func summary() -> String {
        "calls: \(answered) answered of \(expected), peak \(peakActive) up at once, \(ended) ended, failed \(failed.values.reduce(0, +))"
            + (failed.isEmpty ? "" : " \(failed)") + "; RTP sent \(sent); packets from unknown ports \(reception?.strangers ?? 0)"
    }
}

/// `hotline bench dtmf-detector`: the in-band (Goertzel) detector's speed on one core.
struct DTMFDetectorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dtmf-detector",
        abstract: "Run the in-band DTMF detector over 60 s of tones and speech-like noise; prints audio seconds and digits per CPU second.")

    @Option(help: "Runs; the median is reported.") var runs: Int = 5

    func run() throws {
        // 60 s of audio: 16 digits of 100 ms with 100 ms gaps (3.2 s), then noise, repeated.
        var audio: [Int16] = []
        var noise = SystemRandomNumberGenerator()
        let digits = DTMFDigit.allCases
        while audio.count < 60 * 8000 {
            var tones = ToneGenerator(.dtmf(digits))
            for _ in 0..<(digits.count * 10) { audio += tones.nextFrame() }
            for _ in 0..<(8000 * 2) { audio.append(Int16.random(in: -3000...3000, using: &noise)) }
        }
        let seconds = Double(audio.count) / 8000
        var results: [(Double, Int)] = []
        for _ in 0..<max(1, runs) {
            var detector = DTMFDetector()
            let start = monotonicSeconds()
            var found = 0
            audio.withUnsafeBufferPointer { buffer in
                var i = 0
                while i < buffer.count {
                    let n = min(160, buffer.count - i)
                    found += detector.process(UnsafeBufferPointer(rebasing: buffer[i..<(i + n)])).count
                    i += n
                }
            }
            results.append((monotonicSeconds() - start, found))
        }
        results.sort { $0.0 < $1.0 }
        let (elapsed, found) = results[results.count / 2]
        print("dtmf-detector: \(fmt(seconds)) s of 8 kHz audio in 20 ms frames, \(found) digits found "
              + "(\(digits.count * Int((seconds / (3.2 + 2)).rounded(.up))) in it)")
        print("median \(fmt(elapsed * 1000, 2)) ms: \(Int(seconds / elapsed)) × real time, "
              + "\(Int(Double(found) / elapsed)) digits per CPU second, "
              + "\(fmt(elapsed / seconds * 1e6 / 50, 2)) µs per 20 ms frame")
    }
}
