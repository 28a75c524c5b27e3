import Foundation
import HotlineTestSupport
import SIPMessage
import XCTest

/// A deterministic mutation loop over every corpus message (sipgo's `parser_fuzz_test.go`
/// in spirit): bit flips, truncations, inserted CR/LF/NUL/quotes/brackets, deleted and
/// duplicated ranges, splices. Whatever comes in, the parser, the framer, `validate()` and
/// the typed accessors return or throw a `SIPParseError` (typed throws guarantee the type;
/// this loop is about traps) and keep their invariants. A failure prints the iteration and
/// the input, to be pinned as a regression test in `SIPParserRegressionTests`.
final class SIPParserFuzzTests: XCTestCase {
    /// Override with `HOTLINE_FUZZ_SEED` / `HOTLINE_FUZZ_ITERATIONS` for a longer hunt;
    /// the defaults keep CI deterministic.
    static let seed: UInt64 = ProcessInfo.processInfo.environment["HOTLINE_FUZZ_SEED"].flatMap { UInt64($0) }
        ?? 0x4854_4C49_4E45  // "HTLINE"
    static let iterations = ProcessInfo.processInfo.environment["HOTLINE_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 20_000

    func test_mutatedCorpus_neverTraps_andKeepsInvariants() throws {
        let corpus = try loadCorpus()
        var pool: [[UInt8]] = []
        for collection in SIPCorpus.Collection.allCases {
            for tag in try corpus.tags(in: collection) { pool.append(try corpus.message(tag, in: collection)) }
        }
        let b = SIPMessageBuilder()
        pool += [SIPSerializer.bytes(b.invite()), SIPSerializer.bytes(b.register()), SIPSerializer.bytes(b.ok(to: b.invite()))]
        XCTAssertEqual(pool.count, 65)
        print("fuzz: seed \(Self.seed), \(Self.iterations) iterations")

        var rng = SplitMix64(seed: Self.seed)
        var checker = InvariantChecker()
        for iteration in 0..<Self.iterations {
            var bytes = pool[Int.random(in: pool.indices, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                Self.mutate(&bytes, pool: pool, using: &rng)
            }
            checker.iteration = iteration
            checker.exercise(bytes)
            if checker.failures.count >= 10 { break }
        }
        for failure in checker.failures { XCTFail(failure) }
        // The loop must reach every branch of the outcome, not only "parse error".
        XCTAssertGreaterThan(checker.parsed, Self.iterations / 10, "too few mutants parse: the loop tests nothing past the start line")
        XCTAssertGreaterThan(checker.validated, Self.iterations / 20)
        XCTAssertGreaterThan(checker.answerable, Self.iterations / 20)
        XCTAssertGreaterThan(checker.dropped, Self.iterations / 50)
    }

    /// Plain random bytes and random printable lines: nothing may trap.
    func test_randomGarbage_neverTraps() {
        var rng = SplitMix64(seed: Self.seed ^ 0xFFFF)
        var checker = InvariantChecker()
        let alphabet = Array("SIP/2.0 INVITE sip:a@b;=,:<>\"\\[]?%\r\n\t 0123456789".utf8)
        for iteration in 0..<2_000 {
            let n = Int.random(in: 0...300, using: &rng)
            let bytes: [UInt8] = iteration % 2 == 0
                ? (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                : (0..<n).map { _ in alphabet[Int.random(in: alphabet.indices, using: &rng)] }
            checker.iteration = iteration
            checker.exercise(bytes)
        }
        for failure in checker.failures { XCTFail(failure) }
    }

    /// The value parsers on their own, fed values generated from their grammar and then
    /// lightly damaged: whatever parses must print and parse back to the same value.
    func test_valueParsers_generatedInput_roundTripWhenTheyParse() {
        var rng = SplitMix64(seed: Self.seed ^ 0xA5A5)
        var failures: [String] = []
        var parsedCount = [0, 0, 0, 0]
        for _ in 0..<Self.iterations / 2 {
            var g = ValueGenerator(rng: rng)
            let uri = g.damaged(g.uri()), nameAddr = g.damaged(g.nameAddress()), via = g.damaged(g.via()), cseq = g.damaged(g.cseq())
            rng = g.rng
            if let u = try? SIPAnyURI(parsing: uri) {
                parsedCount[0] += 1
                if (try? SIPAnyURI(parsing: u.description)) != u { failures.append("SIPAnyURI \(uri.debugDescription) -> \(u.description.debugDescription)") }
            }
            if let n = try? NameAddress(parsing: nameAddr) {
                parsedCount[1] += 1
                if (try? NameAddress(parsing: n.description)) != n { failures.append("NameAddress \(nameAddr.debugDescription) -> \(n.description.debugDescription)") }
            }
            if let v = try? Via(parsing: via) {
                parsedCount[2] += 1
                if (try? Via(parsing: v.description)) != v { failures.append("Via \(via.debugDescription) -> \(v.description.debugDescription)") }
            }
            if let c = try? CSeq(parsing: cseq) {
                parsedCount[3] += 1
                if (try? CSeq(parsing: c.description)) != c { failures.append("CSeq \(cseq.debugDescription) -> \(c.description.debugDescription)") }
            }
            for text in [uri, nameAddr, via] where SIPHeaders.splitList(text).isEmpty {
                failures.append("splitList \(text.debugDescription) returned nothing")
            }
            if failures.count >= 10 { break }
        }
        for f in failures { XCTFail(f) }
        // Most generated values are valid, so the round-trip property is really exercised.
        for (kind, n) in zip(["URI", "name-addr", "Via", "CSeq"], parsedCount) {
            XCTAssertGreaterThan(n, Self.iterations / 8, "\(kind): too few generated values parse")
        }
    }

    // MARK: mutations

    private static let specials: [[UInt8]] = [
        [0x0D], [0x0A], [0x00], [0x22], [0x3C], [0x3E], [0x3B], [0x2C], [0x3A], [0x40], [0x3F], [0x25], [0x20], [0x09],
        [0x5B], [0x5D], [0x5C], [0x3D], [0xFF], [0x80], [0x0D, 0x0A], [0x0D, 0x0A, 0x20], [0x0D, 0x0A, 0x0D, 0x0A],
        Array("99999999999999999999".utf8), Array("-1".utf8), Array("%".utf8), Array("%0".utf8), Array("sip:".utf8),
        Array(";tag=".utf8), Array("z9hG4bK".utf8), Array("\r\nContent-Length: 5\r\n".utf8), Array("\r\nVia: SIP/2.0/UDP [::1".utf8),
    ]

    static func mutate(_ bytes: inout [UInt8], pool: [[UInt8]], using rng: inout SplitMix64) {
        func position(_ rng: inout SplitMix64) -> Int { Int.random(in: 0...bytes.count, using: &rng) }
        switch Int.random(in: 0..<8, using: &rng) {
        case 0:  // bit flip
            guard !bytes.isEmpty else { return }
            let i = Int.random(in: bytes.indices, using: &rng)
            bytes[i] ^= 1 << UInt8.random(in: 0...7, using: &rng)
        case 1:  // truncation
            bytes.removeSubrange(position(&rng)...)
        case 2, 3:  // inserted special bytes
            let p = position(&rng)
            bytes.insert(contentsOf: specials[Int.random(in: specials.indices, using: &rng)], at: p)
        case 4:  // deleted range
            let a = position(&rng), b = position(&rng)
            bytes.removeSubrange(min(a, b)..<max(a, b))
        case 5:  // duplicated range
            let a = position(&rng), b = position(&rng)
            let slice = Array(bytes[min(a, b)..<min(max(a, b), min(a, b) + 200)])
            bytes.insert(contentsOf: slice, at: position(&rng))
        case 6:  // random byte
            guard !bytes.isEmpty else { return }
            bytes[Int.random(in: bytes.indices, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        default:  // splice from another message
            let other = pool[Int.random(in: pool.indices, using: &rng)]
            let a = Int.random(in: 0...other.count, using: &rng), n = Int.random(in: 0...120, using: &rng)
            bytes.insert(contentsOf: other[a..<min(other.count, a + n)], at: position(&rng))
        }
    }
}

/// Runs one input through everything and records broken invariants.
struct InvariantChecker {
    var iteration = 0
    var failures: [String] = []
    var parsed = 0, validated = 0, answerable = 0, dropped = 0

    private mutating func fail(_ what: String, _ bytes: [UInt8]) {
        let shown = String(decoding: bytes.prefix(600), as: UTF8.self).debugDescription
        failures.append("iteration \(iteration): \(what)\ninput (\(bytes.count) bytes): \(shown)")
    }

    mutating func exercise(_ bytes: [UInt8]) {
        do {
            let message = try SIPParser().parse(bytes)
            parsed += 1
            touch(message, bytes, count: true)
            let wire = SIPSerializer.bytes(message)
            do { _ = try SIPParser().parse(wire) } catch {
                fail("a parsed message, serialized, does not parse again: \(error)", bytes)
            }
        } catch {
            checkParseError(error, bytes, touchPartial: true)
            if error.statusCode == nil { dropped += 1 } else { answerable += 1 }
        }
        do { _ = try SIPParser().parse(bytes, framing: .stream) } catch { checkParseError(error, bytes, touchPartial: false) }
        var framer = SIPStreamFramer(maxMessageBytes: 4096)
        framer.append(bytes)
        var frames = 0
        while frames < 64, let frame = try? framer.next() {
            frames += 1
            _ = try? SIPParser().parse(frame, framing: .stream)
        }
    }

    private mutating func checkParseError(_ error: SIPParseError, _ bytes: [UInt8], touchPartial: Bool) {
        if (error.statusCode == nil) != (error.partial == nil) {
            fail("statusCode \(String(describing: error.statusCode)) but partial \(error.partial == nil ? "absent" : "present"): \(error)", bytes)
        }
        if let s = error.statusCode, s != 400, s != 505 { fail("unexpected status \(s)", bytes) }
        if error.reasonPhrase.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) { fail("CR/LF in reason phrase", bytes) }
        if touchPartial, let p = error.partial {
            touch(.request(p), bytes, count: false)
            _ = SIPSerializer.bytes(p)
        }
    }

    private mutating func touch(_ message: SIPMessage, _ bytes: [UInt8], count: Bool) {
        switch message {
        case .request(let r):
            do {
                let e = try r.validate()
                if count { validated += 1 }
                if e.cseq.method != r.method { fail("validated with a CSeq method mismatch", bytes) }
            } catch {
                if error.statusCode != 400 { fail("validate() error without 400: \(error)", bytes) }
                if error.partial != r { fail("validate() error does not carry the request", bytes) }
            }
            touchTyped(r, bytes)
            // A partial request whose URI could not be read has an empty placeholder URI.
            if r.uri.scheme != "" {
                do {
                    let again = try SIPAnyURI(parsing: r.uri.description)
                    if again != r.uri { fail("Request-URI \(r.uri) reparses as \(again)", bytes) }
                } catch {
                    fail("Request-URI \(r.uri) does not reparse: \(error)", bytes)
                }
            }
        case .response(let r):
            do { _ = try r.validate() } catch {
                if error.statusCode != nil { fail("response validate() error with a status", bytes) }
            }
            touchTyped(r, bytes)
        }
    }

    /// Every typed accessor, and the print-then-parse property of what they return.
    private mutating func touchTyped<M: SIPMessageHeaders>(_ m: M, _ bytes: [UInt8]) {
        _ = try? m.callID()
        _ = try? m.maxForwards()
        _ = try? m.expires()
        _ = m.contentType
        if let c = try? m.cseq(), (try? CSeq(parsing: c.description)) != c { fail("CSeq \(c) does not round-trip", bytes) }
        for v in (try? m.vias()) ?? [] where (try? Via(parsing: v.description)) != v {
            fail("Via \(v) does not round-trip", bytes)
        }
        _ = try? m.topVia()
        var addresses: [NameAddress] = []
        if let f = try? m.from() { addresses.append(f) }
        if let t = try? m.to() { addresses.append(t) }
        addresses += ((try? m.contacts()) ?? nil) ?? []
        addresses += (try? m.routes()) ?? []
        addresses += (try? m.routes(.recordRoute)) ?? []
        for a in addresses where (try? NameAddress(parsing: a.description)) != a {
            fail("NameAddress \(a) does not round-trip", bytes)
        }
        for name in Set(m.headers.fields.map(\.name)) {
            _ = m.headers.values(name)
            _ = m.headers.tokens(name)
        }
    }
}

/// Generates header values from RFC 3261 grammar pieces, with odd but legal choices
/// (escapes, IPv6, LWS, flags, quoted strings) and optional damage.
struct ValueGenerator {
    var rng: SplitMix64

    private mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: options.indices, using: &rng)] }
    private mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }
    private mutating func lws() -> String { pick(["", "", "", " ", "  ", "\t", " \t "]) }

    mutating func host() -> String {
        pick(["example.com", "h.example.com", "192.0.2.1", "[2001:db8::1]", "[::ffff:192.0.2.2]", "[2001:db8:::192.0.2.1]",
              "_sip._udp.example.com", "EXAMPLE.com", "x-1.example.net"])
    }

    mutating func token() -> String { pick(["a", "lr", "tag", "transport", "tcp", "x-y", "1", "z9hG4bK776", "~!*_.+`'%", "maddr", "q"]) }

    mutating func uri() -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return "tel:" + pick(["+1-201-555-0123", "7042", "+15551234"]) + (chance(50) ? ";phone-context=example.com" : "")
        case 1: return pick(["isbn:2983792873", "http://www.example.com", "urn:service:sos", "name:John_Smith"])
        default:
            var s = pick(["sip:", "sips:", "SIP:"])
            if chance(70) {
                s += pick(["alice", "I%20have%20spaces", "%00", "user;par=u%40example.net", "a?b", "+1-212", "sips%3Auser%40example.com",
                           "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"])
                if chance(15) { s += ":" + pick(["pw", "&it+has=1", "secret"]) }
                s += "@"
            }
            s += host()
            if chance(30) { s += ":" + pick(["5060", "0", "65535", "5061"]) }
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                s += ";" + token()
                if chance(60) { s += "=" + pick(["udp", "v%61lue%25%34%31", "239.255.255.1", "[2001:db8::9]", "phone", "x"]) }
            }
            if chance(15) { s += "?" + pick(["Subject=hi%20there", "Route=%3Csip:example.com%3E", "to=sip:bob%40biloxi.com&priority=urgent"]) }
            return s
        }
    }

    mutating func parameters() -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            s += lws() + ";" + lws() + token()
            if chance(70) {
                s += lws() + "=" + lws() + pick(["1928301774", "\"quoted ; , value\"", "\"\\\"\"", "[2001:db8::9:255]", "0.5", "host.example.com", "x"])
            }
        }
        return s
    }

    mutating func nameAddress() -> String {
        let u = uri()
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            // addr-spec: only valid without URI parameters and headers
            return u + parameters()
        case 1: return "<" + u + ">" + parameters()
        case 2: return pick(["Bob", "A. G. Bell", "token1~` token2'+_"]) + lws() + "<" + u + ">" + parameters()
        default: return "\"" + pick(["", "J Rosenberg \\\\\\\"", "Bell, Alexander", "BEL:\\\u{07}", "é"]) + "\"" + lws() + "<" + u + ">" + parameters()
        }
    }

    mutating func via() -> String {
        var s = "SIP" + lws() + "/" + lws() + "2.0" + lws() + "/" + lws() + pick(["UDP", "tcp", "TLS", "SCTP", "WS", "UNKNOWN"]) + " " + lws()
        s += pick(["pc33.atlanta.example.com", "192.0.2.1", "[2001:db8::9:1]", "[::ffff:192.0.2.10]"])
        if chance(40) { s += lws() + ":" + lws() + pick(["5060", "19823", "1"]) }
        return s + parameters()
    }

    mutating func cseq() -> String {
        lws() + pick(["0", "1", "0009", "4294967295", "314159"]) + " " + lws() + pick(["INVITE", "ACK", "!interesting-Method0123456789_*+`.%indeed'~", "RE%47IST%45R"]) + lws()
    }

    /// Leaves most values alone; damages some by inserting, deleting or replacing a piece.
    mutating func damaged(_ s: String) -> String {
        guard chance(40) else { return s }
        var bytes = Array(s.utf8)
        let at = Int.random(in: 0...bytes.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: bytes.insert(contentsOf: Array(pick(["<", ">", "\"", ";", ",", ":", "@", "?", "%", " ", "[", "]", "\\", "=", "\u{0}", "\r\n"]).utf8), at: at)
        case 1: if at < bytes.count { bytes.remove(at: at) }
        default: if at < bytes.count { bytes[at] = UInt8.random(in: 0x20...0x7E, using: &rng) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
