import SIPMessage
import XCTest

/// `SIPURI`, `TelURI`, `SIPAnyURI` (RFC 3261 §19.1, RFC 3966).
final class SIPURITests: XCTestCase {
    func test_parse_everyComponent() throws {
        let u = try SIPURI(parsing: "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr;maddr=239.255.255.1?Subject=hi%20there&Priority=urgent")
        XCTAssertTrue(u.secure)
        XCTAssertEqual(u.scheme, "sips")
        XCTAssertEqual(u.user, "alice")
        XCTAssertEqual(u.password, "secret")
        XCTAssertEqual(u.host, "2001:db8::1")
        XCTAssertTrue(u.isIPv6)
        XCTAssertEqual(u.port, 5061)
        XCTAssertEqual(u.hostPort, "[2001:db8::1]:5061")
        XCTAssertEqual(u.parameters.items, params(("transport", "tcp"), ("lr", nil), ("maddr", "239.255.255.1")))
        XCTAssertEqual(u.transport, "tcp")
        XCTAssertEqual(u.headers, params(("Subject", "hi there"), ("Priority", "urgent")))
        XCTAssertEqual(u.description,
                       "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr;maddr=239.255.255.1?Subject=hi%20there&Priority=urgent")
        XCTAssertEqual(u.addressOfRecord, "sips:alice@[2001:db8::1]:5061")
        XCTAssertNotEqual(try SIPURI(parsing: "sip:[2001:db8::1:5061]").addressOfRecord,
                          try SIPURI(parsing: "sip:[2001:db8::1]:5061").addressOfRecord)
    }

    func test_parse_minimalForms() throws {
        XCTAssertEqual(try SIPURI(parsing: "sip:example.com"), SIPURI(host: "example.com"))
        XCTAssertEqual(try SIPURI(parsing: "SIP:Bob@Example.COM:5060"), SIPURI(user: "Bob", host: "Example.COM", port: 5060))
        XCTAssertEqual(try SIPURI(parsing: "sip:192.0.2.4;lr").parameters["lr"], .some(nil))
        XCTAssertEqual(try SIPURI(parsing: "sip:+1-212-555-1212:1234@gateway.com;user=phone").password, "1234")
        XCTAssertEqual(try SIPURI(parsing: "sip:_sip._udp.example.com").host, "_sip._udp.example.com")
    }

    /// RFC 4475 §3.1.1.2: `?` is user-unreserved; headers start at the first `?` after `@`.
    func test_questionMarkInUserPart_isNotAHeaderSeparator() throws {
        let u = try SIPURI(parsing: "sip:a?b@example.com?Subject=x")
        XCTAssertEqual(u.user, "a?b")
        XCTAssertEqual(u.host, "example.com")
        XCTAssertEqual(u.headers, params(("Subject", "x")))
        XCTAssertEqual(try SIPURI(parsing: u.description), u)
    }

    func test_escaping_decodedOnce_reescapedOnOutput() throws {
        let u = try SIPURI(parsing: "sip:I%20have%20spaces@example.net;name=v%61lue%25%34%31")
        XCTAssertEqual(u.user, "I have spaces")
        XCTAssertEqual(u.parameters.value("name"), "value%41")
        XCTAssertEqual(u.description, "sip:I%20have%20spaces@example.net;name=value%2541")

        let built = SIPURI(user: "a@b:c d", host: "example.com", parameters: ["p": "x;y"], headers: params(("Route", "<sip:x;lr>")))
        XCTAssertEqual(built.description, "sip:a%40b%3Ac%20d@example.com;p=x%3By?Route=%3Csip:x%3Blr%3E")
        XCTAssertEqual(try SIPURI(parsing: built.description), built)
    }

    func test_roundTrip_manyForms() throws {
        for text in [
            "sip:alice@atlanta.example.com",
            "sips:bob:pw@biloxi.example.com:5061;transport=tls",
            "sip:[::1]:5060;lr",
            "sip:user;par=u%40example.net@example.com",
            "sip:%00%00@host5.example.com",
            "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
            "sip:example.com;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:alice@atlanta.example.com;maddr=[2001:db8::9]",
        ] {
            let u = try SIPURI(parsing: text)
            XCTAssertEqual(try SIPURI(parsing: u.description), u, text)
            XCTAssertEqual(try SIPAnyURI(parsing: text), .sip(u), text)
        }
    }

    func test_malformed_throwsMalformedRequestURI() {
        for text in [
            "sip:", "sip:user@", "sip:@example.com", "sip:host:99999", "sip:host:", "sip:host:12a",
            "sip:[::1", "sip:[zz::1]", "sip:user@host;=x", "sip:user@host;;", "sip:user@host?novalue",
            "sip:user@ho st", "sip:<user@host>", "sip:us\"er@host", "http://example.com", "example.com",
            "sip:bad%2user@host", "sip:user@host;p=%zz", "sip:2001:db8::10",
        ] {
            XCTAssertThrowsError(try SIPURI(parsing: text), text) {
                XCTAssertEqual(($0 as? SIPParseError)?.code, .malformedRequestURI, text)
            }
        }
    }

    // MARK: RFC 3261 §19.1.4 comparison

    func test_isEquivalent_rfc3261Examples_equal() throws {
        let equal: [(String, String)] = [
            ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
            ("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"),
            ("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
             "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"),
            ("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
             "sip:alice@atlanta.com?priority=urgent&subject=project%20x"),
        ]
        for (a, b) in equal {
            let ua = try SIPURI(parsing: a), ub = try SIPURI(parsing: b)
            XCTAssertTrue(ua.isEquivalent(to: ub), "\(a) == \(b)")
            XCTAssertTrue(ub.isEquivalent(to: ua), "\(b) == \(a)")
        }
    }

    func test_isEquivalent_rfc3261Examples_notEqual() throws {
        let different: [(String, String)] = [
            ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),
            ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),
            ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
            ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"),
            ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
            ("sip:alice@atlanta.com", "sip:atlanta.com"),
            ("sip:alice:pw@atlanta.com", "sip:alice@atlanta.com"),
            ("sip:alice@atlanta.com;maddr=192.0.2.1", "sip:alice@atlanta.com"),
            ("sip:alice@atlanta.com;user=phone", "sip:alice@atlanta.com"),
        ]
        for (a, b) in different {
            let ua = try SIPURI(parsing: a), ub = try SIPURI(parsing: b)
            XCTAssertFalse(ua.isEquivalent(to: ub), "\(a) != \(b)")
            XCTAssertFalse(ub.isEquivalent(to: ua), "\(b) != \(a)")
        }
    }

    // MARK: tel and other schemes

    func test_telURI() throws {
        let t = try TelURI(parsing: "tel:+1-201-555-0123;phone-context=example.com;ext=42")
        XCTAssertEqual(t.number, "+1-201-555-0123")
        XCTAssertTrue(t.isGlobal)
        XCTAssertEqual(t.digits, "12015550123")
        XCTAssertEqual(t.parameters.items, params(("phone-context", "example.com"), ("ext", "42")))
        XCTAssertEqual(t.description, "tel:+1-201-555-0123;phone-context=example.com;ext=42")
        XCTAssertEqual(try TelURI(parsing: t.description), t)
        XCTAssertFalse(try TelURI(parsing: "TEL:7042;phone-context=example.com").isGlobal)
        XCTAssertEqual(try SIPAnyURI(parsing: "tel:+15551234"), .tel(TelURI(number: "+15551234")))
        XCTAssertEqual(try SIPAnyURI(parsing: "tel:+15551234").userOrNumber, "+15551234")
        XCTAssertEqual(try SIPAnyURI(parsing: "tel:+15551234").scheme, "tel")
        for bad in ["tel:", "tel:hello", "tel:+1;;x", "tel:+1;=x", "sip:+1"] {
            XCTAssertThrowsError(try TelURI(parsing: bad), bad)
        }
    }

    func test_anyURI_otherSchemes_keptOpaque() throws {
        XCTAssertEqual(try SIPAnyURI(parsing: "isbn:2983792873"), .other(scheme: "isbn", text: "isbn:2983792873"))
        XCTAssertEqual(try SIPAnyURI(parsing: "HTTP://www.example.com").scheme, "http")
        XCTAssertEqual(try SIPAnyURI(parsing: "urn:service:sos").description, "urn:service:sos")
        XCTAssertEqual(try SIPAnyURI(parsing: "sips:bob@example.com").sipURI?.secure, true)
        XCTAssertNil(try SIPAnyURI(parsing: "mailto:a@example.com").sipURI)
        for bad in ["", ":x", "1abc:x", "a b:c", "isbn:12 34", "isbn:<x>", "urn:a\"b", "noscheme"] {
            XCTAssertThrowsError(try SIPAnyURI(parsing: bad), bad) {
                XCTAssertEqual(($0 as? SIPParseError)?.code, .malformedRequestURI, bad)
            }
        }
    }
}
