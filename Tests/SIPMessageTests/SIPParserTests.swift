import HotlineTestSupport
import SIPMessage
import XCTest

/// `SIPParser`: start lines, header lines, Content-Length, size limits.
final class SIPParserTests: XCTestCase {
    private func parse(_ text: String, framing: SIPParser.Framing = .datagram,
                       limits: SIPParser.Limits = .init()) throws -> SIPMessage {
        try SIPParser(limits: limits).parse(Array(text.utf8), framing: framing)
    }

    private let head = "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n"

    // MARK: start line

    func test_requestLine() throws {
        guard case .request(let r) = try parse("OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n\(head)\r\n") else {
            return XCTFail("not a request")
        }
        XCTAssertEqual(r.method, .options)
        XCTAssertEqual(r.uri, .sip(SIPURI(user: "bob", host: "biloxi.example.com")))
        XCTAssertEqual(r.headers.count, 3)
        // "SIP" is case-insensitive (§7.1); the method is not.
        guard case .request(let lower) = try parse("invite sip:a@b.example.com sip/2.0\r\n\r\n") else { return XCTFail("not a request") }
        XCTAssertEqual(lower.method.rawValue, "invite")
        XCTAssertNotEqual(lower.method, .invite)
    }

    func test_statusLine() throws {
        guard case .response(let r) = try parse("SIP/2.0 486 Busy Here\r\n\(head)\r\n") else { return XCTFail("not a response") }
        XCTAssertEqual(r.statusCode, 486)
        XCTAssertEqual(r.reason, "Busy Here")
        guard case .response(let bare) = try parse("SIP/2.0 200\r\n\r\n") else { return XCTFail("not a response") }
        XCTAssertEqual(bare.reason, "")
        guard case .response(let spaced) = try parse("SIP/2.0 180  Ringing  now\r\n\r\n") else { return XCTFail("not a response") }
        XCTAssertEqual(spaced.reason, " Ringing  now", "the reason phrase is everything after one SP")
    }

    func test_badStatusLines_areDiscarded() {
        for line in ["SIP/2.0 99 Low", "SIP/2.0 700 High", "SIP/2.0 2000 Long", "SIP/2.0 20 Short", "SIP/2.0 abc Nope",
                     "SIP/2.0 200OK", "SIP/2.0"] {
            let e = parseError(Array("\(line)\r\n\(head)\r\n".utf8))
            XCTAssertNil(e?.statusCode, line)
            XCTAssertNil(e?.partial, line)
            XCTAssertTrue([SIPParseError.Code.invalidStatusCode, .malformedStartLine].contains(e?.code), line)
        }
        assertError(parseError(Array("SIP/3.0 200 OK\r\n\r\n".utf8)), .unsupportedVersion, status: nil)
    }

    func test_badRequestLines_areDroppedUnlessAnswerable() {
        for line in ["INVITE", "INVITE sip:a@b.example.com", "INV ITE sip:a@b.example.com SIP/2.0 x", "IN<VITE sip:a@b.example.com SIP/2.0",
                     "INVITE sip:a@b.example.com HTTP/1.1", "INVITE sip:a@b.example.com SIP/2", "INVITE sip:a@b.example.com SIP/2.x",
                     " INVITE sip:a@b.example.com SIP/2.0"] {
            let e = parseError(Array("\(line)\r\n\(head)\r\n".utf8))
            XCTAssertEqual(e?.code, .malformedStartLine, line)
            XCTAssertNil(e?.statusCode, line)
            XCTAssertNil(e?.partial, line)
        }
        assertError(parseError(Array("OPTIONS sip:a@b.example.com SIP/2.1\r\n\(head)\r\n".utf8)), .unsupportedVersion, status: 505)
        assertError(parseError(Array("OPTIONS sip:a@b.example.com SIP/2.0\t\r\n\(head)\r\n".utf8)), .malformedStartLine, status: 400)
        assertError(parseError(Array("OPTIONS  SIP/2.0\r\n\(head)\r\n".utf8)), .malformedRequestURI, status: 400)
    }

    func test_leadingCRLFs_areSkipped_onlyCRLFs_isEmpty() throws {
        guard case .request = try parse("\r\n\r\nOPTIONS sip:a@b.example.com SIP/2.0\r\n\r\n") else { return XCTFail("not a request") }
        assertError(parseError(Array("\r\n\r\n".utf8)), .empty, status: nil)
        assertError(parseError([]), .empty, status: nil)
    }

    // MARK: header lines

    func test_folding_unfoldsToSingleSpaces() throws {
        let m = try parse("OPTIONS sip:a@b.example.com SIP/2.0\r\nSubject: first\r\n  second\r\n\tthird\r\nX-Empty:\r\n   \r\nX-Late:\r\n late\r\n\r\n")
        XCTAssertEqual(m.headers[.subject], "first second third")
        XCTAssertEqual(m.headers["X-Empty"], "")
        XCTAssertEqual(m.headers["X-Late"], "late")
    }

    func test_headerNameLWSAndCompactForms() throws {
        let m = try parse("OPTIONS sip:a@b.example.com SIP/2.0\r\nv  : SIP/2.0/UDP h\r\ni:x@y\r\n\r\n")
        XCTAssertEqual(m.headers[.via], "SIP/2.0/UDP h")
        XCTAssertEqual(m.headers[.callID], "x@y")
        XCTAssertEqual(m.headers.fields.map(\.name.name), ["Via", "Call-ID"])
    }

    func test_malformedHeaderLines_are400WithPartial() {
        for bad in ["NoColonHere", ": value", "Bad Name: value", " continuation-first"] {
            let bytes = Array("OPTIONS sip:a@b.example.com SIP/2.0\r\n\(bad == " continuation-first" ? bad + "\r\n" + head : head + bad + "\r\n")\r\n".utf8)
            let e = parseError(bytes)
            assertError(e, .malformedHeader, status: 400)
            XCTAssertEqual(try e?.partial?.callID(), "c1", bad)
        }
        // In a response the same error is a discard.
        assertError(parseError(Array("SIP/2.0 200 OK\r\n\(head)NoColon\r\n\r\n".utf8)), .malformedHeader, status: nil)
    }

    func test_bareLFLineEndings_areAccepted() throws {
        let m = try parse("OPTIONS sip:a@b.example.com SIP/2.0\nVia: SIP/2.0/UDP h\nl: 2\n\nhi")
        XCTAssertEqual(m.body, Array("hi".utf8))
        XCTAssertEqual(m.headers[.via], "SIP/2.0/UDP h")
    }

    // MARK: Content-Length and body

    func test_datagramBody_isContentLengthOrRestOfDatagram() throws {
        XCTAssertEqual(try parse("MESSAGE sip:a@b.example.com SIP/2.0\r\nl: 3\r\n\r\nabcdef").body, Array("abc".utf8))
        XCTAssertEqual(try parse("MESSAGE sip:a@b.example.com SIP/2.0\r\n\r\nabcdef").body, Array("abcdef".utf8))
        XCTAssertEqual(try parse("MESSAGE sip:a@b.example.com SIP/2.0\r\n\r\nabcdef", framing: .stream).body, [])
        XCTAssertEqual(try parse("MESSAGE sip:a@b.example.com SIP/2.0\r\nContent-Length: 0\r\nContent-Length: 000\r\n\r\nx").body, [])
    }

    func test_badContentLength() {
        for value in ["-1", "five", "", "1 2", "9999999999", "0x1"] {
            let e = parseError(Array("MESSAGE sip:a@b.example.com SIP/2.0\r\n\(head)Content-Length: \(value)\r\n\r\n".utf8))
            assertError(e, .invalidContentLength, status: 400)
        }
        assertError(parseError(Array("MESSAGE sip:a@b.example.com SIP/2.0\r\n\(head)l: 5\r\n\r\nabc".utf8)), .truncatedBody, status: 400)
        assertError(parseError(Array("SIP/2.0 200 OK\r\n\(head)l: 5\r\n\r\nabc".utf8)), .truncatedBody, status: nil)
    }

    // MARK: limits (STYLE habit 5: every decoder is bounded)

    func test_messageOverLimit_isTooLarge() throws {
        let bytes = SIPSerializer.bytes(SIPMessageBuilder().invite())
        let limits = SIPParser.Limits(maxMessageBytes: bytes.count)
        XCTAssertNoThrow(try SIPParser(limits: limits).parse(bytes))
        let e = parseError(bytes + [0x0D], limits: SIPParser.Limits(maxMessageBytes: bytes.count))
        assertError(e, .tooLarge, status: nil)
        XCTAssertEqual(SIPParser.Limits().maxMessageBytes, 65_535)
    }

    func test_tooManyHeaderFields_isTooLarge() throws {
        var b = SIPMessageBuilder()
        b.extraHeaders = (0..<10).map { SIPHeaderField(name: "X-N", value: "\($0)") }
        let request = b.options()
        let bytes = SIPSerializer.bytes(request)
        let fields = request.headers.count
        XCTAssertNoThrow(try SIPParser(limits: SIPParser.Limits(maxHeaderFields: fields)).parse(bytes))
        assertError(parseError(bytes, limits: SIPParser.Limits(maxHeaderFields: fields - 1)), .tooLarge, status: nil)
        // Continuation lines fold into their field and do not count.
        let folded = Array("OPTIONS sip:a@b.example.com SIP/2.0\r\nSubject: a\r\n b\r\n c\r\n d\r\n\r\n".utf8)
        XCTAssertNoThrow(try SIPParser(limits: SIPParser.Limits(maxHeaderFields: 1)).parse(folded))
    }

    func test_defaultLimits_acceptTheLargestCorpusMessage() throws {
        XCTAssertNoThrow(try SIPParser().parse(try datagram("longreq")))
        XCTAssertNoThrow(try SIPParser(limits: .init(maxMessageBytes: 3515, maxHeaderFields: 45)).parse(try datagram("longreq")))
    }
}
