/// Cuts SIP messages out of a byte stream (TCP, TLS): RFC 3261 §18.3 frames stream
/// messages by Content-Length. Feed bytes as they arrive; take complete messages out.
///
/// A head that grows past the limit without a blank line, a Content-Length that is bad or
/// larger than the limit, is unrecoverable on a stream: `next()` throws and the caller
/// closes the connection (RFC 4475 §3.1.2.3, §3.3.9).
public struct SIPStreamFramer: Sendable {
    private var buffer: [UInt8] = []
    private var readIndex = 0
    // Where the search for the blank line stopped, relative to `readIndex`, and the LFs
    // counted so far: bytes are scanned once however they trickle in, so a head fed one byte
    // at a time costs O(n), not O(n²) (a slow sender must not burn CPU).
    private var scannedHeadBytes = 0
    private var scanLFCount = 0
    // The length of the message at `readIndex` once its head is complete.
    private var pendingMessageBytes: Int?
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
        // A message's head never starts with CR or LF, so this only skips between messages.
        while readIndex < buffer.count, buffer[readIndex] == ASCII.cr || buffer[readIndex] == ASCII.lf { readIndex += 1 }
        compactIfUseful()
        guard readIndex < buffer.count else { return nil }
        let total: Int
        if let known = pendingMessageBytes {
            total = known
        } else {
            // Find the blank line ending the head: CRLFCRLF (or bare LFLF, leniently).
            var i = readIndex + scannedHeadBytes
            var headEnd: Int?
            var lfCount = scanLFCount
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
                scannedHeadBytes = buffer.count - readIndex
                scanLFCount = lfCount
                if buffer.count - readIndex > maxMessageBytes {
                    throw SIPParseError(.tooLarge, "no end of headers within \(maxMessageBytes) bytes", statusCode: nil)
                }
                return nil
            }
            let contentLength = try Self.contentLength(buffer[readIndex..<end])
            total = end - readIndex + contentLength
            guard total <= maxMessageBytes else {
                throw SIPParseError(.tooLarge, "message of \(total) bytes exceeds \(maxMessageBytes)", statusCode: nil)
            }
            pendingMessageBytes = total
        }
        guard buffer.count - readIndex >= total else { return nil }
        let message = Array(buffer[readIndex..<(readIndex + total)])
        readIndex += total
        pendingMessageBytes = nil
        scannedHeadBytes = 0
        scanLFCount = 0
        return message
    }

    private mutating func compactIfUseful() {
        if readIndex > 4096, readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }

    /// Scans the head's lines for Content-Length / `l`; absent means 0 on a stream.
    /// Reads the value the way `SIPParser` does: folded continuation lines belong to it
    /// (RFC 3261 §7.3.1), and a line that only looks like the header is skipped, so that
    /// framer and parser never disagree on where a message ends.
    static func contentLength(_ head: ArraySlice<UInt8>) throws(SIPParseError) -> Int {
        var value: Int?
        // The value of the Content-Length field being read, continuation lines included.
        var pending: [UInt8]?
        func finishPending() throws(SIPParseError) {
            guard let raw = pending else { return }
            pending = nil
            var s = raw.startIndex, e = raw.endIndex
            while s < e, ASCII.isWhitespace(raw[s]) { s += 1 }
            while e > s, ASCII.isWhitespace(raw[e - 1]) { e -= 1 }
            let digits = raw[s..<e]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(ASCII.isDigit),
                  let n = Int(String(decoding: digits, as: UTF8.self)) else {
                throw SIPParseError(.invalidContentLength, "Content-Length is not a non-negative integer", statusCode: nil)
            }
            if let v = value, v != n {
                throw SIPParseError(.invalidContentLength, "conflicting Content-Length values", statusCode: nil)
            }
            value = n
        }
        var lineStart = head.startIndex
        var i = head.startIndex
        while i < head.endIndex {
            if head[i] == ASCII.lf {
                var e = i
                if e > lineStart, head[e - 1] == ASCII.cr { e -= 1 }
                if e > lineStart, ASCII.isWhitespace(head[lineStart]), pending != nil {
                    pending?.append(ASCII.sp)
                    pending?.append(contentsOf: head[lineStart..<e])
                } else {
                    try finishPending()
                    var c = lineStart
                    while c < e, ASCII.isToken(head[c]) { c += 1 }
                    let name = head[lineStart..<c]
                    let isCL = (name.count == 1 && (name.first! | 0x20) == 0x6C) ||
                        (name.count == 14 && String(decoding: name, as: UTF8.self).caseInsensitiveEquals("content-length"))
                    if isCL {
                        while c < e, ASCII.isWhitespace(head[c]) { c += 1 }
                        if c < e, head[c] == ASCII.colon { pending = Array(head[(c + 1)..<e]) }
                    }
                }
                lineStart = i + 1
            }
            i += 1
        }
        try finishPending()
        return value ?? 0
    }
}
