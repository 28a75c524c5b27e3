/// The outcome of an offer/answer exchange for the audio stream: everything the
/// media plane needs to send and receive RTP for one call leg.
public struct NegotiatedMedia: Sendable, Hashable {
    /// The position of the audio m-line in the offer and the answer (RFC 3264 §6
    /// pairs them by position). A re-offer must keep it (RFC 3264 §8).
    public var mediaIndex: Int
    /// Where the peer receives RTP: the media's `c=` address, else the session's.
    /// `0.0.0.0` for an RFC 2543-style hold (then ``direction`` does not send).
    public var remoteAddress: String
    /// The peer's RTP port (from its `m=` line).
    public var remotePort: UInt16
    /// Where the peer receives RTCP: the `a=rtcp` address (RFC 3605), else
    /// ``remoteAddress``.
    public var remoteRTCPAddress: String
    /// The peer's RTCP port: `a=rtcp` (RFC 3605) when present, else RTP port + 1
    /// (RFC 3550 §11). We never agree to `a=rtcp-mux`, so this is never the RTP port.
    public var remoteRTCPPort: UInt16
    /// The audio codec both sides use, with the payload type to put in RTP headers.
    /// The encoding name is ours (`PCMU`), whatever case the peer wrote.
    public var codec: RTPMap
    /// The RFC 4733 telephone-event payload type, or `nil` when the peer did not
    /// offer or accept telephone-event at the codec's clock rate (then DTMF must be
    /// detected in-band).
    public var telephoneEventPayloadType: UInt8?
    /// The packet time we send and asked to receive, in milliseconds.
    public var ptime: Int
    /// The `a=ptime` the peer asked for, if any. G.711 peers cope with 20 ms
    /// whatever they ask; this is reported for logs and diagnostics.
    public var remotePtime: Int?
    /// What *we* do with this stream: `sendrecv`, or less while on hold.
    public var direction: MediaDirection
    /// The offerer has put the stream on hold (RFC 3264 §8.4): its offer was
    /// `sendonly` or `inactive`, or used `c=0.0.0.0` as RFC 2543 did. When we are
    /// the offerer, this says that our own offer held the peer.
    public var isHold: Bool
    /// Our RTP port for this stream (from our own SDP); RTCP is on the port above.
    public var localPort: UInt16

    public init(
        mediaIndex: Int,
        remoteAddress: String,
        remotePort: UInt16,
        remoteRTCPAddress: String,
        remoteRTCPPort: UInt16,
        codec: RTPMap,
        telephoneEventPayloadType: UInt8?,
        ptime: Int,
        remotePtime: Int?,
        direction: MediaDirection,
        isHold: Bool,
        localPort: UInt16 = 0
    ) {
        self.mediaIndex = mediaIndex
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.remoteRTCPAddress = remoteRTCPAddress
        self.remoteRTCPPort = remoteRTCPPort
        self.codec = codec
        self.telephoneEventPayloadType = telephoneEventPayloadType
        self.ptime = ptime
        self.remotePtime = remotePtime
        self.direction = direction
        self.isHold = isHold
        self.localPort = localPort
    }
}

/// Our answer to an offer (RFC 3264 §6) and what it agreed to.
public struct NegotiatedAnswer: Sendable, Hashable {
    /// The SDP to send back, in the 200 OK (or reliable provisional) to an INVITE
    /// offer, or in the ACK to a 200 OK offer.
    public var answer: SessionDescription
    /// The negotiated audio stream.
    public var media: NegotiatedMedia

    public init(answer: SessionDescription, media: NegotiatedMedia) {
        self.answer = answer
        self.media = media
    }
}
