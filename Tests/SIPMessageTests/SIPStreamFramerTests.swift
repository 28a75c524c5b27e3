import HotlineTestSupport
import SIPMessage
import XCTest

/// `SIPStreamFramer` (RFC 3261 §18.3): the same bytes must give the same messages whether
/// they arrive all at once, one byte at a time or in random chunks (STYLE habit 5).
final class SIPStreamFramerTests: XCTestCase {
    /// The wire forms under test: built messages plus the torture cases that stress
    /// framing (folded headers, `Content-Length   :`, compact `l:`, a binary body).
    private func messages() throws -> [(name: String, bytes: [UInt8])] {
        let b = SIPMessageBuilder()
        let invite = b.invite()
        return [
            ("INVITE with SDP", SIPSerializer.bytes(invite)),
            ("REGISTER", SIPSerializer.bytes(b.register())),
            ("200 OK with SDP", SIPSerializer.bytes(b.ok(to: invite))),
            ("180 Ringing", SIPSerializer.bytes(b.response(180, to: invite, toTag: "a6c85cf"))),
            ("wsinv", try datagram("wsinv")),
            ("mpart01", try datagram("mpart01")),
            ("longreq", try datagram("longreq")),
        ]
    }

    private static let strategies: [SIPStreamChunking] =
        [.whole, .byteByByte] + (1...12).flatMap { seed in
            [3, 17, 64, 700].map { SIPStreamChunking.random(seed: UInt64(seed), maxChunk: $0) }
        }

    func test_eachMessageAlone_sameBytesWhateverTheChunking() throws {
        for (name, bytes) in try messages() {
            for strategy in Self.strategies {
                let framed = try SIPStreamFramer.frame(bytes, chunking: strategy)
                XCTAssertEqual(framed, [bytes], "\(name), \(strategy)")
            }
        }
    }

    func test_backToBackWithKeepAlives_sameMessagesWhateverTheChunking() throws {
        let all = try messages()
        // CRLF keep-alives (RFC 5626 §3.5.1) before, between and after the messages.
        let keepAlives: [[UInt8]] = [[0x0D, 0x0A], [0x0D, 0x0A, 0x0D, 0x0A], [], [0x0A], [0x0D, 0x0A, 0x0D, 0x0A, 0x0D, 0x0A]]
        var stream: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        for (i, m) in all.enumerated() {
            stream += m.bytes
            stream += keepAlives[i % keepAlives.count]
        }
        let expected = try all.map { try SIPParser().parse($0.bytes) }
        for strategy in Self.strategies {
            var framer = SIPStreamFramer()
            var framed: [[UInt8]] = []
            for chunk in strategy.chunks(of: stream) {
                framer.append(chunk)
                while let m = try framer.next() { framed.append(m) }
            }
            XCTAssertEqual(framed, all.map(\.bytes), "\(strategy)")
            XCTAssertEqual(framer.bufferedByteCount, 0, "trailing keep-alives are consumed, \(strategy)")
            let parsed = try framed.map { try SIPParser().parse($0, framing: .stream) }
            XCTAssertEqual(parsed, expected, "\(strategy)")
        }
    }

    func test_partialMessage_waitsForMoreBytes() throws {
        let bytes = SIPSerializer.bytes(SIPMessageBuilder().invite())
        var framer = SIPStreamFramer()
        framer.append(bytes.dropLast())
        XCTAssertNil(try framer.next())
        XCTAssertNil(try framer.next(), "asking again changes nothing")
        XCTAssertEqual(framer.bufferedByteCount, bytes.count - 1)
        framer.append(bytes.suffix(1))
        XCTAssertEqual(try framer.next(), bytes)
        XCTAssertNil(try framer.next())
    }

    func test_onlyKeepAlives_yieldNothing() throws {
        XCTAssertEqual(try SIPStreamFramer.frame(Array("\r\n\r\n\r\n\n".utf8), chunking: .byteByByte), [])
    }

    /// RFC 4475 §3.1.2.2 over TCP: a Content-Length beyond the bytes sent means "wait".
    func test_clerr_overStream_waits() throws {
        let bytes = try datagram("clerr")
        var framer = SIPStreamFramer()
        framer.append(bytes)
        XCTAssertNil(try framer.next())
        XCTAssertEqual(framer.bufferedByteCount, bytes.count)
    }

    /// On a stream a missing Content-Length means an empty body (§18.3): inv2543's SDP is
    /// then the start of the next message, which never completes.
    func test_inv2543_overStream_bodyIsNotPartOfTheMessage() throws {
        let bytes = try datagram("inv2543")
        let framed = try SIPStreamFramer.frame(bytes, chunking: .byteByByte)
        XCTAssertEqual(framed.count, 1)
        guard case .request(let r) = try SIPParser().parse(try XCTUnwrap(framed.first), framing: .stream) else {
            return XCTFail("not a request")
        }
        XCTAssertEqual(r.body, [])
        XCTAssertEqual(framed[0].count + 105, bytes.count)
    }

    func test_bareLFHead_isFramed() throws {
        let bytes = Array("OPTIONS sip:a@example.com SIP/2.0\nVia: SIP/2.0/TCP h.example.com;branch=z9hG4bK1\nl: 3\n\nabcOPTIONS".utf8)
        var framer = SIPStreamFramer()
        framer.append(bytes)
        let first = try XCTUnwrap(try framer.next())
        XCTAssertTrue(first.text.hasSuffix("l: 3\n\nabc"))
        XCTAssertNil(try framer.next())
        XCTAssertEqual(framer.bufferedByteCount, 7)
    }

    /// A folded Content-Length is still a Content-Length (RFC 3261 §7.3.1): framer and
    /// parser agree on the body.
    func test_foldedContentLength_framesLikeTheParserReadsIt() throws {
        let bytes = Array("MESSAGE sip:a@example.com SIP/2.0\r\nContent-Length:\r\n   5\r\n\r\nhelloMESSAGE".utf8)
        var framer = SIPStreamFramer()
        framer.append(bytes)
        let framed = try XCTUnwrap(try framer.next())
        XCTAssertTrue(framed.text.hasSuffix("5\r\n\r\nhello"))
        guard case .request(let r) = try SIPParser().parse(framed, framing: .stream) else { return XCTFail("not a request") }
        XCTAssertEqual(r.body.text, "hello")
        XCTAssertEqual(r.headers[.contentLength], "5")
    }

    /// A line that merely starts like `l` (here the method `l`) is not a Content-Length and
    /// does not stop the scan for the real one.
    func test_lineLookingLikeCompactContentLength_doesNotHideTheRealOne() throws {
        let bytes = Array("l sip:a@example.com SIP/2.0\r\nl: 2\r\n\r\nokNEXT".utf8)
        var framer = SIPStreamFramer()
        framer.append(bytes)
        XCTAssertEqual(try framer.next()?.text.hasSuffix("l: 2\r\n\r\nok"), true)
    }

    /// A 60 kB message trickled in one byte at a time: the framer scans each byte once
    /// (it used to rescan the head on every call, O(n²): a CPU sink for a slow sender).
    func test_slowSender_largeHeadByteByByte() throws {
        var b = SIPMessageBuilder()
        b.extraHeaders = (0..<600).map { SIPHeaderField(name: SIPHeaderName("X-Padding-\($0)"), value: String(repeating: "p", count: 90)) }
        let bytes = SIPSerializer.bytes(b.invite())
        XCTAssertGreaterThan(bytes.count, 60_000)
        XCTAssertEqual(try SIPStreamFramer.frame(bytes, chunking: .byteByByte), [bytes])
    }

    // MARK: errors: unrecoverable on a stream, the connection is closed

    func test_noBlankLineWithinLimit_isTooLarge() throws {
        var framer = SIPStreamFramer(maxMessageBytes: 64)
        framer.append(Array("INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/TCP pc33.atlanta.example.com\r\n".utf8).prefix(64))
        XCTAssertEqual(framer.bufferedByteCount, 64)
        XCTAssertNil(try framer.next(), "at the limit: still waiting")
        framer.append([0x58])
        XCTAssertThrowsError(try framer.next()) {
            let e = $0 as? SIPParseError
            XCTAssertEqual(e?.code, .tooLarge)
            XCTAssertNil(e?.statusCode)
        }
    }

    func test_contentLengthBeyondLimit_isTooLargeBeforeTheBodyArrives() throws {
        var framer = SIPStreamFramer(maxMessageBytes: 1000)
        framer.append(Array("MESSAGE sip:a@example.com SIP/2.0\r\nContent-Length: 990\r\n\r\n".utf8))
        XCTAssertThrowsError(try framer.next()) { XCTAssertEqual(($0 as? SIPParseError)?.code, .tooLarge) }
    }

    func test_badContentLength_isInvalidContentLength() throws {
        for value in ["five", "-999", "", "1 2", "0x10", "1234567890", "+5", "5;x"] {
            var framer = SIPStreamFramer()
            framer.append(Array("MESSAGE sip:a@example.com SIP/2.0\r\nContent-Length: \(value)\r\n\r\n".utf8))
            XCTAssertThrowsError(try framer.next(), "'\(value)'") {
                let e = $0 as? SIPParseError
                XCTAssertEqual(e?.code, .invalidContentLength, "'\(value)'")
                XCTAssertNil(e?.statusCode)
            }
        }
    }

    func test_ncl_and_mcl01_overStream_areInvalidContentLength() throws {
        for tag in ["ncl", "mcl01"] {
            for strategy in [SIPStreamChunking.whole, .byteByByte] {
                XCTAssertThrowsError(try SIPStreamFramer.frame(try datagram(tag), chunking: strategy), "\(tag) \(strategy)") {
                    XCTAssertEqual(($0 as? SIPParseError)?.code, .invalidContentLength)
                }
            }
        }
    }

    func test_conflictingCompactAndLongContentLength_isInvalid_butRepeatedEqualValuesFrame() throws {
        var framer = SIPStreamFramer()
        framer.append(Array("MESSAGE sip:a@example.com SIP/2.0\r\nl: 13\r\nContent-Length: 5\r\n\r\n".utf8))
        XCTAssertThrowsError(try framer.next()) { XCTAssertEqual(($0 as? SIPParseError)?.code, .invalidContentLength) }

        var same = SIPStreamFramer()
        same.append(Array("MESSAGE sip:a@example.com SIP/2.0\r\nl: 2\r\nCONTENT-LENGTH : 2\r\n\r\nhi".utf8))
        XCTAssertEqual(try same.next()?.text.hasSuffix("\r\n\r\nhi"), true)
    }

    /// Hundreds of messages through one framer: its buffer compaction must not lose or
    /// duplicate bytes.
    func test_longStream_framesEveryMessageOnce() throws {
        var stream: [UInt8] = []
        var expected: [[UInt8]] = []
        for n in 0..<300 {
            var b = SIPMessageBuilder(callID: "call-\(n)", cseq: UInt32(n + 1))
            b.branch = "z9hG4bK-\(n)"
            let m = SIPSerializer.bytes(n % 3 == 0 ? b.invite() : b.options())
            expected.append(m)
            stream += m + (n % 5 == 0 ? [0x0D, 0x0A] : [])
        }
        for strategy in [SIPStreamChunking.whole, .random(seed: 7, maxChunk: 1500), .random(seed: 8, maxChunk: 40)] {
            XCTAssertEqual(try SIPStreamFramer.frame(stream, chunking: strategy), expected, "\(strategy)")
        }
    }
}
