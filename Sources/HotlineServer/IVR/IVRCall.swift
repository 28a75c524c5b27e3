import HotlineModel
import IVR
import Logging
import Media
import MediaNetwork
import NIOCore
import Speech

/// Performs the `http` node's requests (``IVRHTTPClient`` in service; a test double in
/// unit tests of pure logic).
public protocol IVRHTTPPerforming: Sendable {
    func send(method: String, url: String, jsonBody: String?, timeoutMilliseconds: Int) async -> HTTPOutcome
}

/// What every IVR call shares: the media engine, speech, the store and the journal.
struct IVREnvironment: Sendable {
    let media: MediaEngine
    let speech: TextToSpeech?
    let services: IVRServices
    let http: (any IVRHTTPPerforming)?
    let journal: InteractionJournal?
    let sipLoop: any EventLoop
    let logger: Logger
    let musicOnHold: Prompt?
    let voicemailDirectory: String
}

/// One call's walk through its flow: runs the ``FlowSession``'s actions on the media leg
/// (prompts, TTS, recording pauses), its timers on the SIP loop, its requests against the
/// store and enterprise systems, and writes its steps and summary with the interaction.
///
/// Lives on the SIP loop; everything asynchronous (TTS renders, store requests, HTTP)
/// hops back there before it touches the session.
final class IVRCall: @unchecked Sendable {
    let callID: String
    let leg: MediaLegID
    let catalog: FlowCatalog
    private var session: FlowSession
    private let env: IVREnvironment
    private let interactionID: InteractionID?
    /// Hangs the call up (the flow's hangup, after its goodbye has played).
    private let flowName: String
    private let hangup: () -> Void
    /// The interaction moved to a queue (transfer).
    private let queued: (TransferRequest) -> Void
    private var timers: [IVRTimer: Scheduled<Void>] = [:]
    /// Each play gets a generation; the trailing marker item of the current one reports its end.
    private var playGeneration = 0
    private var awaitedMarker: String?
    private var stepPosition = 0
    /// Steps of the event being handled, written together when it is done (one
    /// transaction per event, not per step).
    private var pendingSteps: [IVRStepRecord] = []
    /// Every step so far (the screen pop shows the path; a call has tens, not thousands).
    private(set) var steps: [IVRStepRecord] = []
    private var customerID: CustomerID?
    private var transfer: IVRSummary.TransferRequest?
    /// The nodes visited, in order (for the call record).
    private(set) var path: [String] = []
    /// What the caller hears while queued, after any announcement (nil before a transfer).
    private var holdLoop: (items: [SpokenItem], tail: [PlaybackItem])?
    private var announcementMarker: String?
    private(set) var summary: IVRSummary?
    private var ended = false
    /// HTTP requests under way, cancelled when the call ends: a caller who hangs up
    /// mid-HTTP-call does not leave the request running. (Store requests run to their
    /// end: a PIN attempt must be counted even when the caller hangs up at once.)
    private var requests: [Int: Task<Void, Never>] = [:]
    private var nextRequestTask = 0

    init(flow: Flow, catalog: FlowCatalog, call: CallInfo, leg: MediaLegID, interactionID: InteractionID?,
         environment: IVREnvironment, hangup: @escaping () -> Void, queued: @escaping (TransferRequest) -> Void) {
        self.callID = call.callID
        self.flowName = flow.name
        self.leg = leg
        self.catalog = catalog
        self.env = environment
        self.interactionID = interactionID
        self.hangup = hangup
        self.queued = queued
        self.session = FlowSession(flow: flow, subflows: catalog.flows, call: call)
    }

    var logMetadata: Logger.Metadata { ["call.id": "\(callID)", "ivr.flow": "\(flowName)"] }

    // MARK: Events (on the SIP loop)

    func start() {
        let now = Timestamp.now()
        if let interactionID {
            let s = IVRSummary(interactionID: interactionID, flow: flowName, flowVersion: catalog.version,
                               language: session.language, startedAt: now)
            summary = s
            env.journal?.write(.saveIVRSummary(s))
        }
        env.logger.info("ivr started", metadata: logMetadata.merging([
            "ivr.flow_version": "\(catalog.version)"]) { a, _ in a })
        apply(session.start(now: now))
    }

    /// The customer a PIN check identified, for the interaction.
    var verifiedCustomerID: CustomerID? { session.verifiedCustomerID.map { CustomerID($0) } }

    /// Whether the next key may be logged as it is (see ``FlowSession/nextKeyIsNotSecret``).
    var keyMayBeLogged: Bool { session.nextKeyIsNotSecret }

    func digit(_ key: Character) {
        apply(session.handle(.digit(key), now: .now()))
    }

    func mediaPlaybackFinished(_ id: String) {
        if let said = sayMarker, said.id == id {
            sayMarker = nil
            said.done()
            return
        }
        if id == announcementMarker, let hold = holdLoop, !handedOver {
            // The announcement is over: back to the hold prompt and music.
            announcementMarker = nil
            enqueue(hold.items, then: hold.tail, loop: true)
            return
        }
        guard id == awaitedMarker else { return }
        awaitedMarker = nil
        apply(session.handle(.playbackFinished, now: .now()))
    }

    /// An agent took the call (or it left the queue for good): the hold loop stops and
    /// the IVR's part is over.
    func handOver() {
        guard !handedOver else { return }
        handedOver = true
        holdLoop = nil
        announcementMarker = nil
        awaitedMarker = nil
        playGeneration += 1
        env.media.stopPlayback(leg)
        finish()
    }
    private(set) var handedOver = false
    /// The flow ended the call (a goodbye), as opposed to the caller hanging up.
    private(set) var hungUp = false
    /// What the flow concluded, if it has.
    var outcome: String? { session.outcome }

    /// Tells the waiting caller their place and estimated wait, in the language they
    /// chose, then goes back to the hold loop.
    func announce(position: Int, estimatedWaitSeconds: Int, callbackKey: Character? = nil) {
        guard holdLoop != nil, !handedOver else { return }
        let minutes = max(1, (estimatedWaitSeconds + 59) / 60)
        var text: String
        switch session.language {
        case .zhCN:
            text = position <= 1 ? "您是下一位，预计等待约\(minutes)分钟。请不要挂机。"
                : "您前面还有\(position - 1)位客户，预计等待约\(minutes)分钟。请不要挂机。"
        default:
            text = position <= 1 ? "You are next in line. The estimated wait is about \(minutes) minute\(minutes == 1 ? "" : "s"). Please stay on the line."
                : "There \(position == 2 ? "is 1 caller" : "are \(position - 1) callers") ahead of you. The estimated wait is about \(minutes) minutes. Please stay on the line."
        }
        if let key = callbackKey {
            let zhKey = key == "*" ? "星号键" : key == "#" ? "井号键" : String(key)
            let enKey = key == "*" ? "star" : key == "#" ? "the hash key" : String(key)
            text += session.language == .zhCN ? "如需挂机等待回电并保留排队位置，请按\(zhKey)。"
                : " To hang up and be called back without losing your place, press \(enKey)."
        }
        let marker = "announce-\(playGeneration + 1)"
        announcementMarker = marker
        enqueue([.text(text, session.language)], then: [.silence(id: marker, milliseconds: 20)], loop: false, replace: true)
        env.logger.info("queue announcement", metadata: logMetadata.merging([
            "queue.position": "\(position)", "queue.ewt_s": "\(estimatedWaitSeconds)"]) { a, _ in a })
    }

    /// Speaks `zh` or `en` (in the caller's language) once, replacing whatever plays,
    /// then runs `done`.
    func say(zh: String, en: String, then done: @escaping () -> Void) {
        holdLoop = nil
        announcementMarker = nil
        awaitedMarker = nil
        let marker = "say-\(playGeneration + 1)"
        sayMarker = (marker, done)
        enqueue([.text(session.language == .zhCN ? zh : en, session.language)], then: [.silence(id: marker, milliseconds: 20)],
                loop: false, replace: true)
    }
    private var sayMarker: (id: String, done: () -> Void)?

    var language: Language { session.language }

    func callEnded() {
        guard !ended else { return }
        apply(session.handle(.callerHungUp, now: .now()))
        finish()
    }

    // MARK: Actions

    private func apply(_ actions: [IVRAction]) {
        defer { flushSteps() }
        for action in actions {
            switch action {
            case .play(let items, _):
                play(items)
            case .stopPlayback:
                playGeneration += 1
                awaitedMarker = nil
                env.media.stopPlayback(leg)
            case .startTimer(let timer, let at):
                timers[timer]?.cancel()
                let delay = max(0, at.millisecondsSinceEpoch - Timestamp.now().millisecondsSinceEpoch)
                timers[timer] = env.sipLoop.scheduleTask(in: .milliseconds(delay)) { [weak self] in
                    guard let self, !self.ended else { return }
                    self.timers[timer] = nil
                    self.apply(self.session.handle(.timer(timer), now: .now()))
                }
            case .cancelTimer(let timer):
                timers.removeValue(forKey: timer)?.cancel()
            case .pauseRecording:
                env.media.pauseRecording(leg)
            case .resumeRecording:
                env.media.resumeRecording(leg)
            case .lookup(let request, let record, let key):
                ask { services, _ in .lookupResult(request: request, await services.lookup(record, key: key)) }
            case .verify(let request, let method, let identifier, let pin):
                ask { services, now in
                    .verifyResult(request: request, await services.verify(method: method, identifier: identifier, pin: pin, now: now))
                }
            case .create(let request, let record, let fields):
                let asker = self.asker
                ask { services, now in
                    .created(request: request, await services.create(record, fields: fields, asker: asker, now: now))
                }
            case .http(let request, let method, let url, let body, let timeout):
                guard let http = env.http else {
                    deliver(.httpResult(request: request, .failed("no HTTP client in this process")))
                    continue
                }
                perform(cancellable: true) { .httpResult(request: request, await http.send(method: method, url: url, jsonBody: body,
                                                                         timeoutMilliseconds: timeout)) }
            case .recordVoicemail(let request, let maximumSeconds):
                recordVoicemail(request, maximumSeconds: maximumSeconds)
            case .storeCallback(let request, let number, let preferredTime):
                let asker = self.asker
                let id = "cb-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
                ask { services, now in
                    if let stored = await services.storeCallback(number: number, preferredTime: preferredTime, queue: nil,
                                                                 asker: asker, id: id, now: now) {
                        return .stored(request: request, id: stored)
                    }
                    return .stored(request: request, id: "")
                }
            case .transfer(let request):
                transferred(request)
            case .hangup(let outcome):
                env.logger.info("ivr hangs up", metadata: logMetadata.merging(["ivr.outcome": "\(outcome ?? "-")"]) { a, _ in a })
                hungUp = true
                finish()
                hangup()
            case .step(let step):
                stored(step)
            }
        }
    }

    private var asker: IVRServices.Asker {
        IVRServices.Asker(interactionID: interactionID, callerNumber: session.call.callerNumber, customerID: session.verifiedCustomerID.map { CustomerID($0) })
    }


    /// Plays `items`, rendering what TTS has not rendered yet first; a later play or a
    /// stop makes an unfinished render's audio moot. A trailing 20 ms marker reports the
    /// end (``mediaPlaybackFinished(_:)``).
    private func play(_ items: [SpokenItem]) {
        let marker = "ivr-end-\(playGeneration + 1)"
        enqueue(items, then: [.silence(id: marker, milliseconds: 20)], loop: false)
        awaitedMarker = marker
    }

    /// Puts `items` (then `tail`) on the leg: at once when every one is ready (recorded,
    /// or a static prompt the flow load spoke), else after the renders, unless another
    /// play or a stop came meanwhile.
    private func enqueue(_ items: [SpokenItem], then tail: [PlaybackItem], loop: Bool, replace: Bool? = nil) {
        playGeneration += 1
        let generation = playGeneration
        let replace = replace ?? loop
        let ready = items.compactMap(catalog.prompt)
        if ready.count == items.count {
            env.media.play(leg, ready.map(PlaybackItem.prompt) + tail, replace: replace, loop: loop)
            return
        }
        let speech = env.speech, catalog = self.catalog, logger = env.logger, metadata = logMetadata
        Task {
            var out: [PlaybackItem] = []
            for item in items {
                if let prompt = catalog.prompt(item) { out.append(.prompt(prompt)); continue }
                switch item {
                case .file(let path):
                    logger.error("ivr prompt file not loaded: \(path)", metadata: metadata)
                case .text(let text, let language):
                    guard let speech else { continue }
                    do {
                        let result = try await speech.prompt(text, language: language)
                        out.append(.prompt(result.prompt))
                        if !result.cached {
                            logger.debug("tts rendered", metadata: metadata.merging([
                                "tts.ms": "\(Int(result.renderMilliseconds.rounded()))",
                                "tts.language": "\(language.rawValue)"]) { a, _ in a })
                        }
                    } catch {
                        logger.error("ivr text could not be spoken: \(error)", metadata: metadata)
                    }
                }
            }
            let items = out
            self.env.sipLoop.execute {
                guard !self.ended, generation == self.playGeneration else { return }
                self.env.media.play(self.leg, items + tail, replace: replace, loop: loop)
            }
        }
    }

    /// Runs a store request off the loop and hands its answer to the session.
    private func ask(_ body: @escaping @Sendable (IVRServices, Timestamp) async -> IVREvent) {
        let services = env.services
        perform { await body(services, .now()) }
    }

    private func perform(cancellable: Bool = false, _ body: @escaping @Sendable () async -> IVREvent) {
        nextRequestTask += 1
        let key = nextRequestTask
        let task = Task {
            let event = await body()
            self.env.sipLoop.execute {
                self.requests[key] = nil
                self.deliver(event)
            }
        }
        if cancellable { requests[key] = task }
    }

    private func deliver(_ event: IVREvent) {
        guard !ended else { return }
        apply(session.handle(event, now: .now()))
    }

    private func transferred(_ request: TransferRequest) {
        let now = Timestamp.now()
        transfer = IVRSummary.TransferRequest(queue: request.queue, skills: request.skills, priority: request.priority,
                                              reason: request.reason, requestedAt: now)
        env.logger.info("ivr transfer to queue", metadata: logMetadata.merging([
            "ivr.queue": "\(request.queue)", "ivr.skills": "\(request.skills.joined(separator: ","))",
            "ivr.priority": "\(request.priority)", "ivr.reason": "\(request.reason ?? "-")"]) { a, _ in a })
        writeSummary(ended: false)
        queued(request)
        // Until routing exists the caller waits here, hearing the queue's prompt (or music) in a loop.
        // The hold prompt, then the music (or 3 s of silence before the prompt comes round again).
        let gap: PlaybackItem = env.musicOnHold.map(PlaybackItem.prompt) ?? .silence(id: "hold-gap", milliseconds: 3000)
        awaitedMarker = nil
        holdLoop = (request.holdPrompt, [gap])
        enqueue(request.holdPrompt, then: [gap], loop: true)
    }

    private func recordVoicemail(_ request: Int, maximumSeconds: Int) {
        takeMessage(name: "\(request)", maximumSeconds: maximumSeconds) { [self] id in
            deliver(.stored(request: request, id: id ?? ""))
        }
    }

    /// A beep, then the caller alone into a file of its own until `maximumSeconds`, `#`
    /// or the hang-up; the stored voicemail's id (nil when nothing was said or stored).
    func takeMessage(name: String, maximumSeconds: Int, then done: @escaping (String?) -> Void) {
        let path = "\(env.voicemailDirectory)/\(safeFileName(callID))-\(name).wav"
        env.media.play(leg, [.tone(id: "voicemail-beep", .beep, milliseconds: 400)], replace: true)
        env.media.startMessage(leg, path: path, maximumMilliseconds: maximumSeconds * 1000)
            .hop(to: env.sipLoop).whenComplete { [self] result in
                switch result {
                case .success(let message):
                    guard let message, message.durationMilliseconds > 0, let interactionID else {
                        done(nil)
                        return
                    }
                    let voicemail = HotlineModel.Voicemail(id: "vm-\(safeFileName(callID))-\(name)", interactionID: interactionID,
                                              from: session.call.callerNumber, to: session.call.dialled, path: path,
                                              durationMilliseconds: message.durationMilliseconds, createdAt: .now())
                    let services = env.services
                    let finish = UnsafeSendableBox(done)
                    Task {
                        let stored = await services.storeVoicemail(voicemail)
                        self.env.sipLoop.execute { finish.value(stored ? voicemail.id : nil) }
                    }
                case .failure(let error):
                    env.logger.error("voicemail could not be recorded: \(error)", metadata: logMetadata)
                    done(nil)
                }
            }
    }

    private func stored(_ step: IVRStep) {
        guard let interactionID else { return }
        let record = IVRStepRecord(interactionID: interactionID, position: stepPosition, flow: step.flow, node: step.node.name,
                                   kind: step.kind, input: step.input, outcome: step.outcome, startedAt: step.startedAt,
                                   milliseconds: step.milliseconds)
        stepPosition += 1
        pendingSteps.append(record)
        steps.append(record)
        if path.last != step.node.name { path.append(step.node.name) }
        env.logger.debug("ivr step", metadata: logMetadata.merging([
            "ivr.node": "\(step.node)", "ivr.kind": "\(step.kind)", "ivr.input": "\(step.input ?? "-")",
            "ivr.outcome": "\(step.outcome)", "ivr.ms": "\(step.milliseconds)"]) { a, _ in a })
    }

    private func flushSteps() {
        guard !pendingSteps.isEmpty else { return }
        env.journal?.write(.appendIVRSteps(pendingSteps))
        pendingSteps.removeAll()
    }

    private func finish() {
        guard !ended else { return }
        flushSteps()
        ended = true
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        for task in requests.values { task.cancel() }
        requests.removeAll()
        writeSummary(ended: true)
    }

    private func writeSummary(ended: Bool) {
        guard var s = summary else { return }
        let context = session.context
        s.language = session.language
        s.outcome = ended ? (session.outcome ?? (transfer != nil ? "transferred to \(transfer!.queue)" : nil)) : nil
        s.verification = context.verification
        s.verificationMethod = context.verificationMethod?.rawValue
        s.variablesJSON = FlowValue.record(context.variables).jsonText
        s.transfer = transfer
        if ended { s.endedAt = .now() }
        summary = s
        env.journal?.write(.saveIVRSummary(s))
    }
}

/// A Call-ID as part of a file name: ASCII letters, digits and `-._` kept, the rest `_`,
/// at most 80 characters.
func safeFileName(_ s: String) -> String {
    String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) ? $0 : "_" }.prefix(80))
}

/// Carries a closure made on the SIP loop through a task and back to that loop, where
/// alone it runs.
struct UnsafeSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
