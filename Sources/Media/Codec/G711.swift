/// The two companding laws of ITU-T G.711 and how RTP names them.
///
/// RFC 3551 §4.5.14 and Table 4 give both laws a static payload type at 8 kHz:
/// PCMU (μ-law) is 0 and PCMA (A-law) is 8.
public enum CompandingLaw: Sendable, Hashable, CaseIterable {
    /// μ-law (North America, Japan): ITU-T G.711 Tables 2a/2b.
    case muLaw
    /// A-law (Europe and most of the rest): ITU-T G.711 Tables 1a/1b.
    case aLaw

    /// The RTP static payload type, RFC 3551 Table 4.
    public var rtpPayloadType: UInt8 {
        switch self {
        case .muLaw: 0
        case .aLaw: 8
        }
    }

    /// The encoding name used in SDP `a=rtpmap` lines, RFC 3551 §4.5.14.
    public var encodingName: String {
        switch self {
        case .muLaw: "PCMU"
        case .aLaw: "PCMA"
        }
    }

    /// The law for a static payload type, or `nil` when the type is not G.711.
    public init?(rtpPayloadType: UInt8) {
        switch rtpPayloadType {
        case 0: self = .muLaw
        case 8: self = .aLaw
        default: return nil
        }
    }
}

/// ITU-T G.711 pulse code modulation: 16-bit linear samples to and from 8-bit
/// μ-law or A-law code words.
///
/// Decoding goes through 256-entry tables. Encoding finds the segment (the
/// exponent of the logarithmic approximation) from the leading-zero count of the
/// biased magnitude, so there is no 64 Ki-entry table to keep warm in cache.
/// The arithmetic is the reference one from the ITU-T G.191 software tools
/// (`g711.c`), with the input taken as 16-bit linear (G.711 itself works on 14-bit
/// μ-law and 13-bit A-law magnitudes; the low bits are dropped).
public enum G711 {
    // MARK: μ-law

    /// Encodes one 16-bit linear sample as a μ-law code word (G.711 Table 2a).
    @inlinable
    public static func encodeMuLaw(_ sample: Int16) -> UInt8 {
        var magnitude = Int32(sample)
        let sign: UInt8
        if magnitude < 0 {
            magnitude = -magnitude
            sign = 0x80
        } else {
            sign = 0
        }
        // Bias 0x84 is G.711's 33 in 14-bit terms; 32635 is the largest magnitude
        // that stays within 15 bits once biased.
        magnitude = min(magnitude, 32635) + 0x84
        // The biased magnitude is in 0x84...0x7FFF: its top set bit is bit 7...14,
        // and that bit position minus 7 is the segment number.
        let exponent = 8 - UInt16(truncatingIfNeeded: magnitude).leadingZeroBitCount
        let mantissa = (magnitude >> (exponent + 3)) & 0x0F
        // Code words are sent inverted (G.711 Table 2a, "character signal").
        return ~(sign | UInt8(exponent << 4) | UInt8(mantissa))
    }

    /// Decodes one μ-law code word to a 16-bit linear sample (G.711 Table 2b).
    @inlinable
    public static func decodeMuLaw(_ code: UInt8) -> Int16 {
        muLawDecodeTable[Int(code)]
    }

    /// The μ-law decoder output for every code word, G.711 Table 2b scaled to 16 bits.
    public static let muLawDecodeTable: [Int16] = (0..<256).map { index in
        let code = ~UInt8(index)
        let exponent = Int32((code >> 4) & 0x07)
        let mantissa = Int32(code & 0x0F)
        let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
        return Int16(code & 0x80 != 0 ? -magnitude : magnitude)
    }

    // MARK: A-law

    /// Encodes one 16-bit linear sample as an A-law code word (G.711 Table 1a).
    @inlinable
    public static func encodeALaw(_ sample: Int16) -> UInt8 {
        // A-law works on 13-bit magnitudes; negative values are one's-complemented
        // so that -1 lands in the same interval as 0 on the other side.
        var magnitude = Int32(sample) >> 3
        let mask: UInt8
        if magnitude >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            magnitude = -magnitude - 1
        }
        // magnitude is 0...4095. Segment 0 covers 0...31, segment s ≥ 1 covers
        // 2^(s+4)...2^(s+5)-1, so the segment is the bit length minus 5.
        let bitLength = 16 - UInt16(truncatingIfNeeded: magnitude).leadingZeroBitCount
        let segment = max(bitLength - 5, 0)
        let mantissa = segment < 2 ? (magnitude >> 1) & 0x0F : (magnitude >> segment) & 0x0F
        // Even bits are inverted on the line (G.711 §2, the 0x55 alternate-bit mask).
        return (UInt8(segment << 4) | UInt8(mantissa)) ^ mask
    }

    /// Decodes one A-law code word to a 16-bit linear sample (G.711 Table 1b).
    @inlinable
    public static func decodeALaw(_ code: UInt8) -> Int16 {
        aLawDecodeTable[Int(code)]
    }

    /// The A-law decoder output for every code word, G.711 Table 1b scaled to 16 bits.
    public static let aLawDecodeTable: [Int16] = (0..<256).map { index in
        let code = UInt8(index) ^ 0x55
        let segment = Int32((code >> 4) & 0x07)
        var magnitude = Int32(code & 0x0F) << 4
        switch segment {
        case 0: magnitude += 8
        case 1: magnitude += 0x108
        default: magnitude = (magnitude + 0x108) << (segment - 1)
        }
        // After un-masking, a set sign bit means a positive sample.
        return Int16(code & 0x80 != 0 ? magnitude : -magnitude)
    }

    // MARK: Single samples by law

    /// Encodes one sample with `law`.
    @inlinable
    public static func encode(_ sample: Int16, law: CompandingLaw) -> UInt8 {
        switch law {
        case .muLaw: encodeMuLaw(sample)
        case .aLaw: encodeALaw(sample)
        }
    }

    /// Decodes one code word with `law`.
    @inlinable
    public static func decode(_ code: UInt8, law: CompandingLaw) -> Int16 {
        switch law {
        case .muLaw: decodeMuLaw(code)
        case .aLaw: decodeALaw(code)
        }
    }

    /// The 256-entry decode table of `law`.
    public static func decodeTable(_ law: CompandingLaw) -> [Int16] {
        switch law {
        case .muLaw: muLawDecodeTable
        case .aLaw: aLawDecodeTable
        }
    }

    // MARK: Buffers

    /// Appends the code words of `pcm` to `output`.
    public static func encode(_ pcm: UnsafeBufferPointer<Int16>, law: CompandingLaw, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + pcm.count)
        switch law {
        case .muLaw:
            for sample in pcm { output.append(encodeMuLaw(sample)) }
        case .aLaw:
            for sample in pcm { output.append(encodeALaw(sample)) }
        }
    }

    /// Appends the code words of `pcm` to `output`.
    public static func encode(_ pcm: [Int16], law: CompandingLaw, into output: inout [UInt8]) {
        pcm.withUnsafeBufferPointer { encode($0, law: law, into: &output) }
    }

    /// The code words of `pcm`.
    public static func encode(_ pcm: [Int16], law: CompandingLaw) -> [UInt8] {
        var output: [UInt8] = []
        encode(pcm, law: law, into: &output)
        return output
    }

    /// Writes the linear samples of `codes` to the start of `output` (as many as fit) and
    /// returns how many: for a caller that decodes into a buffer it already has.
    @discardableResult
    public static func decode(_ codes: UnsafeBufferPointer<UInt8>, law: CompandingLaw,
                              into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = min(codes.count, output.count)
        decodeTable(law).withUnsafeBufferPointer { table in
            for i in 0..<n { output[i] = table[Int(codes[i])] }
        }
        return n
    }

    /// Appends the linear samples of `codes` to `output`.
    public static func decode(_ codes: UnsafeBufferPointer<UInt8>, law: CompandingLaw, into output: inout [Int16]) {
        output.reserveCapacity(output.count + codes.count)
        // Fetch the table once: a static let is checked for initialisation on each access.
        let table = decodeTable(law)
        table.withUnsafeBufferPointer { table in
            for code in codes { output.append(table[Int(code)]) }
        }
    }

    /// Appends the linear samples of `codes` to `output`.
    public static func decode(_ codes: [UInt8], law: CompandingLaw, into output: inout [Int16]) {
        codes.withUnsafeBufferPointer { decode($0, law: law, into: &output) }
    }

    /// The linear samples of `codes`.
    public static func decode(_ codes: [UInt8], law: CompandingLaw) -> [Int16] {
        var output: [Int16] = []
        decode(codes, law: law, into: &output)
        return output
    }

    // MARK: Transcoding

    /// μ-law code word → A-law code word, by decoding and re-encoding each of the
    /// 256 code words once. (G.711 Tables 3 and 4 give a slightly different direct
    /// mapping for the digital network; for a B2BUA bridging two legs this one
    /// keeps the decoded value within one quantisation step, which is inaudible.)
    public static let muLawToALawTable: [UInt8] = muLawDecodeTable.map(encodeALaw)

    /// A-law code word → μ-law code word, the converse of ``muLawToALawTable``.
    public static let aLawToMuLawTable: [UInt8] = aLawDecodeTable.map(encodeMuLaw)

    /// Re-encodes `codes` from one law to the other without going through a
    /// linear buffer; returns `codes` unchanged when the laws are the same.
    public static func transcode(_ codes: [UInt8], from source: CompandingLaw, to target: CompandingLaw) -> [UInt8] {
        let table: [UInt8]
        switch (source, target) {
        case (.muLaw, .muLaw), (.aLaw, .aLaw): return codes
        case (.muLaw, .aLaw): table = muLawToALawTable
        case (.aLaw, .muLaw): table = aLawToMuLawTable
        }
        return table.withUnsafeBufferPointer { table in
            codes.map { table[Int($0)] }
        }
    }
}
