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
    case appendAgentStateChanges([AgentStateChange])
    case saveCallRecord(CallRecord)
}
