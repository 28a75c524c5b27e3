import IVR
import Yams

/// Reads a flow file's YAML into the IVR's located tree (``FlowSource``): the IVR is pure
/// and cannot parse YAML itself, and every value keeps its line and column so problems
/// are reported where the designer wrote them.
enum FlowYAML {
    /// The tree of `text`, read from `file` (the name used in locations).
    static func source(_ text: String, file: String) throws(FlowProblem) -> FlowSource {
        let start = SourceLocation(file: file, line: 1, column: 1)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxProblem(error, file: file)
        } catch {
            throw FlowProblem(.syntax, at: start, "the file cannot be read as YAML (\(error))",
                              fix: "save it as UTF-8 text")
        }
        guard let root else { return .null(start) }
        return convert(root, file: file, depth: 0)
    }

    /// Deeper than any flow needs; a hostile file cannot exhaust the stack.
    static let maximumDepth = 64

    private static func convert(_ node: Node, file: String, depth: Int) -> FlowSource {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        guard depth < maximumDepth else { return .null(location) }
        switch node {
        case .scalar(let scalar):
            let plain = scalar.style == .plain || scalar.style == .any
            if plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return .null(location) }
            // A quoted scalar's mark is its opening quote; point at its first character, so
            // an offset into an expression lands on the right column.
            return .scalar(scalar.string, quoted: !plain, plain ? location : location.advanced(by: 1))
        case .mapping(let mapping):
            let entries = mapping.map { key, value in
                FlowSource.Entry(key: key.string ?? "",
                                 keyLocation: SourceLocation(file: file, line: key.mark?.line ?? location.line,
                                                             column: key.mark?.column ?? location.column),
                                 value: convert(value, file: file, depth: depth + 1))
            }
            return .mapping(entries, location)
        case .sequence(let sequence):
            return .sequence(sequence.map { convert($0, file: file, depth: depth + 1) }, location)
        case .alias:
            // Anchors and aliases are resolved by the composer; one left here is unusable.
            return .null(location)
        }
    }

    private static func syntaxProblem(_ error: YamlError, file: String) -> FlowProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return FlowProblem(.syntax, at: SourceLocation(file: file, line: mark.line, column: mark.column),
                               "YAML syntax: \(problem)", fix: "check the indentation and quoting on this line")
        case .duplicatedKeysInMapping(let duplicates, _):
            return FlowProblem(.duplicateKey, at: SourceLocation(file: file, line: 1, column: 1),
                               "keys written twice in one mapping: \(duplicates.joined(separator: ", "))",
                               fix: "keep one of each")
        default:
            return FlowProblem(.syntax, at: SourceLocation(file: file, line: 1, column: 1), "YAML: \(error)",
                               fix: "check the file is valid YAML")
        }
    }
}
