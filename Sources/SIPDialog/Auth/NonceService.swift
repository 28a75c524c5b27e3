import Crypto

/// Whether a server nonce may still be used (RFC 7616 §3.3, §5.5).
public enum NonceValidity: Sendable, Hashable {
    /// Issued by a node sharing the secret, for this realm, within the lifetime.
    case valid
    /// Genuine but older than the lifetime: answer with `stale=TRUE` if the response is
    /// otherwise correct, so the client retries without prompting (RFC 7616 §3.3).
    case stale
    /// Not issued with this secret and realm, corrupted, or dated in the future.
    case invalid
}

/// Issues and checks stateless nonces, so any node that shares the secret can verify a
/// nonce another node issued, and nothing is stored per challenge (RFC 7616 §5.5 suggests
/// a nonce built from a time-stamp and a private key).
///
/// Layout, 48 bytes, base64url without padding (64 characters, all legal in a
/// quoted-string):
///
///     issued-at (Int64 ns, big-endian) ‖ salt (UInt64, big-endian)
///         ‖ HMAC-SHA256(secret, issued-at ‖ salt ‖ UTF-8(realm))
///
/// `now` is nanoseconds since an epoch every node agrees on: nodes that verify each
/// other's nonces must pass wall-clock time (e.g. the Unix epoch), not a monotonic clock.
/// The salt (from the caller, e.g. a counter seeded randomly per node) keeps two nonces
/// issued in the same nanosecond distinct, which matters because nonce-counts are tracked
/// per nonce.
public struct NonceService: Sendable {
    /// Shortest secret accepted: 256 bits, the HMAC-SHA256 block-size guidance of RFC 2104 §3.
    public static let minimumSecretLength = 32
    /// Default nonce lifetime: five minutes.
    public static let defaultLifetimeSeconds: Int64 = 300
    /// How far in the future a nonce's time-stamp may be, to absorb clock skew between nodes.
    public static let defaultClockSkewToleranceSeconds: Int64 = 5

    public let realm: String
    public let lifetimeNanoseconds: Int64
    public let clockSkewToleranceNanoseconds: Int64
    /// Kept as bytes: `SymmetricKey` is not `Sendable`, so a key is made per use.
    private let secret: [UInt8]

    /// - Throws: ``AuthError`` with ``AuthError/Code/secretTooShort`` when `secret` has fewer
    ///   than ``minimumSecretLength`` bytes.
    public init(
        secret: [UInt8], realm: String, lifetimeSeconds: Int64 = NonceService.defaultLifetimeSeconds,
        clockSkewToleranceSeconds: Int64 = NonceService.defaultClockSkewToleranceSeconds
    ) throws(AuthError) {
        guard secret.count >= Self.minimumSecretLength else {
            throw AuthError(
                code: .secretTooShort,
                detail: "the nonce secret has \(secret.count) bytes, fewer than \(Self.minimumSecretLength)")
        }
        self.secret = secret
        self.realm = realm
        self.lifetimeNanoseconds = Self.nanoseconds(seconds: lifetimeSeconds)
        self.clockSkewToleranceNanoseconds = Self.nanoseconds(seconds: clockSkewToleranceSeconds)
    }

    /// A fresh nonce dated `now`.
    public func makeNonce(now: Int64, salt: UInt64 = 0) -> String {
        var payload = Self.bigEndianBytes(UInt64(bitPattern: now))
        payload += Self.bigEndianBytes(salt)
        let mac = HMAC<SHA256>.authenticationCode(for: payload + Array(realm.utf8), using: SymmetricKey(data: secret))
        return NonceEncoding.encode(payload + Array(mac))
    }

    /// Checks a nonce a client returned.
    public func validate(nonce: String, now: Int64) -> NonceValidity {
        guard let issuedAt = issueTime(of: nonce) else { return .invalid }
        return validity(issuedAt: issuedAt, now: now)
    }

    /// The time-stamp of a nonce whose MAC verifies, or nil.
    func issueTime(of nonce: String) -> Int64? {
        guard let bytes = NonceEncoding.decode(nonce), bytes.count == 48 else { return nil }
        let payload = Array(bytes[0..<16])
        // isValidAuthenticationCode compares in constant time.
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                Array(bytes[16..<48]), authenticating: payload + Array(realm.utf8), using: SymmetricKey(data: secret))
        else { return nil }
        var issuedAt: UInt64 = 0
        for byte in payload[0..<8] { issuedAt = issuedAt << 8 | UInt64(byte) }
        return Int64(bitPattern: issuedAt)
    }

    func validity(issuedAt: Int64, now: Int64) -> NonceValidity {
        let (age, overflow) = now.subtractingReportingOverflow(issuedAt)
        if overflow { return .invalid }
        if age < -clockSkewToleranceNanoseconds { return .invalid }
        if age > lifetimeNanoseconds { return .stale }
        return .valid
    }

    /// Seconds to nanoseconds, clamped to 0...Int64.max.
    static func nanoseconds(seconds: Int64) -> Int64 {
        let (product, overflow) = max(0, seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product
    }

    private static func bigEndianBytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
}

/// base64url without padding (RFC 4648 §5), for nonces.
enum NonceEncoding {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = min(3, bytes.count - index)
            var group: UInt32 = 0
            for offset in 0..<3 {
                group = group << 8 | UInt32(offset < chunk ? bytes[index + offset] : 0)
            }
            for position in 0...chunk {
                out.append(alphabet[Int((group >> (18 - 6 * UInt32(position))) & 0x3f)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes text whose length is a multiple of 4; nil on any other input.
    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 4 * 3)
        var index = 0
        while index < utf8.count {
            var group: UInt32 = 0
            for offset in 0..<4 {
                guard let value = sextet(utf8[index + offset]) else { return nil }
                group = group << 6 | value
            }
            out.append(UInt8(truncatingIfNeeded: group >> 16))
            out.append(UInt8(truncatingIfNeeded: group >> 8))
            out.append(UInt8(truncatingIfNeeded: group))
            index += 4
        }
        return out
    }

    private static func sextet(_ character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "-"): return 62
        case UInt8(ascii: "_"): return 63
        default: return nil
        }
    }
}
