import Foundation
import HotlineTestSupport
import SIPMessage
import XCTest

/// RFC 5118 IPv6 torture tests (wire forms, `.dat`). Hosts are held without brackets and
/// written with them.
final class RFC5118IPv6MessageTests: XCTestCase {
    /// §4.1 Valid SIP Message with an IPv6 Reference.
    func test_ipv6_good() throws {
        let r = try request("ipv6-good", .rfc5118)
        let ruri = try XCTUnwrap(r.uri.sipURI)
        XCTAssertEqual(ruri.host, "2001:db8::10")
        XCTAssertNil(ruri.port)
        XCTAssertTrue(ruri.isIPv6)
        XCTAssertEqual(ruri.hostReference, "[2001:db8::10]")
        let via = try r.topVia()
        XCTAssertEqual(via.host, "2001:db8::9:1")
        XCTAssertNil(via.port)
        XCTAssertEqual(via.sentBy, "[2001:db8::9:1]")
        let contact = try XCTUnwrap(try r.contacts()?.first)
        XCTAssertEqual(contact.displayName, "Caller")
        XCTAssertEqual(contact.sipURI?.host, "2001:db8::1")
        XCTAssertEqual(try r.validate().cseq, CSeq(98176, .register))
        XCTAssertEqual(r.uri.description, "sip:[2001:db8::10]")
        assertRoundTrip(r)
    }

    /// §4.2 Invalid SIP Message with an IPv6 Reference: no brackets around the R-URI host: 400.
    func test_ipv6_bad() throws {
        let e = parseError(try datagram("ipv6-bad", .rfc5118))
        assertError(e, .malformedRequestURI, status: 400)
        XCTAssertEqual(e?.partial?.method, .register)
        XCTAssertEqual(try e?.partial?.topVia().host, "2001:db8::9:1")
        XCTAssertThrowsError(try SIPURI(parsing: "sip:2001:db8::10"))
    }

    /// §4.3 Port Ambiguous in a SIP URI: `[2001:db8::10:5070]` is a host, no port.
    func test_port_ambiguous() throws {
        let r = try request("port-ambiguous", .rfc5118)
        let ruri = try XCTUnwrap(r.uri.sipURI)
        XCTAssertEqual(ruri.host, "2001:db8::10:5070")
        XCTAssertNil(ruri.port)
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §4.4 Port Unambiguous in a SIP URI: `[2001:db8::10]:5070`.
    func test_port_unambiguous() throws {
        let r = try request("port-unambiguous", .rfc5118)
        let ruri = try XCTUnwrap(r.uri.sipURI)
        XCTAssertEqual(ruri.host, "2001:db8::10")
        XCTAssertEqual(ruri.port, 5070)
        XCTAssertEqual(ruri.hostPort, "[2001:db8::10]:5070")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §4.5 IPv6 Reference Delimiters in Via Header: `received=[...]` is strictly invalid
    /// but must be parsed; the value is kept as sent, brackets included.
    func test_via_received_param_with_delim() throws {
        let r = try request("via-received-param-with-delim", .rfc5118)
        let via = try r.topVia()
        XCTAssertEqual(via.host, "2001:db8::9:1")
        XCTAssertEqual(via.received, "[2001:db8::9:255]")
        XCTAssertEqual(via.branch, "z9hG4bKas3-111")
        XCTAssertEqual(try r.validate().to.tag, "bd76ya")
        assertRoundTrip(r)
    }

    /// §4.5 the valid form: `received=2001:db8::9:255`.
    func test_via_received_param_no_delim() throws {
        let r = try request("via-received-param-no-delim", .rfc5118)
        let via = try r.topVia()
        XCTAssertEqual(via.received, "2001:db8::9:255")
        XCTAssertEqual(via.branch, "z9hG4bKas3")
        XCTAssertEqual(via.parameters.items, params(("received", "2001:db8::9:255"), ("branch", "z9hG4bKas3")))
        XCTAssertEqual(try r.contacts()?.first?.sipURI?.host, "2001:db8::9:1")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §4.6 SIP Request with IPv6 Addresses in SDP Body (Content-Length recomputed in the
    /// wire form).
    func test_ipv6_in_sdp() throws {
        let r = try request("ipv6-in-sdp", .rfc5118)
        XCTAssertEqual(r.uri.sipURI?.host, "2001:db8::10")
        XCTAssertEqual(try r.to().sipURI?.host, "2001:db8::10")
        XCTAssertEqual(r.body.count, 251)
        XCTAssertTrue(r.body.text.contains("\r\nc=IN IP6 2001:db8::20\r\n"))
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §4.7 Multiple IP Addresses in SIP Headers.
    func test_mult_ip_in_header() throws {
        let r = try request("mult-ip-in-header", .rfc5118)
        let vias = try r.vias()
        XCTAssertEqual(vias.map(\.host), ["2001:db8::9:1", "192.0.2.1", "2001:db8::9:255"])
        XCTAssertEqual(vias.map(\.port), [6050, nil, nil])
        XCTAssertEqual(vias.map(\.transport), ["UDP", "UDP", "TCP"])
        XCTAssertEqual(vias.map(\.received), [nil, nil, "192.0.2.200"])
        XCTAssertEqual(vias[0].sentBy, "[2001:db8::9:1]:6050")
        XCTAssertEqual(vias[0].description, "SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111")
        XCTAssertEqual(try r.validate().cseq, CSeq(89187, .bye))
        assertRoundTrip(r)
    }

    /// §4.8 Multiple IP Addresses in SDP.
    func test_mult_ip_in_sdp() throws {
        let r = try request("mult-ip-in-sdp", .rfc5118)
        XCTAssertEqual(r.body.count, 189)
        XCTAssertTrue(r.body.text.contains("\r\nc=IN IP4 192.0.2.1\r\n"))
        XCTAssertTrue(r.body.text.contains("\r\nc=IN IP6 2001:db8::1\r\n"))
        XCTAssertEqual(try r.contacts()?.first?.sipURI?.host, "2001:db8::9:1")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §4.9 IPv4-Mapped IPv6 Addresses.
    func test_ipv4_mapped_ipv6() throws {
        let r = try request("ipv4-mapped-ipv6", .rfc5118)
        let vias = try r.vias()
        XCTAssertEqual(vias.map(\.host), ["::ffff:192.0.2.10", "::ffff:192.0.2.2"])
        XCTAssertEqual(vias.map(\.port), [19823, nil])
        let contact = try XCTUnwrap(try r.contacts()?.first)
        XCTAssertEqual(contact.displayName, "T. desk phone")
        XCTAssertEqual(contact.sipURI?.host, "::ffff:192.0.2.2")
        XCTAssertEqual(contact.sipURI?.hostReference, "[::ffff:192.0.2.2]")
        XCTAssertEqual(r.body.count, 245)
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §4.10 IPv6 Reference Bug in RFC 3261 ABNF: the three-colon form is tolerated and kept.
    func test_ipv6_bug_abnf_3_colons() throws {
        let r = try request("ipv6-bug-abnf-3-colons", .rfc5118)
        XCTAssertEqual(r.uri.sipURI?.host, "2001:db8:::192.0.2.1")
        XCTAssertEqual(try r.to().sipURI?.host, "2001:db8:::192.0.2.1")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// §4.10 the correct two-colon form.
    func test_ipv6_correct_abnf_2_colons() throws {
        let r = try request("ipv6-correct-abnf-2-colons", .rfc5118)
        XCTAssertEqual(r.uri.sipURI?.host, "2001:db8::192.0.2.1")
        XCTAssertEqual(r.uri.sipURI?.user, "user")
        XCTAssertEqual(try r.to().sipURI?.host, "2001:db8::192.0.2.1")
        XCTAssertNotNil(try? r.validate())
        assertRoundTrip(r)
    }

    /// The archived raw forms (LF only, §4.10 without the closing blank line) parse to the
    /// same messages as the wire forms, Content-Length aside: a datagram parser must not
    /// depend on CRLF or on the blank line.
    func test_rawArchiveFormsParseLikeWireForms() throws {
        let corpus = try loadCorpus()
        for tag in ["ipv6-good", "port-ambiguous", "ipv6-bug-abnf-3-colons", "ipv6-correct-abnf-2-colons"] {
            let raw = Array(try Data(contentsOf: corpus.directory(.rfc5118).appendingPathComponent("raw/" + tag)))
            XCTAssertFalse(raw.contains(0x0D), tag)
            let fromRaw = try SIPParser().parse(raw)
            let fromWire = try SIPParser().parse(try corpus.message(tag, in: .rfc5118))
            XCTAssertEqual(fromRaw, fromWire, tag)
        }
    }
}
