/// Host syntax checks (RFC 3261 §25.1 `host`, RFC 5118).
enum IPAddress {
    /// hostname / IPv4address: alphanumerics, '-', '.', and '_' (seen in the field).
    static func isHostname(_ b: ArraySlice<UInt8>) -> Bool {
        guard !b.isEmpty, b.count <= 255 else { return false }
        return b.allSatisfy { ASCII.isAlpha($0) || ASCII.isDigit($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }
    }

    /// The inside of `[...]`: hex groups, colons, and an optional dotted IPv4 tail.
    /// Tolerates the three-colon form of RFC 5118 §4.10.
    static func isIPv6Literal(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count >= 2, b.count <= 45, b.contains(ASCII.colon) else { return false }
        return b.allSatisfy { ASCII.hexValue($0) != nil || $0 == ASCII.colon || $0 == 0x2E }
    }
}
