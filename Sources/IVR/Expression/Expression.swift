/// A condition or value written in a flow: `balance > 100 and customer.tier == "gold"`.
///
/// `branch` nodes test an expression's truthiness (see ``FlowValue``), `set` nodes store
/// its value, and templates (``Template``) splice values into URLs, JSON bodies and
/// sentences.
///
/// ## Grammar
///
/// - literals: `42`, `12.5`, `'text'`, `"text"` (escapes `\\` `\'` `\"` `\n` `\t`),
///   `true`, `false`, `null`;
/// - variables as dotted paths: `balance`, `customer.tier`, `bills.0.amount` (a decimal
///   segment indexes a list from 0); a missing variable or member is `null`;
/// - functions: `exists(path)`, `empty(x)`, `length(x)`, `number(x)`, `lower(x)`,
///   `upper(x)`, `contains(haystack, needle)`, `startsWith(s, prefix)` (see
///   ``ExpressionFunction``);
/// - operators, tightest first, as in C and Swift:
///
/// | level | operators                 | operands                         | associativity |
/// |-------|---------------------------|----------------------------------|---------------|
/// | 1     | `not` `!` `-` (unary)     | `-`: number; `not`: any (truthiness) | right     |
/// | 2     | `*` `/` `%`               | numbers                          | left          |
/// | 3     | `+` `-`                   | numbers; `+` joins text when either side is a string | left |
/// | 4     | `<` `<=` `>` `>=`         | two numbers or two strings       | none          |
/// | 5     | `==` `!=`                 | any; different types are unequal | none          |
/// | 6     | `and` `&&`                | any (truthiness), short-circuit  | left          |
/// | 7     | `or` `\|\|`               | any (truthiness), short-circuit  | left          |
///
/// So `not a == b` is `(not a) == b`, as `!a == b` is in Swift: write `not (a == b)` or
/// `a != b`. Comparisons do not chain (`1 < x < 5` is an error; write
/// `1 < x and x < 5`). `and` and `or` yield `true` or `false`, never an operand.
///
/// Expressions are at most ``ExpressionLimits/maxLength`` characters and nest at most
/// ``ExpressionLimits/maxDepth`` levels.
public struct Expression: Hashable, Sendable, CustomStringConvertible {
    /// The text as written.
    public let source: String
    let root: ExpressionNode
    /// The variable paths the expression needs: every path it reads, except those
    /// tested with `exists(...)` and paths below them (`exists(a) and a.b > 1` needs
    /// nothing). The flow validator reports those not set on some path to this node.
    public let variables: Set<String>
    /// The paths tested with `exists(...)`: a flow may leave them unset.
    public let optionalVariables: Set<String>

    init(source: String, root: ExpressionNode) {
        self.source = source
        self.root = root
        var read = Set<String>(), tested = Set<String>()
        root.collectPaths(read: &read, tested: &tested)
        self.optionalVariables = tested
        self.variables = read.filter { path in
            !tested.contains { path == $0 || path.hasPrefix($0 + ".") }
        }
    }

    /// Parses `text`, throwing the first problem found with its offset in `text`.
    public static func parse(_ text: String) throws(ExpressionError) -> Expression {
        let characters = Array(text)
        guard characters.count <= ExpressionLimits.maxLength else {
            throw ExpressionError(.tooLong, at: ExpressionLimits.maxLength, "the expression is \(characters.count) characters long, more than the \(ExpressionLimits.maxLength) allowed; split it over several 'set' nodes")
        }
        var parser = ExpressionParser(characters, from: 0, to: characters.count)
        let root = try parser.parseWhole()
        return Expression(source: text, root: root)
    }

    /// Evaluates the expression.
    ///
    /// `lookup` is asked for a path's longest prefix first: for `customer.tier` it is
    /// asked for `"customer.tier"`, then, if that gives `nil`, for `"customer"` and the
    /// `tier` member is taken from the record. So variables may be stored flat
    /// (`"input.digits"`) or as records (`"input"`). A path nothing answers is `null`.
    ///
    /// Throws ``ExpressionError`` with the offset of the operator or function whose
    /// operands do not fit (`"a" < 3`, `-"x"`, `x / 0`).
    public func evaluate(_ lookup: (String) -> FlowValue?) throws(ExpressionError) -> FlowValue {
        // The evaluator keeps `lookup` only for the duration of this call.
        try withoutActuallyEscaping(lookup) { (lookup) throws(ExpressionError) -> FlowValue in
            try ExpressionEvaluator(lookup: lookup).evaluate(root)
        }
    }

    public var description: String { source }
}

/// A parsed expression. Chains of the same precedence level (`a + b - c`, `a or b or c`)
/// are kept flat, so the tree's depth, and the stack used to walk it, grows only with
/// nesting, which the parser bounds.
indirect enum ExpressionNode: Hashable, Sendable {
    /// One step of an arithmetic chain: the operator, where it was written, the operand.
    struct Step: Hashable, Sendable {
        var op: ArithmeticOperator
        var offset: Int
        var operand: ExpressionNode
    }

    enum ArithmeticOperator: String, Hashable, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    }

    enum ComparisonOperator: String, Hashable, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    }

    case literal(FlowValue)
    case variable(path: [String], offset: Int)
    case not(ExpressionNode)
    case negate(ExpressionNode, offset: Int)
    case arithmetic(first: ExpressionNode, steps: [Step])
    case comparison(ComparisonOperator, ExpressionNode, ExpressionNode, offset: Int)
    case and([ExpressionNode])
    case or([ExpressionNode])
    case call(ExpressionFunction, arguments: [ExpressionNode], offset: Int)

    func collectPaths(read: inout Set<String>, tested: inout Set<String>) {
        switch self {
        case .literal:
            break
        case .variable(let path, _):
            read.insert(path.joined(separator: "."))
        case .not(let operand), .negate(let operand, _):
            operand.collectPaths(read: &read, tested: &tested)
        case .arithmetic(let first, let steps):
            first.collectPaths(read: &read, tested: &tested)
            for step in steps { step.operand.collectPaths(read: &read, tested: &tested) }
        case .comparison(_, let lhs, let rhs, _):
            lhs.collectPaths(read: &read, tested: &tested)
            rhs.collectPaths(read: &read, tested: &tested)
        case .and(let operands), .or(let operands):
            for operand in operands { operand.collectPaths(read: &read, tested: &tested) }
        case .call(.exists, let arguments, _):
            // The parser accepts only a path here.
            if case .variable(let path, _) = arguments.first {
                tested.insert(path.joined(separator: "."))
            }
        case .call(_, let arguments, _):
            for argument in arguments { argument.collectPaths(read: &read, tested: &tested) }
        }
    }
}
