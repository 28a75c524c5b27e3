/// Writes messages in wire form (RFC 3261 §7). Header names are written in their
/// canonical long form; Content-Length is always written and always equals the body size.
public enum SIPSerializer {
    public static func serialize(_ message: SIPMessage, into out: inout [UInt8]) {
        switch message {
        case .request(let r): serialize(r, into: &out)
        case .response(let r): serialize(r, into: &out)
        }
    }

    public static func serialize(_ r: SIPRequest, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 512 + r.body.count)
        out.append(contentsOf: r.method.rawValue.utf8)
        out.append(ASCII.sp)
        var uri = r.uriText ?? r.uri.description
        uri.withUTF8 { out.append(contentsOf: $0) }
        out.append(contentsOf: " SIP/2.0\r\n".utf8)
        writeHeadersAndBody(r.headers, r.body, into: &out)
    }

    public static func serialize(_ r: SIPResponse, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 512 + r.body.count)
        out.append(contentsOf: "SIP/2.0 ".utf8)
        appendDecimal(r.statusCode, into: &out)
        out.append(ASCII.sp)
        out.append(contentsOf: r.reason.utf8)
        out.append(contentsOf: "\r\n".utf8)
        writeHeadersAndBody(r.headers, r.body, into: &out)
    }

    public static func bytes(_ message: SIPMessage) -> [UInt8] {
        var out: [UInt8] = []
        serialize(message, into: &out)
        return out
    }

    public static func bytes(_ r: SIPRequest) -> [UInt8] { bytes(.request(r)) }
    public static func bytes(_ r: SIPResponse) -> [UInt8] { bytes(.response(r)) }

    private static func writeHeadersAndBody(_ headers: SIPHeaders, _ body: [UInt8], into out: inout [UInt8]) {
        let contentLength = SIPHeaderName.contentLength
        for f in headers.fields where f.name != contentLength {
            var name = f.name.name
            name.withUTF8 { out.append(contentsOf: $0) }
            out.append(ASCII.colon)
            out.append(ASCII.sp)
            // A value may not carry a bare CR or LF into the wire form (parsed values never do;
            // values set by code might).
            var value = f.value
            value.withUTF8 { bytes in
                if bytes.contains(where: { $0 == ASCII.cr || $0 == ASCII.lf }) {
                    for b in bytes { out.append(b == ASCII.cr || b == ASCII.lf ? ASCII.sp : b) }
                } else {
                    out.append(contentsOf: bytes)
                }
            }
            out.append(ASCII.cr)
            out.append(ASCII.lf)
        }
        out.append(contentsOf: "Content-Length: ".utf8)
        appendDecimal(body.count, into: &out)
        out.append(contentsOf: "\r\n\r\n".utf8)
        out.append(contentsOf: body)
    }

    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value == 0 { out.append(0x30); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value.magnitude, n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 { d[n] = UInt8(v % 10) + 0x30; v /= 10; n += 1 }
            if value < 0 { out.append(0x2D) }
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }
}

extension SIPRequest: CustomStringConvertible {
    public var description: String { String(decoding: SIPSerializer.bytes(self), as: UTF8.self) }
}

extension SIPResponse: CustomStringConvertible {
    public var description: String { String(decoding: SIPSerializer.bytes(self), as: UTF8.self) }
}
