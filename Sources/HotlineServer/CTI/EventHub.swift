import CTI
import HotlineModel
import Logging
import NIOConcurrencyHelpers

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server's one event stream: numbers each event, keeps the recent ones for replay,
/// and hands each to the subscribers (WebSocket connections, webhooks) that asked for it
/// and may see it.
///
/// `publish` may be called from any thread (routing runs on the SIP loop); it encodes the
/// event once, as its CloudEvents JSON text, whatever the number of subscribers. A
/// subscriber that cannot keep up (its buffer of `subscriberBuffer` events is full) is
/// cut off rather than silently missing events: it reconnects with the last number it
/// saw and is replayed from the log.
public final class EventHub: Sendable {
    /// An event with its wire text.
    public struct Delivery: Sendable {
        public let event: Event
        public let json: String
    }

    public enum Subscription: Sendable {
        case delivery(Delivery)
        /// The subscriber fell behind and must reconnect with `after=` its last number.
        case overflowed
    }

    struct Subscriber {
        let viewer: EventViewer
        let filter: EventFilter
        let continuation: AsyncStream<Subscription>.Continuation
    }

    struct State {
        var log: EventLog
        var subscribers: [UInt64: Subscriber] = [:]
        var nextSubscriber: UInt64 = 1
    }

    /// `/hotline/<node>`: the CloudEvents `source`.
    public let source: String
    public let subscriberBuffer: Int
    private let state: NIOLockedValueBox<State>
    private let logger: Logger

    /// - Parameters:
    ///   - capacity: events kept for replay after a reconnect.
    ///   - startingAfter: the first event's number minus one; a server passes a time-based
    ///     base so numbers keep increasing across restarts.
    public init(node: String, capacity: Int = 10_000, startingAfter: Int64 = 0, subscriberBuffer: Int = 4_096,
                logger: Logger) {
        self.source = "/hotline/\(node)"
        self.subscriberBuffer = subscriberBuffer
        self.state = NIOLockedValueBox(State(log: EventLog(capacity: capacity, startingAfter: startingAfter)))
        self.logger = logger
    }

    public var lastSequence: Int64 { state.withLockedValue { $0.log.lastSequence } }
    public var subscriberCount: Int { state.withLockedValue { $0.subscribers.count } }

    /// Numbers, keeps and delivers an event.
    @discardableResult
    public func publish(_ type: String, subject: String, data: JSONValue, agents: [String] = [], queues: [String] = [],
                        time: Timestamp = .now()) -> Event {
        state.withLockedValue { state in
            let event = state.log.append(type: type, subject: subject, time: time, data: data, agents: agents, queues: queues)
            let delivery = Delivery(event: event, json: encode(event))
            var overflowed: [UInt64] = []
            for (id, subscriber) in state.subscribers where subscriber.filter.matches(event) && subscriber.viewer.maySee(event) {
                if case .dropped = subscriber.continuation.yield(.delivery(delivery)) { overflowed.append(id) }
            }
            for id in overflowed {
                // The buffer is full: the overflow marker takes the place of nothing (yield
                // drops the newest), so finish the stream; the reader sees the end and says so.
                state.subscribers.removeValue(forKey: id)?.continuation.finish()
                logger.notice("event subscriber too slow; cut off to reconnect and replay", metadata: ["events.subscriber": "\(id)"])
            }
            return event
        }
    }

    /// What a new subscriber gets: the replay of what it missed (or that it must reset),
    /// and the live stream from there. Taken under one lock, so no event falls between.
    public struct Subscribed: Sendable {
        public let id: UInt64
        public let replay: EventLog.Replay
        public let current: Int64
        public let stream: AsyncStream<Subscription>
    }

    public func subscribe(viewer: EventViewer, filter: EventFilter, after: Int64?) -> Subscribed {
        let (stream, continuation) = AsyncStream.makeStream(of: Subscription.self, bufferingPolicy: .bufferingOldest(subscriberBuffer))
        return state.withLockedValue { state in
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = Subscriber(viewer: viewer, filter: filter, continuation: continuation)
            var replay = after.map { state.log.events(after: $0) } ?? .events([])
            // Only what this subscriber asked for and may see.
            let visible = { (event: Event) in filter.matches(event) && viewer.maySee(event) }
            switch replay {
            case .events(let events): replay = .events(events.filter(visible))
            case .gap(let oldest, let events): replay = .gap(oldest: oldest, events: events.filter(visible))
            }
            return Subscribed(id: id, replay: replay, current: state.log.lastSequence, stream: stream)
        }
    }

    public func unsubscribe(_ id: UInt64) {
        state.withLockedValue { $0.subscribers.removeValue(forKey: id) }?.continuation.finish()
    }

    /// The CloudEvents 1.0 JSON text of `event` (structured mode) with `seq`.
    public func encode(_ event: Event) -> String {
        Self.encode(CloudEvent(id: "\(source)#\(event.sequence)", seq: event.sequence, type: event.type, source: source,
                               subject: event.subject, time: event.time.iso8601, data: event.data))
    }

    /// A message of the stream itself (`stream.ready`, `stream.reset`), not numbered.
    public func control(_ type: String, seq: Int64, data: JSONValue) -> String {
        Self.encode(CloudEvent(id: "\(source)#control-\(type)-\(seq)", seq: seq, type: type, source: source, subject: "stream",
                               time: Timestamp.now().iso8601, data: data))
    }

    struct CloudEvent: Encodable {
        var specversion = "1.0"
        var id: String
        var seq: Int64
        var type: String
        var source: String
        var subject: String
        var time: String
        var datacontenttype = "application/json"
        var data: JSONValue
    }

    static func encode(_ event: CloudEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only non-finite numbers fail, and events carry none.
        return (try? String(decoding: encoder.encode(event), as: UTF8.self)) ?? #"{"type":"encoding-failed"}"#
    }
}
