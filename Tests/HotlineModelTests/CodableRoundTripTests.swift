import Foundation
import HotlineModel
import XCTest

/// Model values cross process boundaries as JSON (WebSocket events, REST bodies,
/// webhooks), so each must survive a round trip and keep a plain wire shape.
final class CodableRoundTripTests: XCTestCase {
    private func roundTrip<T: Codable & Equatable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try JSONEncoder().encode(value)
        XCTAssertEqual(try JSONDecoder().decode(T.self, from: data), value, file: file, line: line)
    }

    /// JSON text with sorted keys, to assert exact shapes.
    private func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func testIdentifiersEncodeAsBareStrings() throws {
        XCTAssertEqual(try json(UserID("u-1")), #""u-1""#)
        XCTAssertEqual(try json([CustomerID("c-1"): 1]), #"{"c-1":1}"#)
        try roundTrip([UserID("u-1"): "Li", UserID("u-2"): "Bo"])
        XCTAssertEqual(try JSONDecoder().decode(InteractionID.self, from: Data(#""i-9""#.utf8)), "i-9")
        try roundTrip(AgentID("a-1"))
    }

    func testTimestampEncodesAsMilliseconds() throws {
        XCTAssertEqual(try json(Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)), "1700000000123")
        try roundTrip(Timestamp(millisecondsSinceEpoch: -1))
    }

    func testEnumerationsUseTheirRawValues() throws {
        XCTAssertEqual(try json([Language.zhCN, .enUS]), #"["zh-CN","en-US"]"#)
        XCTAssertEqual(try json([Role.agent, .supervisor, .admin]), #"["agent","supervisor","admin"]"#)
        XCTAssertEqual(try json(Interaction.Channel.sms), #""sms""#)
    }

    func testUserRoundTrip() throws {
        let user = User(
            id: "u-1", username: "1001", displayName: "李娜",
            roles: [.agent, .supervisor],
            skills: [Skill(name: "billing", level: 7), Skill(name: "mandarin", level: 10)],
            language: .enUS, isActive: false)
        try roundTrip(user)
        XCTAssertEqual(
            try json(User(id: "u-2", username: "1002", displayName: "Bo", roles: [.admin])),
            #"{"displayName":"Bo","id":"u-2","isActive":true,"language":"zh-CN","roles":["admin"],"skills":[],"username":"1002"}"#)
    }

    func testCustomerRoundTrip() throws {
        try roundTrip(Customer(
            id: "c-1", nameZh: "张伟", nameEn: "Wei Zhang",
            phoneNumbers: ["+86 138-0013-8000", "010 6552 9988"],
            language: .zhCN, accountNumbers: ["AC-1001"], tags: ["vip", "complaint-open"],
            createdAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)))
        // Missing names stay missing rather than becoming empty strings.
        try roundTrip(Customer(id: "c-2", createdAt: Timestamp(millisecondsSinceEpoch: 0)))
    }

    func testInteractionRoundTrip() throws {
        try roundTrip(Interaction(
            id: "i-1", channel: .call, direction: .inbound, from: "+8613800138000", to: "95555",
            state: .connected, customerID: "c-1", agentID: "u-7",
            startedAt: Timestamp(millisecondsSinceEpoch: 10), endedAt: Timestamp(millisecondsSinceEpoch: 20)))
        try roundTrip(Interaction(
            id: "i-2", channel: .email, direction: .outbound, from: "support@example.com", to: "a@example.com",
            startedAt: Timestamp(millisecondsSinceEpoch: 10)))
    }

    func testEventRoundTripAndShape() throws {
        let event = Event(sequence: 42, type: EventType.interactionQueued, subject: "interactions/i-1",
                          time: Timestamp(millisecondsSinceEpoch: 1_000),
                          data: ["interaction": "i-1", "queue": "billing", "position": 2, "vip": true, "note": nil],
                          agents: [], queues: ["billing"])
        try roundTrip(event)
        XCTAssertEqual(
            try json(event),
            #"{"agents":[],"data":{"interaction":"i-1","note":null,"position":2,"queue":"billing","vip":true},"queues":["billing"],"#
                + #""sequence":42,"subject":"interactions/i-1","time":1000,"type":"interaction.queued"}"#)
    }

    func testJSONValueNumbersAreWholeWhenTheyCanBe() throws {
        XCTAssertEqual(try json(JSONValue.number(3)), "3")
        XCTAssertEqual(try json(JSONValue.number(0.85)), "0.85")
        XCTAssertEqual(try json(JSONValue.array([.string("a"), .null, .bool(false)])), #"["a",null,false]"#)
        try roundTrip(JSONValue.object(["a": [1, 2.5, "x"], "b": ["c": nil]]))
    }

    func testPhoneDigitsEncodeAsDigits() throws {
        XCTAssertEqual(try json(PhoneDigits("+86 138-0013-8000")), #""8613800138000""#)
        try roundTrip(PhoneDigits("8613800138000"))
    }
}
