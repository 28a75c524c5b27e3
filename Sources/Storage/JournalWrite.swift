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

extension JournalWrite {
    /// What the write stores, for messages: `an interaction`, `agent state changes`, ...
    public var kind: String {
        switch self {
        case .createInteraction, .updateInteraction: "an interaction"
        case .createRecording, .updateRecording: "a recording's row"
        case .appendIVRSteps: "IVR steps"
        case .saveIVRSummary: "an IVR summary"
        case .appendAgentStateChanges: "agent state changes"
        case .saveCallRecord: "a call record"
        }
    }
}
