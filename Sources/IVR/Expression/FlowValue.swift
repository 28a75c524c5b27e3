/// A value a flow works with: a variable's content, a lookup's result, what an expression
/// evaluates to.
///
/// Truthiness (used by `branch` conditions, `not`, `and`, `or`):
///
/// | value                  | truthy when            |
/// |------------------------|------------------------|
/// | `.bool(b)`             | `b`                    |
/// | `.number(n)`           | `n != 0`               |
/// | `.string(s)`           | `s` is not empty       |
/// | `.list(l)`, `.record(r)` | it is not empty      |
/// | `.null`                | never                  |
///
/// So `"0"` (a caller who pressed zero) is truthy: it is a non-empty string. Compare it
/// (`input.digits == "0"`) or convert it (`number(input.digits) == 0`) to test the digit.
public enum FlowValue: Hashable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([FlowValue])
    case record([String: FlowValue])
    case null

    /// Whether a `branch` takes this value as true; see the table above.
    public var isTruthy: Bool {
        switch self {
        case .bool(let b): b
        case .number(let n): n != 0
        case .string(let s): !s.isEmpty
        case .list(let l): !l.isEmpty
        case .record(let r): !r.isEmpty
        case .null: false
        }
    }

    /// The kind's name as a flow designer sees it in error messages.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .number: "number"
        case .bool: "bool"
        case .list: "list"
        case .record: "record"
        case .null: "null"
        }
    }

    /// The value inside a record (by key) or a list (by a 0-based decimal index);
    /// `nil` when there is no such member or this value has no members.
    public func member(_ segment: String) -> FlowValue? {
        switch self {
        case .record(let r):
            return r[segment]
        case .list(let l):
            // Only plain decimal digits index a list: "01", "-1" and "+1" are not indices.
            guard let first = segment.first, first != "+", first != "-",
                  segment == "0" || first != "0",
                  let i = Int(segment), i < l.count else { return nil }
            return l[i]
        case .string, .number, .bool, .null:
            return nil
        }
    }
}

extension FlowValue: CustomStringConvertible {
    /// The value as it is spoken or substituted into a template.
    ///
    /// - numbers: integral values without a fraction (`12`, not `12.0`), others in the
    ///   shortest form that reads back to the same number (`12.5`);
    /// - `null`: the empty string, so a missing optional variable leaves no "null" in a
    ///   sentence or URL;
    /// - lists: the elements joined by `", "`; records: `{key: value, ...}` by key.
    public var description: String {
        switch self {
        case .string(let s):
            return s
        case .number(let n):
            return FlowValue.format(n)
        case .bool(let b):
            return b ? "true" : "false"
        case .list(let l):
            return l.map(\.description).joined(separator: ", ")
        case .record(let r):
            let body = r.keys.sorted().map { "\($0): \(r[$0]!.description)" }
            return "{" + body.joined(separator: ", ") + "}"
        case .null:
            return ""
        }
    }

    static func format(_ n: Double) -> String {
        // Doubles hold every integer exactly up to 2^53; beyond that keep Swift's form.
        if n.isFinite, n == n.rounded(.towardZero), abs(n) < 9_007_199_254_740_992 {
            return String(Int64(n))
        }
        return String(n)
    }
}

// Literals keep flow tests and lookups short (`["tier": "gold"]`). No nil literal:
// `nil` already means "no such variable" for a lookup returning `FlowValue?`.
extension FlowValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: FlowValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, FlowValue)...) {
        self = .record(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
