/// One media description: an `m=` line and the `i=`, `c=`, `b=`, `k=` and `a=` lines
/// after it (RFC 8866 §5.14).
///
/// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...`
///
/// A port of 0 marks a stream that is disabled or rejected (RFC 3264 §5.1, §6).
public struct MediaDescription: Sendable, Hashable {
    /// `audio`, `video`, `text`, `application`, `message` or anything else, as sent.
    public var mediaType: String
    /// The transport port; 0 for a rejected or disabled stream.
    public var port: UInt16
    /// The `/<number of ports>` suffix, when present (RFC 8866 §5.14).
    public var portCount: Int?
    /// Transport protocol, e.g. `RTP/AVP` (RFC 3551), `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`.
    public var proto: String
    /// Media formats; for RTP these are payload type numbers as strings (`"0"`,
    /// `"101"`), in the sender's order of preference (RFC 3264 §5.1).
    public var formats: [String]
    /// `i=`: media title (RFC 8866 §5.4).
    public var information: String?
    /// `c=` lines of this media. Usually zero (use the session one) or one; several
    /// are allowed for layered multicast (RFC 8866 §5.7).
    public var connections: [Connection]
    /// `b=` lines of this media (RFC 8866 §5.8).
    public var bandwidths: [Bandwidth]
    /// `k=`: encryption key, verbatim; obsolete (RFC 8866 §5.12).
    public var encryptionKey: String?
    /// `a=` lines of this media, in order; unknown ones verbatim (RFC 8866 §5.13).
    public var attributes: [SDPAttribute]

    public init(
        mediaType: String,
        port: UInt16,
        portCount: Int? = nil,
        proto: String = "RTP/AVP",
        formats: [String],
        information: String? = nil,
        connections: [Connection] = [],
        bandwidths: [Bandwidth] = [],
        encryptionKey: String? = nil,
        attributes: [SDPAttribute] = []
    ) {
        self.mediaType = mediaType
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.information = information
        self.connections = connections
        self.bandwidths = bandwidths
        self.encryptionKey = encryptionKey
        self.attributes = attributes
    }

    /// The first `c=` of this media; setting replaces all of them (`nil` removes).
    public var connection: Connection? {
        get { connections.first }
        set { connections = newValue.map { [$0] } ?? [] }
    }

    /// True when the port is 0: the stream is rejected or disabled (RFC 3264 §5.1).
    public var isRejected: Bool { port == 0 }

    // MARK: Typed attributes

    /// Every well-formed `a=rtpmap` of this media, in order (RFC 8866 §6.6).
    public var rtpmaps: [RTPMap] {
        attributes.compactMap { $0.isNamed("rtpmap") ? $0.value.flatMap(RTPMap.init(attributeValue:)) : nil }
    }

    /// The encoding of RTP payload type `format`: its `a=rtpmap`, or for a static
    /// payload type without one, the RFC 3551 §6 assignment (`0` is PCMU/8000).
    public func rtpmap(forFormat format: String) -> RTPMap? {
        // Only the attributes that may be this format's are parsed (a negotiation asks for each format).
        for attribute in attributes where attribute.isNamed("rtpmap") {
            guard let value = attribute.value,
                  let type = UInt8(value.prefix(while: { $0 != " " && $0 != "\t" })), String(type) == format,
                  let map = RTPMap(attributeValue: value), String(map.payloadType) == format else { continue }
            return map
        }
        return UInt8(format).flatMap(RTPMap.staticAssignment(payloadType:))
    }

    /// Every well-formed `a=fmtp` of this media, in order (RFC 8866 §6.15).
    public var formatParameters: [FormatParameters] {
        attributes.compactMap { $0.isNamed("fmtp") ? $0.value.flatMap(FormatParameters.init(attributeValue:)) : nil }
    }

    /// The parameters of the `a=fmtp` for `format`, e.g. `"0-16"` for
    /// telephone-event (RFC 4733 §2.4.1).
    public func formatParameters(forFormat format: String) -> String? {
        formatParameters.first(where: { $0.format == format })?.parameters
    }

    /// `a=ptime`: packet time in milliseconds the sender of this SDP wants to
    /// receive (RFC 8866 §6.4).
    public var ptime: Int? {
        attributes.first(where: { $0.isNamed("ptime") })?.value.flatMap(SDPAttribute.decimalPrefix)
    }

    /// `a=maxptime`: the longest packet time the sender can receive (RFC 8866 §6.5).
    public var maxptime: Int? {
        attributes.first(where: { $0.isNamed("maxptime") })?.value.flatMap(SDPAttribute.decimalPrefix)
    }

    /// The direction attribute of this media, if any; see
    /// ``SessionDescription/direction(of:)`` for the one that applies.
    public var direction: MediaDirection? { attributes.direction }

    /// `a=rtcp`: the RTCP port (and address) when it is not RTP port + 1 (RFC 3605).
    public var rtcp: RTCPAttribute? {
        attributes.first(where: { $0.isNamed("rtcp") })?.value.flatMap(RTCPAttribute.init(attributeValue:))
    }

    /// `a=rtcp-mux`: RTP and RTCP share the RTP port (RFC 5761 §5.1.1).
    public var isRTCPMultiplexed: Bool { attributes.contains(where: { $0.isNamed("rtcp-mux") }) }
}
