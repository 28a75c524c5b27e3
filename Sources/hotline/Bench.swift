import ArgumentParser
import SIPMessage

#if canImport(Glibc)
import Glibc
#endif

/// `hotline bench`: micro-benchmarks that print figures for docs/benchmarks.md.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (build with -c release).",
        subcommands: [SIPParseBench.self])
}

struct SIPParseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sip-parse",
        abstract: "Parse + validate + serialize a typical 800-byte INVITE on one core; prints messages/s.")

    @Option(help: "Seconds per run.") var seconds: Double = 2
    @Option(help: "Runs; the median is reported.") var runs: Int = 5

    static let invite: [UInt8] = {
        let sdp = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\n"
            + "m=audio 49172 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            + "a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
        let head = "INVITE sip:10000@hotline.example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK776asdhds;rport\r\n"
            + "Max-Forwards: 70\r\n"
            + "To: <sip:10000@hotline.example.com>\r\n"
            + "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
            + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
            + "CSeq: 314159 INVITE\r\n"
            + "Contact: <sip:alice@192.0.2.101:5060>\r\n"
            + "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, INFO, UPDATE\r\n"
            + "Supported: timer, replaces\r\n"
            + "User-Agent: Benchmark/1.0\r\n"
            + "Content-Type: application/sdp\r\n"
            + "Content-Length: \(sdp.utf8.count)\r\n\r\n"
        return Array((head + sdp).utf8)
    }()

    func run() throws {
        let parser = SIPParser()
        let message = Self.invite
        var results: [Double] = []
        var sink = 0
        for _ in 0..<max(1, runs) {
            let start = monotonicSeconds()
            var count = 0
            var out: [UInt8] = []
            out.reserveCapacity(2048)
            while true {
                for _ in 0..<1000 {
                    guard case .request(let r) = try parser.parse(message) else { fatalError("not a request") }
                    _ = try r.validate()
                    out.removeAll(keepingCapacity: true)
                    SIPSerializer.serialize(r, into: &out)
                    sink &+= out.count
                }
                count += 1000
                if monotonicSeconds() - start >= seconds { break }
            }
            results.append(Double(count) / (monotonicSeconds() - start))
        }
        results.sort()
        let median = results[results.count / 2]
        print("sip-parse: message \(message.count) bytes; parse+validate+serialize")
        print("runs (msg/s): \(results.map { String(Int($0)) }.joined(separator: " "))")
        print("median: \(Int(median)) messages/s (\(String(format1(1e9 / median))) ns/message)  [checksum \(sink % 997)]")
    }

    func format1(_ v: Double) -> String { String(Int(v.rounded())) }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
