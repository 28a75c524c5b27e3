/// Ordered `;name[=value]` parameters. Names compare case-insensitively (RFC 3261 §7.3.1);
/// values are kept as given (unescaped once for URI parameters).
public struct SIPParameters: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var value: String?
        public init(name: String, value: String?) { self.name = name; self.value = value }
    }

    public private(set) var items: [Parameter]

    public init() { items = [] }
    public init(dictionaryLiteral elements: (String, String?)...) {
        items = elements.map { Parameter(name: $0.0, value: $0.1) }
    }

    public func makeIterator() -> IndexingIterator<[Parameter]> { items.makeIterator() }
    public var isEmpty: Bool { items.isEmpty }
    public var count: Int { items.count }

    /// `nil` when absent; `.some(nil)` for a flag parameter such as `;lr` or `;rport`.
    public subscript(name: String) -> String?? {
        get {
            for p in items where p.name.caseInsensitiveEquals(name) { return .some(p.value) }
            return nil
        }
        set {
            if let i = items.firstIndex(where: { $0.name.caseInsensitiveEquals(name) }) {
                if let v = newValue { items[i].value = v } else { items.remove(at: i) }
            } else if let v = newValue {
                items.append(Parameter(name: name, value: v))
            }
        }
    }

    public func contains(_ name: String) -> Bool { items.contains { $0.name.caseInsensitiveEquals(name) } }

    /// The value of `name`, or nil when absent or a flag.
    public func value(_ name: String) -> String? { self[name] ?? nil }

    public mutating func append(_ name: String, _ value: String?) { items.append(Parameter(name: name, value: value)) }
    public mutating func remove(_ name: String) { items.removeAll { $0.name.caseInsensitiveEquals(name) } }

    /// Serialized as `;a=b;c`, values written as given (quoted values keep their quotes).
    public func serialize(into out: inout String) {
        for p in items {
            out += ";"
            out += p.name
            if let v = p.value { out += "="; out += v }
        }
    }
}
