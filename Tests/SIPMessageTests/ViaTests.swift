import SIPMessage
import XCTest

/// `Via` (RFC 3261 §20.42, RFC 3581 rport, RFC 5118 §4.5).
final class ViaTests: XCTestCase {
    func test_parse_fields() throws {
        let v = try Via(parsing: "SIP/2.0/udp pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5067;maddr=224.2.0.1;ttl=16")
        XCTAssertEqual(v.transport, "UDP", "transport is upper-cased")
        XCTAssertEqual(v.host, "pc33.atlanta.example.com")
        XCTAssertEqual(v.port, 5066)
        XCTAssertEqual(v.branch, "z9hG4bK776asdhds")
        XCTAssertTrue(v.hasRFC3261Branch)
        XCTAssertEqual(v.received, "192.0.2.1")
        XCTAssertTrue(v.hasRport)
        XCTAssertEqual(v.rport, 5067)
        XCTAssertEqual(v.maddr, "224.2.0.1")
        XCTAssertEqual(v.parameters.value("ttl"), "16")
        XCTAssertEqual(v.sentBy, "pc33.atlanta.example.com:5066")
    }

    func test_rport_flagWithoutValue() throws {
        let v = try Via(parsing: "SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bK1")
        XCTAssertTrue(v.hasRport)
        XCTAssertNil(v.rport)
        XCTAssertEqual(v.parameters["rport"], .some(nil))
        XCTAssertFalse(try Via(parsing: "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1").hasRport)
    }

    func test_setters_receivedAndBranch() throws {
        var v = try Via(parsing: "SIP/2.0/TCP client.example.com;rport;branch=z9hG4bK1")
        v.received = "198.51.100.7"
        v.parameters["rport"] = .some("61000")
        XCTAssertEqual(v.description, "SIP/2.0/TCP client.example.com;rport=61000;branch=z9hG4bK1;received=198.51.100.7")
        v.branch = nil
        XCTAssertNil(v.branch)
        XCTAssertFalse(v.hasRFC3261Branch)
    }

    func test_ipv6_sentByAndReceived() throws {
        let v = try Via(parsing: "SIP/2.0/TLS [2001:db8::9:1]:5061;received=[2001:db8::9:255];branch=z9hG4bKas3")
        XCTAssertEqual(v.host, "2001:db8::9:1")
        XCTAssertTrue(v.isIPv6)
        XCTAssertEqual(v.port, 5061)
        XCTAssertEqual(v.sentBy, "[2001:db8::9:1]:5061")
        XCTAssertEqual(v.received, "[2001:db8::9:255]")
        XCTAssertEqual(v.description, "SIP/2.0/TLS [2001:db8::9:1]:5061;received=[2001:db8::9:255];branch=z9hG4bKas3")
        XCTAssertEqual(try Via(parsing: v.description), v)
    }

    func test_lwsEverywhere() throws {
        let v = try Via(parsing: "SIP  /   2.0 /UDP    192.0.2.2 : 5060  ;  branch  =  z9hG4bK1 ; rport ")
        XCTAssertEqual(v.host, "192.0.2.2")
        XCTAssertEqual(v.port, 5060)
        XCTAssertEqual(v.parameters.items, params(("branch", "z9hG4bK1"), ("rport", nil)))
    }

    func test_hasRFC3261Branch_needsCookieAndMore() throws {
        XCTAssertFalse(try Via(parsing: "SIP/2.0/UDP h;branch=z9hG4bK").hasRFC3261Branch)
        XCTAssertFalse(try Via(parsing: "SIP/2.0/UDP h;branch=390skdjuw").hasRFC3261Branch)
        XCTAssertFalse(try Via(parsing: "SIP/2.0/UDP h;branch=Z9HG4BKx").hasRFC3261Branch, "the cookie is case-sensitive")
        XCTAssertTrue(try Via(parsing: "SIP/2.0/UDP h;branch=z9hG4bKx").hasRFC3261Branch)
    }

    func test_roundTrip() throws {
        for text in ["SIP/2.0/UDP 192.0.2.1", "SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKabc;rport",
                     "SIP/2.0/SCTP t2.example.com:5060;branch=z9hG4bKklasjdhf;x=\"quoted value\""] {
            let v = try Via(parsing: text)
            XCTAssertEqual(v.description, text)
            XCTAssertEqual(try Via(parsing: v.description), v)
        }
    }

    func test_malformed_throwsMalformedHeader() {
        for text in [
            "", "SIP/2.0", "SIP/2.0/UDP", "SIP/3.0/UDP host", "HTTP/2.0/UDP host", "SIP/2.0/UDP host:", "SIP/2.0/UDP host:70000",
            "SIP/2.0/UDP host:123456", "SIP/2.0/UDP [::1", "SIP/2.0/UDP [not-ipv6]", "SIP/2.0/UDP host;;",
            "SIP/2.0/UDP host;branch=", "SIP/2.0/UDP host garbage", "SIP/2.0/UDP 192.0.2.15;;,;,,", "SIP/2.0/UDP host, SIP/2.0/UDP other",
        ] {
            XCTAssertThrowsError(try Via(parsing: text), "'\(text)'") {
                XCTAssertEqual(($0 as? SIPParseError)?.code, .malformedHeader, "'\(text)'")
            }
        }
    }
}
