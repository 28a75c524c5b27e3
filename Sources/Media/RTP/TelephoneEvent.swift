/// A DTMF key, numbered as its RFC 4733 §3.2 event code (0–9, * = 10, # = 11, A–D = 12–15).
public enum DTMFDigit: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case zero = 0, one, two, three, four, five, six, seven, eight, nine
    case star = 10, pound = 11, a = 12, b = 13, c = 14, d = 15

    /// The digit for a key character ("0"–"9", "*", "#", "A"–"D", case-insensitive).
    public init?(character: Character) {
        switch character {
        case "0"..."9": self.init(rawValue: UInt8(character.asciiValue! - 48))
        case "*": self = .star
        case "#": self = .pound
        case "A", "a": self = .a
        case "B", "b": self = .b
        case "C", "c": self = .c
        case "D", "d": self = .d
        default: return nil
        }
    }

    public var character: Character {
        switch self {
        case .star: "*"
        case .pound: "#"
        case .a: "A"
        case .b: "B"
        case .c: "C"
        case .d: "D"
        default: Character(Unicode.Scalar(48 + rawValue))
        }
    }

    public var description: String { String(character) }
}

/// The 4-byte telephone-event payload (RFC 4733 §2.3).
///
/// ```
///  0                   1                   2                   3
/// |     event     |E|R| volume    |          duration             |
/// ```
public struct TelephoneEventPayload: Hashable, Sendable {
    /// Event code (RFC 4733 §3.2 for DTMF).
    public var event: UInt8
    /// E bit: this packet reports the end of the event.
    public var isEnd: Bool
    /// Power level as -dBm0 (0–63).
    public var volume: UInt8
    /// Duration so far, in timestamp units, from the event's RTP timestamp.
    public var duration: UInt16

    public init(event: UInt8, isEnd: Bool, volume: UInt8, duration: UInt16) {
        self.event = event
        self.isEnd = isEnd
        self.volume = volume & 0x3F
        self.duration = duration
    }

    public static let length = 4

    /// The DTMF key, when the event is one (0–15).
    public var digit: DTMFDigit? { DTMFDigit(rawValue: event) }

    /// Parses the first 4 bytes of a payload; RFC 4733 §2.3 ignores the R bit on receipt.
    public init(parsing bytes: some Collection<UInt8>) throws(RTPError) {
        guard bytes.count >= Self.length else {
            throw RTPError(.tooShort, packetLength: bytes.count, offset: bytes.count)
        }
        var it = bytes.makeIterator()
        let event = it.next()!, flags = it.next()!, d0 = it.next()!, d1 = it.next()!
        self.init(event: event, isEnd: flags & 0x80 != 0, volume: flags & 0x3F,
                  duration: UInt16(d0) << 8 | UInt16(d1))
    }

    public var bytes: [UInt8] {
        [event, (isEnd ? 0x80 : 0) | volume, UInt8(duration >> 8), UInt8(truncatingIfNeeded: duration)]
    }
}

/// Builds the RTP packets that send one DTMF digit as RFC 4733 events (§2.5.1).
///
/// Every packet carries the event's start timestamp. The first has the marker bit
/// (§2.5.1.2); updates follow every packet interval with the growing duration; the end
/// is sent three times with the E bit and the final duration (§2.5.1.4), each a packet
/// interval apart so one burst of loss does not take all three.
public struct TelephoneEventSender: Hashable, Sendable {
    /// One packet to send, `sendOffset` timestamp units after the event start.
    public struct Packet: Hashable, Sendable {
        public var header: RTPHeader
        public var payload: TelephoneEventPayload
        public var sendOffset: UInt32

        public init(header: RTPHeader, payload: TelephoneEventPayload, sendOffset: UInt32) {
            self.header = header
            self.payload = payload
            self.sendOffset = sendOffset
        }

        public var bytes: [UInt8] { header.serialized(payload: payload.bytes) }
    }

    public var payloadType: UInt8
    public var ssrc: UInt32
    /// Timestamp units between updates: 160 = 20 ms at 8 kHz.
    public var packetInterval: UInt32
    /// Power level as -dBm0; 10 is typical of phones.
    public var volume: UInt8
    /// Copies of the end packet (RFC 4733 §2.5.1.4 recommends three).
    public var endRepeats: Int

    public init(payloadType: UInt8, ssrc: UInt32, packetInterval: UInt32 = 160, volume: UInt8 = 10, endRepeats: Int = 3) {
        self.payloadType = payloadType
        self.ssrc = ssrc
        self.packetInterval = packetInterval
        self.volume = volume
        self.endRepeats = endRepeats
    }

    /// The packets for `digit` lasting `duration` timestamp units (capped at 65535,
    /// the largest one event can say), starting at `timestamp` with `sequenceNumber`.
    /// The next free sequence number is `sequenceNumber + packets.count`.
    public func packets(for digit: DTMFDigit, duration: UInt32, timestamp: UInt32,
                        sequenceNumber: UInt16) -> [Packet] {
        let total = min(max(duration, packetInterval), UInt32(UInt16.max))
        var result: [Packet] = []
        var seq = sequenceNumber
        func add(_ elapsed: UInt32, end: Bool, offset: UInt32) {
            let header = RTPHeader(marker: result.isEmpty, payloadType: payloadType, sequenceNumber: seq,
                                   timestamp: timestamp, ssrc: ssrc)
            let payload = TelephoneEventPayload(event: digit.rawValue, isEnd: end, volume: volume,
                                                duration: UInt16(elapsed))
            result.append(Packet(header: header, payload: payload, sendOffset: offset))
            seq &+= 1
        }
        var elapsed = packetInterval
        while elapsed < total {
            add(elapsed, end: false, offset: elapsed)
            elapsed += packetInterval
        }
        for i in 0..<max(endRepeats, 1) {
            add(total, end: true, offset: total + UInt32(i) * packetInterval)
        }
        return result
    }
}
