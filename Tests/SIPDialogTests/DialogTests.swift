@testable import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest

/// Dialog state (RFC 3261 §12.1) and the requests it builds (§12.2.1.1).
final class DialogTests: XCTestCase {
    private let peer = SIPPeer(transport: .udp, host: "192.0.2.10", port: 5060)

    private func invite(recordRoutes: [String] = [], contact: String? = "<sip:1001@192.0.2.10:5070>",
                        requestURI: String = "sip:10000@hotline.local") -> SIPRequest {
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKdlg1")
        for rr in recordRoutes { h.add(.recordRoute, rr) }
        h.add(.from, "\"Alice\" <sip:1001@hotline.local>;tag=alice1")
        h.add(.to, "<sip:10000@hotline.local>")
        h.add(.callID, "dialog-1@192.0.2.10")
        h.add(.cseq, "41 INVITE")
        if let contact { h.add(.contact, contact) }
        return SIPRequest(method: .invite, uri: CoreFixture.uri(requestURI), headers: h)
    }

    private func uas(_ request: SIPRequest, peer: SIPPeer? = nil) throws -> Dialog {
        Dialog(uasFor: request, essentials: try request.validate(), localTag: "ours", peer: peer ?? self.peer)
    }

    private let via = Via(transport: "UDP", host: "198.51.100.1", port: 5060, parameters: ["branch": "z9hG4bKx"])

    // MARK: UAS (§12.1.1)

    func testUASDialogFromTheInvite() throws {
        let d = try uas(invite(recordRoutes: ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]))
        XCTAssertEqual(d.id, DialogID(callID: "dialog-1@192.0.2.10", localTag: "ours", remoteTag: "alice1"))
        XCTAssertEqual(d.id.description, "dialog-1@192.0.2.10;local=ours;remote=alice1")
        XCTAssertEqual(d.localSequence, 0)
        XCTAssertEqual(d.remoteSequence, 41)
        XCTAssertEqual(d.local.description, "<sip:10000@hotline.local>;tag=ours")
        XCTAssertEqual(d.remote.description, "\"Alice\" <sip:1001@hotline.local>;tag=alice1")
        XCTAssertEqual(d.remoteTarget, CoreFixture.uri("sip:1001@192.0.2.10:5070"))
        // §12.1.1: the route set is the Record-Route list in order.
        XCTAssertEqual(d.routeSet.map(\.description), ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        XCTAssertFalse(d.secure)
    }

    func testUASDialogWithoutContactTargetsTheFromURIAndSIPSIsSecure() throws {
        let d = try uas(invite(contact: nil, requestURI: "sips:10000@hotline.local"))
        XCTAssertEqual(d.remoteTarget, CoreFixture.uri("sip:1001@hotline.local"))
        XCTAssertTrue(d.secure)
    }

    func testMakeRequestBuildsTheInDialogHeadersAndCountsCSeq() throws {
        var d = try uas(invite(recordRoutes: ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]))
        let bye = d.makeRequest(.bye, via: via)
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKx")
        h.add(.maxForwards, "70")
        h.add(.from, "<sip:10000@hotline.local>;tag=ours")
        h.add(.to, "\"Alice\" <sip:1001@hotline.local>;tag=alice1")
        h.add(.callID, "dialog-1@192.0.2.10")
        h.add(.cseq, "1 BYE")
        h.add(.route, "<sip:p1.example.com;lr>")
        h.add(.route, "<sip:p2.example.com;lr>")
        XCTAssertEqual(bye, SIPRequest(method: .bye, uri: CoreFixture.uri("sip:1001@192.0.2.10:5070"), headers: h))
        XCTAssertEqual(d.localSequence, 1)

        let info = d.makeRequest(.info, via: via, maxForwards: 10)
        XCTAssertEqual(info.headers[.cseq], "2 INFO")
        XCTAssertEqual(info.headers[.maxForwards], "10")

        // ACK takes the INVITE's number and leaves the counter alone.
        let ack = d.makeRequest(.ack, via: via, sequence: 2)
        XCTAssertEqual(ack.headers[.cseq], "2 ACK")
        XCTAssertEqual(d.localSequence, 2)
        XCTAssertEqual(d.makeRequest(.bye, via: via).headers[.cseq], "3 BYE")
    }

    // MARK: UAC (§12.1.2)

    private func response(recordRoutes: [String], contact: String? = "<sip:10000@198.51.100.1:5060>") -> SIPResponse {
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKout")
        for rr in recordRoutes { h.add(.recordRoute, rr) }
        h.add(.from, "<sip:hotline@hotline.local>;tag=ourtag")
        h.add(.to, "<sip:5551234@203.0.113.5>;tag=theirs")
        h.add(.callID, "out-1@198.51.100.1")
        h.add(.cseq, "1 INVITE")
        if let contact { h.add(.contact, contact) }
        return SIPResponse(statusCode: 200, headers: h)
    }

    private var ourInvite: SIPRequest {
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKout")
        h.add(.from, "<sip:hotline@hotline.local>;tag=ourtag")
        h.add(.to, "<sip:5551234@203.0.113.5>")
        h.add(.callID, "out-1@198.51.100.1")
        h.add(.cseq, "1 INVITE")
        return SIPRequest(method: .invite, uri: CoreFixture.uri("sip:5551234@203.0.113.5"), headers: h)
    }

    func testUACDialogReversesTheRecordRoute() throws {
        let rr = ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
        var d = try Dialog(uacFor: ourInvite, response: response(recordRoutes: rr), peer: CoreFixture.carrier)
        XCTAssertEqual(d.id, DialogID(callID: "out-1@198.51.100.1", localTag: "ourtag", remoteTag: "theirs"))
        XCTAssertEqual(d.localSequence, 1)
        XCTAssertNil(d.remoteSequence)
        XCTAssertEqual(d.routeSet.map(\.description), ["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"])
        XCTAssertEqual(d.remoteTarget, CoreFixture.uri("sip:10000@198.51.100.1:5060"))
        let bye = d.makeRequest(.bye, via: via)
        XCTAssertEqual(bye.headers.lines(.route), ["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"])
        XCTAssertEqual(bye.headers[.from], "<sip:hotline@hotline.local>;tag=ourtag")
        XCTAssertEqual(bye.headers[.to], "<sip:5551234@203.0.113.5>;tag=theirs")
        XCTAssertEqual(bye.headers[.cseq], "2 BYE")
    }

    func testUACDialogWithoutContactTargetsTheRequestURI() throws {
        let d = try Dialog(uacFor: ourInvite, response: response(recordRoutes: [], contact: nil), peer: CoreFixture.carrier)
        XCTAssertEqual(d.remoteTarget, CoreFixture.uri("sip:5551234@203.0.113.5"))
        XCTAssertEqual(d.routeSet, [])
    }

    func testUACDialogNeedsParsableHeaders() throws {
        var broken = response(recordRoutes: [])
        broken.headers.remove(.to)
        XCTAssertThrowsError(try Dialog(uacFor: ourInvite, response: broken, peer: CoreFixture.carrier))
    }

    // MARK: Next hop

    private func dialog(target: String, routes: [String] = [], peer: SIPPeer? = nil) throws -> Dialog {
        var d = try uas(invite(), peer: peer)
        d.remoteTarget = CoreFixture.uri(target)
        d.routeSet = routes.compactMap { try? NameAddress(parsing: $0) }
        return d
    }

    func testNextHopIsTheRemoteTargetWhenItIsAnAddress() throws {
        XCTAssertEqual(try dialog(target: "sip:1001@192.0.2.10:5070").nextHop,
                       SIPPeer(transport: .udp, host: "192.0.2.10", port: 5070))
        XCTAssertEqual(try dialog(target: "sip:1001@192.0.2.77").nextHop,
                       SIPPeer(transport: .udp, host: "192.0.2.77", port: 5060))
        XCTAssertEqual(try dialog(target: "sips:1001@192.0.2.77").nextHop,
                       SIPPeer(transport: .udp, host: "192.0.2.77", port: 5061))
        XCTAssertEqual(try dialog(target: "sip:1001@[2001:db8::10]:5080").nextHop,
                       SIPPeer(transport: .udp, host: "2001:db8::10", port: 5080))
    }

    func testNextHopFollowsTheTransportParameterAndKeepsTheConnectionOnlyForTheSameTransport() throws {
        let tcpPeer = SIPPeer(transport: .tcp, host: "192.0.2.10", port: 49152, connectionID: 7)
        XCTAssertEqual(try dialog(target: "sip:1001@192.0.2.10:5060;transport=tcp", peer: tcpPeer).nextHop,
                       SIPPeer(transport: .tcp, host: "192.0.2.10", port: 5060, connectionID: 7))
        XCTAssertEqual(try dialog(target: "sip:1001@192.0.2.10:5060;transport=udp", peer: tcpPeer).nextHop,
                       SIPPeer(transport: .udp, host: "192.0.2.10", port: 5060, connectionID: nil))
        XCTAssertEqual(try dialog(target: "sip:1001@192.0.2.10:5060", peer: tcpPeer).nextHop,
                       SIPPeer(transport: .tcp, host: "192.0.2.10", port: 5060, connectionID: 7))
    }

    /// A host name needs DNS, which the core does not do: send where the peer's messages came from.
    func testNextHopFallsBackToThePeerForHostNamesAndOtherSchemes() throws {
        XCTAssertEqual(try dialog(target: "sip:1001@phone.example.com:5070").nextHop, peer)
        XCTAssertEqual(try dialog(target: "tel:+15551234").nextHop, peer)
        XCTAssertEqual(try dialog(target: "sip:1001@192.0.2.300").nextHop, peer, "not an IPv4 address")
        XCTAssertEqual(try dialog(target: "sip:1001@192.0.2.10", routes: ["<sip:proxy.example.com;lr>"]).nextHop, peer)
    }

    func testNextHopIsTheFirstRoute() throws {
        XCTAssertEqual(try dialog(target: "sip:1001@192.0.2.10", routes: ["<sip:198.51.100.7:5080;lr>", "<sip:198.51.100.8;lr>"]).nextHop,
                       SIPPeer(transport: .udp, host: "198.51.100.7", port: 5080))
    }

    // MARK: Remote sequence (§12.2.2)

    func testAcceptRemoteSequence() throws {
        var d = try uas(invite())
        XCTAssertTrue(d.acceptRemoteSequence(CSeq(41, .bye)), "equal is not out of order")
        XCTAssertTrue(d.acceptRemoteSequence(CSeq(50, .info)))
        XCTAssertEqual(d.remoteSequence, 50)
        XCTAssertFalse(d.acceptRemoteSequence(CSeq(49, .bye)))
        XCTAssertEqual(d.remoteSequence, 50)
        // ACK and CANCEL carry the INVITE's number: never out of order, never recorded.
        XCTAssertTrue(d.acceptRemoteSequence(CSeq(3, .ack)))
        XCTAssertTrue(d.acceptRemoteSequence(CSeq(3, .cancel)))
        XCTAssertEqual(d.remoteSequence, 50)
    }

    func testEmptyRemoteSequenceAcceptsAnyNumber() throws {
        var d = try Dialog(uacFor: ourInvite, response: response(recordRoutes: []), peer: CoreFixture.carrier)
        XCTAssertTrue(d.acceptRemoteSequence(CSeq(7, .bye)))
        XCTAssertEqual(d.remoteSequence, 7)
        XCTAssertFalse(d.acceptRemoteSequence(CSeq(6, .bye)))
    }

    func testIPLiteral() throws {
        XCTAssertTrue(IPLiteral.isIPAddress("192.0.2.1"))
        XCTAssertTrue(IPLiteral.isIPAddress("::1"))
        XCTAssertFalse(IPLiteral.isIPAddress("1.2.3"))
        XCTAssertFalse(IPLiteral.isIPAddress("1.2.3.4.5"))
        XCTAssertFalse(IPLiteral.isIPAddress("256.1.1.1"))
        XCTAssertFalse(IPLiteral.isIPAddress("1..2.3"))
        XCTAssertFalse(IPLiteral.isIPAddress("example.com"))
    }
}
