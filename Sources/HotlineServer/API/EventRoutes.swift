import CTI
import HotlineModel
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOWebSocket

/// `GET /api/v1/events`: the event stream over WebSocket (docs/api.md, Events).
///
/// The upgrade is authorised like any request (session cookie, or bearer token), and a
/// browser's `Origin` must be this server, so another site cannot open the stream with
/// the agent's cookie. Then: the events after `after` (or a `stream.reset` when they are
/// gone), one `stream.ready`, and live events as they happen, each one the viewer may see
/// and the filters let through.
struct EventRoutes: Sendable {
    let hub: EventHub
    let auth: APIAuthentication
    let viewers: @Sendable (APIPrincipal) async -> EventViewer
    let logger: Logger

    /// Close code for a subscriber that fell too far behind: reconnect with `after`.
    static let tooSlow = WebSocketErrorCode(codeNumber: 4008)

    func register(on router: Router<APIRequestContext>) {
        router.ws("/api/v1/events", shouldUpgrade: { request, _ in
            // A plain GET (no upgrade asked) gets a JSON 400 through the error middleware.
            guard request.headers[.upgrade]?.lowercased().contains("websocket") == true else {
                throw APIError(code: "not-websocket", message: "the event stream is a WebSocket; open it with a WebSocket client "
                                   + "(Upgrade: websocket)", status: .badRequest)
            }
            // Refusals happen after the upgrade (``refuse``): a refused handshake reaches a
            // browser as a bare failure, a close code and message it can show.
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            let request = context.request
            let user: APIPrincipal
            let filter: EventFilter
            let after: Int64?
            do throws(APIError) {
                user = try auth.signIn(request, context.requestContext)
                try Self.checkOrigin(request)
                (filter, after) = try Self.query(request)
                if let agent = filter.agent, !user.supervises, agent != user.username {
                    throw .forbidden(field: "agent", "signed in as \(user.username), you may only follow your own events (agent=\(user.username))")
                }
            } catch {
                try await Self.refuse(error, outbound, hub: hub)
                return
            }
            logger.debug("event stream opened", metadata: ["api.user": "\(user.username)"])
            let viewer = await viewers(user)
            let subscribed = hub.subscribe(viewer: viewer, filter: filter, after: after)
            defer { hub.unsubscribe(subscribed.id) }
            if case .gap(let oldest, _) = subscribed.replay {
                try await outbound.write(.text(hub.control(EventType.streamReset, seq: subscribed.current,
                                                           data: ["oldest": .int64(oldest), "after": .int64(after)])))
            }
            let missed = subscribed.replay.events
            for event in missed { try await outbound.write(.text(hub.encode(event))) }
            let replayed = missed.count
            try await outbound.write(.text(hub.control(EventType.streamReady, seq: subscribed.current,
                                                       data: ["replayed": .int(replayed), "current": .int64(subscribed.current)])))
            try await withThrowingTaskGroup(of: Bool.self) { group in
                // Reading notices the client closing (and answers its pings).
                group.addTask {
                    for try await _ in inbound {}
                    return false
                }
                group.addTask {
                    for await item in subscribed.stream {
                        guard case .delivery(let delivery) = item else { return true }
                        // Events numbered up to the replay were sent already.
                        if delivery.event.sequence <= subscribed.current, after != nil { continue }
                        try await outbound.write(.text(delivery.json))
                    }
                    return true
                }
                let streamEnded = try await group.next() ?? false
                group.cancelAll()
                if streamEnded {
                    try? await outbound.close(Self.tooSlow, reason: "fell behind; reconnect with after=<last seq>")
                }
            }
        })
    }

    /// `types`, `agent`, `queue` and `after` from the query; a 400/422 naming the parameter.
    static func query(_ request: Request) throws(APIError) -> (EventFilter, Int64?) {
        let q = request.uri.queryParameters
        let filter: EventFilter
        do {
            filter = try EventFilter.parse(types: q["types"].map(String.init), agent: q["agent"].map(String.init),
                                           queue: q["queue"].map(String.init))
        } catch {
            throw .invalidValue(field: error.field, error.message)
        }
        var after: Int64?
        if let text = q["after"] {
            guard let value = Int64(text), value >= 0 else {
                throw .invalidValue(field: "after", "after is the seq of the last event you saw (a whole number); leave it out to start now")
            }
            after = value
        }
        return (filter, after)
    }

    /// One `stream.error` event with the error's JSON, then a close with code 4000 + the
    /// HTTP status it would have had (4401 not signed in, 4403 forbidden, 4422 a bad query).
    static func refuse(_ error: APIError, _ outbound: WebSocketOutboundWriter, hub: EventHub) async throws {
        let detail: JSONValue = ["code": .string(error.code), "field": .string(error.field), "message": .string(error.message)]
        try await outbound.write(.text(hub.control(EventType.streamError, seq: 0, data: ["error": detail])))
        try await outbound.close(.unknown(UInt16(4000 + error.status.code)), reason: String(error.code.prefix(100)))
    }

    /// A browser sends `Origin`; it must name this host (the `Host` it asked), else another
    /// site is opening the stream with the agent's cookie (cross-site WebSocket hijacking).
    static func checkOrigin(_ request: Request) throws(APIError) {
        guard let origin = request.headers[.origin] else { return }
        let host = request.head.authority ?? ""
        let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
        guard !host.isEmpty, originHost == host else {
            throw .forbidden(field: "Origin", "the event stream is only for pages served by this Hotline (\(host)); \(origin) is another site")
        }
    }
}
