import Media
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Prompts read from WAV files and decoded to 8 kHz PCM once, shared by every loop
/// (each loop then encodes them once per codec in its `PromptCache`).
public final class PromptLibrary: Sendable {
    private let prompts = NIOLockedValueBox([String: Prompt]())

    public init() {}

    /// The prompt in the WAV file at `path` (its id is the path), read and decoded on first use.
    /// Blocking file I/O: call it at start-up or off the event loops.
    public func load(_ path: String) throws -> Prompt {
        if let p = prompts.withLockedValue({ $0[path] }) { return p }
        let bytes = try Self.readFile(path)
        let audio: WAVAudio
        do { audio = try WAVReader.read(bytes) } catch {
            throw MediaNetworkError("\(path): not a WAV file Hotline can play (\(error)); "
                                    + "use PCM 16-bit, μ-law or A-law WAV, e.g. `sox in.wav -b 16 -c 1 out.wav`")
        }
        let prompt: Prompt
        do { prompt = try Prompt(id: path, wav: audio) } catch {
            throw MediaNetworkError("\(path): \(error); resample it, e.g. `sox in.wav -r 8000 out.wav`")
        }
        prompts.withLockedValue { $0[path] = prompt }
        return prompt
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            throw MediaNetworkError("cannot open prompt \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, f) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            if n < 65536 { break }
        }
        return out
    }
}
