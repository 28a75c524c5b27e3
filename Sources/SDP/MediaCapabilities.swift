/// An RTP audio encoding we can send and receive.
public struct Codec: Sendable, Hashable {
    /// The encoding name we write in `a=rtpmap` (RFC 4855 §3: matched
    /// case-insensitively).
    public var encodingName: String
    /// RTP clock rate in Hz.
    public var clockRate: UInt32
    /// Channels; `nil` means one.
    public var channels: Int?
    /// The payload type we use in our offers: the RFC 3551 static number for static
    /// encodings, our choice in 96–127 for dynamic ones. In answers the offerer's
    /// number is used instead (RFC 3264 §6.1).
    public var payloadType: UInt8
    /// The `a=fmtp` parameters we write for this codec, if any.
    public var formatParameters: String?

    public init(
        encodingName: String,
        clockRate: UInt32,
        channels: Int? = nil,
        payloadType: UInt8,
        formatParameters: String? = nil
    ) {
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
        self.payloadType = payloadType
        self.formatParameters = formatParameters
    }

    /// G.711 µ-law, static payload type 0 (RFC 3551 §4.5.14).
    public static let pcmu = Codec(encodingName: "PCMU", clockRate: 8000, payloadType: 0)
    /// G.711 A-law, static payload type 8 (RFC 3551 §4.5.14).
    public static let pcma = Codec(encodingName: "PCMA", clockRate: 8000, payloadType: 8)
    /// DTMF events (RFC 4733 §7.1.1), payload type 101 in our offers, events 0–16:
    /// digits, `*`, `#`, A–D and flash (RFC 4733 §3.2).
    public static let telephoneEvent = Codec(
        encodingName: "telephone-event", clockRate: 8000, payloadType: 101, formatParameters: "0-16")

    /// This codec with payload type `payloadType`, as an rtpmap.
    public func rtpmap(payloadType: UInt8) -> RTPMap {
        RTPMap(payloadType: payloadType, encodingName: encodingName, clockRate: clockRate, channels: channels)
    }

    /// True when `map` names this encoding at this clock rate and channel count.
    public func matches(_ map: RTPMap) -> Bool {
        map.hasEncoding(encodingName, clockRate: clockRate, channels: channels)
    }
}

/// What our media plane supports, in our order of preference.
///
/// The default is what Hotline's media engine does: G.711 µ-law, then A-law, RFC 4733
/// telephone-events for DTMF, 20 ms packets (one tick of the shared media clock).
public struct MediaCapabilities: Sendable, Hashable {
    /// Audio codecs, most preferred first. Used in this order in our offers; in
    /// answers the offerer's order decides (see ``SDPNegotiator``).
    public var audioCodecs: [Codec]
    /// RFC 4733 telephone-event, or `nil` to neither offer nor accept it.
    public var telephoneEvent: Codec?
    /// The packet time we send and ask to receive, in milliseconds (`a=ptime`,
    /// RFC 8866 §6.4).
    public var ptime: Int

    public init(audioCodecs: [Codec], telephoneEvent: Codec?, ptime: Int) {
        self.audioCodecs = audioCodecs
        self.telephoneEvent = telephoneEvent
        self.ptime = ptime
    }

    /// PCMU, PCMA, telephone-event/8000 (PT 101, events 0-16), ptime 20.
    public static let `default` = MediaCapabilities(
        audioCodecs: [.pcmu, .pcma], telephoneEvent: .telephoneEvent, ptime: 20)
}
