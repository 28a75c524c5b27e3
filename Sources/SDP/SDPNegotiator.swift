/// RFC 3264 offer/answer for one audio stream over RTP/AVP, as pure functions of
/// SDP values: no clocks, no I/O, no state (``OfferAnswerState`` adds the state).
///
/// As answerer (``answer(to:local:previousVersion:)``):
/// - The first active `m=audio` over `RTP/AVP` with a codec in common is accepted;
///   every other m-line is rejected with port 0, keeping its media type, proto and
///   formats, so the answer has the offer's m-lines in the offer's order (RFC 3264 §6).
/// - The codec is the first of the *offerer's* formats that we support (RFC 3264
///   §6.1 lets the answerer pick; taking the offerer's first choice is what peers
///   expect). Static payload types match without an rtpmap (RFC 3551 §6), dynamic
///   ones by encoding name (case-insensitive) and clock rate. The offerer's payload
///   type numbers are kept (RFC 3264 §6.1).
/// - telephone-event is accepted with the offerer's payload type when offered at the
///   chosen codec's clock rate (RFC 4733 §2.1).
/// - The direction is the offer's seen from our side (RFC 3264 §6.1): `sendonly` is
///   answered `recvonly`, `recvonly` `sendonly`, `inactive` `inactive`, `sendrecv`
///   `sendrecv`. An offer with `c=0.0.0.0` (RFC 2543 hold, RFC 3264 §8.4) cannot
///   receive, so it is treated as if it also said it does not.
///
/// As offerer (``offer(local:direction:previousVersion:previousMedia:)``, then
/// ``process(answer:toOffer:)``): one audio m-line with our codecs in our order.
public struct SDPNegotiator: Sendable, Hashable {
    /// What we support.
    public var capabilities: MediaCapabilities

    public init(capabilities: MediaCapabilities = .default) {
        self.capabilities = capabilities
    }

    // MARK: Answerer

    /// Answers `offer` (RFC 3264 §6).
    ///
    /// - Parameters:
    ///   - local: our address, RTP port and `o=` identity.
    ///   - previousVersion: the `o=` version of the last SDP we sent in this session,
    ///     for a re-offer (hold, resume, refresh); the answer then carries that
    ///     version plus one (RFC 3264 §8). `nil` for the first SDP of the session,
    ///     which carries `local.sessionVersion`.
    /// - Returns: the answer and the negotiated stream, or an error that maps to
    ///   `488 Not Acceptable Here` with a Warning (RFC 3261 §21.4.26, §20.43).
    public func answer(
        to offer: SessionDescription,
        local: LocalMedia,
        previousVersion: UInt64? = nil
    ) -> Result<NegotiatedAnswer, SDPNegotiationError> {
        var failure: SDPNegotiationError?
        var chosen: (index: Int, codec: RTPMap, telephoneEvent: UInt8?, connection: Connection)?
        for (index, offered) in offer.media.enumerated() where offered.mediaType.lowercased() == "audio" && !offered.isRejected {
            guard offered.proto.uppercased() == "RTP/AVP" else {
                failure = failure ?? .incompatibleTransport(
                    "m=audio #\(index + 1) uses \(offered.proto); only RTP/AVP is supported (no SRTP, no AVPF)")
                continue
            }
            guard let codec = firstSupportedCodec(in: offered) else {
                failure = failure ?? .noCommonCodec(
                    "m=audio #\(index + 1) offers \(Self.describeFormats(of: offered)); we support \(supportedCodecNames)")
                continue
            }
            guard let connection = offer.connection(of: offered) else {
                failure = failure ?? .missingConnection("m=audio #\(index + 1) has no c= line and the session has none")
                continue
            }
            chosen = (index, codec, telephoneEventPayloadType(in: offered, clockRate: codec.clockRate), connection)
            break
        }
        guard let chosen else {
            return .failure(failure ?? .noAudioStream(
                "the offer has no active audio m-line (it has \(Self.describeMediaTypes(of: offer)))"))
        }

        let offered = offer.media[chosen.index]
        let offerDirection = Self.effectiveDirection(offer.direction(of: offered), connection: chosen.connection)
        let ourDirection = offerDirection.reversed  // we are always willing to send and receive
        var formats = [String(chosen.codec.payloadType)]
        var attributes = [SDPAttribute.rtpmap(chosen.codec)]
        if let pt = chosen.telephoneEvent, let event = capabilities.telephoneEvent {
            formats.append(String(pt))
            attributes.append(.rtpmap(event.rtpmap(payloadType: pt)))
            if let events = event.formatParameters { attributes.append(.fmtp(format: String(pt), parameters: events)) }
        }
        attributes.append(.ptime(capabilities.ptime))
        attributes.append(.direction(ourDirection))

        let media = offer.media.enumerated().map { index, description in
            index == chosen.index
                ? MediaDescription(
                    mediaType: description.mediaType, port: local.rtpPort, proto: description.proto,
                    formats: formats, attributes: attributes)
                : Self.rejected(description)
        }
        let answer = SessionDescription(
            origin: local.origin(version: previousVersion.map { $0 &+ 1 } ?? local.sessionVersion),
            sessionName: local.sessionName,
            connection: local.connection,
            timing: offer.timing.isEmpty ? [Timing()] : offer.timing,  // RFC 3264 §6: t= equals the offer's
            media: media)
        let negotiated = Self.negotiatedMedia(
            index: chosen.index, remote: offered, connection: chosen.connection, codec: chosen.codec,
            telephoneEvent: chosen.telephoneEvent, ptime: capabilities.ptime, direction: ourDirection,
            isHold: Self.isHold(offer.direction(of: offered), connection: chosen.connection), localPort: local.rtpPort)
        return .success(NegotiatedAnswer(answer: answer, media: negotiated))
    }

    // MARK: Offerer

    /// Our offer (RFC 3264 §5): one `m=audio <port> RTP/AVP` with our codecs in our
    /// preference order, telephone-event, `a=ptime` and `direction`.
    ///
    /// - Parameters:
    ///   - direction: `sendrecv` normally; `sendonly` to put the peer on hold,
    ///     `inactive` to hold a peer that held us (RFC 3264 §8.4).
    ///   - previousVersion: the `o=` version of the last SDP we sent in this
    ///     session; the offer carries it plus one (RFC 3264 §8). `nil` for the first.
    ///   - previousMedia: the m-lines of the session's last SDP, for a re-offer. RFC
    ///     3264 §8 forbids removing m-lines, so each is kept in place: the first
    ///     active audio one becomes our audio, the others are disabled (port 0).
    public func offer(
        local: LocalMedia,
        direction: MediaDirection = .sendrecv,
        previousVersion: UInt64? = nil,
        previousMedia: [MediaDescription] = []
    ) -> SessionDescription {
        var formats: [String] = []
        var attributes: [SDPAttribute] = []
        let codecs = capabilities.audioCodecs + (capabilities.telephoneEvent.map { [$0] } ?? [])
        for codec in codecs {
            formats.append(String(codec.payloadType))
            attributes.append(.rtpmap(codec.rtpmap(payloadType: codec.payloadType)))
        }
        for codec in codecs {
            if let parameters = codec.formatParameters {
                attributes.append(.fmtp(format: String(codec.payloadType), parameters: parameters))
            }
        }
        attributes.append(.ptime(capabilities.ptime))
        attributes.append(.direction(direction))
        let audio = MediaDescription(mediaType: "audio", port: local.rtpPort, formats: formats, attributes: attributes)

        var media = previousMedia.map(Self.rejected)
        let isAudio: (MediaDescription) -> Bool = { $0.mediaType.lowercased() == "audio" }
        if let index = previousMedia.firstIndex(where: { isAudio($0) && !$0.isRejected })
            ?? previousMedia.firstIndex(where: isAudio) {
            media[index] = audio
        } else {
            media.append(audio)
        }
        return SessionDescription(
            origin: local.origin(version: previousVersion.map { $0 &+ 1 } ?? local.sessionVersion),
            sessionName: local.sessionName,
            connection: local.connection,
            media: media)
    }

    /// Checks the peer's `answer` to our `offer` (RFC 3264 §6, §7) and extracts the
    /// audio stream.
    ///
    /// The answer must have one m-line per offered one, of the same media type. Its
    /// audio codec is the first of its formats that we support; an answerer that
    /// renumbered a payload type is tolerated, since its rtpmap says what it means.
    public func process(
        answer: SessionDescription,
        toOffer offer: SessionDescription
    ) -> Result<NegotiatedMedia, SDPNegotiationError> {
        guard answer.media.count == offer.media.count else {
            return .failure(.mediaMismatch(
                "the answer has \(answer.media.count) m-lines for the offer's \(offer.media.count); "
                    + "RFC 3264 §6 requires exactly one per offered m-line"))
        }
        for (index, pair) in zip(offer.media, answer.media).enumerated()
        where pair.0.mediaType.lowercased() != pair.1.mediaType.lowercased() {
            return .failure(.mediaMismatch(
                "answer m-line #\(index + 1) is \(pair.1.mediaType) but the offered one is \(pair.0.mediaType) (RFC 3264 §6)"))
        }
        guard let index = offer.media.firstIndex(where: { $0.mediaType.lowercased() == "audio" && !$0.isRejected }) else {
            return .failure(.noAudioStream("our offer has no active audio m-line"))
        }
        let offered = offer.media[index]
        let answered = answer.media[index]
        guard !answered.isRejected else {
            return .failure(.audioRejected("the answer rejected our audio stream (m=audio #\(index + 1) with port 0)"))
        }
        guard let codec = firstSupportedCodec(in: answered) else {
            return .failure(.noCommonCodec(
                "the answer accepts \(Self.describeFormats(of: answered)); we support \(supportedCodecNames)"))
        }
        guard let connection = answer.connection(of: answered) else {
            return .failure(.missingConnection("answer m=audio #\(index + 1) has no c= line and the session has none"))
        }
        let offerConnection = offer.connection(of: offered) ?? connection
        let ours = Self.effectiveDirection(offer.direction(of: offered), connection: offerConnection)
        let theirs = Self.effectiveDirection(answer.direction(of: answered), connection: connection)
        return .success(Self.negotiatedMedia(
            index: index, remote: answered, connection: connection, codec: codec,
            telephoneEvent: telephoneEventPayloadType(in: answered, clockRate: codec.clockRate),
            ptime: capabilities.ptime, direction: ours.intersection(theirs.reversed),
            isHold: Self.isHold(offer.direction(of: offered), connection: offerConnection), localPort: offered.port))
    }

    // MARK: Matching

    /// The first of `media`'s formats, in its order, that is one of our audio codecs;
    /// with the payload type as sent and our spelling of the encoding name.
    func firstSupportedCodec(in media: MediaDescription) -> RTPMap? {
        for format in media.formats {
            guard let map = media.rtpmap(forFormat: format) else { continue }
            if let codec = capabilities.audioCodecs.first(where: { $0.matches(map) }) {
                return codec.rtpmap(payloadType: map.payloadType)
            }
        }
        return nil
    }

    /// The payload type of telephone-event at `clockRate` in `media`, if present.
    func telephoneEventPayloadType(in media: MediaDescription, clockRate: UInt32) -> UInt8? {
        guard let event = capabilities.telephoneEvent else { return nil }
        for format in media.formats {
            if let map = media.rtpmap(forFormat: format), map.hasEncoding(event.encodingName, clockRate: clockRate) {
                return map.payloadType
            }
        }
        return nil
    }

    private var supportedCodecNames: String {
        capabilities.audioCodecs.map { "\($0.encodingName)/\($0.clockRate)" }.joined(separator: ", ")
    }

    // MARK: Building blocks

    /// A stream as the offer or answer declares it, minus the receive side when its
    /// address is unspecified (RFC 2543 hold: nothing can be sent to 0.0.0.0).
    static func effectiveDirection(_ declared: MediaDirection, connection: Connection) -> MediaDirection {
        connection.isUnspecified ? declared.intersection(.sendonly) : declared
    }

    /// RFC 3264 §8.4 hold, or RFC 2543 hold with `c=0.0.0.0`.
    static func isHold(_ declared: MediaDirection, connection: Connection) -> Bool {
        switch declared {
        case .sendonly, .inactive: true
        case .sendrecv, .recvonly: connection.isUnspecified
        }
    }

    /// `description` rejected: port 0, same media type, proto and formats
    /// (RFC 3264 §6: "the answerer MUST ... set the port to zero").
    static func rejected(_ description: MediaDescription) -> MediaDescription {
        MediaDescription(mediaType: description.mediaType, port: 0, proto: description.proto, formats: description.formats)
    }

    static func negotiatedMedia(
        index: Int, remote: MediaDescription, connection: Connection, codec: RTPMap,
        telephoneEvent: UInt8?, ptime: Int, direction: MediaDirection, isHold: Bool, localPort: UInt16
    ) -> NegotiatedMedia {
        let rtcp = remote.rtcp
        return NegotiatedMedia(
            mediaIndex: index,
            remoteAddress: connection.address,
            remotePort: remote.port,
            remoteRTCPAddress: rtcp?.connection?.address ?? connection.address,
            remoteRTCPPort: rtcp?.port ?? (remote.port < UInt16.max ? remote.port + 1 : remote.port),
            codec: codec,
            telephoneEventPayloadType: telephoneEvent,
            ptime: ptime,
            remotePtime: remote.ptime,
            direction: direction,
            isHold: isHold,
            localPort: localPort)
    }

    /// `96 opus/48000/2, 9 G722/8000, 99`, for error messages.
    static func describeFormats(of media: MediaDescription) -> String {
        let formats = media.formats.prefix(12).map { format in
            media.rtpmap(forFormat: format).map { map in
                "\(format) \(map.encodingName)/\(map.clockRate)" + (map.channels.map { "/\($0)" } ?? "")
            } ?? format
        }
        return formats.isEmpty ? "no formats" : formats.joined(separator: ", ") + (media.formats.count > 12 ? ", …" : "")
    }

    static func describeMediaTypes(of offer: SessionDescription) -> String {
        offer.media.isEmpty
            ? "no m-lines"
            : offer.media.map { "m=\($0.mediaType) port \($0.port)" }.joined(separator: ", ")
    }
}
