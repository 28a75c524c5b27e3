import HotlineTestSupport
import SIPMessage
import XCTest

/// Checks every corpus message against its `EXPECTED.tsv` row, and pins the choice we made
/// where the RFC leaves one ("may reject", "other"). A new corpus file without a decision
/// here fails, so it cannot slip in untested.
final class CorpusExpectationTests: XCTestCase {
    /// What the parser plus `validate()` do with one datagram.
    enum Outcome: Hashable, CustomStringConvertible {
        case accepted
        /// An answerable error with this status.
        case rejected(Int)
        /// Dropped without an answer (responses, unreadable start lines).
        case discarded

        var description: String {
            switch self {
            case .accepted: return "accepted"
            case .rejected(let s): return "rejected \(s)"
            case .discarded: return "discarded"
            }
        }
    }

    static func outcome(of bytes: [UInt8]) -> Outcome {
        let message: SIPMessage
        do { message = try SIPParser().parse(bytes) } catch {
            return error.statusCode.map(Outcome.rejected) ?? .discarded
        }
        switch message {
        case .request(let r):
            do { _ = try r.validate(); return .accepted } catch { return error.statusCode.map(Outcome.rejected) ?? .discarded }
        case .response(let r):
            do { _ = try r.validate(); return .accepted } catch { return .discarded }
        }
    }

    /// The outcomes the `expected` column allows.
    static func allowed(by expected: String) -> Set<Outcome>? {
        switch expected {
        case "valid-must-parse", "valid-must-parse (response)", "valid-must-parse (backward-compat)",
             "valid-must-parse (robustness)", "valid-must-parse (robustness: tolerate)":
            return [.accepted]
        case "invalid-must-reject-400", "invalid-should-reject-400": return [.rejected(400)]
        case "invalid-may-reject-400": return [.accepted, .rejected(400)]
        case "invalid-must-reject-505": return [.rejected(505)]
        // `.cseqMismatch` lets the UAS upgrade to 501 for an unknown method.
        case "invalid-reject-501-or-400": return [.rejected(400), .rejected(501)]
        case "invalid-response-discard": return [.discarded]
        case "other: must-not-break; ideally 400", "other: must-not-break; 400": return [.rejected(400)]
        case "other: must-not-break; 400 (stateless) or RFC 2543 fallback": return [.accepted, .rejected(400)]
        case "other: no RFC expectation": return [.accepted, .rejected(400), .discarded]
        default: return nil
        }
    }

    /// Our decision for every message; where the RFC allows a choice, the comment says why.
    static let decisions: [SIPCorpus.Collection: [String: Outcome]] = [
        .rfc4475: [
            "wsinv": .accepted, "intmeth": .accepted, "esc01": .accepted, "escnull": .accepted,
            "esc02": .accepted, "lwsdisp": .accepted, "longreq": .accepted, "dblreq": .accepted,
            "semiuri": .accepted, "transports": .accepted, "mpart01": .accepted, "unreason": .accepted,
            "noreason": .accepted,
            "badinv01": .rejected(400), "clerr": .rejected(400), "ncl": .rejected(400),
            "scalar02": .rejected(400), "scalarlg": .discarded, "quotbal": .rejected(400),
            "ltgtruri": .rejected(400), "lwsruri": .rejected(400),
            // May-reject: we reject; a forwarded request must not carry the odd spacing anyway.
            "lwsstart": .rejected(400), "trws": .rejected(400),
            // May-reject: the URI headers stay URI data, never message headers, so accepting is safe.
            "escruri": .accepted,
            // May-reject: nothing in Hotline reads Date.
            "baddate": .accepted,
            "regbadct": .rejected(400), "badaspec": .rejected(400), "baddn": .rejected(400),
            "badvers": .rejected(505), "mismatch01": .rejected(400), "mismatch02": .rejected(400),
            "bigcode": .discarded,
            // RFC 2543 fallback: the transaction layer matches it the old way.
            "badbranch": .accepted,
            "insuf": .rejected(400), "unkscm": .accepted, "novelsc": .accepted, "unksm2": .accepted,
            "bext01": .accepted, "invut": .accepted, "regaut01": .accepted, "multi01": .rejected(400),
            "mcl01": .rejected(400), "bcast": .accepted, "zeromf": .accepted, "cparam01": .accepted,
            "cparam02": .accepted, "regescrt": .accepted, "sdp01": .accepted, "inv2543": .accepted,
            // No version on the Request-Line: not something we can answer.
            "test": .discarded,
        ],
        .rfc5118: [
            "ipv6-good": .accepted, "ipv6-bad": .rejected(400), "port-ambiguous": .accepted,
            "port-unambiguous": .accepted, "via-received-param-with-delim": .accepted,
            "via-received-param-no-delim": .accepted, "ipv6-in-sdp": .accepted, "mult-ip-in-header": .accepted,
            "mult-ip-in-sdp": .accepted, "ipv4-mapped-ipv6": .accepted, "ipv6-bug-abnf-3-colons": .accepted,
            "ipv6-correct-abnf-2-colons": .accepted,
        ],
    ]

    func test_rfc4475_everyMessageMeetsItsExpectedColumn() throws {
        try check(.rfc4475, count: 50)
    }

    func test_rfc5118_everyMessageMeetsItsExpectedColumn() throws {
        try check(.rfc5118, count: 12)
    }

    private func check(_ collection: SIPCorpus.Collection, count: Int) throws {
        let corpus = try loadCorpus()
        let rows = try corpus.expectations(in: collection)
        let tags = try corpus.tags(in: collection)
        XCTAssertEqual(tags.count, count)
        XCTAssertEqual(Set(rows.map(\.tag)), Set(tags), "EXPECTED.tsv and the .dat files disagree")
        let decided = Self.decisions[collection] ?? [:]
        XCTAssertEqual(Set(decided.keys), Set(tags), "every message needs a decision (and a test named after it)")
        for row in rows {
            let outcome = Self.outcome(of: try corpus.message(row.tag, in: collection))
            guard let allowed = Self.allowed(by: row.expected) else {
                XCTFail("\(row.tag): unknown expected value '\(row.expected)'")
                continue
            }
            XCTAssertTrue(allowed.contains(outcome), "\(row.tag) (\(row.section)): \(outcome), RFC expects \(row.expected)")
            XCTAssertEqual(outcome, decided[row.tag], "\(row.tag): outcome changed from our decision")
        }
    }

    func test_corpusRowsMatchFileSizes() throws {
        let corpus = try loadCorpus()
        for row in try corpus.expectations(in: .rfc4475) {
            XCTAssertEqual(try corpus.message(row.tag).count, Int(row.columns["bytes"] ?? ""), row.tag)
        }
        for row in try corpus.expectations(in: .rfc5118) {
            XCTAssertEqual(try corpus.message(row.tag, in: .rfc5118).count, Int(row.columns["bytes_wire"] ?? ""), row.tag)
        }
    }
}
