import SIPMessage
import XCTest

/// `SIPHeaderName` (compact forms, case) and `SIPHeaders` (lists, editing).
final class SIPHeadersTests: XCTestCase {
    // MARK: names

    func test_compactForms_equalTheirLongForms() {
        let pairs: [(String, SIPHeaderName)] = [
            ("i", .callID), ("m", .contact), ("e", .contentEncoding), ("l", .contentLength), ("c", .contentType),
            ("f", .from), ("s", .subject), ("k", .supported), ("t", .to), ("v", .via), ("o", .event),
            ("r", .referTo), ("b", .referredBy), ("x", .sessionExpires), ("u", .allowEvents),
        ]
        for (short, long) in pairs {
            XCTAssertEqual(SIPHeaderName(short), long, short)
            XCTAssertEqual(SIPHeaderName(short.uppercased()), long, short)
            XCTAssertEqual(SIPHeaderName(short).name, long.name, "compact names are written in long form")
            XCTAssertEqual(SIPHeaderName(short).hashValue, long.hashValue)
        }
    }

    func test_caseInsensitive_canonicalSpelling() {
        XCTAssertEqual(SIPHeaderName("MaX-fOrWaRdS"), .maxForwards)
        XCTAssertEqual(SIPHeaderName("MaX-fOrWaRdS").name, "Max-Forwards")
        XCTAssertEqual(SIPHeaderName("call-id").name, "Call-ID")
        XCTAssertEqual(SIPHeaderName("CSEQ").name, "CSeq")
        XCTAssertEqual(SIPHeaderName("www-authenticate").name, "WWW-Authenticate")
        // Unknown names keep their spelling but still compare without case.
        let unknown = SIPHeaderName("X-Hotline-Queue")
        XCTAssertEqual(unknown.name, "X-Hotline-Queue")
        XCTAssertEqual(unknown, SIPHeaderName("x-hotline-queue"))
        XCTAssertEqual(Set([unknown, SIPHeaderName("X-HOTLINE-QUEUE")]).count, 1)
        XCTAssertNotEqual(unknown, SIPHeaderName("X-Hotline-Queues"))
        XCTAssertEqual(unknown.description, "X-Hotline-Queue")
    }

    func test_listAndSingleValuedClassification() {
        for n in [SIPHeaderName.via, .contact, .route, .recordRoute, .require, .proxyRequire, .supported, .allow, .accept] {
            XCTAssertTrue(n.isList, n.name)
        }
        for n in [SIPHeaderName.authorization, .proxyAuthorization, .wwwAuthenticate, .date, .callID, .cseq, .from, .to] {
            XCTAssertFalse(n.isList, n.name)
        }
        for n in [SIPHeaderName.callID, .cseq, .from, .to, .maxForwards, .contentLength, .contentType, .expires] {
            XCTAssertTrue(n.isSingleValued, n.name)
        }
        XCTAssertFalse(SIPHeaderName.via.isSingleValued)
    }

    // MARK: splitList

    func test_splitList_respectsQuotesAndAngleBrackets() {
        XCTAssertEqual(SIPHeaders.splitList("a"), ["a"])
        XCTAssertEqual(SIPHeaders.splitList("  a , b,c  "), ["a", "b", "c"])
        XCTAssertEqual(SIPHeaders.splitList("\"Doe, John\" <sip:j@x.example.com>;q=0.1, <sip:k@y.example.com>"),
                       ["\"Doe, John\" <sip:j@x.example.com>;q=0.1", "<sip:k@y.example.com>"])
        XCTAssertEqual(SIPHeaders.splitList("<sip:a@x.example.com;p=1,2>, <sip:b@y.example.com>"),
                       ["<sip:a@x.example.com;p=1,2>", "<sip:b@y.example.com>"])
        XCTAssertEqual(SIPHeaders.splitList("\"a\\\", b\" <sip:x@h>, sip:y@h"), ["\"a\\\", b\" <sip:x@h>", "sip:y@h"])
        XCTAssertEqual(SIPHeaders.splitList("x;p=\"1,2\",y"), ["x;p=\"1,2\"", "y"])
    }

    func test_splitList_keepsEmptyElements() {
        XCTAssertEqual(SIPHeaders.splitList("SIP/2.0/UDP 192.0.2.15;;,;,,"), ["SIP/2.0/UDP 192.0.2.15;;", ";", "", ""])
        XCTAssertEqual(SIPHeaders.splitList(","), ["", ""])
        XCTAssertEqual(SIPHeaders.splitList(""), [""])
    }

    func test_splitList_unbalancedInputDoesNotTrap() {
        for text in ["\"unterminated, x", "<open, x", "\"a\\", "\"a\\\"", "a>,b", "\\,\"", "<<a>,b>", "\"\\"] {
            _ = SIPHeaders.splitList(text)
        }
        XCTAssertEqual(SIPHeaders.splitList("\"unterminated, x"), ["\"unterminated, x"])
    }

    // MARK: lookups and editing

    private var sample: SIPHeaders {
        SIPHeaders([
            SIPHeaderField(name: .via, value: "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2"),
            SIPHeaderField(name: "v", value: "SIP/2.0/TCP c.example.com;branch=z9hG4bK3"),
            SIPHeaderField(name: .callID, value: "abc@h"),
            SIPHeaderField(name: "Require", value: "100rel, timer"),
            SIPHeaderField(name: "X-Custom", value: "one"),
            SIPHeaderField(name: "x-custom", value: "two, three"),
        ])
    }

    func test_lookups() {
        let h = sample
        XCTAssertEqual(h.count, 6)
        XCTAssertEqual(h[.via], "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2")
        XCTAssertEqual(h.lines(.via).count, 2)
        XCTAssertEqual(h.values(.via).count, 3)
        XCTAssertEqual(h.values("x-CUSTOM"), ["one", "two, three"], "unknown headers are not split")
        XCTAssertEqual(h.tokens(.require), ["100rel", "timer"])
        XCTAssertTrue(h.contains("i"))
        XCTAssertFalse(h.contains(.route))
        XCTAssertNil(h[.route])
        XCTAssertEqual(h.map(\.value).count, 6)
    }

    func test_set_replacesEveryFieldAtTheFirstOnesPlace() {
        var h = sample
        h.set(.via, "SIP/2.0/UDP z.example.com")
        XCTAssertEqual(h.fields.map(\.name), [.via, .callID, .require, "X-Custom", "X-Custom"])
        XCTAssertEqual(h.lines(.via), ["SIP/2.0/UDP z.example.com"])
        h.set("x-custom", "only")
        XCTAssertEqual(h.lines("X-Custom"), ["only"])
        h.set(.maxForwards, "70")
        XCTAssertEqual(h.fields.last, SIPHeaderField(name: .maxForwards, value: "70"), "absent: appended")
    }

    func test_remove_and_prepend_and_add() {
        var h = sample
        h.remove("X-CUSTOM")
        XCTAssertFalse(h.contains("x-custom"))
        h.prepend(.recordRoute, "<sip:p1.example.com;lr>")
        XCTAssertEqual(h.fields.first?.name, .recordRoute)
        h.add(.recordRoute, "<sip:p2.example.com;lr>")
        XCTAssertEqual(h.values(.recordRoute), ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        h.remove(.route)
        XCTAssertEqual(h.count, 6, "removing an absent header changes nothing")
    }

    /// RFC 3261 §16.7 step 3: a proxy forwarding a response removes the topmost Via value,
    /// which may share a line with others.
    func test_removeFirstValue() {
        var h = sample
        h.removeFirstValue(.via)
        XCTAssertEqual(h.values(.via), ["SIP/2.0/UDP b.example.com;branch=z9hG4bK2", "SIP/2.0/TCP c.example.com;branch=z9hG4bK3"])
        h.removeFirstValue(.via)
        XCTAssertEqual(h.values(.via), ["SIP/2.0/TCP c.example.com;branch=z9hG4bK3"])
        XCTAssertEqual(h.lines(.via).count, 1, "an emptied line disappears")
        h.removeFirstValue(.via)
        XCTAssertFalse(h.contains(.via))
        h.removeFirstValue(.via)
        XCTAssertFalse(h.contains(.via))
    }

    func test_dictionaryLiteral_keepsOrderAndDuplicates() {
        let h: SIPHeaders = [.via: "SIP/2.0/UDP a", .callID: "x", "Via": "SIP/2.0/UDP b"]
        XCTAssertEqual(h.values(.via), ["SIP/2.0/UDP a", "SIP/2.0/UDP b"])
        XCTAssertEqual(h.fields.map(\.name), [.via, .callID, .via])
    }
}
