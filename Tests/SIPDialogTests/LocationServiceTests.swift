import XCTest

#if canImport(SIPAuth)
@testable import SIPAuth
#else
@testable import SIPDialog
#endif

final class LocationServiceTests: XCTestCase {
    private let second: Int64 = 1_000_000_000
    private let now: Int64 = 1_000 * 1_000_000_000
    private let aor = "sip:1001@hotline.local"
    private let desk = "sip:1001@192.0.2.10:5060"
    private let mobile = "sip:1001@198.51.100.7:5062;transport=tcp"

    private func binding(
        _ contact: String, expires: Int64 = 3600, callID: String = "c1", cseq: UInt32 = 1, q: Double? = nil,
        instance: String? = nil, source: String = "", at time: Int64? = nil
    ) -> LocationService.Binding {
        let time = time ?? now
        return LocationService.Binding(
            contactURI: contact, expiresAt: time + expires * second, callID: callID, cseq: cseq, q: q,
            instance: instance, source: source, updatedAt: time)
    }

    private func assertError<T>(
        _ expression: @autoclosure () throws(LocationServiceError) -> T, _ code: LocationServiceError.Code,
        contact: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let value = try expression()
            XCTFail("expected \(code), got \(value)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, file: file, line: line)
            XCTAssertEqual(error.aor, aor, file: file, line: line)
            XCTAssertEqual(error.contactURI, contact, file: file, line: line)
        }
    }

    func testAddThenList() throws {
        var location = LocationService()
        let change = try location.update(
            aor: aor, contact: desk, expires: 3600, callID: "c1", cseq: 1, q: 0.5,
            instance: "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>", source: "udp:192.0.2.10:5060", now: now)
        let expected = binding(
            desk, q: 0.5, instance: "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>", source: "udp:192.0.2.10:5060")
        XCTAssertEqual(change, .added(expected))
        XCTAssertEqual(location.bindings(aor: aor, now: now), [expected])
        XCTAssertEqual(location.bindings(aor: "sip:other@hotline.local", now: now), [])
        XCTAssertEqual(location.addressesOfRecord, [aor])
        XCTAssertEqual(location.nextExpiry, now + 3600 * second)
    }

    /// RFC 3261 §10.3 step 7: same Call-ID, higher CSeq refreshes.
    func testRefreshWithHigherCSeq() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: desk, expires: 60, callID: "c1", cseq: 1, now: now)
        let later = now + 30 * second
        let change = try location.update(aor: aor, contact: desk, expires: 120, callID: "c1", cseq: 2, now: later)
        XCTAssertEqual(change, .refreshed(binding(desk, expires: 120, cseq: 2, at: later)))
        XCTAssertEqual(location.bindings(aor: aor, now: later), [binding(desk, expires: 120, cseq: 2, at: later)])
    }

    /// RFC 3261 §10.3 step 7: same Call-ID with an equal or lower CSeq fails (500).
    func testSameCallIDWithoutHigherCSeqIsOutOfOrder() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: desk, expires: 60, callID: "c1", cseq: 5, now: now)
        let before = location.bindings(aor: aor, now: now)
        assertError(
            try location.update(aor: aor, contact: desk, expires: 60, callID: "c1", cseq: 5, now: now), .outOfOrder,
            contact: desk)
        assertError(
            try location.update(aor: aor, contact: desk, expires: 0, callID: "c1", cseq: 4, now: now), .outOfOrder,
            contact: desk)
        XCTAssertEqual(location.bindings(aor: aor, now: now), before)
    }

    /// A different Call-ID (a rebooted phone) replaces the binding whatever its CSeq.
    func testDifferentCallIDReplaces() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: desk, expires: 60, callID: "c1", cseq: 9, now: now)
        let change = try location.update(aor: aor, contact: desk, expires: 60, callID: "c2", cseq: 1, now: now)
        XCTAssertEqual(change, .refreshed(binding(desk, expires: 60, callID: "c2", cseq: 1)))
        XCTAssertEqual(location.bindings(aor: aor, now: now).count, 1)
    }

    func testExpiresZeroRemoves() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: desk, expires: 60, callID: "c1", cseq: 1, now: now)
        try location.update(aor: aor, contact: mobile, expires: 60, callID: "c9", cseq: 1, now: now)
        XCTAssertEqual(
            try location.update(aor: aor, contact: desk, expires: 0, callID: "c1", cseq: 2, now: now),
            .removed(binding(desk, expires: 60)))
        XCTAssertEqual(
            try location.update(aor: aor, contact: mobile, expires: 0, callID: "other", cseq: 1, now: now),
            .removed(binding(mobile, expires: 60, callID: "c9")))
        XCTAssertEqual(
            try location.update(aor: aor, contact: desk, expires: 0, callID: "c1", cseq: 3, now: now), .unchanged)
        XCTAssertEqual(location.addressesOfRecord, [])
        XCTAssertNil(location.nextExpiry)
    }

    func testContactCapCountsOnlyLiveBindings() throws {
        var location = LocationService(maximumContactsPerAOR: 2)
        try location.update(aor: aor, contact: "sip:a@x", expires: 10, callID: "c", cseq: 1, now: now)
        try location.update(aor: aor, contact: "sip:b@x", expires: 60, callID: "c", cseq: 2, now: now)
        assertError(
            try location.update(aor: aor, contact: "sip:c@x", expires: 60, callID: "c", cseq: 3, now: now),
            .tooManyContacts, contact: "sip:c@x")
        // Refreshing an existing contact at the cap is fine.
        XCTAssertEqual(
            try location.update(aor: aor, contact: "sip:b@x", expires: 60, callID: "c", cseq: 4, now: now),
            .refreshed(binding("sip:b@x", expires: 60, callID: "c", cseq: 4)))
        // Once "a" has expired there is room again.
        let later = now + 10 * second
        XCTAssertEqual(
            try location.update(aor: aor, contact: "sip:c@x", expires: 60, callID: "c", cseq: 5, now: later),
            .added(binding("sip:c@x", expires: 60, callID: "c", cseq: 5, at: later)))
        XCTAssertEqual(location.bindings(aor: aor, now: later).map(\.contactURI), ["sip:c@x", "sip:b@x"])
    }

    /// RFC 3261 §10.3 step 7: all contacts of one REGISTER commit, or none.
    func testBatchUpdateIsAllOrNothing() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: desk, expires: 60, callID: "c1", cseq: 5, now: now)
        let before = location.bindings(aor: aor, now: now)
        assertError(
            try location.update(
                aor: aor,
                contacts: [
                    .init(contactURI: mobile, expires: 60),
                    .init(contactURI: desk, expires: 60),
                ], callID: "c1", cseq: 5, now: now),
            .outOfOrder, contact: desk)
        XCTAssertEqual(location.bindings(aor: aor, now: now), before)

        let changes = try location.update(
            aor: aor,
            contacts: [
                .init(contactURI: mobile, expires: 30, q: 0.1, instance: "i", source: "tcp:198.51.100.7:5062"),
                .init(contactURI: desk, expires: 0),
            ], callID: "c1", cseq: 6, now: now)
        XCTAssertEqual(
            changes,
            [
                .added(binding(mobile, expires: 30, cseq: 6, q: 0.1, instance: "i", source: "tcp:198.51.100.7:5062")),
                .removed(binding(desk, expires: 60, cseq: 5)),
            ])
    }

    func testRemoveOne() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: desk, expires: 60, callID: "c1", cseq: 1, now: now)
        XCTAssertNil(location.remove(aor: aor, contact: mobile))
        XCTAssertNil(location.remove(aor: "sip:nobody@hotline.local", contact: desk))
        try location.update(aor: aor, contact: mobile, expires: 60, callID: "c2", cseq: 1, now: now)
        XCTAssertEqual(location.remove(aor: aor, contact: desk), binding(desk, expires: 60))
        XCTAssertEqual(location.bindings(aor: aor, now: now).map(\.contactURI), [mobile])
        XCTAssertEqual(location.remove(aor: aor, contact: mobile), binding(mobile, expires: 60, callID: "c2"))
        XCTAssertEqual(location.addressesOfRecord, [])
    }

    /// RFC 3261 §10.3 step 6: `Contact: *`, `Expires: 0`.
    func testRemoveAll() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: desk, expires: 60, callID: "c1", cseq: 3, now: now)
        try location.update(aor: aor, contact: mobile, expires: 60, callID: "c2", cseq: 8, now: now)
        assertError(try location.removeAll(aor: aor, callID: "c1", cseq: 3), .outOfOrder, contact: desk)
        assertError(try location.removeAll(aor: aor, callID: "c2", cseq: 1), .outOfOrder, contact: mobile)
        XCTAssertEqual(location.bindings(aor: aor, now: now).count, 2)
        XCTAssertEqual(
            try location.removeAll(aor: aor, callID: "c1", cseq: 4),
            [binding(desk, expires: 60, cseq: 3), binding(mobile, expires: 60, callID: "c2", cseq: 8)])
        XCTAssertEqual(location.bindings(aor: aor, now: now), [])
        XCTAssertEqual(try location.removeAll(aor: aor, callID: "c9", cseq: 1), [])
    }

    func testBindingsSortByQThenRecencyThenURI() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: "sip:low@x", expires: 60, callID: "c", cseq: 1, q: 0.2, now: now)
        try location.update(aor: aor, contact: "sip:none@x", expires: 60, callID: "c", cseq: 2, now: now)
        try location.update(aor: aor, contact: "sip:high@x", expires: 60, callID: "c", cseq: 3, q: 1.0, now: now + 1)
        try location.update(aor: aor, contact: "sip:mid@x", expires: 60, callID: "c", cseq: 4, q: 0.7, now: now)
        try location.update(aor: aor, contact: "sip:b@x", expires: 60, callID: "c", cseq: 5, q: 0.2, now: now)
        XCTAssertEqual(
            location.bindings(aor: aor, now: now + 1).map(\.contactURI),
            ["sip:high@x", "sip:none@x", "sip:mid@x", "sip:b@x", "sip:low@x"])
    }

    func testExpiry() throws {
        var location = LocationService()
        try location.update(aor: aor, contact: desk, expires: 10, callID: "c1", cseq: 1, now: now)
        try location.update(aor: aor, contact: mobile, expires: 20, callID: "c1", cseq: 2, now: now)
        try location.update(
            aor: "sip:1002@hotline.local", contact: "sip:1002@x", expires: 10, callID: "c3", cseq: 1,
            now: now)
        XCTAssertEqual(location.nextExpiry, now + 10 * second)
        let deadline = now + 10 * second
        // A binding is gone at its expiry instant.
        XCTAssertEqual(location.bindings(aor: aor, now: deadline - 1).count, 2)
        XCTAssertEqual(location.bindings(aor: aor, now: deadline).map(\.contactURI), [mobile])
        XCTAssertEqual(location.expire(now: deadline - 1), [:])
        XCTAssertEqual(
            location.expire(now: deadline),
            [
                aor: [binding(desk, expires: 10)],
                "sip:1002@hotline.local": [binding("sip:1002@x", expires: 10, callID: "c3")],
            ])
        XCTAssertEqual(location.addressesOfRecord, [aor])
        XCTAssertEqual(location.nextExpiry, now + 20 * second)
    }

    func testRemainingSeconds() {
        let bound = binding(desk, expires: 60)
        XCTAssertEqual(bound.remainingSeconds(now: now), 60)
        XCTAssertEqual(bound.remainingSeconds(now: now + 1), 60)
        XCTAssertEqual(bound.remainingSeconds(now: now + second), 59)
        XCTAssertEqual(bound.remainingSeconds(now: now + 60 * second), 0)
        XCTAssertEqual(bound.remainingSeconds(now: now + 61 * second), 0)
    }

    func testHugeExpiresSaturates() throws {
        var location = LocationService()
        let change = try location.update(
            aor: aor, contact: desk, expires: .max, callID: "c", cseq: 1, now: .max - 10)
        guard case .added(let added) = change else { return XCTFail("\(change)") }
        XCTAssertEqual(added.expiresAt, .max)
        XCTAssertEqual(added.remainingSeconds(now: .max - 10), 1)
    }

    func testErrorsExplainThemselves() {
        let outOfOrder = LocationServiceError(
            code: .outOfOrder, aor: aor, contactURI: desk, detail: "CSeq 1 is not above 2")
        XCTAssertEqual(outOfOrder.suggestedStatusCode, 500)
        XCTAssertEqual(
            outOfOrder.description,
            "outOfOrder for sip:1001@hotline.local, contact sip:1001@192.0.2.10:5060: CSeq 1 is not above 2; "
                + "the UA must send a new REGISTER with a higher CSeq")
        let full = LocationServiceError(code: .tooManyContacts, aor: aor, contactURI: desk, detail: "full")
        XCTAssertEqual(full.suggestedStatusCode, 403)
        XCTAssertEqual(
            full.description,
            "tooManyContacts for sip:1001@hotline.local, contact sip:1001@192.0.2.10:5060: full; "
                + "unregister an old device or raise the per-AOR contact limit")
        XCTAssertEqual(LocationService(maximumContactsPerAOR: 0).maximumContactsPerAOR, 1)
    }
}
