/// Typed access to the headers every element reads (RFC 3261 §8.1.1).
/// Each accessor parses on demand and throws a `SIPParseError` naming the header.
public protocol SIPMessageHeaders {
    var headers: SIPHeaders { get set }
    var body: [UInt8] { get set }
}

extension SIPRequest: SIPMessageHeaders {}
extension SIPResponse: SIPMessageHeaders {}

extension SIPMessageHeaders {
    private func single(_ name: SIPHeaderName) throws(SIPParseError) -> String {
        var found: String?
        var count = 0
        for f in headers.fields where f.name == name {
            if found == nil { found = f.value }
            count += 1
        }
        guard let first = found else { throw SIPParseError(.missingHeader, "missing \(name.name) header") }
        guard count == 1 else { throw SIPParseError(.duplicateHeader, "\(name.name) appears \(count) times") }
        return first
    }

    public func callID() throws(SIPParseError) -> String {
        let v = try single(.callID).trimmingSIPWhitespace
        // callid = word [ "@" word ]: no whitespace inside
        guard !v.isEmpty, !v.utf8.contains(where: { $0 <= ASCII.sp }) else {
            throw SIPParseError(.malformedHeader, "Call-ID: '\(v)' is empty or has whitespace")
        }
        return v
    }

    public func cseq() throws(SIPParseError) -> CSeq { try CSeq(parsing: try single(.cseq)) }

    public func from() throws(SIPParseError) -> NameAddress {
        do { return try NameAddress(parsing: try single(.from)) } catch { throw SIPParseError(error.code, "From: \(error.detail)") }
    }

    public func to() throws(SIPParseError) -> NameAddress {
        do { return try NameAddress(parsing: try single(.to)) } catch { throw SIPParseError(error.code, "To: \(error.detail)") }
    }

    public func vias() throws(SIPParseError) -> [Via] {
        let values = headers.values(.via)
        guard !values.isEmpty else { throw SIPParseError(.missingHeader, "missing Via header") }
        var out: [Via] = []
        out.reserveCapacity(values.count)
        for v in values { out.append(try Via(parsing: v)) }
        return out
    }

    public func topVia() throws(SIPParseError) -> Via {
        guard let line = headers[.via] else { throw SIPParseError(.missingHeader, "missing Via header") }
        guard let first = SIPHeaders.splitList(line).first else { throw SIPParseError(.malformedHeader, "Via is empty") }
        return try Via(parsing: first)
    }

    /// Contact values; `nil` for `Contact: *` (RFC 3261 §10.2.2).
    public func contacts() throws(SIPParseError) -> [NameAddress]? {
        let values = headers.values(.contact)
        if values.count == 1, values[0] == "*" { return nil }
        var out: [NameAddress] = []
        for v in values {
            if v == "*" { throw SIPParseError(.malformedHeader, "Contact: '*' must be the only value") }
            do { out.append(try NameAddress(parsing: v)) } catch { throw SIPParseError(error.code, "Contact: \(error.detail)") }
        }
        return out
    }

    public func routes(_ name: SIPHeaderName = .route) throws(SIPParseError) -> [NameAddress] {
        var out: [NameAddress] = []
        for v in headers.values(name) { out.append(try NameAddress(parsing: v)) }
        return out
    }

    /// Max-Forwards, 0...255 (RFC 3261 §20.22); nil when absent (RFC 2543 peers omit it).
    public func maxForwards() throws(SIPParseError) -> Int? {
        guard headers.contains(.maxForwards) else { return nil }
        return Int(try parseBoundedInteger(try single(.maxForwards), header: "Max-Forwards", max: 255))
    }

    /// Expires in seconds, ≤ 2**32-1 (RFC 3261 §20.19).
    public func expires() throws(SIPParseError) -> UInt32? {
        guard headers.contains(.expires) else { return nil }
        return UInt32(try parseBoundedInteger(try single(.expires), header: "Expires", max: UInt64(UInt32.max)))
    }

    /// The media type, lowercased, without parameters: `application/sdp`.
    public var contentType: String? {
        guard let v = headers[.contentType] else { return nil }
        let base = v.split(separator: ";", maxSplits: 1).first.map(String.init) ?? v
        return base.trimmingSIPWhitespace.asciiLowercased.filter { $0 != " " && $0 != "\t" }
    }
}

extension SIPResponse {
    /// Status code of the response, for symmetry in logs.
    public var statusLine: String { "SIP/2.0 \(statusCode) \(reason)" }
}
