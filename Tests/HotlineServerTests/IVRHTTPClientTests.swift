import Foundation
import IVR
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import XCTest
@testable import HotlineServer

/// The client against a real HTTP/1.1 server on 127.0.0.1 that each test starts.
final class IVRHTTPClientTests: XCTestCase {
    private var server: TestHTTPServer!
    private var client: IVRHTTPClient!
    private var logs: CapturedLogs!

    override func setUp() async throws {
        logs = CapturedLogs()
        let logs = logs!
        client = IVRHTTPClient(logger: Logger(label: "test.ivr-http", factory: { _ in CapturingLogHandler(logs: logs) }))
    }

    override func tearDown() async throws {
        try await client.shutdown()
        try await server?.stop()
        server = nil
    }

    private func startServer(_ route: @escaping @Sendable (ReceivedHTTPRequest) -> TestReply) async throws -> Int {
        server = try await TestHTTPServer.start(route: route)
        return server.port
    }

    /// Runs `operation` and measures it; a regression that never returns fails after 5 s
    /// (the cancelled request then ends) instead of hanging the suite.
    private func timed(_ operation: @escaping @Sendable () async -> HTTPOutcome) async -> (HTTPOutcome, milliseconds: Int) {
        let started = ContinuousClock.now
        let outcome = await withTaskGroup(of: HTTPOutcome?.self) { group in
            group.addTask { await operation() }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first ?? .failed("test guard: no outcome within 5 s")
        }
        let elapsed = ContinuousClock.now - started
        return (outcome, Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
    }

    // MARK: answers

    func testAPostSendsExactlyTheRequestAndParsesTheJSONAnswer() async throws {
        let port = try await startServer { _ in
            .respond(status: 200, headers: [("Content-Type", "application/json")],
                     body: #"{"tier":"gold","active":true,"open_tickets":2,"name":"王小明","tags":["a"],"manager":null}"#)
        }
        let body = #"{"channel":"voice","number":"+4722334455"}"#
        let outcome = await client.send(method: "POST", url: "http://127.0.0.1:\(port)/api/customers/%2B4722334455/contacts?lang=zh-CN&x=a%20b",
                                        jsonBody: body, timeoutMilliseconds: 2000)

        XCTAssertEqual(outcome, .response(status: 200, body: .record([
            "tier": .string("gold"), "active": .bool(true), "open_tickets": .number(2), "name": .string("王小明"),
            "tags": .list([.string("a")]), "manager": .null,
        ])))
        XCTAssertEqual(server.received, [ReceivedHTTPRequest(
            method: "POST",
            uri: "/api/customers/%2B4722334455/contacts?lang=zh-CN&x=a%20b",
            headers: [
                "User-Agent: Hotline-IVR",
                "Accept: application/json",
                "Content-Type: application/json",
                "host: 127.0.0.1:\(port)",
                "Content-Length: \(body.utf8.count)",
            ],
            body: body)])
    }

    func testAGetHasNoBodyAndNoContentType() async throws {
        let port = try await startServer { _ in .respond(status: 200, headers: [], body: "[1,2,3]") }
        let outcome = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/balance", jsonBody: nil, timeoutMilliseconds: 2000)

        XCTAssertEqual(outcome, .response(status: 200, body: .list([.number(1), .number(2), .number(3)])))
        XCTAssertEqual(server.received, [ReceivedHTTPRequest(
            method: "GET", uri: "/balance",
            headers: ["User-Agent: Hotline-IVR", "Accept: application/json", "host: 127.0.0.1:\(port)"],
            body: "")])
    }

    func testEveryMethodIsSentAsItself() async throws {
        let port = try await startServer { _ in .respond(status: 204, headers: [], body: "") }
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let outcome = await client.send(method: method, url: "http://127.0.0.1:\(port)/m", jsonBody: method == "GET" ? nil : "{}",
                                            timeoutMilliseconds: 2000)
            XCTAssertEqual(outcome, .response(status: 204, body: nil), method)
        }
        XCTAssertEqual(server.received.map(\.method), ["GET", "POST", "PUT", "PATCH", "DELETE"])
        XCTAssertEqual(server.received.map(\.body), ["", "{}", "{}", "{}", "{}"])
    }

    func testErrorStatusesAreResponsesWithTheirBody() async throws {
        let port = try await startServer { request in
            switch request.uri {
            case "/missing": .respond(status: 404, headers: [("Content-Type", "application/json")], body: #"{"error":"no such customer"}"#)
            default: .respond(status: 500, headers: [("Content-Type", "text/plain")], body: "Internal Server Error")
            }
        }
        let missing = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/missing", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(missing, .response(status: 404, body: .record(["error": .string("no such customer")])))
        let broken = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/broken", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(broken, .response(status: 500, body: nil))
    }

    func testABodyThatIsNotJSONIsAResponseWithoutBody() async throws {
        let port = try await startServer { _ in
            .respond(status: 200, headers: [("Content-Type", "text/html")], body: "<html><body>Maintenance</body></html>")
        }
        let outcome = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(outcome, .response(status: 200, body: nil))
    }

    func testJSONTrueStaysABool() async throws {
        let port = try await startServer { _ in .respond(status: 200, headers: [], body: #"{"a":true,"b":1,"c":false,"d":0}"#) }
        let outcome = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(outcome, .response(status: 200, body: .record(["a": .bool(true), "b": .number(1), "c": .bool(false), "d": .number(0)])))
    }

    // MARK: size

    func testABodyOfExactly1MiBIsRead() async throws {
        // A JSON string filling exactly 1 MiB with its quotes.
        let text = "\"" + String(repeating: "x", count: IVRHTTPClient.maximumResponseBytes - 2) + "\""
        let port = try await startServer { _ in .respond(status: 200, headers: [], body: text) }
        let outcome = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/", jsonBody: nil, timeoutMilliseconds: 5000)
        XCTAssertEqual(outcome, .response(status: 200, body: .string(String(repeating: "x", count: IVRHTTPClient.maximumResponseBytes - 2))))
    }

    func testAContentLengthOver1MiBFails() async throws {
        let body = String(repeating: " ", count: IVRHTTPClient.maximumResponseBytes) + "1"
        let port = try await startServer { _ in .respond(status: 200, headers: [], body: body) }
        let outcome = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/", jsonBody: nil, timeoutMilliseconds: 5000)
        XCTAssertEqual(outcome, .failed("response larger than 1 MiB"))
    }

    func testAnEndlessChunkedBodyFailsAndTheClientStopsReading() async throws {
        let port = try await startServer { _ in .endlessChunks(status: 200) }
        let (outcome, milliseconds) = await timed { [client] in
            await client!.send(method: "GET", url: "http://127.0.0.1:\(port)/", jsonBody: nil, timeoutMilliseconds: 3000)
        }
        XCTAssertEqual(outcome, .failed("response larger than 1 MiB"))
        XCTAssertLessThan(milliseconds, 3000, "failed on size, not on the deadline")
        // The client closed the connection instead of draining an endless body.
        let closed = await server.waitForClosedConnections(1, withinMilliseconds: 2000)
        XCTAssertTrue(closed)
        XCTAssertLessThan(server.bytesStreamed, 16 * IVRHTTPClient.maximumResponseBytes)
    }

    // MARK: time

    func testAServerThatNeverAnswersTimesOutOnTime() async throws {
        let port = try await startServer { _ in .silence }
        let (outcome, milliseconds) = await timed { [client] in
            await client!.send(method: "POST", url: "http://127.0.0.1:\(port)/slow", jsonBody: "{}", timeoutMilliseconds: 300)
        }
        XCTAssertEqual(outcome, .timedOut)
        XCTAssertGreaterThanOrEqual(milliseconds, 300)
        XCTAssertLessThan(milliseconds, 300 + 250)
        XCTAssertEqual(server.received.map(\.uri), ["/slow"])
    }

    func testTheDeadlineCoversTheBodyNotOnlyTheHead() async throws {
        // Head and 10 of 1000 bytes at once, then nothing: only a whole-exchange deadline ends this.
        let port = try await startServer { _ in .headThenSilence(status: 200, contentLength: 1000, firstBytes: "[1,2,3,4,5") }
        let (outcome, milliseconds) = await timed { [client] in
            await client!.send(method: "GET", url: "http://127.0.0.1:\(port)/trickle", jsonBody: nil, timeoutMilliseconds: 300)
        }
        XCTAssertEqual(outcome, .timedOut)
        XCTAssertGreaterThanOrEqual(milliseconds, 300)
        XCTAssertLessThan(milliseconds, 300 + 250)
    }

    func testCancellingTheCallerEndsTheRequestAtOnceWithoutAWarning() async throws {
        let port = try await startServer { _ in .silence }
        let client = client!
        let started = ContinuousClock.now
        let request = Task {
            await client.send(method: "GET", url: "http://127.0.0.1:\(port)/slow", jsonBody: nil, timeoutMilliseconds: 5000)
        }
        let arrived = await server.waitForRequests(1, withinMilliseconds: 2000)
        XCTAssertTrue(arrived)
        request.cancel()
        let outcome = await request.value
        XCTAssertEqual(outcome, .failed("cancelled"))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2), "not held until the 5 s deadline")
        let closed = await server.waitForClosedConnections(1, withinMilliseconds: 2000)
        XCTAssertTrue(closed, "the connection is closed, not left waiting for the answer")
        XCTAssertEqual(logs.records.filter { $0.message.hasPrefix("IVR HTTP") }.map(\.level), [.debug])
    }

    // MARK: failures

    func testAClosedPortIsConnectionRefused() async throws {
        let port = try await TestHTTPServer.closedPort()
        let (outcome, milliseconds) = await timed { [client] in
            await client!.send(method: "GET", url: "http://127.0.0.1:\(port)/", jsonBody: nil, timeoutMilliseconds: 2000)
        }
        XCTAssertEqual(outcome, .failed("connection refused"))
        XCTAssertLessThan(milliseconds, 1000, "refused at once, not retried until the deadline")
    }

    func testTLSToAPlainHTTPServerFails() async throws {
        let port = try await startServer { _ in .respond(status: 200, headers: [], body: "{}") }
        let outcome = await client.send(method: "GET", url: "https://127.0.0.1:\(port)/", jsonBody: nil, timeoutMilliseconds: 2000)
        // The server answers the ClientHello with "HTTP/1.1 400 Bad Request".
        XCTAssertEqual(outcome, .failed("TLS failure: WRONG_VERSION_NUMBER"))
    }

    func testUnsupportedURLsAndMethodsFailWithoutARequest() async throws {
        let port = try await startServer { _ in .respond(status: 200, headers: [], body: "{}") }
        let cases: [(String, String, HTTPOutcome)] = [
            ("GET", "ftp://127.0.0.1:\(port)/x", .failed("unsupported URL scheme 'ftp': use http:// or https://")),
            ("GET", "FILE:///etc/passwd", .failed("unsupported URL scheme 'file': use http:// or https://")),
            ("GET", "unix:///var/run/docker.sock", .failed("unsupported URL scheme 'unix': use http:// or https://")),
            ("GET", "http+unix://%2Fvar%2Frun%2Fdocker.sock/x", .failed("unsupported URL scheme 'http+unix': use http:// or https://")),
            ("GET", "127.0.0.1:\(port)/x", .failed("unsupported URL: it must start with http:// or https://")),
            ("GET", "/relative/path", .failed("unsupported URL: it must start with http:// or https://")),
            ("GET", "", .failed("unsupported URL: it must start with http:// or https://")),
            ("GET", "http:/x", .failed("unsupported URL: no host after http://")),
            ("GET", "https://", .failed("unsupported URL: no host after https://")),
            ("TRACE", "http://127.0.0.1:\(port)/x", .failed("unsupported HTTP method 'TRACE': use GET, POST, PUT, PATCH or DELETE")),
            ("get", "http://127.0.0.1:\(port)/x", .failed("unsupported HTTP method 'get': use GET, POST, PUT, PATCH or DELETE")),
        ]
        for (method, url, expected) in cases {
            let outcome = await client.send(method: method, url: url, jsonBody: nil, timeoutMilliseconds: 1000)
            XCTAssertEqual(outcome, expected, url)
        }
        XCTAssertEqual(server.received, [])
    }

    func testASchemeIsCaseInsensitive() async throws {
        let port = try await startServer { _ in .respond(status: 200, headers: [], body: "7") }
        let outcome = await client.send(method: "GET", url: "HTTP://127.0.0.1:\(port)/x", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(outcome, .response(status: 200, body: .number(7)))
    }

    // MARK: redirects

    func testARedirectIsFollowed() async throws {
        let port = try await startServer { request in
            switch request.uri {
            case "/old?id=1": .respond(status: 302, headers: [("Location", "/new?id=1")], body: "")
            default: .respond(status: 200, headers: [], body: #"{"moved":true}"#)
            }
        }
        let outcome = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/old?id=1", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(outcome, .response(status: 200, body: .record(["moved": .bool(true)])))
        XCTAssertEqual(server.received.map { "\($0.method) \($0.uri)" }, ["GET /old?id=1", "GET /new?id=1"])
    }

    func testA307KeepsTheMethodAndBody() async throws {
        let port = try await startServer { request in
            request.uri == "/a" ? .respond(status: 307, headers: [("Location", "/b")], body: "") : .respond(status: 201, headers: [], body: #"{"ok":1}"#)
        }
        let outcome = await client.send(method: "PUT", url: "http://127.0.0.1:\(port)/a", jsonBody: #"{"n":1}"#, timeoutMilliseconds: 2000)
        XCTAssertEqual(outcome, .response(status: 201, body: .record(["ok": .number(1)])))
        XCTAssertEqual(server.received.map { "\($0.method) \($0.uri) \($0.body)" }, [#"PUT /a {"n":1}"#, #"PUT /b {"n":1}"#])
    }

    func testThreeRedirectsAreFollowedAndAFourthFails() async throws {
        // /hop/N redirects to /hop/N+1 until /hop/<limit>, which answers.
        @Sendable func route(limit: Int) -> @Sendable (ReceivedHTTPRequest) -> TestReply {
            { request in
                let n = Int(request.uri.split(separator: "/").last!)!
                return n < limit ? .respond(status: 301, headers: [("Location", "/hop/\(n + 1)")], body: "") : .respond(status: 200, headers: [], body: "\(n)")
            }
        }
        let port = try await startServer(route(limit: 3))
        let three = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/hop/0", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(three, .response(status: 200, body: .number(3)))
        XCTAssertEqual(server.received.map(\.uri), ["/hop/0", "/hop/1", "/hop/2", "/hop/3"])
        try await server.stop()

        let port4 = try await startServer(route(limit: 4))
        let four = await client.send(method: "GET", url: "http://127.0.0.1:\(port4)/hop/0", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(four, .failed("more than 3 redirects"))
        XCTAssertEqual(server.received.map(\.uri), ["/hop/0", "/hop/1", "/hop/2", "/hop/3"])
    }

    func testARedirectLoopFails() async throws {
        let port = try await startServer { _ in .respond(status: 302, headers: [("Location", "/same")], body: "") }
        let outcome = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/same", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(outcome, .failed("redirect loop"))
    }

    func testARedirectToAnotherSchemeIsNotFollowed() async throws {
        let port = try await startServer { _ in .respond(status: 302, headers: [("Location", "file:///etc/passwd")], body: "") }
        let outcome = await client.send(method: "GET", url: "http://127.0.0.1:\(port)/x", jsonBody: nil, timeoutMilliseconds: 2000)
        XCTAssertEqual(outcome, .response(status: 302, body: nil))
        XCTAssertEqual(server.received.count, 1)
    }

    // MARK: log

    func testTheLogHasMethodHostStatusAndTimeButNoPathQueryOrBody() async throws {
        let port = try await startServer { _ in .respond(status: 200, headers: [], body: #"{"pin":"774411"}"#) }
        _ = await client.send(method: "POST", url: "http://user:secret@127.0.0.1:\(port)/customers/4722334455?ssn=010190", jsonBody: #"{"pin":"582913"}"#,
                              timeoutMilliseconds: 2000)
        let closedPort = try await TestHTTPServer.closedPort()
        _ = await client.send(method: "GET", url: "http://127.0.0.1:\(closedPort)/customers/4722334455", jsonBody: nil, timeoutMilliseconds: 2000)

        let records = logs.records.filter { $0.message.hasPrefix("IVR HTTP") }
        XCTAssertEqual(records.map(\.level), [.info, .warning])
        XCTAssertEqual(records.map(\.message), [
            "IVR HTTP request answered",
            "IVR HTTP request failed: connection refused. Check the flow's url and that the server is reachable from Hotline",
        ])
        XCTAssertEqual(records[0].metadata["http.method"], "POST")
        XCTAssertEqual(records[0].metadata["http.host"], "127.0.0.1:\(port)")
        XCTAssertEqual(records[0].metadata["http.status"], "200")
        XCTAssertEqual(records[0].metadata["http.json"], "true")
        XCTAssertNotNil(records[0].metadata["http.ms"].flatMap { Int($0) })
        XCTAssertEqual(records[1].metadata["http.host"], "127.0.0.1:\(closedPort)")
        XCTAssertEqual(records[1].metadata["http.error"], "connection refused")
        let everything = logs.records.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        for secret in ["4722334455", "010190", "582913", "774411", "secret", "customers", "pin"] {
            XCTAssertFalse(everything.contains(secret), secret)
        }
    }
}

// MARK: - Test server

/// A request as the test server received it.
struct ReceivedHTTPRequest: Sendable, Equatable {
    var method: String
    /// Path and query, as sent.
    var uri: String
    /// `Name: value`, in the order sent.
    var headers: [String]
    var body: String
}

enum TestReply: Sendable {
    /// Head with `Content-Length` added, then the body.
    case respond(status: Int, headers: [(String, String)], body: String)
    /// A chunked body that never ends: 64 KiB chunks while the client reads.
    case endlessChunks(status: Int)
    /// Head (announcing `contentLength`) and `firstBytes`, then nothing.
    case headThenSilence(status: Int, contentLength: Int, firstBytes: String)
    /// Reads the request, never answers.
    case silence
}

final class TestHTTPServer: Sendable {
    private let channel: any Channel
    private let state: TestHTTPServerState
    let port: Int

    private init(channel: any Channel, state: TestHTTPServerState) {
        self.channel = channel
        self.state = state
        self.port = channel.localAddress!.port!
    }

    static func start(route: @escaping @Sendable (ReceivedHTTPRequest) -> TestReply) async throws -> TestHTTPServer {
        let state = TestHTTPServerState()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(TestHTTPHandler(route: route, state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestHTTPServer(channel: channel, state: state)
    }

    /// A port nothing listens on: bound, then closed.
    static func closedPort() async throws -> Int {
        let server = try await start { _ in .silence }
        let port = server.port
        try await server.stop()
        return port
    }

    var received: [ReceivedHTTPRequest] { state.withLock { $0.received } }
    var bytesStreamed: Int { state.withLock { $0.bytesStreamed } }

    func waitForClosedConnections(_ count: Int, withinMilliseconds limit: Int) async -> Bool {
        await poll(withinMilliseconds: limit) { $0.closedConnections >= count }
    }

    func waitForRequests(_ count: Int, withinMilliseconds limit: Int) async -> Bool {
        await poll(withinMilliseconds: limit) { $0.received.count >= count }
    }

    /// What the server saw happens on its event loop; the test looks every 5 ms.
    private func poll(withinMilliseconds limit: Int, until condition: (TestHTTPServerState.Values) -> Bool) async -> Bool {
        let end = ContinuousClock.now + .milliseconds(limit)
        while ContinuousClock.now < end {
            if state.withLock({ condition($0) }) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    func stop() async throws {
        try await channel.close()
    }
}

final class TestHTTPServerState: @unchecked Sendable {
    struct Values {
        var received: [ReceivedHTTPRequest] = []
        var closedConnections = 0
        var bytesStreamed = 0
    }

    private let lock = NSLock()
    private var values = Values()

    func withLock<T>(_ body: (inout Values) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&values)
    }
}

final class TestHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: @Sendable (ReceivedHTTPRequest) -> TestReply
    private let state: TestHTTPServerState
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var streaming = false
    private var pumping = false

    init(route: @escaping @Sendable (ReceivedHTTPRequest) -> TestReply, state: TestHTTPServerState) {
        self.route = route
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            let request = ReceivedHTTPRequest(method: head.method.rawValue, uri: head.uri,
                                          headers: head.headers.map { "\($0.name): \($0.value)" },
                                          body: String(buffer: body))
            state.withLock { $0.received.append(request) }
            reply(route(request), context: context)
        }
    }

    private func reply(_ reply: TestReply, context: ChannelHandlerContext) {
        switch reply {
        case .respond(let status, let headers, let body):
            var fields = HTTPHeaders(headers)
            fields.add(name: "Content-Length", value: "\(body.utf8.count)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: fields))), promise: nil)
            if !body.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .endlessChunks(let status):
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status)))), promise: nil)
            streaming = true
            pump(context: context)
        case .headThenSilence(let status, let contentLength, let firstBytes):
            let fields = HTTPHeaders([("Content-Length", "\(contentLength)")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: fields))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: firstBytes)))), promise: nil)
        case .silence:
            break
        }
    }

    /// Writes chunks while the socket takes them; resumes when it drains. Not re-entered:
    /// a flush can report writability synchronously, and a chunk written from inside the
    /// encoder's write of the previous one would break the chunked framing.
    private func pump(context: ChannelHandlerContext) {
        guard !pumping else { return }
        pumping = true
        defer { pumping = false }
        let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 * 1024)
        repeat {
            while streaming, context.channel.isActive, context.channel.isWritable {
                context.write(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
                state.withLock { $0.bytesStreamed += chunk.readableBytes }
            }
            context.flush()
        } while streaming && context.channel.isActive && context.channel.isWritable
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if streaming { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        streaming = false
        state.withLock { $0.closedConnections += 1 }
        context.fireChannelInactive()
    }
}

// MARK: - Captured logs

final class CapturedLogs: @unchecked Sendable {
    struct Record {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lock = NSLock()
    private var stored: [Record] = []

    func append(_ record: Record) {
        lock.lock()
        defer { lock.unlock() }
        stored.append(record)
    }

    var records: [Record] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        logs.append(.init(level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" }))
    }
}
