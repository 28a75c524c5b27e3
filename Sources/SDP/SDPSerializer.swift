extension SessionDescription {
    /// The description as SDP text: CRLF line ends and the order RFC 8866 §5 fixes
    /// (`v o s i u e p c b t r z k a`, then each media's `m i c b k a`).
    ///
    /// An empty ``sessionName`` is written `s= ` (RFC 8866 §5.3). A description
    /// without timing gets `t=0 0`, so the output always has the mandatory lines.
    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(256 + 128 * media.count)
        func line(_ type: Character, _ value: String) {
            out.append(type)
            out.append("=")
            out.append(value)
            out.append("\r\n")
        }
        line("v", String(version))
        line("o", "\(origin.username) \(origin.sessionID) \(origin.sessionVersion) \(origin.netType) \(origin.addrType) \(origin.address)")
        line("s", sessionName.isEmpty ? " " : sessionName)
        if let information { line("i", information) }
        if let uri { line("u", uri) }
        for email in emails { line("e", email) }
        for phone in phones { line("p", phone) }
        if let connection { line("c", connection.fieldValue) }
        for bandwidth in bandwidths { line("b", "\(bandwidth.type):\(bandwidth.value)") }
        for time in timing.isEmpty ? [Timing()] : timing {
            line("t", "\(time.start) \(time.stop)")
            for repeatTime in time.repeats { line("r", repeatTime) }
        }
        if let timeZones { line("z", timeZones) }
        if let encryptionKey { line("k", encryptionKey) }
        for attribute in attributes { line("a", attribute.fieldValue) }
        for description in media {
            var mLine = "\(description.mediaType) \(description.port)"
            if let portCount = description.portCount { mLine += "/\(portCount)" }
            mLine += " \(description.proto)"
            for format in description.formats { mLine += " \(format)" }
            line("m", mLine)
            if let information = description.information { line("i", information) }
            for connection in description.connections { line("c", connection.fieldValue) }
            for bandwidth in description.bandwidths { line("b", "\(bandwidth.type):\(bandwidth.value)") }
            if let key = description.encryptionKey { line("k", key) }
            for attribute in description.attributes { line("a", attribute.fieldValue) }
        }
        return out
    }

    /// ``serialized()`` as UTF-8 bytes, ready to be a SIP message body.
    public func serializedBytes() -> [UInt8] {
        Array(serialized().utf8)
    }
}
