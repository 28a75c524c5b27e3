import ArgumentParser
import CMediaSocket
import HotlineServer
import Media
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPMessage
import SIPNetwork
import SIPTransaction

#if canImport(Glibc)
import Glibc
#endif

/// What the load generator hears from Hotline, read on a thread of its own with the
/// kernel's receive time of each datagram (SO_TIMESTAMPNS). On loopback the kernel stamps
/// a datagram inside Hotline's `sendto`, so the intervals are Hotline's send intervals,
/// whatever delays the generator's own event loop (busy sending 75,000 packets a second)
/// or this thread.
final class LoadReception: @unchecked Sendable {
    private let fd: Int32
    private let lock = NIOLock()
    private struct Source {
        var lastSequence: UInt16?
        var lastArrival: Int64?
    }
    /// Hotline's RTP ports of the calls up, and what each sent last.
    private var sources: [Int: Source] = [:]
    /// |interval − 20 ms| in 0.1 ms buckets up to 100 ms, since ``resetWindow()``.
    private var histogram = [Int](repeating: 0, count: 1001)
    private var intervals = 0
    private var windowReceived = 0
    private var windowLost = 0
    private var strangerCount = 0
    /// Datagrams from ports of no call up (late packets of calls just ended).
    var strangers: Int { lock.withLock { strangerCount } }
    private var stopping = false

    init(descriptor: Int32) { fd = descriptor }

    func expect(port: Int) { lock.withLock { sources[port] = Source() } }
    func forget(port: Int) { lock.withLock { _ = sources.removeValue(forKey: port) } }
    func stop() { lock.withLock { stopping = true } }

    /// The reader thread's body: until ``stop()``.
    func run() {
        let slots = Int(HL_MEDIA_BATCH), slotBytes = 2048
        let buffers = UnsafeMutablePointer<UInt8>.allocate(capacity: slots * slotBytes)
        let datagrams = UnsafeMutablePointer<hl_datagram>.allocate(capacity: slots)
        datagrams.initialize(repeating: hl_datagram(), count: slots)
        defer { buffers.deallocate(); datagrams.deallocate() }
        var drops: UInt32 = 0
        while !lock.withLock({ stopping }) {
            // Drained every 2 ms rather than woken per datagram: a sleeper on the socket
            // would make each of Hotline's sends wake a thread on the other core, a cost
            // a real network does not put on Hotline.
            usleep(2000)
            while true {
                let n = Int(hl_media_receive(fd, buffers, Int32(slotBytes), datagrams, Int32(slots), &drops))
                guard n > 0 else { break }
                lock.withLock {
                    for i in 0..<n {
                        let d = datagrams[i]
                        // sin_port and sin6_port both sit at offset 2, in network order.
                        let port = Int(withUnsafeBytes(of: d.source) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) })
                        guard d.length >= 12, var s = sources[port] else { strangerCount += 1; continue }
                        let bytes = UnsafeRawBufferPointer(start: buffers + i * slotBytes, count: Int(d.length))
                        guard let header = try? RTPHeader.parse(bytes).header else { continue }
                        windowReceived += 1
                        if let last = s.lastSequence {
                            let gap = Int(header.sequenceNumber &- last)
                            if gap > 1, gap < 1000 { windowLost += gap - 1 }
                        }
                        s.lastSequence = header.sequenceNumber
                        if let last = s.lastArrival {
                            let deviation = abs(Double(d.realtime_ns - last) / 1e6 - 20)
                            histogram[min(1000, Int(deviation * 10))] += 1
                            intervals += 1
                        }
                        s.lastArrival = d.realtime_ns
                        sources[port] = s
                    }
                }
            }
        }
    }

    func resetWindow() {
        lock.withLock {
            histogram = [Int](repeating: 0, count: 1001)
            intervals = 0
            windowReceived = 0
            windowLost = 0
        }
    }

    func windowReport(callsUp: Int) -> String {
        lock.withLock {
            "steady state: \(callsUp) calls up; received \(windowReceived) packets from Hotline, lost \(windowLost); "
                + "Hotline's send spacing |interval - 20 ms| (kernel receive times): p50 \(fmt(percentile(0.5))) ms, "
                + "p99 \(fmt(percentile(0.99))) ms, p99.9 \(fmt(percentile(0.999))) ms"
        }
    }

    private func percentile(_ p: Double) -> Double {
        guard intervals > 0 else { return 0 }
        let target = Int(Double(intervals) * p)
        var seen = 0
        for (i, n) in histogram.enumerated() {
            seen += n
            if seen > target { return Double(i) / 10 }
        }
        return 100
    }
}

/// What both load generators (`bench media-load`, `bench ivr-load`) stand on: our own
/// UAC, the number's URI at the target, the caller's voice as 20 ms μ-law frames, and one
/// UDP socket for every call's RTP, sent through NIO (batched) and read by a thread of its
/// own with kernel receive times (NIO would stamp a datagram when its loop got to it).
struct LoadRig {
    let dialer: SIPServer
    let loop: any EventLoop
    let uri: SIPURI
    let peer: SIPPeer
    let voice: [[UInt8]]
    let reception: LoadReception
    let channel: any Channel
    private let readers: NIOThreadPool

    static func open(target: String, number: String, bind: String, rtpPort: Int, audio: String?,
                     logLevel: String) async throws -> LoadRig {
        let logger = bootstrapLogging(level: logLevel)
        guard let sipTarget = HostPort(target), let local = HostPort(bind) else {
            throw ValidationError("--target and --bind are HOST:PORT")
        }
        guard let uri = try? SIPURI(parsing: "sip:\(number)@\(sipTarget.host):\(sipTarget.port)") else {
            throw ValidationError("cannot make a SIP URI from --number \(number)")
        }
        let dialer = try HotlineApplication.makeDialer(bind: local, logger: logger)
        try await dialer.bind()
        let loop = dialer.endpoint.eventLoop
        var voice: [[UInt8]] = []
        if let audio {
            let prompt = try Prompt(id: audio, wav: WAVReader.read(FileIO.readBytes(audio)))
            voice = prompt.frames(CompandingLaw.muLaw)
        }
        let fd = hl_media_open(local.host, Int32(rtpPort), 8 << 20)
        guard fd >= 0 else { throw ValidationError("cannot bind RTP on \(local.host):\(rtpPort): \(String(cString: strerror(-fd)))") }
        let reception = LoadReception(descriptor: fd)
        let readers = NIOThreadPool(numberOfThreads: 1)
        readers.start()
        readers.submit { _ in reception.run() }
        let channel = try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_sndbuf), value: 8 << 20)
            .channelOption(.autoRead, value: false)
            .withBoundSocket(fd).get()
        return LoadRig(dialer: dialer, loop: loop, uri: uri, peer: SIPPeer(transport: .udp, host: sipTarget.host, port: sipTarget.port),
                       voice: voice, reception: reception, channel: channel, readers: readers)
    }

    func close() async throws {
        reception.stop()
        try await readers.shutdownGracefully()
        try await channel.close()
        try await dialer.stop()
    }
}
