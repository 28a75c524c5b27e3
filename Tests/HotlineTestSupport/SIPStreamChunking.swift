import SIPMessage

/// How a test hands bytes to a stream decoder: the same bytes must give the same messages
/// whichever way they arrive (STYLE habit 5; swift-nio's `ByteToMessageDecoderVerifier`).
public enum SIPStreamChunking: Sendable, Hashable, CustomStringConvertible {
    /// Everything in one `append`.
    case whole
    /// One byte per `append`.
    case byteByByte
    /// Chunks of 1...`maxChunk` bytes drawn from `SplitMix64(seed:)`.
    case random(seed: UInt64, maxChunk: Int)

    public var description: String {
        switch self {
        case .whole: return "whole"
        case .byteByByte: return "byte-by-byte"
        case .random(let seed, let maxChunk): return "random(seed: \(seed), maxChunk: \(maxChunk))"
        }
    }

    /// Cuts `bytes` into the chunks this strategy delivers.
    public func chunks(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole:
            return [bytes[...]]
        case .byteByByte:
            return bytes.indices.map { bytes[$0...$0] }
        case .random(let seed, let maxChunk):
            var rng = SplitMix64(seed: seed)
            var out: [ArraySlice<UInt8>] = []
            var i = 0
            while i < bytes.count {
                let n = Int.random(in: 1...max(1, maxChunk), using: &rng)
                out.append(bytes[i..<min(bytes.count, i + n)])
                i += n
            }
            return out
        }
    }
}

extension SIPStreamFramer {
    /// Feeds `bytes` the way `chunking` says, calling `next()` after every chunk until it
    /// returns nil, and returns the messages cut out in order. A framing error is rethrown.
    public static func frame(_ bytes: [UInt8], chunking: SIPStreamChunking,
                             maxMessageBytes: Int = 65_535) throws(SIPParseError) -> [[UInt8]] {
        var framer = SIPStreamFramer(maxMessageBytes: maxMessageBytes)
        var out: [[UInt8]] = []
        for chunk in chunking.chunks(of: bytes) {
            framer.append(chunk)
            while let m = try framer.next() { out.append(m) }
        }
        return out
    }
}
