import Foundation
import SDP
import XCTest

/// SDP bodies as real user agents send them, and helpers shared by the tests.
enum Fixtures {
    /// SIPp's built-in `uac` scenario.
    static let sipp =
        "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

    /// baresip 3.x with `audio_codecs pcmu,pcma`, rtcp-mux enabled.
    static let baresip = crlf("""
        v=0
        o=- 2157129393 1736467380 IN IP4 192.168.1.10
        s=-
        c=IN IP4 192.168.1.10
        t=0 0
        a=tool:baresip 3.10.1
        m=audio 10000 RTP/AVP 0 8 101
        b=AS:80
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=rtcp-mux
        a=label:1
        a=ptime:20
        a=sendrecv

        """)

    /// baresip configured to prefer A-law, with explicit RTCP port (RFC 3605).
    static let baresipPCMAFirst = crlf("""
        v=0
        o=- 1480553406 3405224829 IN IP4 10.0.0.7
        s=-
        c=IN IP4 10.0.0.7
        t=0 0
        m=audio 20000 RTP/AVP 8 0 101
        a=rtpmap:8 PCMA/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=rtcp:20001
        a=ptime:20
        a=sendrecv

        """)

    /// Linphone desktop 5.x: many audio codecs, telephone-event at three rates, and
    /// a video stream.
    static let linphone = crlf("""
        v=0
        o=alice 3022 2461 IN IP4 192.168.0.20
        s=Talk
        c=IN IP4 192.168.0.20
        t=0 0
        a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
        m=audio 7078 RTP/AVP 96 97 98 9 0 8 18 101 99 100
        a=rtpmap:96 opus/48000/2
        a=fmtp:96 useinbandfec=1
        a=rtpmap:97 speex/16000
        a=fmtp:97 vbr=on
        a=rtpmap:98 speex/8000
        a=fmtp:98 vbr=on
        a=fmtp:18 annexb=yes
        a=rtpmap:101 telephone-event/48000
        a=rtpmap:99 telephone-event/16000
        a=rtpmap:100 telephone-event/8000
        a=rtcp-fb:* trr-int 1000
        a=rtcp-fb:* ccm tmmbr
        m=video 9078 RTP/AVP 96 97
        a=rtpmap:96 VP8/90000
        a=rtpmap:97 H264/90000
        a=fmtp:97 profile-level-id=42801F
        a=rtcp-fb:* ccm fir

        """)

    static let rfc5118Directory: URL? = {
        // Tests/SDPTests/<file> → the repository root; the corpora sit beside it in
        // ../shared/corpora (STYLE.md §6). Resolve symlinks so that a scratch package
        // linking this directory finds them too.
        var directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in ["shared/corpora/rfc5118", "corpora/rfc5118"] {
                let url = directory.appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: url.path) { return url }
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }()

    /// The SDP body of an RFC 5118 wire-form message: everything after the first
    /// blank line.
    static func rfc5118Body(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let directory = try XCTUnwrap(rfc5118Directory, "RFC 5118 corpus not found beside the repository (../shared/corpora/rfc5118)", file: file, line: line)
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("\(name).dat")))
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        let start = try XCTUnwrap(
            bytes.indices.first(where: { bytes[$0...].starts(with: separator) }),
            "\(name).dat has no blank line", file: file, line: line)
        return Array(bytes[(start + separator.count)...])
    }

    /// `text` with LF line ends turned into CRLF.
    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: "\r\n")
    }

    static func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> SessionDescription {
        do {
            return try SessionDescription(parsing: text)
        } catch {
            XCTFail("\(error)", file: file, line: line)
            throw error
        }
    }

    /// Our leg: 192.0.2.10:40000, o=hotline 4242 1.
    static let local = LocalMedia(address: "192.0.2.10", rtpPort: 40000, sessionID: 4242, sessionVersion: 1)
}

extension Result {
    /// The success value, failing the test on an error.
    func value(file: StaticString = #filePath, line: UInt = #line) throws -> Success {
        switch self {
        case .success(let value):
            return value
        case .failure(let error):
            XCTFail("unexpected \(error)", file: file, line: line)
            throw error
        }
    }

    /// The error, failing the test on success.
    func error(file: StaticString = #filePath, line: UInt = #line) -> Failure? {
        switch self {
        case .success(let value):
            XCTFail("expected an error, got \(value)", file: file, line: line)
            return nil
        case .failure(let error):
            return error
        }
    }
}
