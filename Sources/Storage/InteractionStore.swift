import HotlineModel

/// Interactions and the recordings made during them, written as a call progresses so a
/// crash loses no finished call and leaves the unfinished ones to be marked at start-up.
public protocol InteractionStore: Sendable {
    /// Stores a new interaction. Fails with `.conflict` on a taken id.
    @discardableResult
    func createInteraction(_ interaction: Interaction) async throws -> Interaction

    /// Replaces a stored interaction (state, customer, agent, end). Fails with `.notFound`.
    @discardableResult
    func updateInteraction(_ interaction: Interaction) async throws -> Interaction

    func interaction(id: InteractionID) async throws -> Interaction?

    /// Interactions not yet ended, oldest first: after a restart, the ones Hotline was
    /// handling when it stopped.
    func unfinishedInteractions() async throws -> [Interaction]

    /// Stores a recording as it starts. Fails with `.notFound` when its interaction does not
    /// exist, `.conflict` on a taken id or path.
    func createRecording(_ recording: CallRecording) async throws

    /// Replaces a stored recording (status, length, pauses). Fails with `.notFound`.
    func updateRecording(_ recording: CallRecording) async throws

    /// The recordings of one interaction, in the order they started.
    func recordings(of interaction: InteractionID) async throws -> [CallRecording]

    /// The recording with this id, or nil.
    func recording(id: RecordingID) async throws -> CallRecording?

    /// Recordings with this status, oldest first (``CallRecording/Status/recording`` after
    /// a restart: the ones cut short).
    func recordings(status: CallRecording.Status) async throws -> [CallRecording]
}
