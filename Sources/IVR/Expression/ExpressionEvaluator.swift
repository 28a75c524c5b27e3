/// Walks an ``ExpressionNode`` tree. Recursion is bounded by the tree's depth, which the
/// parser bounds (``ExpressionLimits/maxDepth``).
struct ExpressionEvaluator {
    let lookup: (String) -> FlowValue?

    func evaluate(_ node: ExpressionNode) throws(ExpressionError) -> FlowValue {
        switch node {
        case .literal(let value):
            return value
        case .variable(let path, _):
            return resolve(path) ?? .null
        case .not(let operand):
            return .bool(!(try evaluate(operand).isTruthy))
        case .negate(let operand, let offset):
            let value = try evaluate(operand)
            guard case .number(let n) = value else {
                throw ExpressionError(.typeMismatch, at: offset, "cannot negate a \(value.typeName); '-' needs a number (convert text with number(...))")
            }
            return .number(-n)
        case .arithmetic(let first, let steps):
            var result = try evaluate(first)
            for step in steps {
                result = try apply(step.op, result, try evaluate(step.operand), at: step.offset)
            }
            return result
        case .comparison(let op, let lhs, let rhs, let offset):
            return .bool(try compare(op, try evaluate(lhs), try evaluate(rhs), at: offset))
        case .and(let operands):
            for operand in operands where !(try evaluate(operand).isTruthy) { return .bool(false) }
            return .bool(true)
        case .or(let operands):
            for operand in operands where try evaluate(operand).isTruthy { return .bool(true) }
            return .bool(false)
        case .call(let function, let arguments, let offset):
            return try call(function, arguments, at: offset)
        }
    }

    /// The value at `path`, asking `lookup` for the longest prefix first and walking
    /// into records and lists for the rest; `nil` when nothing is there.
    func resolve(_ path: [String]) -> FlowValue? {
        for length in stride(from: path.count, through: 1, by: -1) {
            guard var value = lookup(path[..<length].joined(separator: ".")) else { continue }
            for segment in path[length...] {
                guard let member = value.member(segment) else { return nil }
                value = member
            }
            return value
        }
        return nil
    }

    // MARK: operators

    private func apply(
        _ op: ExpressionNode.ArithmeticOperator, _ lhs: FlowValue, _ rhs: FlowValue, at offset: Int
    ) throws(ExpressionError) -> FlowValue {
        if op == .add {
            switch (lhs, rhs) {
            case (.string(let a), _): return .string(a + rhs.description)
            case (_, .string(let b)): return .string(lhs.description + b)
            default: break
            }
        }
        guard case .number(let a) = lhs, case .number(let b) = rhs else {
            let hint = op == .add ? "'+' adds two numbers or joins text when either side is a string" : "'\(op.rawValue)' needs two numbers"
            throw ExpressionError(.typeMismatch, at: offset, "cannot apply '\(op.rawValue)' to \(lhs.typeName) and \(rhs.typeName); \(hint) (convert text with number(...), test variables with exists(...))")
        }
        let result: Double
        switch op {
        case .add: result = a + b
        case .subtract: result = a - b
        case .multiply: result = a * b
        case .divide, .remainder:
            guard b != 0 else {
                throw ExpressionError(.divisionByZero, at: offset, "division by zero in '\(op.rawValue)'; check the divisor is not 0 first, like x != 0 and total / x > 1")
            }
            result = op == .divide ? a / b : a.truncatingRemainder(dividingBy: b)
        }
        guard result.isFinite else {
            throw ExpressionError(.numberOutOfRange, at: offset, "the result of '\(op.rawValue)' is too large to be a number; use smaller values")
        }
        return .number(result)
    }

    private func compare(
        _ op: ExpressionNode.ComparisonOperator, _ lhs: FlowValue, _ rhs: FlowValue, at offset: Int
    ) throws(ExpressionError) -> Bool {
        switch op {
        case .equal: return lhs == rhs
        case .notEqual: return lhs != rhs
        case .less, .lessEqual, .greater, .greaterEqual:
            break
        }
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): return ordered(op, a, b)
        case (.string(let a), .string(let b)): return ordered(op, a, b)
        default:
            let hint = lhs == .null || rhs == .null
                ? "test the variable with exists(...) first"
                : "convert text with number(...) to compare numbers"
            throw ExpressionError(.typeMismatch, at: offset, "cannot compare \(lhs.typeName) with \(rhs.typeName) using '\(op.rawValue)'; '\(op.rawValue)' needs two numbers or two strings (\(hint))")
        }
    }

    private func ordered<T: Comparable>(_ op: ExpressionNode.ComparisonOperator, _ a: T, _ b: T) -> Bool {
        switch op {
        case .less: a < b
        case .lessEqual: a <= b
        case .greater: a > b
        case .greaterEqual: a >= b
        case .equal: a == b
        case .notEqual: a != b
        }
    }

    // MARK: functions

    private func call(
        _ function: ExpressionFunction, _ arguments: [ExpressionNode], at offset: Int
    ) throws(ExpressionError) -> FlowValue {
        if function == .exists {
            guard case .variable(let path, _) = arguments[0] else { return .bool(false) }
            let value = resolve(path)
            return .bool(value != nil && value != .null)
        }
        var values: [FlowValue] = []
        for argument in arguments { values.append(try evaluate(argument)) }
        func mismatch(_ value: FlowValue, _ expected: String) -> ExpressionError {
            ExpressionError(.typeMismatch, at: offset, "\(function.rawValue)() cannot take a \(value.typeName); pass \(expected)")
        }
        switch function {
        case .exists:
            return .bool(false) // handled above
        case .empty:
            switch values[0] {
            case .null: return .bool(true)
            case .string(let s): return .bool(s.isEmpty)
            case .list(let l): return .bool(l.isEmpty)
            case .record(let r): return .bool(r.isEmpty)
            case .number, .bool: return .bool(false)
            }
        case .length:
            switch values[0] {
            case .null: return .number(0)
            case .string(let s): return .number(Double(s.count))
            case .list(let l): return .number(Double(l.count))
            case .record(let r): return .number(Double(r.count))
            case .number, .bool: throw mismatch(values[0], "a string, list or record")
            }
        case .number:
            switch values[0] {
            case .number: return values[0]
            case .string(let s): return Self.parseNumber(s).map(FlowValue.number) ?? .null
            case .bool, .list, .record, .null: return .null
            }
        case .lower, .upper:
            switch values[0] {
            case .null: return .null
            case .string, .number, .bool:
                let text = values[0].description
                return .string(function == .lower ? text.lowercased() : text.uppercased())
            case .list, .record: throw mismatch(values[0], "a string")
            }
        case .contains:
            switch values[0] {
            case .null: return .bool(false)
            case .list(let l): return .bool(l.contains(values[1]))
            case .string(let s):
                switch values[1] {
                case .string, .number, .bool: return .bool(s.contains(values[1].description))
                case .null, .list, .record: throw mismatch(values[1], "a string as the needle when the haystack is a string")
                }
            case .number, .bool, .record: throw mismatch(values[0], "a string or a list as the haystack")
            }
        case .startsWith:
            switch values[0] {
            case .null: return .bool(false)
            case .string(let s):
                switch values[1] {
                case .string, .number, .bool: return .bool(s.hasPrefix(values[1].description))
                case .null, .list, .record: throw mismatch(values[1], "a string as the prefix")
                }
            case .number, .bool, .list, .record: throw mismatch(values[0], "a string")
            }
        }
    }

    /// `"42"`, `"-3"`, `"12.50"`: an optional minus, ASCII digits, optionally a point and
    /// more digits; no spaces, exponents, `inf` or `nan` (what a caller keys in or a CRM
    /// returns as text, nothing more).
    static func parseNumber(_ text: String) -> Double? {
        let scalars = Array(text.unicodeScalars)
        var i = scalars.first == "-" ? 1 : 0
        func digits() -> Int {
            let start = i
            while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1 }
            return i - start
        }
        guard digits() > 0 else { return nil }
        if i < scalars.count, scalars[i] == "." {
            i += 1
            guard digits() > 0 else { return nil }
        }
        guard i == scalars.count, let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
