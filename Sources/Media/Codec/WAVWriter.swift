/// Bytes to put at a position in the file being written.
public struct WAVWrite: Sendable, Hashable {
    /// Byte offset from the start of the file.
    public var offset: Int
    public var bytes: [UInt8]

    public init(offset: Int, bytes: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
    }
}

/// Writes a RIFF/WAVE file incrementally, leaving a valid file after every append.
///
/// The writer does no I/O: the adapter writes ``header`` at offset 0 when it
/// creates the file, then applies the ``WAVWrite`` patches each ``append(_:)``
/// returns, in order. The first patch carries the new audio; the next two rewrite
/// the `data` chunk size (offset 40) and the RIFF size (offset 4) to include it.
/// Because the sizes are written after the audio they describe, a crash at any
/// point leaves a file that reads back everything up to the last completed
/// append (and ``WAVReader`` tolerates a size that ran ahead of the data).
///
/// The header is the canonical 44 bytes: `RIFF`, a 16-byte `fmt ` chunk and
/// `data` (Microsoft "Multimedia Programming Interface and Data Specifications
/// 1.0", WAVE form). For μ-law and A-law the specification asks for an 18-byte
/// `fmt ` chunk and a `fact` chunk; sox, ffmpeg and Windows read the short form,
/// and keeping one layout keeps the size fields at fixed offsets.
public struct WAVWriter: Sendable {
    public let format: WAVFormat
    /// Bytes of audio in the `data` chunk so far (without the pad byte).
    public private(set) var dataByteCount = 0
    /// Samples not written because the file reached the 4 GiB RIFF limit.
    public private(set) var droppedSampleCount = 0

    /// Offset of the RIFF chunk size field.
    public static let riffSizeOffset = 4
    /// Offset of the `data` chunk size field.
    public static let dataSizeOffset = 40
    /// Offset of the first audio byte.
    public static let headerSize = 44

    /// The largest `data` size that keeps the RIFF size within 32 bits.
    var maximumDataByteCount: Int {
        let limit = Int(UInt32.max) - (Self.headerSize - 8) - 1
        return limit - limit % format.blockAlign
    }

    /// A writer for `format`; mono or stereo, 16-bit PCM, μ-law or A-law.
    public init(format: WAVFormat = WAVFormat()) {
        precondition(format.channels == 1 || format.channels == 2, "WAVWriter writes mono or stereo")
        precondition(format.sampleRate > 0, "WAVWriter needs a positive sample rate")
        self.format = format
    }

    /// The 44-byte header describing the audio appended so far; write it at offset 0.
    public var header: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize)
        bytes.appendRIFFASCII("RIFF")
        bytes.appendRIFFLittleEndian(riffSize)
        bytes.appendRIFFASCII("WAVE")
        bytes.appendRIFFASCII("fmt ")
        bytes.appendRIFFLittleEndian(UInt32(16))
        bytes.appendRIFFLittleEndian(format.encoding.formatTag)
        bytes.appendRIFFLittleEndian(UInt16(format.channels))
        bytes.appendRIFFLittleEndian(UInt32(format.sampleRate))
        bytes.appendRIFFLittleEndian(UInt32(format.byteRate))
        bytes.appendRIFFLittleEndian(UInt16(format.blockAlign))
        bytes.appendRIFFLittleEndian(UInt16(format.bitsPerSample))
        bytes.appendRIFFASCII("data")
        bytes.appendRIFFLittleEndian(UInt32(dataByteCount))
        return bytes
    }

    /// `data` plus its pad byte when the data length is odd (RIFF chunks are even).
    var riffSize: UInt32 {
        UInt32(Self.headerSize - 8 + dataByteCount + (dataByteCount & 1))
    }

    /// Adds interleaved samples (for stereo, left then right) and returns what to
    /// write where, in order: the audio, then the `data` size, then the RIFF size.
    ///
    /// A trailing partial stereo frame is dropped, as are samples beyond the 4 GiB
    /// RIFF limit (counted in ``droppedSampleCount``); nothing to write yields `[]`.
    public mutating func append(_ pcm: [Int16]) -> [WAVWrite] {
        let room = (maximumDataByteCount - dataByteCount) / format.encoding.bytesPerSample
        var accepted = min(pcm.count, room)
        accepted -= accepted % format.channels
        droppedSampleCount += pcm.count - accepted
        guard accepted > 0 else { return [] }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(accepted * format.encoding.bytesPerSample + 1)
        let samples = pcm[..<accepted]
        switch format.encoding {
        case .pcm16:
            for sample in samples { bytes.appendRIFFLittleEndian(UInt16(bitPattern: sample)) }
        case .muLaw:
            for sample in samples { bytes.append(G711.encodeMuLaw(sample)) }
        case .aLaw:
            for sample in samples { bytes.append(G711.encodeALaw(sample)) }
        }
        let offset = Self.headerSize + dataByteCount
        dataByteCount += bytes.count
        // The pad byte goes after odd-length data; the next append overwrites it.
        if dataByteCount & 1 == 1 { bytes.append(0) }
        var dataSize: [UInt8] = []
        dataSize.appendRIFFLittleEndian(UInt32(dataByteCount))
        var riffSizeBytes: [UInt8] = []
        riffSizeBytes.appendRIFFLittleEndian(riffSize)
        return [
            WAVWrite(offset: offset, bytes: bytes),
            WAVWrite(offset: Self.dataSizeOffset, bytes: dataSize),
            WAVWrite(offset: Self.riffSizeOffset, bytes: riffSizeBytes),
        ]
    }
}

extension [UInt8] {
    mutating func appendRIFFASCII(_ string: StaticString) {
        string.withUTF8Buffer { append(contentsOf: $0) }
    }

    mutating func appendRIFFLittleEndian<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        for index in 0..<(T.bitWidth / 8) {
            append(UInt8(truncatingIfNeeded: value >> (index * 8)))
        }
    }
}
