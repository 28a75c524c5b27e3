import SIPMessage
import SIPTransaction
import XCTest

/// Time for tests: starts at zero and moves only when told to.
struct ManualClock {
    private(set) var now = SIPInstant(nanoseconds: 0)

    mutating func advance(to instant: SIPInstant) {
        precondition(instant >= now, "a manual clock never goes back")
        now = instant
    }

    mutating func advance(by duration: Duration) { advance(to: now + duration) }
}

extension SIPInstant {
    static func at(_ duration: Duration) -> SIPInstant { SIPInstant(nanoseconds: 0) + duration }
    static func ms(_ milliseconds: Int64) -> SIPInstant { .at(.milliseconds(milliseconds)) }
}

/// The timers of one machine, kept the way an adapter keeps them (start replaces, cancel
/// removes), so a test can jump to the next deadline.
struct MachineTimers {
    private(set) var deadlines: [TransactionTimer: SIPInstant] = [:]

    mutating func apply(_ actions: [TransactionAction]) {
        for action in actions {
            switch action {
            case .startTimer(let timer, let at): deadlines[timer] = at
            case .cancelTimer(let timer): deadlines[timer] = nil
            case .terminated: deadlines = [:]
            case .send, .deliverRequest, .deliverResponse, .timedOut, .transportError: break
            }
        }
    }

    /// The earliest deadline; ties go to the timer declared first (A before B).
    var next: (timer: TransactionTimer, at: SIPInstant)? {
        deadlines.min { a, b in
            a.value != b.value ? a.value < b.value
                : TransactionTimer.allCases.firstIndex(of: a.key)! < TransactionTimer.allCases.firstIndex(of: b.key)!
        }.map { ($0.key, $0.value) }
    }

    mutating func take(_ timer: TransactionTimer) { deadlines[timer] = nil }
}

/// A `TransactionLayer` driven by a manual clock: records every event, keeps the timers the
/// layer asked for, and fires them in deadline order with `advanceToNextDeadline()`.
struct LayerHarness {
    struct TimerKey: Hashable {
        var timer: TransactionTimer
        var id: TransactionID
    }

    var layer: TransactionLayer
    var clock = ManualClock()
    private(set) var timers: [TimerKey: SIPInstant] = [:]
    /// Every event with the instant it happened at.
    private(set) var log: [(at: SIPInstant, event: LayerEvent)] = []

    init(layer: TransactionLayer = TransactionLayer()) { self.layer = layer }

    var now: SIPInstant { clock.now }

    @discardableResult
    mutating func receive(_ message: SIPMessage, from peer: SIPPeer) -> [LayerEvent] {
        record(layer.receive(message, from: peer, now: now))
    }

    @discardableResult
    mutating func receive(_ request: SIPRequest, from peer: SIPPeer) -> [LayerEvent] {
        receive(.request(request), from: peer)
    }

    @discardableResult
    mutating func receive(_ response: SIPResponse, from peer: SIPPeer) -> [LayerEvent] {
        receive(.response(response), from: peer)
    }

    mutating func sendRequest(_ request: SIPRequest, to peer: SIPPeer) -> (TransactionID, [LayerEvent]) {
        let (id, events) = layer.sendRequest(request, to: peer, now: now)
        return (id, record(events))
    }

    @discardableResult
    mutating func sendResponse(_ response: SIPResponse, for id: TransactionID) -> [LayerEvent] {
        record(layer.sendResponse(response, for: id, now: now))
    }

    @discardableResult
    mutating func transportFailed(for id: TransactionID) -> [LayerEvent] {
        record(layer.transportFailed(for: id, now: now))
    }

    var nextDeadline: SIPInstant? { timers.values.min() }

    /// Moves the clock to the next deadline and fires every timer due then.
    @discardableResult
    mutating func advanceToNextDeadline() -> [LayerEvent] {
        guard let deadline = nextDeadline else { return [] }
        clock.advance(to: deadline)
        var events: [LayerEvent] = []
        while let due = timers.filter({ $0.value <= now }).keys.min(by: Self.order) {
            timers[due] = nil
            events += record(layer.timerFired(due.timer, for: due.id, now: now))
        }
        return events
    }

    /// Moves the clock forward, firing timers that fall due on the way.
    mutating func advance(to instant: SIPInstant) {
        while let deadline = nextDeadline, deadline <= instant { advanceToNextDeadline() }
        clock.advance(to: instant)
    }

    /// Fires timers until none is left; returns the instant of the last one.
    mutating func runUntilIdle(limit: Int = 10_000) {
        var fired = 0
        while nextDeadline != nil, fired < limit { advanceToNextDeadline(); fired += 1 }
        precondition(fired < limit, "timers never settle")
    }

    private static func order(_ a: TimerKey, _ b: TimerKey) -> Bool {
        a.id.rawValue != b.id.rawValue ? a.id.rawValue < b.id.rawValue
            : TransactionTimer.allCases.firstIndex(of: a.timer)! < TransactionTimer.allCases.firstIndex(of: b.timer)!
    }

    @discardableResult
    private mutating func record(_ events: [LayerEvent]) -> [LayerEvent] {
        for event in events {
            log.append((now, event))
            switch event {
            case .startTimer(let timer, let id, let at): timers[TimerKey(timer: timer, id: id)] = at
            case .cancelTimer(let timer, let id): timers[TimerKey(timer: timer, id: id)] = nil
            case .terminated(let id): timers = timers.filter { $0.key.id != id }
            case .send, .request, .cancel, .ackForAcceptedInvite, .strayACK, .response, .strayResponse,
                 .timeout, .transportError:
                break
            }
        }
        return events
    }

    /// The instants at which messages were sent, and what was sent.
    var sends: [(at: SIPInstant, message: SIPMessage)] {
        log.compactMap { entry in
            if case .send(let message, _) = entry.event { return (entry.at, message) }
            return nil
        }
    }
}
