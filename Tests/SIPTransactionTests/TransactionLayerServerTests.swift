import SIPMessage
import SIPTransaction
import XCTest

/// Server side of the layer: matching (§17.2.3, §9.2), retransmission absorption, ACK and
/// CANCEL routing, received/rport (§18.2.1, RFC 3581), response destinations (§18.2.2),
/// the table bound and stateless rejections.
final class TransactionLayerServerTests: XCTestCase {
    let tx1 = TransactionID(rawValue: 1)
    let tx2 = TransactionID(rawValue: 2)
    let tx3 = TransactionID(rawValue: 3)
    let alice = Fixture.alice

    private func trying(_ request: SIPRequest) -> SIPMessage { .response(Fixture.response(100, to: request)) }

    // MARK: New transactions and retransmissions

    func testNewInviteSends100AndIsPassedUpOnce() {
        var h = LayerHarness()
        let invite = Fixture.invite()
        XCTAssertEqual(h.receive(invite, from: alice), [.send(trying(invite), to: alice), .request(invite, tx1, from: alice)])
        XCTAssertEqual(h.layer.count, 1)
        XCTAssertEqual(h.layer.peer(of: tx1), alice)
    }

    func testInviteRetransmissionsOverUDPAreAbsorbedAndAnsweredWithTheLastResponse() {
        var h = LayerHarness()
        let invite = Fixture.invite()
        h.receive(invite, from: alice)
        XCTAssertEqual(h.receive(invite, from: alice), [.send(trying(invite), to: alice)])
        let ringing = Fixture.response(180, to: invite, toTag: "uas1")
        XCTAssertEqual(h.sendResponse(ringing, for: tx1), [.send(.response(ringing), to: alice)])
        XCTAssertEqual(h.receive(invite, from: alice), [.send(.response(ringing), to: alice)])
        let ok = Fixture.response(200, to: invite, toTag: "uas1")
        XCTAssertEqual(h.sendResponse(ok, for: tx1), [.send(.response(ok), to: alice), .startTimer(.L, tx1, at: .ms(32000))])
        // RFC 6026 Accepted: absorbed without a word; the TU retransmits its own 2xx.
        XCTAssertEqual(h.receive(invite, from: alice), [])
        XCTAssertEqual(h.layer.count, 1)
        XCTAssertEqual(h.log.filter { if case .request = $0.event { return true } else { return false } }.count, 1)
    }

    func testNonInviteRetransmissionsAreAbsorbedUntilTimerJ() {
        var h = LayerHarness()
        let register = Fixture.request(.register, uri: "sip:biloxi.example.com")
        XCTAssertEqual(h.receive(register, from: alice), [.request(register, tx1, from: alice)])
        XCTAssertEqual(h.receive(register, from: alice), [])
        let ok = Fixture.response(200, to: register, toTag: "r1")
        XCTAssertEqual(h.sendResponse(ok, for: tx1), [.send(.response(ok), to: alice), .startTimer(.J, tx1, at: .ms(32000))])
        h.advance(to: .ms(1000))
        XCTAssertEqual(h.receive(register, from: alice), [.send(.response(ok), to: alice)])
        XCTAssertEqual(h.advanceToNextDeadline(), [.terminated(tx1)])
        XCTAssertEqual(h.now, .ms(32000))
        XCTAssertEqual(h.layer.count, 0)
        XCTAssertNil(h.layer.peer(of: tx1))
        XCTAssertEqual(h.sendResponse(ok, for: tx1), [])
    }

    func testTwoInvitesWithTheSameCallIDButDifferentBranchesAreTwoTransactions() {
        var h = LayerHarness()
        let first = Fixture.invite(branch: "z9hG4bKfirst")
        let second = Fixture.invite(branch: "z9hG4bKsecond")
        XCTAssertEqual(h.receive(first, from: alice).last, .request(first, tx1, from: alice))
        XCTAssertEqual(h.receive(second, from: alice).last, .request(second, tx2, from: alice))
        XCTAssertEqual(h.layer.count, 2)
    }

    func testSameBranchFromAnotherSentByIsAnotherTransaction() {
        var h = LayerHarness()
        let first = Fixture.invite(viaHost: "192.0.2.10")
        let second = Fixture.invite(viaHost: "192.0.2.11")
        let other = SIPPeer(transport: .udp, host: "192.0.2.11", port: 5060)
        h.receive(first, from: alice)
        XCTAssertEqual(h.receive(second, from: other).last, .request(second, tx2, from: other))
        // Hosts compare case-insensitively: this is a retransmission of the first.
        let named = Fixture.invite(viaHost: "PC33.example.com")
        h.receive(named, from: alice)
        XCTAssertEqual(h.receive(Fixture.invite(viaHost: "pc33.EXAMPLE.com"), from: alice).count, 1)
        XCTAssertEqual(h.layer.count, 3)
    }

    // MARK: CANCEL (§9.2)

    func testCancelGetsItsOwnTransactionAndIsReportedWithItsInvite() {
        var h = LayerHarness()
        let invite = Fixture.invite()
        h.receive(invite, from: alice)
        let cancel = Fixture.request(.cancel)
        XCTAssertEqual(h.receive(cancel, from: alice), [.cancel(cancel, cancelTransaction: tx2, inviteTransaction: tx1)])
        XCTAssertEqual(h.receive(cancel, from: alice), [])
        let ok = Fixture.response(200, to: cancel, toTag: "uas1")
        XCTAssertEqual(h.sendResponse(ok, for: tx2), [.send(.response(ok), to: alice), .startTimer(.J, tx2, at: .ms(32000))])
        XCTAssertEqual(h.receive(cancel, from: alice), [.send(.response(ok), to: alice)])
        let terminated = Fixture.response(487, to: invite, toTag: "uas1")
        XCTAssertEqual(h.sendResponse(terminated, for: tx1), [
            .send(.response(terminated), to: alice), .startTimer(.G, tx1, at: .ms(500)), .startTimer(.H, tx1, at: .ms(32000)),
        ])
        // The ACK for the 487 carries the INVITE's branch and stays in the transaction.
        let ack = Fixture.request(.ack, toTag: "uas1")
        XCTAssertEqual(h.receive(ack, from: alice), [
            .cancelTimer(.G, tx1), .cancelTimer(.H, tx1), .startTimer(.I, tx1, at: .ms(5000)),
        ])
    }

    func testCancelMatchingNoInviteIsReportedWithNil() {
        var h = LayerHarness()
        h.receive(Fixture.invite(branch: "z9hG4bKother"), from: alice)
        let cancel = Fixture.request(.cancel)
        XCTAssertEqual(h.receive(cancel, from: alice), [.cancel(cancel, cancelTransaction: tx2, inviteTransaction: nil)])
        let elsewhere = Fixture.request(.cancel, viaHost: "192.0.2.99", branch: "z9hG4bKother")
        XCTAssertEqual(h.receive(elsewhere, from: alice), [.cancel(
            Self.stamped(elsewhere, received: "192.0.2.10"), cancelTransaction: tx3, inviteTransaction: nil)])
    }

    // MARK: ACK

    func testACKForNon2xxOverTCPTerminatesTheTransaction() {
        var h = LayerHarness()
        let invite = Fixture.invite(transport: "TCP")
        h.receive(invite, from: Fixture.aliceTCP)
        let busy = Fixture.response(486, to: invite, toTag: "uas1")
        XCTAssertEqual(h.sendResponse(busy, for: tx1), [.send(.response(busy), to: Fixture.aliceTCP), .startTimer(.H, tx1, at: .ms(32000))])
        let ack = Fixture.request(.ack, transport: "TCP", toTag: "uas1")
        XCTAssertEqual(h.receive(ack, from: Fixture.aliceTCP), [.cancelTimer(.H, tx1), .terminated(tx1)])
        XCTAssertEqual(h.layer.count, 0)
    }

    /// The ACK for a 2xx has a new branch (§13.2.2.4) and may come through a proxy; it is
    /// matched to the Accepted INVITE server transaction by dialog and CSeq number.
    func testACKFor2xxIsMatchedToTheAcceptedInvite() {
        var h = LayerHarness()
        let invite = Fixture.invite()
        h.receive(invite, from: alice)
        h.sendResponse(Fixture.response(200, to: invite, toTag: "uas1"), for: tx1)
        let ack = Fixture.ackFor2xx(of: invite, toTag: "uas1")
        XCTAssertEqual(h.receive(ack, from: alice), [.ackForAcceptedInvite(ack, tx1, from: alice)])
        let proxy = SIPPeer(transport: .udp, host: "192.0.2.30", port: 5060)
        let viaProxy = Fixture.ackFor2xx(of: invite, toTag: "uas1", branch: "z9hG4bKproxy", viaHost: "192.0.2.30")
        XCTAssertEqual(h.receive(viaProxy, from: proxy), [.ackForAcceptedInvite(viaProxy, tx1, from: proxy)])
        let otherDialog = Fixture.ackFor2xx(of: invite, toTag: "someone-else")
        XCTAssertEqual(h.receive(otherDialog, from: alice), [.strayACK(otherDialog, from: alice)])
        // After Timer L the transaction is gone and the ACK is the TU's to match.
        XCTAssertEqual(h.advanceToNextDeadline(), [.terminated(tx1)])
        XCTAssertEqual(h.receive(ack, from: alice), [.strayACK(ack, from: alice)])
    }

    func testACKMatchingNothingIsStray() {
        var h = LayerHarness()
        let ack = Fixture.request(.ack, toTag: "x")
        XCTAssertEqual(h.receive(ack, from: alice), [.strayACK(ack, from: alice)])
        XCTAssertEqual(h.layer.count, 0)
    }

    // MARK: RFC 2543 fallback (§17.2.3)

    func testRequestsWithoutAnRFC3261BranchMatchByTheRFC2543Key() {
        for branch in [nil, "z9hG4bK", "1234abcd"] as [String?] {
            var h = LayerHarness()
            let invite = Fixture.invite(branch: branch)
            h.receive(invite, from: alice)
            XCTAssertEqual(h.receive(invite, from: alice), [.send(trying(invite), to: alice)], "branch \(branch ?? "none")")
            let otherFrom = Fixture.invite(branch: branch, fromTag: "other")
            XCTAssertEqual(h.receive(otherFrom, from: alice).last, .request(otherFrom, tx2, from: alice))
            var otherURI = invite
            otherURI.uri = Fixture.uri("sip:carol@biloxi.example.com")
            XCTAssertEqual(h.receive(otherURI, from: alice).last, .request(otherURI, tx3, from: alice))
            XCTAssertEqual(h.layer.count, 3)
        }
    }

    func testRFC2543ACKMatchesByTheToTagOfTheFinalResponse() {
        var h = LayerHarness()
        let invite = Fixture.invite(branch: nil)
        h.receive(invite, from: alice)
        h.sendResponse(Fixture.response(486, to: invite, toTag: "uas1"), for: tx1)
        let wrongTag = Fixture.request(.ack, branch: nil, toTag: "nope")
        XCTAssertEqual(h.receive(wrongTag, from: alice), [.strayACK(wrongTag, from: alice)])
        let ack = Fixture.request(.ack, branch: nil, toTag: "uas1")
        XCTAssertEqual(h.receive(ack, from: alice), [
            .cancelTimer(.G, tx1), .cancelTimer(.H, tx1), .startTimer(.I, tx1, at: .ms(5000)),
        ])
    }

    func testRFC2543ACKFor2xxAndCancel() {
        var h = LayerHarness()
        let invite = Fixture.invite(branch: nil)
        h.receive(invite, from: alice)
        let cancel = Fixture.request(.cancel, branch: nil)
        XCTAssertEqual(h.receive(cancel, from: alice), [.cancel(cancel, cancelTransaction: tx2, inviteTransaction: tx1)])
        h.sendResponse(Fixture.response(200, to: invite, toTag: "uas1"), for: tx1)
        let ack = Fixture.request(.ack, branch: nil, toTag: "uas1")
        XCTAssertEqual(h.receive(ack, from: alice), [.ackForAcceptedInvite(ack, tx1, from: alice)])
    }

    /// A re-INVITE carries the dialog's To tag; its ACK carries the same one.
    func testRFC2543ReInviteACK() {
        var h = LayerHarness()
        let reinvite = Fixture.invite(branch: nil, toTag: "uas1", cseq: 314160)
        h.receive(reinvite, from: alice)
        h.sendResponse(Fixture.response(488, to: reinvite), for: tx1)
        let ack = Fixture.request(.ack, branch: nil, toTag: "uas1", cseq: 314160)
        XCTAssertEqual(h.receive(ack, from: alice).first, .cancelTimer(.G, tx1))
    }

    // MARK: received / rport (§18.2.1, RFC 3581 §4)

    static func stamped(_ request: SIPRequest, received: String, rport: Int? = nil) -> SIPRequest {
        var via = try! request.topVia()
        if via.hasRport { via.parameters["rport"] = .some(rport.map(String.init)) }
        via.received = received
        var copy = request
        var fields = request.headers.fields
        let i = fields.firstIndex { $0.name == .via }!
        var values = SIPHeaders.splitList(fields[i].value)
        values[0] = via.description
        fields[i].value = values.joined(separator: ", ")
        copy.headers = SIPHeaders(fields)
        return copy
    }

    func testReceivedIsRecordedWhenSentByIsNotTheSourceAddress() {
        var h = LayerHarness()
        let invite = Fixture.invite(viaHost: "pc33.atlanta.example.com")
        let events = h.receive(invite, from: alice)
        guard case .request(let delivered, _, _) = events.last else { return XCTFail("\(events)") }
        XCTAssertEqual(delivered.headers[.via],
                       "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;received=192.0.2.10")
        // The 100 Trying copies the stamped Via.
        XCTAssertEqual(events.first, .send(trying(delivered), to: alice))
    }

    func testRportIsFilledAndReceivedAddedEvenForTheSameAddress() {
        var h = LayerHarness()
        let natted = SIPPeer(transport: .udp, host: "192.0.2.10", port: 61000)
        let options = Fixture.request(.options, rport: true)
        let events = h.receive(options, from: natted)
        guard case .request(let delivered, _, _) = events.last else { return XCTFail("\(events)") }
        XCTAssertEqual(delivered.headers[.via],
                       "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport=61000;received=192.0.2.10")
        XCTAssertEqual(h.layer.peer(of: tx1), natted)
    }

    func testOnlyTheTopViaValueIsStamped() {
        var h = LayerHarness()
        var options = Fixture.request(.options, viaHost: "proxy.example.com", viaPort: nil)
        options.headers.set(.via, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa")
        options.headers.add(.via, "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb")
        guard case .request(let delivered, _, _) = h.receive(options, from: alice).last else { return XCTFail() }
        XCTAssertEqual(delivered.headers.lines(.via), [
            "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1;received=192.0.2.10, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa",
            "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb",
        ])
    }

    // MARK: Response destinations (§18.2.2, RFC 3581)

    func testResponseDestinationRules() throws {
        let source = SIPPeer(transport: .udp, host: "198.51.100.7", port: 40000)
        func destination(_ via: String, _ from: SIPPeer = source) throws -> SIPPeer {
            TransactionLayer.responseDestination(topVia: try Via(parsing: via), receivedFrom: from)
        }
        XCTAssertEqual(try destination("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKx"),
                       SIPPeer(transport: .udp, host: "198.51.100.7", port: 5070))
        XCTAssertEqual(try destination("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx"),
                       SIPPeer(transport: .udp, host: "198.51.100.7", port: 5060))
        XCTAssertEqual(try destination("SIP/2.0/UDP 10.0.0.1:5070;rport;branch=z9hG4bKx"), source)
        let tcp = SIPPeer(transport: .tcp, host: "198.51.100.7", port: 40000, connectionID: 42)
        XCTAssertEqual(try destination("SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKx", tcp), tcp)
    }

    func testResponsesGoToTheSentByPortOverUDP() {
        var h = LayerHarness()
        let source = SIPPeer(transport: .udp, host: "192.0.2.10", port: 40000)
        let invite = Fixture.invite(viaPort: 5070)
        let destination = SIPPeer(transport: .udp, host: "192.0.2.10", port: 5070)
        XCTAssertEqual(h.receive(invite, from: source), [.send(trying(invite), to: destination), .request(invite, tx1, from: source)])
        XCTAssertEqual(h.layer.peer(of: tx1), destination)
    }

    // MARK: Bound and rejections

    func testTableIsBoundedAndOverflowGetsAStateless503() throws {
        var h = LayerHarness(layer: TransactionLayer(maxTransactions: 2))
        h.receive(Fixture.invite(branch: "z9hG4bK1"), from: alice)
        h.receive(Fixture.invite(branch: "z9hG4bK2"), from: alice)
        let third = Fixture.invite(branch: "z9hG4bK3")
        let events = h.receive(third, from: alice)
        XCTAssertEqual(h.layer.count, 2)
        guard events.count == 1, case .send(.response(let busy), let to) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(to, alice)
        XCTAssertEqual(busy.statusCode, 503)
        XCTAssertEqual(busy.headers.lines(.via), third.headers.lines(.via))
        XCTAssertEqual(busy.headers[.callID], third.headers[.callID])
        XCTAssertEqual(busy.headers[.cseq], third.headers[.cseq])
        let tag = try XCTUnwrap(try busy.to().tag)
        XCTAssertTrue(tag.hasPrefix("hl"))
        XCTAssertEqual(h.receive(third, from: alice), events, "a retransmission gets the same 503, same tag")
        // Existing transactions still work, and ACKs need no room.
        XCTAssertEqual(h.receive(Fixture.invite(branch: "z9hG4bK1"), from: alice).count, 1)
        let ack = Fixture.request(.ack, branch: "z9hG4bK3", toTag: tag)
        XCTAssertEqual(h.receive(ack, from: alice), [.strayACK(ack, from: alice)])
        // Room again once one terminates.
        h.sendResponse(Fixture.response(200, to: Fixture.invite(branch: "z9hG4bK1"), toTag: "t"), for: tx1)
        h.advanceToNextDeadline()
        XCTAssertEqual(h.layer.count, 1)
        XCTAssertEqual(h.receive(third, from: alice).last, .request(third, tx3, from: alice))
    }

    func testMalformedRequestGetsA400NamingTheHeader() {
        var h = LayerHarness()
        var options = Fixture.request(.options)
        options.headers.remove(.callID)
        let events = h.receive(options, from: alice)
        guard events.count == 1, case .send(.response(let bad), alice) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(bad.statusCode, 400)
        XCTAssertTrue(bad.reason.hasPrefix("Bad Request ("), bad.reason)
        XCTAssertTrue(bad.reason.contains("Call-ID"), bad.reason)
        XCTAssertEqual(h.layer.count, 0)
    }

    /// RFC 4475 §3.1.2.18: an unknown method with a mismatched CSeq is the TU's to answer (501).
    func testCSeqMethodMismatchIsPassedToTheTU() {
        var h = LayerHarness()
        let unknown = Fixture.request("NEWMETHOD", cseqMethod: .invite)
        XCTAssertEqual(h.receive(unknown, from: alice), [.request(unknown, tx1, from: alice)])
        XCTAssertEqual(h.receive(unknown, from: alice), [], "and its retransmissions are absorbed")
        let ack = Fixture.request(.ack, toTag: "x", cseqMethod: .invite)
        XCTAssertEqual(h.receive(ack, from: alice), [])
    }

    func testMalformedACKAndRequestsWithoutViaAreDropped() {
        var h = LayerHarness()
        var ack = Fixture.request(.ack, toTag: "x")
        ack.headers.remove(.cseq)
        XCTAssertEqual(h.receive(ack, from: alice), [])
        var noVia = Fixture.request(.options)
        noVia.headers.remove(.via)
        XCTAssertEqual(h.receive(noVia, from: alice), [])
    }

    func testTransportErrorOnAServerTransaction() {
        var h = LayerHarness()
        h.receive(Fixture.invite(), from: alice)
        XCTAssertEqual(h.transportFailed(for: tx1), [.transportError(tx1), .terminated(tx1)])
        XCTAssertEqual(h.layer.count, 0)
        XCTAssertEqual(h.transportFailed(for: tx1), [])
        XCTAssertEqual(h.layer.timerFired(.H, for: tx1, now: .ms(1)), [])
    }
}

extension TransactionLayerServerTests {
    /// RFC 4475 §3.1.2.1 (badinv01): a top Via that does not parse cannot route the answer,
    /// so the 400 goes back to the source.
    func testMalformedTopViaIsAnsweredToTheSource() {
        var h = LayerHarness()
        var options = Fixture.request(.options)
        options.headers.set(.via, "SIP/2.0/UDP 192.0.2.15;;,;,,")
        let events = h.receive(options, from: alice)
        guard events.count == 1, case .send(.response(let bad), let to) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(to, alice)
        XCTAssertEqual(bad.statusCode, 400)
        XCTAssertTrue(bad.reason.contains("Via"), bad.reason)
    }
}
