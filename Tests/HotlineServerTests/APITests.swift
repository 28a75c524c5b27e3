import XCTest
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
@testable import HotlineServer
import HotlineModel
import SIPDialog
import SIPNetwork
import StorageSQLite

/// The HTTP mapping of the routing API, against a fake ``RoutingCommands`` that records
/// what it was asked and answers canned statuses (the interop tests drive the real one).
final class APITests: XCTestCase {
    static let realm = "hotline.local"
    /// 1001 and 1002 are agents, 2001 a supervisor who also takes calls, 9001 an admin.
    static let users = APIUsers(realm: realm, accounts: [
        "1001": .init(ha1: DigestHA1(username: "1001", realm: realm, password: "secret-1001"), roles: [.agent]),
        "1002": .init(ha1: DigestHA1(username: "1002", realm: realm, password: "secret-1002"), roles: [.agent]),
        "2001": .init(ha1: DigestHA1(username: "2001", realm: realm, password: "secret-2001"), roles: [.agent, .supervisor]),
        "9001": .init(ha1: DigestHA1(username: "9001", realm: realm, password: "secret-9001"), roles: [.admin]),
    ])
    static let li = AgentStatus(id: "1001", name: "Li Na", state: .available, reason: nil, interaction: nil,
                                since: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000), phoneRegistered: true, skills: ["cards": 5])
    static let wang = AgentStatus(id: "1002", name: "Wang Wei", state: .onCall, reason: nil, interaction: "call-7",
                                  since: Timestamp(millisecondsSinceEpoch: 1_700_000_060_000), phoneRegistered: true,
                                  skills: ["cards": 3, "loans": 7])
    static let zhao = AgentStatus(id: "2001", name: "Zhao Min", state: .notReady, reason: "break", interaction: nil,
                                  since: Timestamp(millisecondsSinceEpoch: 1_700_000_120_000), phoneRegistered: false, skills: [:])
    static let cards = QueueStatus(id: "cards", names: ["zh-CN": "信用卡", "en-US": "Cards"], waiting: 2, longestWaitSeconds: 41,
                                   agentsAvailable: 1, agentsStaffed: 3, entered: 10, answered: 7, abandoned: 1,
                                   serviceLevelPercent: 75, averageSpeedOfAnswerSeconds: 12.5)

    let routing = FakeRouting(statuses: [li, wang, zhao], queues: [cards])
    let clock = ManualNanosecondClock()
    static let logger = {
        var logger = Logger(label: "api-test")
        logger.logLevel = .warning
        return logger
    }()

    func makeApp() -> some ApplicationProtocol {
        let clock = self.clock
        let router = APIServer.router(commands: routing, authenticator: BasicAuthenticator(users: Self.users),
                                      now: { clock.now }, logger: Self.logger)
        return Application(router: router)
    }

    /// Runs `body` against the router in process.
    func withAPI(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await makeApp().test(.router, body)
    }

    // MARK: Reads

    func testHealthAnswersWithoutCredentials() async throws {
        try await withAPI { client in
            let response = try await client.send(.get, "/api/v1/health", as: nil)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "application/json; charset=utf-8")
            XCTAssertEqual(String(buffer: response.body), #"{"status":"ok"}"#)
        }
    }

    func testAgentStatusWireShapeHasCamelCaseKeys() async throws {
        try await withAPI { client in
            let response = try await client.send(.get, "/api/v1/agents/1001", as: "1001")
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(String(buffer: response.body),
                           #"{"id":"1001","name":"Li Na","phoneRegistered":true,"since":1700000000000,"skills":{"cards":5},"state":"available"}"#)
        }
    }

    func testSupervisorAndAdminListEveryAgent() async throws {
        try await withAPI { client in
            for user in ["2001", "9001"] {
                let response = try await client.send(.get, "/api/v1/agents", as: user)
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(try response.decode([AgentStatus].self), [Self.li, Self.wang, Self.zhao])
            }
        }
    }

    func testAgentListsOnlyThemselves() async throws {
        try await withAPI { client in
            let response = try await client.send(.get, "/api/v1/agents", as: "1002")
            XCTAssertEqual(try response.decode([AgentStatus].self), [Self.wang])
        }
    }

    func testAgentReadsOwnAgentButNotAnother() async throws {
        try await withAPI { client in
            let own = try await client.send(.get, "/api/v1/agents/1002", as: "1002")
            XCTAssertEqual(try own.decode(AgentStatus.self), Self.wang)
            let response = try await client.send(.get, "/api/v1/agents/1001", as: "1002")
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertEqual(try response.error(), .init(code: "forbidden", field: nil, message:
                "signed in as 1002, you may only read and change agent 1002; supervisors and admins act on any agent"))
        }
    }

    func testUnknownAgentIs404ForASupervisor() async throws {
        try await withAPI { client in
            let response = try await client.send(.get, "/api/v1/agents/4040", as: "2001")
            XCTAssertEqual(response.status, .notFound)
            XCTAssertEqual(try response.error(), .init(code: "unknown-agent", field: "agent",
                                                       message: "no agent '4040' is configured; check agents: in the configuration"))
        }
    }

    func testQueuesForAnySignedInUser() async throws {
        try await withAPI { client in
            let response = try await client.send(.get, "/api/v1/queues", as: "1001")
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.decode([QueueStatus].self), [Self.cards])
        }
    }

    // MARK: Commands

    func testLoginReadyAndNotReady() async throws {
        try await withAPI { client in
            var response = try await client.send(.post, "/api/v1/agents/1001/login", as: "1001", json: #"{"ready": true}"#)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.decode(AgentStatus.self).state, .available)
            // No body: not ready.
            response = try await client.send(.post, "/api/v1/agents/1001/login", as: "1001")
            var expected = Self.li
            expected.state = .notReady
            expected.reason = "login"
            XCTAssertEqual(try response.decode(AgentStatus.self), expected)
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [.login("1001", ready: true), .login("1001", ready: false)])
    }

    func testLogoutAndForcedLogout() async throws {
        try await withAPI { client in
            let loggedOut = try await client.send(.post, "/api/v1/agents/1001/logout", as: "1001")
            XCTAssertEqual(try loggedOut.decode(AgentStatus.self).state, .loggedOut)
            // An agent may not force, even themselves.
            let refused = try await client.send(.post, "/api/v1/agents/1002/logout", as: "1002", json: #"{"force": true}"#)
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertEqual(try refused.error(), .init(code: "forbidden", field: "force", message:
                "only a supervisor or admin may force a logout; log out without force once the call has ended"))
            let forced = try await client.send(.post, "/api/v1/agents/1002/logout", as: "2001", json: #"{"force": true}"#)
            XCTAssertEqual(forced.status, .ok)
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [.logout("1001", force: false), .logout("1002", force: true)])
    }

    func testStateAvailableAndNotReady() async throws {
        try await withAPI { client in
            var response = try await client.send(.put, "/api/v1/agents/2001/state", as: "2001", json: #"{"state":"available"}"#)
            XCTAssertEqual(try response.decode(AgentStatus.self).state, .available)
            response = try await client.send(.put, "/api/v1/agents/1001/state", as: "1001", json: #"{"state":"not-ready","reason":"team-huddle"}"#)
            XCTAssertEqual(try response.decode(AgentStatus.self).reason, "team-huddle")
            // Supervisors may mark an agent "supervisor".
            response = try await client.send(.put, "/api/v1/agents/1002/state", as: "9001", json: #"{"state":"not-ready","reason":"supervisor"}"#)
            XCTAssertEqual(response.status, .ok)
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [.makeAvailable("2001"), .makeNotReady("1001", "team-huddle"), .makeNotReady("1002", "supervisor")])
    }

    func testStateRefusals() async throws {
        let cases: [(body: String, user: String, field: String, code: String, message: String)] = [
            (#"{"state":"on-call"}"#, "1001", "state", "invalid-value",
             "'on-call' cannot be set here; settable states: available, not-ready (log in and out with .../login and .../logout; calls set the others)"),
            (#"{"state":"sleeping"}"#, "1001", "state", "invalid-value",
             "'sleeping' cannot be set here; settable states: available, not-ready (log in and out with .../login and .../logout; calls set the others)"),
            (#"{"reason":"break"}"#, "1001", "state", "missing-field", "give the state to set: available, not-ready (not-ready with a reason)"),
            (#"{"state":"not-ready"}"#, "1001", "reason", "missing-field", #"not-ready needs a reason, e.g. {"state": "not-ready", "reason": "break"}"#),
            (#"{"state":"available","reason":"break"}"#, "1001", "reason", "invalid-value",
             "only not-ready takes a reason; leave reason out for available"),
            (#"{"state":"not-ready","reason":"Lunch Break"}"#, "1001", "reason", "invalid-value",
             #"Not-ready reason "Lunch Break" must be 1 to 32 lower-case letters, digits or hyphens, e.g. "break" or "team-huddle"."#),
            (#"{"state":"not-ready","reason":"missed-call"}"#, "1001", "reason", "invalid-value",
             "'missed-call' is set by routing itself; choose e.g. break, lunch, training or meeting"),
            (#"{"state":"not-ready","reason":"supervisor"}"#, "1001", "reason", "invalid-value",
             "'supervisor' is for supervisors; choose e.g. break, lunch, training or meeting"),
            (#"{"state":"available","mood":"good"}"#, "1001", "mood", "unknown-field", "'mood' is not a field of this request; known here: state, reason"),
        ]
        try await withAPI { client in
            for c in cases {
                let response = try await client.send(.put, "/api/v1/agents/\(c.user)/state", as: c.user, json: c.body)
                XCTAssertEqual(response.status, .unprocessableContent, c.body)
                XCTAssertEqual(try response.error(), .init(code: c.code, field: c.field, message: c.message), c.body)
            }
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [])
    }

    func testWrapUpPassesDispositionAndNotes() async throws {
        try await withAPI { client in
            let response = try await client.send(.post, "/api/v1/agents/1002/wrap-up", as: "1002",
                                                 json: #"{"disposition":"resolved","notes":"客户已还款 / paid"}"#)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.decode(AgentStatus.self).state, .available)
            let tooLong = try await client.send(.post, "/api/v1/agents/1002/wrap-up", as: "1002",
                                                json: #"{"disposition":"\#(String(repeating: "x", count: 65))"}"#)
            XCTAssertEqual(try tooLong.error(), .init(code: "invalid-value", field: "disposition",
                                                      message: #"give a disposition code of 1 to 64 characters, e.g. "resolved", or leave it out"#))
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [.endWrapUp("1002", disposition: "resolved", notes: "客户已还款 / paid")])
    }

    func testTransferToEachKindOfTarget() async throws {
        try await withAPI { client in
            for body in [#"{"queue":"cards"}"#, #"{"agent":"1001"}"#, #"{"number":"13800138000","note":"已核实身份 verified"}"#] {
                let response = try await client.send(.post, "/api/v1/agents/1002/transfer", as: "1002", json: body)
                XCTAssertEqual(response.status, .accepted)
                XCTAssertEqual(try response.decode(APIAccepted.self), APIAccepted(status: "transferring"))
            }
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [.transfer("1002", .queue("cards"), note: nil), .transfer("1002", .agent("1001"), note: nil),
                               .transfer("1002", .number("13800138000"), note: "已核实身份 verified")])
    }

    func testConsultCompleteCancelHoldAndResume() async throws {
        try await withAPI { client in
            var response = try await client.send(.post, "/api/v1/agents/1002/consult", as: "1002", json: #"{"agent":"1001","note":"VIP"}"#)
            XCTAssertEqual(response.status, .accepted)
            XCTAssertEqual(try response.decode(APIAccepted.self), APIAccepted(status: "consulting"))
            for (path, status) in [("consult/complete", "transferred"), ("consult/cancel", "with-caller"), ("hold", "held"), ("resume", "resumed")] {
                response = try await client.send(.post, "/api/v1/agents/1002/\(path)", as: "1002")
                XCTAssertEqual(response.status, .accepted, path)
                XCTAssertEqual(try response.decode(APIAccepted.self), APIAccepted(status: status), path)
            }
            // A consultation is with an agent or a number, not a queue.
            response = try await client.send(.post, "/api/v1/agents/1002/consult", as: "1002", json: #"{"queue":"cards"}"#)
            XCTAssertEqual(try response.error(), .init(code: "unknown-field", field: "queue",
                                                       message: "'queue' is not a field of this request; known here: agent, number, note"))
            response = try await client.send(.post, "/api/v1/agents/1002/consult", as: "1002", json: #"{"agent":"1001","note":"   "}"#)
            XCTAssertEqual(try response.error(), .init(code: "invalid-value", field: "note",
                                                       message: "give a note of 1 to 1000 characters for whoever takes the call, or leave it out"))
            // Another agent's call is not theirs to transfer.
            response = try await client.send(.post, "/api/v1/agents/1001/consult/complete", as: "1002")
            XCTAssertEqual(response.status, .forbidden)
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [.consult("1002", .agent("1001"), note: "VIP"), .completeTransfer("1002"), .cancelConsultation("1002"),
                               .hold("1002", true), .hold("1002", false)])
    }

    func testTransferNeedsExactlyOneTarget() async throws {
        try await withAPI { client in
            var response = try await client.send(.post, "/api/v1/agents/1002/transfer", as: "1002", json: #"{}"#)
            XCTAssertEqual(response.status, .unprocessableContent)
            XCTAssertEqual(try response.error(), .init(code: "invalid-value", field: "queue,agent,number",
                                                       message: "give exactly one of queue, agent or number; the body has none"))
            response = try await client.send(.post, "/api/v1/agents/1002/transfer", as: "1002", json: #"{"queue":"cards","number":"10086"}"#)
            XCTAssertEqual(try response.error(), .init(code: "invalid-value", field: "queue,number",
                                                       message: "give exactly one of queue, agent or number; the body has queue and number"))
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [])
    }

    func testHangupIsAccepted() async throws {
        try await withAPI { client in
            let response = try await client.send(.post, "/api/v1/agents/1002/hangup", as: "1002")
            XCTAssertEqual(response.status, .accepted)
            XCTAssertEqual(String(buffer: response.body), #"{"status":"hanging-up"}"#)
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [.hangup("1002")])
    }

    // MARK: Error mapping

    func testRoutingRefusalsKeepTheirStatusCodeAndField() async throws {
        let refusals = [
            RoutingCommandError(code: "impossible-transition", message: "1001 is on a call; end it first", status: 409),
            RoutingCommandError(code: "disposition-required", field: "disposition", message: "queue cards needs a disposition", status: 422),
            RoutingCommandError(code: "unknown-queue", field: "queue", message: "no queue 'gold'", status: 404),
        ]
        let routing = self.routing
        try await withAPI { client in
            for refusal in refusals {
                await routing.refuseNext(with: refusal)
                let response = try await client.send(.post, "/api/v1/agents/1001/wrap-up", as: "1001")
                XCTAssertEqual(response.status.code, refusal.status)
                XCTAssertEqual(try response.error(), .init(code: refusal.code, field: refusal.field, message: refusal.message))
            }
            // A status that is not an error's is a fault, not a crash.
            await routing.refuseNext(with: RoutingCommandError(code: "odd", message: "odd", status: 200))
            let odd = try await client.send(.post, "/api/v1/agents/1001/hangup", as: "1001")
            XCTAssertEqual(odd.status, .internalServerError)
            XCTAssertEqual(try odd.error(), .init(code: "odd", field: nil, message: "odd"))
        }
    }

    func testUnknownRouteAndWrongMethodAnswerJSON() async throws {
        try await withAPI { client in
            let missing = try await client.send(.get, "/api/v1/agent", as: "1001")
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(missing.headers[.contentType], "application/json; charset=utf-8")
            XCTAssertEqual(String(buffer: missing.body),
                           #"{"error":{"code":"not-found","field":null,"message":"no route GET /api/v1/agent; the routes are listed in docs/api.md"}}"#)
            let wrong = try await client.send(.delete, "/api/v1/agents/1001", as: "1001")
            XCTAssertEqual(wrong.status, .methodNotAllowed)
            XCTAssertEqual(wrong.headers[.allow], "GET, HEAD")
            XCTAssertEqual(try wrong.error(), .init(code: "method-not-allowed", field: nil, message: "/api/v1/agents/1001 does not take DELETE; use GET, HEAD"))
            let head = try await client.send(.head, "/api/v1/agents/1001", as: "1001")
            XCTAssertEqual(head.status, .ok)
            let get = try await client.send(.get, "/api/v1/agents/1001/state", as: "1001")
            XCTAssertEqual(get.status, .methodNotAllowed)
            XCTAssertEqual(get.headers[.allow], "PUT")
        }
    }

    func testMalformedBodies() async throws {
        let cases: [(body: String, field: String?, message: String)] = [
            (#"{"ready": tru}"#, nil, #"the body is not JSON: unexpected character at byte 10; send a JSON object such as {"ready": true}"#),
            (#"{"ready": true"#, nil, #"the body is not JSON: the text ends inside a value at byte 14; send a JSON object such as {"ready": true}"#),
            (#"[true]"#, nil, #"the body is a JSON array, not an object; send a JSON object such as {"ready": true}"#),
            (#"{"ready": "yes"}"#, "ready", "'ready' is a string; write true or false"),
            (#"{"ready": 1}"#, "ready", "'ready' is a number; write true or false"),
        ]
        try await withAPI { client in
            for c in cases {
                let response = try await client.send(.post, "/api/v1/agents/1001/login", as: "1001", json: c.body)
                XCTAssertEqual(response.status, .badRequest, c.body)
                XCTAssertEqual(try response.error(), .init(code: "malformed-json", field: c.field, message: c.message), c.body)
            }
            let empty = try await client.send(.put, "/api/v1/agents/1001/state", as: "1001", json: "")
            XCTAssertEqual(try empty.error(), .init(code: "malformed-json", field: nil, message:
                #"the body is empty; send a JSON object such as {"state": "not-ready", "reason": "break"}"#))
        }
        let calls = await routing.calls
        XCTAssertEqual(calls, [])
    }

    func testBodyOver64KiBIs413() async throws {
        let notes = String(repeating: "n", count: APIRequestBody.maximumBytes)
        try await withAPI { client in
            let response = try await client.send(.post, "/api/v1/agents/1001/wrap-up", as: "1001", json: #"{"notes":"\#(notes)"}"#)
            XCTAssertEqual(response.status, .contentTooLarge)
            XCTAssertEqual(try response.error(), .init(code: "body-too-large", field: nil,
                                                       message: "the request body is over 65536 bytes; send a smaller JSON object"))
            // Exactly at the limit is read (and then refused for its content, not its size).
            let atLimit = #"{"notes":"\#(String(repeating: "n", count: APIRequestBody.maximumBytes - 12))"}"#
            XCTAssertEqual(atLimit.utf8.count, APIRequestBody.maximumBytes)
            let read = try await client.send(.post, "/api/v1/agents/1001/wrap-up", as: "1001", json: atLimit)
            XCTAssertEqual(try read.error(), .init(code: "invalid-value", field: "notes", message: "notes are 65524 characters; keep them to 4000"))
        }
    }

    func testBodyThatIsNotJSONIs415() async throws {
        try await withAPI { client in
            var response = try await client.send(.put, "/api/v1/agents/1001/state", as: "1001", json: "state=available",
                                                 contentType: "application/x-www-form-urlencoded")
            XCTAssertEqual(response.status, .unsupportedMediaType)
            XCTAssertEqual(try response.error(), .init(code: "unsupported-media-type", field: nil, message:
                "the body is 'application/x-www-form-urlencoded'; send JSON with Content-Type: application/json"))
            response = try await client.send(.put, "/api/v1/agents/1001/state", as: "1001", json: #"{"state":"available"}"#, contentType: nil)
            XCTAssertEqual(try response.error(), .init(code: "unsupported-media-type", field: nil, message:
                "the body is untyped; send JSON with Content-Type: application/json"))
            // Parameters and +json types are JSON.
            response = try await client.send(.put, "/api/v1/agents/1001/state", as: "1001", json: #"{"state":"available"}"#,
                                             contentType: "Application/JSON; charset=UTF-8")
            XCTAssertEqual(response.status, .ok)
        }
        XCTAssertTrue(APIRequestBody.isJSON("application/merge-patch+json"))
        XCTAssertFalse(APIRequestBody.isJSON("text/json"))
        let calls = await routing.calls
        XCTAssertEqual(calls, [.makeAvailable("1001")])
    }

    // MARK: Authentication

    func testMissingOrWrongCredentialsAre401WithAChallenge() async throws {
        let cases: [(authorization: String?, message: String)] = [
            (nil, "sign in: POST /api/v1/sessions with your username and password, then send the cookie or "
                + "Authorization: Bearer <token>; scripts may use HTTP Basic with the SIP extension and password"),
            ("Bearer abc", "this session token is not known (the server may have restarted); sign in again"),
            ("Basic !!!", "the Authorization header is neither Bearer <token> nor Basic with base64 of username:password"),
            (Self.basic("1001", "wrong"), "wrong username or password; use your SIP extension and SIP password"),
            (Self.basic("7777", "secret-1001"), "wrong username or password; use your SIP extension and SIP password"),
        ]
        try await withAPI { client in
            for c in cases {
                var headers: HTTPFields = [:]
                headers[.authorization] = c.authorization
                let response = try await client.execute(uri: "/api/v1/agents", method: .get, headers: headers)
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertEqual(response.headers[.wwwAuthenticate], #"Bearer realm="hotline""#)
                XCTAssertEqual(try response.error(), .init(code: "unauthenticated", field: nil, message: c.message))
            }
        }
    }

    func testRepeatedWrongPasswordsAre429UntilTheBackOffEnds() async throws {
        let clock = self.clock
        try await withAPI { client in
            for _ in 1...5 {
                let wrong = try await client.send(.get, "/api/v1/agents", as: "1001", password: "guess")
                XCTAssertEqual(wrong.status, .unauthorized)
            }
            // Even the right password waits: the attempt is not checked.
            let throttled = try await client.send(.get, "/api/v1/agents", as: "1001")
            XCTAssertEqual(throttled.status, .tooManyRequests)
            XCTAssertEqual(throttled.headers[.retryAfter], "1")
            XCTAssertEqual(try throttled.error(), .init(code: "too-many-attempts", field: nil, message:
                "too many failed logins from this address or for this user; try again in 1 s"))
            // Other users are not held up by 1001's failures.
            let other = try await client.send(.get, "/api/v1/agents", as: "1002")
            XCTAssertEqual(other.status, .ok)
            clock.advance(seconds: 1)
            let later = try await client.send(.get, "/api/v1/agents", as: "1001")
            XCTAssertEqual(later.status, .ok)
        }
    }

    func testThrottleCountsPerUserAndPerSource() {
        var auth = BasicAuthenticator(users: Self.users)
        let second: Int64 = 1_000_000_000
        // Per user: failures 1-5 answer 401, then 1 s, 2 s, ... of back-off.
        for n in 1...5 {
            XCTAssertEqual(auth.authenticate(authorization: Self.basic("1001", "x\(n)"), source: "192.0.2.1", now: 0),
                           .wrongCredentials(username: "1001"))
        }
        XCTAssertEqual(auth.authenticate(authorization: Self.basic("1001", "secret-1001"), source: "192.0.2.9", now: 0),
                       .throttled(retryAfterSeconds: 1), "the user is blocked from any address")
        XCTAssertEqual(auth.authenticate(authorization: Self.basic("1001", "x6"), source: "192.0.2.1", now: second),
                       .wrongCredentials(username: "1001"))
        XCTAssertEqual(auth.authenticate(authorization: Self.basic("1001", "x7"), source: "192.0.2.1", now: second + second / 2),
                       .throttled(retryAfterSeconds: 2))
        XCTAssertEqual(auth.authenticate(authorization: Self.basic("1001", "secret-1001"), source: "192.0.2.1", now: 3 * second),
                       .signedIn(APIPrincipal(username: "1001", roles: [.agent])))
        // Success forgives the user: five more failures before the next back-off.
        for n in 1...5 {
            XCTAssertEqual(auth.authenticate(authorization: Self.basic("1001", "y\(n)"), source: "192.0.2.7", now: 3 * second),
                           .wrongCredentials(username: "1001"))
        }
        // Per source: guessing unknown names does not block those names, but it blocks the
        // address after 20 failures (192.0.2.1 already has 6).
        for n in 1...14 {
            XCTAssertEqual(auth.authenticate(authorization: Self.basic("u\(n)", "p"), source: "192.0.2.1", now: 4 * second),
                           .wrongCredentials(username: "u\(n)"))
        }
        XCTAssertEqual(auth.authenticate(authorization: Self.basic("1002", "secret-1002"), source: "192.0.2.1", now: 4 * second),
                       .throttled(retryAfterSeconds: 1))
        XCTAssertEqual(auth.authenticate(authorization: Self.basic("1002", "secret-1002"), source: "192.0.2.2", now: 4 * second),
                       .signedIn(APIPrincipal(username: "1002", roles: [.agent])))
        XCTAssertEqual(auth.authenticate(authorization: Self.basic("1002", "secret-1002"), source: "192.0.2.1", now: 5 * second),
                       .signedIn(APIPrincipal(username: "1002", roles: [.agent])))
    }

    func testBasicCredentialsParsing() {
        XCTAssertEqual(BasicAuthenticator.basicToken("basic  MTAwMTpz").map(String.init), "MTAwMTpz")
        XCTAssertNil(BasicAuthenticator.basicToken("Basic"))
        XCTAssertNil(BasicAuthenticator.basicToken("Digest username=\"1001\""))
        // The password may hold colons; the username may not be empty.
        let decoded = BasicAuthenticator.decode(Substring(Self.base64("1001:a:b")))
        XCTAssertEqual(decoded?.username, "1001")
        XCTAssertEqual(decoded?.password, "a:b")
        XCTAssertNil(BasicAuthenticator.decode(Substring(Self.base64(":secret"))))
        XCTAssertNil(BasicAuthenticator.decode(Substring(Self.base64("no-colon"))))
    }

    func testMD5OnlyCredentialVerifies() {
        let md5 = DigestHA1(username: "3001", realm: Self.realm, password: "old-phone-pw").md5
        let users = APIUsers(realm: Self.realm, accounts: ["3001": .init(ha1: DigestHA1(md5: md5, sha256: ""), roles: [.agent])])
        XCTAssertEqual(users.verify(username: "3001", password: "old-phone-pw")?.roles, [.agent])
        XCTAssertNil(users.verify(username: "3001", password: "old-phone-px"))
        XCTAssertTrue(DigestHex.equalInConstantTime(expectedHex: "abc0", providedHex: "abc0"))
        XCTAssertFalse(DigestHex.equalInConstantTime(expectedHex: "abc0", providedHex: "abd0"))
        XCTAssertFalse(DigestHex.equalInConstantTime(expectedHex: "abc0", providedHex: "abc000"))
    }

    /// The users come from the store the configured agents are seeded into, HA1s only.
    func testUsersLoadFromTheStore() async throws {
        let store = try SQLiteStore(.inMemory)
        var config = HotlineConfiguration()
        config.domain = Self.realm
        config.agents = [.init(username: "1001", password: "secret-1001", displayName: "Li Na"),
                         .init(username: "2001", password: "secret-2001", displayName: "Zhao Min", roles: ["agent", "supervisor"])]
        try await HotlineApplication.seedAgents(config, store: store, logger: Self.logger)
        let users = try await APIUsers.load(store: store, realm: Self.realm)
        try await store.close()
        XCTAssertEqual(users.realm, Self.realm)
        XCTAssertEqual(Set(users.accounts.keys), ["1001", "2001"])
        XCTAssertEqual(users.verify(username: "2001", password: "secret-2001")?.roles, [.agent, .supervisor])
        XCTAssertNil(users.verify(username: "1001", password: "secret-2001"))
        // Another realm's HA1 does not verify.
        XCTAssertNil(APIUsers(realm: "other", accounts: users.accounts).verify(username: "1001", password: "secret-1001"))
    }

    // MARK: The service

    /// `APIServer` as `hotline serve` runs it: in a ServiceGroup, on a real socket, until
    /// graceful shutdown.
    func testServerRunsAsAServiceOnARealSocket() async throws {
        let (ports, portContinuation) = AsyncStream.makeStream(of: HostPort.self)
        let server = APIServer(listen: HostPort(host: "127.0.0.1", port: 0), commands: routing, users: Self.users,
                               logger: Self.logger, onReady: { portContinuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [server], logger: Self.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A server that cannot start ends the wait for its port.
                defer { portContinuation.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            let first = await iterator.next()
            let bound = try XCTUnwrap(first, "the server did not start")
            XCTAssertEqual(bound.host, "127.0.0.1")
            XCTAssertNotEqual(bound.port, 0)
            try await TestClient.withClient(host: bound.host, port: bound.port) { client in
                let health = try await client.get("/api/v1/health")
                XCTAssertEqual(health.status, .ok)
                XCTAssertEqual(health.body.map { String(buffer: $0) }, #"{"status":"ok"}"#)
                var headers: HTTPFields = [:]
                headers[.authorization] = Self.basic("1002", "secret-1002")
                let agents = try await client.get("/api/v1/agents", headers: headers)
                XCTAssertEqual(agents.status, .ok)
                XCTAssertEqual(try JSONDecoder().decode([AgentStatus].self, from: Data(buffer: agents.body ?? ByteBuffer())), [Self.wang])
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    // MARK: Configuration

    func testHTTPListenConfiguration() throws {
        XCTAssertEqual(HotlineConfiguration().httpListen, HostPort(host: "127.0.0.1", port: 8080))
        XCTAssertNil(try ConfigurationReader(file: "t.yaml").read(yaml: "http: {listen: off}").httpListen)
        XCTAssertEqual(try ConfigurationReader(file: "t.yaml").read(yaml: "http:\n  listen: \"0.0.0.0:8443\"\n").httpListen,
                       HostPort(host: "0.0.0.0", port: 8443))
        XCTAssertThrowsError(try ConfigurationReader(file: "t.yaml").read(yaml: "http:\n  listen: 127.0.0.1:99999\n")) { error in
            XCTAssertEqual("\(error)", "t.yaml:2:11: http.listen: '127.0.0.1:99999' is not HOST:PORT; write e.g. 127.0.0.1:8080, or off")
        }
        var config = HotlineConfiguration()
        try ConfigurationOverrides(httpListen: "off").apply(to: &config) { "--" + $0 }
        XCTAssertNil(config.httpListen)
        try ConfigurationOverrides(httpListen: "[::1]:8081").apply(to: &config) { "--" + $0 }
        XCTAssertEqual(config.httpListen, HostPort(host: "::1", port: 8081))
        XCTAssertThrowsError(try ConfigurationOverrides(httpListen: "8080").apply(to: &config) { "--" + $0 }) { error in
            XCTAssertEqual("\(error)", "--http-listen: '8080' is not HOST:PORT; write e.g. 127.0.0.1:8080, or off")
        }
    }

    // MARK: Helpers

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static func basic(_ user: String, _ password: String) -> String { "Basic " + base64("\(user):\(password)") }
}

extension TestClientProtocol {
    /// A request signed in as `user` (with their test password unless `password` is given).
    func send(_ method: HTTPRequest.Method, _ uri: String, as user: String?, password: String? = nil, json: String? = nil,
              contentType: String? = "application/json") async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let user { headers[.authorization] = APITests.basic(user, password ?? "secret-\(user)") }
        if json != nil, let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(buffer: body))
    }

    /// The error body, checked to be exactly `{"error": {...}}` with JSON content type.
    func error() throws -> APIError.Body.Detail {
        XCTAssertEqual(headers[.contentType], "application/json; charset=utf-8")
        return try decode(APIError.Body.self).error
    }
}

extension Data {
    init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}

/// Nanoseconds that move only when the test says so.
final class ManualNanosecondClock: @unchecked Sendable {
    private let lock = NSLock()
    private var nanoseconds: Int64 = 0

    var now: Int64 { lock.withLock { nanoseconds } }

    func advance(seconds: Int64) { lock.withLock { nanoseconds += seconds * 1_000_000_000 } }
}

/// Records each command and answers from canned statuses; `refuseNext` makes the next
/// command throw instead.
actor FakeRouting: RoutingCommands {
    enum Call: Hashable {
        case login(AgentID, ready: Bool)
        case logout(AgentID, force: Bool)
        case makeAvailable(AgentID)
        case makeNotReady(AgentID, NotReadyReason)
        case endWrapUp(AgentID, disposition: String?, notes: String?)
        case transfer(AgentID, CallTransfer.Target, note: String?)
        case consult(AgentID, CallTransfer.Target, note: String?)
        case completeTransfer(AgentID)
        case cancelConsultation(AgentID)
        case hold(AgentID, Bool)
        case hangup(AgentID)
        case dial(AgentID, String)
    }

    private(set) var calls: [Call] = []
    private var statuses: [AgentStatus]
    private let queueStatuses: [QueueStatus]
    private var refusal: RoutingCommandError?

    init(statuses: [AgentStatus], queues: [QueueStatus]) {
        self.statuses = statuses
        self.queueStatuses = queues
    }

    func refuseNext(with error: RoutingCommandError) { refusal = error }

    func agents() -> [AgentStatus] { statuses }
    func agent(_ id: AgentID) -> AgentStatus? { statuses.first { $0.id == id } }
    func queues() -> [QueueStatus] { queueStatuses }

    func login(_ id: AgentID, ready: Bool) throws(RoutingCommandError) -> AgentStatus {
        try run(.login(id, ready: ready), id) {
            $0.state = ready ? .available : .notReady
            $0.reason = ready ? nil : "login"
        }
    }

    func logout(_ id: AgentID, force: Bool) throws(RoutingCommandError) -> AgentStatus {
        try run(.logout(id, force: force), id) { $0.state = .loggedOut; $0.reason = nil; $0.interaction = nil }
    }

    func makeAvailable(_ id: AgentID) throws(RoutingCommandError) -> AgentStatus {
        try run(.makeAvailable(id), id) { $0.state = .available; $0.reason = nil }
    }

    func makeNotReady(_ id: AgentID, reason: NotReadyReason) throws(RoutingCommandError) -> AgentStatus {
        try run(.makeNotReady(id, reason), id) { $0.state = .notReady; $0.reason = reason.rawValue }
    }

    func endWrapUp(_ id: AgentID, disposition: String?, notes: String?) throws(RoutingCommandError) -> AgentStatus {
        try run(.endWrapUp(id, disposition: disposition, notes: notes), id) { $0.state = .available; $0.interaction = nil }
    }

    func transfer(_ id: AgentID, to target: CallTransfer.Target, note: String?) throws(RoutingCommandError) {
        _ = try run(.transfer(id, target, note: note), id) { _ in }
    }

    func consult(_ id: AgentID, with target: CallTransfer.Target, note: String?) throws(RoutingCommandError) {
        _ = try run(.consult(id, target, note: note), id) { _ in }
    }

    func completeTransfer(_ id: AgentID) throws(RoutingCommandError) {
        _ = try run(.completeTransfer(id), id) { _ in }
    }

    func cancelConsultation(_ id: AgentID) throws(RoutingCommandError) {
        _ = try run(.cancelConsultation(id), id) { _ in }
    }

    func hold(_ id: AgentID, _ on: Bool) throws(RoutingCommandError) {
        _ = try run(.hold(id, on), id) { _ in }
    }

    func hangup(_ id: AgentID) throws(RoutingCommandError) {
        _ = try run(.hangup(id), id) { _ in }
    }

    func attachCustomer(_ contact: InteractionID, customer: CustomerID) -> Bool { false }

    func dial(_ id: AgentID, number: String, customer: CustomerID?) throws(RoutingCommandError) -> InteractionID {
        _ = try run(.dial(id, number), id) { _ in }
        return InteractionID("i-dial-\(number)")
    }

    private func run(_ call: Call, _ id: AgentID, _ change: (inout AgentStatus) -> Void) throws(RoutingCommandError) -> AgentStatus {
        calls.append(call)
        if let refusal {
            self.refusal = nil
            throw refusal
        }
        guard let i = statuses.firstIndex(where: { $0.id == id }) else { throw .unknownAgent(id) }
        change(&statuses[i])
        return statuses[i]
    }
}
