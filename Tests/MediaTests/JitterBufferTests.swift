import XCTest
@testable import Media

final class JitterBufferTests: XCTestCase {
    private func at(_ ms: Int64) -> MediaInstant { MediaInstant(milliseconds: ms) }

    /// Runs a buffer the way the media clock does: every 20 ms from `start`, first the packets
    /// that arrived by then (in arrival order), then one pop. Returns what each tick played:
    /// the sequence number, "c<seq>" for a concealment, "-" for silence; and each insert result.
    private func play(_ buffer: inout JitterBuffer, _ packets: [(seq: UInt16, ms: Int64)], seq0: UInt16 = 0,
                      start: Int64 = 20, ticks: Int) -> (out: [String], inserts: [UInt16: JitterBuffer.InsertResult]) {
        var pending = packets.enumerated().sorted { ($0.element.ms, $0.offset) < ($1.element.ms, $1.offset) }.map(\.element)
        var out: [String] = []
        var inserts: [UInt16: JitterBuffer.InsertResult] = [:]
        for i in 0..<ticks {
            let now = start + Int64(i) * 20
            while let p = pending.first, p.ms <= now {
                pending.removeFirst()
                let ts = UInt32(UInt16(p.seq &- seq0)) * 160
                inserts[p.seq] = buffer.insert(sequenceNumber: p.seq, timestamp: ts,
                                               payload: [UInt8(truncatingIfNeeded: p.seq)], arrival: at(p.ms))
            }
            switch buffer.pop(now: at(now)) {
            case .frame(let f): out.append("\(f.sequenceNumber)")
            case .concealment(let seq): out.append("c\(seq)")
            case .silence: out.append("-")
            }
        }
        return (out, inserts)
    }

    private func steady(_ seqs: [UInt16]) -> [(seq: UInt16, ms: Int64)] {
        seqs.enumerated().map { ($0.element, Int64($0.offset) * 20) }
    }

    func testInOrderPlaysAfterTheMinimumDelay() {
        var buffer = JitterBuffer()
        XCTAssertEqual(buffer.pop(now: at(0)), .silence)
        XCTAssertEqual(buffer.insert(sequenceNumber: 0, timestamp: 0, payload: [0], arrival: at(0)), .accepted)
        XCTAssertEqual(buffer.state, .buffering(until: at(20)))
        XCTAssertEqual(buffer.pop(now: at(19)), .silence)
        XCTAssertEqual(buffer.pop(now: at(20)), .frame(.init(sequenceNumber: 0, timestamp: 0, payload: [0])))
        XCTAssertEqual(buffer.state, .playing)
        let run = play(&buffer, steady([0, 1, 2, 3, 4]).dropFirst().map { $0 }, start: 40, ticks: 5)
        XCTAssertEqual(run.out, ["1", "2", "3", "4", "-"])
        XCTAssertEqual(buffer.statistics.played, 5)
        XCTAssertEqual(buffer.statistics.concealed, 0)
    }

    func testReorderedPacketsComeOutInOrder() {
        var buffer = JitterBuffer()
        let run = play(&buffer, [(1, 0), (0, 2), (3, 20), (2, 25), (5, 40), (4, 45)], start: 20, ticks: 10)
        // The reordering raised the jitter estimate, so the buffer may hold back a tick or two
        // to lengthen its delay before the last frame; nothing is concealed.
        XCTAssertEqual(run.out.filter { $0 != "-" }, ["0", "1", "2", "3", "4", "5"])
        XCTAssertGreaterThan(buffer.targetDelay, 20)
        XCTAssertEqual(buffer.statistics.concealed, 0)
        XCTAssertEqual(buffer.statistics.skipped, 0)
        XCTAssertEqual(Set(run.inserts.values), [.accepted])
    }

    func testDuplicatesAreDropped() {
        var buffer = JitterBuffer()
        let run = play(&buffer, [(0, 0), (1, 20), (1, 21), (2, 40), (0, 45), (3, 60)], ticks: 5)
        XCTAssertEqual(run.out, ["0", "1", "2", "3", "-"])
        XCTAssertEqual(buffer.statistics.duplicates, 2)  // 1 while buffered, 0 after it played
        XCTAssertEqual(buffer.statistics.played, 4)
    }

    func testLostPacketGivesOneConcealment() {
        var lossy = JitterBuffer()
        let packets: [(seq: UInt16, ms: Int64)] = [(0, 0), (1, 20), (3, 60), (4, 80), (5, 100)]
        XCTAssertEqual(play(&lossy, packets, ticks: 7).out, ["0", "1", "c2", "3", "4", "5", "-"])
        XCTAssertEqual(lossy.statistics.concealed, 1)
        XCTAssertEqual(lossy.statistics.played, 5)
    }

    func testLatePacketIsDropped() {
        var buffer = JitterBuffer()
        let packets: [(seq: UInt16, ms: Int64)] = [(0, 0), (1, 20), (3, 60), (2, 75), (4, 80)]
        let run = play(&buffer, packets, ticks: 6)
        XCTAssertEqual(run.out, ["0", "1", "c2", "3", "4", "-"])
        XCTAssertEqual(run.inserts[2], .tooLate)
        XCTAssertEqual(buffer.statistics.late, 1)
    }

    func testSequenceWrapAt65535() {
        var buffer = JitterBuffer()
        let seqs: [UInt16] = [65533, 65534, 65535, 0, 1, 2]
        XCTAssertEqual(play(&buffer, steady(seqs), seq0: 65533, ticks: 7).out, seqs.map { "\($0)" } + ["-"])
        // Reordered and lost across the wrap.
        var other = JitterBuffer()
        let packets: [(seq: UInt16, ms: Int64)] = [(65534, 0), (0, 38), (65535, 39), (2, 80)]
        XCTAssertEqual(play(&other, packets, seq0: 65534, ticks: 6).out, ["65534", "65535", "0", "c1", "2", "-"])
    }

    func testBoundedSizeAndRestart() {
        var buffer = JitterBuffer()
        XCTAssertEqual(buffer.insert(sequenceNumber: 0, timestamp: 0, payload: [], arrival: at(0)), .accepted)
        // A packet beyond the capacity makes room by skipping the oldest frames.
        XCTAssertEqual(buffer.insert(sequenceNumber: 40, timestamp: 6400, payload: [], arrival: at(800)), .accepted)
        XCTAssertLessThanOrEqual(buffer.bufferedDuration, Int64(buffer.configuration.capacity) * 20)
        XCTAssertEqual(buffer.statistics.skipped, 1)
        // A jump beyond RFC 3550's MAX_DROPOUT is a restarted sender: start over.
        XCTAssertEqual(buffer.insert(sequenceNumber: 20_000, timestamp: 99, payload: [7], arrival: at(810)), .accepted)
        XCTAssertEqual(buffer.statistics.restarts, 1)
        XCTAssertEqual(buffer.state, .buffering(until: at(830)))
        XCTAssertEqual(buffer.pop(now: at(830)), .frame(.init(sequenceNumber: 20_000, timestamp: 99, payload: [7])))
        XCTAssertEqual(buffer.pop(now: at(850)), .silence)
    }

    /// RFC 3550 A.1: a sender that starts its numbering over a few hundred back (SIPp
    /// replaying a pcap in a loop) is confirmed by two packets in sequence; the first is
    /// dropped as late, then the stream plays again. One stray old packet is only late.
    func testRestartNearbyIsConfirmedByTheNextPacketInSequence() {
        var buffer = JitterBuffer()
        let first = (0..<300).map { (seq: UInt16($0), ms: Int64($0) * 20) }
        // A pause of 0.3 s, then the numbering starts over.
        let again = (0..<10).map { (seq: UInt16($0), ms: 6300 + Int64($0) * 20) }
        let run = play(&buffer, first + again, ticks: 340)
        XCTAssertEqual(buffer.statistics.restarts, 1)
        XCTAssertEqual(buffer.statistics.late, 1, "the first packet of the new numbering")
        let frames = run.out.compactMap { Int($0) }
        guard let split = frames.firstIndex(of: 299) else { return XCTFail("299 not played: \(run.out)") }
        XCTAssertEqual(Array(frames[..<split]), Array(frames[..<split]).sorted(), "the first numbering in order")
        // The restarted stream plays from its second packet on.
        XCTAssertEqual(Array(frames[(split + 1)...]), Array(1..<10))

        var stray = JitterBuffer()
        var packets: [(seq: UInt16, ms: Int64)] = (0..<300).map { (seq: UInt16($0), ms: Int64($0) * 20) }
        packets.append((seq: 5, ms: 3005))
        let strayRun = play(&stray, packets, ticks: 320)
        XCTAssertEqual(stray.statistics.restarts, 0, "one old packet alone is not a restart")
        XCTAssertEqual(stray.statistics.late, 1)
        let strayFrames = strayRun.out.compactMap { Int($0) }
        XCTAssertEqual(strayFrames, strayFrames.sorted())
        XCTAssertEqual(strayFrames.last, 299)
    }

    func testDelayAdaptsUpUnderJitterAndDownAfter() {
        var buffer = JitterBuffer()
        var rng = RTPTestRandom(seed: 42)
        var seq: UInt16 = 0
        var now: Int64 = 0
        var pending: [(arrival: Int64, seq: UInt16)] = []
        var played = 0
        var heldDuringJitter: [Int64] = []
        func run(seconds: Int, jitter: Int64) {
            for _ in 0..<(seconds * 50) {
                // One packet sent per 20 ms, delayed by 0…jitter ms; the clock ticks every 20 ms.
                let delay = jitter == 0 ? 0 : Int64(rng.next() % UInt64(jitter + 1))
                pending.append((now + delay, seq))
                seq &+= 1
                for p in pending.sorted(by: { $0.arrival < $1.arrival }) where p.arrival <= now + 19 {
                    _ = buffer.insert(sequenceNumber: p.seq, timestamp: UInt32(p.seq) * 160, payload: [], arrival: at(p.arrival))
                }
                pending.removeAll { $0.arrival <= now + 19 }
                if case .frame = buffer.pop(now: at(now + 19)) { played += 1 }
                if jitter > 0 { heldDuringJitter.append(buffer.bufferedDuration) }
                now += 20
            }
        }
        run(seconds: 2, jitter: 0)
        XCTAssertEqual(buffer.targetDelay, 20)
        XCTAssertEqual(buffer.statistics.late, 0)
        run(seconds: 10, jitter: 120)
        let raised = buffer.targetDelay
        XCTAssertGreaterThanOrEqual(raised, 120)
        XCTAssertLessThanOrEqual(raised, 200)
        // Once adapted, few packets miss their turn despite 120 ms of jitter.
        let lateBefore = buffer.statistics.late
        heldDuringJitter = []
        run(seconds: 5, jitter: 120)
        XCTAssertLessThan(buffer.statistics.late - lateBefore, 25, "more than 10 % late")
        XCTAssertGreaterThan(heldDuringJitter.reduce(0, +) / Int64(heldDuringJitter.count), 60)
        run(seconds: 10, jitter: 0)
        XCTAssertEqual(buffer.targetDelay, 20)
        XCTAssertLessThanOrEqual(buffer.bufferedDuration, 40)
        XCTAssertGreaterThan(played, 1100)  // of 1,350 ticks
    }
}
