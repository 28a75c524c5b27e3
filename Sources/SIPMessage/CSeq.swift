/// `CSeq: 4711 INVITE` (RFC 3261 §20.16). The number is a 32-bit unsigned integer;
/// larger values are rejected (RFC 4475 §3.1.2.4).
public struct CSeq: Sendable, Hashable, CustomStringConvertible {
    public var sequence: UInt32
    public var method: SIPMethod

    public init(_ sequence: UInt32, _ method: SIPMethod) {
        self.sequence = sequence
        self.method = method
    }

    public var description: String { "\(sequence) \(method.rawValue)" }

    public init(parsing string: String) throws(SIPParseError) {
        var s = ByteScanner(string)
        s.skipWhitespace()
        let digits = s.take(while: ASCII.isDigit)
        guard !digits.isEmpty else { throw SIPParseError(.malformedHeader, "CSeq: missing sequence number in '\(string)'") }
        // Leading zeros are fine (RFC 4475 §3.1.1.1: `0009`); the value must fit 2**32-1.
        var value: UInt64 = 0
        for d in digits {
            value = value * 10 + UInt64(d - 0x30)
            guard value <= UInt64(UInt32.max) else {
                throw SIPParseError(.valueOutOfRange, "CSeq: sequence number exceeds 2**32-1")
            }
        }
        s.skipWhitespace()
        guard let m = s.token() else { throw SIPParseError(.malformedHeader, "CSeq: missing method in '\(string)'") }
        s.skipWhitespace()
        guard s.isAtEnd else { throw SIPParseError(.malformedHeader, "CSeq: unexpected '\(s.rest)'") }
        self.init(UInt32(value), SIPMethod(m))
    }
}

/// Parses a non-negative decimal with an upper bound (Max-Forwards ≤ 255, Expires ≤ 2**32-1).
func parseBoundedInteger(_ string: String, header: String, max: UInt64) throws(SIPParseError) -> UInt64 {
    let t = string.trimmingSIPWhitespace
    guard !t.isEmpty, t.utf8.allSatisfy(ASCII.isDigit) else {
        throw SIPParseError(.malformedHeader, "\(header): '\(t)' is not a non-negative integer")
    }
    var value: UInt64 = 0
    for d in t.utf8 {
        value = value &* 10 &+ UInt64(d - 0x30)
        guard value <= max else { throw SIPParseError(.valueOutOfRange, "\(header): value exceeds \(max)") }
    }
    return value
}
