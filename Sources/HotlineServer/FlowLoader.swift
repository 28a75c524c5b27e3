import IVR

#if canImport(Glibc)
import Glibc
#endif

/// Reads flow files, decodes and validates them together (so `subflow` nodes can name
/// each other), resolving prompt files against each flow file's directory.
public enum FlowLoader {
    public struct Result: Sendable {
        public var flows: [Flow]
        /// Every problem of every file, sorted by file, line and column.
        public var problems: [FlowProblem]
    }

    /// - Parameter preferred: a directory whose flows replace flows of the same name read
    ///   from elsewhere (administrators' uploads over the configured files).
    public static func load(_ paths: [String], preferring preferred: String? = nil) -> Result {
        var decoded: [(Flow, String)] = []
        var problems: [FlowProblem] = []
        for path in paths {
            let text: String
            do { text = try FileIO.read(path) } catch {
                problems.append(FlowProblem(.syntax, at: SourceLocation(file: path, line: 1, column: 1),
                                            "cannot read the flow file (\(error))", fix: "check the path and its permissions"))
                continue
            }
            do {
                let source = try FlowYAML.source(text, file: path)
                let (flow, found) = FlowDecoder.decode(source, file: path)
                problems += found
                if let flow { decoded.append((flow, path)) }
            } catch {
                problems.append(error)
            }
        }
        if let preferred {
            let prefix = preferred.hasSuffix("/") ? preferred : preferred + "/"
            let replaced = Set(decoded.filter { $0.1.hasPrefix(prefix) }.map(\.0.name))
            decoded.removeAll { replaced.contains($0.0.name) && !$0.1.hasPrefix(prefix) }
        }
        let names = Set(decoded.map(\.0.name))
        var seen: [String: String] = [:]
        for (flow, path) in decoded {
            if let other = seen[flow.name] {
                problems.append(FlowProblem(.badValue, at: SourceLocation(file: path, line: 1, column: 1),
                                            "flow name '\(flow.name)' is also used by \(other)", fix: "give each flow its own name"))
            }
            seen[flow.name] = path
            let directory = directoryOf(path)
            let validator = FlowValidator(context: .init(flows: names) { file in
                var info = stat()
                let full = file.hasPrefix("/") ? file : directory + "/" + file
                return stat(full, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
            })
            problems += validator.validate(flow)
        }
        return Result(flows: decoded.map(\.0), problems: problems.sorted())
    }

    static func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
