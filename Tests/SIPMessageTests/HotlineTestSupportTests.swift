import HotlineTestSupport
import SIPMessage
import XCTest

/// The helpers other test targets rely on must themselves be right.
final class HotlineTestSupportTests: XCTestCase {
    func test_splitMix64_referenceSequence() {
        var rng = SplitMix64(seed: 0)
        XCTAssertEqual([rng.next(), rng.next(), rng.next()], [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var a = SplitMix64(seed: 1_234_567), b = SplitMix64(seed: 1_234_567)
        XCTAssertEqual(a.next(), 0x599E_D017_FB08_FC85)
        XCTAssertEqual(b.next(), 0x599E_D017_FB08_FC85)
        XCTAssertEqual((0..<5).map { _ in Int.random(in: 0..<1000, using: &a) }, (0..<5).map { _ in Int.random(in: 0..<1000, using: &b) })
    }

    func test_chunking_coversEveryByteInOrder() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        for strategy in [SIPStreamChunking.whole, .byteByByte, .random(seed: 3, maxChunk: 50), .random(seed: 4, maxChunk: 1)] {
            let chunks = strategy.chunks(of: bytes)
            XCTAssertEqual(Array(chunks.joined()), bytes, "\(strategy)")
            XCTAssertFalse(chunks.contains { $0.isEmpty }, "\(strategy)")
        }
        XCTAssertEqual(SIPStreamChunking.byteByByte.chunks(of: bytes).count, 1000)
        XCTAssertEqual(SIPStreamChunking.random(seed: 9, maxChunk: 64).chunks(of: bytes),
                       SIPStreamChunking.random(seed: 9, maxChunk: 64).chunks(of: bytes), "deterministic")
    }

    func test_builder_everyRequestValidates() throws {
        var b = SIPMessageBuilder(callID: "c-1", fromTag: "ft", branch: "z9hG4bK-1", cseq: 7)
        for (request, method) in [(b.invite(), SIPMethod.invite), (b.register(), .register), (b.options(), .options),
                                  (b.bye(toTag: "tt"), .bye), (b.ack(toTag: "tt"), .ack), (b.cancel(), .cancel)] {
            XCTAssertEqual(request.method, method)
            let e = try request.validate()
            XCTAssertEqual(e.callID, "c-1")
            XCTAssertEqual(e.from.tag, "ft")
            XCTAssertEqual(e.cseq, CSeq(7, method))
            XCTAssertEqual(e.vias.first?.branch, "z9hG4bK-1")
            XCTAssertEqual(e.vias.first?.hasRport, true)
            XCTAssertEqual(request.headers.lines(.contentLength), [String(request.body.count)])
        }
        XCTAssertEqual(try b.bye(toTag: "tt").validate().to.tag, "tt")
        XCTAssertNil(try b.cancel().validate().to.tag)

        b.toTag = "dialog"
        b.cseq = 8
        XCTAssertEqual(try b.bye().validate().to.tag, "dialog")
        XCTAssertEqual(try b.bye().validate().cseq, CSeq(8, .bye))
    }

    func test_builder_inviteCarriesSDP_registerTargetsTheDomain() throws {
        let b = SIPMessageBuilder()
        let invite = b.invite()
        XCTAssertEqual(invite.contentType, "application/sdp")
        XCTAssertEqual(invite.body, Array(SIPMessageBuilder.exampleSDP.utf8))
        XCTAssertTrue(SIPMessageBuilder.exampleSDP.hasSuffix("a=sendrecv\r\n"))
        XCTAssertEqual(b.invite(sdp: nil).body, [])
        XCTAssertNotNil(try b.invite().contacts()?.first)

        let register = b.register(expires: 60)
        XCTAssertEqual(register.uri, .sip(SIPURI(host: "atlanta.example.com")))
        XCTAssertEqual(try register.to().uri, try register.from().uri)
        XCTAssertEqual(try register.expires(), 60)
    }

    func test_builder_responseCopiesTheRequestHeaders() throws {
        let b = SIPMessageBuilder()
        var invite = b.invite()
        invite.headers.add(.via, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp")
        let ringing = b.response(180, to: invite, toTag: "r1")
        XCTAssertEqual(ringing.statusCode, 180)
        XCTAssertEqual(ringing.reason, "Ringing")
        XCTAssertEqual(ringing.headers.lines(.via), invite.headers.lines(.via))
        XCTAssertEqual(ringing.headers[.from], invite.headers[.from])
        XCTAssertEqual(try ringing.to().tag, "r1")
        XCTAssertEqual(try ringing.cseq(), try invite.cseq())
        XCTAssertEqual(try ringing.callID(), try invite.callID())

        let ok = b.ok(to: invite)
        XCTAssertEqual(ok.contentType, "application/sdp")
        XCTAssertEqual(ok.body, Array(SIPMessageBuilder.exampleAnswerSDP.utf8))
        XCTAssertEqual(try ok.validate().to.tag, "a6c85cf")

        // A To that already has a tag keeps it.
        let bye = b.bye(toTag: "existing")
        XCTAssertEqual(try b.response(200, to: bye, toTag: "other").to().tag, "existing")
        XCTAssertFalse(b.response(200, to: bye).headers.contains(.contact))
    }

    func test_corpus_expectationsParse() throws {
        let corpus = try loadCorpus()
        let rows = try corpus.expectations(in: .rfc4475)
        XCTAssertEqual(rows.count, 50)
        let wsinv = try XCTUnwrap(try corpus.expectation("wsinv"))
        XCTAssertEqual(wsinv.section, "3.1.1.1")
        XCTAssertEqual(wsinv.title, "A Short Tortuous INVITE")
        XCTAssertEqual(wsinv.expected, "valid-must-parse")
        XCTAssertEqual(wsinv.columns["bytes"], "1001")
        XCTAssertEqual(try corpus.expectation("ipv6-bad", in: .rfc5118)?.expected, "invalid-must-reject-400")
        XCTAssertNil(try corpus.expectation("no-such-tag"))
        XCTAssertThrowsError(try corpus.message("no-such-tag"))
    }

    func test_corpusNotFound_saysWhereItLookedAndWhatToSet() {
        let text = SIPCorpus.NotFound(searched: ["/a/shared/corpora", "/b"]).description
        XCTAssertTrue(text.contains("/a/shared/corpora, /b"))
        XCTAssertTrue(text.contains("HOTLINE_SIP_CORPUS="))
        XCTAssertTrue(text.contains("rfc4475/ and rfc5118/"))
    }
}
