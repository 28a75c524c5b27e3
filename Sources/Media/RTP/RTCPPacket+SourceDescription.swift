extension RTCPPacket {
    /// RTCP SDES (RFC 3550 §6.5).
    public static let sourceDescriptionType: UInt8 = 202
    /// RTCP BYE (RFC 3550 §6.6).
    public static let goodbyeType: UInt8 = 203

    /// An SDES packet with one chunk carrying the CNAME item (RFC 3550 §6.5.1), which every
    /// compound packet must include (§6.1). The CNAME is cut to 255 bytes.
    public static func sourceDescription(ssrc: UInt32, cname: String) -> RTCPPacket {
        // Cut at a character boundary within the 255-byte item limit (§6.5).
        var text: [UInt8] = []
        for scalar in cname.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            guard text.count + bytes.count <= 255 else { break }
            text.append(contentsOf: bytes)
        }
        var body: [UInt8] = []
        body.appendBigEndian(ssrc)
        body.append(1) // CNAME
        body.append(UInt8(text.count))
        body.append(contentsOf: text)
        // The item list ends with a null octet, then pads the chunk to 32 bits (§6.5).
        body.append(0)
        while body.count % 4 != 0 { body.append(0) }
        return .other(packetType: sourceDescriptionType, count: 1, body: body)
    }

    /// A BYE packet for `ssrc` (RFC 3550 §6.6): the stream ends.
    public static func goodbye(ssrc: UInt32) -> RTCPPacket {
        var body: [UInt8] = []
        body.appendBigEndian(ssrc)
        return .other(packetType: goodbyeType, count: 1, body: body)
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
