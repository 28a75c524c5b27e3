import Foundation
import Logging
import Media
import NIOCore
import NIOPosix
import XCTest
@testable import MediaNetwork

#if canImport(Glibc)
import Glibc
#endif

/// The media engine on real loopback sockets: a plain UDP socket plays the phone.
/// Assertions are on what crosses the sockets and what the files hold, not on timing.
final class MediaEngineTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var engine: MediaEngine!
    private var peer: UDPPeer!
    private var directory = ""

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        engine = MediaEngine(eventLoops: [group.next()], logger: Logger(label: "media-test"))
        peer = try UDPPeer()
        directory = NSTemporaryDirectory() + "hotline-media-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(directory, 0o755)
    }

    override func tearDown() async throws {
        _ = try? await engine.closeAll().get()
        peer.close()
        try await group.shutdownGracefully()
        _ = try? FileManager.default.removeItem(atPath: directory)
    }

    /// Opens a leg on the first free even port pair from 42000 whose peer is `peer`.
    private func openLeg(events: @escaping @Sendable (MediaLegID, MediaLegEvent) -> Void = { _, _ in })
        async throws -> (MediaLegID, Int) {
        for port in stride(from: 42000, to: 43000, by: 2) {
            let configuration = MediaLeg.Configuration(law: .muLaw, remote: RTPTransportAddress(host: "127.0.0.1", port: peer.port),
                                                       remoteRTCP: RTPTransportAddress(host: "127.0.0.1", port: peer.port),
                                                       seed: 7)
            let spec = MediaLegSpec(host: "127.0.0.1", port: port, configuration: configuration, callID: "test", role: "caller")
            if let leg = try? await engine.open(spec, events: events).get() { return (leg, port) }
        }
        throw XCTSkip("no free port pair in 42000-43000")
    }

    func testLegSendsConsecutiveRTPAndReleasesItsPortsOnClose() async throws {
        let (leg, port) = try await openLeg()
        engine.play(leg, [.tone(id: "beep", .beep, milliseconds: 400)])
        let packets = peer.receiveRTP(count: 30)
        XCTAssertEqual(packets.count, 30)
        for (a, b) in zip(packets, packets.dropFirst()) {
            XCTAssertEqual(b.header.sequenceNumber, a.header.sequenceNumber &+ 1)
            XCTAssertEqual(b.header.timestamp, a.header.timestamp &+ 160)
            XCTAssertEqual(b.header.ssrc, a.header.ssrc)
        }
        XCTAssertEqual(Set(packets.map(\.header.payloadType)), [0])
        XCTAssertEqual(Set(packets.map(\.payload.count)), [160])

        let summary = try await engine.close(leg).get()
        XCTAssertGreaterThanOrEqual(summary?.statistics.packetsSent ?? 0, 30)
        XCTAssertEqual(summary?.sendErrors, 0)
        // Both ports are free again: binding them now succeeds.
        for p in [port, port + 1] {
            let s = try MediaSocket.open(host: "127.0.0.1", port: p)
            s.close()
        }
        let again = try await engine.close(leg).get()
        XCTAssertNil(again, "closing twice reports nothing the second time")
    }

    func testReceivedAudioIsRecordedAndAPauseIsSilenceListedInTheMetadata() async throws {
        let (leg, port) = try await openLeg()
        let path = directory + "/call.wav"
        try await engine.startRecording(leg, other: nil, path: path, layout: .stereo).get()
        // The phone sends a 1 kHz tone for 60 packets; the recording is paused from packet 20 to 40.
        let tone = (0..<160).map { i in G711.encode(Int16(8000 * sin(2 * Double.pi * 1000 * Double(i) / 8000)), law: .muLaw) }
        var sender = RTPSender(seed: 3)
        for n in 0..<60 {
            if n == 20 { engine.pauseRecording(leg) }
            if n == 40 { engine.resumeRecording(leg) }
            peer.send(sender.next(payloadType: 0, payload: tone), to: port)
            usleep(20_000)
        }
        let summary = try await engine.close(leg).get()
        let recording = try XCTUnwrap(summary?.recording)
        XCTAssertNil(recording.writeError)
        XCTAssertEqual(recording.pauses.count, 1)
        let pause = try XCTUnwrap(recording.pauses.first)
        let end = try XCTUnwrap(pause.end)
        XCTAssertGreaterThan(end - pause.start, 200, "the pause lasted 20 packets")

        let wav = try WAVReader.read([UInt8](try XCTUnwrap(FileManager.default.contents(atPath: path))))
        XCTAssertEqual(wav.format.channels, 2)
        XCTAssertEqual(Int64(wav.samples.count / 2) / 8, recording.durationMilliseconds)
        let left = stride(from: 0, to: wav.samples.count, by: 2).map { wav.samples[$0] }
        func energy(_ fromMs: Int64, _ toMs: Int64) -> Double {
            let a = Int(max(0, fromMs) * 8), b = Int(min(Int64(left.count / 8), toMs) * 8)
            guard b > a else { return 0 }
            return left[a..<b].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(b - a)
        }
        // Exactly silent inside the listed span; the tone is heard on both sides of it.
        XCTAssertEqual(energy(pause.start, end), 0, "the paused span must hold silence")
        XCTAssertGreaterThan(energy(pause.start - 200, pause.start), 1e6, "the tone before the pause")
        XCTAssertGreaterThan(energy(end, end + 200), 1e6, "the tone after the pause")
    }

    /// Voicemail: the caller alone, mono, beside the call's own recording; it ends at its
    /// length, at `#`, or when the leg closes.
    func testAMessageTakesTheCallerAloneUntilItsLengthOrPound() async throws {
        let (leg, port) = try await openLeg()
        try await engine.startRecording(leg, other: nil, path: directory + "/call.wav", layout: .stereo).get()
        // Hotline plays a beep meanwhile: it must not be in the message.
        engine.play(leg, [.tone(id: "beep", .beep, milliseconds: 2000)])
        let message = engine.startMessage(leg, path: directory + "/message.wav", maximumMilliseconds: 1000)
        let tone = (0..<160).map { i in G711.encode(Int16(8000 * sin(2 * Double.pi * 1000 * Double(i) / 8000)), law: .muLaw) }
        var sender = RTPSender(seed: 5)
        for _ in 0..<80 {
            peer.send(sender.next(payloadType: 0, payload: tone), to: port)
            usleep(20_000)
        }
        let messageSummary = try await message.get()
        let summary = try XCTUnwrap(messageSummary)
        XCTAssertEqual(summary.layout, .mono)
        XCTAssertNil(summary.writeError)
        XCTAssertEqual(summary.durationMilliseconds, 1000, "ends at its length though the caller goes on")
        let wav = try WAVReader.read([UInt8](try XCTUnwrap(FileManager.default.contents(atPath: directory + "/message.wav"))))
        XCTAssertEqual(wav.format.channels, 1)
        XCTAssertEqual(wav.samples.count, 8000)
        // The caller's tone fills it (after the first packets' way through the jitter buffer).
        let tail = wav.samples[4000...]
        XCTAssertGreaterThan(tail.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(tail.count), 1e6)

        // A second message ends at `#` (RFC 4733 event 11), long before its length.
        let pound = engine.startMessage(leg, path: directory + "/short.wav", maximumMilliseconds: 60_000)
        for n in 0..<25 {
            peer.send(sender.next(payloadType: 0, payload: tone), to: port)
            usleep(20_000)
            _ = n
        }
        engine.infoDigit(leg, .pound, durationMilliseconds: 100)
        let poundSummary = try await pound.get()
        let short = try XCTUnwrap(poundSummary)
        XCTAssertLessThan(short.durationMilliseconds, 5000, "'#' ends the message")
        XCTAssertGreaterThan(short.durationMilliseconds, 300)

        // One left running ends with the leg.
        let open = engine.startMessage(leg, path: directory + "/cut.wav", maximumMilliseconds: 60_000)
        usleep(200_000)
        let closed = try await engine.close(leg).get()
        XCTAssertNotNil(closed?.recording, "the call's own recording goes on beside the messages")
        let cutSummary = try await open.get()
        let cut = try XCTUnwrap(cutSummary)
        XCTAssertLessThan(cut.durationMilliseconds, 2000)
    }

    func testAClockHeldUpBrieflyCatchesUpAndOneHeldUpLongJumpsWithTrueTimestamps() async throws {
        let (leg, _) = try await openLeg()
        let loop = engine.loops[leg.loop]
        _ = peer.receiveRTP(count: 5)
        // 40 ms (2 ticks, well under the 5 made up): caught up by back-to-back ticks,
        // the stream unbroken.
        loop.eventLoop.execute { usleep(40_000) }
        let short = peer.receiveRTP(count: 15)
        for (a, b) in zip(short, short.dropFirst()) {
            XCTAssertEqual(b.header.timestamp, a.header.timestamp &+ 160)
        }
        var jumps = try await loop.eventLoop.submit { loop.clockJumps }.get()
        XCTAssertEqual(jumps, 0)
        // 300 ms (15 ticks, more than the 5 made up): the clock jumps; the next packet's
        // timestamp covers the lost time (sequence +1, timestamp + 160 per tick skipped).
        loop.eventLoop.execute { usleep(300_000) }
        // The last packet before the hold, then those after it.
        let long = Array(short.suffix(1)) + peer.receiveRTP(count: 25)
        jumps = try await loop.eventLoop.submit { loop.clockJumps }.get()
        XCTAssertEqual(jumps, 1)
        let gaps = zip(long, long.dropFirst()).map { (a, b) in
            (Int(b.header.sequenceNumber &- a.header.sequenceNumber), Int(b.header.timestamp &- a.header.timestamp) / 160)
        }
        XCTAssertTrue(gaps.allSatisfy { $0.0 == 1 }, "sequence numbers stay consecutive: \(gaps)")
        XCTAssertEqual(gaps.filter { $0.1 != 1 }.count, 1, "one jump: \(gaps)")
        XCTAssertGreaterThanOrEqual(gaps.map(\.1).max() ?? 0, 10, "the jump covers the time lost: \(gaps)")
    }
}

/// A phone's RTP socket: blocking UDP on 127.0.0.1 with a receive timeout.
final class UDPPeer {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw XCTSkip("cannot bind a UDP socket on 127.0.0.1") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ bytes: [UInt8], to port: Int) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        _ = bytes.withUnsafeBytes { data in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, data.baseAddress, data.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// The next `count` RTP packets (RTCP, on the same socket here, is skipped); fewer if
    /// nothing arrives for 2 s.
    func receiveRTP(count: Int) -> [(header: RTPHeader, payload: [UInt8])] {
        var packets: [(header: RTPHeader, payload: [UInt8])] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while packets.count < count {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            let bytes = Array(buffer[0..<n])
            // RTCP packet types 200-204 sit where RTP keeps marker + payload type.
            if (200...204).contains(bytes[1]) { continue }
            guard let parsed = try? RTPHeader.parse(bytes) else { continue }
            packets.append((parsed.header, Array(bytes[parsed.payloadRange])))
        }
        return packets
    }

    func close() { Glibc.close(fd) }
}
