import Media

/// Recently used rendered prompts within a byte budget, in front of the disk cache; the
/// least recently used entry is evicted first when a new one does not fit.
///
/// A prompt larger than the whole budget is not kept. Lookups scan for the oldest entry
/// only on eviction; the budget holds tens to hundreds of prompts, so a scan is cheap.
struct RecentPrompts: Sendable {
    private struct Entry: Sendable {
        var prompt: Prompt
        var bytes: Int
        var lastUse: UInt64
    }

    let byteBudget: Int
    private(set) var bytesUsed = 0
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0

    init(byteBudget: Int) {
        precondition(byteBudget >= 0, "a byte budget is not negative")
        self.byteBudget = byteBudget
    }

    var count: Int { entries.count }

    /// The prompt cached under `key`, marked as just used.
    mutating func prompt(for key: String) -> Prompt? {
        guard var entry = entries[key] else { return nil }
        clock += 1
        entry.lastUse = clock
        entries[key] = entry
        return entry.prompt
    }

    mutating func insert(_ prompt: Prompt, for key: String) {
        let bytes = prompt.samples.count * MemoryLayout<Int16>.size
        if let old = entries.removeValue(forKey: key) { bytesUsed -= old.bytes }
        guard bytes <= byteBudget else { return }
        while bytesUsed + bytes > byteBudget,
              let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
            bytesUsed -= oldest.value.bytes
        }
        clock += 1
        entries[key] = Entry(prompt: prompt, bytes: bytes, lastUse: clock)
        bytesUsed += bytes
    }
}
