/// Why a WAVE file could not be read; `message` says what to do about it.
public struct WAVError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable value to switch on or count.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }

        /// The file does not start with `RIFF....WAVE`.
        public static let notRIFFWave = Code("notRIFFWave")
        /// The file has no `fmt ` chunk, or it is too short.
        public static let invalidFormatChunk = Code("invalidFormatChunk")
        /// The encoding, sample size or channel layout is not one Hotline reads.
        public static let unsupportedFormat = Code("unsupportedFormat")
        /// The file has no `data` chunk.
        public static let missingDataChunk = Code("missingDataChunk")

        public var description: String { name }
    }

    public var code: Code
    /// A sentence for the person who supplied the file, ending with what to do next.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "WAVError.\(code): \(message)" }

    /// The command that turns any audio file into what prompts should be.
    static let conversionHint =
        "Convert it with `sox input -r 8000 -c 1 -b 16 -e signed-integer output.wav`."
}
