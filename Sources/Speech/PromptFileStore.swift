import Foundation
import Media

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Rendered prompts on disk as 8 kHz 16-bit mono WAVE files, one per ``SpeechKey``:
/// `<directory>/<first two hex digits>/<hex>.wav`.
///
/// The two-digit fan-out keeps any one directory to a few hundred files for a large
/// cache. Files are written to a temporary name in their final directory and renamed
/// into place, so a reader (another Hotline process, or this one after a crash) sees a
/// whole file or none (POSIX `rename(2)` replaces the target atomically).
struct PromptFileStore: Sendable {
    /// What reading a key found.
    enum Lookup: Sendable {
        /// No file: render the text.
        case missing
        /// 8 kHz mono samples.
        case found([Int16])
        /// A file that is not a usable prompt (truncated, wrong format, unreadable); `reason` says why.
        case unusable(reason: String)
    }

    let directory: String

    func path(for key: SpeechKey) -> String {
        "\(directory)/\(key.hex.prefix(2))/\(key.hex).wav"
    }

    func read(_ key: SpeechKey) -> Lookup {
        let path = path(for: key)
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .unusable(reason: "it could not be read")
        }
        let audio: WAVAudio
        do {
            audio = try WAVReader.read(Array(data))
        } catch {
            return .unusable(reason: error.message)
        }
        // Only this store writes here, always 8 kHz 16-bit mono and whole: anything else is damage.
        guard audio.format == WAVFormat(), !audio.isTruncated, !audio.samples.isEmpty else {
            return .unusable(reason: "it holds \(audio.format.sampleRate) Hz \(audio.format.channels)-channel \(audio.format.encoding) audio of \(audio.samples.count) samples\(audio.isTruncated ? ", truncated" : ""), not a whole 8 kHz 16-bit mono prompt")
        }
        return .found(audio.samples)
    }

    func write(_ samples: [Int16], for key: SpeechKey) throws(SpeechError) {
        let path = path(for: key)
        let folder = "\(directory)/\(key.hex.prefix(2))"
        var writer = WAVWriter(format: WAVFormat())
        let writes = writer.append(samples)
        var bytes = writer.header
        for write in writes {
            let end = write.offset + write.bytes.count
            if bytes.count < end { bytes.append(contentsOf: repeatElement(0, count: end - bytes.count)) }
            bytes.replaceSubrange(write.offset..<end, with: write.bytes)
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw notWritable("cannot create \(folder) (\(Self.reason(error)))")
        }
        // A name no other writer (thread or process) picks, hidden from directory listings.
        let temporary = "\(folder)/.\(key.hex).\(UUID().uuidString).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw notWritable("cannot create \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw notWritable("cannot rename \(temporary) to \(path) (\(reason))")
        }
    }

    private func notWritable(_ detail: String) -> SpeechError {
        SpeechError(
            code: .cacheNotWritable,
            message: "The speech cache directory \(directory) is not writable: \(detail). Make it writable by the user Hotline runs as, or configure another cache directory.")
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}
