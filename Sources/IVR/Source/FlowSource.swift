/// Where something is in a flow file: 1-based line and column, as editors count them.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The same file, `offset` characters further along the line (a problem inside a
    /// scalar, e.g. an expression's bad operator).
    public func advanced(by offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset)
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// A flow file as a tree of located values, what the YAML adapter hands the IVR (which
/// cannot import a YAML parser: it is pure). Every node keeps where it was written, so
/// each problem is reported as `file:line:column: what is wrong; what to do`.
public indirect enum FlowSource: Sendable, Hashable {
    /// A scalar as written (YAML resolves nothing here: `"1"` and `1` both read "1"; the
    /// decoder decides what a field's text means). `quoted` tells `"yes"` from `yes`.
    case scalar(String, quoted: Bool, SourceLocation)
    /// Keys in file order (duplicates are kept, for the decoder to report).
    case mapping([Entry], SourceLocation)
    case sequence([FlowSource], SourceLocation)
    case null(SourceLocation)

    public struct Entry: Sendable, Hashable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: FlowSource

        public init(key: String, keyLocation: SourceLocation, value: FlowSource) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    public var location: SourceLocation {
        switch self {
        case .scalar(_, _, let l), .mapping(_, let l), .sequence(_, let l), .null(let l): l
        }
    }

    /// What the value is, in words for messages ("a mapping", "a list").
    public var kindDescription: String {
        switch self {
        case .scalar: "a single value"
        case .mapping: "a mapping (key: value lines)"
        case .sequence: "a list"
        case .null: "nothing"
        }
    }
}

/// One problem in a flow file, located and explained: what is wrong, then what to do.
public struct FlowProblem: Error, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Kinds of problems, so tests and tools can tell them apart without parsing text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let syntax = Code("syntax")
        public static let wrongType = Code("wrongType")
        public static let missingField = Code("missingField")
        public static let unknownField = Code("unknownField")
        public static let duplicateKey = Code("duplicateKey")
        public static let badValue = Code("badValue")
        public static let unknownNode = Code("unknownNode")
        public static let unreachableNode = Code("unreachableNode")
        public static let missingPrompt = Code("missingPrompt")
        public static let missingVariable = Code("missingVariable")
        public static let badDigitMap = Code("badDigitMap")
        public static let loopWithoutInput = Code("loopWithoutInput")
        public static let badExpression = Code("badExpression")
        public static let unknownFlow = Code("unknownFlow")
    }

    public var code: Code
    public var location: SourceLocation
    /// What is wrong.
    public var problem: String
    /// What to do about it.
    public var fix: String

    public init(_ code: Code, at location: SourceLocation, _ problem: String, fix: String) {
        self.code = code
        self.location = location
        self.problem = problem
        self.fix = fix
    }

    /// `file:line:column: problem; fix`, the form editors and CI logs link to.
    public var description: String { "\(location): \(problem); \(fix)" }

    public static func < (a: FlowProblem, b: FlowProblem) -> Bool {
        (a.location, a.problem) < (b.location, b.problem)
    }
}
