import HotlineTestSupport
import SIPMessage
import XCTest

/// `SIPRequest.validate()` / `SIPResponse.validate()` (RFC 3261 §8.1.1, §8.2; RFC 4475).
final class ValidationTests: XCTestCase {
    private let builder = SIPMessageBuilder()

    func test_validRequest_essentials() throws {
        let e = try builder.invite().validate()
        XCTAssertEqual(e.vias.map(\.branch), ["z9hG4bK776asdhds"])
        XCTAssertEqual(e.callID, "a84b4c76e66710@pc33.atlanta.example.com")
        XCTAssertEqual(e.from.tag, "1928301774")
        XCTAssertEqual(e.from.displayName, "Alice")
        XCTAssertNil(e.to.tag)
        XCTAssertEqual(e.cseq, CSeq(314_159, .invite))
        XCTAssertEqual(e.maxForwards, 70)
        XCTAssertEqual(e.contacts?.map(\.sipURI?.host), ["pc33.atlanta.example.com"])
        XCTAssertNil(e.expires)
        XCTAssertEqual(try builder.register(expires: 600).validate().expires, 600)
    }

    func test_missingEachMandatoryHeader() {
        for (name, label) in [(SIPHeaderName.via, "Via"), (.callID, "Call-ID"), (.from, "From"), (.to, "To"), (.cseq, "CSeq")] {
            var r = builder.options()
            r.headers.remove(name)
            let e = validationError(r)
            assertError(e, .missingHeader, status: 400)
            XCTAssertEqual(e?.detail.contains(label), true, "\(label): \(e?.detail ?? "")")
            XCTAssertEqual(e?.partial, r)
        }
    }

    func test_repeatedSingleValuedHeaders() {
        for name in [SIPHeaderName.callID, .from, .to, .cseq, .maxForwards, .expires] {
            var r = builder.register()
            r.headers.add(name, r.headers[name] ?? "1")
            assertError(validationError(r), .duplicateHeader, status: 400)
        }
    }

    func test_scalarBounds() throws {
        var r = builder.register()
        r.headers.set(.maxForwards, "255")
        r.headers.set(.expires, "4294967295")
        XCTAssertEqual(try r.validate().maxForwards, 255)
        XCTAssertEqual(try r.validate().expires, UInt32.max)
        for (name, value) in [(SIPHeaderName.maxForwards, "256"), (.expires, "4294967296"), (.cseq, "4294967296 REGISTER")] {
            var bad = builder.register()
            bad.headers.set(name, value)
            assertError(validationError(bad), .valueOutOfRange, status: 400)
        }
        for (name, value) in [(SIPHeaderName.maxForwards, "-1"), (.maxForwards, "ten"), (.maxForwards, ""), (.expires, "1.5")] {
            var bad = builder.register()
            bad.headers.set(name, value)
            assertError(validationError(bad), .malformedHeader, status: 400)
        }
        var contact = builder.register()
        contact.headers.set(.contact, "<sip:a@h.example.com>;expires=4294967296")
        assertError(validationError(contact), .valueOutOfRange, status: 400)
        contact.headers.set(.contact, "<sip:a@h.example.com>;expires=soon")
        assertError(validationError(contact), .malformedHeader, status: 400)
    }

    func test_callIDWithWhitespace_isMalformed() {
        var r = builder.options()
        r.headers.set(.callID, "two words")
        assertError(validationError(r), .malformedHeader, status: 400)
    }

    func test_contactStar() throws {
        var r = builder.register(expires: 0)
        r.headers.set(.contact, "*")
        XCTAssertNil(try r.validate().contacts)
        r.headers.add(.contact, "<sip:a@h.example.com>")
        assertError(validationError(r), .malformedHeader, status: 400)
    }

    func test_cseqMethodMustMatch_ACKToo() throws {
        assertError(validationError(builder.request(.bye, cseqMethod: .invite)), .cseqMismatch, status: 400)
        assertError(validationError(builder.request(.ack, cseqMethod: .invite)), .cseqMismatch, status: 400)
        XCTAssertEqual(try builder.ack().validate().cseq.method, .ack)
        XCTAssertEqual(try builder.cancel().validate().cseq, CSeq(314_159, .cancel))
    }

    func test_response_validateFailuresAreDiscards() throws {
        let invite = builder.invite()
        let ok = builder.ok(to: invite)
        let e = try ok.validate()
        XCTAssertEqual(e.to.tag, "a6c85cf")
        XCTAssertEqual(e.topVia.branch, "z9hG4bK776asdhds")
        XCTAssertEqual(e.cseq, CSeq(314_159, .invite))
        for name in [SIPHeaderName.via, .from, .to, .callID, .cseq] {
            var bad = ok
            bad.headers.remove(name)
            do {
                _ = try bad.validate()
                XCTFail("\(name) missing")
            } catch {
                XCTAssertEqual(error.code, .missingHeader)
                XCTAssertNil(error.statusCode)
                XCTAssertNil(error.partial)
            }
        }
    }

    func test_reasonPhrase() {
        let e = SIPParseError(.malformedHeader, "To: bad\r\nthing " + String(repeating: "x", count: 300))
        XCTAssertTrue(e.reasonPhrase.hasPrefix("Bad Request (To: bad thing xxx"))
        XCTAssertFalse(e.reasonPhrase.utf8.contains { $0 == 0x0D || $0 == 0x0A })
        XCTAssertLessThanOrEqual(e.reasonPhrase.count, "Bad Request ()".count + 120)
        XCTAssertEqual(SIPParseError(.unsupportedVersion, "v", statusCode: 505).reasonPhrase, "Version Not Supported (v)")
        XCTAssertEqual(SIPParseError(.tooLarge, "big", statusCode: nil).reasonPhrase, "Bad Request (big)")
        XCTAssertEqual(e.description, "malformed header: " + e.detail)
    }
}
