import SDP
import XCTest

final class SDPAttributeTests: XCTestCase {
    func testRTPMapParsing() {
        XCTAssertEqual(RTPMap(attributeValue: "96 opus/48000/2"), RTPMap(payloadType: 96, encodingName: "opus", clockRate: 48000, channels: 2))
        XCTAssertEqual(RTPMap(attributeValue: "0 PCMU/8000"), RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000))
        XCTAssertEqual(RTPMap(attributeValue: "101  telephone-event/8000"), RTPMap(payloadType: 101, encodingName: "telephone-event", clockRate: 8000))
        for bad in ["", "96", "128 opus/48000", "x PCMU/8000", "96 opus", "96 /8000", "96 opus/0", "96 opus/48000/0", "96 opus/48000/2/1", "-1 PCMU/8000"] {
            XCTAssertNil(RTPMap(attributeValue: bad), bad)
        }
        XCTAssertEqual(RTPMap(attributeValue: "96 opus/48000/2")?.attributeValue, "96 opus/48000/2")
    }

    func testEncodingNamesMatchCaseInsensitively() throws {
        let map = try XCTUnwrap(RTPMap(attributeValue: "110 pcma/8000"))
        XCTAssertTrue(map.hasEncoding("PCMA", clockRate: 8000))
        XCTAssertTrue(map.hasEncoding("PCMA", clockRate: 8000, channels: 1))
        XCTAssertFalse(map.hasEncoding("PCMA", clockRate: 16000))
        XCTAssertFalse(map.hasEncoding("PCMU", clockRate: 8000))
        XCTAssertTrue(map.isDynamic)
        XCTAssertTrue(Codec.pcma.matches(map))
    }

    func testStaticAssignments() {
        XCTAssertEqual(RTPMap.staticAssignment(payloadType: 0)?.encodingName, "PCMU")
        XCTAssertEqual(RTPMap.staticAssignment(payloadType: 8)?.encodingName, "PCMA")
        XCTAssertEqual(RTPMap.staticAssignment(payloadType: 9), RTPMap(payloadType: 9, encodingName: "G722", clockRate: 8000))
        XCTAssertEqual(RTPMap.staticAssignment(payloadType: 10)?.channels, 2)
        XCTAssertNil(RTPMap.staticAssignment(payloadType: 2), "PT 2 was G721, withdrawn by RFC 3551")
        XCTAssertNil(RTPMap.staticAssignment(payloadType: 101))
    }

    func testFormatParameters() {
        XCTAssertEqual(FormatParameters(attributeValue: "101 0-15"), FormatParameters(format: "101", parameters: "0-15"))
        XCTAssertEqual(FormatParameters(attributeValue: "97 profile-level-id=42801F; packetization-mode=1")?.parameters,
                       "profile-level-id=42801F; packetization-mode=1")
        XCTAssertEqual(FormatParameters(attributeValue: "18"), FormatParameters(format: "18", parameters: ""))
        XCTAssertNil(FormatParameters(attributeValue: " "))
    }

    func testRTCPAttribute() {
        XCTAssertEqual(RTCPAttribute(attributeValue: "53020"), RTCPAttribute(port: 53020))
        XCTAssertEqual(RTCPAttribute(attributeValue: "53020 IN IP4 126.16.64.4"),
                       RTCPAttribute(port: 53020, connection: Connection(addrType: "IP4", address: "126.16.64.4")))
        XCTAssertEqual(RTCPAttribute(attributeValue: "53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD")?.connection?.isIPv6, true)
        XCTAssertNil(RTCPAttribute(attributeValue: "70000"))
        XCTAssertNil(RTCPAttribute(attributeValue: "53020 IN IP4"))
        XCTAssertEqual(RTCPAttribute(port: 9, connection: Connection(address: "::1")).attributeValue, "9 IN IP6 ::1")
    }

    func testPtimeReadsLeadingDigits() {
        let media = MediaDescription(mediaType: "audio", port: 1, formats: ["0"], attributes: [
            SDPAttribute(name: "ptime", value: "20.0"), SDPAttribute(name: "maxptime", value: "40"),
        ])
        XCTAssertEqual(media.ptime, 20)
        XCTAssertEqual(media.maxptime, 40)
        XCTAssertNil(MediaDescription(mediaType: "audio", port: 1, formats: ["0"], attributes: [SDPAttribute(name: "ptime", value: "x")]).ptime)
    }

    func testDirectionAttributes() {
        func media(_ names: String...) -> MediaDescription {
            MediaDescription(mediaType: "audio", port: 1, formats: ["0"], attributes: names.map { SDPAttribute(name: $0) })
        }
        XCTAssertNil(media().direction)
        XCTAssertEqual(media("sendonly").direction, .sendonly)
        XCTAssertEqual(media("RecvOnly").direction, .recvonly)
        XCTAssertEqual(media("sendonly", "inactive").direction, .inactive, "the last one wins")
        XCTAssertNil(MediaDescription(mediaType: "audio", port: 1, formats: ["0"], attributes: [SDPAttribute(name: "sendonly", value: "x")]).direction)
    }

    func testMediaDirectionAlgebra() {
        XCTAssertEqual(MediaDirection.allCases.map(\.reversed), [.sendrecv, .recvonly, .sendonly, .inactive])
        XCTAssertEqual(MediaDirection.sendrecv.intersection(.recvonly), .recvonly)
        XCTAssertEqual(MediaDirection.sendonly.intersection(.recvonly), .inactive)
        XCTAssertEqual(MediaDirection(sends: true, receives: false), .sendonly)
    }

    func testConnectionHelpers() {
        XCTAssertEqual(Connection(address: "[2001:db8::1]"), Connection(addrType: "IP6", address: "2001:db8::1"))
        XCTAssertEqual(Connection(address: "192.0.2.1").fieldValue, "IN IP4 192.0.2.1")
        XCTAssertTrue(Connection(address: "0.0.0.0").isUnspecified)
        XCTAssertTrue(Connection(address: "::").isUnspecified)
        XCTAssertFalse(Connection(address: "192.0.2.1").isUnspecified)
    }
}
