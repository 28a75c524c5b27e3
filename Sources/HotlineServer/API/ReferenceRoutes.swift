import HotlineModel
import Hummingbird
import Logging
import Storage

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A code with its labels in both languages: a disposition or a not-ready reason.
public struct CodeLabel: Hashable, Codable, Sendable {
    public var code: String
    public var labelZh: String
    public var labelEn: String

    public init(code: String, labelZh: String, labelEn: String) {
        self.code = code
        self.labelZh = labelZh
        self.labelEn = labelEn
    }

    /// What agents may close a call with when the configuration lists none.
    public static let defaultDispositions: [CodeLabel] = [
        .init(code: "resolved", labelZh: "已解决", labelEn: "Resolved"),
        .init(code: "information-given", labelZh: "已提供信息", labelEn: "Information given"),
        .init(code: "callback-needed", labelZh: "需要回电", labelEn: "Callback needed"),
        .init(code: "ticket-opened", labelZh: "已创建工单", labelEn: "Ticket opened"),
        .init(code: "card-blocked", labelZh: "已冻结卡片", labelEn: "Card blocked"),
        .init(code: "complaint", labelZh: "投诉", labelEn: "Complaint"),
        .init(code: "transferred", labelZh: "已转接", labelEn: "Transferred"),
        .init(code: "wrong-number", labelZh: "打错电话", labelEn: "Wrong number"),
    ]

    /// The not-ready reasons agents choose from when the configuration lists none.
    public static let defaultReasons: [CodeLabel] = [
        .init(code: "break", labelZh: "休息", labelEn: "Break"),
        .init(code: "lunch", labelZh: "午餐", labelEn: "Lunch"),
        .init(code: "training", labelZh: "培训", labelEn: "Training"),
        .init(code: "meeting", labelZh: "会议", labelEn: "Meeting"),
        .init(code: "after-call-work", labelZh: "话后处理", labelEn: "After-call work"),
    ]
}

/// Reference lists, an agent's figures today, and the OpenAPI document.
struct ReferenceRoutes: Sendable {
    let store: (any HotlineStore)?
    let commands: any RoutingCommands
    let auth: APIAuthentication
    let dispositions: [CodeLabel]
    let reasons: [CodeLabel]
    /// The OpenAPI document's path; nil: not served.
    let openAPIPath: String?
    var access = APIAccess()
    let now: @Sendable () -> Timestamp

    func listDispositions(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try auth.signIn(request, context)
        return APIJSON.response(dispositions)
    }

    func listReasons(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try auth.signIn(request, context)
        return APIJSON.response(reasons)
    }

    func openAPI(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard let openAPIPath, let bytes = try? FileIO.readBytes(openAPIPath) else {
            throw APIError(code: "not-found", message: "this server has no OpenAPI document (set http.openapi in the configuration)", status: .notFound)
        }
        return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `GET /api/v1/agents/{id}/stats`: calls answered and missed, talk and handle time,
    /// time not ready, from the start of today (the server's time zone) to now.
    func stats(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try auth.signIn(request, context)
        let id = AgentID(rawValue: context.parameters.get("id") ?? "")
        guard user.mayAct(on: id) else {
            throw APIError.forbidden("signed in as \(user.username), you may only read your own figures")
        }
        guard await commands.agent(id) != nil else { throw RoutingCommandError.unknownAgent(id) }
        guard access.watched(by: user).map({ $0.contains(id.rawValue) }) ?? true else {
            throw APIError.forbidden("signed in as \(user.username), you supervise your team's agents only; \(id) is not in it")
        }
        guard let store else { throw APIError(code: "unavailable", message: "no store", status: .serviceUnavailable) }
        let end = now()
        let since = end.startOfLocalDay
        var records: [CallRecord] = []
        var after: InteractionID?
        while true {
            let page = try await store.callRecords(matching: CallRecordQuery(from: since, agent: id), limit: 500, after: after)
            records += page
            guard page.count == 500, let last = page.last else { break }
            after = last.interactionID
        }
        let today = try await Self.changes(of: id, from: since, store: store)
        let before = try await Self.stateAt(since, of: id, store: store)
        return APIJSON.response(Self.figures(agent: id, records: records, changes: today, stateAtStart: before, since: since, now: end))
    }

    /// The figures of one agent from `since` to `now` (pure, for the unit tests).
    static func figures(agent: AgentID, records: [CallRecord], changes: [AgentStateChange], stateAtStart: AgentStateName,
                        since: Timestamp, now: Timestamp) -> JSONValue {
        var answered = 0
        var missed = 0
        var talk: Int64 = 0
        var handle: Int64 = 0
        for record in records {
            for s in record.segments where s.agentID == agent && s.offeredAt >= since {
                switch s.result {
                case .answered, .transferred, .lost:
                    answered += 1
                    talk += s.talkMs
                    handle += s.talkMs + s.holdMs + s.wrapUpMs
                case .noAnswer, .busy, .unreachable:
                    missed += 1
                case .ringing, .cancelled:
                    break
                }
            }
        }
        var notReady: Int64 = 0
        var state = stateAtStart
        var from = since
        for change in changes.sorted(by: { $0.sequence < $1.sequence }) where change.at >= since {
            if state == .notReady { notReady += change.at.millisecondsSinceEpoch - from.millisecondsSinceEpoch }
            state = change.to
            from = change.at
        }
        if state == .notReady { notReady += max(0, now.millisecondsSinceEpoch - from.millisecondsSinceEpoch) }
        return [
            "answered": .int(answered),
            "missed": .int(missed),
            "talkSeconds": .number(Double(talk / 1000)),
            "averageHandleSeconds": .number(answered == 0 ? 0 : (Double(handle) / Double(answered) / 1000 * 10).rounded() / 10),
            "notReadySeconds": .number(Double(notReady / 1000)),
            "since": .string(since.iso8601),
        ]
    }

    /// The agent's state at `time`: the last change in the day before it (logged out
    /// without one: a state held over 24 h unchanged is not counted).
    static func stateAt(_ time: Timestamp, of agent: AgentID, store: any HotlineStore) async throws -> AgentStateName {
        let earlier = try await changes(of: agent, from: Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch - 86_400_000),
                                        to: time, store: store)
        return earlier.last?.to ?? .loggedOut
    }

    /// Every change of `agent` in [`from`, `to`), oldest first, read 500 at a time (the
    /// store's largest page).
    static func changes(of agent: AgentID, from: Timestamp, to: Timestamp? = nil, store: any HotlineStore) async throws -> [AgentStateChange] {
        var all: [AgentStateChange] = []
        var start = from
        while true {
            let page = try await store.agentStateChanges(of: agent, from: start, to: to, limit: 500)
            let fresh = page.filter { change in !all.contains { $0.sequence == change.sequence } }
            all += fresh
            guard page.count == 500, !fresh.isEmpty, let last = page.last else { return all }
            start = last.at
        }
    }
}
