/// Reads the fields of one YAML mapping for the decoder, collecting problems instead of
/// stopping at the first: a designer sees every mistake of a file in one run.
final class FlowReader {
    private(set) var problems: [FlowProblem] = []

    func report(_ problem: FlowProblem) { problems.append(problem) }

    /// The fields of `source`, which must be a mapping (else a problem, and nil).
    func mapping(_ source: FlowSource, what: String) -> Fields? {
        guard case .mapping(let entries, let location) = source else {
            report(FlowProblem(.wrongType, at: source.location, "\(what) must be a mapping of key: value lines, not \(source.kindDescription)",
                               fix: "write it as indented key: value lines"))
            return nil
        }
        var seen: [String: SourceLocation] = [:]
        for entry in entries {
            if let first = seen[entry.key] {
                report(FlowProblem(.duplicateKey, at: entry.keyLocation, "'\(entry.key)' is written twice in \(what) (first at line \(first.line))",
                                   fix: "keep one of them"))
            } else {
                seen[entry.key] = entry.keyLocation
            }
        }
        return Fields(reader: self, entries: entries, location: location, what: what)
    }

    /// Text of a scalar (numbers and booleans as written).
    func string(_ source: FlowSource, what: String) -> Located<String>? {
        switch source {
        case .scalar(let text, _, let location): return Located(text, at: location)
        default:
            report(FlowProblem(.wrongType, at: source.location, "\(what) must be a single value, not \(source.kindDescription)",
                               fix: "write one value after the colon"))
            return nil
        }
    }

    func integer(_ source: FlowSource, what: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(source, what: what) else { return nil }
        guard let n = Int(text.value), range.contains(n) else {
            report(FlowProblem(.badValue, at: text.location, "\(what) is '\(text.value)'",
                               fix: "write a whole number from \(range.lowerBound) to \(range.upperBound)"))
            return nil
        }
        return n
    }

    func bool(_ source: FlowSource, what: String) -> Bool? {
        guard let text = string(source, what: what) else { return nil }
        switch text.value.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(FlowProblem(.badValue, at: text.location, "\(what) is '\(text.value)'", fix: "write true or false"))
            return nil
        }
    }

    func list(_ source: FlowSource, what: String) -> [FlowSource]? {
        switch source {
        case .sequence(let items, _): return items
        case .scalar: return [source]  // one item may be written without brackets
        default:
            report(FlowProblem(.wrongType, at: source.location, "\(what) must be a list, not \(source.kindDescription)",
                               fix: "write [a, b] or one '- item' per line"))
            return nil
        }
    }
}

/// One mapping's fields: `take` each known key; `finish` reports the keys nobody took.
final class Fields {
    let reader: FlowReader
    let entries: [FlowSource.Entry]
    let location: SourceLocation
    let what: String
    private var taken: Set<String> = []

    init(reader: FlowReader, entries: [FlowSource.Entry], location: SourceLocation, what: String) {
        self.reader = reader
        self.entries = entries
        self.location = location
        self.what = what
    }

    var keys: [String] { entries.map(\.key) }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The value of `key`, or nil when absent (`null` counts as absent).
    func take(_ key: String) -> FlowSource? {
        taken.insert(key)
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        if case .null = entry.value { return nil }
        return entry.value
    }

    func entry(_ key: String) -> FlowSource.Entry? {
        taken.insert(key)
        return entries.first { $0.key == key }
    }

    /// `key`'s value, reporting it missing when absent.
    func require(_ key: String, example: String) -> FlowSource? {
        if let value = take(key) { return value }
        reader.report(FlowProblem(.missingField, at: location, "\(what) has no '\(key)'", fix: "add '\(key): \(example)'"))
        return nil
    }

    func string(_ key: String) -> Located<String>? { take(key).flatMap { reader.string($0, what: "'\(key)' of \(what)") } }

    func requireString(_ key: String, example: String) -> Located<String>? {
        require(key, example: example).flatMap { reader.string($0, what: "'\(key)' of \(what)") }
    }

    func integer(_ key: String, default value: Int, range: ClosedRange<Int>) -> Int {
        take(key).flatMap { reader.integer($0, what: "'\(key)' of \(what)", range: range) } ?? value
    }

    func bool(_ key: String, default value: Bool) -> Bool {
        take(key).flatMap { reader.bool($0, what: "'\(key)' of \(what)") } ?? value
    }

    func node(_ key: String) -> Located<NodeID>? { string(key).map { Located(NodeID($0.value), at: $0.location) } }

    func requireNode(_ key: String) -> Located<NodeID>? {
        requireString(key, example: "<node name>").map { Located(NodeID($0.value), at: $0.location) }
    }

    /// Reports every key that was not taken, with the closest known one.
    func finish() {
        for entry in entries where !taken.contains(entry.key) {
            let known = taken.sorted()
            let suggestion = known.min { editDistance($0, entry.key) < editDistance($1, entry.key) }
            let fix = suggestion.map { editDistance($0, entry.key) <= 3 ? "did you mean '\($0)'?" : nil } ?? nil
            reader.report(FlowProblem(.unknownField, at: entry.keyLocation, "\(what) has no field '\(entry.key)'",
                                      fix: fix ?? "remove it; the fields here are \(known.joined(separator: ", "))"))
        }
    }
}
