import Logging
import NIOCore
import NIOEmbedded
import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest
@testable import SIPNetwork

/// The channel handlers and the endpoint on `EmbeddedChannel`: real parsing, real
/// transaction layer and UA core, no sockets.
final class EndpointHandlerTests: XCTestCase {
    func makeEndpoint(loop: EmbeddedEventLoop, flood: FloodGuard.Policy = .init()) throws -> (SIPEndpoint, SIPTransport) {
        let verifier = try DigestVerifier(configuration: .init(realm: "hotline.local", nonceSecret: Array(repeating: 7, count: 32)),
                                          nonceSeed: 1)
        let registrar = Registrar(settings: .init(realm: "hotline.local"), credentials: [:], verifier: verifier)
        let core = UserAgentCore(configuration: UserAgentConfiguration(lines: ["10000": LineBehavior(name: "t")]),
                                 registrar: registrar, seed: 42)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let endpoint = SIPEndpoint(eventLoop: loop, core: core, floodPolicy: flood, logger: logger, seed: 9)
        let transport = SIPTransport(eventLoop: loop, maxConnections: 4, logger: logger)
        transport.endpoint = endpoint
        endpoint.transport = transport
        return (endpoint, transport)
    }

    func options(branch: String = "z9hG4bKopt1", callID: String = "c1", port: Int = 5070) -> [UInt8] {
        Array(("OPTIONS sip:10000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(port);branch=\(branch);rport\r\n"
            + "From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:10000@127.0.0.1>\r\nCall-ID: \(callID)\r\nCSeq: 1 OPTIONS\r\n"
            + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").utf8)
    }

    func datagramChannel() throws -> (EmbeddedChannel, SIPEndpoint) {
        let channel = EmbeddedChannel()
        let (endpoint, transport) = try makeEndpoint(loop: channel.embeddedEventLoop)
        transport.udp = channel
        try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(endpoint: endpoint))
        return (channel, endpoint)
    }

    func send(_ bytes: [UInt8], on channel: EmbeddedChannel, from host: String = "127.0.0.1", port: Int = 5070) throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try channel.writeInbound(AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: host, port: port), data: buffer))
    }

    func readResponse(_ channel: EmbeddedChannel) throws -> (SIPResponse, SocketAddress)? {
        guard let envelope = try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) else { return nil }
        guard case .response(let r) = try SIPParser().parse(Array(envelope.data.readableBytesView)) else {
            XCTFail("expected a response")
            return nil
        }
        return (r, envelope.remoteAddress)
    }

    func testOptionsOverUDPIsAnsweredToTheSourceWithRport() throws {
        let (channel, endpoint) = try datagramChannel()
        try send(options(), on: channel, port: 40000)
        let (response, address) = try XCTUnwrap(readResponse(channel))
        XCTAssertEqual(response.statusCode, 200)
        XCTAssertEqual(address.port, 40000, "RFC 3581: answered to the source port")
        let via = try response.topVia()
        XCTAssertEqual(via.rport, 40000)
        XCTAssertEqual(via.received, "127.0.0.1")
        XCTAssertEqual(endpoint.statistics.requestsIn, 1)
        XCTAssertEqual(endpoint.statistics.messagesOut, 1)
        _ = try channel.finish()
    }

    func testRetransmissionIsAbsorbedAndAnsweredAgain() throws {
        let (channel, endpoint) = try datagramChannel()
        try send(options(), on: channel)
        try send(options(), on: channel)
        XCTAssertEqual(try readResponse(channel)?.0.statusCode, 200)
        XCTAssertEqual(try readResponse(channel)?.0.statusCode, 200, "the transaction resends its response")
        XCTAssertEqual(endpoint.statistics.requestsIn, 2)
        _ = try channel.finish()
    }

    func testGarbageIsDroppedAndCounted() throws {
        let (channel, endpoint) = try datagramChannel()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            try send((0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, on: channel)
        }
        XCTAssertNil(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        XCTAssertEqual(endpoint.statistics.droppedTotal, 200)
        // Still serving.
        try send(options(), on: channel)
        XCTAssertEqual(try readResponse(channel)?.0.statusCode, 200)
        _ = try channel.finish()
    }

    func testMalformedAnswerableRequestGetsStateless400NamingTheProblem() throws {
        let (channel, _) = try datagramChannel()
        let bad = Array(("OPTIONS sip:10000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKb1\r\n"
            + "From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:10000@127.0.0.1>\r\nCall-ID: c2\r\nCSeq: 1 OPTIONS\r\n"
            + "Content-Length: -5\r\n\r\n").utf8)
        try send(bad, on: channel)
        let (response, _) = try XCTUnwrap(readResponse(channel))
        XCTAssertEqual(response.statusCode, 400)
        XCTAssertTrue(response.reason.contains("Content-Length"), response.reason)
        _ = try channel.finish()
    }

    func testFloodFromOneSourceIsLimitedWithoutStarvingOthers() throws {
        let channel = EmbeddedChannel()
        let (endpoint, transport) = try makeEndpoint(loop: channel.embeddedEventLoop, flood: .init(messagesPerSecond: 1, burst: 5))
        transport.udp = channel
        try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(endpoint: endpoint))
        for i in 0..<50 { try send(options(branch: "z9hG4bKf\(i)", callID: "f\(i)"), on: channel, from: "127.0.0.2") }
        var answered = 0
        while try readResponse(channel) != nil { answered += 1 }
        XCTAssertEqual(answered, 5, "only the burst gets through")
        XCTAssertEqual(endpoint.statistics.dropped["rate_limited"], 45)
        try send(options(branch: "z9hG4bKok", callID: "ok"), on: channel, from: "127.0.0.3")
        XCTAssertEqual(try readResponse(channel)?.0.statusCode, 200, "another source is still served")
        _ = try channel.finish()
    }

    // MARK: TCP

    func streamChannel() throws -> (EmbeddedChannel, SIPEndpoint) {
        let channel = EmbeddedChannel()
        let (endpoint, transport) = try makeEndpoint(loop: channel.embeddedEventLoop)
        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(endpoint: endpoint, transport: transport))
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 41000)).wait()
        return (channel, endpoint)
    }

    func testStreamDripFedByteByByte() throws {
        let (channel, _) = try streamChannel()
        let message = options() + options(branch: "z9hG4bKopt2", callID: "c9")
        for b in message {
            var buffer = channel.allocator.buffer(capacity: 1)
            buffer.writeInteger(b)
            try channel.writeInbound(buffer)
        }
        var responses: [SIPResponse] = []
        var framer = SIPStreamFramer()
        while let out = try channel.readOutbound(as: ByteBuffer.self) { framer.append(out.readableBytesView) }
        while let bytes = try framer.next() {
            if case .response(let r) = try SIPParser().parse(bytes, framing: .stream) { responses.append(r) }
        }
        XCTAssertEqual(responses.map(\.statusCode), [200, 200])
        XCTAssertEqual(try responses.map { try $0.callID() }, ["c1", "c9"])
        _ = try? channel.finish()
    }

    func testEndlessGarbageStreamIsCutOffAtTheSizeLimit() throws {
        let (channel, endpoint) = try streamChannel()
        let chunk = [UInt8](repeating: 0x41, count: 4096)
        var sent = 0
        while channel.isActive && sent < 1_000_000 {
            var buffer = channel.allocator.buffer(capacity: chunk.count)
            buffer.writeBytes(chunk)
            try channel.writeInbound(buffer)
            sent += chunk.count
        }
        XCTAssertFalse(channel.isActive, "the connection is closed")
        XCTAssertLessThanOrEqual(sent, 65_535 + chunk.count, "closed once the limit was passed, not later")
        XCTAssertEqual(endpoint.statistics.dropped["stream_error"], 1)
    }

    func testNegativeContentLengthOnAStreamClosesTheConnection() throws {
        let (channel, _) = try streamChannel()
        var buffer = channel.allocator.buffer(capacity: 100)
        buffer.writeString("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n")
        try channel.writeInbound(buffer)
        XCTAssertFalse(channel.isActive)
    }
}
