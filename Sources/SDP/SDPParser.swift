/// Bounds on what the parser accepts, so a hostile body cannot make us allocate
/// without limit (a SIP body can be as large as the transport allows).
public struct SDPLimits: Sendable, Hashable {
    /// The largest body accepted, in bytes. Default 64 KiB, far above any real
    /// telephony SDP (a few hundred bytes to a few KiB for WebRTC).
    public var maxBytes: Int
    /// The most `m=` lines accepted. Default 64.
    public var maxMediaDescriptions: Int

    public init(maxBytes: Int = 65_536, maxMediaDescriptions: Int = 64) {
        self.maxBytes = maxBytes
        self.maxMediaDescriptions = maxMediaDescriptions
    }

    public static let `default` = SDPLimits()
}

extension SessionDescription {
    /// Parses an SDP body (RFC 8866 §5, §9).
    ///
    /// Strict where a mistake would change the call, liberal elsewhere:
    /// - Lines end in CRLF or a bare LF; blank lines are skipped.
    /// - The first line must be `v=0`; `o=`, `s=` and `t=` are mandatory, and every
    ///   active `m=` (port ≠ 0) needs a `c=` of its own or at session level.
    /// - `v=`, `o=`, `s=` and the session-level `c=` may appear once; `v=`, `o=`,
    ///   `s=` and `t=` may not follow an `m=`. Within a section, the order of the
    ///   other lines is not enforced.
    /// - Unknown line types are skipped. (RFC 8866 §5 tells parsers to ignore a
    ///   whole description with an unknown type letter; dropping only the line lets
    ///   calls through from peers with private extensions.) Of repeated `i=`, `u=`,
    ///   `z=` and `k=`, the first is kept.
    /// - Bytes that are not UTF-8 are replaced with U+FFFD rather than rejected:
    ///   RFC 8866 §6.10 lets `a=charset` announce other encodings for `s=` and `i=`.
    ///
    /// - Throws: ``SDPError`` naming the first faulty line.
    public init(parsing bytes: [UInt8], limits: SDPLimits = .default) throws(SDPError) {
        self = try SDPParser(limits: limits).parse(bytes)
    }

    /// Parses an SDP body given as text; see the `[UInt8]` overload.
    public init(parsing text: String, limits: SDPLimits = .default) throws(SDPError) {
        let count = text.utf8.count
        guard count <= limits.maxBytes else { throw SDPParser.tooLarge(count, limits) }
        self = try SDPParser(limits: limits).parse(Array(text.utf8))
    }
}

/// Splits the body into lines and feeds them to a ``SessionBuilder``.
struct SDPParser {
    let limits: SDPLimits

    static func tooLarge(_ count: Int, _ limits: SDPLimits) -> SDPError {
        SDPError(
            code: .bodyTooLarge, line: nil,
            message: "the body is \(count) bytes, over the \(limits.maxBytes)-byte limit; "
                + "raise SDPLimits.maxBytes if such bodies are legitimate")
    }

    func parse(_ bytes: [UInt8]) throws(SDPError) -> SessionDescription {
        guard bytes.count <= limits.maxBytes else { throw SDPParser.tooLarge(bytes.count, limits) }
        var builder = SessionBuilder(limits: limits)
        var lineNumber = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            var end = newline
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            lineNumber += 1
            try builder.consume(bytes[start..<end], line: lineNumber)
            start = newline == bytes.endIndex ? newline : newline + 1
        }
        return try builder.finish(lineCount: lineNumber)
    }
}

/// Accumulates the lines of one session description.
struct SessionBuilder {
    let limits: SDPLimits
    var version: Int?
    var origin: Origin?
    var sessionName: String?
    var information: String?
    var uri: String?
    var emails: [String] = []
    var phones: [String] = []
    var connection: Connection?
    var bandwidths: [Bandwidth] = []
    var timing: [Timing] = []
    var timeZones: String?
    var encryptionKey: String?
    var attributes: [SDPAttribute] = []
    var media: [MediaDescription] = []
    /// The line number of each `m=`, for errors found after the fact.
    var mediaLines: [Int] = []

    init(limits: SDPLimits) { self.limits = limits }

    mutating func consume(_ bytes: ArraySlice<UInt8>, line: Int) throws(SDPError) {
        if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return }
        let first = bytes[bytes.startIndex]
        let isLetter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first)
        guard bytes.count >= 2, isLetter, bytes[bytes.startIndex + 1] == UInt8(ascii: "=") else {
            let text = String(decoding: bytes.prefix(40), as: UTF8.self)
            throw .at(line, .malformedLine, "expected <type>=<value>, found \"\(text)\" (RFC 8866 §5)")
        }
        let type = Character(Unicode.Scalar(first))
        let value = String(decoding: bytes.dropFirst(2), as: UTF8.self)
        guard version != nil || type == "v" else {
            throw .at(line, .versionNotFirst, "an SDP body must start with v=0, found \(type)= first (RFC 8866 §5)")
        }
        if media.isEmpty {
            try sessionLine(type, value, line)
        } else {
            try mediaLine(type, value, line)
        }
    }

    // MARK: Session level

    private mutating func sessionLine(_ type: Character, _ value: String, _ line: Int) throws(SDPError) {
        switch type {
        case "v":
            guard version == nil else { throw .at(line, .duplicateLine, "second v= line; a body holds one session description") }
            guard value.trimmingBlanks == "0" else {
                throw .at(line, .unsupportedVersion, "v=\(value) is not supported; only v=0 exists (RFC 8866 §5.1)")
            }
            version = 0
        case "o":
            guard origin == nil else { throw .at(line, .duplicateLine, "second o= line (RFC 8866 §5.2 allows one)") }
            origin = try parseOrigin(value, line)
        case "s":
            guard sessionName == nil else { throw .at(line, .duplicateLine, "second s= line (RFC 8866 §5.3 allows one)") }
            sessionName = value.trimmingBlanks.isEmpty ? "" : value
        case "i": if information == nil { information = value }
        case "u": if uri == nil { uri = value }
        case "e": emails.append(value)
        case "p": phones.append(value)
        case "c":
            guard connection == nil else {
                throw .at(line, .duplicateLine, "second session-level c= line (RFC 8866 §5.7 allows one)")
            }
            connection = try parseConnection(value, line)
        case "b": bandwidths.append(try parseBandwidth(value, line))
        case "t": timing.append(try parseTiming(value, line))
        case "r":
            guard !timing.isEmpty else { throw .at(line, .malformedTiming, "r= must follow a t= line (RFC 8866 §5.10)") }
            timing[timing.count - 1].repeats.append(value)
        case "z": if timeZones == nil { timeZones = value }
        case "k": if encryptionKey == nil { encryptionKey = value }
        case "a": if let attribute = parseAttribute(value) { attributes.append(attribute) }
        case "m": try startMedia(value, line)
        default: break  // unknown line type: skipped, see init(parsing:)
        }
    }

    // MARK: Media level

    private mutating func mediaLine(_ type: Character, _ value: String, _ line: Int) throws(SDPError) {
        let index = media.count - 1
        switch type {
        case "m": try startMedia(value, line)
        case "i": if media[index].information == nil { media[index].information = value }
        case "c": media[index].connections.append(try parseConnection(value, line))
        case "b": media[index].bandwidths.append(try parseBandwidth(value, line))
        case "k": if media[index].encryptionKey == nil { media[index].encryptionKey = value }
        case "a": if let attribute = parseAttribute(value) { media[index].attributes.append(attribute) }
        case "v", "o", "s", "t":
            throw .at(
                line, .unexpectedLine,
                "\(type)= is a session-level line but follows the m= on line \(mediaLines[index]) (RFC 8866 §5)")
        default: break  // session-only or unknown types inside a media section are skipped
        }
    }

    private mutating func startMedia(_ value: String, _ line: Int) throws(SDPError) {
        guard media.count < limits.maxMediaDescriptions else {
            throw .at(
                line, .tooManyMediaDescriptions,
                "more than \(limits.maxMediaDescriptions) m= lines; raise SDPLimits.maxMediaDescriptions if legitimate")
        }
        let fields = value.blankSeparatedFields
        guard fields.count >= 3 else {
            throw .at(line, .malformedMedia, "m= must have <media> <port> <proto> <fmt>..., found \(fields.count) fields (RFC 8866 §5.14)")
        }
        let portParts = fields[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = portParts[0].decimal(as: UInt16.self) else {
            throw .at(line, .malformedMedia, "m= port \"\(fields[1])\" is not a number in 0...65535 (RFC 8866 §5.14)")
        }
        var portCount: Int?
        if portParts.count == 2 {
            guard let count = portParts[1].decimal(as: UInt16.self), count > 0 else {
                throw .at(line, .malformedMedia, "m= port count in \"\(fields[1])\" is not a positive number (RFC 8866 §5.14)")
            }
            portCount = Int(count)
        }
        let formats = fields.dropFirst(3).map(String.init)
        guard !formats.isEmpty || port == 0 else {
            throw .at(line, .malformedMedia, "m=\(fields[0]) lists no formats; at least one is required (RFC 8866 §5.14)")
        }
        media.append(MediaDescription(
            mediaType: String(fields[0]), port: port, portCount: portCount,
            proto: String(fields[2]), formats: formats))
        mediaLines.append(line)
    }

    // MARK: Fields

    private func parseOrigin(_ value: String, _ line: Int) throws(SDPError) -> Origin {
        let fields = value.blankSeparatedFields
        guard fields.count == 6 else {
            throw .at(
                line, .malformedOrigin,
                "o= must have 6 fields (<username> <sess-id> <sess-version> <nettype> <addrtype> <address>), "
                    + "found \(fields.count) (RFC 8866 §5.2)")
        }
        guard let id = fields[1].decimal(as: UInt64.self) else {
            throw .at(line, .malformedOrigin, "o= sess-id \"\(fields[1])\" is not a decimal number that fits in 64 bits (RFC 8866 §5.2)")
        }
        guard let version = fields[2].decimal(as: UInt64.self) else {
            throw .at(line, .malformedOrigin, "o= sess-version \"\(fields[2])\" is not a decimal number that fits in 64 bits (RFC 8866 §5.2)")
        }
        return Origin(
            username: String(fields[0]), sessionID: id, sessionVersion: version,
            netType: String(fields[3]), addrType: String(fields[4]),
            address: Connection.unbracketed(String(fields[5])))
    }

    private func parseConnection(_ value: String, _ line: Int) throws(SDPError) -> Connection {
        let fields = value.blankSeparatedFields
        guard fields.count == 3 else {
            throw .at(
                line, .malformedConnection,
                "c= must have 3 fields (<nettype> <addrtype> <connection-address>), found \(fields.count) (RFC 8866 §5.7)")
        }
        let addrType = String(fields[1])
        let parts = fields[2].split(separator: "/", omittingEmptySubsequences: false)
        var connection = Connection(netType: String(fields[0]), addrType: addrType, address: "")
        func bad(_ why: String) -> SDPError {
            .at(line, .malformedConnection, "c= address \"\(fields[2])\" \(why) (RFC 8866 §5.7)")
        }
        switch addrType.uppercased() {
        case "IP4":
            guard parts.count <= 3 else { throw bad("has more than two /-suffixes") }
            if parts.count >= 2 {
                guard let ttl = parts[1].decimal(as: UInt8.self) else { throw bad("has a TTL that is not in 0...255") }
                connection.ttl = ttl
            }
            if parts.count == 3 {
                guard let count = parts[2].decimal(as: UInt16.self), count > 0 else { throw bad("has a bad address count") }
                connection.addressCount = Int(count)
            }
            connection.address = String(parts[0])
        case "IP6":
            guard parts.count <= 2 else { throw bad("has more than one /-suffix (IP6 has no TTL)") }
            if parts.count == 2 {
                guard let count = parts[1].decimal(as: UInt16.self), count > 0 else { throw bad("has a bad address count") }
                connection.addressCount = Int(count)
            }
            connection.address = Connection.unbracketed(String(parts[0]))
        default:
            connection.address = String(fields[2])
        }
        guard !connection.address.isEmpty else { throw bad("is empty") }
        return connection
    }

    private func parseBandwidth(_ value: String, _ line: Int) throws(SDPError) -> Bandwidth {
        let parts = value.trimmingBlanks.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let amount = parts[1].decimal(as: UInt64.self) else {
            throw .at(line, .malformedBandwidth, "b=\(value) is not <bwtype>:<bandwidth> with a decimal bandwidth (RFC 8866 §5.8)")
        }
        return Bandwidth(type: String(parts[0]), value: amount)
    }

    private func parseTiming(_ value: String, _ line: Int) throws(SDPError) -> Timing {
        let fields = value.blankSeparatedFields
        guard fields.count == 2, let start = fields[0].decimal(as: UInt64.self),
              let stop = fields[1].decimal(as: UInt64.self) else {
            throw .at(line, .malformedTiming, "t=\(value) is not <start-time> <stop-time> in decimal NTP seconds (RFC 8866 §5.9)")
        }
        return Timing(start: start, stop: stop)
    }

    /// `a=<name>[:<value>]`; `nil` for a nameless attribute, which is skipped.
    private func parseAttribute(_ value: String) -> SDPAttribute? {
        guard let colon = value.firstIndex(of: ":") else {
            let name = value.trimmingBlanks
            return name.isEmpty ? nil : SDPAttribute(name: name)
        }
        let name = String(value[..<colon]).trimmingBlanks
        return name.isEmpty ? nil : SDPAttribute(name: name, value: String(value[value.index(after: colon)...]))
    }

    // MARK: End of body

    func finish(lineCount: Int) throws(SDPError) -> SessionDescription {
        guard let version else {
            throw SDPError(code: .empty, line: nil, message: "the body has no SDP lines; it must start with v=0 (RFC 8866 §5)")
        }
        let sectionEnd = mediaLines.first ?? lineCount + 1
        let place = mediaLines.isEmpty ? "before the end of the body" : "before the first m= line"
        guard let origin else {
            throw .at(sectionEnd, .missingMandatoryLine, "missing the mandatory o= line (origin, RFC 8866 §5.2) \(place)")
        }
        guard let sessionName else {
            throw .at(sectionEnd, .missingMandatoryLine, "missing the mandatory s= line (session name, RFC 8866 §5.3) \(place)")
        }
        guard !timing.isEmpty else {
            throw .at(sectionEnd, .missingMandatoryLine, "missing the mandatory t= line (timing, RFC 8866 §5.9; SIP uses t=0 0) \(place)")
        }
        if connection == nil {
            for (index, description) in media.enumerated() where description.port != 0 && description.connections.isEmpty {
                throw .at(
                    mediaLines[index], .missingConnection,
                    "m=\(description.mediaType) has no c= line and there is no session-level c= (RFC 8866 §5.7)")
            }
        }
        return SessionDescription(
            version: version, origin: origin, sessionName: sessionName, information: information,
            uri: uri, emails: emails, phones: phones, connection: connection, bandwidths: bandwidths,
            timing: timing, timeZones: timeZones, encryptionKey: encryptionKey,
            attributes: attributes, media: media)
    }
}

extension StringProtocol {
    /// The fields separated by runs of spaces or tabs. RFC 8866 §9 says one space;
    /// tolerating more costs nothing.
    var blankSeparatedFields: [SubSequence] {
        split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// Without leading and trailing spaces and tabs.
    var trimmingBlanks: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }

    /// The value when the text is 1 to 20 ASCII digits that fit in `T`. Stricter than
    /// `T.init(_:)`, which also takes a sign.
    func decimal<T: FixedWidthInteger>(as type: T.Type) -> T? {
        guard !isEmpty, utf8.count <= 20, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return T(self, radix: 10)
    }
}
