/// Cuts SIP messages out of a byte stream (TCP, TLS): RFC 3261 §18.3 frames stream
/// messages by Content-Length. Feed bytes as they arrive; take complete messages out.
///
/// A head that grows past the limit without a blank line, a Content-Length that is bad or
/// larger than the limit, is unrecoverable on a stream: `next()` throws and the caller
/// closes the connection (RFC 4475 §3.1.2.3, §3.3.9).
public struct SIPStreamFramer: Sendable {
    private var buffer: [UInt8] = []
    private var readIndex = 0
    public let maxMessageBytes: Int

    public init(maxMessageBytes: Int = 65_535) { self.maxMessageBytes = maxMessageBytes }

    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if readIndex > 0, readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message's bytes, or nil when more bytes are needed.
    /// Leading CRLFs (keep-alive pings, RFC 5626 §3.5.1) are skipped.
    public mutating func next() throws(SIPParseError) -> [UInt8]? {
        while readIndex < buffer.count, buffer[readIndex] == ASCII.cr || buffer[readIndex] == ASCII.lf { readIndex += 1 }
        compactIfUseful()
        guard readIndex < buffer.count else { return nil }
        // Find the blank line ending the head: CRLFCRLF (or bare LFLF, leniently).
        var i = readIndex
        var headEnd: Int?
        var lfCount = 0
        while i < buffer.count {
            let b = buffer[i]
            if b == ASCII.lf {
                lfCount += 1
                if lfCount == 2 { headEnd = i + 1; break }
            } else if b != ASCII.cr {
                lfCount = 0
            }
            i += 1
        }
        guard let end = headEnd else {
            if buffer.count - readIndex > maxMessageBytes {
                throw SIPParseError(.tooLarge, "no end of headers within \(maxMessageBytes) bytes", statusCode: nil)
            }
            return nil
        }
        let contentLength = try Self.contentLength(buffer[readIndex..<end])
        let total = end - readIndex + contentLength
        guard total <= maxMessageBytes else {
            throw SIPParseError(.tooLarge, "message of \(total) bytes exceeds \(maxMessageBytes)", statusCode: nil)
        }
        guard buffer.count - readIndex >= total else { return nil }
        let message = Array(buffer[readIndex..<(readIndex + total)])
        readIndex += total
        return message
    }

    private mutating func compactIfUseful() {
        if readIndex > 4096, readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }

    /// Scans the head's lines for Content-Length / `l`; absent means 0 on a stream.
    static func contentLength(_ head: ArraySlice<UInt8>) throws(SIPParseError) -> Int {
        var value: Int?
        var lineStart = head.startIndex
        var i = head.startIndex
        while i < head.endIndex {
            if head[i] == ASCII.lf {
                var c = lineStart
                while c < i, ASCII.isToken(head[c]) { c += 1 }
                let name = head[lineStart..<c]
                let isCL = (name.count == 1 && (name.first! | 0x20) == 0x6C) ||
                    (name.count == 14 && String(decoding: name, as: UTF8.self).caseInsensitiveEquals("content-length"))
                if isCL {
                    while c < i, ASCII.isWhitespace(head[c]) { c += 1 }
                    guard c < i, head[c] == ASCII.colon else { break }
                    c += 1
                    var e = i
                    while e > c, head[e - 1] == ASCII.cr || ASCII.isWhitespace(head[e - 1]) { e -= 1 }
                    while c < e, ASCII.isWhitespace(head[c]) { c += 1 }
                    let digits = head[c..<e]
                    guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(ASCII.isDigit),
                          let n = Int(String(decoding: digits, as: UTF8.self)) else {
                        throw SIPParseError(.invalidContentLength, "Content-Length is not a non-negative integer", statusCode: nil)
                    }
                    if let v = value, v != n {
                        throw SIPParseError(.invalidContentLength, "conflicting Content-Length values", statusCode: nil)
                    }
                    value = n
                }
                lineStart = i + 1
            }
            i += 1
        }
        return value ?? 0
    }
}
