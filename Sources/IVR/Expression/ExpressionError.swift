/// An expression or template that cannot be parsed, or an expression whose evaluation
/// failed (a type mismatch, a division by zero).
///
/// `offset` is the 0-based position, in `Character`s, in the text that was parsed (for a
/// template, in the whole template), so the flow validator can turn it into a line and
/// column of the YAML file. `message` says what is wrong and what to do:
///
/// ```
/// unknown function 'lenght'; did you mean 'length'?
/// ```
///
/// A parse error is a flow validation error; an evaluation error makes the flow take the
/// node's error branch at run time.
public struct ExpressionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of fault. A struct with static members rather than an enum so that new
    /// codes can be added without breaking exhaustive switches in callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        // MARK: parsing
        /// The text is longer than ``ExpressionLimits/maxLength`` (or, for a template,
        /// ``ExpressionLimits/maxTemplateLength``).
        public static let tooLong = Code("tooLong")
        /// Parentheses, function calls and unary operators nest deeper than
        /// ``ExpressionLimits/maxDepth``.
        public static let tooDeep = Code("tooDeep")
        /// There is nothing to evaluate (an empty expression or `{}` in a template).
        public static let empty = Code("empty")
        /// A character that starts no token (`#`, `=`, a lone `&`).
        public static let unexpectedCharacter = Code("unexpectedCharacter")
        /// A token where the grammar does not allow it (`1 +`, `)`, `a b`).
        public static let unexpectedToken = Code("unexpectedToken")
        /// A string literal without its closing quote.
        public static let unterminatedString = Code("unterminatedString")
        /// A backslash escape other than `\\`, `\'`, `\"`, `\n`, `\t`.
        public static let invalidEscape = Code("invalidEscape")
        /// A number literal that is malformed (`3abc`) or too large.
        public static let invalidNumber = Code("invalidNumber")
        /// A call to a function that does not exist.
        public static let unknownFunction = Code("unknownFunction")
        /// A function called with the wrong number of arguments.
        public static let wrongArgumentCount = Code("wrongArgumentCount")
        /// An argument of the wrong form (`exists` takes a variable path).
        public static let invalidArgument = Code("invalidArgument")
        /// `a < b < c` or `a == b == c`: comparisons do not chain.
        public static let chainedComparison = Code("chainedComparison")
        /// A template placeholder `{` without its `}`.
        public static let unclosedPlaceholder = Code("unclosedPlaceholder")
        /// A `}` in template text that closes nothing.
        public static let unmatchedBrace = Code("unmatchedBrace")

        // MARK: evaluation
        /// An operator or function applied to a value of the wrong type.
        public static let typeMismatch = Code("typeMismatch")
        /// `x / 0` or `x % 0`.
        public static let divisionByZero = Code("divisionByZero")
        /// Arithmetic whose result is not a finite number.
        public static let numberOutOfRange = Code("numberOutOfRange")
    }

    /// What kind of fault was found.
    public var code: Code
    /// The 0-based `Character` offset in the parsed text the fault is at: the unexpected
    /// token, the operator whose operands do not fit, the function's name.
    public var offset: Int
    /// What is wrong; what to do.
    public var message: String

    public init(_ code: Code, at offset: Int, _ message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String { "offset \(offset): \(message)" }
}

/// The bounds that keep parsing and evaluation cheap on hostile or mistaken input.
public enum ExpressionLimits {
    /// The longest expression, in `Character`s.
    public static let maxLength = 2_000
    /// The longest template, in `Character`s; each placeholder is also held to
    /// ``maxLength``.
    public static let maxTemplateLength = 20_000
    /// How deep parentheses, function calls and unary operators may nest. The parser
    /// recurses once per level and chains of binary operators are kept flat, so this
    /// bounds the stack used by parsing and evaluation.
    public static let maxDepth = 64
}
