/// Parses a RIFF/WAVE file image into linear samples.
///
/// Follows the WAVE form of the Microsoft "Multimedia Programming Interface and
/// Data Specifications 1.0" (1991): a `RIFF` header with form type `WAVE`, then
/// chunks of `id`, little-endian 32-bit `size` and `size` bytes padded to an even
/// length. Reads 16-bit PCM, μ-law and A-law, including `WAVE_FORMAT_EXTENSIBLE`
/// with one of those as its sub-format (Microsoft "Multiple Channel Audio Data and
/// WAVE Files", 2001). Chunks it does not need (`LIST`, `fact`, `cue `, …) are
/// skipped. A `data` chunk that runs past the end of the file, as a recorder that
/// crashed leaves it, yields the samples that are there.
public enum WAVReader {
    /// Decodes `bytes`, the whole file.
    public static func read(_ bytes: [UInt8]) throws(WAVError) -> WAVAudio {
        try bytes.withUnsafeBufferPointer { buffer throws(WAVError) in try read(buffer) }
    }

    /// Decodes `bytes`, the whole file.
    public static func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(WAVError) -> WAVAudio {
        guard bytes.count >= 12, bytes.riffFourCC(at: 0) == "RIFF", bytes.riffFourCC(at: 8) == "WAVE" else {
            let hint = bytes.count >= 4 && bytes.riffFourCC(at: 0) == "RIFX"
                ? "It is a big-endian RIFX file. " : ""
            throw WAVError(
                code: .notRIFFWave,
                message: "The file is not a RIFF/WAVE file. \(hint)\(WAVError.conversionHint)")
        }
        // The RIFF size is not trusted: a crashed writer may have left it stale.
        var format: WAVFormat?
        var data: Range<Int>?
        var isTruncated = false
        var offset = 12
        while offset + 8 <= bytes.count, data == nil || format == nil {
            let id = bytes.riffFourCC(at: offset)
            let size = Int(bytes.riffUInt32(at: offset + 4))
            let body = offset + 8
            let available = bytes.count - body
            switch id {
            case "fmt ":
                guard size <= available else {
                    throw WAVError(
                        code: .invalidFormatChunk,
                        message: "The file ends inside its fmt chunk. \(WAVError.conversionHint)")
                }
                format = try parseFormat(UnsafeBufferPointer(rebasing: bytes[body..<(body + size)]))
            case "data":
                // 0xFFFFFFFF is the placeholder streaming writers leave before they know the size.
                if size > available || size == Int(UInt32.max) {
                    isTruncated = size != Int(UInt32.max)
                    data = body..<bytes.count
                } else {
                    data = body..<(body + size)
                }
            default:
                break
            }
            // RIFF §"Chunks": a chunk with an odd size is followed by one pad byte.
            offset = body + size + (size & 1)
        }
        guard let format else {
            throw WAVError(
                code: .invalidFormatChunk,
                message: "The file has no fmt chunk before its end. \(WAVError.conversionHint)")
        }
        guard let data else {
            throw WAVError(
                code: .missingDataChunk,
                message: "The file has no data chunk, so it holds no audio. Record or export it again.")
        }
        // A partial sample frame at the end (a truncated file) is dropped.
        let frames = data.count / format.blockAlign
        if frames * format.blockAlign != data.count { isTruncated = true }
        let payload = UnsafeBufferPointer(rebasing: bytes[data.lowerBound..<(data.lowerBound + frames * format.blockAlign)])
        var samples: [Int16] = []
        switch format.encoding {
        case .pcm16:
            samples.reserveCapacity(payload.count / 2)
            var index = 0
            while index < payload.count {
                samples.append(Int16(bitPattern: UInt16(payload[index]) | UInt16(payload[index + 1]) << 8))
                index += 2
            }
        case .muLaw:
            G711.decode(payload, law: .muLaw, into: &samples)
        case .aLaw:
            G711.decode(payload, law: .aLaw, into: &samples)
        }
        return WAVAudio(format: format, samples: samples, isTruncated: isTruncated)
    }

    /// `WAVE_FORMAT_EXTENSIBLE`, whose real format tag is the first two bytes of the sub-format GUID.
    static let extensibleTag: UInt16 = 0xFFFE
    /// The last 14 bytes every `KSDATAFORMAT_SUBTYPE_*` GUID for a plain format tag shares.
    static let subformatGUIDTail: [UInt8] = [
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ]

    static func parseFormat(_ chunk: UnsafeBufferPointer<UInt8>) throws(WAVError) -> WAVFormat {
        guard chunk.count >= 16 else {
            throw WAVError(
                code: .invalidFormatChunk,
                message: "The fmt chunk is \(chunk.count) bytes, shorter than the 16 it needs. \(WAVError.conversionHint)")
        }
        var tag = chunk.riffUInt16(at: 0)
        let channels = Int(chunk.riffUInt16(at: 2))
        let sampleRate = Int(chunk.riffUInt32(at: 4))
        let blockAlign = Int(chunk.riffUInt16(at: 12))
        let bits = Int(chunk.riffUInt16(at: 14))
        if tag == extensibleTag {
            guard chunk.count >= 40, Array(chunk[26..<40]) == subformatGUIDTail else {
                throw WAVError(
                    code: .unsupportedFormat,
                    message: "The file uses WAVE_FORMAT_EXTENSIBLE with a sub-format Hotline does not read. \(WAVError.conversionHint)")
            }
            tag = chunk.riffUInt16(at: 24)
        }
        let encoding: WAVFormat.Encoding
        switch (tag, bits) {
        case (1, 16): encoding = .pcm16
        case (7, 8): encoding = .muLaw
        case (6, 8): encoding = .aLaw
        default:
            throw WAVError(
                code: .unsupportedFormat,
                message: "The file is format \(tag) with \(bits)-bit samples; Hotline reads 16-bit PCM, 8-bit μ-law and 8-bit A-law. \(WAVError.conversionHint)")
        }
        let format = WAVFormat(encoding: encoding, sampleRate: sampleRate, channels: channels)
        guard channels > 0, sampleRate > 0, blockAlign == format.blockAlign else {
            throw WAVError(
                code: .invalidFormatChunk,
                message: "The fmt chunk says \(channels) channels at \(sampleRate) Hz with \(blockAlign)-byte frames, which do not fit together. \(WAVError.conversionHint)")
        }
        return format
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The four ASCII characters at `offset`, for comparing chunk identifiers.
    func riffFourCC(at offset: Int) -> String {
        String(decoding: self[offset..<(offset + 4)], as: Unicode.ASCII.self)
    }

    func riffUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    func riffUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }
}
