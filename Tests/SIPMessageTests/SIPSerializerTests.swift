import HotlineTestSupport
import SIPMessage
import XCTest

/// `SIPSerializer`: canonical names, Content-Length always equal to the body.
final class SIPSerializerTests: XCTestCase {
    func test_requestWireForm_exact() {
        var h = SIPHeaders()
        h.add("v", "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds")
        h.add("MAX-FORWARDS", "70")
        h.add("t", "<sip:bob@biloxi.example.com>")
        h.add("f", "<sip:alice@atlanta.example.com>;tag=1928301774")
        h.add("i", "a84b4c76e66710")
        h.add("cseq", "314159 MESSAGE")
        h.add("X-Custom-Header", "kept")
        h.add("l", "999")
        let r = SIPRequest(method: .message, uri: SIPURI(user: "bob", host: "biloxi.example.com"), headers: h, body: Array("hi".utf8))
        XCTAssertEqual(SIPSerializer.bytes(r).text, """
        MESSAGE sip:bob@biloxi.example.com SIP/2.0\r
        Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r
        Max-Forwards: 70\r
        To: <sip:bob@biloxi.example.com>\r
        From: <sip:alice@atlanta.example.com>;tag=1928301774\r
        Call-ID: a84b4c76e66710\r
        CSeq: 314159 MESSAGE\r
        X-Custom-Header: kept\r
        Content-Length: 2\r
        \r
        hi
        """)
        XCTAssertEqual(r.description, SIPSerializer.bytes(r).text)
    }

    func test_responseWireForm_exact() {
        let r = SIPResponse(statusCode: 180, headers: [.callID: "x"])
        XCTAssertEqual(r.reason, "Ringing")
        XCTAssertEqual(SIPSerializer.bytes(r).text, "SIP/2.0 180 Ringing\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(SIPSerializer.bytes(SIPResponse(statusCode: 100, reason: "")).text, "SIP/2.0 100 \r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(r.statusLine, "SIP/2.0 180 Ringing")
    }

    func test_contentLength_isAlwaysTheBodySize() throws {
        for size in [0, 1, 9, 10, 99, 100, 1234, 65_000] {
            let body = [UInt8](repeating: 0x61, count: size)
            var h = SIPHeaders()
            h.add(.contentLength, "5")
            h.add(.contentLength, "7")
            let wire = SIPSerializer.bytes(SIPRequest(method: .message, uri: SIPURI(host: "h.example.com"), headers: h, body: body))
            let m = try SIPParser(limits: .init(maxMessageBytes: 70_000)).parse(wire, framing: .stream)
            XCTAssertEqual(m.headers.lines(.contentLength), [String(size)])
            XCTAssertEqual(m.body, body)
        }
    }

    func test_CRorLFInAValue_cannotInjectAHeader() throws {
        var h = SIPHeaders()
        h.add(.subject, "hello\r\nVia: SIP/2.0/UDP evil.example.com")
        let wire = SIPSerializer.bytes(SIPRequest(method: .message, uri: SIPURI(host: "h.example.com"), headers: h))
        let m = try SIPParser().parse(wire)
        XCTAssertFalse(m.headers.contains(.via))
        XCTAssertEqual(m.headers[.subject], "hello  Via: SIP/2.0/UDP evil.example.com")
    }

    func test_appendsToExistingBuffer() {
        var out: [UInt8] = [0x41]
        SIPSerializer.serialize(SIPResponse(statusCode: 200), into: &out)
        XCTAssertEqual(out.first, 0x41)
        XCTAssertEqual(Array(out.dropFirst()), SIPSerializer.bytes(SIPResponse(statusCode: 200)))
    }

    func test_builtMessages_roundTrip() {
        let b = SIPMessageBuilder()
        let invite = b.invite()
        for r in [invite, b.register(), b.options(), b.bye(toTag: "x"), b.ack(toTag: "x"), b.cancel()] {
            assertRoundTrip(r)
        }
        assertRoundTrip(b.ok(to: invite))
        assertRoundTrip(b.response(486, to: invite, toTag: "busy"))
        assertRoundTrip(SIPResponse(statusCode: 200, reason: "= 2**3 * 5**2 но сто девяносто девять - простое"))
    }
}
