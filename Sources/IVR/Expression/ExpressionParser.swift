/// A recursive-descent parser for ``Expression``, one function per precedence level
/// (see the table on ``Expression``).
///
/// It recurses only for parentheses, function arguments and unary operators, and counts
/// those levels against ``ExpressionLimits/maxDepth``; chains of binary operators are
/// read in loops. So hostile input (`((((...`, `!!!!...`) gets an error, not a stack
/// overflow.
struct ExpressionParser {
    private var lexer: ExpressionLexer
    private var current: ExpressionToken
    /// The token before `current`, for "expected a value after '+'".
    private var previous: ExpressionToken?
    private var depth = 0

    /// Parses `characters[start..<end]`; offsets in errors and nodes are indices into
    /// `characters`, so a template's placeholders report offsets in the whole template.
    init(_ characters: [Character], from start: Int, to end: Int) {
        lexer = ExpressionLexer(characters, from: start, to: end)
        current = ExpressionToken(kind: .end, offset: start, text: "")
    }

    /// The lexer's position: just past `current`.
    var position: Int { lexer.position }

    /// A whole expression: the text must end where the expression does.
    mutating func parseWhole() throws(ExpressionError) -> ExpressionNode {
        try advance()
        if case .end = current.kind {
            throw ExpressionError(.empty, at: current.offset, "the expression is empty; write a condition or a value, like balance > 0")
        }
        let node = try parseOr()
        guard case .end = current.kind else { throw unexpectedAfterExpression() }
        return node
    }

    /// A template placeholder's expression, read up to and including the `}` closing it.
    /// Returns `nil` when the text ends first (the caller reports the unclosed `{`).
    mutating func parsePlaceholder(openingAt brace: Int) throws(ExpressionError) -> ExpressionNode? {
        try advance()
        switch current.kind {
        case .symbol(.rightBrace):
            throw ExpressionError(.empty, at: brace, "the placeholder '{}' is empty; put a variable inside, like {balance}, or write '{{}}' for literal braces")
        case .end:
            return nil
        default:
            break
        }
        let node = try parseOr()
        switch current.kind {
        case .symbol(.rightBrace): return node
        case .end: return nil
        default: throw unexpectedAfterExpression()
        }
    }

    // MARK: precedence levels, loosest first

    private mutating func parseOr() throws(ExpressionError) -> ExpressionNode {
        var operands = [try parseAnd()]
        while current.kind == .keyword(.or) || current.kind == .symbol(.orOr) {
            try advance()
            operands.append(try parseAnd())
        }
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    private mutating func parseAnd() throws(ExpressionError) -> ExpressionNode {
        var operands = [try parseEquality()]
        while current.kind == .keyword(.and) || current.kind == .symbol(.andAnd) {
            try advance()
            operands.append(try parseEquality())
        }
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    private mutating func parseEquality() throws(ExpressionError) -> ExpressionNode {
        let lhs = try parseRelational()
        guard let op = equalityOperator(current) else { return lhs }
        let offset = current.offset
        try advance()
        let rhs = try parseRelational()
        if equalityOperator(current) != nil { throw chained() }
        return .comparison(op, lhs, rhs, offset: offset)
    }

    private mutating func parseRelational() throws(ExpressionError) -> ExpressionNode {
        let lhs = try parseAdditive()
        guard let op = relationalOperator(current) else { return lhs }
        let offset = current.offset
        try advance()
        let rhs = try parseAdditive()
        if relationalOperator(current) != nil { throw chained() }
        return .comparison(op, lhs, rhs, offset: offset)
    }

    private mutating func parseAdditive() throws(ExpressionError) -> ExpressionNode {
        let first = try parseMultiplicative()
        var steps: [ExpressionNode.Step] = []
        while true {
            let op: ExpressionNode.ArithmeticOperator
            switch current.kind {
            case .symbol(.plus): op = .add
            case .symbol(.minus): op = .subtract
            default: return steps.isEmpty ? first : .arithmetic(first: first, steps: steps)
            }
            let offset = current.offset
            try advance()
            steps.append(.init(op: op, offset: offset, operand: try parseMultiplicative()))
        }
    }

    private mutating func parseMultiplicative() throws(ExpressionError) -> ExpressionNode {
        let first = try parseUnary()
        var steps: [ExpressionNode.Step] = []
        while true {
            let op: ExpressionNode.ArithmeticOperator
            switch current.kind {
            case .symbol(.star): op = .multiply
            case .symbol(.slash): op = .divide
            case .symbol(.percent): op = .remainder
            default: return steps.isEmpty ? first : .arithmetic(first: first, steps: steps)
            }
            let offset = current.offset
            try advance()
            steps.append(.init(op: op, offset: offset, operand: try parseUnary()))
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> ExpressionNode {
        switch current.kind {
        case .keyword(.not), .symbol(.bang):
            try enter()
            try advance()
            let operand = try parseUnary()
            depth -= 1
            return .not(operand)
        case .symbol(.minus):
            let offset = current.offset
            try enter()
            try advance()
            let operand = try parseUnary()
            depth -= 1
            // Fold `-5` into a literal so `x > -5` costs nothing at run time.
            if case .literal(.number(let n)) = operand { return .literal(.number(-n)) }
            return .negate(operand, offset: offset)
        default:
            return try parsePrimary()
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> ExpressionNode {
        let token = current
        switch token.kind {
        case .number(let n):
            try advance()
            return .literal(.number(n))
        case .string(let s):
            try advance()
            return .literal(.string(s))
        case .keyword(.true):
            try advance()
            return .literal(.bool(true))
        case .keyword(.false):
            try advance()
            return .literal(.bool(false))
        case .keyword(.null):
            try advance()
            return .literal(.null)
        case .path(let segments):
            try advance()
            if current.kind == .symbol(.leftParen) { return try parseCall(token, segments) }
            return .variable(path: segments, offset: token.offset)
        case .symbol(.leftParen):
            try enter()
            try advance()
            let inner = try parseOr()
            guard current.kind == .symbol(.rightParen) else {
                throw missingClose(openedAt: token.offset, what: "'('")
            }
            try advance()
            depth -= 1
            return inner
        case .end:
            if let previous {
                throw ExpressionError(.unexpectedToken, at: token.offset, "expected a value after '\(previous.text)'; add one or remove the '\(previous.text)'")
            }
            throw ExpressionError(.empty, at: token.offset, "the expression is empty; write a condition or a value, like balance > 0")
        case .symbol(.rightParen):
            throw ExpressionError(.unexpectedToken, at: token.offset, "unexpected ')'; remove it or add the matching '('")
        case .symbol(.rightBrace):
            // In a template, `{a + }`: the placeholder closes too early.
            let after = previous.map { " after '\($0.text)'" } ?? ""
            throw ExpressionError(.unexpectedToken, at: token.offset, "expected a value\(after) before '}'; add one")
        case .symbol(.comma):
            throw ExpressionError(.unexpectedToken, at: token.offset, "unexpected ','; commas only separate a function's arguments")
        case .symbol, .keyword(.and), .keyword(.or), .keyword(.not):
            throw ExpressionError(.unexpectedToken, at: token.offset, "unexpected '\(token.text)'; put a value before it")
        }
    }

    /// `name(arguments)`; `current` is the `(`.
    private mutating func parseCall(_ name: ExpressionToken, _ segments: [String]) throws(ExpressionError) -> ExpressionNode {
        guard segments.count == 1, let function = ExpressionFunction(rawValue: name.text) else {
            let known = ExpressionFunction.allCases.map(\.rawValue).joined(separator: ", ")
            // `digits.length()`: a method call, as other languages write it.
            if segments.count > 1, let method = ExpressionFunction(rawValue: segments.last!) {
                let receiver = segments.dropLast().joined(separator: ".")
                throw ExpressionError(.unknownFunction, at: name.offset, "unknown function '\(name.text)'; pass the value as the first argument, like \(method.rawValue)(\(receiver)\(method.arity == 1 ? "" : ", ..."))")
            }
            if let suggestion = ExpressionFunction.closest(to: name.text) {
                throw ExpressionError(.unknownFunction, at: name.offset, "unknown function '\(name.text)'; did you mean '\(suggestion.rawValue)'?")
            }
            throw ExpressionError(.unknownFunction, at: name.offset, "unknown function '\(name.text)'; use one of \(known)")
        }
        let open = current.offset
        try enter()
        try advance()
        var arguments: [ExpressionNode] = []
        var argumentOffsets: [Int] = []
        if current.kind != .symbol(.rightParen) {
            while true {
                argumentOffsets.append(current.offset)
                arguments.append(try parseOr())
                if current.kind == .symbol(.comma) {
                    try advance()
                    continue
                }
                guard current.kind == .symbol(.rightParen) else {
                    throw missingClose(openedAt: open, what: "'\(function.rawValue)('")
                }
                break
            }
        }
        try advance()
        depth -= 1
        guard arguments.count == function.arity else {
            let plural = function.arity == 1 ? "argument" : "arguments"
            throw ExpressionError(.wrongArgumentCount, at: name.offset, "\(function.rawValue)() takes \(function.arity) \(plural), found \(arguments.count); write \(function.signature)")
        }
        if function == .exists {
            guard case .variable = arguments[0] else {
                throw ExpressionError(.invalidArgument, at: argumentOffsets[0], "exists() takes a variable path, like exists(customer.id); write the path without quotes or operators")
            }
        }
        return .call(function, arguments: arguments, offset: name.offset)
    }

    // MARK: helpers

    private mutating func advance() throws(ExpressionError) {
        previous = current
        current = try lexer.next()
    }

    private mutating func enter() throws(ExpressionError) {
        depth += 1
        if depth > ExpressionLimits.maxDepth {
            throw ExpressionError(.tooDeep, at: current.offset, "the expression nests deeper than \(ExpressionLimits.maxDepth) levels; remove redundant parentheses or split it over several 'set' nodes")
        }
    }

    private func equalityOperator(_ token: ExpressionToken) -> ExpressionNode.ComparisonOperator? {
        switch token.kind {
        case .symbol(.equal): .equal
        case .symbol(.notEqual): .notEqual
        default: nil
        }
    }

    private func relationalOperator(_ token: ExpressionToken) -> ExpressionNode.ComparisonOperator? {
        switch token.kind {
        case .symbol(.less): .less
        case .symbol(.lessEqual): .lessEqual
        case .symbol(.greater): .greater
        case .symbol(.greaterEqual): .greaterEqual
        default: nil
        }
    }

    private func chained() -> ExpressionError {
        ExpressionError(.chainedComparison, at: current.offset, "comparisons do not chain; compare two values at a time and join them with 'and', like 1 < x and x < 5")
    }

    private func missingClose(openedAt open: Int, what: String) -> ExpressionError {
        if case .end = current.kind {
            return ExpressionError(.unexpectedToken, at: current.offset, "missing ')' to close the \(what) at offset \(open); add it")
        }
        return ExpressionError(.unexpectedToken, at: current.offset, "unexpected '\(current.text)'; close the \(what) at offset \(open) with ')' first, or join the values with an operator")
    }

    private func unexpectedAfterExpression() -> ExpressionError {
        switch current.kind {
        case .symbol(.rightParen):
            ExpressionError(.unexpectedToken, at: current.offset, "unexpected ')'; remove it or add the matching '('")
        case .symbol(.rightBrace):
            ExpressionError(.unexpectedToken, at: current.offset, "unexpected '}'; remove it (braces belong to template placeholders)")
        case .symbol(.comma):
            ExpressionError(.unexpectedToken, at: current.offset, "unexpected ','; commas only separate a function's arguments")
        default:
            ExpressionError(.unexpectedToken, at: current.offset, "unexpected '\(current.text)' after a complete expression; join the two with an operator such as 'and' or '+'")
        }
    }
}
