import Testing
import XCTest
@testable import Media

final class MediaLegTests: XCTestCase {
    static let peer = RTPTransportAddress(host: "127.0.0.1", port: 40_000)
    static let peerRTCP = RTPTransportAddress(host: "127.0.0.1", port: 40_001)
    /// Behind NAT: the SDP host, another port.
    static let natted = RTPTransportAddress(host: "127.0.0.1", port: 50_000)
    static let stranger = RTPTransportAddress(host: "127.0.0.2", port: 40_000)
    static let peerSSRC: UInt32 = 0x5EED_0001
    static let telephoneEvent: UInt8 = 101
    static let ntp: UInt64 = 0xE8D4_A510_1234_5678

    static func at(_ ms: Int64) -> MediaInstant { MediaInstant(milliseconds: ms) }

    static func configuration(law: CompandingLaw = .muLaw, telephoneEvent: UInt8? = nil, remote: RTPTransportAddress = peer,
                              sends: Bool = true, receives: Bool = true,
                              inBand: MediaLeg.InBandDetection = .automatic, silenceWhenIdle: Bool = true,
                              maximumPacketsPerSecond: Int = 250, seed: UInt64 = 7) -> MediaLeg.Configuration {
        MediaLeg.Configuration(law: law, telephoneEventPayloadType: telephoneEvent, remote: remote, sends: sends,
                               receives: receives, inBandDetection: inBand, sendsSilenceWhenIdle: silenceWhenIdle,
                               maximumPacketsPerSecond: maximumPacketsPerSecond, seed: seed)
    }

    /// 160 bytes, all different from the next frame's.
    static func frame(_ k: Int) -> [UInt8] { (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 3 &+ k &* 17) } }

    static func audio(seq: UInt16, ts: UInt32, payload: [UInt8] = frame(0), payloadType: UInt8 = 0,
                      ssrc: UInt32 = peerSSRC, marker: Bool = false) -> [UInt8] {
        RTPHeader(marker: marker, payloadType: payloadType, sequenceNumber: seq, timestamp: ts, ssrc: ssrc)
            .serialized(payload: payload)
    }

    static func header(_ packet: [UInt8]) -> RTPHeader { try! RTPHeader.parse(packet).header }

    /// A sent RTP packet, parsed.
    struct Sent: Equatable, CustomStringConvertible {
        var header: RTPHeader
        var payload: [UInt8]

        init(_ bytes: [UInt8]) {
            let view = try! RTPHeader.parse(bytes)
            header = view.header
            payload = Array(bytes[view.payloadRange])
        }

        init(marker: Bool, payloadType: UInt8, seq: UInt16, ts: UInt32, ssrc: UInt32, payload: [UInt8]) {
            header = RTPHeader(marker: marker, payloadType: payloadType, sequenceNumber: seq, timestamp: ts, ssrc: ssrc)
            self.payload = payload
        }

        var description: String {
            "pt=\(header.payloadType) seq=\(header.sequenceNumber) ts=\(header.timestamp) m=\(header.marker) \(payload.count)B"
        }
    }

    /// μ-law (or A-law) frames of Q.23 tones for `digits` (100 ms on, 100 ms off), then `silence` frames.
    static func toneFrames(_ digits: [DTMFDigit], law: CompandingLaw = .muLaw, silence: Int = 5) -> [[UInt8]] {
        var generator = ToneGenerator(.dtmf(digits))
        return (0..<(generator.frameCount! + silence)).map { _ in G711.encode(generator.nextFrame(), law: law) }
    }

    /// Feeds `frames` as the peer's audio, one every 20 ms from `start`, ticking after each;
    /// returns the digits the ticks report.
    static func play(_ frames: [[UInt8]], into leg: inout MediaLeg, start: Int64 = 0, firstSeq: UInt16 = 0) -> [DTMFEvent] {
        var digits: [DTMFEvent] = []
        for (i, f) in frames.enumerated() {
            let t = start + 20 * Int64(i)
            let r = leg.receiveRTP(audio(seq: firstSeq &+ UInt16(i), ts: 160 * UInt32(i), payload: f), from: peer, at: at(t))
            XCTAssertEqual(r, .audio(header(audio(seq: firstSeq &+ UInt16(i), ts: 160 * UInt32(i))), payloadRange: 12..<172))
            digits += leg.tick(now: at(t), ntp: ntp).digits
        }
        return digits
    }

    // MARK: Receiving: who may send

    func testWrongPayloadTypeIsDroppedBeforeItCanLatch() {
        var leg = MediaLeg(configuration: Self.configuration())
        let g729 = Self.audio(seq: 1, ts: 0, payload: [1, 2, 3], payloadType: 18)
        XCTAssertEqual(leg.receiveRTP(g729, from: Self.stranger, at: Self.at(0)), .dropped(.wrongPayloadType))
        XCTAssertEqual(leg.receiveRTP(g729, from: Self.peer, at: Self.at(1)), .dropped(.wrongPayloadType))
        XCTAssertNil(leg.latch.latched, "a packet of a payload type we did not negotiate latches nobody")
        XCTAssertEqual(leg.sendTarget, Self.peer)
        let good = Self.audio(seq: 2, ts: 160)
        XCTAssertEqual(leg.receiveRTP(good, from: Self.peer, at: Self.at(20)), .audio(Self.header(good), payloadRange: 12..<172))
        XCTAssertEqual(leg.statistics.drops, [.wrongPayloadType: 2])
        XCTAssertEqual(leg.statistics.packetsReceived, 1)
    }

    func testLatchesToTheSDPHostAndDropsOtherSources() {
        var leg = MediaLeg(configuration: Self.configuration())
        let packet = Self.audio(seq: 1, ts: 0)
        XCTAssertEqual(leg.receiveRTP(packet, from: Self.stranger, at: Self.at(0)), .dropped(.unexpectedHost),
                       "127.0.0.2 is not the SDP host 127.0.0.1")
        XCTAssertNil(leg.latch.latched)
        XCTAssertEqual(leg.receiveRTP(packet, from: Self.natted, at: Self.at(10)), .audio(Self.header(packet), payloadRange: 12..<172))
        XCTAssertEqual(leg.sendTarget, Self.natted, "RFC 4961: reply where the packets come from")
        let next = Self.audio(seq: 2, ts: 160)
        XCTAssertEqual(leg.receiveRTP(next, from: Self.stranger, at: Self.at(20)), .dropped(.unexpectedHost))
        XCTAssertEqual(leg.receiveRTP(next, from: RTPTransportAddress(host: "127.0.0.1", port: 50_002), at: Self.at(20)),
                       .dropped(.notLatchedSource))
        XCTAssertEqual(leg.receiveRTP(next, from: Self.natted, at: Self.at(20)), .audio(Self.header(next), payloadRange: 12..<172))
        // The latched address with a new SSRC is the same peer restarting its stream.
        let restarted = Self.audio(seq: 7000, ts: 90_000, ssrc: 0xBAD)
        XCTAssertEqual(leg.receiveRTP(restarted, from: Self.natted, at: Self.at(40)),
                       .audio(Self.header(restarted), payloadRange: 12..<172))
        XCTAssertEqual(leg.latch.latched?.ssrc, 0xBAD)
        XCTAssertEqual(leg.statistics.drops, [.unexpectedHost: 2, .notLatchedSource: 1])
        XCTAssertEqual(leg.statistics.dropped, 3)
        XCTAssertEqual(leg.statistics.packetsReceived, 3)
        XCTAssertEqual(leg.sendTarget, Self.natted)
    }

    func testMalformedPacketsAreCounted() {
        var leg = MediaLeg(configuration: Self.configuration(telephoneEvent: Self.telephoneEvent))
        XCTAssertEqual(leg.receiveRTP([0x80, 0, 0], from: Self.peer, at: Self.at(0)), .dropped(.malformed))
        var version1 = Self.audio(seq: 1, ts: 0)
        version1[0] = 0x40
        XCTAssertEqual(leg.receiveRTP(version1, from: Self.peer, at: Self.at(0)), .dropped(.malformed))
        var padding = Self.audio(seq: 1, ts: 0, payload: [1, 2])
        padding[0] |= 0x20
        padding[padding.count - 1] = 200  // more padding than the packet holds
        XCTAssertEqual(leg.receiveRTP(padding, from: Self.peer, at: Self.at(0)), .dropped(.malformed))
        XCTAssertNil(leg.latch.latched, "nothing malformed latches")
        // Valid RTP whose payload is not: an empty audio frame, a telephone-event shorter than 4 bytes.
        XCTAssertEqual(leg.receiveRTP(Self.audio(seq: 1, ts: 0, payload: []), from: Self.peer, at: Self.at(0)),
                       .dropped(.malformed))
        XCTAssertEqual(leg.receiveRTP(Self.audio(seq: 2, ts: 0, payload: [5, 10], payloadType: Self.telephoneEvent),
                                      from: Self.peer, at: Self.at(1)), .dropped(.malformed))
        XCTAssertEqual(leg.statistics.drops(.malformed), 5)
        XCTAssertEqual(leg.statistics.drops, [.malformed: 5])
    }

    func testMoreThanTheMaximumPacketsInOneSecondAreRateLimited() {
        var leg = MediaLeg(configuration: Self.configuration(maximumPacketsPerSecond: 3))
        var results: [MediaLeg.Received] = []
        var seq: UInt16 = 0
        for ms: Int64 in [0, 10, 20, 30, 999, 1000, 1001, 1002, 1003] {
            let packet = Self.audio(seq: seq, ts: UInt32(seq) * 160)
            seq += 1
            results.append(leg.receiveRTP(packet, from: Self.peer, at: Self.at(ms)))
        }
        let accepted = results.enumerated().filter { if case .audio = $0.element { true } else { false } }.map(\.offset)
        XCTAssertEqual(accepted, [0, 1, 2, 5, 6, 7], "three a second, the second counted from the first packet")
        XCTAssertEqual(results[3], .dropped(.rateLimited))
        XCTAssertEqual(results[4], .dropped(.rateLimited))
        XCTAssertEqual(results[8], .dropped(.rateLimited))
        XCTAssertEqual(leg.statistics.drops, [.rateLimited: 3])
        XCTAssertEqual(leg.statistics.packetsReceived, 6)
    }

    func testAStrangersFloodDoesNotUseThePeersRate() {
        var leg = MediaLeg(configuration: Self.configuration(maximumPacketsPerSecond: 2))
        for i in 0..<10 {
            XCTAssertEqual(leg.receiveRTP(Self.audio(seq: UInt16(i), ts: 0), from: Self.stranger, at: Self.at(Int64(i))),
                           .dropped(.unexpectedHost))
        }
        let packet = Self.audio(seq: 100, ts: 0)
        XCTAssertEqual(leg.receiveRTP(packet, from: Self.peer, at: Self.at(10)), .audio(Self.header(packet), payloadRange: 12..<172))
    }

    func testNotReceivingDropsTheAudioButStillLatches() {
        var leg = MediaLeg(configuration: Self.configuration(receives: false))
        XCTAssertEqual(leg.receiveRTP(Self.audio(seq: 1, ts: 0), from: Self.natted, at: Self.at(0)), .dropped(.notReceiving))
        XCTAssertEqual(leg.sendTarget, Self.natted, "we still send to where the held phone is")
        XCTAssertEqual(leg.statistics.drops, [.notReceiving: 1])
        XCTAssertEqual(leg.statistics.packetsReceived, 0)
        XCTAssertNil(leg.tick(now: Self.at(0), ntp: Self.ntp).heard)
        XCTAssertNil(leg.tick(now: Self.at(20), ntp: Self.ntp).heard)
    }

    func testComfortNoiseIsValidAndIgnored() {
        var leg = MediaLeg(configuration: Self.configuration())
        XCTAssertEqual(leg.receiveRTP(Self.audio(seq: 1, ts: 0, payload: [40], payloadType: 13), from: Self.peer, at: Self.at(0)),
                       .comfortNoise)
        XCTAssertEqual(leg.statistics.packetsReceived, 1)
        XCTAssertEqual(leg.statistics.dropped, 0)
    }

    // MARK: Receiving: digits

    /// Feeds RFC 4733 packets at their send offsets after `start`; returns each packet's digits.
    private func feedEvent(_ leg: inout MediaLeg, _ digit: DTMFDigit, timestamp: UInt32, seq: UInt16, start: Int64) -> [[DTMFEvent]] {
        let packets = TelephoneEventSender(payloadType: Self.telephoneEvent, ssrc: Self.peerSSRC)
            .packets(for: digit, duration: 800, timestamp: timestamp, sequenceNumber: seq)
        return packets.map { p in
            let bytes = p.bytes
            switch leg.receiveRTP(bytes, from: Self.peer, at: Self.at(start + Int64(p.sendOffset) / 8)) {
            case .telephoneEvent(let header, let range, let digits):
                XCTAssertEqual(header, p.header)
                XCTAssertEqual(range, 12..<16)
                return digits
            case let other:
                XCTFail("expected a telephone-event, got \(other)")
                return []
            }
        }
    }

    func testRFC4733GivesOnePressPerEventAndStopsInBandDetection() {
        var leg = MediaLeg(configuration: Self.configuration(telephoneEvent: Self.telephoneEvent))
        XCTAssertTrue(leg.detectsInBand, "automatic: on until the phone shows it sends RFC 4733")
        let first = feedEvent(&leg, .five, timestamp: 16_000, seq: 500, start: 100)
        XCTAssertEqual(first, [[DTMFEvent(digit: .five, source: .rfc4733, at: Self.at(120))], [], [], [], [], [], []],
                       "the start reports the press; updates and the three end packets do not")
        XCTAssertFalse(leg.detectsInBand)
        // The same key again is a second press (a new event timestamp).
        let second = feedEvent(&leg, .five, timestamp: 17_600, seq: 507, start: 400)
        XCTAssertEqual(second.flatMap { $0 }, [DTMFEvent(digit: .five, source: .rfc4733, at: Self.at(420))])
        var fromTicks: [DTMFEvent] = []
        for ms in stride(from: Int64(400), through: 1200, by: 20) { fromTicks += leg.tick(now: Self.at(ms), ntp: Self.ntp).digits }
        XCTAssertEqual(fromTicks, [], "an ended event is not reported again")
        XCTAssertEqual(leg.arbiter.preferredSource, .rfc4733)
        XCTAssertEqual(leg.arbiter.accepted, 2)
        XCTAssertEqual(leg.statistics.packetsReceived, 14)
    }

    func testRFC4733WithDetectionAlwaysOnDropsTheToneLeftInTheAudio() {
        var leg = MediaLeg(configuration: Self.configuration(telephoneEvent: Self.telephoneEvent, inBand: .always))
        let tones = Self.toneFrames([.five], silence: 10)
        let events = TelephoneEventSender(payloadType: Self.telephoneEvent, ssrc: Self.peerSSRC)
            .packets(for: .five, duration: 800, timestamp: 0, sequenceNumber: 1000)
        var digits: [DTMFEvent] = []
        for (i, f) in tones.enumerated() {
            let t = Int64(i) * 20
            _ = leg.receiveRTP(Self.audio(seq: UInt16(i), ts: UInt32(i) * 160, payload: f), from: Self.peer, at: Self.at(t))
            for p in events where Int64(p.sendOffset) / 8 == t {
                if case .telephoneEvent(_, _, let d) = leg.receiveRTP(p.bytes, from: Self.peer, at: Self.at(t)) { digits += d }
            }
            digits += leg.tick(now: Self.at(t), ntp: Self.ntp).digits
        }
        XCTAssertEqual(digits, [DTMFEvent(digit: .five, source: .rfc4733, at: Self.at(20))])
        XCTAssertTrue(leg.detectsInBand)
        XCTAssertTrue(leg.statistics.inBandDetectorRan)
        XCTAssertEqual(leg.arbiter.duplicates, 1, "the detector heard the tone and the arbiter dropped it")
    }

    func testInBandDigitsAreFoundOnceEachInOrder() {
        var leg = MediaLeg(configuration: Self.configuration())
        let frames = Self.toneFrames([.one, .five, .nine])
        XCTAssertEqual(frames.count, 35)
        let digits = Self.play(frames, into: &leg)
        XCTAssertEqual(digits.map(\.digit), [.one, .five, .nine])
        XCTAssertEqual(digits.map(\.source), [.inBand, .inBand, .inBand])
        // Dated on the detector's timeline: it starts at the first tick (silence while the
        // jitter buffer fills), then hears frame i at tick i + 1.
        var reference = DTMFDetector()
        var samples = [Int16](repeating: 0, count: 160)
        for f in frames.dropLast() { samples += G711.decode(f, law: .muLaw) }
        let expected = reference.process(samples).map {
            DTMFEvent(digit: $0.digit, source: .inBand, at: Self.at(0).advanced(byMilliseconds: $0.startSample / 8))
        }
        XCTAssertEqual(digits, expected)
        // Each tone starts 200 ms after the last, a frame after it was sent.
        XCTAssertEqual(digits.map { $0.at.milliseconds - Self.at(0).milliseconds }.map { ($0 + 10) / 200 }, [0, 1, 2])
        XCTAssertTrue(leg.detectsInBand)
        XCTAssertTrue(leg.statistics.inBandDetectorRan)
    }

    func testInBandDetectionRunsWhileTelephoneEventIsNegotiatedButUnused() {
        // The classic DTMF mismatch: the phone negotiates telephone-event and sends tones.
        var leg = MediaLeg(configuration: Self.configuration(law: .aLaw, telephoneEvent: Self.telephoneEvent))
        let frames = Self.toneFrames([.seven, .pound], law: .aLaw)
        var digits: [DTMFEvent] = []
        for (i, f) in frames.enumerated() {
            let t = 20 * Int64(i)
            _ = leg.receiveRTP(Self.audio(seq: UInt16(i), ts: 160 * UInt32(i), payload: f, payloadType: 8),
                               from: Self.peer, at: Self.at(t))
            digits += leg.tick(now: Self.at(t), ntp: Self.ntp).digits
        }
        XCTAssertEqual(digits.map(\.digit), [.seven, .pound])
        XCTAssertEqual(digits.map(\.source), [.inBand, .inBand])
        XCTAssertTrue(leg.detectsInBand)
    }

    func testNeverDetectsInBand() {
        var leg = MediaLeg(configuration: Self.configuration(inBand: .never))
        XCTAssertFalse(leg.detectsInBand)
        XCTAssertEqual(Self.play(Self.toneFrames([.three]), into: &leg), [])
        XCTAssertFalse(leg.statistics.inBandDetectorRan)
    }

    func testSIPInfoDuplicateOfAnRFC4733PressIsDropped() {
        var leg = MediaLeg(configuration: Self.configuration(telephoneEvent: Self.telephoneEvent))
        XCTAssertEqual(feedEvent(&leg, .seven, timestamp: 8000, seq: 1, start: 80).flatMap { $0 },
                       [DTMFEvent(digit: .seven, source: .rfc4733, at: Self.at(100))])
        XCTAssertNil(leg.receiveInfoDigit(.seven, durationMilliseconds: 160, at: Self.at(599)),
                     "the same press sent by INFO too, 499 ms later")
        XCTAssertEqual(leg.receiveInfoDigit(.eight, durationMilliseconds: 160, at: Self.at(610)),
                       DTMFEvent(digit: .eight, source: .sipInfo, at: Self.at(610), durationMilliseconds: 160))
        XCTAssertEqual(leg.receiveInfoDigit(.seven, durationMilliseconds: 100, at: Self.at(600)),
                       DTMFEvent(digit: .seven, source: .sipInfo, at: Self.at(600), durationMilliseconds: 100),
                       "500 ms after the RFC 4733 press is another press")
        XCTAssertEqual(leg.arbiter.duplicates, 1)
    }

    // MARK: Receiving: what is heard

    func testHeardFramesAreThePayloadsReceived() {
        var leg = MediaLeg(configuration: Self.configuration())
        var heard: [[UInt8]?] = []
        for i in 0..<5 {
            let t = 20 * Int64(i)
            _ = leg.receiveRTP(Self.audio(seq: 40 + UInt16(i), ts: 160 * UInt32(i), payload: Self.frame(i)), from: Self.peer, at: Self.at(t))
            heard.append(leg.tick(now: Self.at(t), ntp: Self.ntp).heard)
        }
        heard.append(leg.tick(now: Self.at(100), ntp: Self.ntp).heard)
        heard.append(leg.tick(now: Self.at(120), ntp: Self.ntp).heard)
        XCTAssertEqual(heard, [nil, Self.frame(0), Self.frame(1), Self.frame(2), Self.frame(3), Self.frame(4), nil],
                       "one frame of playout delay, then each frame as it came")
        XCTAssertEqual(leg.statistics.jitterBuffer.played, 5)
    }

    func testConcealmentRepeatsTheLastFrameAtMostTwice() {
        var leg = MediaLeg(configuration: Self.configuration())
        var heard: [[UInt8]?] = []
        for i in 0..<10 {
            let t = 20 * Int64(i)
            // Packets 3, 4 and 5 are lost; 6 arrives on time for its timestamp.
            if ![3, 4, 5].contains(i) {
                _ = leg.receiveRTP(Self.audio(seq: UInt16(i), ts: 160 * UInt32(i), payload: Self.frame(i)), from: Self.peer, at: Self.at(t))
            }
            heard.append(leg.tick(now: Self.at(t), ntp: Self.ntp).heard)
        }
        let f = Self.frame
        // Ticks 80 and 100: the buffer ran dry (nothing heard); 120–160: packets 3, 4 and 5
        // concealed, the last one repeated twice and then silence.
        XCTAssertEqual(heard, [nil, f(0), f(1), f(2), nil, nil, f(2), f(2), Playlist.silenceFrame(.muLaw), f(6)])
        XCTAssertEqual(leg.statistics.jitterBuffer.concealed, 3)
    }

    func testThirtyMillisecondPacketsAreHeardAsTwentyMillisecondFrames() {
        // Peers may send another packet time than ours; ticks still take 20 ms each.
        var leg = MediaLeg(configuration: Self.configuration())
        let payloads = (0..<8).map { k in (0..<240).map { UInt8(truncatingIfNeeded: k &* 240 &+ $0) } }
        var heard: [[UInt8]?] = []
        for j in 0..<14 {
            let t = 20 * Int64(j)
            // Each packet arrives at 30 k ms, before the tick that follows it.
            for k in 0..<8 where 30 * Int64(k) <= t && 30 * Int64(k) > t - 20 {
                _ = leg.receiveRTP(Self.audio(seq: UInt16(k), ts: 240 * UInt32(k), payload: payloads[k]), from: Self.peer,
                                   at: Self.at(30 * Int64(k)))
            }
            heard.append(leg.tick(now: Self.at(t), ntp: Self.ntp).heard)
        }
        XCTAssertNil(heard[0])
        XCTAssertNil(heard[1], "buffering one 30 ms packet")
        XCTAssertEqual(heard[2...].map { $0?.count }, Array(repeating: 160, count: 12))
        XCTAssertEqual(heard[2...].flatMap { $0 ?? [] }, payloads.flatMap { $0 },
                       "eight 240-byte packets heard as twelve 160-byte frames, nothing lost or repeated")
        XCTAssertEqual(leg.statistics.jitterBuffer.concealed, 0)
    }

    // MARK: Sending from the playlist

    func testTickSendsPlaylistFramesThenReportsTheEndThenSilence() {
        var leg = MediaLeg(configuration: Self.configuration())
        let ssrc = leg.sender.ssrc, seq0 = leg.sender.sequenceNumber, ts0 = leg.sender.timestamp
        leg.playlist.enqueue(.prompt(id: "welcome", frames: [Self.frame(1), Self.frame(2), Self.frame(3)]))
        var ticks: [MediaLeg.Tick] = []
        for i in 0..<5 { ticks.append(leg.tick(now: Self.at(20 * Int64(i)), ntp: Self.ntp)) }
        XCTAssertEqual(ticks.map { $0.rtp.map(Sent.init) }, [
            [Sent(marker: true, payloadType: 0, seq: seq0, ts: ts0, ssrc: ssrc, payload: Self.frame(1))],
            [Sent(marker: false, payloadType: 0, seq: seq0 &+ 1, ts: ts0 &+ 160, ssrc: ssrc, payload: Self.frame(2))],
            [Sent(marker: false, payloadType: 0, seq: seq0 &+ 2, ts: ts0 &+ 320, ssrc: ssrc, payload: Self.frame(3))],
            [Sent(marker: false, payloadType: 0, seq: seq0 &+ 3, ts: ts0 &+ 480, ssrc: ssrc, payload: Playlist.silenceFrame(.muLaw))],
            [Sent(marker: false, payloadType: 0, seq: seq0 &+ 4, ts: ts0 &+ 640, ssrc: ssrc, payload: Playlist.silenceFrame(.muLaw))],
        ])
        XCTAssertEqual(ticks.map(\.finished), [[], [], [], ["welcome"], []])
        XCTAssertEqual(ticks.map(\.sent), [Self.frame(1), Self.frame(2), Self.frame(3), nil, nil],
                       "silence is not what the peer heard from the playlist")
        XCTAssertEqual(leg.statistics.packetsSent, 5)
    }

    func testIdleWithoutSilenceSendsNothingAndTheTimestampRunsOn() {
        var leg = MediaLeg(configuration: Self.configuration(law: .aLaw, silenceWhenIdle: false))
        let ssrc = leg.sender.ssrc, seq0 = leg.sender.sequenceNumber, ts0 = leg.sender.timestamp
        XCTAssertEqual(leg.tick(now: Self.at(0), ntp: Self.ntp).rtp, [])
        XCTAssertEqual(leg.tick(now: Self.at(20), ntp: Self.ntp).rtp, [])
        leg.playlist.enqueue(.prompt(id: "beep", frames: [Self.frame(9)]))
        XCTAssertEqual(leg.tick(now: Self.at(40), ntp: Self.ntp).rtp.map(Sent.init),
                       [Sent(marker: true, payloadType: 8, seq: seq0, ts: ts0 &+ 320, ssrc: ssrc, payload: Self.frame(9))],
                       "no sequence number used while idle, the clock ran on, a new talkspurt")
        let end = leg.tick(now: Self.at(60), ntp: Self.ntp)
        XCTAssertEqual(end.finished, ["beep"])
        XCTAssertEqual(end.rtp, [])
        XCTAssertEqual(leg.sender.timestamp, ts0 &+ 640)
        XCTAssertEqual(leg.sender.sequenceNumber, seq0 &+ 1)
        XCTAssertEqual(leg.statistics.packetsSent, 1)
    }

    func testNotSendingSendsNoRTPAndThePlaylistWaits() {
        var leg = MediaLeg(configuration: Self.configuration(sends: false))
        let ssrc = leg.sender.ssrc, seq0 = leg.sender.sequenceNumber, ts0 = leg.sender.timestamp
        leg.playlist.enqueue(.prompt(id: "moh", frames: [Self.frame(4)]))
        for i in 0..<3 {
            let tick = leg.tick(now: Self.at(20 * Int64(i)), ntp: Self.ntp)
            XCTAssertEqual(tick.rtp, [])
            XCTAssertNil(tick.sent)
        }
        XCTAssertEqual(leg.sender.sequenceNumber, seq0)
        XCTAssertEqual(leg.sender.timestamp, ts0 &+ 480)
        XCTAssertFalse(leg.playlist.isEmpty)
        XCTAssertEqual(leg.statistics.packetsSent, 0)
        // Resumed: the waiting frame goes out on the clock, starting a talkspurt.
        leg.update(Self.configuration(sends: true))
        XCTAssertEqual(leg.tick(now: Self.at(60), ntp: Self.ntp).rtp.map(Sent.init),
                       [Sent(marker: true, payloadType: 0, seq: seq0, ts: ts0 &+ 480, ssrc: ssrc, payload: Self.frame(4))])
    }

    // MARK: Sending digits

    func testSendDigitsWithTelephoneEventSendsRFC4733Packets() throws {
        var leg = MediaLeg(configuration: Self.configuration(telephoneEvent: Self.telephoneEvent))
        let ssrc = leg.sender.ssrc, seq0 = leg.sender.sequenceNumber, ts0 = leg.sender.timestamp
        leg.sendDigits([.one, .two], durationMilliseconds: 100)
        var perTick: [[Sent]] = []
        for i in 0..<15 { perTick.append(leg.tick(now: Self.at(20 * Int64(i)), ntp: Self.ntp).rtp.map(Sent.init)) }
        XCTAssertEqual(perTick.map(\.count), Array(repeating: 1, count: 15), "one packet per 20 ms")
        let events = perTick.prefix(14).flatMap { $0 }
        XCTAssertEqual(events.map(\.header.payloadType), Array(repeating: Self.telephoneEvent, count: 14))
        XCTAssertEqual(events.map(\.header.ssrc), Array(repeating: ssrc, count: 14))
        XCTAssertEqual(events.map(\.header.sequenceNumber), (0..<14).map { seq0 &+ UInt16($0) })
        XCTAssertEqual(events.map(\.header.timestamp),
                       Array(repeating: ts0, count: 7) + Array(repeating: ts0 &+ 1120, count: 7),
                       "every packet of an event carries its start; the second starts where the clock is")
        XCTAssertEqual(events.map(\.header.marker), [true, false, false, false, false, false, false,
                                                     true, false, false, false, false, false, false])
        let payloads = try events.map { try TelephoneEventPayload(parsing: $0.payload) }
        XCTAssertEqual(payloads.map(\.event), Array(repeating: 1, count: 7) + Array(repeating: 2, count: 7))
        XCTAssertEqual(payloads.map(\.isEnd), [false, false, false, false, true, true, true,
                                               false, false, false, false, true, true, true],
                       "the end bit on the last three (RFC 4733 §2.5.1.4)")
        XCTAssertEqual(payloads.map(\.duration), [160, 320, 480, 640, 800, 800, 800, 160, 320, 480, 640, 800, 800, 800])
        XCTAssertEqual(perTick[14], [Sent(marker: true, payloadType: 0, seq: seq0 &+ 14, ts: ts0 &+ 2240, ssrc: ssrc,
                                          payload: Playlist.silenceFrame(.muLaw))],
                       "audio resumes on the clock that ran on underneath")
        XCTAssertEqual(leg.statistics.packetsSent, 15)
    }

    func testSendDigitsShorterThan40MillisecondsLast40() throws {
        var leg = MediaLeg(configuration: Self.configuration(telephoneEvent: Self.telephoneEvent))
        leg.sendDigits([.pound], durationMilliseconds: 10)
        leg.sendDigits([])
        var sent: [Sent] = []
        for i in 0..<4 { sent += leg.tick(now: Self.at(20 * Int64(i)), ntp: Self.ntp).rtp.map(Sent.init) }
        let payloads = try sent.map { try TelephoneEventPayload(parsing: $0.payload) }
        XCTAssertEqual(payloads, [TelephoneEventPayload(event: 11, isEnd: false, volume: 10, duration: 160),
                                  TelephoneEventPayload(event: 11, isEnd: true, volume: 10, duration: 320),
                                  TelephoneEventPayload(event: 11, isEnd: true, volume: 10, duration: 320),
                                  TelephoneEventPayload(event: 11, isEnd: true, volume: 10, duration: 320)])
    }

    func testSendDigitsWithoutTelephoneEventPlaysQ23Tones() {
        var leg = MediaLeg(configuration: Self.configuration())
        leg.sendDigits([.four, .two])
        XCTAssertEqual(leg.playlist.items.map(\.id), ["dtmf"])
        XCTAssertEqual(leg.playlist.items.map(\.frameCount), [20], "two digits of 100 ms tone and 100 ms pause")
        var payloads: [[UInt8]] = []
        for i in 0..<20 {
            let tick = leg.tick(now: Self.at(20 * Int64(i)), ntp: Self.ntp)
            XCTAssertEqual(tick.rtp.count, 1)
            let sent = Sent(tick.rtp[0])
            XCTAssertEqual(sent.header.payloadType, 0)
            XCTAssertEqual(tick.sent, sent.payload)
            payloads.append(sent.payload)
        }
        var detector = DTMFDetector()
        XCTAssertEqual(detector.process(payloads.flatMap { G711.decode($0, law: .muLaw) }).map(\.digit), [.four, .two])
        let after = leg.tick(now: Self.at(400), ntp: Self.ntp)
        XCTAssertEqual(after.finished, ["dtmf"])
        XCTAssertEqual(after.rtp.map { Sent($0).payload }, [Playlist.silenceFrame(.muLaw)])
    }

    // MARK: Relaying from the bridged leg

    func testRelayAudioOfTheSameLawPassesThePayloadOnAndTranslatesTimestamps() {
        var leg = MediaLeg(configuration: Self.configuration(seed: 3))
        let ssrc = leg.sender.ssrc, seq0 = leg.sender.sequenceNumber, ts0 = leg.sender.timestamp
        var relayed: [Sent] = []
        for i in 0..<3 {
            let source = RTPHeader(payloadType: 0, sequenceNumber: 900 + UInt16(i), timestamp: 50_000 + 160 * UInt32(i), ssrc: 0xB1D6E)
            let payload = Self.frame(10 + i)
            let packet = payload.withUnsafeBytes { leg.relayAudio($0, law: .muLaw, header: source) }
            relayed.append(Sent(packet!))
            XCTAssertEqual(leg.tick(now: Self.at(20 * Int64(i)), ntp: Self.ntp).rtp, [], "no silence in a tick that relayed")
        }
        XCTAssertEqual(relayed, [
            Sent(marker: true, payloadType: 0, seq: seq0, ts: ts0, ssrc: ssrc, payload: Self.frame(10)),
            Sent(marker: false, payloadType: 0, seq: seq0 &+ 1, ts: ts0 &+ 160, ssrc: ssrc, payload: Self.frame(11)),
            Sent(marker: false, payloadType: 0, seq: seq0 &+ 2, ts: ts0 &+ 320, ssrc: ssrc, payload: Self.frame(12)),
        ])
        XCTAssertEqual(leg.sender.timestamp, ts0 &+ 480)
        XCTAssertEqual(leg.statistics.relayed, 3)
        XCTAssertEqual(leg.statistics.packetsSent, 3)
        // The bridged leg stops talking: it keeps the floor for MediaLeg.relayHoldTicks ticks
        // (a late packet must not find its timestamp taken by our silence), then our silence follows on.
        for k in 0..<(MediaLeg.relayHoldTicks - 1) {
            XCTAssertEqual(leg.tick(now: Self.at(60 + 20 * Int64(k)), ntp: Self.ntp).rtp, [], "tick \(k) after the relay")
        }
        XCTAssertEqual(leg.tick(now: Self.at(60 + 20 * Int64(MediaLeg.relayHoldTicks - 1)), ntp: Self.ntp).rtp.map(Sent.init),
                       [Sent(marker: false, payloadType: 0, seq: seq0 &+ 3, ts: ts0 &+ 480, ssrc: ssrc,
                             payload: Playlist.silenceFrame(.muLaw))])
    }

    func testADuplicatePacketIsDroppedNotRelayed() {
        var leg = MediaLeg(configuration: Self.configuration())
        let packet = Self.audio(seq: 7, ts: 1120)
        guard case .audio = leg.receiveRTP(packet, from: Self.peer, at: Self.at(0)) else {
            return XCTFail("the first copy is audio")
        }
        // The second copy must not reach a bridged peer (it would hear the frame twice).
        XCTAssertEqual(leg.receiveRTP(packet, from: Self.peer, at: Self.at(1)), .dropped(.duplicateOrLate))
        XCTAssertEqual(leg.statistics.drops(.duplicateOrLate), 1)
    }

    func testRelayAudioKeepsTheSourcesMarker() {
        var leg = MediaLeg(configuration: Self.configuration())
        let p = Self.frame(1)
        _ = p.withUnsafeBytes { leg.relayAudio($0, law: .muLaw, header: RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1)) }
        let talkspurt = p.withUnsafeBytes {
            leg.relayAudio($0, law: .muLaw, header: RTPHeader(marker: true, payloadType: 0, sequenceNumber: 2, timestamp: 1600, ssrc: 1))
        }
        XCTAssertEqual(Sent(talkspurt!).header.marker, true)
    }

    func testRelayAudioTranscodesPCMUToPCMA() {
        var leg = MediaLeg(configuration: Self.configuration(law: .aLaw))
        let ulaw = (0...159).map { UInt8($0) }
        let source = RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 0xAB)
        let packet = Sent(ulaw.withUnsafeBytes { leg.relayAudio($0, law: .muLaw, header: source) }!)
        XCTAssertEqual(packet.header.payloadType, 8)
        XCTAssertEqual(packet.payload, G711.transcode(ulaw, from: .muLaw, to: .aLaw))
        XCTAssertNotEqual(packet.payload, ulaw)
        XCTAssertEqual(leg.sender.timestamp, packet.header.timestamp &+ 160)
    }

    func testRelayAudioIsHeldBackWhileThePlaylistPlaysOrWeDoNotSend() {
        let payload = Self.frame(0)
        let source = RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 0xAB)
        var playing = MediaLeg(configuration: Self.configuration())
        playing.playlist.enqueue(.silence(id: "s", frames: 1))
        XCTAssertNil(payload.withUnsafeBytes { playing.relayAudio($0, law: .muLaw, header: source) })
        var held = MediaLeg(configuration: Self.configuration(sends: false))
        XCTAssertNil(payload.withUnsafeBytes { held.relayAudio($0, law: .muLaw, header: source) })
        var digits = MediaLeg(configuration: Self.configuration(telephoneEvent: Self.telephoneEvent))
        digits.sendDigits([.one])
        _ = digits.tick(now: Self.at(0), ntp: Self.ntp)
        XCTAssertNil(payload.withUnsafeBytes { digits.relayAudio($0, law: .muLaw, header: source) },
                     "an RFC 4733 event is being sent")
        XCTAssertEqual(playing.statistics.relayed + held.statistics.relayed + digits.statistics.relayed, 0)
    }

    func testRelayTelephoneEventRewritesThePayloadType() {
        var leg = MediaLeg(configuration: Self.configuration(telephoneEvent: Self.telephoneEvent))
        let ssrc = leg.sender.ssrc, seq0 = leg.sender.sequenceNumber, ts0 = leg.sender.timestamp
        let start = TelephoneEventPayload(event: 3, isEnd: false, volume: 10, duration: 160).bytes
        let update = TelephoneEventPayload(event: 3, isEnd: false, volume: 10, duration: 320).bytes
        let first = start.withUnsafeBytes {
            leg.relayTelephoneEvent($0, header: RTPHeader(marker: true, payloadType: 96, sequenceNumber: 10, timestamp: 7000, ssrc: 0xCAFE))
        }
        let second = update.withUnsafeBytes {
            leg.relayTelephoneEvent($0, header: RTPHeader(payloadType: 96, sequenceNumber: 11, timestamp: 7000, ssrc: 0xCAFE))
        }
        XCTAssertEqual([first, second].map { Sent($0!) }, [
            Sent(marker: true, payloadType: Self.telephoneEvent, seq: seq0, ts: ts0, ssrc: ssrc, payload: start),
            Sent(marker: false, payloadType: Self.telephoneEvent, seq: seq0 &+ 1, ts: ts0, ssrc: ssrc, payload: update),
        ])
        XCTAssertEqual(leg.sender.timestamp, ts0, "event packets do not advance the audio clock")
        XCTAssertTrue(leg.takesTelephoneEvents)
        var without = MediaLeg(configuration: Self.configuration())
        XCTAssertFalse(without.takesTelephoneEvents)
        XCTAssertNil(start.withUnsafeBytes {
            without.relayTelephoneEvent($0, header: RTPHeader(payloadType: 96, sequenceNumber: 10, timestamp: 7000, ssrc: 0xCAFE))
        })
    }

    func testRelayedPacketAfterAFilledTickDoesNotReuseItsTimestamp() {
        // The bridged leg's packet for one tick arrives after that tick (network jitter), so
        // the tick filled in silence. The late packet then must not carry the silence's
        // timestamp: two different audio packets for the same sampling instant (RFC 3550 §5.1).
        var leg = MediaLeg(configuration: Self.configuration())
        var sent: [Sent] = []
        func relay(_ i: Int) {
            let source = RTPHeader(payloadType: 0, sequenceNumber: UInt16(i), timestamp: 160 * UInt32(i), ssrc: 0xAB)
            sent += Self.frame(i).withUnsafeBytes { leg.relayAudio($0, law: .muLaw, header: source) }.map { [Sent($0)] } ?? []
        }
        relay(0)
        sent += leg.tick(now: Self.at(0), ntp: Self.ntp).rtp.map(Sent.init)
        sent += leg.tick(now: Self.at(20), ntp: Self.ntp).rtp.map(Sent.init)  // packet 1 is late: silence
        relay(1)
        relay(2)
        sent += leg.tick(now: Self.at(40), ntp: Self.ntp).rtp.map(Sent.init)
        let timestamps = sent.map(\.header.timestamp)
        XCTAssertEqual(Set(timestamps).count, timestamps.count, "timestamps sent: \(timestamps)")
    }

    // MARK: RTCP

    func testFirstReportAtHalfTheIntervalIsASenderReportWithCNAME() throws {
        var leg = MediaLeg(configuration: Self.configuration())
        let ssrc = leg.sender.ssrc, ts0 = leg.sender.timestamp
        var reportsAt: [Int64] = []
        var first: [UInt8]?
        for ms in stride(from: Int64(0), through: 12_500, by: 20) {
            if let rtcp = leg.tick(now: Self.at(ms), ntp: Self.ntp).rtcp {
                reportsAt.append(ms)
                if first == nil { first = rtcp }
            }
        }
        XCTAssertEqual(reportsAt.first, 2500, "RFC 3550 §6.3.2: the first report after half the 5 s interval")
        XCTAssertEqual(try RTCPPacket.parseCompound(XCTUnwrap(first)), [
            .senderReport(RTCPSenderReport(ssrc: ssrc, ntpTimestamp: Self.ntp, rtpTimestamp: ts0 &+ 126 * 160,
                                           packetCount: 126, octetCount: 126 * 160)),
            .sourceDescription(ssrc: ssrc, cname: "hotline"),
        ], "126 silence packets sent in ticks 0…2500")
        XCTAssertGreaterThanOrEqual(reportsAt.count, 2)
        let gap = reportsAt[1] - reportsAt[0]
        XCTAssertTrue((2500...7500).contains(gap), "§6.3.1: 5 s × [0.5, 1.5), got \(gap) ms")
        XCTAssertEqual(leg.statistics.rtcpSent, reportsAt.count)
    }

    func testReceiverReportWhenNothingWasSent() throws {
        var leg = MediaLeg(configuration: Self.configuration(sends: false))
        let ssrc = leg.sender.ssrc
        var rtcp: [UInt8]?
        for ms in stride(from: Int64(0), through: 2500, by: 20) { rtcp = leg.tick(now: Self.at(ms), ntp: Self.ntp).rtcp ?? rtcp }
        XCTAssertEqual(try RTCPPacket.parseCompound(XCTUnwrap(rtcp)), [
            .receiverReport(RTCPReceiverReport(ssrc: ssrc, reports: [])),
            .sourceDescription(ssrc: ssrc, cname: "hotline"),
        ])
    }

    func testReportBlockEchoesThePeersSenderReport() throws {
        var leg = MediaLeg(configuration: Self.configuration())
        let ssrc = leg.sender.ssrc
        for i in 0..<3 {
            _ = leg.receiveRTP(Self.audio(seq: 100 + UInt16(i), ts: 160 * UInt32(i)), from: Self.peer, at: Self.at(20 * Int64(i)))
        }
        let peerNTP: UInt64 = 0xE8D4_A510_1234_9ABC
        let sr = RTCPPacket.serializeCompound([
            .senderReport(RTCPSenderReport(ssrc: Self.peerSSRC, ntpTimestamp: peerNTP, rtpTimestamp: 320, packetCount: 3, octetCount: 480)),
            .sourceDescription(ssrc: Self.peerSSRC, cname: "phone"),
        ])
        XCTAssertNil(leg.receiveRTCP(sr, from: Self.peerRTCP, at: Self.at(1000)))
        XCTAssertEqual(leg.statistics.rtcpReceived, 1)
        var rtcp: [UInt8]?
        for ms in stride(from: Int64(0), through: 2500, by: 20) { rtcp = leg.tick(now: Self.at(ms), ntp: Self.ntp).rtcp ?? rtcp }
        let packets = try RTCPPacket.parseCompound(XCTUnwrap(rtcp))
        guard case .senderReport(let ours) = packets.first else { return XCTFail("expected an SR, got \(packets)") }
        XCTAssertEqual(ours.ssrc, ssrc)
        XCTAssertEqual(ours.reports, [RTCPReportBlock(ssrc: Self.peerSSRC, fractionLost: 0, cumulativeLost: 0,
                                                      extendedHighestSequence: 102, jitter: 0,
                                                      lastSR: 0xA510_1234, delaySinceLastSR: 98_304)],
                       "LSR: the middle 32 bits of the SR's NTP time; DLSR: 1.5 s in 1/65536 s (RFC 3550 §6.4.1)")
    }

    func testPeerReportAboutOurStreamIsKept() {
        var leg = MediaLeg(configuration: Self.configuration())
        let other = RTCPReportBlock(ssrc: 0x1234, fractionLost: 200, cumulativeLost: 99, extendedHighestSequence: 1,
                                    jitter: 1, lastSR: 0, delaySinceLastSR: 0)
        let mine = RTCPReportBlock(ssrc: leg.sender.ssrc, fractionLost: 25, cumulativeLost: 7,
                                   extendedHighestSequence: 0x0001_0203, jitter: 80, lastSR: 0x1111_2222, delaySinceLastSR: 6554)
        let onlyOther = RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: Self.peerSSRC, reports: [other]))])
        XCTAssertNil(leg.receiveRTCP(onlyOther, from: Self.peerRTCP, at: Self.at(0)))
        XCTAssertNil(leg.statistics.peerReport, "a block about another source is not about us")
        let both = RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: Self.peerSSRC, reports: [other, mine])),
                                                 .sourceDescription(ssrc: Self.peerSSRC, cname: "phone")])
        XCTAssertNil(leg.receiveRTCP(both, from: Self.peerRTCP, at: Self.at(5000)))
        XCTAssertEqual(leg.statistics.peerReport, mine)
        XCTAssertEqual(leg.statistics.rtcpReceived, 2)
    }

    func testRTCPFromElsewhereOrMalformedIsDropped() {
        var leg = MediaLeg(configuration: Self.configuration())
        let rr = RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: Self.peerSSRC))])
        XCTAssertEqual(leg.receiveRTCP(rr, from: RTPTransportAddress(host: "127.0.0.2", port: 40_001), at: Self.at(0)),
                       .unexpectedHost)
        XCTAssertEqual(leg.receiveRTCP([0x81, 201, 0], from: Self.peerRTCP, at: Self.at(0)), .malformed)
        XCTAssertEqual(leg.receiveRTCP(RTCPPacket.serializeCompound([.sourceDescription(ssrc: Self.peerSSRC, cname: "x")]),
                                       from: Self.peerRTCP, at: Self.at(0)), .malformed, "a compound starts with SR or RR")
        XCTAssertNil(leg.receiveRTCP(rr, from: Self.peerRTCP, at: Self.at(0)))
        XCTAssertEqual(leg.rtcpTarget, Self.peerRTCP)
        XCTAssertEqual(leg.receiveRTCP(rr, from: RTPTransportAddress(host: "127.0.0.1", port: 40_009), at: Self.at(10)),
                       .notLatchedSource)
        XCTAssertEqual(leg.statistics.drops, [.unexpectedHost: 1, .malformed: 2, .notLatchedSource: 1])
        XCTAssertEqual(leg.statistics.rtcpReceived, 1)
    }

    func testCloseEndsWithBye() throws {
        var sending = MediaLeg(configuration: Self.configuration())
        let ssrc = sending.sender.ssrc, ts0 = sending.sender.timestamp
        for i in 0..<3 { _ = sending.tick(now: Self.at(20 * Int64(i)), ntp: Self.ntp) }
        XCTAssertEqual(try RTCPPacket.parseCompound(sending.close(now: Self.at(60), ntp: Self.ntp)), [
            .senderReport(RTCPSenderReport(ssrc: ssrc, ntpTimestamp: Self.ntp, rtpTimestamp: ts0 &+ 480,
                                           packetCount: 3, octetCount: 480)),
            .sourceDescription(ssrc: ssrc, cname: "hotline"),
            .goodbye(ssrc: ssrc),
        ])
        XCTAssertEqual(sending.statistics.rtcpSent, 1)
        var silent = MediaLeg(configuration: Self.configuration(sends: false, seed: 99))
        let silentSSRC = silent.sender.ssrc
        XCTAssertEqual(try RTCPPacket.parseCompound(silent.close(now: Self.at(0), ntp: Self.ntp)), [
            .receiverReport(RTCPReceiverReport(ssrc: silentSSRC)),
            .sourceDescription(ssrc: silentSSRC, cname: "hotline"),
            .goodbye(ssrc: silentSSRC),
        ])
    }

    // MARK: Renegotiation

    func testUpdateToANewRemoteLatchesAgain() {
        var leg = MediaLeg(configuration: Self.configuration())
        _ = leg.receiveRTP(Self.audio(seq: 1, ts: 0), from: Self.natted, at: Self.at(0))
        XCTAssertEqual(leg.sendTarget, Self.natted)
        leg.update(Self.configuration())  // nothing changed: the latch stays
        XCTAssertEqual(leg.sendTarget, Self.natted)
        let moved = RTPTransportAddress(host: "127.0.0.3", port: 42_000)
        leg.update(Self.configuration(remote: moved))
        XCTAssertNil(leg.latch.latched)
        XCTAssertEqual(leg.sendTarget, moved)
        XCTAssertEqual(leg.rtcpTarget, RTPTransportAddress(host: "127.0.0.3", port: 42_001))
        XCTAssertEqual(leg.receiveRTP(Self.audio(seq: 2, ts: 160), from: Self.natted, at: Self.at(20)), .dropped(.unexpectedHost),
                       "the old address is a stranger now")
        let fromNew = Self.audio(seq: 3, ts: 320)
        let newSource = RTPTransportAddress(host: "127.0.0.3", port: 42_010)
        XCTAssertEqual(leg.receiveRTP(fromNew, from: newSource, at: Self.at(40)), .audio(Self.header(fromNew), payloadRange: 12..<172))
        XCTAssertEqual(leg.sendTarget, newSource)
    }

    func testUpdateChangesDirectionAndPayloadTypes() {
        var leg = MediaLeg(configuration: Self.configuration())
        XCTAssertFalse(leg.takesTelephoneEvents)
        leg.update(Self.configuration(telephoneEvent: 96, receives: false))
        XCTAssertTrue(leg.takesTelephoneEvents)
        XCTAssertEqual(leg.configuration.telephoneEventPayloadType, 96)
        XCTAssertEqual(leg.receiveRTP(Self.audio(seq: 1, ts: 0), from: Self.peer, at: Self.at(0)), .dropped(.notReceiving))
        leg.update(Self.configuration(law: .aLaw))
        XCTAssertEqual(leg.law, .aLaw)
        XCTAssertEqual(leg.playlist.law, .aLaw)
        XCTAssertEqual(leg.receiveRTP(Self.audio(seq: 2, ts: 160), from: Self.peer, at: Self.at(20)), .dropped(.wrongPayloadType),
                       "PCMU is no longer negotiated")
        let alaw = Self.audio(seq: 3, ts: 320, payloadType: 8)
        XCTAssertEqual(leg.receiveRTP(alaw, from: Self.peer, at: Self.at(40)), .audio(Self.header(alaw), payloadRange: 12..<172))
    }
}

// MARK: - Traps

/// Faults that stop the process, run in a child process (swift-testing exit tests) so the
/// rest of the suite still runs and reports.
extension MediaLegTests {
    @Suite struct Traps {
        /// Digits queued for RFC 4733, then a re-INVITE without telephone-event: the next tick
        /// force-unwraps the now-nil payload type.
        @Test func renegotiatingTelephoneEventAwayWithDigitsQueuedDoesNotTrap() async {
            await #expect(processExitsWith: .success) {
                let remote = RTPTransportAddress(host: "127.0.0.1", port: 40_000)
                var leg = MediaLeg(configuration: MediaLeg.Configuration(
                    law: .muLaw, telephoneEventPayloadType: 101, remote: remote, seed: 1))
                leg.sendDigits([.one])
                leg.update(MediaLeg.Configuration(law: .muLaw, remote: remote, seed: 1))
                _ = leg.tick(now: MediaInstant(milliseconds: 0), ntp: 0)
            }
        }
    }
}
