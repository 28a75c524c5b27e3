/// One header field line as received or to be sent (after unfolding).
public struct SIPHeaderField: Sendable, Hashable {
    public var name: SIPHeaderName
    public var value: String
    public init(name: SIPHeaderName, value: String) { self.name = name; self.value = value }
}

/// The header fields of a message, in order. Values are kept as text and parsed into
/// typed headers on demand, so unknown headers pass through untouched.
public struct SIPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [SIPHeaderField]

    public init() { fields = [] }
    public init(_ fields: [SIPHeaderField]) { self.fields = fields }
    public init(dictionaryLiteral elements: (SIPHeaderName, String)...) {
        fields = elements.map { SIPHeaderField(name: $0.0, value: $0.1) }
    }

    public func makeIterator() -> IndexingIterator<[SIPHeaderField]> { fields.makeIterator() }
    public var count: Int { fields.count }

    /// The first field's value for `name`.
    public subscript(name: SIPHeaderName) -> String? {
        for f in fields where f.name == name { return f.value }
        return nil
    }

    /// All field lines for `name` (not split on commas).
    public func lines(_ name: SIPHeaderName) -> [String] {
        fields.compactMap { $0.name == name ? $0.value : nil }
    }

    /// All values for `name`: for list headers, each line split on top-level commas
    /// (outside quotes and angle brackets, RFC 3261 §7.3.1).
    public func values(_ name: SIPHeaderName) -> [String] {
        var out: [String] = []
        for f in fields where f.name == name {
            if name.isList { out.append(contentsOf: SIPHeaders.splitList(f.value)) } else { out.append(f.value) }
        }
        return out
    }

    public func contains(_ name: SIPHeaderName) -> Bool { fields.contains { $0.name == name } }

    /// Option tags and tokens of a list header (Require, Supported, Allow ...), trimmed.
    public func tokens(_ name: SIPHeaderName) -> [String] {
        values(name).map { $0.trimmingSIPWhitespace }.filter { !$0.isEmpty }
    }

    public mutating func add(_ name: SIPHeaderName, _ value: String) {
        fields.append(SIPHeaderField(name: name, value: value))
    }

    /// Adds at the top: Via and Record-Route are prepended by the element that adds them.
    public mutating func prepend(_ name: SIPHeaderName, _ value: String) {
        fields.insert(SIPHeaderField(name: name, value: value), at: 0)
    }

    /// Replaces every field of `name` with one field holding `value`, kept at the first one's place.
    public mutating func set(_ name: SIPHeaderName, _ value: String) {
        guard let first = fields.firstIndex(where: { $0.name == name }) else { add(name, value); return }
        fields[first].value = value
        fields = fields.enumerated().compactMap { i, f in (f.name == name && i != first) ? nil : f }
    }

    public mutating func remove(_ name: SIPHeaderName) { fields.removeAll { $0.name == name } }

    /// Removes the first value of a list header (e.g. the top Via when forwarding a response).
    public mutating func removeFirstValue(_ name: SIPHeaderName) {
        guard let i = fields.firstIndex(where: { $0.name == name }) else { return }
        var parts = SIPHeaders.splitList(fields[i].value)
        if parts.count <= 1 { fields.remove(at: i) } else {
            parts.removeFirst()
            fields[i].value = parts.joined(separator: ", ")
        }
    }

    /// Splits on commas outside quoted strings and `<...>`; keeps empty elements so that
    /// malformed lists (`a;,,b`) can be detected by the typed parser.
    public static func splitList(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        if !bytes.contains(ASCII.comma) { return [value.trimmingSIPWhitespace] }
        var parts: [String] = []
        var start = 0, i = 0, inQuote = false, inAngle = false
        while i < bytes.count {
            let b = bytes[i]
            if inQuote {
                if b == ASCII.backslash { i += 2; continue }
                if b == ASCII.quote { inQuote = false }
            } else if b == ASCII.quote {
                inQuote = true
            } else if b == ASCII.lessThan {
                inAngle = true
            } else if b == ASCII.greaterThan {
                inAngle = false
            } else if b == ASCII.comma && !inAngle {
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self).trimmingSIPWhitespace)
                start = i + 1
            }
            i += 1
        }
        parts.append(String(decoding: bytes[start..<Swift.min(i, bytes.count)], as: UTF8.self).trimmingSIPWhitespace)
        return parts
    }
}
