import ACD
import CTI
import HotlineModel
@testable import HotlineServer
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Storage
import StorageSQLite
import XCTest

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The admin routes against a real store, a real flow registry and settings on disk.
final class AdminRoutesTests: XCTestCase {
    var store: SQLiteStore!
    var directory: String!
    var registry: FlowRegistry!
    var backend: AdminBackend!

    override func setUp() async throws {
        directory = NSTemporaryDirectory() + "admin-routes-\(UUID().uuidString)"
        try FileIO.makeDirectory(directory + "/config-flows")
        try FileIO.makeDirectory(directory + "/flows")
        try FileIO.writeAtomically(directory + "/config-flows/hello.yaml", FlowRegistryTests.flow("Hello"))
        store = try SQLiteStore(.inMemory)
        for (username, roles) in CTIRoutesTests.roles {
            try await store.createUser(User(id: UserID("user-\(username)"), username: username, displayName: "User \(username)", roles: roles,
                                            skills: [Skill(name: "cards", level: 5)]))
        }
        registry = FlowRegistry(paths: [directory + "/config-flows"], lines: ["95500": "hello"], speech: nil, logger: APITests.logger,
                                uploads: directory + "/flows")
        let report = await registry.reload()
        XCTAssertEqual(report.problems, [])
        backend = AdminBackend(dataDirectory: directory, routing: nil, registry: registry, lineNames: ["95500": "Bank / 银行"],
                               settings: AdminSettings())
    }

    override func tearDown() async throws {
        try await store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func withAPI(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let store = self.store!
        let auth = APIAuthentication(basic: BasicAuthenticator(users: APITests.users), secureCookies: true, lookUp: { username in
            guard let roles = CTIRoutesTests.roles[username] else { return nil }
            return APIAuthenticationUser(username: username, displayName: "User \(username)", roles: roles, isActive: true,
                                         passwordHash: CTIRoutesTests.hashes[username])
        }, monotonic: { 0 }, wall: { CTIRoutesTests.start }, logger: APITests.logger)
        let router = APIServer.router(commands: FakeRouting(statuses: [], queues: []), auth: auth,
                                      hub: EventHub(node: "test", logger: APITests.logger),
                                      viewers: { EventViewer(username: $0.username, roles: $0.roles) }, webRoot: nil,
                                      resources: .init(store: store, admin: backend, now: { CTIRoutesTests.start }), logger: APITests.logger)
        try await Application(router: router).test(.router, body)
    }

    static func yaml(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ session: CTIRoutesTests.Session,
              _ text: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(session.token)", .contentType: "application/yaml"],
                                 body: ByteBuffer(string: text))
    }

    func testAdministrationIsForAdminsOnly() async throws {
        try await withAPI { client in
            let boss = try await client.signIn("2001")
            for uri in ["/api/v1/admin/agents", "/api/v1/admin/queues", "/api/v1/admin/lines", "/api/v1/admin/flows"] {
                let response = try await client.get(uri, boss)
                XCTAssertEqual(response.status, .forbidden, uri)
            }
            let response = try await client.send(.put, "/api/v1/admin/agents/1001", boss, json: #"{"name":"X"}"#)
            XCTAssertEqual(response.status, .forbidden)
        }
        let user = try await store.user(username: "1001")
        XCTAssertEqual(user?.displayName, "User 1001")
    }

    func testAnAgentsChangeIsStoredKeptAndAudited() async throws {
        try await withAPI { client in
            let admin = try await client.signIn("9001")
            var response = try await client.send(.put, "/api/v1/admin/agents/1001", admin,
                                                 json: #"{"name":"李娜 (Li Na)","skills":{"cards":7,"loans":3},"language":"en-US"}"#)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.json(), ["id": "1001", "name": "李娜 (Li Na)", "roles": ["agent"], "skills": ["cards": 7, "loans": 3],
                                                 "language": "en-US"])
            for (json, field) in [(#"{"skills":{"cards":11}}"#, "skills"), (#"{"roles":["boss"]}"#, "roles"), (#"{"roles":[]}"#, "roles"),
                                  (#"{"skills":["cards"]}"#, "skills"), (#"{"password":"x"}"#, "password")] {
                response = try await client.send(.put, "/api/v1/admin/agents/1001", admin, json: json)
                XCTAssertTrue([400, 422].contains(response.status.code), json)
                XCTAssertEqual(try response.error().field, field, json)
            }
            response = try await client.send(.put, "/api/v1/admin/agents/9001", admin, json: #"{"roles":["agent"]}"#)
            XCTAssertEqual(try response.error().message, "you cannot take the admin role from yourself; ask another admin")
            response = try await client.send(.put, "/api/v1/admin/agents/4242", admin, json: #"{"name":"X"}"#)
            XCTAssertEqual(response.status, .notFound)
        }
        let user = try await store.user(username: "1001")
        XCTAssertEqual(user?.skills, [Skill(name: "cards", level: 7), Skill(name: "loans", level: 3)])
        // On disk, and laid over the configuration at the next start.
        let settings = try AdminSettings.load(dataDirectory: directory)
        XCTAssertEqual(settings.agents["1001"], .init(name: "李娜 (Li Na)", roles: ["agent"], skills: ["cards": 7, "loans": 3], language: "en-US"))
        var config = HotlineConfiguration()
        config.agents = [.init(username: "1001", password: "p", displayName: "Li", roles: ["agent"], skills: [("cards", 5)], language: "zh-CN")]
        let applied = try settings.applied(to: config)
        XCTAssertEqual(applied.agents[0].displayName, "李娜 (Li Na)")
        XCTAssertEqual(applied.agents[0].skills.map(\.name), ["cards", "loans"])
        XCTAssertEqual(applied.agents[0].skills.map(\.level), [7, 3])
        let audit = try await store.auditEntries(subject: "agents/1001", actor: "9001", limit: 5, before: nil)
        XCTAssertEqual(audit.map(\.action), ["agent.update"])
        try await withAPI { client in
            let admin = try await client.signIn("9001")
            var response = try await client.get("/api/v1/admin/audit?subject=agents/1001", admin)
            XCTAssertEqual(try response.json()["items"]?.arrayValue.map { [$0["actor"], $0["action"], $0["subject"]] },
                           [["9001", "agent.update", "agents/1001"]])
            XCTAssertEqual(try response.json()["next"], .null)
            response = try await client.get("/api/v1/admin/audit?who=me", admin)
            XCTAssertEqual(try response.error().field, "who")
            let boss = try await client.signIn("2001")
            response = try await client.get("/api/v1/admin/audit", boss)
            XCTAssertEqual(response.status, .forbidden)
        }
    }

    func testEveryDemoQueueRoundTripsThroughItsDocument() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/demo.yaml").path
        let config = try ConfigurationReader(file: path).read(yaml: try String(contentsOfFile: path, encoding: .utf8))
        XCTAssertEqual(config.queues.count, 7)
        for queue in config.queues {
            let json = String(decoding: try JSONEncoder().encode(queue.configDocument), as: UTF8.self)
            XCTAssertEqual(try ConfigurationReader(file: "body").readQueue(text: json, id: queue.id), queue, queue.id)
        }
        XCTAssertThrowsError(try ConfigurationReader(file: "body").readQueue(text: #"{"id": "other", "skills": ["a"]}"#, id: "cards")) { error in
            XCTAssertEqual("\(error)", "body:1:8: id: 'other' differs from the queue in the path (cards); leave id out")
        }
        XCTAssertThrowsError(try ConfigurationReader(file: "body").readQueue(text: "names: {zh-CN: 甲}\nring_seconds: 0\nskills: [a]", id: "q")) { error in
            XCTAssertTrue("\(error)".hasPrefix("body:2:15: queues[0].ring_seconds"), "\(error)")
        }
    }

    func testAFlowIsCheckedWithItsLinesAndUploadedOverTheConfiguredOne() async throws {
        let registry = self.registry!
        let directory = self.directory!
        try await withAPI { client in
            let admin = try await client.signIn("9001")
            // Two problems, each with its line and column in the uploaded text.
            let broken = FlowRegistryTests.flow("Hello").replacingOccurrences(of: "next: bye", with: "next: byee")
                .replacingOccurrences(of: "start: greet", with: "start: greet\ncolour: red")
            var response = try await Self.yaml(client, .post, "/api/v1/admin/flows/validate", admin, broken)
            XCTAssertEqual(response.status, .unprocessableContent)
            let body = try response.json()
            XCTAssertEqual(body["error"]?["code"], "invalid-flow")
            let problems = body["problems"]?.arrayValue ?? []
            XCTAssertEqual(problems.map { [$0["file"], $0["line"], $0["inThisFile"]] }, [["hello.yaml", 4, true], ["hello.yaml", 10, true]])
            response = try await Self.yaml(client, .post, "/api/v1/admin/flows/validate", admin, FlowRegistryTests.flow("Hello"))
            XCTAssertEqual(response.status, .ok)
            // JSON is not a flow upload; the name must match the path.
            response = try await client.send(.put, "/api/v1/admin/flows/hello", admin, json: #"{"flow":"hello"}"#)
            XCTAssertEqual(response.status, .unsupportedMediaType)
            response = try await Self.yaml(client, .put, "/api/v1/admin/flows/other", admin, FlowRegistryTests.flow("Hello"))
            XCTAssertEqual(try response.error().field, "flow")
            response = try await Self.yaml(client, .put, "/api/v1/admin/flows/hello", admin, broken)
            XCTAssertEqual(response.status, .unprocessableContent)
            XCTAssertEqual(registry.catalog?.version, 1)
            response = try await Self.yaml(client, .put, "/api/v1/admin/flows/hello", admin, FlowRegistryTests.flow("Welcome"))
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.json()["version"], 2)
            XCTAssertEqual(try response.json()["lines"], ["95500"])
            // A line runs only a loaded flow; an unknown number is not made here.
            response = try await client.send(.put, "/api/v1/admin/lines/95500", admin, json: #"{"flow":"nope"}"#)
            XCTAssertEqual(try response.error().code, "unknown-flow")
            response = try await client.send(.put, "/api/v1/admin/lines/95501", admin, json: #"{"flow":"hello"}"#)
            XCTAssertEqual(response.status, .notFound)
            response = try await client.send(.put, "/api/v1/admin/lines/95500", admin, json: #"{"flow":"hello","name":"Bank"}"#)
            XCTAssertEqual(try response.json(), ["number": "95500", "name": "Bank", "flow": "hello"])
        }
        XCTAssertEqual(try FileIO.read(directory + "/flows/hello.yaml"), FlowRegistryTests.flow("Welcome"))
        XCTAssertEqual(registry.catalog?.flows["hello"]?.file, directory + "/flows/hello.yaml")
        XCTAssertEqual(try AdminSettings.load(dataDirectory: directory).lines["95500"], .init(name: "Bank", flow: "hello"))
        let audit = try await store.auditEntries(subject: nil, actor: "9001", limit: 10, before: nil)
        XCTAssertEqual(audit.map(\.action), ["line.update", "flow.upload"])
    }
}
