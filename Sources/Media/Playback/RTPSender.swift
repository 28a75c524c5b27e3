/// The sending side of one RTP stream: its SSRC, next sequence number and next
/// timestamp (RFC 3550 §5.1), and the packets built from them.
///
/// - The SSRC and the initial sequence number and timestamp are random (RFC 3550 §5.1:
///   "SHOULD be random (unpredictable) to make known-plaintext attacks … more
///   difficult"; §8.1 for the SSRC). The caller supplies the seed, so the value stays
///   pure and tests are repeatable; the adapter seeds it from a system random source.
/// - Each packet advances the sequence number by one and the timestamp by one frame
///   (160 samples, 20 ms at 8 kHz), both wrapping modulo 2^16 and 2^32.
/// - ``skip(frames:)`` accounts for frames not sent (silence suppression, a hold):
///   the timestamp runs on with the sampling clock, the sequence number does not,
///   because no packet was lost (RFC 3550 §5.1).
/// - The marker bit is set on the first packet of the stream and on the first packet
///   after a skip, the start of a talkspurt (RFC 3551 §4.1), besides when the caller asks.
public struct RTPSender: Hashable, Sendable {
    /// The synchronization source identifier.
    public let ssrc: UInt32
    /// Timestamp units per frame: 160 for 20 ms at 8 kHz.
    public let samplesPerFrame: UInt32
    /// Sequence number of the next packet.
    public private(set) var sequenceNumber: UInt16
    /// RTP timestamp of the next packet.
    public private(set) var timestamp: UInt32
    /// Packets built so far (the RTCP sender report's packet count, RFC 3550 §6.4.1).
    public private(set) var packetCount: UInt32 = 0
    /// Payload octets built so far (the sender report's octet count, RFC 3550 §6.4.1).
    public private(set) var octetCount: UInt32 = 0
    /// The next packet starts a talkspurt and carries the marker.
    public private(set) var startsTalkspurt = true

    /// A stream whose SSRC, first sequence number and first timestamp are drawn from `seed`.
    public init(seed: UInt64, samplesPerFrame: UInt32 = UInt32(MediaModule.samplesPerFrame)) {
        var generator = SplitMix64(state: seed)
        let a = generator.next(), b = generator.next()
        self.init(ssrc: UInt32(truncatingIfNeeded: a),
                  initialSequenceNumber: UInt16(truncatingIfNeeded: a >> 32),
                  initialTimestamp: UInt32(truncatingIfNeeded: b),
                  samplesPerFrame: samplesPerFrame)
    }

    /// A stream with given starting values (a test, or continuing a stream across a re-INVITE).
    public init(ssrc: UInt32, initialSequenceNumber: UInt16, initialTimestamp: UInt32,
                samplesPerFrame: UInt32 = UInt32(MediaModule.samplesPerFrame)) {
        self.ssrc = ssrc
        self.sequenceNumber = initialSequenceNumber
        self.timestamp = initialTimestamp
        self.samplesPerFrame = samplesPerFrame
    }

    /// The header the next packet will carry, without advancing.
    public func nextHeader(payloadType: UInt8, marker: Bool = false) -> RTPHeader {
        RTPHeader(marker: marker || startsTalkspurt, payloadType: payloadType,
                  sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc)
    }

    /// The next packet's bytes: header then `payload`, one frame's worth; advances the
    /// sequence number by 1 and the timestamp by ``samplesPerFrame``.
    public mutating func next(payloadType: UInt8, payload: some Collection<UInt8>, marker: Bool = false) -> [UInt8] {
        let packet = nextHeader(payloadType: payloadType, marker: marker).serialized(payload: payload)
        sequenceNumber &+= 1
        timestamp &+= samplesPerFrame
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: payload.count)
        startsTalkspurt = false
        return packet
    }

    /// A packet whose timestamp the caller chose (a relayed packet, translated onto this
    /// stream's timeline by ``RTPTranslator``): takes the next sequence number, and the
    /// next packet of our own follows `nextTimestamp` when given (an audio frame),
    /// or keeps the current timestamp (an RFC 4733 event packet, which does not advance it).
    public mutating func next(payloadType: UInt8, payload: some Collection<UInt8>, timestamp packetTimestamp: UInt32,
                              nextTimestamp: UInt32?, marker: Bool = false) -> [UInt8] {
        let header = RTPHeader(marker: marker, payloadType: payloadType, sequenceNumber: sequenceNumber,
                               timestamp: packetTimestamp, ssrc: ssrc)
        sequenceNumber &+= 1
        if let nextTimestamp { timestamp = nextTimestamp }
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: payload.count)
        startsTalkspurt = false
        return header.serialized(payload: payload)
    }

    /// `frames` frames pass unsent: the timestamp advances, the sequence number does not,
    /// and the next packet starts a talkspurt.
    public mutating func skip(frames: Int) {
        precondition(frames >= 0, "frames skipped are not negative")
        guard frames > 0 else { return }
        timestamp &+= samplesPerFrame &* UInt32(truncatingIfNeeded: frames)
        startsTalkspurt = true
    }

    /// Takes `count` sequence numbers for packets built elsewhere on this SSRC (RFC 4733
    /// events from ``TelephoneEventSender``, which share the stream's sequence space,
    /// RFC 4733 §2.1); returns the first.
    public mutating func reserveSequenceNumbers(_ count: Int) -> UInt16 {
        precondition(count >= 0, "a count is not negative")
        let first = sequenceNumber
        sequenceNumber &+= UInt16(truncatingIfNeeded: count)
        packetCount &+= UInt32(truncatingIfNeeded: count)
        return first
    }
}

/// Steele, Lea and Flood's SplitMix64 ("Fast splittable pseudorandom number generators",
/// OOPSLA 2014): spreads a seed's bits over every output, so nearby seeds give unrelated streams.
private struct SplitMix64: Sendable {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
