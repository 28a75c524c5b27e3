import HotlineTestSupport
import SIPMessage
import XCTest

// Helpers shared by the corpus tests. Everything here asserts exact values; nothing is
// satisfied by "no error".

/// The corpus, or an `XCTSkip` saying where it was looked for and how to point at it.
func loadCorpus() throws -> SIPCorpus {
    switch SIPCorpus.locate() {
    case .success(let corpus): return corpus
    case .failure(let notFound): throw XCTSkip(notFound.description)
    }
}

/// The bytes of one corpus message.
func datagram(_ tag: String, _ collection: SIPCorpus.Collection = .rfc4475) throws -> [UInt8] {
    try loadCorpus().message(tag, in: collection)
}

/// Parses a corpus message as one UDP datagram and expects a request.
func request(_ tag: String, _ collection: SIPCorpus.Collection = .rfc4475,
             file: StaticString = #filePath, line: UInt = #line) throws -> SIPRequest {
    let bytes = try datagram(tag, collection)
    let message: SIPMessage
    do { message = try SIPParser().parse(bytes) } catch {
        XCTFail("\(tag): parse failed: \(error)", file: file, line: line)
        throw error
    }
    guard case .request(let r) = message else {
        XCTFail("\(tag): parsed as a response", file: file, line: line)
        throw SIPParseError(.malformedStartLine, "not a request")
    }
    return r
}

/// Parses a corpus message as one UDP datagram and expects a response.
func response(_ tag: String, _ collection: SIPCorpus.Collection = .rfc4475,
              file: StaticString = #filePath, line: UInt = #line) throws -> SIPResponse {
    let bytes = try datagram(tag, collection)
    let message: SIPMessage
    do { message = try SIPParser().parse(bytes) } catch {
        XCTFail("\(tag): parse failed: \(error)", file: file, line: line)
        throw error
    }
    guard case .response(let r) = message else {
        XCTFail("\(tag): parsed as a request", file: file, line: line)
        throw SIPParseError(.malformedStartLine, "not a response")
    }
    return r
}

/// The error `SIPParser` throws for `bytes`, or nil (and a failure) when it parses.
func parseError(_ bytes: [UInt8], framing: SIPParser.Framing = .datagram, limits: SIPParser.Limits = .init(),
                file: StaticString = #filePath, line: UInt = #line) -> SIPParseError? {
    do {
        let m = try SIPParser(limits: limits).parse(bytes, framing: framing)
        XCTFail("expected a parse error, got \(m)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// The error `validate()` throws for `request`, or nil (and a failure) when it passes.
func validationError(_ request: SIPRequest, file: StaticString = #filePath, line: UInt = #line) -> SIPParseError? {
    do {
        _ = try request.validate()
        XCTFail("expected validate() to throw", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// Asserts the error's code and status code, and that an answerable request error carries
/// the request as far as it was read (RFC 3261 §8.2.6.2).
func assertError(_ error: SIPParseError?, _ code: SIPParseError.Code, status: Int?,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard let error else { return XCTFail("no error", file: file, line: line) }
    XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
    XCTAssertEqual(error.statusCode, status, "\(error)", file: file, line: line)
    if status != nil {
        XCTAssertNotNil(error.partial, "an answerable error must carry the partial request", file: file, line: line)
    }
    XCTAssertFalse(error.reasonPhrase.utf8.contains { $0 == 0x0D || $0 == 0x0A }, "CR or LF in a reason phrase", file: file, line: line)
}

/// Serialize, parse again: the message must come back equal, and serializing that gives the
/// same bytes. Content-Length is the one header the serializer rewrites (always written,
/// always last, always the body size), so it is compared as a value, not by position.
func assertRoundTrip(_ message: SIPMessage, file: StaticString = #filePath, line: UInt = #line) {
    let wire = SIPSerializer.bytes(message)
    let again: SIPMessage
    do { again = try SIPParser().parse(wire) } catch {
        return XCTFail("serialized message does not parse: \(error)\n\(String(decoding: wire, as: UTF8.self))",
                       file: file, line: line)
    }
    XCTAssertEqual(again.withoutContentLength, message.withoutContentLength, file: file, line: line)
    XCTAssertEqual(again.headers.lines(.contentLength), [String(message.body.count)], file: file, line: line)
    XCTAssertEqual(SIPSerializer.bytes(again), wire, "serializing is not a fixpoint", file: file, line: line)
}

func assertRoundTrip(_ request: SIPRequest, file: StaticString = #filePath, line: UInt = #line) {
    assertRoundTrip(.request(request), file: file, line: line)
}

func assertRoundTrip(_ response: SIPResponse, file: StaticString = #filePath, line: UInt = #line) {
    assertRoundTrip(.response(response), file: file, line: line)
}

extension SIPMessage {
    /// The message with its Content-Length fields removed.
    var withoutContentLength: SIPMessage {
        switch self {
        case .request(var r): r.headers.remove(.contentLength); return .request(r)
        case .response(var r): r.headers.remove(.contentLength); return .response(r)
        }
    }
}

/// `name=value` / `name` parameter lists, written the way the RFC writes them.
func params(_ pairs: (String, String?)...) -> [SIPParameters.Parameter] {
    pairs.map { SIPParameters.Parameter(name: $0.0, value: $0.1) }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
