/// An attribute line, `a=<name>` or `a=<name>:<value>` (RFC 8866 §5.13).
///
/// Attributes are kept verbatim, known or not, so nothing a peer sends is lost. The
/// typed accessors on ``MediaDescription`` and ``SessionDescription`` interpret the
/// ones the negotiator needs; builders such as ``rtpmap(_:)`` make well-formed ones.
public struct SDPAttribute: Sendable, Hashable {
    /// The attribute name, e.g. `rtpmap`, `sendonly`, `x-custom`.
    public var name: String
    /// Everything after the first colon, or `nil` for a property attribute such as
    /// `a=sendrecv`. `a=foo:` has the empty value `""`.
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// The text after `a=`.
    public var fieldValue: String {
        value.map { "\(name):\($0)" } ?? name
    }

    /// Attribute names are compared case-insensitively: RFC 8866 §5.13 makes them
    /// case-sensitive tokens, but real peers vary and no two registered names differ
    /// only by case.
    func isNamed(_ lowercaseName: String) -> Bool {
        name.count == lowercaseName.count && name.lowercased() == lowercaseName
    }

    /// The leading decimal digits of `text` (after leading blanks) as an `Int`, so that
    /// `20`, ` 20` and `20.0` all read as 20.
    static func decimalPrefix(_ text: String) -> Int? {
        let digits = text.drop(while: { $0 == " " }).prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        return Int(digits)
    }

    // MARK: Builders

    /// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]`.
    public static func rtpmap(_ map: RTPMap) -> SDPAttribute {
        SDPAttribute(name: "rtpmap", value: map.attributeValue)
    }

    /// `a=fmtp:<format> <parameters>`.
    public static func fmtp(format: String, parameters: String) -> SDPAttribute {
        SDPAttribute(name: "fmtp", value: FormatParameters(format: format, parameters: parameters).attributeValue)
    }

    /// `a=ptime:<milliseconds>`.
    public static func ptime(_ milliseconds: Int) -> SDPAttribute {
        SDPAttribute(name: "ptime", value: String(milliseconds))
    }

    /// `a=sendrecv`, `a=sendonly`, `a=recvonly` or `a=inactive`.
    public static func direction(_ direction: MediaDirection) -> SDPAttribute {
        SDPAttribute(name: direction.rawValue)
    }

    /// `a=rtcp:<port>` (RFC 3605).
    public static func rtcp(port: UInt16) -> SDPAttribute {
        SDPAttribute(name: "rtcp", value: RTCPAttribute(port: port).attributeValue)
    }
}

extension [SDPAttribute] {
    /// The last direction attribute in the list. RFC 8866 §6.7 allows at most one;
    /// when a peer sends several, the last one wins, as in most stacks.
    var direction: MediaDirection? {
        var found: MediaDirection?
        for attribute in self where attribute.value == nil {
            if let direction = MediaDirection(rawValue: attribute.name.lowercased()) {
                found = direction
            }
        }
        return found
    }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 §6.15).
public struct FormatParameters: Sendable, Hashable {
    /// The format (RTP payload type) the parameters apply to.
    public var format: String
    /// The parameters, verbatim, e.g. `0-16` (RFC 4733) or `mode=20` (iLBC).
    public var parameters: String

    public init(format: String, parameters: String) {
        self.format = format
        self.parameters = parameters
    }

    /// Parses the value after `a=fmtp:`; `nil` when there is no format.
    public init?(attributeValue: String) {
        let trimmed = attributeValue.drop(while: { $0 == " " })
        let format = trimmed.prefix(while: { $0 != " " })
        guard !format.isEmpty else { return nil }
        self.format = String(format)
        self.parameters = String(trimmed.dropFirst(format.count).drop(while: { $0 == " " }))
    }

    public var attributeValue: String { "\(format) \(parameters)" }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605 §2.1):
/// where to send RTCP when it is not the RTP port + 1 on the RTP address.
public struct RTCPAttribute: Sendable, Hashable {
    /// The RTCP port.
    public var port: UInt16
    /// The RTCP address, when it differs from the media's connection address.
    public var connection: Connection?

    public init(port: UInt16, connection: Connection? = nil) {
        self.port = port
        self.connection = connection
    }

    /// Parses the value after `a=rtcp:`; `nil` when the port is not a number in
    /// 0...65535 or the address part has other than three fields.
    public init?(attributeValue: String) {
        let fields = attributeValue.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = fields.first, first.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = UInt16(first) else { return nil }
        self.port = port
        switch fields.count {
        case 1:
            connection = nil
        case 4:
            connection = Connection(
                netType: String(fields[1]), addrType: String(fields[2]),
                address: Connection.unbracketed(String(fields[3])))
        default:
            return nil
        }
    }

    public var attributeValue: String {
        connection.map { "\(port) \($0.netType) \($0.addrType) \($0.address)" } ?? String(port)
    }
}
