import Crypto
import _CryptoExtras

/// PINs stored as salted slow hashes: scrypt (memory-hard, so a stolen table of 6-digit
/// PINs costs real memory and time per guess, not a GPU-second), with a random 16-byte salt
/// per PIN. Stored as `scrypt$N$r$p$<salt hex>$<hash hex>` so the cost can be raised later
/// without breaking stored PINs.
public struct PINHasher: Sendable {
    /// scrypt's CPU/memory cost (a power of two), block size and parallelism: N = 2^14,
    /// r = 8, p = 1 takes 16 MiB (128·r·N bytes) per check, the common interactive setting;
    /// its time per check is to be measured with the IVR benchmark (a caller waits for one).
    public var rounds: Int
    public var blockSize: Int
    public var parallelism: Int

    public init(rounds: Int = 1 << 14, blockSize: Int = 8, parallelism: Int = 1) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// A new salted hash of `pin`.
    public func hash(_ pin: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let derived = try derive(pin, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(hex(salt))$\(hex(derived))"
    }

    /// Whether `pin` is the one `stored` was made from. A malformed or unknown stored value
    /// never matches.
    public func verify(_ pin: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
              let n = Int(parts[1]), n >= 2, n <= 1 << 20, n & (n - 1) == 0,
              let r = Int(parts[2]), (1...32).contains(r), let p = Int(parts[3]), (1...16).contains(p),
              let salt = bytes(parts[4]), let expected = bytes(parts[5]), !expected.isEmpty,
              let derived = try? derive(pin, salt: salt, rounds: n, blockSize: r, parallelism: p)
        else { return false }
        // Constant time: every byte is compared whatever the first difference.
        guard derived.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, expected) { difference |= a ^ b }
        return difference == 0
    }

    private func derive(_ pin: String, salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(pin.utf8), salt: salt, outputByteCount: 32, rounds: rounds,
                                           blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Array($0) }
    }

    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    private func bytes(_ text: Substring) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}
