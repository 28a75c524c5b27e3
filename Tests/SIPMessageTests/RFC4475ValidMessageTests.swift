import HotlineTestSupport
import SIPMessage
import XCTest

/// RFC 4475 §3.1.1: valid messages a parser must accept, field by field.
/// One test per message, named after its tag (resiprocate's RFC4475TortureTests style).
final class RFC4475ValidMessageTests: XCTestCase {
    /// §3.1.1.1 A Short Tortuous INVITE: folding, LWS around every separator, mixed-case and
    /// compact names, leading zeros, unknown headers, empty Subject.
    func test_wsinv() throws {
        let r = try request("wsinv")
        XCTAssertEqual(r.method, .invite)
        let ruri = try XCTUnwrap(r.uri.sipURI)
        XCTAssertEqual(ruri.user, "vivekg")
        XCTAssertEqual(ruri.host, "chair-dnrc.example.com")
        XCTAssertEqual(ruri.parameters.items, params(("unknownparam", nil)))

        let to = try r.to()
        XCTAssertNil(to.displayName)
        XCTAssertEqual(to.sipURI?.user, "vivekg")
        XCTAssertEqual(to.sipURI?.host, "chair-dnrc.example.com")
        XCTAssertEqual(to.tag, "1918181833n")

        // "J Rosenberg \\\"" is the quoted-pairs \\ and \": a backslash then a quote.
        let from = try r.from()
        XCTAssertEqual(from.displayName, "J Rosenberg \\\"")
        XCTAssertEqual(from.sipURI?.user, "jdrosen")
        XCTAssertEqual(from.sipURI?.host, "example.com")
        XCTAssertEqual(from.tag, "98asjd8")

        XCTAssertEqual(try r.maxForwards(), 68)
        XCTAssertEqual(try r.callID(), "wsinv.ndaksdj@192.0.2.1")
        XCTAssertEqual(try r.cseq(), CSeq(9, .invite))

        let vias = try r.vias()
        XCTAssertEqual(vias.map(\.transport), ["UDP", "TCP", "UDP"])
        XCTAssertEqual(vias.map(\.host), ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
        XCTAssertEqual(vias.map(\.port), [nil, nil, nil])
        XCTAssertEqual(vias.map(\.branch), ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
        XCTAssertEqual(vias.map(\.hasRFC3261Branch), [false, true, true])

        // Unknown headers pass through verbatim; a folded value unfolds to single spaces.
        XCTAssertEqual(r.headers["UnknownHeaderWithUnusualValue"], ";;,,;;,;")
        XCTAssertEqual(r.headers["newfangledheader"], "newfangled value continued newfangled value")
        XCTAssertEqual(r.headers.lines(.subject), [""])
        XCTAssertEqual(r.contentType, "application/sdp")

        let routes = try r.routes()
        XCTAssertEqual(routes.count, 1)
        XCTAssertEqual(routes.first?.sipURI?.host, "services.example.com")
        XCTAssertEqual(routes.first?.sipURI?.parameters.items,
                       params(("lr", nil), ("unknownwith", "value"), ("unknown-no-value", nil)))

        let contacts = try XCTUnwrap(try r.contacts())
        XCTAssertEqual(contacts.count, 1)
        XCTAssertEqual(contacts[0].displayName, "Quoted string \"\"")
        XCTAssertEqual(contacts[0].sipURI?.user, "jdrosen")
        XCTAssertEqual(contacts[0].sipURI?.host, "example.com")
        XCTAssertEqual(contacts[0].sipURI?.parameters.isEmpty, true)
        XCTAssertEqual(contacts[0].parameters.items, params(("newparam", "newvalue"), ("secondparam", nil), ("q", "0.33")))

        XCTAssertEqual(r.body.count, 150)
        XCTAssertEqual(r.body, Array(try datagram("wsinv").suffix(150)))
        XCTAssertTrue(r.body.text.hasPrefix("v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\n"))
        XCTAssertEqual(try r.validate().vias.count, 3)
        assertRoundTrip(r)
    }

    /// §3.1.1.2 Wide Range of Valid Characters: the method is a token (its `%` is not an
    /// escape), the R-URI user holds `?` and `;`, quoted-pairs carry NUL, BEL and DEL.
    func test_intmeth() throws {
        let r = try request("intmeth")
        let method = "!interesting-Method0123456789_*+`.%indeed'~"
        XCTAssertEqual(r.method.rawValue, method)
        let ruri = try XCTUnwrap(r.uri.sipURI)
        XCTAssertEqual(ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        XCTAssertEqual(ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        XCTAssertEqual(ruri.host, "example.com")
        XCTAssertNil(ruri.port)
        XCTAssertTrue(ruri.parameters.isEmpty)
        XCTAssertTrue(ruri.headers.isEmpty)

        let via = try r.topVia()
        XCTAssertEqual(via.transport, "TCP")
        XCTAssertEqual(via.host, "host1.example.com")
        XCTAssertEqual(via.branch, "z9hG4bK-.!%66*_+`'~", "a Via branch is a token: %66 is not unescaped")

        let to = try r.to()
        XCTAssertEqual(to.displayName, "BEL:\u{07} NUL:\u{00} DEL:\u{7F}")
        XCTAssertEqual(to.sipURI?.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        XCTAssertEqual(to.sipURI?.host, "example.com")
        XCTAssertNil(to.tag)

        let from = try r.from()
        XCTAssertEqual(from.displayName, "token1~` token2'+_ token3*%!.-")
        XCTAssertEqual(from.sipURI?.user, "mundane")
        XCTAssertEqual(from.parameters.items,
                       params(("fromParam''~+*_!.-%", "\"работающий\""), ("tag", "_token~1'+`*%!-.")))
        XCTAssertEqual(from.tag, "_token~1'+`*%!-.")

        XCTAssertEqual(try r.callID(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
        XCTAssertEqual(try r.cseq(), CSeq(139_122_385, SIPMethod(method)))
        XCTAssertEqual(try r.maxForwards(), 255)
        XCTAssertEqual(r.headers["extensionHeader-!.%*+_`'~"], "\u{FEFF}大停電")
        XCTAssertEqual(r.body, [])
        XCTAssertEqual(try r.validate().cseq.method.rawValue, method)
        assertRoundTrip(r)
    }

    /// §3.1.1.3 Valid Use of the % Escaping Mechanism: unescape once, in URIs only.
    func test_esc01() throws {
        let r = try request("esc01")
        let ruri = try XCTUnwrap(r.uri.sipURI)
        XCTAssertEqual(ruri.user, "sips:user@example.com")
        XCTAssertEqual(ruri.host, "example.net")
        XCTAssertEqual(try r.to().sipURI?.user, "user")
        XCTAssertNil(try r.to().tag)
        XCTAssertEqual(try r.from().sipURI?.user, "I have spaces")
        XCTAssertEqual(try r.from().tag, "938")
        XCTAssertEqual(try r.callID(), "esc01.239409asdfakjkn23onasd0-3234")
        XCTAssertEqual(r.contentType, "application/sdp")

        let contact = try XCTUnwrap(try r.contacts()?.first)
        XCTAssertEqual(contact.sipURI?.user, "caller")
        XCTAssertEqual(contact.sipURI?.host, "host5.example.net")
        // %6C%72 is `lr`; v%61lue%25%34%31 is `value%41` (never `valueA`).
        XCTAssertEqual(contact.sipURI?.parameters.items, params(("lr", nil), ("name", "value%41")))
        XCTAssertNotEqual(contact.sipURI?.parameters.value("name"), "valueA")
        XCTAssertEqual(r.body.count, 150)
        XCTAssertEqual(try r.validate().cseq, CSeq(234_234, .invite))
        // Re-escaped on output, and equal after parsing again.
        XCTAssertEqual(ruri.description, "sip:sips%3Auser%40example.com@example.net")
        assertRoundTrip(r)
    }

    /// §3.1.1.4 Escaped Nulls in URIs: a NUL in a user part does not truncate it.
    func test_escnull() throws {
        let r = try request("escnull")
        XCTAssertEqual(r.method, .register)
        XCTAssertEqual(try r.to().sipURI?.user, "null-\u{00}-null")
        XCTAssertEqual(try r.from().sipURI?.user, "null-\u{00}-null")
        XCTAssertEqual(try r.from().tag, "839923423")
        let contacts = try XCTUnwrap(try r.contacts())
        XCTAssertEqual(contacts.compactMap { $0.sipURI?.user }, ["\u{00}", "\u{00}\u{00}"])
        XCTAssertEqual(contacts.compactMap { $0.sipURI?.host }, ["host5.example.com", "host5.example.com"])
        XCTAssertNotEqual(contacts[0], contacts[1], "two distinct bindings")
        XCTAssertEqual(r.headers.lines(.contentLength), ["0"])
        XCTAssertEqual(try r.validate().contacts?.count, 2)
        assertRoundTrip(r)
    }

    /// §3.1.1.5 Use of % When It Is Not an Escape: the method RE%47IST%45R is not REGISTER,
    /// `C%6Fntact` is an unknown header, not a third Contact.
    func test_esc02() throws {
        let r = try request("esc02")
        XCTAssertEqual(r.method.rawValue, "RE%47IST%45R")
        XCTAssertNotEqual(r.method, .register)
        XCTAssertEqual(try r.to().displayName, "%Z%45")
        XCTAssertEqual(try r.from().displayName, "%Z%45")
        XCTAssertEqual(try r.topVia().branch, "z9hG4bK209%fzsnel234")
        XCTAssertEqual(try r.cseq(), CSeq(29344, SIPMethod("RE%47IST%45R")))
        let contacts = try XCTUnwrap(try r.contacts())
        XCTAssertEqual(contacts.compactMap { $0.sipURI?.user }, ["alias1", "alias3"])
        XCTAssertEqual(r.headers["C%6Fntact"], "<sip:alias2@host2.example.com>")
        XCTAssertNotEqual(SIPHeaderName("C%6Fntact"), .contact)
        XCTAssertEqual(try r.validate().contacts?.count, 2)
        assertRoundTrip(r)
    }

    /// §3.1.1.6 No LWS between Display Name and `<`: accepted (RFC 4475 calls the grammar's
    /// rejection a bug).
    func test_lwsdisp() throws {
        let r = try request("lwsdisp")
        XCTAssertEqual(r.method, .options)
        let from = try r.from()
        XCTAssertEqual(from.displayName, "caller")
        XCTAssertEqual(from.sipURI?.user, "caller")
        XCTAssertEqual(from.tag, "323")
        XCTAssertEqual(try r.validate().cseq, CSeq(60, .options))
        assertRoundTrip(r)
    }

    /// §3.1.1.7 Long Values in Header Fields: 3.5 kB, 34 Via values under every spelling of
    /// `Via`, a 155-character tag.
    func test_longreq() throws {
        let bytes = try datagram("longreq")
        XCTAssertEqual(bytes.count, 3515)
        let r = try request("longreq")
        let to = try r.to()
        XCTAssertEqual(to.displayName, "I have a user name of " + String(repeating: "extreme", count: 10) + " proportion")
        let toURI = try XCTUnwrap(to.sipURI)
        XCTAssertEqual(toURI.port, 6000)
        XCTAssertEqual(toURI.parameters.count, 3)
        XCTAssertEqual(toURI.parameters.value("unknownparam1"),
                       "very" + String(repeating: "long", count: 20) + "value")
        XCTAssertEqual(toURI.parameters.value("longparam" + String(repeating: "name", count: 25)), "shortvalue")
        XCTAssertEqual(toURI.parameters["very" + String(repeating: "long", count: 25) + "ParameterNameWithNoValue"], .some(nil))

        let from = try r.from()
        XCTAssertEqual(from.sipURI?.user, String(repeating: "amazinglylongcallername", count: 5))
        XCTAssertEqual(from.tag, "1" + String(repeating: "298", count: 50) + "2424")
        XCTAssertEqual(from.tag?.count, 155)
        XCTAssertEqual(from.parameters.count, 3, "addr-spec form: every parameter belongs to the header")
        XCTAssertEqual(from.parameters.value("unknownheaderparam" + String(repeating: "name", count: 20)),
                       "unknowheaderparam" + String(repeating: "value", count: 15))
        XCTAssertEqual(from.parameters["unknownValueless" + String(repeating: "paramname", count: 10)], .some(nil))

        XCTAssertEqual(try r.callID(), "longreq.one" + String(repeating: "really", count: 20) + "longcallid")
        let unknownName = "Unknown-" + String(repeating: "Long", count: 20) + "-Name"
        XCTAssertEqual(r.headers[SIPHeaderName(unknownName)]?.hasPrefix("unknown-" + String(repeating: "long", count: 20) + "-value;"), true)

        let vias = try r.vias()
        XCTAssertEqual(vias.count, 34)
        XCTAssertEqual(vias.prefix(33).map(\.host), (1...33).reversed().map { "sip\($0).example.com" })
        XCTAssertTrue(vias.allSatisfy { $0.transport == "TCP" })
        XCTAssertEqual(vias.last?.host, "host.example.com")
        XCTAssertEqual(vias.last?.received, "192.0.2.5")
        XCTAssertEqual(vias.last?.branch, "very" + String(repeating: "long", count: 50) + "branchvalue")
        XCTAssertEqual(try r.contacts()?.first?.sipURI?.user, String(repeating: "amazinglylongcallername", count: 5))
        XCTAssertEqual(r.headers.lines(.contentLength), ["150"])
        XCTAssertEqual(r.body.count, 150)
        XCTAssertEqual(try r.validate().maxForwards, 70)
        assertRoundTrip(r)
    }

    /// §3.1.1.8 Extra Trailing Octets in a UDP Datagram: Content-Length 0 ends the message;
    /// the INVITE after it is ignored, never parsed as a second request.
    func test_dblreq() throws {
        let bytes = try datagram("dblreq")
        let r = try request("dblreq")
        XCTAssertEqual(r.method, .register)
        XCTAssertEqual(r.body, [])
        XCTAssertGreaterThan(bytes.count, SIPSerializer.bytes(r).count, "the trailing INVITE is in the datagram")
        XCTAssertEqual(try r.callID(), "dblreq.0ha0isndaksdj99sdfafnl3lk233412")
        XCTAssertEqual(try r.cseq(), CSeq(8, .register))
        XCTAssertEqual(try r.topVia().branch, "z9hG4bKkdjuw23492")
        XCTAssertEqual(r.headers.lines(.contentLength), ["0"])
        XCTAssertFalse(r.headers.contains(.contentType), "no header of the trailing INVITE leaks in")
        XCTAssertEqual(r.headers.lines(.callID).count, 1)
        let contact = try XCTUnwrap(try r.contacts()?.first)
        XCTAssertEqual(contact.sipURI?.host, "host.example.com")
        XCTAssertEqual(try r.validate().callID, "dblreq.0ha0isndaksdj99sdfafnl3lk233412")
        assertRoundTrip(r)
    }

    /// §3.1.1.9 Semicolon-Separated Parameters in URI User Part.
    func test_semiuri() throws {
        let r = try request("semiuri")
        let ruri = try XCTUnwrap(r.uri.sipURI)
        XCTAssertEqual(ruri.user, "user;par=u@example.net")
        XCTAssertEqual(ruri.host, "example.com")
        XCTAssertTrue(ruri.parameters.isEmpty, "the ;par belongs to the user part, not to the URI")
        XCTAssertEqual(r.headers.tokens(.accept), ["application/sdp", "application/pkcs7-mime", "multipart/mixed",
                                                   "multipart/signed", "message/sip", "message/sipfrag"])
        XCTAssertEqual(try r.validate().maxForwards, 3)
        assertRoundTrip(r)
    }

    /// §3.1.1.10 Varied and Unknown Transport Types.
    func test_transports() throws {
        let r = try request("transports")
        let vias = try r.vias()
        XCTAssertEqual(vias.map(\.transport), ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
        XCTAssertEqual(vias.map(\.host), (1...5).map { "t\($0).example.com" })
        XCTAssertEqual(vias.map(\.branch), ["z9hG4bKkdjuw", "z9hG4bKklasjdhf", "z9hG4bK2980unddj",
                                            "z9hG4bKasd0f3en", "z9hG4bK0a9idfnee"])
        XCTAssertEqual(try r.topVia(), vias[0])
        XCTAssertEqual(try r.callID(), "transports.kijh4akdnaqjkwendsasfdj")
        XCTAssertEqual(try r.validate().vias.count, 5)
        assertRoundTrip(r)
    }

    /// §3.1.1.11 Multipart MIME Message: a binary body with NULs and bare LFs, framed by
    /// Content-Length only.
    func test_mpart01() throws {
        let bytes = try datagram("mpart01")
        let r = try request("mpart01")
        XCTAssertEqual(r.method, .message)
        XCTAssertEqual(r.body.count, 553)
        XCTAssertEqual(r.body, Array(bytes.suffix(553)))
        XCTAssertEqual(r.body.filter { $0 == 0 }.count, 2)
        let bareLF = r.body.indices.filter { r.body[$0] == 0x0A && ($0 == 0 || r.body[$0 - 1] != 0x0D) }
        XCTAssertEqual(bareLF.count, 3)
        XCTAssertTrue(r.body.text.hasPrefix("--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n"))
        XCTAssertTrue(r.body.text.hasSuffix("\r\n--7a9cbec02ceef655--\r\n"))
        XCTAssertEqual(r.contentType, "multipart/mixed")
        XCTAssertEqual(r.headers[.contentType], "multipart/mixed;boundary=7a9cbec02ceef655")
        let via = try r.topVia()
        XCTAssertEqual(via.host, "127.0.0.1")
        XCTAssertEqual(via.port, 5070)
        XCTAssertTrue(via.hasRport)
        XCTAssertNil(via.rport)
        XCTAssertEqual(try r.routes().first?.sipURI?.port, 5080)
        XCTAssertEqual(r.headers["Identity"]?.count, 172)
        XCTAssertEqual(try r.validate().cseq, CSeq(1, .message))
        assertRoundTrip(r)
    }

    /// §3.1.1.12 Unusual Reason Phrase: UTF-8 text kept as sent.
    func test_unreason() throws {
        let r = try response("unreason")
        XCTAssertEqual(r.statusCode, 200)
        XCTAssertEqual(r.reason, "= 2**3 * 5**2 но сто девяносто девять - простое")
        XCTAssertEqual(r.body.count, 154)
        let essentials = try r.validate()
        XCTAssertEqual(essentials.cseq, CSeq(35, .invite))
        XCTAssertEqual(essentials.to.tag, "2229")
        XCTAssertEqual(essentials.from.tag, "11141343")
        XCTAssertEqual(essentials.topVia.branch, "z9hG4bK1324923")
        assertRoundTrip(r)
    }

    /// §3.1.1.13 Empty Reason Phrase: `SIP/2.0 100 ` then CRLF.
    func test_noreason() throws {
        let bytes = try datagram("noreason")
        XCTAssertEqual(Array(bytes.prefix(14)), Array("SIP/2.0 100 \r\n".utf8))
        let r = try response("noreason")
        XCTAssertEqual(r.statusCode, 100)
        XCTAssertEqual(r.reason, "")
        XCTAssertTrue(r.isProvisional)
        XCTAssertEqual(try r.validate().callID, "noreason.asndj203insdf99223ndf")
        XCTAssertEqual(Array(SIPSerializer.bytes(r).prefix(14)), Array("SIP/2.0 100 \r\n".utf8))
        assertRoundTrip(r)
    }
}
