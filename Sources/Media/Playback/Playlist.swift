/// What a leg plays, in order: prompts, tones and silence, one 20 ms G.711 payload per
/// ``next()`` (the media clock calls it once per tick, RFC 3551 §4.5.14 ptime 20 ms).
///
/// ```
///   enqueue ──▶ [item 1][item 2]… ──next()──▶ .frame(payload) … .finished(id)
///                   ▲                                             │
///                   └──────────── loop (music on hold) ◀──────────┘
///   bargeIn() empties the queue (a digit stops the prompt).
/// ```
///
/// `.finished(id)` takes no time: after it the adapter calls ``next()`` again in the
/// same tick for the frame. `nil` means nothing is queued: send nothing, or comfort
/// silence, as the leg prefers.
public struct Playlist: Sendable {
    /// One queued thing to play.
    public enum Item: Hashable, Sendable {
        /// A prompt's frames, already encoded (``Prompt/frames(_:)``).
        case prompt(id: String, frames: [[UInt8]])
        /// `frames` frames of a generated tone (a finite tone such as a beep ends earlier only if
        /// `frames` says so; after it finishes the rest is silence).
        case tone(id: String, ToneGenerator.Tone, frames: Int)
        /// `frames` frames of silence.
        case silence(id: String, frames: Int)

        /// The id ``Event/finished(_:)`` reports.
        public var id: String {
            switch self {
            case .prompt(let id, _), .tone(let id, _, _), .silence(let id, _): id
            }
        }

        /// Frames the item lasts.
        public var frameCount: Int {
            switch self {
            case .prompt(_, let frames): frames.count
            case .tone(_, _, let frames), .silence(_, let frames): frames
            }
        }
    }

    /// What ``next()`` yields.
    public enum Event: Hashable, Sendable {
        /// A 160-byte G.711 payload to send now.
        case frame([UInt8])
        /// The item with this id played to its end (or was skipped for being empty).
        case finished(String)
    }

    /// The law payloads are encoded in (the one SDP negotiated for the leg).
    public let law: CompandingLaw
    /// Start again from the first item when the last one finishes (music on hold).
    public var loop: Bool
    /// Items in play order. Without ``loop`` an item leaves when it finishes; with it, every
    /// item stays (the ones before the current one have played this lap), so turning
    /// ``loop`` on replays what is still queued.
    public private(set) var items: [Item] = []
    private var currentIndex = 0
    private var frameIndex = 0
    private var generator: ToneGenerator?

    public init(law: CompandingLaw, loop: Bool = false) {
        self.law = law
        self.loop = loop
    }

    /// Nothing left to play.
    public var isEmpty: Bool { currentIndex >= items.count }

    /// Queues `item` after the others.
    public mutating func enqueue(_ item: Item) {
        items.append(item)
    }

    /// Queues `prompt` in the playlist's law (its frames were encoded when it was made).
    public mutating func enqueue(_ prompt: Prompt) {
        enqueue(.prompt(id: prompt.id, frames: prompt.frames(law)))
    }

    /// The next event, or `nil` when nothing is queued.
    public mutating func next() -> Event? {
        guard currentIndex < items.count else { return nil }
        let item = items[currentIndex]
        guard frameIndex < item.frameCount else {
            finishItem()
            return .finished(item.id)
        }
        defer { frameIndex += 1 }
        switch item {
        case .prompt(_, let frames):
            return .frame(frames[frameIndex])
        case .silence:
            return .frame(Self.silenceFrame(law))
        case .tone(_, let tone, _):
            if frameIndex == 0 || generator == nil { generator = ToneGenerator(tone) }
            let pcm = generator!.nextFrame()
            return .frame(G711.encode(pcm, law: law))
        }
    }

    /// Barge-in: stops what is playing and drops everything queued (a digit was pressed,
    /// or the caller is taken off hold). Returns the ids of the dropped items, the one
    /// that was playing first. No ``Event/finished(_:)`` is reported for them.
    @discardableResult
    public mutating func bargeIn() -> [String] {
        let dropped = items[min(currentIndex, items.count)...].map(\.id)
        items = []
        currentIndex = 0
        frameIndex = 0
        generator = nil
        return dropped
    }

    private mutating func finishItem() {
        frameIndex = 0
        generator = nil
        guard loop else {
            // Played items are only kept for looping, so a long IVR call does not accumulate
            // them; with ``loop`` just turned off, this lap's played items go too.
            items.removeFirst(currentIndex + 1)
            currentIndex = 0
            return
        }
        currentIndex += 1
        if currentIndex == items.count { currentIndex = 0 }
    }

    /// One 20 ms frame of G.711 silence.
    public static func silenceFrame(_ law: CompandingLaw) -> [UInt8] {
        [UInt8](repeating: Prompt.silenceByte(law), count: MediaModule.samplesPerFrame)
    }
}
