import Logging
import NIOCore
import SIPDialog
import SIPMessage
import SIPTransaction

/// Runs Hotline's SIP stack on one event loop: parses what the transports deliver,
/// answers malformed requests statelessly, feeds the transaction layer and the user agent
/// core, performs their actions and keeps their timers.
///
/// Every method must be called on `eventLoop`; the state machines it owns are values and
/// are never touched from elsewhere.
public final class SIPEndpoint: @unchecked Sendable {
    public let eventLoop: any EventLoop
    let logger: Logger
    var parser: SIPParser
    var layer: TransactionLayer
    public private(set) var core: UserAgentCore
    var floodGuard: FloodGuard
    public private(set) var statistics = SIPStatistics()
    let metrics = SIPMetrics()
    var transport: SIPTransport?
    var timers: [TimerKey: Scheduled<Void>] = [:]
    let onEvent: @Sendable (UserAgentEvent) -> Void
    var callObservers: [CallHandle: (UserAgentEvent) -> Void] = [:]
    var tagSeed: IdentifierGenerator

    enum TimerKey: Hashable {
        case transaction(TransactionTimer, TransactionID)
        case userAgent(UserAgentTimer)
    }

    public init(eventLoop: any EventLoop, core: UserAgentCore, limits: SIPParser.Limits = SIPParser.Limits(),
                floodPolicy: FloodGuard.Policy = FloodGuard.Policy(), timers: TransactionTimerSettings = TransactionTimerSettings(),
                maxTransactions: Int = TransactionLayer.defaultMaxTransactions, logger: Logger, seed: UInt64, onEvent: @escaping @Sendable (UserAgentEvent) -> Void = { _ in }) {
        self.eventLoop = eventLoop
        self.core = core
        self.parser = SIPParser(limits: limits)
        self.layer = TransactionLayer(timers: timers, maxTransactions: maxTransactions)
        self.floodGuard = FloodGuard(policy: floodPolicy)
        self.logger = logger
        self.onEvent = onEvent
        self.tagSeed = IdentifierGenerator(seed: seed ^ 0x5851_F42D_4C95_7F2D)
    }

    func now() -> SIPInstant { SIPInstant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds)) }

    // MARK: - Inbound

    /// One datagram or one framed stream message from `peer`.
    func receive(_ bytes: UnsafeBufferPointer<UInt8>, from peer: SIPPeer, framing: SIPParser.Framing) {
        let now = now()
        guard floodGuard.admit(source: peer.host, now: now.nanoseconds) else {
            drop(.rateLimited)
            return
        }
        let message: SIPMessage
        do {
            message = try parser.parse(bytes, framing: framing)
        } catch {
            answerStatelessly(error, to: peer, fallback: error.code == .tooLarge ? .tooLarge : .parseError)
            return
        }
        switch message {
        case .request(let request):
            // Validation happens once, in the transaction layer: it answers a malformed
            // request with a stateless 400 naming the header, and drops a malformed ACK.
            statistics.requestsIn += 1
            metrics.requestsIn.increment()
            if logger.logLevel <= .trace {
                logger.trace("sip in", metadata: ["sip.method": "\(request.method)", "sip.peer": "\(peer)"])
            }
        case .response(let response):
            guard (try? response.validate()) != nil else {
                drop(.invalidResponse)
                return
            }
            statistics.responsesIn += 1
            metrics.responsesIn.increment()
        }
        run(layer.receive(message, from: peer, now: now))
    }

    /// RFC 3261 §8.2, §21.4: answer what can be answered, drop and count the rest.
    private func answerStatelessly(_ error: SIPParseError, to peer: SIPPeer, fallback: SIPStatistics.DropReason) {
        guard let status = error.statusCode, let partial = error.partial, partial.isAnswerable, partial.method != .ack else {
            drop(fallback)
            logger.debug("sip message dropped", metadata: ["sip.peer": "\(peer)", "sip.error": "\(error)"])
            return
        }
        let response = partial.makeResponse(status, reason: error.reasonPhrase, toTag: tagSeed.tag())
        statistics.statelessErrorResponses += 1
        logger.debug("sip request rejected", metadata: ["sip.peer": "\(peer)", "sip.status": "\(status)", "sip.error": "\(error)"])
        send(.response(response), to: peer)
    }

    func drop(_ reason: SIPStatistics.DropReason) {
        statistics.dropped[reason.rawValue, default: 0] += 1
        metrics.dropped[reason]?.increment()
    }

    // MARK: - Running actions

    func run(_ events: [LayerEvent]) {
        for event in events {
            switch event {
            case .send(let message, let peer):
                send(message, to: peer)
            case .startTimer(let timer, let id, let at):
                schedule(.transaction(timer, id), at: at) { [weak self] in
                    guard let self else { return }
                    self.run(self.layer.timerFired(timer, for: id, now: self.now()))
                }
            case .cancelTimer(let timer, let id):
                cancelTimer(.transaction(timer, id))
            case .request, .cancel, .ackForAcceptedInvite, .strayACK, .response, .strayResponse, .timeout,
                 .transportError, .terminated:
                run(core.handle(event, now: now()))
            }
        }
    }

    func run(_ actions: [UserAgentAction]) {
        for action in actions {
            if logger.logLevel <= .trace { logger.trace("ua action", metadata: ["sip.action": "\(action)"]) }
            switch action {
            case .respond(let response, let tx):
                run(layer.sendResponse(response, for: tx, now: now()))
            case .sendRequest(let request, let peer):
                let (tx, events) = layer.sendRequest(request, to: peer, now: now())
                core.clientTransactionStarted(tx, for: request)
                run(events)
            case .sendStateless(let message, let peer):
                send(message, to: peer)
            case .startTimer(let timer, let at):
                schedule(.userAgent(timer), at: at) { [weak self] in
                    guard let self else { return }
                    self.run(self.core.timerFired(timer, now: self.now()))
                }
            case .cancelTimer(let timer):
                cancelTimer(.userAgent(timer))
            case .notify(let event):
                deliver(event)
            }
        }
    }

    private func deliver(_ event: UserAgentEvent) {
        switch event {
        case .ended(let call, _):
            callObservers.removeValue(forKey: call)?(event)
        case .answered(let call, _), .ringing(let call):
            callObservers[call]?(event)
        default:
            break
        }
        onEvent(event)
    }

    // MARK: - Timers

    private func schedule(_ key: TimerKey, at: SIPInstant, _ body: @escaping @Sendable () -> Void) {
        timers.removeValue(forKey: key)?.cancel()
        let deadline = NIODeadline.uptimeNanoseconds(UInt64(max(0, at.nanoseconds)))
        // Weak: the event loop may outlive the endpoint (a stopped server, a test), and a
        // timer that fires afterwards must find nothing to do.
        timers[key] = eventLoop.scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.timers[key] = nil
            body()
            self.transport?.flush()
        }
    }

    private func cancelTimer(_ key: TimerKey) {
        timers.removeValue(forKey: key)?.cancel()
    }

    /// Timers scheduled on the event loop (transaction and user-agent ones).
    public var pendingTimerCount: Int { timers.count }

    /// Cancels every timer: the endpoint is stopping and its sockets are closed.
    func cancelAllTimers() {
        for scheduled in timers.values { scheduled.cancel() }
        timers.removeAll()
    }

    // MARK: - Outbound

    func send(_ message: SIPMessage, to peer: SIPPeer) {
        guard let transport else { return }
        var bytes: [UInt8] = []
        SIPSerializer.serialize(message, into: &bytes)
        if transport.send(bytes, to: peer) {
            statistics.messagesOut += 1
            metrics.messagesOut.increment()
        } else {
            drop(.unroutable)
        }
    }

    // MARK: - Application commands (call on the event loop)

    /// Places a call; `observer` sees its ringing, answer and end.
    public func placeCall(to target: SIPURI, from: NameAddress? = nil, via peer: SIPPeer, credentials: DialCredentials? = nil,
                          duration: Duration? = nil, mediaPort: UInt16? = nil, headers: [(SIPHeaderName, String)] = [],
                          observer: @escaping (UserAgentEvent) -> Void) -> CallHandle {
        eventLoop.preconditionInEventLoop()
        let (handle, actions) = core.placeCall(to: target, from: from, via: peer, credentials: credentials,
                                               duration: duration, mediaPort: mediaPort, headers: headers, now: now())
        callObservers[handle] = observer
        run(actions)
        transport?.flush()
        return handle
    }

    public func hangup(_ call: CallHandle) {
        eventLoop.preconditionInEventLoop()
        run(core.hangup(call, now: now()))
        transport?.flush()
    }

    /// Reports a transfer's progress to the phone whose REFER asked for it (RFC 3515
    /// §2.4.5): `final` with the outcome ends the subscription. Nothing is sent when the
    /// phone asked for no NOTIFYs, the call is gone, or a final one went already.
    public func notifyTransfer(_ call: CallHandle, status: Int, reason: String, final: Bool) {
        eventLoop.preconditionInEventLoop()
        run(core.notifyTransfer(call, status: status, reason: reason, final: final, now: now()))
        transport?.flush()
    }

    /// Graceful shutdown: every call gets its BYE/CANCEL/final response, then we wait
    /// (at most `grace`) for the calls to end before the transports close.
    public func hangupAll(grace: Duration = .seconds(2)) -> EventLoopFuture<Void> {
        eventLoop.flatSubmit { [self] in
            run(core.hangupAll(now: now()))
            transport?.flush()
            let promise = eventLoop.makePromise(of: Void.self)
            let deadline = NIODeadline.now() + .nanoseconds(Int64(grace.components.seconds * 1_000_000_000 + grace.components.attoseconds / 1_000_000_000))
            @Sendable func poll() {
                if core.activeCallCount == 0 || NIODeadline.now() >= deadline {
                    promise.succeed()
                } else {
                    eventLoop.scheduleTask(in: .milliseconds(20)) { poll() }
                }
            }
            poll()
            return promise.futureResult
        }
    }

    public func setAdvertisedPort(_ port: Int) {
        eventLoop.preconditionInEventLoop()
        core.configuration.advertisedPort = port
    }
}
