import HotlineModel

/// Who called and what they dialled: the variables every call starts with.
public struct CallInfo: Sendable, Hashable {
    public var callerNumber: String
    public var dialled: String
    public var callID: String
    /// Set before the flow starts (after the built-ins `caller`, `dialled` and `call`, so
    /// they may override them).
    public var initialVariables: [String: FlowValue]

    public init(callerNumber: String, dialled: String, callID: String, initialVariables: [String: FlowValue] = [:]) {
        self.callerNumber = callerNumber
        self.dialled = dialled
        self.callID = callID
        self.initialVariables = initialVariables
    }
}

/// One call's walk through a flow, as a value the adapter drives: it hands in events
/// with `now` and runs the actions it gets back, in order (STYLE.md habit 1).
///
/// ```
///            start
///              │
///   ┌──────────▼──────────┐   play/say, voicemail/callback/hangup prompts
///   │ entering nodes      ├──────────────► playback ──playbackFinished / barge-in──┐
///   │ (set, branch, hours,│   menu/collect/language                               │
///   │  subflow, return:   ├──────────────► input ──key / timeout──────────────────┤
///   │  no waiting)        │   verify/lookup/http, after voicemail/callback prompts │
///   │                     ├──────────────► result(n) ──result n / http timer──────┤
///   └──▲──────────────┬───┘                                                       │
///      └──────────────┼───────────────────────────────────────────────────────────┘
///                     └── transfer, hangup, return from the main flow, callerHungUp,
///                         more than 1,000 nodes without waiting ──► finished
/// ```
///
/// Every node the call leaves yields one ``IVRAction/step(_:)``. Leaving a node cancels
/// the timers it started and resumes a recording a secret `collect` paused, before the
/// step; the next node's actions follow the step.
public struct FlowSession: Sendable {
    /// What replaces a secret in steps and the transfer context.
    public static let mask = "******"
    /// Node entries allowed between two waits: a flow looping through nodes that never
    /// wait (the validator rejects those, but a flow edited past it must not spin a core).
    public static let maximumNodeEntries = 1_000
    /// Digits kept from barge-ins for the next menu, collect or language node.
    static let maximumTypeAhead = 32

    /// A flow being run and where its caller continues after its `return`.
    struct Frame: Sendable {
        var flow: Flow
        var returnTo: NodeID?
    }

    /// The node the call is in.
    struct CurrentNode: Sendable {
        var node: FlowNode
        var startedAt: Timestamp
    }

    /// What the session waits for.
    enum Waiting: Sendable, Hashable {
        /// Before ``start(now:)``. Exits: `start` → entering the start node;
        /// `callerHungUp` → finished.
        case notStarted
        /// A play, say, voicemail, callback or hangup prompt is playing. Exits:
        /// `playbackFinished` → `then`; a digit when `bargeIn` (play and say) →
        /// `stopPlayback`, the digit kept as type-ahead, the node's next; `callerHungUp`.
        case playback(bargeIn: Bool, then: AfterPlayback)
        /// A menu, collect or language node plays its prompt or waits for keys. Exits: a
        /// chosen option or a complete entry → the chosen node or next; tries used up →
        /// `on_failure`; a wrong key, too few digits or a timeout with tries left →
        /// stays, replaying the prompt; `callerHungUp`.
        case input(Listening)
        /// A verify, lookup, create, http, voicemail or callback request numbered `request`.
        /// Exits: its result (others are ignored) → the node's branch; for http the
        /// `.http(request)` guard timer → `on_timeout`; `callerHungUp`.
        case result(request: Int)
        /// Transferred, hung up, or the caller left. Every event is ignored.
        case finished
    }

    /// What follows a prompt that played to its end.
    enum AfterPlayback: Sendable, Hashable {
        /// play and say: the node's next.
        case next
        case recordVoicemail
        case storeCallback
        /// hangup: hang up with the node's outcome.
        case hangup
    }

    /// Input in progress at a menu, collect or language node.
    struct Listening: Sendable, Hashable {
        /// The prompt (or a retry prompt followed by it) is playing.
        var promptPlaying: Bool
        /// Wrong keys, too-short entries and timeouts so far.
        var triesUsed: Int = 0
        /// Digits a collect has gathered in this try.
        var digits: String = ""
    }

    public let call: CallInfo
    let mainFlow: Flow
    let subflows: [String: Flow]
    /// Flows being run, the innermost last; never empty.
    var frames: [Frame]
    var current: CurrentNode?
    var waiting: Waiting = .notStarted

    /// The call's variables (`caller`, `dialled`, `call`, `language`, and what nodes set).
    /// Secrets are held as entered: mask them with ``secretVariables`` before showing them.
    public internal(set) var variables: [String: FlowValue]
    /// Node ids entered, in order, subflow nodes included.
    public internal(set) var path: [NodeID] = []
    /// The language prompts are spoken in: the flow's, until a `language` node changes it.
    public internal(set) var language: Language
    /// How the session ended: a hangup node's outcome, `transferred to <queue>`,
    /// `abandoned at <node>`, `loop`, `error`; nil while it runs or for a hangup without one.
    public internal(set) var outcome: String?
    /// Variables filled by a secret collect.
    public internal(set) var secretVariables: Set<String> = []

    var typeAhead: [Character] = []
    var runningTimers: Set<IVRTimer> = []
    var recordingPaused = false
    var lastRequest = 0
    var verification: String?
    var verificationMethod: Verify.Method?
    /// Node entries since the session last waited.
    var entries = 0
    /// The `now` of the call being handled (`now` in expressions, step times).
    var clock = Timestamp(millisecondsSinceEpoch: 0)

    public init(flow: Flow, subflows: [String: Flow], call: CallInfo) {
        self.call = call
        self.mainFlow = flow
        self.subflows = subflows
        self.frames = [Frame(flow: flow, returnTo: nil)]
        self.language = flow.language
        var variables: [String: FlowValue] = [
            "caller": .string(call.callerNumber),
            "dialled": .string(call.dialled),
            "call": .record(["id": .string(call.callID)]),
            "language": .string(flow.language.rawValue),
        ]
        variables.merge(call.initialVariables) { _, new in new }
        self.variables = variables
    }

    /// The id of the customer a `verify` accepted (its `customer.id`), nil before or after a failure.
    public var verifiedCustomerID: String? {
        guard variables["verified"] == .bool(true), case .record(let r)? = variables["customer"],
              case .string(let id)? = r["id"] else { return nil }
        return id
    }

    /// Whether a key pressed now goes to a menu, a language choice or a collect that is
    /// not secret, so it may be logged as it is. Any other key (during a prompt, a lookup,
    /// a secret collect, or behind type-ahead) may be part of a PIN or card number the
    /// caller types ahead.
    public var nextKeyIsNotSecret: Bool {
        guard case .input = waiting, typeAhead.isEmpty else { return false }
        switch current?.node.kind {
        case .menu?, .language?: return true
        case .collect(let collect)?: return !collect.secret
        default: return false
        }
    }

    public var isFinished: Bool {
        switch waiting {
        case .finished: true
        case .notStarted, .playback, .input, .result: false
        }
    }

    /// The flow of the node in progress.
    var flow: Flow { frames[frames.count - 1].flow }

    // MARK: Driving

    /// Enters the flow's start node. Does nothing once started.
    public mutating func start(now: Timestamp) -> [IVRAction] {
        guard case .notStarted = waiting else { return [] }
        clock = now
        entries = 0
        var actions: [IVRAction] = []
        run(from: mainFlow.start.value, &actions)
        return actions
    }

    public mutating func handle(_ event: IVREvent, now: Timestamp) -> [IVRAction] {
        clock = now
        entries = 0
        var actions: [IVRAction] = []
        switch event {
        case .callerHungUp:
            callerHungUp(&actions)
        case .digit(let key):
            digit(key, &actions)
        case .playbackFinished:
            playbackFinished(&actions)
        case .timer(let timer):
            // A timer cancelled while its event was on the way is stale.
            guard runningTimers.remove(timer) != nil else { return [] }
            timerFired(timer, &actions)
        case .lookupResult(let request, let value):
            guard awaits(request) else { return [] }
            lookupResult(value, &actions)
        case .created(let request, let value):
            guard awaits(request) else { return [] }
            created(value, &actions)
        case .verifyResult(let request, let result):
            guard awaits(request) else { return [] }
            verifyResult(result, &actions)
        case .httpResult(let request, let result):
            guard awaits(request) else { return [] }
            httpResult(result, &actions)
        case .stored(let request, let id):
            guard awaits(request) else { return [] }
            stored(id, &actions)
        }
        return actions
    }

    private func awaits(_ request: Int) -> Bool {
        switch waiting {
        case .result(let awaited): awaited == request
        case .notStarted, .playback, .input, .finished: false
        }
    }

    private mutating func callerHungUp(_ actions: inout [IVRAction]) {
        switch waiting {
        case .finished:
            return
        case .notStarted:
            outcome = "abandoned before the flow started"
        case .playback, .input, .result:
            if let current {
                outcome = "abandoned at \(current.node.id)"
                leave(outcome: "caller hung up", input: nil, &actions)
            }
        }
        waiting = .finished
    }

    // MARK: Moving through nodes

    /// Enters `id` and the nodes after it until one waits or the call ends.
    mutating func run(from id: NodeID?, _ actions: inout [IVRAction]) {
        var target = id
        while let id = target {
            entries += 1
            guard entries <= Self.maximumNodeEntries else {
                end(outcome: "loop", &actions)
                actions.append(.hangup(outcome: "loop"))
                return
            }
            guard let node = flow.nodes[id] else {
                end(outcome: "error", &actions)
                actions.append(.hangup(outcome: "error"))
                return
            }
            path.append(id)
            current = CurrentNode(node: node, startedAt: clock)
            target = enter(node, &actions)
        }
    }

    /// Leaves the node in progress: cancels its timers, resumes a paused recording and
    /// records the step.
    mutating func leave(outcome: String, input: String?, _ actions: inout [IVRAction]) {
        for timer in runningTimers.sorted(by: Self.timerOrder) { actions.append(.cancelTimer(timer)) }
        runningTimers.removeAll()
        if recordingPaused {
            recordingPaused = false
            actions.append(.resumeRecording)
        }
        guard let current else { return }
        actions.append(.step(IVRStep(
            flow: flow.name, node: current.node.id, kind: current.node.kind.keyword, input: input, outcome: outcome,
            startedAt: current.startedAt,
            milliseconds: clock.millisecondsSinceEpoch - current.startedAt.millisecondsSinceEpoch)))
        self.current = nil
    }

    /// Leaves the node in progress and gives its `next`; a node without one (a flow the
    /// validator would reject) ends the call.
    mutating func leaveToNext(outcome: String, input: String?, _ actions: inout [IVRAction]) -> NodeID? {
        let next = current?.node.next?.value
        leave(outcome: outcome, input: input, &actions)
        guard let next else {
            end(outcome: "error", &actions)
            actions.append(.hangup(outcome: "error"))
            return nil
        }
        return next
    }

    /// The session is over; the caller appends the final `.hangup` or `.transfer`.
    mutating func end(outcome: String?, _ actions: inout [IVRAction]) {
        if current != nil { leave(outcome: outcome ?? "ended", input: nil, &actions) }
        for timer in runningTimers.sorted(by: Self.timerOrder) { actions.append(.cancelTimer(timer)) }
        runningTimers.removeAll()
        if recordingPaused {
            recordingPaused = false
            actions.append(.resumeRecording)
        }
        self.outcome = outcome
        waiting = .finished
    }

    // MARK: Timers and requests

    mutating func startTimer(_ timer: IVRTimer, afterMilliseconds ms: Int, _ actions: inout [IVRAction]) {
        runningTimers.insert(timer)
        actions.append(.startTimer(timer, at: clock.adding(milliseconds: Int64(ms))))
    }

    mutating func cancelTimer(_ timer: IVRTimer, _ actions: inout [IVRAction]) {
        guard runningTimers.remove(timer) != nil else { return }
        actions.append(.cancelTimer(timer))
    }

    mutating func newRequest() -> Int {
        lastRequest += 1
        return lastRequest
    }

    static func timerOrder(_ a: IVRTimer, _ b: IVRTimer) -> Bool {
        func rank(_ t: IVRTimer) -> Int {
            switch t {
            case .noInput: 0
            case .interDigit: 1
            case .http(let n): 2 + n
            }
        }
        return rank(a) < rank(b)
    }

    // MARK: Context

    /// A value for a step or the context, masked when it is a secret.
    func masked(_ name: String, _ value: String) -> String {
        secretVariables.contains(name) ? Self.mask : value
    }

    /// What travels with a transfer.
    public var context: IVRContext {
        var shown = variables
        for name in secretVariables where shown[name] != nil { shown[name] = .string(Self.mask) }
        return IVRContext(path: path, variables: shown, verification: verification, verificationMethod: verificationMethod)
    }
}
