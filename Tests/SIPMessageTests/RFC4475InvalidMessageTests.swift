import HotlineTestSupport
import SIPMessage
import XCTest

/// RFC 4475 §3.1.2: invalid messages. Each test pins the exact error code and the status
/// a UAS answers with (nil = drop silently), and checks that an answerable error carries
/// the headers a 400 copies (RFC 3261 §8.2.6.2).
final class RFC4475InvalidMessageTests: XCTestCase {
    /// §3.1.2.1 Extraneous Header Field Separators: the message frames, `validate()` rejects
    /// the Via with stray `;` and `,`.
    func test_badinv01() throws {
        let r = try request("badinv01")
        XCTAssertEqual(r.headers.values(.via), ["SIP/2.0/UDP 192.0.2.15;;", ";", "", ""])
        let e = validationError(r)
        assertError(e, .malformedHeader, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("Via:") ?? false, e?.detail ?? "")
        XCTAssertEqual(e?.partial, r)
        // The Contact with `;;;;` is just as bad on its own.
        XCTAssertThrowsError(try r.contacts()) { XCTAssertEqual(($0 as? SIPParseError)?.code, .malformedHeader) }
        XCTAssertEqual(r.body.count, 152)
    }

    /// §3.1.2.2 Content Length Larger Than Message: on UDP, 400 (never read past the datagram).
    func test_clerr() throws {
        let e = parseError(try datagram("clerr"))
        assertError(e, .truncatedBody, status: 400)
        XCTAssertEqual(e?.partial?.method, .invite)
        XCTAssertEqual(try e?.partial?.callID(), "clerr.0ha0isndaksdjweiafasdk3")
        XCTAssertEqual(try e?.partial?.cseq(), CSeq(8, .invite))
        XCTAssertEqual(try e?.partial?.topVia().branch, "z9hG4bK-39234-23523")
        XCTAssertEqual(e?.partial?.body, [], "the partial request never carries a guessed body")
    }

    /// §3.1.2.3 Negative Content-Length: 400, never used as a count.
    func test_ncl() throws {
        let e = parseError(try datagram("ncl"))
        assertError(e, .invalidContentLength, status: 400)
        XCTAssertTrue(e?.detail.contains("-999") ?? false)
        XCTAssertEqual(try e?.partial?.callID(), "ncl.0ha0isndaksdj2193423r542w35")
        XCTAssertEqual(try e?.partial?.from().tag, "32394234")
        XCTAssertEqual(e?.partial?.body, [])
    }

    /// §3.1.2.4 Request Scalar Fields with Overlarge Values: each of CSeq, Max-Forwards,
    /// Expires and the contact `expires` alone is out of range.
    func test_scalar02() throws {
        var r = try request("scalar02")
        var e = validationError(r)
        assertError(e, .valueOutOfRange, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("CSeq") ?? false, e?.detail ?? "")
        XCTAssertEqual(e?.partial, r)

        r.headers.set(.cseq, "36 REGISTER")
        e = validationError(r)
        assertError(e, .valueOutOfRange, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("Max-Forwards") ?? false, e?.detail ?? "")

        r.headers.set(.maxForwards, "70")
        e = validationError(r)
        assertError(e, .valueOutOfRange, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("Expires") ?? false, e?.detail ?? "")

        r.headers.set(.expires, "3600")
        e = validationError(r)
        assertError(e, .valueOutOfRange, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("Contact expires") ?? false, e?.detail ?? "")

        r.headers.set(.contact, "<sip:user@host129.example.com>;expires=4294967295")
        let essentials = try r.validate()
        XCTAssertEqual(essentials.cseq, CSeq(36, .register))
        XCTAssertEqual(essentials.maxForwards, 70)
        XCTAssertEqual(essentials.expires, 3600)
    }

    /// §3.1.2.5 Response Scalar Fields with Overlarge Values: a response is discarded, not
    /// answered.
    func test_scalarlg() throws {
        let r = try response("scalarlg")
        XCTAssertEqual(r.statusCode, 503)
        XCTAssertEqual(r.reason, "Service Unavailable")
        XCTAssertEqual(r.headers[.retryAfter], "949302838503028349304023988")
        XCTAssertEqual(r.headers[.warning], "1812 overture \"In Progress\"")
        do {
            _ = try r.validate()
            XCTFail("a CSeq above 2**32-1 must not validate")
        } catch {
            XCTAssertEqual(error.code, .valueOutOfRange)
            XCTAssertNil(error.statusCode, "responses are never answered")
            XCTAssertNil(error.partial)
        }
    }

    /// §3.1.2.6 Unterminated Quoted String in Display Name.
    func test_quotbal() throws {
        let r = try request("quotbal")
        let e = validationError(r)
        assertError(e, .malformedHeader, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("To:") ?? false, e?.detail ?? "")
        XCTAssertEqual(try e?.partial?.from().tag, "93334")
        XCTAssertEqual(try e?.partial?.topVia().port, 5050)
    }

    /// §3.1.2.7 `<>` Enclosing Request-URI: rejected with 400, not unwrapped.
    func test_ltgtruri() throws {
        let e = parseError(try datagram("ltgtruri"))
        assertError(e, .malformedRequestURI, status: 400)
        XCTAssertEqual(e?.partial?.method, .invite)
        XCTAssertEqual(try e?.partial?.callID(), "ltgtruri.1@192.0.2.5")
        XCTAssertEqual(try e?.partial?.topVia().host, "192.0.2.5")
        XCTAssertNil(try e?.partial?.topVia().branch)
    }

    /// §3.1.2.8 Malformed SIP Request-URI (embedded LWS): rejected with 400.
    func test_lwsruri() throws {
        let e = parseError(try datagram("lwsruri"))
        assertError(e, .malformedRequestURI, status: 400)
        XCTAssertEqual(try e?.partial?.cseq(), CSeq(2_130_706_432, .invite))
        XCTAssertEqual(try e?.partial?.to().tag, "3xfe-9921883-z9f")
    }

    /// §3.1.2.9 Multiple SP Separating Request-Line Elements: we take the "may reject" and
    /// answer 400.
    func test_lwsstart() throws {
        let e = parseError(try datagram("lwsstart"))
        assertError(e, .malformedRequestURI, status: 400)
        XCTAssertEqual(try e?.partial?.callID(), "lwsstart.dfknq234oi243099adsdfnawe3@example.com")
        XCTAssertEqual(try e?.partial?.cseq(), CSeq(1_893_884, .invite))
    }

    /// §3.1.2.10 SP Characters at End of Request-Line: we reject with 400 (the RFC allows it).
    /// The partial request still has its Request-URI, so the 400 is a normal response.
    func test_trws() throws {
        let bytes = try datagram("trws")
        XCTAssertTrue(bytes.text.hasPrefix("OPTIONS sip:remote-target@example.com SIP/2.0  \r\nVia:"))
        let e = parseError(bytes)
        assertError(e, .malformedStartLine, status: 400)
        XCTAssertEqual(e?.partial?.method, .options)
        XCTAssertEqual(e?.partial?.uri.sipURI?.user, "remote-target")
        XCTAssertEqual(try e?.partial?.callID(), "trws.oicu34958239neffasdhr2345r")
        XCTAssertEqual(try e?.partial?.topVia().transport, "TCP")
    }

    /// §3.1.2.11 Escaped Headers in SIP Request-URI: accepted (liberal); the URI header is
    /// kept as data of the URI, never turned into a message header.
    func test_escruri() throws {
        let r = try request("escruri")
        let ruri = try XCTUnwrap(r.uri.sipURI)
        XCTAssertEqual(ruri.user, "user")
        XCTAssertEqual(ruri.host, "example.com")
        XCTAssertEqual(ruri.headers, params(("Route", "<sip:example.com>")))
        XCTAssertFalse(r.headers.contains(.route))
        XCTAssertEqual(try r.validate().cseq, CSeq(149_209_342, .invite))
        XCTAssertEqual(ruri.description, "sip:user@example.com?Route=%3Csip:example.com%3E")
        assertRoundTrip(r)
    }

    /// §3.1.2.12 Invalid Time Zone in Date Header Field: accepted, Date is opaque to us.
    func test_baddate() throws {
        let r = try request("baddate")
        XCTAssertEqual(r.headers[.date], "Fri, 01 Jan 2010 16:00:00 EST")
        XCTAssertEqual(try r.validate().cseq, CSeq(1_392_934, .invite))
        XCTAssertEqual(r.body.count, 150)
        assertRoundTrip(r)
    }

    /// §3.1.2.13 Failure to Enclose name-addr URI in `<>`: a Contact URI with `?` headers
    /// must be a name-addr.
    func test_regbadct() throws {
        let r = try request("regbadct")
        let e = validationError(r)
        assertError(e, .malformedHeader, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("Contact:") ?? false, e?.detail ?? "")
        XCTAssertEqual(try e?.partial?.topVia().host, "135.180.130.133")
    }

    /// §3.1.2.14 Spaces within addr-spec: `< sip:t.watson@example.org >` is rejected; the
    /// quoted comma in From is fine.
    func test_badaspec() throws {
        let r = try request("badaspec")
        XCTAssertEqual(try r.from().displayName, "Bell, Alexander")
        let e = validationError(r)
        assertError(e, .malformedHeader, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("To:") ?? false, e?.detail ?? "")
    }

    /// §3.1.2.15 Non-token Characters in Display Name: `Bell, Alexander` unquoted.
    func test_baddn() throws {
        let bytes = try datagram("baddn")
        XCTAssertFalse(bytes.text.hasSuffix("\r\n\r\n"), "archived without the closing blank line")
        let r = try request("baddn")
        let e = validationError(r)
        assertError(e, .malformedHeader, status: 400)
        XCTAssertTrue(e?.detail.hasPrefix("From:") ?? false, e?.detail ?? "")
        XCTAssertThrowsError(try r.to())
    }

    /// §3.1.2.16 Unknown Protocol Version: 505, answerable.
    func test_badvers() throws {
        let e = parseError(try datagram("badvers"))
        assertError(e, .unsupportedVersion, status: 505)
        XCTAssertEqual(e?.reasonPhrase.hasPrefix("Version Not Supported"), true)
        XCTAssertEqual(e?.partial?.method, .options)
        XCTAssertEqual(try e?.partial?.callID(), "badvers.31417@c.example.com")
        XCTAssertEqual(try e?.partial?.from().tag, "qweoiqpe")
        // Its Via says SIP/7.0 too: our Via parser refuses it, so a 505 must be built from
        // the raw Via line (copied verbatim, RFC 3261 §8.2.6.2).
        XCTAssertEqual(e?.partial?.headers[.via], "SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw")
        XCTAssertThrowsError(try e?.partial?.topVia())
    }

    /// §3.1.2.17 Start Line and CSeq Method Mismatch.
    func test_mismatch01() throws {
        let r = try request("mismatch01")
        let e = validationError(r)
        assertError(e, .cseqMismatch, status: 400)
        XCTAssertEqual(r.method, .options)
        XCTAssertEqual(try r.cseq(), CSeq(8, .invite))
    }

    /// §3.1.2.18 Unknown Method with CSeq Method Mismatch: `.cseqMismatch` lets the UAS
    /// prefer 501 for a method it does not know.
    func test_mismatch02() throws {
        let r = try request("mismatch02")
        XCTAssertEqual(r.method.rawValue, "NEWMETHOD")
        let e = validationError(r)
        assertError(e, .cseqMismatch, status: 400)
        XCTAssertEqual(r.body.count, 138)
        XCTAssertEqual(r.contentType, "application/sdp")
    }

    /// §3.1.2.19 Overlarge Response Code: dropped (no status, nothing to answer).
    func test_bigcode() throws {
        let e = parseError(try datagram("bigcode"))
        assertError(e, .invalidStatusCode, status: nil)
        XCTAssertNil(e?.partial)
    }
}
