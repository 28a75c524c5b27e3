import SDP
import XCTest

final class SDPSerializerTests: XCTestCase {
    /// Canonical bodies (CRLF, RFC order, single spaces) come back byte for byte.
    func testCanonicalBodiesRoundTripExactly() throws {
        for body in [Fixtures.sipp, Fixtures.baresip, Fixtures.baresipPCMAFirst, Fixtures.linphone] {
            let sdp = try Fixtures.parse(body)
            XCTAssertEqual(sdp.serialized(), body)
            XCTAssertEqual(sdp.serializedBytes(), Array(body.utf8))
        }
    }

    func testSerializesInRFCOrderWhateverTheInputOrder() throws {
        let scrambled = Fixtures.crlf("""
            v=0
            a=group:BUNDLE audio
            t=0 0
            k=prompt
            z=2882844526 -1h
            c=IN IP4 192.0.2.1
            b=AS:64
            p=+1 555 0100
            e=ops@example.com
            u=https://example.com
            i=info
            s=name
            o=- 7 8 IN IP4 192.0.2.1
            m=audio 5004/2 RTP/AVP 0
            a=sendonly
            k=clear:secret
            b=AS:32
            c=IN IP4 233.252.0.1/16
            i=voice

            """)
        let expected = Fixtures.crlf("""
            v=0
            o=- 7 8 IN IP4 192.0.2.1
            s=name
            i=info
            u=https://example.com
            e=ops@example.com
            p=+1 555 0100
            c=IN IP4 192.0.2.1
            b=AS:64
            t=0 0
            z=2882844526 -1h
            k=prompt
            a=group:BUNDLE audio
            m=audio 5004/2 RTP/AVP 0
            i=voice
            c=IN IP4 233.252.0.1/16
            b=AS:32
            k=clear:secret
            a=sendonly

            """)
        XCTAssertEqual(try Fixtures.parse(scrambled).serialized(), expected)
    }

    func testBuiltDescriptionSerializes() {
        let sdp = SessionDescription(
            origin: Origin(username: "hotline", sessionID: 1, sessionVersion: 2, addrType: "IP6", address: "2001:db8::10"),
            sessionName: "",
            connection: Connection(address: "[2001:db8::10]"),
            timing: [],
            media: [MediaDescription(
                mediaType: "audio", port: 40000, formats: ["0", "101"],
                attributes: [
                    .rtpmap(RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000)),
                    .rtpmap(RTPMap(payloadType: 101, encodingName: "telephone-event", clockRate: 8000)),
                    .fmtp(format: "101", parameters: "0-16"),
                    .ptime(20),
                    .rtcp(port: 40001),
                    .direction(.recvonly),
                ])])
        XCTAssertEqual(sdp.serialized(), Fixtures.crlf("""
            v=0
            o=hotline 1 2 IN IP6 2001:db8::10
            s=\u{20}
            c=IN IP6 2001:db8::10
            t=0 0
            m=audio 40000 RTP/AVP 0 101
            a=rtpmap:0 PCMU/8000
            a=rtpmap:101 telephone-event/8000
            a=fmtp:101 0-16
            a=ptime:20
            a=rtcp:40001
            a=recvonly

            """))
    }

    func testBlankSessionNameRoundTripsAsEmpty() throws {
        let sdp = try Fixtures.parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=\r\nt=0 0\r\n")
        XCTAssertEqual(sdp.sessionName, "")
        XCTAssertTrue(sdp.serialized().contains("\r\ns= \r\n"))
        XCTAssertEqual(try Fixtures.parse(sdp.serialized()), sdp)
    }

    // MARK: Fuzz (STYLE.md §5)

    /// Mutated bodies never crash the parser; whatever parses re-serializes to a body
    /// that parses to the same value.
    func testMutatedBodiesParseOrFailCleanlyAndRoundTrip() {
        let corpus = [Fixtures.sipp, Fixtures.baresip, Fixtures.baresipPCMAFirst, Fixtures.linphone].map { Array($0.utf8) }
        let alphabet = Array("v=oscmatbrzkiuep0123456789 :/.-\r\n\t[]IP46NRTAV".utf8) + [0x00, 0xFF, 0xC3]
        var random = SplitMix64(seed: 0x5D9_2026)
        var parsed = 0
        for iteration in 0..<4000 {
            var bytes = corpus[iteration % corpus.count]
            for _ in 0..<(1 + random.next(below: 4)) {
                let position = random.next(below: bytes.count + 1)
                switch random.next(below: 5) {
                case 0 where position < bytes.count: bytes[position] = alphabet[random.next(below: alphabet.count)]
                case 1 where position < bytes.count: bytes.remove(at: position)
                case 2: bytes.insert(alphabet[random.next(below: alphabet.count)], at: position)
                case 3: bytes.removeSubrange(position...)
                default:  // duplicate a random stretch
                    let end = min(bytes.count, position + random.next(below: 40))
                    bytes.insert(contentsOf: bytes[position..<end], at: position)
                }
            }
            do {
                let sdp = try SessionDescription(parsing: bytes)
                parsed += 1
                do {
                    let again = try SessionDescription(parsing: sdp.serialized())
                    XCTAssertEqual(again, sdp, "round trip of mutation \(iteration): \(String(decoding: bytes, as: UTF8.self))")
                } catch {
                    XCTFail("serialized mutation \(iteration) does not parse: \(error)\n\(sdp.serialized())")
                }
            } catch {
                // Typed throws: only SDPError can arrive here. Its message names the line.
                if let line = error.line {
                    XCTAssertTrue(error.message.hasPrefix("line \(line): "), error.message)
                }
            }
        }
        XCTAssertGreaterThan(parsed, 200, "the mutations should leave many bodies valid")
    }
}

/// A small deterministic generator, so a fuzz failure reproduces.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int {
        bound <= 1 ? 0 : Int(next() % UInt64(bound))
    }
}
