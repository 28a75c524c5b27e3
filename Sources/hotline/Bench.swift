import ArgumentParser
import SIPMessage

#if canImport(Glibc)
import Glibc
#endif

/// `hotline bench`: micro-benchmarks that print figures for docs/benchmarks.md.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (build with -c release).",
        subcommands: [SIPParseBench.self, MediaLoadBench.self, IVRLoadBench.self, ACDBench.self, DTMFDetectorBench.self, TTSBench.self])
}

struct SIPParseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sip-parse",
        abstract: "Parse + validate + serialize a typical 800-byte INVITE on one core; prints messages/s.")

    @Option(help: "Seconds per run.") var seconds: Double = 2
    @Option(help: "Runs; the median is reported.") var runs: Int = 5
    @Option(help: "What to time: all (parse+validate+serialize), parse+serialize, parse, validate, serialize.")
    var phase: String = "all"
    @Option(help: "Run exactly this many messages once (for instruction counting under callgrind) instead of timed runs.")
    var count: Int?

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
        // Parse from a buffer pointer, as SIPEndpoint does with the bytes NIO hands it.
        try message.withUnsafeBufferPointer { buffer in
            for _ in 0..<(count == nil ? max(1, runs) : 1) {
                let (done, elapsed) = try measure(parser, buffer, sink: &sink)
                results.append(Double(done) / elapsed)
            }
        }
        results.sort()
        let median = results[results.count / 2]
        print("sip-parse: message \(message.count) bytes; phase \(phase == "all" ? "parse+validate+serialize" : phase)")
        print("runs (msg/s): \(results.map { String(Int($0)) }.joined(separator: " "))")
        print("median: \(Int(median)) messages/s (\(String(format1(1e9 / median))) ns/message)  [checksum \(sink % 997)]")
    }

    private func measure(_ parser: SIPParser, _ buffer: UnsafeBufferPointer<UInt8>, sink: inout Int) throws -> (Int, Double) {
        guard case .request(let parsed) = try parser.parse(buffer) else { fatalError("not a request") }
        var out: [UInt8] = []
        out.reserveCapacity(2048)
        let start = monotonicSeconds()
        var done = 0
        while true {
            for _ in 0..<1000 {
                switch phase {
                case "parse":
                    guard case .request(let r) = try parser.parse(buffer) else { fatalError("not a request") }
                    sink &+= r.headers.count
                case "validate":
                    sink &+= Int(try parsed.validate().cseq.sequence & 1)
                case "serialize":
                    out.removeAll(keepingCapacity: true)
                    SIPSerializer.serialize(parsed, into: &out)
                    sink &+= out.count
                case "parse+serialize":
                    guard case .request(let r) = try parser.parse(buffer) else { fatalError("not a request") }
                    out.removeAll(keepingCapacity: true)
                    SIPSerializer.serialize(r, into: &out)
                    sink &+= out.count
                default:
                    guard case .request(let r) = try parser.parse(buffer) else { fatalError("not a request") }
                    _ = try r.validate()
                    out.removeAll(keepingCapacity: true)
                    SIPSerializer.serialize(r, into: &out)
                    sink &+= out.count
                }
            }
            done += 1000
            if let fixed = count { if done >= fixed { break } } else if monotonicSeconds() - start >= seconds { break }
        }
        return (done, monotonicSeconds() - start)
    }

    func format1(_ v: Double) -> String { String(Int(v.rounded())) }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
