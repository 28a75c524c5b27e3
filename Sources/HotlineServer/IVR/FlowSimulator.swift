import HotlineModel
import IVR

/// Runs a flow in a terminal with the interpreter calls use and the same store: prompts
/// are shown as text, keys are typed, timeouts happen for real or when asked for, and
/// the path is printed at the end (`hotline flow simulate`). Designers test a flow
/// without a phone.
///
/// Input comes a line at a time: its keys (`0`-`9`, `*`, `#`) are pressed in order, an
/// empty line lets the next timeout happen at once (in real time it also happens by
/// itself), and `hangup` or the end of input hangs the caller up.
public struct FlowSimulator {
    /// What the simulator reads: a line, `.timedOut` when `timeoutMilliseconds` passed
    /// with nothing typed (only asked with a timeout in real time), or nil at the end.
    public enum Input: Sendable, Equatable {
        case line(String)
        case timedOut
    }

    public struct Result: Sendable, Equatable {
        public var path: [String]
        public var steps: [IVRStep]
        /// `self-served`, `transferred to cards`, `abandoned at pin`, ...
        public var outcome: String
        public var transfer: TransferRequest?
    }

    let flow: Flow
    let flows: [String: Flow]
    let services: IVRServices?
    let http: (any IVRHTTPPerforming)?
    let call: CallInfo
    /// Timeouts wait for real (the input is asked with a deadline) rather than on an empty line.
    let realTime: Bool
    let write: (String) -> Void
    let now: () -> Timestamp

    public init(flow: Flow, flows: [String: Flow], services: IVRServices?, http: (any IVRHTTPPerforming)?, call: CallInfo,
                realTime: Bool, now: @escaping () -> Timestamp, write: @escaping (String) -> Void) {
        self.flow = flow
        self.flows = flows
        self.services = services
        self.http = http
        self.call = call
        self.realTime = realTime
        self.now = now
        self.write = write
    }

    public func run(read: (_ timeoutMilliseconds: Int?) async -> Input?) async -> Result {
        var session = FlowSession(flow: flow, subflows: flows, call: call)
        // Simulated time: the real clock plus the timeouts skipped so far.
        var skipped: Int64 = 0
        func clock() -> Timestamp { now().adding(milliseconds: skipped) }
        var timers: [IVRTimer: Timestamp] = [:]
        var steps: [IVRStep] = []
        var transfer: TransferRequest?
        var queue: [IVREvent] = []
        var actions = session.start(now: clock())
        write("▶ \(flow.name) (\(flow.file)), caller \(call.callerNumber), dialled \(call.dialled)\n")
        write("  keys: type digits, * or # and Enter; Enter alone: \(realTime ? "wait for" : "skip to") the next timeout; hangup: hang up\n")
        while true {
            for action in actions {
                switch action {
                case .play(let items, let bargeIn):
                    for item in items { write("  🔊 \(Self.describe(item))\n") }
                    if bargeIn { write("     (keys interrupt)\n") }
                    queue.append(.playbackFinished)
                case .stopPlayback:
                    queue.removeAll { $0 == .playbackFinished }
                case .startTimer(let timer, let at):
                    timers[timer] = at
                case .cancelTimer(let timer):
                    timers[timer] = nil
                case .pauseRecording:
                    write("  ⏸ recording paused (secret input)\n")
                case .resumeRecording:
                    write("  ⏵ recording resumed\n")
                case .lookup(let request, let record, let key):
                    let value = await services?.lookup(record, key: key)
                    write("  ⇄ lookup \(record.rawValue) by \(key): \(value.map { "\($0)" } ?? "not found")\n")
                    queue.append(.lookupResult(request: request, value))
                case .verify(let request, let method, let identifier, let pin):
                    let outcome = await services?.verify(method: method, identifier: identifier, pin: pin, now: clock())
                        ?? .unknownIdentifier
                    write("  ⇄ verify by \(method.rawValue) \(identifier) with PIN \(FlowSession.mask): \(Self.describe(outcome))\n")
                    queue.append(.verifyResult(request: request, outcome))
                case .create(let request, let record, let fields):
                    let asker = IVRServices.Asker(interactionID: nil, callerNumber: call.callerNumber,
                                                  customerID: session.verifiedCustomerID.map { CustomerID($0) })
                    let value = await services?.create(record, fields: fields, asker: asker, now: clock())
                    write("  ⇄ create \(record.rawValue): \(value.map { "\($0)" } ?? "refused")\n")
                    queue.append(.created(request: request, value))
                case .http(let request, let method, let url, let body, let timeout):
                    write("  ⇄ \(method) \(url)\(body.map { " \($0)" } ?? "")\n")
                    let outcome: HTTPOutcome = await http?.send(method: method, url: url, jsonBody: body, timeoutMilliseconds: timeout)
                        ?? .failed("no HTTP client")
                    write("    → \(outcome)\n")
                    timers[.http(request)] = nil
                    queue.append(.httpResult(request: request, outcome))
                case .recordVoicemail(let request, let seconds):
                    write("  ⏺ (beep) a message of up to \(seconds) s would be recorded here; the simulator stores none\n")
                    queue.append(.stored(request: request, id: "simulated-voicemail"))
                case .storeCallback(let request, let number, let time):
                    write("  ☎ callback to \(number)\(time.map { " at \($0)" } ?? ""): not stored by the simulator\n")
                    queue.append(.stored(request: request, id: "simulated-callback"))
                case .transfer(let request):
                    transfer = request
                    write("  ⇒ transfer to queue \(request.queue), skills \(request.skills), priority \(request.priority)"
                          + "\(request.reason.map { ", reason: \($0)" } ?? "")\n")
                case .hangup(let outcome):
                    write("  ✆ Hotline hangs up\(outcome.map { " (\($0))" } ?? "")\n")
                case .step(let step):
                    steps.append(step)
                    write("  · \(step.node) [\(step.kind)]\(step.input.map { " input \($0)" } ?? ""): \(step.outcome)\n")
                }
            }
            actions = []
            if session.isFinished { break }
            if !queue.isEmpty {
                actions = session.handle(queue.removeFirst(), now: clock())
                continue
            }
            // Waiting for the caller (or a timeout).
            let next = timers.min { $0.value < $1.value }
            let wait = next.map { max(0, Int($0.value.millisecondsSinceEpoch - clock().millisecondsSinceEpoch)) }
            write("  ⌨ ")
            let input = await read(realTime ? wait : nil)
            switch input {
            case nil, .line("hangup")?:
                write("\n")
                actions = session.handle(.callerHungUp, now: clock())
            case .timedOut?, .line("")?:
                guard let (timer, at) = next else {
                    write("(nothing is waiting for a timeout)\n")
                    continue
                }
                if !realTime || input != .timedOut {
                    skipped += max(0, at.millisecondsSinceEpoch - clock().millisecondsSinceEpoch)
                }
                write("(timeout)\n")
                timers[timer] = nil
                actions = session.handle(.timer(timer), now: clock())
            case .line(let text)?:
                for key in text where "0123456789*#".contains(key) {
                    actions += session.handle(.digit(key), now: clock())
                }
            }
        }
        let outcome = session.outcome ?? (transfer.map { "transferred to \($0.queue)" } ?? "ended")
        write("■ \(outcome)\n  path: \(session.path.map(\.name).joined(separator: " → "))\n")
        return Result(path: session.path.map(\.name), steps: steps, outcome: outcome, transfer: transfer)
    }

    static func describe(_ item: SpokenItem) -> String {
        switch item {
        case .file(let path): "[recording \(path)]"
        case .text(let text, let language): "[\(language.rawValue)] \(text)"
        }
    }

    static func describe(_ outcome: VerifyOutcome) -> String {
        switch outcome {
        case .verified: "verified"
        case .wrongPIN(let left): "wrong PIN, \(left) tr\(left == 1 ? "y" : "ies") left"
        case .locked: "locked"
        case .unknownIdentifier: "unknown"
        }
    }
}
