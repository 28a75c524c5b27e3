import SIPMessage
import XCTest

/// `NameAddress`: name-addr and addr-spec forms, parameter ownership (RFC 3261 §20.10).
final class NameAddressTests: XCTestCase {
    func test_forms() throws {
        let plain = try NameAddress(parsing: "<sip:bob@biloxi.example.com>")
        XCTAssertNil(plain.displayName)
        XCTAssertEqual(plain.sipURI, SIPURI(user: "bob", host: "biloxi.example.com"))
        XCTAssertTrue(plain.parameters.isEmpty)

        let quoted = try NameAddress(parsing: "\"Bob \\\"the\\\" Builder\" <sip:bob@biloxi.example.com>;tag=a6c85cf")
        XCTAssertEqual(quoted.displayName, "Bob \"the\" Builder")
        XCTAssertEqual(quoted.tag, "a6c85cf")

        let tokens = try NameAddress(parsing: "  Bob   Smith  <sip:bob@biloxi.example.com>")
        XCTAssertEqual(tokens.displayName, "Bob   Smith")

        let addrSpec = try NameAddress(parsing: "sip:bob@biloxi.example.com;tag=1;lr")
        XCTAssertNil(addrSpec.displayName)
        XCTAssertEqual(addrSpec.sipURI?.parameters.isEmpty, true)
        XCTAssertEqual(addrSpec.parameters.items, params(("tag", "1"), ("lr", nil)))

        let tel = try NameAddress(parsing: "tel:+15551234;tag=x")
        XCTAssertEqual(tel.uri, .tel(TelURI(number: "+15551234")))
        XCTAssertEqual(tel.tag, "x")

        // An empty quoted display name is none (found by the fuzz loop: it did not round-trip).
        let emptyQuoted = try NameAddress(parsing: "\"\" <sip:a@b.example.com>")
        XCTAssertNil(emptyQuoted.displayName)
        XCTAssertEqual(try NameAddress(parsing: emptyQuoted.description), emptyQuoted)
    }

    func test_parameterOwnership_insideAnglesBelongsToTheURI() throws {
        let n = try NameAddress(parsing: "<sip:proxy.example.com;lr;transport=tcp>;tag=x;expires=60 ; q = 0.5")
        XCTAssertEqual(n.sipURI?.parameters.items, params(("lr", nil), ("transport", "tcp")))
        XCTAssertEqual(n.parameters.items, params(("tag", "x"), ("expires", "60"), ("q", "0.5")))
    }

    func test_parameterValues_quotedKeepTheirQuotes_hostsAndIPv6Allowed() throws {
        let n = try NameAddress(parsing: "<sip:a@b.example.com>;+sip.instance=\"<urn:uuid:f81d4fae-7dec>\";received=[2001:db8::1];x=host.example.com")
        XCTAssertEqual(n.parameters.value("+sip.instance"), "\"<urn:uuid:f81d4fae-7dec>\"")
        XCTAssertEqual(n.parameters.value("received"), "[2001:db8::1]")
        XCTAssertEqual(n.parameters.value("x"), "host.example.com")
    }

    func test_tagSetter() throws {
        var n = try NameAddress(parsing: "<sip:a@b.example.com>;tag=old;x=1")
        n.tag = "new"
        XCTAssertEqual(n.parameters.items, params(("tag", "new"), ("x", "1")))
        n.tag = nil
        XCTAssertEqual(n.parameters.items, params(("x", "1")))
        n.tag = "t"
        XCTAssertEqual(n.description, "<sip:a@b.example.com>;x=1;tag=t")
    }

    func test_description_alwaysNameAddrForm_roundTrips() throws {
        for text in [
            "sip:bob@biloxi.example.com;tag=1",
            "\"J Rosenberg \\\\\\\"\" <sip:jdrosen@example.com>;tag=98asjd8",
            "Bob <sips:bob@biloxi.example.com;transport=tls>;q=0.7;expires=3600",
            "<sip:user@example.com?Route=%3Csip:sip.example.com%3E>",
            "isbn:2983792873",
            "<sip:caller@[2001:db8::1]>",
            "\"BEL:\\\u{07} NUL:\\\u{00}\" <sip:a@example.com>",
        ] {
            let n = try NameAddress(parsing: text)
            XCTAssertEqual(try NameAddress(parsing: n.description), n, text)
            XCTAssertTrue(n.description.contains("<"), text)
        }
        XCTAssertEqual(NameAddress(displayName: "A \"B\" \\C", uri: SIPURI(host: "x.example.com")).description,
                       "\"A \\\"B\\\" \\\\C\" <sip:x.example.com>")
    }

    func test_malformed_throwsMalformedHeader() {
        for text in [
            "", "   ", "\"unterminated <sip:a@b.example.com>", "\"Name\" sip:a@b.example.com",
            "Bell, Alexander <sip:a@b.example.com>", "<sip:a@b.example.com", "< sip:a@b.example.com >",
            "sip:user@example.com?Route=x", "<sip:a@b.example.com>;", "<sip:a@b.example.com>;tag=",
            "<sip:a@b.example.com>;tag=\"open", "<sip:a@b.example.com> trailing", "<notauri>",
            "sip:a@b.example.com;;", "<sip:a@b.example.com>;;tag=1",
        ] {
            XCTAssertThrowsError(try NameAddress(parsing: text), "'\(text)'") {
                XCTAssertEqual(($0 as? SIPParseError)?.code, .malformedHeader, "'\(text)'")
            }
        }
    }
}
