import CTI
import Crypto
import HotlineModel
@testable import HotlineServer
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import XCTest

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

final class WebhookTests: XCTestCase {
    func testSignatureIsHMACSHA256OfTimeAndBody() {
        // Independently: HMAC-SHA256(key "0123456789abcdef", "1700000000.{}").
        let expected = HMAC<SHA256>.authenticationCode(for: Array("1700000000.{}".utf8), using: SymmetricKey(data: Array("0123456789abcdef".utf8)))
            .map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(WebhookSignature.sign(body: "{}", secret: "0123456789abcdef", timestamp: 1_700_000_000), "t=1700000000,v1=\(expected)")
        XCTAssertNotEqual(WebhookSignature.sign(body: "{} ", secret: "0123456789abcdef", timestamp: 1_700_000_000),
                          WebhookSignature.sign(body: "{}", secret: "0123456789abcdef", timestamp: 1_700_000_000))
    }

    func testRetriesBackOffToAMinuteAndOnlyForPassingTrouble() {
        XCTAssertEqual((1...9).map(WebhookRetry.delayMilliseconds(afterAttempt:)), [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000])
        XCTAssertEqual([500, 502, 503, 408, 429, 400, 401, 404, 410, 422].map(WebhookRetry.shouldRetry(status:)),
                       [true, true, true, true, true, false, false, false, false, false])
    }

    func testConfigurationRefusesBadWebhooks() {
        let reader = ConfigurationReader(file: "hotline.yaml")
        let cases: [(String, String)] = [
            ("webhooks:\n  - {url: ftp://x, secret: 0123456789abcdef}", "hotline.yaml:2:11: webhooks[0].url: 'ftp://x' is not an http:// or https:// URL"),
            ("webhooks:\n  - {url: http://127.0.0.1:1/h, secret: short}", "hotline.yaml:2:41: webhooks[0].secret: is shorter than 16 characters"),
            ("webhooks:\n  - {url: http://127.0.0.1:1/h, secret: 0123456789abcdef, types: [agent.stat]}",
             "hotline.yaml:2:66: webhooks[0].types: 'agent.stat' is not an event type"),
            ("webhooks:\n  - {url: http://127.0.0.1:1/h}", "hotline.yaml:2:5: webhooks[0]: has no secret"),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try reader.read(yaml: yaml), yaml) { error in XCTAssertTrue("\(error)".hasPrefix(message), "\(error)") }
        }
        let config = try? reader.read(yaml: "webhooks:\n  - {url: https://crm.example/h, secret: 0123456789abcdef, types: [interaction.ended], max_attempts: 3}")
        XCTAssertEqual(config?.webhooks, [WebhookConfiguration(url: "https://crm.example/h", secret: "0123456789abcdef",
                                                               types: ["interaction.ended"], maximumAttempts: 3)])
    }

    /// A real receiver on a socket: refuses the first try with 503, takes the second; the
    /// events arrive in order, signed, each once, and a filtered type never.
    func testEventsArriveSignedInOrderAfterARetry() async throws {
        struct Received: Sendable {
            var body: String
            var signature: String
            var id: String
            var attempt: String
        }
        let received = NIOLockedValueBox<[Received]>([])
        let tries = NIOLockedValueBox(0)
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let first = tries.withLockedValue { $0 += 1; return $0 == 1 }
            if first { return .serviceUnavailable }
            received.withLockedValue {
                $0.append(Received(body: body, signature: request.headers[HTTPFields.Element.Name("X-Hotline-Signature")!] ?? "",
                                   id: request.headers[HTTPFields.Element.Name("X-Hotline-Event-Id")!] ?? "",
                                   attempt: request.headers[HTTPFields.Element.Name("X-Hotline-Delivery-Attempt")!] ?? ""))
            }
            return .noContent
        }
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await receiver.test(.live) { client in
            let port = client.port!
            let hub = EventHub(node: "test", logger: APITests.logger)
            let dispatcher = WebhookDispatcher(hub: hub, webhooks: [WebhookConfiguration(
                url: "http://127.0.0.1:\(port)/hook", secret: "0123456789abcdef", types: [EventType.agentState], maximumAttempts: 3)],
                logger: APITests.logger, now: { Timestamp(millisecondsSinceEpoch: 1_700_000_000_000) })
            let feeding = Task { await dispatcher.feed(dispatcher.webhooks[0]) }
            // Wait until it has subscribed, then publish.
            for _ in 0..<200 where hub.subscriberCount == 0 { try await Task.sleep(nanoseconds: 5_000_000) }
            hub.publish(EventType.agentState, subject: "agents/1001", data: ["agent": "1001", "state": "available"], agents: ["1001"])
            hub.publish(EventType.queueStats, subject: "queues/cards", data: ["queue": "cards"], queues: ["cards"])
            hub.publish(EventType.agentState, subject: "agents/1002", data: ["agent": "1002", "state": "not-ready"], agents: ["1002"])
            for _ in 0..<600 where received.withLockedValue({ $0.count }) < 2 { try await Task.sleep(nanoseconds: 10_000_000) }
            feeding.cancel()
            _ = await feeding.value
            try await dispatcher.client.shutdown()
        }
        let got = received.withLockedValue { $0 }
        XCTAssertEqual(got.count, 2)
        XCTAssertEqual(tries.withLockedValue { $0 }, 3)
        XCTAssertEqual(got.map(\.attempt), ["2", "1"])
        let events = try got.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.body.utf8)) }
        XCTAssertEqual(events.map { $0["subject"] }, ["agents/1001", "agents/1002"])
        XCTAssertEqual(got.map(\.id), events.map { "/hotline/test#\(Int64($0["seq"]?.numberValue ?? 0))" })
        for r in got {
            XCTAssertEqual(r.signature, WebhookSignature.sign(body: r.body, secret: "0123456789abcdef", timestamp: 1_700_000_000))
        }
    }
}
