/// Why a text could not be spoken or its audio kept; `message` says what to do about it.
public struct SpeechError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable value to switch on or count.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }

        /// No espeak-ng executable at the configured path or on `PATH`.
        public static let notInstalled = Code("notInstalled")
        /// espeak-ng exited with a non-zero status (an unknown voice, missing voice data, …).
        public static let exitedWithFailure = Code("exitedWithFailure")
        /// espeak-ng ran past the time limit and was killed.
        public static let timedOut = Code("timedOut")
        /// espeak-ng exited cleanly but its output held no audible speech or no valid WAVE file.
        public static let noAudio = Code("noAudio")
        /// The text is longer than one render takes (8 KiB of UTF-8).
        public static let textTooLong = Code("textTooLong")
        /// The rendered audio could not be written to the cache directory.
        public static let cacheNotWritable = Code("cacheNotWritable")

        public var description: String { name }
    }

    public var code: Code
    /// The espeak-ng voice the text was to be spoken in, when the error concerns one text.
    public var voice: String?
    /// The text (its first 80 characters), when the error concerns one text.
    public var text: String?
    /// A sentence for the operator, ending with what to do next.
    public var message: String

    public init(code: Code, voice: String? = nil, text: String? = nil, message: String) {
        self.code = code
        self.voice = voice
        self.text = text.map(Self.excerpt)
        self.message = message
    }

    public var description: String {
        var context = ""
        if let voice { context += " voice \(voice)" }
        if let text { context += " text \"\(text)\"" }
        return "SpeechError.\(code)\(context): \(message)"
    }

    /// Enough of a text to recognise it in a log line without flooding it.
    static func excerpt(_ text: String) -> String {
        text.count <= 80 ? text : String(text.prefix(79)) + "…"
    }

    static let installHint = "install espeak-ng: apt-get install espeak-ng"
}
