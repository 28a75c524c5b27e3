import SDP
import XCTest

final class SDPParserTests: XCTestCase {
    // MARK: Real-world bodies, field by field

    func testSIPpOffer() throws {
        let sdp = try Fixtures.parse(Fixtures.sipp)
        XCTAssertEqual(sdp.version, 0)
        XCTAssertEqual(sdp.origin, Origin(
            username: "user1", sessionID: 53_655_765, sessionVersion: 2_353_687_637,
            netType: "IN", addrType: "IP4", address: "127.0.0.1"))
        XCTAssertEqual(sdp.sessionName, "-")
        XCTAssertEqual(sdp.connection, Connection(addrType: "IP4", address: "127.0.0.1"))
        XCTAssertEqual(sdp.timing, [Timing(start: 0, stop: 0)])
        XCTAssertEqual(sdp.media, [MediaDescription(
            mediaType: "audio", port: 6000, proto: "RTP/AVP", formats: ["0"],
            attributes: [SDPAttribute(name: "rtpmap", value: "0 PCMU/8000")])])
        XCTAssertEqual(sdp.media[0].rtpmaps, [RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000)])
        XCTAssertNil(sdp.media[0].ptime)
        XCTAssertEqual(sdp.direction(of: sdp.media[0]), .sendrecv)
    }

    func testBaresipOffer() throws {
        let sdp = try Fixtures.parse(Fixtures.baresip)
        XCTAssertEqual(sdp.origin.username, "-")
        XCTAssertEqual(sdp.attributes, [SDPAttribute(name: "tool", value: "baresip 3.10.1")])
        let audio = sdp.media[0]
        XCTAssertEqual(audio.formats, ["0", "8", "101"])
        XCTAssertEqual(audio.bandwidths, [Bandwidth(type: "AS", value: 80)])
        XCTAssertEqual(audio.rtpmap(forFormat: "101"), RTPMap(payloadType: 101, encodingName: "telephone-event", clockRate: 8000))
        XCTAssertEqual(audio.formatParameters(forFormat: "101"), "0-15")
        XCTAssertEqual(audio.formatParameters, [FormatParameters(format: "101", parameters: "0-15")])
        XCTAssertEqual(audio.ptime, 20)
        XCTAssertTrue(audio.isRTCPMultiplexed)
        XCTAssertEqual(audio.direction, .sendrecv)
        XCTAssertEqual(audio.attributes.first(where: { $0.name == "label" }), SDPAttribute(name: "label", value: "1"))
    }

    func testLinphoneOffer() throws {
        let sdp = try Fixtures.parse(Fixtures.linphone)
        XCTAssertEqual(sdp.sessionName, "Talk")
        XCTAssertEqual(sdp.media.map(\.mediaType), ["audio", "video"])
        let audio = sdp.media[0]
        XCTAssertEqual(audio.formats, ["96", "97", "98", "9", "0", "8", "18", "101", "99", "100"])
        XCTAssertEqual(audio.rtpmap(forFormat: "96"), RTPMap(payloadType: 96, encodingName: "opus", clockRate: 48000, channels: 2))
        // Static payload types without an rtpmap resolve through RFC 3551 §6.
        XCTAssertEqual(audio.rtpmap(forFormat: "9"), RTPMap(payloadType: 9, encodingName: "G722", clockRate: 8000))
        XCTAssertEqual(audio.rtpmap(forFormat: "18"), RTPMap(payloadType: 18, encodingName: "G729", clockRate: 8000))
        XCTAssertEqual(audio.formatParameters(forFormat: "18"), "annexb=yes")
        XCTAssertEqual(audio.rtpmaps.filter { $0.encodingName == "telephone-event" }.map(\.clockRate), [48000, 16000, 8000])
        XCTAssertEqual(sdp.media[1].rtpmap(forFormat: "96")?.encodingName, "VP8")
        XCTAssertEqual(sdp.connection(of: sdp.media[1])?.address, "192.168.0.20")
    }

    // MARK: Line endings and liberal parsing

    func testBareLFAndCRLFAndMixedLineEndsParseAlike() throws {
        let crlf = try Fixtures.parse(Fixtures.baresip)
        let lf = try Fixtures.parse(Fixtures.baresip.replacingOccurrences(of: "\r\n", with: "\n"))
        var mixed = Fixtures.baresip
        mixed = mixed.replacingOccurrences(of: "t=0 0\r\n", with: "t=0 0\n")
        let noFinalNewline = try Fixtures.parse(String(Fixtures.baresip.dropLast()))  // "\r\n" is one Character
        XCTAssertEqual(lf, crlf)
        XCTAssertEqual(try Fixtures.parse(mixed), crlf)
        XCTAssertEqual(noFinalNewline, crlf)
        XCTAssertEqual(try SessionDescription(parsing: Array(Fixtures.baresip.utf8)), crlf)
    }

    func testUnknownLineTypesAndBlankLinesAreSkipped() throws {
        let sdp = try Fixtures.parse(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nx=private extension\r\n\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                + "m=audio 5004 RTP/AVP 0\r\ny=another\r\n   \r\na=x-vendor:whatever: with colons\r\na=\r\n")
        XCTAssertEqual(sdp.media.count, 1)
        XCTAssertEqual(sdp.media[0].attributes, [SDPAttribute(name: "x-vendor", value: "whatever: with colons")])
    }

    func testAllFieldsOfRFC8866Example() throws {
        // RFC 8866 §5 example, plus r= and z= from §5.10 and §5.11.
        let sdp = try Fixtures.parse(Fixtures.crlf("""
            v=0
            o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1
            s=Call to John Smith
            i=SDP Offer #1
            u=http://www.jdoe.example.com/home.html
            e=Jane Doe <jane@jdoe.example.com>
            p=+1 617 555-6011
            c=IN IP4 198.51.100.1
            b=CT:128
            t=2873397496 2873404696
            r=604800 3600 0 90000
            z=2882844526 -1h 2898848070 0
            k=prompt
            a=recvonly
            m=audio 49170 RTP/AVP 0
            i=voice
            m=audio 49180 RTP/AVP 0
            m=video 51372/2 RTP/AVP 99
            c=IN IP6 2001:db8::2
            b=AS:256
            a=rtpmap:99 h263-1998/90000

            """))
        XCTAssertEqual(sdp.information, "SDP Offer #1")
        XCTAssertEqual(sdp.uri, "http://www.jdoe.example.com/home.html")
        XCTAssertEqual(sdp.emails, ["Jane Doe <jane@jdoe.example.com>"])
        XCTAssertEqual(sdp.phones, ["+1 617 555-6011"])
        XCTAssertEqual(sdp.bandwidths, [Bandwidth(type: "CT", value: 128)])
        XCTAssertEqual(sdp.timing, [Timing(start: 2_873_397_496, stop: 2_873_404_696, repeats: ["604800 3600 0 90000"])])
        XCTAssertEqual(sdp.timeZones, "2882844526 -1h 2898848070 0")
        XCTAssertEqual(sdp.encryptionKey, "prompt")
        XCTAssertEqual(sdp.direction, .recvonly)
        XCTAssertEqual(sdp.media[0].information, "voice")
        XCTAssertEqual(sdp.direction(of: sdp.media[1]), .recvonly, "session-level direction applies")
        XCTAssertEqual(sdp.media[2].port, 51372)
        XCTAssertEqual(sdp.media[2].portCount, 2)
        XCTAssertEqual(sdp.media[2].connection, Connection(addrType: "IP6", address: "2001:db8::2"))
        XCTAssertEqual(sdp.connection(of: sdp.media[0])?.address, "198.51.100.1")
    }

    func testMediaDirectionOverridesSession() throws {
        let sdp = try Fixtures.parse(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=inactive\r\n"
                + "m=audio 5004 RTP/AVP 0\r\na=sendonly\r\nm=audio 5006 RTP/AVP 0\r\n")
        XCTAssertEqual(sdp.direction(of: sdp.media[0]), .sendonly)
        XCTAssertEqual(sdp.direction(of: sdp.media[1]), .inactive)
    }

    func testMulticastConnections() throws {
        let sdp = try Fixtures.parse(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 233.252.0.1/127/3\r\nt=0 0\r\n"
                + "m=audio 5004 RTP/AVP 0\r\nc=IN IP6 ff15::101/3\r\nc=IN IP6 [2001:db8::7]\r\n")
        XCTAssertEqual(sdp.connection, Connection(addrType: "IP4", address: "233.252.0.1", ttl: 127, addressCount: 3))
        XCTAssertEqual(sdp.media[0].connections, [
            Connection(addrType: "IP6", address: "ff15::101", addressCount: 3),
            Connection(addrType: "IP6", address: "2001:db8::7"),
        ])
    }

    func testRejectedMediaMayOmitFormats() throws {
        let sdp = try Fixtures.parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP\r\n")
        XCTAssertEqual(sdp.media[0].formats, [])
        XCTAssertTrue(sdp.media[0].isRejected)
    }

    // MARK: Malformed bodies: the exact error

    private let head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

    private func assertError(
        _ text: String, _ code: SDPError.Code, line: Int?, _ message: String,
        file: StaticString = #filePath, lineNumber: UInt = #line
    ) {
        XCTAssertThrowsError(try SessionDescription(parsing: text), file: file, line: lineNumber) { error in
            XCTAssertEqual(error as? SDPError, SDPError(code: code, line: line, message: message), file: file, line: lineNumber)
        }
    }

    func testEmptyBody() {
        assertError("", .empty, line: nil, "the body has no SDP lines; it must start with v=0 (RFC 8866 §5)")
        assertError("\r\n\r\n", .empty, line: nil, "the body has no SDP lines; it must start with v=0 (RFC 8866 §5)")
    }

    func testVersionMustComeFirstAndBeZero() {
        assertError("o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n", .versionNotFirst, line: 1,
                    "line 1: an SDP body must start with v=0, found o= first (RFC 8866 §5)")
        assertError("v=1\r\n", .unsupportedVersion, line: 1, "line 1: v=1 is not supported; only v=0 exists (RFC 8866 §5.1)")
        assertError("v=0\r\nv=0\r\n", .duplicateLine, line: 2, "line 2: second v= line; a body holds one session description")
    }

    func testNotATypeValueLine() {
        assertError("v=0\r\nhello world\r\n", .malformedLine, line: 2,
                    "line 2: expected <type>=<value>, found \"hello world\" (RFC 8866 §5)")
        assertError("v=0\r\n=0\r\n", .malformedLine, line: 2, "line 2: expected <type>=<value>, found \"=0\" (RFC 8866 §5)")
    }

    func testMalformedOrigin() {
        assertError("v=0\r\no=- 1 IN IP4\r\n", .malformedOrigin, line: 2,
                    "line 2: o= must have 6 fields (<username> <sess-id> <sess-version> <nettype> <addrtype> <address>), found 4 (RFC 8866 §5.2)")
        assertError("v=0\r\no=- abc 1 IN IP4 192.0.2.1\r\n", .malformedOrigin, line: 2,
                    "line 2: o= sess-id \"abc\" is not a decimal number that fits in 64 bits (RFC 8866 §5.2)")
        assertError("v=0\r\no=- 1 18446744073709551616 IN IP4 192.0.2.1\r\n", .malformedOrigin, line: 2,
                    "line 2: o= sess-version \"18446744073709551616\" is not a decimal number that fits in 64 bits (RFC 8866 §5.2)")
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\no=- 1 1 IN IP4 192.0.2.1\r\n", .duplicateLine, line: 3,
                    "line 3: second o= line (RFC 8866 §5.2 allows one)")
    }

    func testMissingMandatoryLines() {
        assertError("v=0\r\ns=-\r\nt=0 0\r\n", .missingMandatoryLine, line: 4,
                    "line 4: missing the mandatory o= line (origin, RFC 8866 §5.2) before the end of the body")
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n",
                    .missingMandatoryLine, line: 5,
                    "line 5: missing the mandatory s= line (session name, RFC 8866 §5.3) before the first m= line")
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nm=audio 5004 RTP/AVP 0\r\n",
                    .missingMandatoryLine, line: 5,
                    "line 5: missing the mandatory t= line (timing, RFC 8866 §5.9; SIP uses t=0 0) before the first m= line")
    }

    func testMalformedConnection() {
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN 192.0.2.1\r\n", .malformedConnection, line: 4,
                    "line 4: c= must have 3 fields (<nettype> <addrtype> <connection-address>), found 2 (RFC 8866 §5.7)")
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 233.252.0.1/300\r\n", .malformedConnection, line: 4,
                    "line 4: c= address \"233.252.0.1/300\" has a TTL that is not in 0...255 (RFC 8866 §5.7)")
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP6 ff15::1/2/3\r\n", .malformedConnection, line: 4,
                    "line 4: c= address \"ff15::1/2/3\" has more than one /-suffix (IP6 has no TTL) (RFC 8866 §5.7)")
        assertError(head + "c=IN IP4 192.0.2.2\r\n", .duplicateLine, line: 6,
                    "line 6: second session-level c= line (RFC 8866 §5.7 allows one)")
    }

    func testMissingConnectionForActiveMedia() {
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\nm=audio 5004 RTP/AVP 0\r\n",
                    .missingConnection, line: 6,
                    "line 6: m=audio has no c= line and there is no session-level c= (RFC 8866 §5.7)")
    }

    func testMalformedMedia() {
        assertError(head + "m=audio 5004\r\n", .malformedMedia, line: 6,
                    "line 6: m= must have <media> <port> <proto> <fmt>..., found 2 fields (RFC 8866 §5.14)")
        assertError(head + "m=audio 70000 RTP/AVP 0\r\n", .malformedMedia, line: 6,
                    "line 6: m= port \"70000\" is not a number in 0...65535 (RFC 8866 §5.14)")
        assertError(head + "m=audio 5004/0 RTP/AVP 0\r\n", .malformedMedia, line: 6,
                    "line 6: m= port count in \"5004/0\" is not a positive number (RFC 8866 §5.14)")
        assertError(head + "m=audio 5004 RTP/AVP\r\n", .malformedMedia, line: 6,
                    "line 6: m=audio lists no formats; at least one is required (RFC 8866 §5.14)")
    }

    func testMalformedTimingAndBandwidth() {
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=now 0\r\n", .malformedTiming, line: 4,
                    "line 4: t=now 0 is not <start-time> <stop-time> in decimal NTP seconds (RFC 8866 §5.9)")
        assertError("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nr=7d 1h 0 25h\r\n", .malformedTiming, line: 4,
                    "line 4: r= must follow a t= line (RFC 8866 §5.10)")
        assertError(head + "b=AS\r\n", .malformedBandwidth, line: 6,
                    "line 6: b=AS is not <bwtype>:<bandwidth> with a decimal bandwidth (RFC 8866 §5.8)")
        assertError(head + "m=audio 5004 RTP/AVP 0\r\nb=AS:-1\r\n", .malformedBandwidth, line: 7,
                    "line 7: b=AS:-1 is not <bwtype>:<bandwidth> with a decimal bandwidth (RFC 8866 §5.8)")
    }

    func testSessionLineAfterMedia() {
        assertError(head + "m=audio 5004 RTP/AVP 0\r\na=sendrecv\r\ns=again\r\n", .unexpectedLine, line: 8,
                    "line 8: s= is a session-level line but follows the m= on line 6 (RFC 8866 §5)")
    }

    // MARK: Bounds

    func testBodyTooLarge() {
        let text = head + "m=audio 5004 RTP/AVP 0\r\n" + String(repeating: "a=x-padding:0123456789abcdef\r\n", count: 3000)
        let message = "the body is \(text.utf8.count) bytes, over the 65536-byte limit; raise SDPLimits.maxBytes if such bodies are legitimate"
        assertError(text, .bodyTooLarge, line: nil, message)
        XCTAssertThrowsError(try SessionDescription(parsing: Array(text.utf8))) { error in
            XCTAssertEqual((error as? SDPError)?.code, .bodyTooLarge)
        }
        XCTAssertNoThrow(try SessionDescription(parsing: text, limits: SDPLimits(maxBytes: 1 << 20)))
    }

    func testTooManyMediaDescriptions() throws {
        let sixtyFour = head + String(repeating: "m=audio 5004 RTP/AVP 0\r\n", count: 64)
        XCTAssertEqual(try Fixtures.parse(sixtyFour).media.count, 64)
        assertError(sixtyFour + "m=audio 5004 RTP/AVP 0\r\n", .tooManyMediaDescriptions, line: 70,
                    "line 70: more than 64 m= lines; raise SDPLimits.maxMediaDescriptions if legitimate")
    }

    func testErrorDescriptionNamesCodeAndLine() {
        let error = SDPError(code: .malformedMedia, line: 6, message: "line 6: m= port \"x\" is not a number")
        XCTAssertEqual(error.description, "SDP malformedMedia: line 6: m= port \"x\" is not a number")
    }
}
