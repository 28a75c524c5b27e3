/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`
/// (RFC 8866 §6.6): which encoding an RTP payload type number stands for.
///
/// Payload types 96–127 are dynamic and mean nothing without an rtpmap; most of
/// 0–34 are statically assigned by RFC 3551 §6 (see ``staticAssignment(payloadType:)``).
/// Encoding names are case-insensitive (RFC 4855 §3); compare with
/// ``hasEncoding(_:clockRate:channels:)``.
public struct RTPMap: Sendable, Hashable {
    /// The RTP payload type, 0–127.
    public var payloadType: UInt8
    /// The encoding (media subtype) name as sent, e.g. `PCMU`, `opus`, `telephone-event`.
    public var encodingName: String
    /// RTP clock rate in Hz.
    public var clockRate: UInt32
    /// For audio, the number of channels; `nil` when omitted, which means one.
    public var channels: Int?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Parses the value after `a=rtpmap:`, e.g. `"96 opus/48000/2"`. Returns `nil`
    /// when the payload type is not in 0...127, the name is empty, or the clock rate
    /// or channel count is not a positive number.
    public init?(attributeValue: String) {
        let trimmed = attributeValue.drop(while: { $0 == " " })
        let ptText = trimmed.prefix(while: { $0 != " " })
        guard !ptText.isEmpty, ptText.count <= 3, ptText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let pt = UInt8(ptText), pt <= 127 else { return nil }
        let encoding = trimmed.dropFirst(ptText.count).drop(while: { $0 == " " })
            .prefix(while: { $0 != " " && $0 != "\t" })
        let parts = encoding.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty,
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), parts[1].count <= 10,
              let rate = UInt32(parts[1]), rate > 0 else { return nil }
        var channels: Int?
        if parts.count == 3 {
            guard parts[2].allSatisfy({ $0.isASCII && $0.isNumber }), parts[2].count <= 4,
                  let count = Int(parts[2]), count > 0 else { return nil }
            channels = count
        }
        self.init(payloadType: pt, encodingName: String(parts[0]), clockRate: rate, channels: channels)
    }

    /// The value after `a=rtpmap:`.
    public var attributeValue: String {
        var value = "\(payloadType) \(encodingName)/\(clockRate)"
        if let channels { value += "/\(channels)" }
        return value
    }

    /// True when payload type is in the dynamic range 96–127 (RFC 3551 §3).
    public var isDynamic: Bool { payloadType >= 96 }

    /// True when this map is `name/clockRate` with `channels` channels; names are
    /// compared case-insensitively (RFC 4855 §3) and an omitted channel count is one.
    public func hasEncoding(_ name: String, clockRate: UInt32, channels: Int? = nil) -> Bool {
        self.clockRate == clockRate
            && (self.channels ?? 1) == (channels ?? 1)
            && encodingName.count == name.count
            && encodingName.lowercased() == name.lowercased()
    }

    /// The RFC 3551 §6 (Tables 4 and 5) static assignment of `payloadType`, or `nil`
    /// when it is unassigned, reserved or dynamic.
    public static func staticAssignment(payloadType: UInt8) -> RTPMap? {
        let entry: (String, UInt32, Int?)
        switch payloadType {
        case 0: entry = ("PCMU", 8000, nil)
        case 3: entry = ("GSM", 8000, nil)
        case 4: entry = ("G723", 8000, nil)
        case 5: entry = ("DVI4", 8000, nil)
        case 6: entry = ("DVI4", 16000, nil)
        case 7: entry = ("LPC", 8000, nil)
        case 8: entry = ("PCMA", 8000, nil)
        case 9: entry = ("G722", 8000, nil)
        case 10: entry = ("L16", 44100, 2)
        case 11: entry = ("L16", 44100, nil)
        case 12: entry = ("QCELP", 8000, nil)
        case 13: entry = ("CN", 8000, nil)
        case 14: entry = ("MPA", 90000, nil)
        case 15: entry = ("G728", 8000, nil)
        case 16: entry = ("DVI4", 11025, nil)
        case 17: entry = ("DVI4", 22050, nil)
        case 18: entry = ("G729", 8000, nil)
        case 25: entry = ("CelB", 90000, nil)
        case 26: entry = ("JPEG", 90000, nil)
        case 28: entry = ("nv", 90000, nil)
        case 31: entry = ("H261", 90000, nil)
        case 32: entry = ("MPV", 90000, nil)
        case 33: entry = ("MP2T", 90000, nil)
        case 34: entry = ("H263", 90000, nil)
        default: return nil
        }
        return RTPMap(payloadType: payloadType, encodingName: entry.0, clockRate: entry.1, channels: entry.2)
    }
}
