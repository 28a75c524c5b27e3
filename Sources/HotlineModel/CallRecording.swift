/// A recording of a call, as stored with its interaction: where the WAV file is, what it
/// holds, and whether it was finished.
///
/// The row is written when recording starts (status ``Status/recording``) and updated when
/// it stops, so a crash leaves a row that start-up recovery marks ``Status/interrupted``
/// with the length the file reached (the writer keeps the WAV header valid every second).
public struct CallRecording: Hashable, Codable, Sendable {
    public enum Layout: String, CaseIterable, Hashable, Codable, Sendable {
        /// One channel: both sides mixed.
        case mono
        /// Caller left, the other side (agent, Hotline's prompts) right.
        case stereo
    }

    public enum Status: String, CaseIterable, Hashable, Codable, Sendable {
        /// Being written now.
        case recording
        /// Finished and flushed.
        case complete
        /// Finished, but a write failed (a full disk): the file holds what came before.
        case incomplete
        /// Hotline stopped (a crash, a kill) while recording; the file is valid up to the
        /// last second written.
        case interrupted
    }

    /// A stretch recorded as silence (PCI: card numbers and PINs are not kept).
    public struct Pause: Hashable, Codable, Sendable {
        /// From the start of the recording.
        public var startMilliseconds: Int64
        public var endMilliseconds: Int64

        public init(startMilliseconds: Int64, endMilliseconds: Int64) {
            self.startMilliseconds = startMilliseconds
            self.endMilliseconds = endMilliseconds
        }
    }

    public var id: RecordingID
    public var interactionID: InteractionID
    /// The WAV file, absolute.
    public var path: String
    public var layout: Layout
    public var status: Status
    public var startedAt: Timestamp
    public var durationMilliseconds: Int64
    /// The file's size, header included.
    public var bytes: Int64
    public var pauses: [Pause]
    /// Why the recording is incomplete, for the operator.
    public var error: String?

    public init(id: RecordingID, interactionID: InteractionID, path: String, layout: Layout,
                status: Status = .recording, startedAt: Timestamp, durationMilliseconds: Int64 = 0,
                bytes: Int64 = 0, pauses: [Pause] = [], error: String? = nil) {
        self.id = id
        self.interactionID = interactionID
        self.path = path
        self.layout = layout
        self.status = status
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.bytes = bytes
        self.pauses = pauses
        self.error = error
    }
}

/// A recording's identity.
public struct RecordingID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
