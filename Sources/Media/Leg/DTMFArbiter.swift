/// How a digit reached us. Phones send DTMF in one of three ways, and which one a
/// phone uses is the most common IVR interoperability bug in the field.
public enum DTMFSource: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// RFC 4733 telephone-event packets in the RTP stream.
    case rfc4733
    /// SIP INFO with `application/dtmf-relay` or `application/dtmf`.
    case sipInfo
    /// Tones in the audio itself, found by the Goertzel detector (ITU-T Q.24).
    case inBand

    public var description: String { rawValue }
}

/// One key press as the layer above (the IVR, a bridge) sees it.
public struct DTMFEvent: Hashable, Sendable, CustomStringConvertible {
    public var digit: DTMFDigit
    public var source: DTMFSource
    /// When the key went down, as best the source can tell.
    public var at: MediaInstant
    /// How long the key was held, when the source says so at once (SIP INFO does;
    /// RFC 4733 and in-band report the digit at its start, before the length is known).
    public var durationMilliseconds: Int?

    public init(digit: DTMFDigit, source: DTMFSource, at: MediaInstant, durationMilliseconds: Int? = nil) {
        self.digit = digit
        self.source = source
        self.at = at
        self.durationMilliseconds = durationMilliseconds
    }

    public var description: String { "\(digit)@\(at)(\(source))" }
}

/// Makes each key press reach the layer above once, whichever ways the phone sends it.
///
/// Many phones send the same press twice: RFC 4733 events *and* the tone left in the
/// audio, or RFC 4733 *and* SIP INFO. Each source already reports a press once
/// (the RFC 4733 receiver merges an event's packets, the detector a tone's frames), so
/// a press is a duplicate exactly when another source already reported the same digit
/// less than ``window`` earlier. Presses from one source are never merged here: a fast
/// "1 1" from RFC 4733 is two presses.
///
/// The source that spoke first is kept as ``preferredSource``: the leg uses it to turn
/// in-band detection off once the phone has shown it sends RFC 4733.
public struct DTMFArbiter: Hashable, Sendable {
    /// How close two reports of one digit from different sources must be to be one press.
    /// 500 ms covers a tone's detection delay and a SIP INFO's transit, and is longer
    /// than any press-and-release a person makes between two presses of one key.
    public let window: Int64
    /// The first source that reported a digit on this leg.
    public private(set) var preferredSource: DTMFSource?
    /// Reports dropped as duplicates of another source's.
    public private(set) var duplicates = 0
    /// Presses passed on.
    public private(set) var accepted = 0
    private var last: [DTMFDigit: Seen] = [:]

    private struct Seen: Hashable, Sendable {
        var source: DTMFSource
        var at: MediaInstant
    }

    public init(windowMilliseconds: Int64 = 500) {
        precondition(windowMilliseconds >= 0, "a window is not negative")
        self.window = windowMilliseconds
    }

    /// The press to pass on, or `nil` when another source already reported it.
    public mutating func offer(_ event: DTMFEvent) -> DTMFEvent? {
        if let previous = last[event.digit], previous.source != event.source,
           abs(event.at.milliseconds - previous.at.milliseconds) < window {
            duplicates += 1
            return nil
        }
        last[event.digit] = Seen(source: event.source, at: event.at)
        if preferredSource == nil { preferredSource = event.source }
        accepted += 1
        return event
    }
}
