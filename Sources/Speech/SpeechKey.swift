import Crypto

/// What a rendered prompt is cached under: SHA-256 over everything that changes the audio.
///
/// Hashing the voice and rate with the text means a changed rate or voice misses instead
/// of serving a stale file; bumping ``versionTag`` orphans every file rendered before
/// (a different output rate, sample format or espeak-ng option).
struct SpeechKey: Sendable, Hashable {
    /// Bump when the rendering changes in a way the other inputs do not capture.
    static let versionTag = "hotline-tts-1/8000Hz/pcm16/mono"

    let text: String
    let voice: String
    let wordsPerMinute: Int
    /// Lower-case hex of the SHA-256 digest: the file name and the prompt id.
    let hex: String

    init(text: String, voice: String, wordsPerMinute: Int) {
        self.text = text
        self.voice = voice
        self.wordsPerMinute = wordsPerMinute
        // NUL separates the fields; only the text (last) may contain one, so no two
        // different inputs produce the same byte string.
        var hasher = SHA256()
        hasher.update(data: Array("\(Self.versionTag)\0\(voice)\0\(wordsPerMinute)\0".utf8))
        hasher.update(data: Array(text.utf8))
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in hasher.finalize() {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        self.hex = String(decoding: hex, as: Unicode.ASCII.self)
    }

    /// The prompt id the playback side caches encoded frames under.
    var promptID: String { "tts-\(hex)" }
}
