import HotlineModel

/// One write of a call's record as it progresses (the server's interaction journal):
/// ``HotlineStore/perform(_:)`` stores many in one transaction.
public enum JournalWrite: Sendable, Hashable {
    case createInteraction(Interaction)
    case updateInteraction(Interaction)
    case createRecording(CallRecording)
    case updateRecording(CallRecording)
    case appendIVRSteps([IVRStepRecord])
    case saveIVRSummary(IVRSummary)
}

extension HotlineStore {
    /// Each write through its own method (its own transaction): what a backend without a
    /// batch path does, and the behaviour a batch must match.
    public func performOneByOne(_ writes: [JournalWrite]) async -> [(any Error)?] {
        var results: [(any Error)?] = []
        for write in writes {
            do {
                switch write {
                case .createInteraction(let i): try await createInteraction(i)
                case .updateInteraction(let i): try await updateInteraction(i)
                case .createRecording(let r): try await createRecording(r)
                case .updateRecording(let r): try await updateRecording(r)
                case .appendIVRSteps(let steps): try await appendIVRSteps(steps)
                case .saveIVRSummary(let summary): try await saveIVRSummary(summary)
                }
                results.append(nil)
            } catch {
                results.append(error)
            }
        }
        return results
    }
}
