import HotlineTestSupport
import SIPMessage
import XCTest

/// RFC 4475 §3.2 (transaction identifier), §3.3 (application-layer semantics), §3.4
/// (backward compatibility) and the archive's undocumented `test.dat`. Most of these parse;
/// what an element then does is its business, so the tests pin the fields it decides on.
final class RFC4475SemanticMessageTests: XCTestCase {
    /// §3.2.1 Missing Transaction Identifier: parses; a bare magic cookie is no RFC 3261 branch.
    func test_badbranch() throws {
        let r = try request("badbranch")
        let via = try r.topVia()
        XCTAssertEqual(via.branch, "z9hG4bK")
        XCTAssertFalse(via.hasRFC3261Branch)
        XCTAssertEqual(try r.validate().cseq, CSeq(8, .options))
        assertRoundTrip(r)
    }

    /// §3.3.1 Missing Required Header Fields: no Call-ID, From or To: 400 `.missingHeader`.
    func test_insuf() throws {
        let r = try request("insuf")
        XCTAssertFalse(r.headers.contains(.callID) || r.headers.contains(.from) || r.headers.contains(.to))
        let e = validationError(r)
        assertError(e, .missingHeader, status: 400)
        XCTAssertEqual(e?.detail, "missing Call-ID header")
        XCTAssertEqual(try e?.partial?.topVia().branch, "z9hG4bKkdj.insuf")
        XCTAssertEqual(r.body.count, 152)
    }

    /// §3.3.2 Request-URI with Unknown Scheme: parses, as an opaque `.other` URI (416 is the
    /// application's answer).
    func test_unkscm() throws {
        let r = try request("unkscm")
        XCTAssertEqual(r.uri, .other(scheme: "nobodyknowsthisscheme", text: "nobodyKnowsThisScheme:totallyopaquecontent"))
        XCTAssertEqual(r.uri.scheme, "nobodyknowsthisscheme")
        XCTAssertNil(r.uri.sipURI)
        XCTAssertNil(r.uri.userOrNumber)
        XCTAssertEqual(try r.to().sipURI?.user, "user", "To is parsed but never routed on")
        XCTAssertEqual(try r.validate().cseq, CSeq(3_923_423, .options))
        assertRoundTrip(r)
    }

    /// §3.3.3 Request-URI with Known but Atypical Scheme.
    func test_novelsc() throws {
        let r = try request("novelsc")
        XCTAssertEqual(r.uri, .other(scheme: "soap.beep", text: "soap.beep://192.0.2.103:3002"))
        XCTAssertEqual(r.uri.description, "soap.beep://192.0.2.103:3002")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §3.3.4 Unknown URI Schemes in Header Fields: To, From and Contact with isbn:, http:
    /// and name: URIs all parse (a registrar then answers 400 for the non-SIP AOR).
    func test_unksm2() throws {
        let r = try request("unksm2")
        let to = try r.to()
        XCTAssertEqual(to.uri, .other(scheme: "isbn", text: "isbn:2983792873"))
        XCTAssertNil(to.displayName)
        let from = try r.from()
        XCTAssertEqual(from.uri, .other(scheme: "http", text: "http://www.example.com"))
        XCTAssertEqual(from.tag, "3234233")
        XCTAssertEqual(try r.contacts()?.map(\.uri), [.other(scheme: "name", text: "name:John_Smith")])
        XCTAssertNil(to.sipURI)
        XCTAssertEqual(try r.validate().to.uri.scheme, "isbn")
        assertRoundTrip(r)
    }

    /// §3.3.5 Proxy-Require and Require: the option tags an element must refuse with 420.
    func test_bext01() throws {
        let r = try request("bext01")
        XCTAssertEqual(r.headers.tokens(.require), ["nothingSupportsThis", "nothingSupportsThisEither"])
        XCTAssertEqual(r.headers.tokens(.proxyRequire), ["noProxiesSupportThis", "norDoAnyProxiesSupportThis"])
        XCTAssertEqual(try r.topVia().transport, "TLS")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §3.3.6 Unknown Content-Type: parses; 415 is the application's.
    func test_invut() throws {
        let r = try request("invut")
        XCTAssertEqual(r.contentType, "application/unknownformat")
        XCTAssertEqual(r.body.text, "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n")
        XCTAssertEqual(r.body.count, 40)
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §3.3.7 Unknown Authorization Scheme: kept verbatim, a single (non-list) value.
    func test_regaut01() throws {
        let r = try request("regaut01")
        XCTAssertEqual(r.headers.values(.authorization), ["NoOneKnowsThisScheme opaque-data=here"])
        XCTAssertFalse(SIPHeaderName.authorization.isList)
        XCTAssertEqual(r.headers.lines(.contentLength), ["0"])
        XCTAssertEqual(try r.validate().cseq, CSeq(9338, .register))
        assertRoundTrip(r)
    }

    /// §3.3.8 Multiple Values in Single Value Required Fields: 400 `.duplicateHeader`.
    func test_multi01() throws {
        let r = try request("multi01")
        XCTAssertEqual(r.headers.lines(.callID).count, 2)
        XCTAssertEqual(r.headers.lines(.cseq), ["5 INVITE", "59 INVITE"])
        XCTAssertEqual(r.headers.lines(.to).count, 2)
        XCTAssertEqual(r.headers.lines(.from).count, 2)
        XCTAssertEqual(r.headers.lines(.maxForwards), ["70", "5"])
        let e = validationError(r)
        assertError(e, .duplicateHeader, status: 400)
        XCTAssertEqual(e?.detail, "Call-ID appears 2 times")
        // Each of the others on its own is refused the same way.
        for check in [{ _ = try r.from() }, { _ = try r.to() }, { _ = try r.cseq() }, { _ = try r.maxForwards() }] as [() throws -> Void] {
            XCTAssertThrowsError(try check()) { XCTAssertEqual(($0 as? SIPParseError)?.code, .duplicateHeader) }
        }
        XCTAssertEqual(r.body.count, 154)
    }

    /// §3.3.9 Multiple Content-Length Values: 400, framing is lost.
    func test_mcl01() throws {
        let e = parseError(try datagram("mcl01"))
        assertError(e, .invalidContentLength, status: 400)
        XCTAssertEqual(e?.detail, "conflicting Content-Length values 13 and 5")
        XCTAssertEqual(try e?.partial?.callID(), "mcl01.fhn2323orihawfdoa3o4r52o3irsdf")
        XCTAssertEqual(e?.partial?.body, [])
    }

    /// §3.3.10 200 OK Response with Broadcast Via Header Field Value: parses; the second Via
    /// is 255.255.255.255 (a proxy must never send there).
    func test_bcast() throws {
        let r = try response("bcast")
        XCTAssertEqual(r.statusCode, 200)
        XCTAssertEqual(r.reason, "OK")
        let vias = try r.vias()
        XCTAssertEqual(vias.map(\.host), ["192.0.2.198", "255.255.255.255"])
        XCTAssertEqual(vias.map(\.branch), ["z9hG4bK1324923", "z9hG4bK1saber23"])
        XCTAssertEqual(try r.validate().topVia.host, "192.0.2.198")
        XCTAssertEqual(r.body.count, 154)
        assertRoundTrip(r)
    }

    /// §3.3.11 Max-Forwards of Zero: valid; 483 is only a proxy's answer.
    func test_zeromf() throws {
        let r = try request("zeromf")
        XCTAssertEqual(try r.maxForwards(), 0)
        XCTAssertEqual(try r.validate().maxForwards, 0)
        assertRoundTrip(r)
    }

    /// §3.3.12 REGISTER with a Contact Header Parameter: addr-spec form, so `unknownparam`
    /// is a contact-param, never a URI parameter of the binding.
    func test_cparam01() throws {
        let r = try request("cparam01")
        let contact = try XCTUnwrap(try r.contacts()?.first)
        XCTAssertEqual(contact.sipURI, SIPURI(user: "+19725552222", host: "gw1.example.net"))
        XCTAssertEqual(contact.parameters.items, params(("unknownparam", nil)))
        XCTAssertEqual(contact.description, "<sip:+19725552222@gw1.example.net>;unknownparam")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §3.3.13 REGISTER with a url-parameter: inside `<>`, so it belongs to the URI.
    func test_cparam02() throws {
        let r = try request("cparam02")
        let contact = try XCTUnwrap(try r.contacts()?.first)
        XCTAssertEqual(contact.sipURI?.parameters.items, params(("unknownparam", nil)))
        XCTAssertTrue(contact.parameters.isEmpty)
        XCTAssertEqual(contact.description, "<sip:+19725552222@gw1.example.net;unknownparam>")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §3.3.14 REGISTER with a URL Escaped Header: the binding keeps `?Route=` in its URI.
    func test_regescrt() throws {
        let r = try request("regescrt")
        let contact = try XCTUnwrap(try r.contacts()?.first)
        XCTAssertEqual(contact.sipURI?.headers, params(("Route", "<sip:sip.example.com>")))
        XCTAssertEqual(contact.sipURI?.description, "sip:user@example.com?Route=%3Csip:sip.example.com%3E")
        XCTAssertTrue(contact.parameters.isEmpty)
        XCTAssertFalse(r.headers.contains(.route))
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §3.3.15 Unacceptable Accept Offering: parses; 406 is the application's.
    func test_sdp01() throws {
        let r = try request("sdp01")
        XCTAssertEqual(r.headers.tokens(.accept), ["text/nobodyKnowsThis"])
        XCTAssertEqual(r.contentType, "application/sdp")
        XCTAssertEqual(r.body.count, 150)
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §3.4.1 INVITE with RFC 2543 Syntax: no branch, no From tag, no Max-Forwards, no
    /// Content-Length: on UDP the body is the rest of the datagram.
    func test_inv2543() throws {
        let bytes = try datagram("inv2543")
        let r = try request("inv2543")
        XCTAssertFalse(r.headers.contains(.contentLength))
        XCTAssertEqual(r.body.count, 105)
        XCTAssertEqual(r.body, Array(bytes.suffix(105)))
        XCTAssertTrue(r.body.text.hasSuffix("m=audio 49217 RTP/AVP 0\r\n"))
        let via = try r.topVia()
        XCTAssertNil(via.branch)
        XCTAssertFalse(via.hasRFC3261Branch)
        XCTAssertEqual(via.host, "iftgw.example.com")
        let essentials = try r.validate()
        XCTAssertNil(essentials.maxForwards)
        XCTAssertNil(essentials.from.tag)
        XCTAssertEqual(essentials.from.sipURI?.parameters.value("user"), "phone")
        XCTAssertEqual(essentials.to.sipURI?.user, "+16505552222")
        XCTAssertEqual(essentials.to.parameters.items, params(("user", "phone")),
                       "addr-spec form: ;user=phone belongs to the To header")
        XCTAssertEqual(try r.routes(.recordRoute).first?.sipURI?.parameters.value("maddr"), "ss1.example.com")
        // On a stream, a missing Content-Length means no body.
        guard case .request(let streamed) = try SIPParser().parse(bytes, framing: .stream) else {
            return XCTFail("not a request")
        }
        XCTAssertEqual(streamed.body, [])
        assertRoundTrip(r)
    }

    /// `test.dat` (archive only, no section): a Request-Line without a SIP version is not a
    /// request we can answer: dropped, nothing partial.
    func test_test() throws {
        let e = parseError(try datagram("test"))
        assertError(e, .malformedStartLine, status: nil)
        XCTAssertNil(e?.partial)
    }
}
