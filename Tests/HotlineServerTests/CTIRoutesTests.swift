import CTI
import HotlineModel
@testable import HotlineServer
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOCore
import Storage
import StorageSQLite
import ACD
import XCTest

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The desktop's routes against a real (in-memory SQLite) store: sessions with cookies and
/// CSRF, who may read which interaction and customer, the audit log, recordings by id.
final class CTIRoutesTests: XCTestCase {
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_593_600_000)  // 2026-11-25T08:00:00Z
    /// bcrypt at its lowest cost: the tests check the flow, not the hash's strength.
    static let hashes: [String: String] = Dictionary(uniqueKeysWithValues: ["1001", "1002", "2001", "9001"].map {
        ($0, Bcrypt.hash("web-\($0)", cost: 4))
    })
    static let roles: [String: Set<Role>] = ["1001": [.agent], "1002": [.agent], "2001": [.agent, .supervisor], "9001": [.admin]]

    var store: SQLiteStore!
    let routing = FakeRouting(statuses: [APITests.li, APITests.wang, APITests.zhao], queues: [APITests.cards])
    var directory: URL!

    override func setUp() async throws {
        store = try SQLiteStore(.inMemory)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cti-routes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (username, roles) in Self.roles {
            try await store.createUser(User(id: UserID("user-\(username)"), username: username, displayName: "User \(username)", roles: roles))
        }
        try await store.createCustomer(Customer(id: "c-1", nameZh: "张伟", nameEn: "Wei Zhang", phoneNumbers: ["13800138000"],
                                                accountNumbers: [], tags: ["vip"], createdAt: Self.start))
        try await store.createCustomer(Customer(id: "c-2", nameEn: "Emily Chen", phoneNumbers: ["13900139000"], createdAt: Self.start))
        // i-1: 1002 answered 张伟 (c-1); i-2: 1001 answered Emily (c-2), with a recording.
        for (id, agent, customer, caller) in [("i-1", "1002", "c-1", "13800138000"), ("i-2", "1001", "c-2", "13900139000")] {
            let at = Self.start.adding(milliseconds: id == "i-1" ? 0 : 60_000)
            try await store.createInteraction(Interaction(id: InteractionID(id), channel: .call, direction: .inbound, from: caller,
                                                          to: "95500", state: .ended, customerID: CustomerID(customer),
                                                          startedAt: at, endedAt: at.adding(milliseconds: 50_000)))
            try await store.saveCallRecord(CallRecord(
                interactionID: InteractionID(id), caller: caller, dialled: "95500", arrivedAt: at,
                queuedAt: at.adding(milliseconds: 5000), firstOfferedAt: at.adding(milliseconds: 8000),
                answeredAt: at.adding(milliseconds: 10_000), endedAt: at.adding(milliseconds: 50_000), queue: "cards", queues: ["cards"],
                waitMs: 5000,
                segments: [CallSegment(position: 0, agentID: AgentID(rawValue: agent), queue: "cards", offeredAt: at.adding(milliseconds: 8000),
                                       answeredAt: at.adding(milliseconds: 10_000), endedAt: at.adding(milliseconds: 50_000), result: .answered,
                                       talkMs: 40_000, wrapUpMs: 12_000, disposition: "resolved", notes: "card unblocked")],
                disposition: "resolved", outcome: .answered, endReason: "caller hung up"))
        }
        let wav = directory.appendingPathComponent("r-2.wav").path
        try Data("RIFF....WAVEfake".utf8).write(to: URL(fileURLWithPath: wav))
        try await store.createRecording(CallRecording(id: "r-2", interactionID: "i-2", path: wav, layout: .stereo, status: .complete,
                                                      startedAt: Self.start.adding(milliseconds: 70_000), durationMilliseconds: 40_000))
    }

    override func tearDown() async throws {
        try await store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    func makeApp(teams: [String: Set<String>] = [:]) -> some ApplicationProtocol {
        let store = self.store!
        let auth = APIAuthentication(basic: BasicAuthenticator(users: APITests.users), secureCookies: true, lookUp: { username in
            guard let roles = Self.roles[username] else { return nil }
            return APIAuthenticationUser(username: username, displayName: "User \(username)", roles: roles, isActive: true,
                                         passwordHash: Self.hashes[username])
        }, monotonic: { 0 }, wall: { Self.start }, logger: APITests.logger)
        let router = APIServer.router(commands: routing, auth: auth, hub: EventHub(node: "test", logger: APITests.logger),
                                      viewers: { EventViewer(username: $0.username, roles: $0.roles) }, webRoot: nil,
                                      resources: .init(store: store, teams: teams, now: { Self.start.adding(milliseconds: 3_600_000) }),
                                      logger: APITests.logger)
        return Application(router: router)
    }

    func withAPI(teams: [String: Set<String>] = [:], _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await makeApp(teams: teams).test(.router, body)
    }

    struct Session: Sendable {
        var token: String
        var csrf: String
        var cookie: String
    }

    // MARK: Sessions, cookies, CSRF

    func testSignInSetsASecureCookieAndCSRFGuardsChanges() async throws {
        let routing = self.routing
        try await withAPI { client in
            let session = try await client.signIn("1001")
            // The cookie alone cannot change anything...
            var response = try await client.execute(uri: "/api/v1/agents/1001/state", method: .put,
                                                    headers: [.cookie: session.cookie, .contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"state":"available"}"#))
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertEqual(try response.error().code, "csrf-mismatch")
            XCTAssertEqual(try response.error().field, "X-CSRF-Token")
            // ...nor with a forged token...
            response = try await client.execute(uri: "/api/v1/agents/1001/state", method: .put,
                                                headers: [.cookie: session.cookie, .contentType: "application/json",
                                                          APIAuthentication.csrfHeader: String(repeating: "0", count: 64)],
                                                body: ByteBuffer(string: #"{"state":"available"}"#))
            XCTAssertEqual(response.status, .forbidden)
            let refused = await routing.calls
            XCTAssertEqual(refused, [])
            // ...with the session's token it can; reading needs no token.
            response = try await client.execute(uri: "/api/v1/agents/1001/state", method: .put,
                                                headers: [.cookie: session.cookie, .contentType: "application/json",
                                                          APIAuthentication.csrfHeader: session.csrf],
                                                body: ByteBuffer(string: #"{"state":"available"}"#))
            XCTAssertEqual(response.status, .ok)
            response = try await client.execute(uri: "/api/v1/agents/1001", method: .get, headers: [.cookie: session.cookie])
            XCTAssertEqual(response.status, .ok)
            // A bearer token needs no CSRF token (a browser never sends one by itself).
            response = try await client.execute(uri: "/api/v1/agents/1001/state", method: .put,
                                                headers: [.authorization: "Bearer \(session.token)", .contentType: "application/json"],
                                                body: ByteBuffer(string: #"{"state":"available"}"#))
            XCTAssertEqual(response.status, .ok)
            let calls = await routing.calls
            XCTAssertEqual(calls, [.makeAvailable("1001"), .makeAvailable("1001")])
        }
    }

    func testWrongPasswordIs401AndLogoutEndsTheSession() async throws {
        try await withAPI { client in
            var response = try await client.execute(uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"username":"1001","password":"nope"}"#))
            XCTAssertEqual(response.status, .unauthorized)
            XCTAssertEqual(try response.error(), .init(code: "wrong-credentials", field: "password", message:
                "wrong username or password (or the account is disabled or has no web password); try again"))
            XCTAssertNil(response.headers[.setCookie])
            let session = try await client.signIn("1002")
            response = try await client.execute(uri: "/api/v1/session", method: .delete,
                                                headers: [.cookie: session.cookie, APIAuthentication.csrfHeader: session.csrf])
            XCTAssertEqual(response.status, .noContent)
            XCTAssertEqual(response.headers[.setCookie].map { $0.hasPrefix("hotline_session=; ") && $0.contains("Max-Age=0") }, true)
            response = try await client.execute(uri: "/api/v1/agents/1002", method: .get, headers: [.authorization: "Bearer \(session.token)"])
            XCTAssertEqual(response.status, .unauthorized)
            XCTAssertEqual(try response.error().code, "session-expired")
        }
    }

    // MARK: Interactions

    func testAnAgentReadsOnlyInteractionsTheyTookPartIn() async throws {
        try await withAPI { client in
            let li = try await client.signIn("1001")
            var response = try await client.get("/api/v1/interactions/i-1", li)
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertEqual(try response.error().code, "forbidden")
            XCTAssertFalse(String(buffer: response.body).contains("张伟"))
            response = try await client.get("/api/v1/interactions/i-2", li)
            XCTAssertEqual(response.status, .ok)
            let detail = try response.json()
            XCTAssertEqual(detail["agents"], ["1001"])
            XCTAssertEqual(detail["customer"]?["nameEn"], "Emily Chen")
            XCTAssertEqual(detail["disposition"], "resolved")
            XCTAssertEqual(detail["notes"], "card unblocked")
            XCTAssertEqual(detail["talkSeconds"], 40)
            XCTAssertEqual(detail["startedAt"], "2026-11-25T08:01:00.000Z")
            XCTAssertEqual(detail["recordings"], [["id": "r-2", "url": "/api/v1/recordings/r-2", "durationMs": 40_000, "status": "complete",
                                                   "layout": "stereo", "startedAt": "2026-11-25T08:01:10.000Z"]])
            XCTAssertEqual(detail["timeline"].map { t in t.arrayValue.map { $0["what"]?.stringValue ?? "?" } },
                           ["arrived", "queued", "offered", "answered", "recording-started", "ended"])
            XCTAssertEqual(detail["ivr"], .null)
            // The list shows them their own only, and not another agent's on request.
            response = try await client.get("/api/v1/interactions", li)
            XCTAssertEqual(try response.json()["items"]?.arrayValue.map { $0["id"]?.stringValue }, ["i-2"])
            response = try await client.get("/api/v1/interactions?agent=1002", li)
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertEqual(try response.error().field, "agent")
            response = try await client.get("/api/v1/interactions/i-nope", li)
            XCTAssertEqual(response.status, .notFound)
            XCTAssertEqual(try response.error().code, "unknown-interaction")
        }
    }

    func testSupervisorSearchesEveryInteractionNewestFirstWithPaging() async throws {
        try await withAPI { client in
            let boss = try await client.signIn("2001")
            var response = try await client.get("/api/v1/interactions?limit=1", boss)
            var page = try response.json()
            XCTAssertEqual(page["items"]?.arrayValue.map { $0["id"]?.stringValue }, ["i-2"])
            XCTAssertEqual(page["next"], "i-2")
            response = try await client.get("/api/v1/interactions?limit=1&cursor=i-2", boss)
            page = try response.json()
            XCTAssertEqual(page["items"]?.arrayValue.map { $0["id"]?.stringValue }, ["i-1"])
            response = try await client.get("/api/v1/interactions?caller=13800138000&from=2026-11-25T16:00:00%2B08:00", boss)
            XCTAssertEqual(try response.json()["items"]?.arrayValue.map { $0["id"]?.stringValue }, ["i-1"])
            for (query, field) in [("from=yesterday", "from"), ("limit=0", "limit"), ("limit=201", "limit"), ("outcome=won", "outcome"),
                                   ("sort=asc", "sort"), ("cursor=../x", "cursor")] {
                response = try await client.get("/api/v1/interactions?\(query)", boss)
                XCTAssertEqual(response.status, .unprocessableContent, query)
                XCTAssertEqual(try response.error().field, field, query)
            }
        }
    }

    // MARK: Recordings

    func testRecordingsAreFoundByIdOnlyAndForWhoMayHearThem() async throws {
        try await withAPI { client in
            let li = try await client.signIn("1001")
            var response = try await client.get("/api/v1/recordings/r-2", li)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "audio/wav")
            XCTAssertEqual(String(buffer: response.body), "RIFF....WAVEfake")
            let wang = try await client.signIn("1002")
            response = try await client.get("/api/v1/recordings/r-2", wang)
            XCTAssertEqual(response.status, .forbidden)
            for path in ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "r-2.wav", "..", "r-2%00"] {
                response = try await client.get("/api/v1/recordings/\(path)", li)
                XCTAssertTrue([404].contains(response.status.code), "\(path): \(response.status)")
                XCTAssertFalse(String(buffer: response.body).contains("root:"), path)
            }
        }
    }

    // MARK: Customers and the audit log

    func testCustomerViewsAndChangesAreAudited() async throws {
        let store = self.store!
        try await withAPI { client in
            let boss = try await client.signIn("2001")
            var response = try await client.get("/api/v1/customers/c-1", boss)
            XCTAssertEqual(response.status, .ok)
            let detail = try response.json()
            XCTAssertEqual(detail["nameZh"], "张伟")
            XCTAssertEqual(detail["vip"], true)
            XCTAssertEqual(detail["interactions"]?.arrayValue.map { $0["id"]?.stringValue }, ["i-1"])
            response = try await client.send(.patch, "/api/v1/customers/c-1", boss, json: #"{"language":"en-US","tags":["vip","loans"]}"#)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.json()["language"], "en-US")
            // Refusals change nothing and write nothing.
            for (json, status, field) in [(#"{"phoneNumbers":["13900139000"]}"#, 409, "phoneNumbers"), (#"{"tags":["VIP!"]}"#, 422, "tags"),
                                          (#"{"nameZh":5}"#, 400, "nameZh"), (#"{"email":"a@b"}"#, 422, "email"), ("{", 400, nil),
                                          ("{}", 400, nil)] {
                response = try await client.send(.patch, "/api/v1/customers/c-1", boss, json: json)
                XCTAssertEqual(response.status.code, status, json)
                XCTAssertEqual(try response.error().field, field, json)
            }
            response = try await client.send(.patch, "/api/v1/customers/c-nope", boss, json: #"{"language":"en-US"}"#)
            XCTAssertEqual(response.status, .notFound)
        }
        let entries = try await store.auditEntries(subject: "customers/c-1", actor: nil, limit: 10, before: nil)
        XCTAssertEqual(entries.map(\.action), ["customer.update", "customer.view"])
        XCTAssertEqual(entries.map(\.actor), ["2001", "2001"])
        XCTAssertEqual(entries.first?.detail, "language: zh-CN → en-US; tags: [vip] → [loans,vip]")
        let stored = try await store.customer(id: "c-1")
        XCTAssertEqual(stored?.phoneNumbers, ["13800138000"])
        XCTAssertEqual(stored?.tags, ["vip", "loans"])
    }

    func testAnAgentOpensCustomersOfTheirInteractionsOnly() async throws {
        try await withAPI { client in
            let li = try await client.signIn("1001")
            var response = try await client.get("/api/v1/customers/c-2", li)
            XCTAssertEqual(response.status, .ok)
            response = try await client.get("/api/v1/customers/c-1", li)
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertFalse(String(buffer: response.body).contains("张伟"))
            // Li is available (no call): no searching the customer base.
            response = try await client.get("/api/v1/customers?q=%E5%BC%A0%E4%BC%9F", li)
            XCTAssertEqual(response.status, .forbidden)
            // Wang is on a call (call-7): may search to find the caller.
            let wang = try await client.signIn("1002")
            response = try await client.get("/api/v1/customers?q=%E5%BC%A0%E4%BC%9F", wang)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.json()["items"]?.arrayValue.map { $0["id"]?.stringValue }, ["c-1"])
            response = try await client.get("/api/v1/customers?q=13900139000", wang)
            XCTAssertEqual(try response.json()["items"]?.arrayValue.map { $0["id"]?.stringValue }, ["c-2"])
            response = try await client.get("/api/v1/customers?q=x", wang)
            XCTAssertEqual(response.status, .unprocessableContent)
            response = try await client.send(.post, "/api/v1/customers", wang, json: #"{"nameZh":"周杰","phoneNumbers":["13912345678"]}"#)
            XCTAssertEqual(response.status, .created)
            let id = try response.json()["id"]?.stringValue ?? ""
            XCTAssertEqual(response.headers[.location], "/api/v1/customers/\(id)")
            response = try await client.send(.post, "/api/v1/customers", wang, json: #"{"nameZh":"重复","phoneNumbers":["13912345678"]}"#)
            XCTAssertEqual(response.status, .conflict)
            XCTAssertEqual(try response.error().code, "phone-number-taken")
            response = try await client.send(.post, "/api/v1/customers", li, json: #"{"nameZh":"周杰"}"#)
            XCTAssertEqual(response.status, .forbidden)
        }
    }

    // MARK: Reference lists and figures

    func testDispositionsAndReasonsHaveBothLanguages() async throws {
        try await withAPI { client in
            let li = try await client.signIn("1001")
            let response = try await client.get("/api/v1/dispositions", li)
            let list = try response.decode([CodeLabel].self)
            XCTAssertEqual(list, CodeLabel.defaultDispositions)
            XCTAssertTrue(list.allSatisfy { !$0.labelZh.isEmpty && !$0.labelEn.isEmpty && $0.labelZh != $0.labelEn })
            let reasons = try await client.get("/api/v1/reasons", li).decode([CodeLabel].self)
            XCTAssertEqual(reasons.map(\.code), ["break", "lunch", "training", "meeting", "after-call-work"])
        }
    }

    func testFiguresCountAnsweredMissedTalkAndNotReady() {
        let since = Self.start
        let agent = AgentID(rawValue: "1001")
        func segment(_ result: CallSegment.Result, talk: Int64 = 0, wrap: Int64 = 0, at: Int64 = 1000) -> CallSegment {
            CallSegment(position: 0, agentID: agent, offeredAt: since.adding(milliseconds: at),
                        answeredAt: [.answered, .transferred, .lost].contains(result) ? since.adding(milliseconds: at + 1000) : nil,
                        endedAt: result == .ringing ? nil : since.adding(milliseconds: at + 5000), result: result, talkMs: talk, wrapUpMs: wrap)
        }
        let records = [
            CallRecord(interactionID: "a", caller: "1", dialled: "2", arrivedAt: since, segments: [segment(.answered, talk: 60_000, wrap: 30_000)]),
            CallRecord(interactionID: "b", caller: "1", dialled: "2", arrivedAt: since, segments: [segment(.noAnswer)]),
            CallRecord(interactionID: "c", caller: "1", dialled: "2", arrivedAt: since, segments: [
                segment(.cancelled), segment(.transferred, talk: 30_000), segment(.answered, talk: 1000, at: -60_000)]),
        ]
        let changes = [
            AgentStateChange(agentID: agent, sequence: 5, from: .notReady, to: .available, at: since.adding(milliseconds: 120_000), cause: "api"),
            AgentStateChange(agentID: agent, sequence: 6, from: .available, to: .notReady, reason: .break,
                             at: since.adding(milliseconds: 600_000), cause: "api"),
        ]
        let figures = ReferenceRoutes.figures(agent: agent, records: records, changes: changes, stateAtStart: .notReady, since: since,
                                              now: since.adding(milliseconds: 900_000))
        XCTAssertEqual(figures, ["answered": 2, "missed": 1, "talkSeconds": 90, "averageHandleSeconds": 60, "notReadySeconds": 420,
                                 "since": "2026-11-25T08:00:00.000Z"])
    }

    func testStartOfDayIsLocalMidnight() {
        let t = Timestamp(millisecondsSinceEpoch: 1_795_634_916_583)
        let midnight = t.startOfLocalDay
        XCTAssertLessThanOrEqual(midnight, t)
        XCTAssertLessThan(t.millisecondsSinceEpoch - midnight.millisecondsSinceEpoch, 86_400_000)
        let offset = Int64(TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: 1_795_634_916))) * 1000
        XCTAssertEqual((midnight.millisecondsSinceEpoch + offset) % 86_400_000, 0)
    }
}

extension TestClientProtocol {
    func signIn(_ username: String) async throws -> CTIRoutesTests.Session {
        let response = try await execute(uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: #"{"username":"\#(username)","password":"web-\#(username)"}"#))
        XCTAssertEqual(response.status, .created)
        let body = try response.json()
        let cookie = response.headers[.setCookie] ?? ""
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"), cookie)
        return .init(token: body["token"]?.stringValue ?? "", csrf: body["csrfToken"]?.stringValue ?? "",
                     cookie: String(cookie.prefix { $0 != ";" }))
    }

    func get(_ uri: String, _ session: CTIRoutesTests.Session) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(session.token)"])
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, _ session: CTIRoutesTests.Session, json: String) async throws -> TestResponse {
        try await execute(uri: uri, method: method, headers: [.authorization: "Bearer \(session.token)", .contentType: "application/json"],
                          body: ByteBuffer(string: json))
    }
}

extension TestResponse {
    func json() throws -> JSONValue { try decode(JSONValue.self) }
}

extension JSONValue {
    var arrayValue: [JSONValue] { if case .array(let a) = self { a } else { [] } }
}

extension CTIRoutesTests {
    func testClickToDialIsTheAgentsOwnAndNeedsANumber() async throws {
        let routing = self.routing
        try await withAPI { client in
            let li = try await client.signIn("1001")
            var response = try await client.send(.post, "/api/v1/agents/1001/dial", li, json: #"{"number":"13800138000"}"#)
            XCTAssertEqual(response.status, .accepted)
            XCTAssertEqual(try response.json(), ["status": "dialling", "interaction": "i-dial-13800138000"])
            response = try await client.send(.post, "/api/v1/agents/1002/dial", li, json: #"{"number":"13800138000"}"#)
            XCTAssertEqual(response.status, .forbidden)
            response = try await client.send(.post, "/api/v1/agents/1001/dial", li, json: #"{}"#)
            XCTAssertEqual(response.status, .unprocessableContent)
            XCTAssertEqual(try response.error().field, "number")
            response = try await client.send(.post, "/api/v1/agents/1001/dial", li, json: #"{"number":13800138000}"#)
            XCTAssertEqual(response.status, .badRequest)
            let calls = await routing.calls
            XCTAssertEqual(calls, [.dial("1001", "13800138000")])
        }
    }
}

extension CTIRoutesTests {
    func testTodaysQueueFiguresFromStoredRecords() {
        let at = Self.start
        func record(_ id: String, queues: [String], outcome: CallOutcome, waitMs: Int64?, answered: Bool) -> CallRecord {
            CallRecord(interactionID: InteractionID(id), caller: "1", dialled: "2", arrivedAt: at, queuedAt: at,
                       firstOfferedAt: answered ? at : nil, answeredAt: answered ? at.adding(milliseconds: waitMs ?? 0) : nil,
                       endedAt: at.adding(milliseconds: 60_000), queue: queues.last, queues: queues, waitMs: waitMs, outcome: outcome)
        }
        let cards = QueueConfiguration(id: "cards", requiredSkills: [SkillRequirement("cards")])  // service level 20 s by default
        let general = QueueConfiguration(id: "general", requiredSkills: [SkillRequirement("general")])
        let figures = RoutingService.todaysStatistics([
            record("a", queues: ["cards"], outcome: .answered, waitMs: 5000, answered: true),
            record("b", queues: ["cards"], outcome: .answered, waitMs: 45_000, answered: true),
            record("c", queues: ["cards"], outcome: .abandonedInQueue, waitMs: nil, answered: false),
            record("d", queues: ["cards", "general"], outcome: .answered, waitMs: 0, answered: true),
            record("e", queues: ["gone"], outcome: .abandonedInQueue, waitMs: nil, answered: false),
        ], queues: [cards, general])
        XCTAssertEqual(figures["cards"]?.entered, 4)
        XCTAssertEqual(figures["cards"]?.answered, 2)
        XCTAssertEqual(figures["cards"]?.answeredInTarget, 1)
        XCTAssertEqual(figures["cards"]?.abandoned, 1)
        XCTAssertEqual(figures["cards"]?.averageSpeedOfAnswerSeconds, 25)
        XCTAssertEqual(figures["general"]?.entered, 1)
        XCTAssertEqual(figures["general"]?.answeredAtOnce, 1)
        XCTAssertNil(figures["gone"])
        XCTAssertEqual(cards.serviceLevelSeconds, 20)
    }

    func testCardNumbersAreMaskedOnScreens() {
        XCTAssertEqual(APIResources.maskedCard("6222020200112233445"), "622202*********3445")
        XCTAssertEqual(APIResources.maskedCard("1234"), "****")
    }
}

extension CTIRoutesTests {
    /// 2001 supervises a team of 1001 only: 1002's calls and 1002 are not theirs.
    func testASupervisorWithATeamSeesAndActsOnItOnly() async throws {
        let routing = self.routing
        try await withAPI(teams: ["2001": ["1001"]]) { client in
            let boss = try await client.signIn("2001")
            var response = try await client.get("/api/v1/interactions/i-1", boss)
            XCTAssertEqual(response.status, .forbidden)
            response = try await client.get("/api/v1/interactions/i-2", boss)
            XCTAssertEqual(response.status, .ok)
            response = try await client.get("/api/v1/interactions", boss)
            XCTAssertEqual(try response.json()["items"]?.arrayValue.map { $0["id"]?.stringValue }, ["i-2"])
            response = try await client.get("/api/v1/agents", boss)
            XCTAssertEqual(try response.decode([AgentStatus].self).map(\.id), ["1001", "2001"])
            response = try await client.send(.post, "/api/v1/agents/1002/logout", boss, json: #"{"force":true}"#)
            XCTAssertEqual(response.status, .forbidden)
            response = try await client.send(.post, "/api/v1/agents/1001/logout", boss, json: #"{"force":true}"#)
            XCTAssertEqual(response.status, .ok)
            let admin = try await client.signIn("9001")
            response = try await client.get("/api/v1/interactions/i-1", admin)
            XCTAssertEqual(response.status, .ok)
            let calls = await routing.calls
            XCTAssertEqual(calls, [.logout("1001", force: true)])
        }
    }
}

extension CTIRoutesTests {
    func testAnAgentNamesTheCustomerOfTheirCall() async throws {
        let store = self.store!
        try await withAPI { client in
            let wang = try await client.signIn("1002")
            var response = try await client.send(.put, "/api/v1/interactions/i-1/customer", wang, json: #"{"customer":"c-2"}"#)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.json()["live"], false)
            XCTAssertEqual(try response.json()["customer"]?["id"], "c-2")
            response = try await client.send(.put, "/api/v1/interactions/i-1/customer", wang, json: #"{"customer":"c-nope"}"#)
            XCTAssertEqual(try response.error().field, "customer")
            let li = try await client.signIn("1001")
            response = try await client.send(.put, "/api/v1/interactions/i-1/customer", li, json: #"{"customer":"c-1"}"#)
            XCTAssertEqual(response.status, .forbidden)
            response = try await client.send(.put, "/api/v1/interactions/i-9/customer", li, json: #"{"customer":"c-1"}"#)
            XCTAssertEqual(response.status, .notFound)
        }
        let interaction = try await store.interaction(id: "i-1")
        XCTAssertEqual(interaction?.customerID, "c-2")
        let audit = try await store.auditEntries(subject: "interactions/i-1", actor: nil, limit: 5, before: nil)
        XCTAssertEqual(audit.map(\.detail), ["customer c-2"])
    }
}
