/// Tags, branches and Call-IDs (RFC 3261 §19.3: globally unique, cryptographically random
/// enough that they cannot be guessed). The adapter seeds it from the system's random
/// source; tests seed it with a constant to get exact messages.
///
/// The generator is a SplitMix64 stream whose outputs are mixed with a second,
/// independently seeded key, so that observed tags do not reveal the internal state
/// directly.
public struct IdentifierGenerator: Sendable, Hashable {
    private var state: UInt64
    private let key: UInt64

    public init(seed: UInt64, key: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        self.state = seed
        self.key = key
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state ^ key
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let alphabet: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    /// A token of base-36 characters carrying 64 random bits.
    public mutating func token() -> String {
        var v = next()
        var out: [UInt8] = []
        out.reserveCapacity(13)
        repeat {
            out.append(Self.alphabet[Int(v % 36)])
            v /= 36
        } while v > 0
        return String(decoding: out, as: UTF8.self)
    }

    public mutating func tag() -> String { token() }
    public mutating func branch() -> String { "z9hG4bK" + token() + token() }
    public mutating func callID(host: String) -> String { token() + token() + "@" + host }
}
