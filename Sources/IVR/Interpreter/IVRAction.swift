import HotlineModel

/// What the adapter does for a ``FlowSession``, in order.
public enum IVRAction: Sendable, Hashable {
    /// Queue these items; report ``IVREvent/playbackFinished`` when all have played. With
    /// `bargeIn`, the session may answer a digit with ``stopPlayback``.
    case play([SpokenItem], bargeIn: Bool)
    /// Stop what is playing and drop its queue; no `.playbackFinished` follows for it.
    case stopPlayback
    /// Start `timer`, or move its deadline if it runs; report ``IVREvent/timer(_:)`` at `at`.
    case startTimer(IVRTimer, at: Timestamp)
    case cancelTimer(IVRTimer)
    /// The caller is about to key something secret: keep it out of the call recording.
    case pauseRecording
    case resumeRecording
    case lookup(request: Int, record: Lookup.Record, key: FlowValue)
    /// Store a new record from the rendered fields; report ``IVREvent/created(request:_:)``.
    case create(request: Int, record: Create.Record, fields: [String: String])
    case verify(request: Int, method: Verify.Method, identifier: String, pin: String)
    /// `url` has its placeholders URL-encoded; `jsonBody` is a JSON object text (nil when
    /// the node has no body).
    case http(request: Int, method: String, url: String, jsonBody: String?, timeoutMilliseconds: Int)
    /// Beep, record up to `maximumSeconds`, store it and report ``IVREvent/stored(request:id:)``.
    case recordVoicemail(request: Int, maximumSeconds: Int)
    /// Store a callback request and report ``IVREvent/stored(request:id:)``.
    case storeCallback(request: Int, number: String, preferredTime: String?)
    /// Hand the call to a queue. The session is finished.
    case transfer(TransferRequest)
    /// Hang up (any goodbye prompt has already played). The session is finished.
    case hangup(outcome: String?)
    /// A node the call left, for the interaction's record.
    case step(IVRStep)
}

/// One thing to say: a recorded file or text for TTS in a language.
public enum SpokenItem: Sendable, Hashable {
    /// A WAV file: the prompt's path joined to the directory of the flow file that
    /// defines it (as written when it is absolute).
    case file(String)
    /// Words for TTS, placeholders already rendered.
    case text(String, Language)
}

/// A node the call went through, as stored with the interaction.
public struct IVRStep: Sendable, Hashable {
    /// The flow the node belongs to (the main flow or a subflow).
    public var flow: String
    public var node: NodeID
    /// The node's kind keyword (`menu`, `collect`, ...).
    public var kind: String
    /// What the caller keyed, or what the node sent; secrets are ``FlowSession/mask``.
    public var input: String?
    /// How the node ended: `option 1`, `timeout`, `invalid`, `collected`, `verified`,
    /// `http 200`, `caller hung up`, ...
    public var outcome: String
    public var startedAt: Timestamp
    public var milliseconds: Int64

    public init(flow: String, node: NodeID, kind: String, input: String?, outcome: String,
                startedAt: Timestamp, milliseconds: Int64) {
        self.flow = flow
        self.node = node
        self.kind = kind
        self.input = input
        self.outcome = outcome
        self.startedAt = startedAt
        self.milliseconds = milliseconds
    }
}

/// A transfer to a queue with what the IVR learnt.
public struct TransferRequest: Sendable, Hashable {
    public var queue: String
    public var skills: [String]
    /// 1 (first) to 10.
    public var priority: Int
    /// Played to the caller in a loop while they wait (empty: music or silence, the adapter's choice).
    public var holdPrompt: [SpokenItem]
    /// Shown to the agent.
    public var reason: String?
    public var context: IVRContext

    public init(queue: String, skills: [String], priority: Int, holdPrompt: [SpokenItem], reason: String?, context: IVRContext) {
        self.queue = queue
        self.skills = skills
        self.priority = priority
        self.holdPrompt = holdPrompt
        self.reason = reason
        self.context = context
    }
}

/// Everything the caller did in the IVR, for the agent and the interaction record.
public struct IVRContext: Sendable, Hashable {
    /// Node ids entered, in order (subflow nodes included).
    public var path: [NodeID]
    /// The call's variables; secrets replaced by ``FlowSession/mask``.
    public var variables: [String: FlowValue]
    /// `verified`, `wrong PIN`, `locked` or `unknown identifier`; nil when no verify ran.
    public var verification: String?
    public var verificationMethod: Verify.Method?

    public init(path: [NodeID], variables: [String: FlowValue], verification: String?, verificationMethod: Verify.Method?) {
        self.path = path
        self.variables = variables
        self.verification = verification
        self.verificationMethod = verificationMethod
    }
}
