/// Connection data, `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7).
///
/// The address is kept without brackets and without the multicast suffixes, which
/// live in ``ttl`` and ``addressCount``:
///
/// ```
/// c=IN IP4 192.0.2.1              address "192.0.2.1"
/// c=IN IP6 2001:db8::20           address "2001:db8::20"
/// c=IN IP4 233.252.0.1/127/3      address "233.252.0.1", ttl 127, addressCount 3
/// c=IN IP6 ff15::101/3            address "ff15::101", addressCount 3 (no TTL in IP6)
/// ```
public struct Connection: Sendable, Hashable {
    /// Network type, `IN` for the Internet.
    public var netType: String
    /// Address type, `IP4` or `IP6` (other values are kept as sent).
    public var addrType: String
    /// A unicast or multicast address, or an FQDN, without brackets.
    public var address: String
    /// IP4 multicast time-to-live (RFC 8866 §5.7); `nil` for unicast.
    public var ttl: UInt8?
    /// The number of consecutive multicast addresses, when the `/<count>` suffix is
    /// present.
    public var addressCount: Int?

    public init(
        netType: String = "IN",
        addrType: String,
        address: String,
        ttl: UInt8? = nil,
        addressCount: Int? = nil
    ) {
        self.netType = netType
        self.addrType = addrType
        self.address = address
        self.ttl = ttl
        self.addressCount = addressCount
    }

    /// An `IN` connection to `address`, `IP6` when it contains a colon, else `IP4`.
    /// Brackets around an IPv6 literal are removed.
    public init(address: String) {
        let bare = Connection.unbracketed(address)
        self.init(addrType: bare.contains(":") ? "IP6" : "IP4", address: bare)
    }

    /// True for the unspecified addresses `0.0.0.0` and `::`. RFC 2543 user agents
    /// put a call on hold by offering `c=IN IP4 0.0.0.0`; RFC 3264 §8.4 replaced
    /// that with `a=sendonly`, but still asks answerers to understand it.
    public var isUnspecified: Bool {
        address == "0.0.0.0" || address == "::" || address == "0:0:0:0:0:0:0:0"
    }

    /// True when ``addrType`` is `IP6` (compared case-insensitively).
    public var isIPv6: Bool { addrType.uppercased() == "IP6" }

    /// The value of the `c=` line, without `c=`.
    public var fieldValue: String {
        var value = "\(netType) \(addrType) \(address)"
        if let ttl { value += "/\(ttl)" }
        if let addressCount { value += "/\(addressCount)" }
        return value
    }

    /// `address` without the brackets of an IPv6 reference (`[2001:db8::1]`), which
    /// SIP uses but SDP does not (RFC 5118 §4.6); nested pairs are removed too.
    static func unbracketed(_ address: String) -> String {
        var bare = Substring(address)
        while bare.count >= 2, bare.hasPrefix("["), bare.hasSuffix("]") {
            bare = bare.dropFirst().dropLast()
        }
        return String(bare)
    }
}
