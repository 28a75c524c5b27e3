import AsyncHTTPClient
import CTI
import Crypto
import HotlineModel
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A configured webhook: the events it gets, where they go, the secret they are signed with.
public struct WebhookConfiguration: Sendable, Hashable {
    public var url: String
    public var secret: String
    /// Event types delivered; nil: every event.
    public var types: Set<String>?
    /// Tries per event before it is given up (logged).
    public var maximumAttempts: Int

    public init(url: String, secret: String, types: Set<String>? = nil, maximumAttempts: Int = 8) {
        self.url = url
        self.secret = secret
        self.types = types
        self.maximumAttempts = maximumAttempts
    }
}

/// The `X-Hotline-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
/// with the webhook's secret. The receiver recomputes it and compares in constant time,
/// and refuses an old `t` (a replay).
public enum WebhookSignature {
    public static let header = "X-Hotline-Signature"

    public static func sign(body: String, secret: String, timestamp: Int64) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).\(body)".utf8), using: key)
        return "t=\(timestamp),v1=" + mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// How long to wait before try `attempt + 1` (after try `attempt` failed): 1 s, 2 s, 4 s...
/// up to a minute.
public enum WebhookRetry {
    public static func delayMilliseconds(afterAttempt attempt: Int) -> Int64 {
        min(60_000, 1000 << Int64(min(max(attempt - 1, 0), 6)))
    }

    /// Whether an answer with this status is worth another try: server errors, 408 and 429
    /// are; other 4xx mean the receiver will never take it.
    public static func shouldRetry(status: Int) -> Bool {
        status >= 500 || status == 408 || status == 429
    }
}

/// Delivers the event stream to the configured webhooks: each event as its CloudEvents
/// JSON (the same text the WebSocket sends), POSTed with `Content-Type:
/// application/cloudevents+json`, its id in `X-Hotline-Event-Id` and the signature header.
/// Per webhook, in order, one at a time; a failed try is retried with back-off
/// (``WebhookRetry``) up to `maximumAttempts`, then logged and skipped. A webhook that
/// falls behind the stream's buffer picks up from the event log where it left off.
public final class WebhookDispatcher: Service, Sendable {
    let hub: EventHub
    let webhooks: [WebhookConfiguration]
    let client: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Timestamp

    public init(hub: EventHub, webhooks: [WebhookConfiguration], logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.hub = hub
        self.webhooks = webhooks
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        configuration.redirectConfiguration = .disallow
        self.client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration,
                                 backgroundActivityLogger: logger)
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            await withTaskGroup(of: Void.self) { group in
                for webhook in webhooks {
                    group.addTask { await self.feed(webhook) }
                }
            }
        }
        try await client.shutdown()
    }

    /// Follows the stream for one webhook until cancelled.
    func feed(_ webhook: WebhookConfiguration) async {
        let viewer = EventViewer(username: "webhook", roles: [.admin])
        var last: Int64?
        while !Task.isCancelled {
            let subscribed = hub.subscribe(viewer: viewer, filter: EventFilter(types: webhook.types), after: last)
            defer { hub.unsubscribe(subscribed.id) }
            if last == nil { last = subscribed.current }
            if case .gap(let oldest, _) = subscribed.replay {
                logger.warning("webhook fell behind the event log; events were skipped",
                               metadata: ["webhook.url": "\(webhook.url)", "events.oldest": "\(oldest)", "events.after": "\(last ?? 0)"])
            }
            for event in subscribed.replay.events where !Task.isCancelled {
                await deliver(hub.encode(event), id: event.sequence, to: webhook)
                last = event.sequence
            }
            var overflowed = false
            for await item in subscribed.stream {
                guard case .delivery(let delivery) = item else {
                    overflowed = true
                    break
                }
                if let seen = last, delivery.event.sequence <= seen { continue }
                await deliver(delivery.json, id: delivery.event.sequence, to: webhook)
                last = delivery.event.sequence
                if Task.isCancelled { break }
            }
            // The stream ends on shutdown (cancelled) or when this webhook fell behind its
            // buffer: then subscribe again after the last event delivered.
            if !overflowed { return }
        }
    }

    /// Tries one event until it is taken, refused for good, or the tries run out.
    func deliver(_ json: String, id: Int64, to webhook: WebhookConfiguration) async {
        for attempt in 1...max(1, webhook.maximumAttempts) {
            if Task.isCancelled { return }
            let outcome = await post(json, id: id, to: webhook, attempt: attempt)
            switch outcome {
            case .delivered:
                return
            case .refused(let status):
                logger.error("webhook refused an event for good; skipped",
                             metadata: ["webhook.url": "\(webhook.url)", "event.seq": "\(id)", "http.status": "\(status)"])
                return
            case .failed(let why):
                guard attempt < webhook.maximumAttempts else {
                    logger.error("webhook event given up after \(attempt) tries",
                                 metadata: ["webhook.url": "\(webhook.url)", "event.seq": "\(id)", "error": "\(why)"])
                    return
                }
                let delay = WebhookRetry.delayMilliseconds(afterAttempt: attempt)
                logger.notice("webhook delivery failed; trying again",
                              metadata: ["webhook.url": "\(webhook.url)", "event.seq": "\(id)", "attempt": "\(attempt)",
                                         "retry.ms": "\(delay)", "error": "\(why)"])
                try? await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000)
            }
        }
    }

    enum Outcome: Equatable {
        case delivered
        case refused(Int)
        case failed(String)
    }

    private func post(_ json: String, id: Int64, to webhook: WebhookConfiguration, attempt: Int) async -> Outcome {
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/cloudevents+json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Hotline-Webhook/1")
        request.headers.add(name: "X-Hotline-Event-Id", value: "\(hub.source)#\(id)")
        request.headers.add(name: "X-Hotline-Delivery-Attempt", value: "\(attempt)")
        request.headers.add(name: WebhookSignature.header,
                            value: WebhookSignature.sign(body: json, secret: webhook.secret, timestamp: now().millisecondsSinceEpoch / 1000))
        request.body = .bytes(ByteBuffer(string: json))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return .delivered }
            return WebhookRetry.shouldRetry(status: status) ? .failed("HTTP \(status)") : .refused(status)
        } catch {
            return .failed("\(error)")
        }
    }
}
