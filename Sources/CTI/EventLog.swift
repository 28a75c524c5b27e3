import HotlineModel

/// The recent events of one stream, numbered, in a ring of fixed capacity: what a client
/// that reconnects is replayed from.
///
/// Pure: the adapter that owns it (one lock) passes the time in. A client asking for the
/// events after a sequence number the ring no longer holds is told to reset (reload its
/// state over REST) rather than silently missing events.
public struct EventLog: Sendable {
    public let capacity: Int
    private var ring: [Event] = []
    /// Index in `ring` of the oldest event once the ring is full.
    private var head = 0
    /// The last number given out; the first event is 1 more than the base.
    public private(set) var lastSequence: Int64

    /// - Parameter startingAfter: the first event gets this + 1. A server that restarts
    ///   starts above what it gave out before (a time-based base), so a client's old
    ///   number is never taken for a new event.
    public init(capacity: Int, startingAfter: Int64 = 0) {
        precondition(capacity > 0, "an event log holds at least one event")
        self.capacity = capacity
        self.lastSequence = startingAfter
        ring.reserveCapacity(capacity)
    }

    /// Numbers and keeps an event; the oldest is dropped when full.
    public mutating func append(type: String, subject: String, time: Timestamp, data: JSONValue,
                                agents: [String] = [], queues: [String] = []) -> Event {
        lastSequence += 1
        let event = Event(sequence: lastSequence, type: type, subject: subject, time: time, data: data,
                          agents: agents, queues: queues)
        if ring.count < capacity {
            ring.append(event)
        } else {
            ring[head] = event
            head = (head + 1) % capacity
        }
        return event
    }

    /// The sequence number of the oldest event held (nil when empty).
    public var oldestSequence: Int64? { ring.isEmpty ? nil : ring[ring.count < capacity ? 0 : head].sequence }

    public enum Replay: Hashable, Sendable {
        /// Every event after the one asked for, oldest first (maybe none).
        case events([Event])
        /// Some events after the one asked for are gone: the client must reload its state.
        /// `events` are those still held, oldest first.
        case gap(oldest: Int64, events: [Event])

        /// The events to send either way.
        public var events: [Event] {
            switch self {
            case .events(let events), .gap(_, let events): events
            }
        }
    }

    /// The events after `sequence`. A number ahead of the stream (a client from before a
    /// restart with another base) is a gap too.
    public func events(after sequence: Int64) -> Replay {
        guard let oldest = oldestSequence else {
            return sequence == lastSequence ? .events([]) : .gap(oldest: lastSequence + 1, events: [])
        }
        if sequence > lastSequence { return .gap(oldest: oldest, events: ordered) }
        if sequence < oldest - 1 { return .gap(oldest: oldest, events: ordered) }
        let skip = Int(sequence - oldest + 1)
        return .events(Array(ordered.dropFirst(skip)))
    }

    /// Everything held, oldest first.
    public var ordered: [Event] {
        ring.count < capacity ? ring : Array(ring[head...] + ring[..<head])
    }
}
