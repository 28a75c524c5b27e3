@testable import SIPDialog
import SIPMessage
import XCTest

/// RFC 4028 §9 negotiation from the UAS side, and the delays that follow from it.
final class SessionTimerTests: XCTestCase {
    private func negotiate(_ headers: [(SIPHeaderName, String)], minimum: Int = 90, preferred: Int = 1800)
        -> SessionTimerNegotiation.Outcome {
        var h = SIPHeaders()
        for (n, v) in headers { h.add(n, v) }
        let request = SIPRequest(method: .invite, uri: CoreFixture.uri("sip:10000@hotline.local"), headers: h)
        return SessionTimerNegotiation.negotiate(request: request, minimum: minimum, preferred: preferred)
    }

    private func accepted(_ interval: Int, _ refresher: SessionTimerNegotiation.Refresher, peerSupports: Bool)
        -> SessionTimerNegotiation.Outcome {
        .accept(SessionTimerNegotiation(interval: interval, refresher: refresher, peerSupportsTimer: peerSupports))
    }

    func testNoTimerAndNoSupportMeansNoSessionTimer() {
        XCTAssertEqual(negotiate([]), .none)
        XCTAssertEqual(negotiate([(.supported, "100rel, replaces")]), .none)
    }

    /// We ask for our preferred interval when the caller supports timers but did not ask.
    func testSupportedTimerWithoutSessionExpiresGetsOurPreference() {
        XCTAssertEqual(negotiate([(.supported, "timer")]), accepted(1800, .uac, peerSupports: true))
        XCTAssertEqual(negotiate([(.supported, "100rel, TIMER")]), accepted(1800, .uac, peerSupports: true))
        XCTAssertEqual(negotiate([(.require, "timer")]), accepted(1800, .uac, peerSupports: true))
        XCTAssertEqual(negotiate([(.supported, "timer")], preferred: 600), accepted(600, .uac, peerSupports: true))
    }

    func testTheRequestedRefresherIsKept() {
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "1200;refresher=uas")]),
                       accepted(1200, .uas, peerSupports: true))
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "1200; refresher = UAC")]),
                       accepted(1200, .uac, peerSupports: true))
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "1200")]),
                       accepted(1200, .uac, peerSupports: true))
        // The compact form `x`.
        XCTAssertEqual(negotiate([(.supported, "timer"), ("x", "900;refresher=uas")]),
                       accepted(900, .uas, peerSupports: true))
    }

    /// RFC 4028 §9: a caller without timer support (a proxy added Session-Expires) cannot
    /// refresh, so we do, and the 2xx carries no Require: timer.
    func testSessionExpiresWithoutSupportMakesUsTheRefresher() {
        XCTAssertEqual(negotiate([(.sessionExpires, "1800;refresher=uac")]), accepted(1800, .uas, peerSupports: false))
    }

    /// RFC 4028 §8.1: below our minimum → 422 with our Min-SE.
    func testTooSmallIntervalGets422() {
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "30")]), .tooSmall(minSE: 90))
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "89")]), .tooSmall(minSE: 90))
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "90")]), accepted(90, .uac, peerSupports: true))
        XCTAssertEqual(negotiate([(.sessionExpires, "300")], minimum: 600), .tooSmall(minSE: 600))
    }

    /// RFC 4028 §9: never below the request's Min-SE.
    func testTheRequestsMinSERaisesTheInterval() {
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "100"), (.minSE, "120")]),
                       accepted(120, .uac, peerSupports: true))
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "1800"), (.minSE, "120;x=y")]),
                       accepted(1800, .uac, peerSupports: true))
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "1800"), (.minSE, "junk")]),
                       accepted(1800, .uac, peerSupports: true))
    }

    func testUnreadableSessionExpiresIsIgnored() {
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "soon")]), .none)
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "0")]), .none)
        XCTAssertEqual(negotiate([(.supported, "timer"), (.sessionExpires, "-5")]), .none)
    }

    func testHeaderValueAndDelays() {
        let t = SessionTimerNegotiation(interval: 1800, refresher: .uac, peerSupportsTimer: true)
        XCTAssertEqual(t.headerValue, "1800;refresher=uac")
        // §10: interval − min(32, interval/3).
        XCTAssertEqual(t.expiryDelay, .seconds(1768))
        XCTAssertEqual(t.refreshDelay, .seconds(900))
        let short = SessionTimerNegotiation(interval: 90, refresher: .uas, peerSupportsTimer: false)
        XCTAssertEqual(short.headerValue, "90;refresher=uas")
        XCTAssertEqual(short.expiryDelay, .seconds(60))
        XCTAssertEqual(short.refreshDelay, .seconds(45))
    }
}
