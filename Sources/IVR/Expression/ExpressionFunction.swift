/// The functions an expression can call.
///
/// | function                     | result                                                  |
/// |------------------------------|---------------------------------------------------------|
/// | `exists(path)`               | the variable is present and not null                    |
/// | `empty(x)`                   | `x` is null, `""`, `[]` or `{}`                          |
/// | `length(x)`                  | characters of a string, members of a list or record; 0 for null |
/// | `number(x)`                  | a string like `"42"`, `"-3"`, `"12.50"` as a number, a number as is; null otherwise |
/// | `lower(x)`, `upper(x)`       | the string (or a number's or bool's text) in lower/upper case; null stays null |
/// | `contains(haystack, needle)` | substring of a string, or element (`==`) of a list; false for null |
/// | `startsWith(s, prefix)`      | `s` begins with `prefix`; false for null                |
enum ExpressionFunction: String, CaseIterable, Hashable, Sendable {
    case exists, empty, length, number, lower, upper, contains, startsWith

    var arity: Int {
        switch self {
        case .exists, .empty, .length, .number, .lower, .upper: 1
        case .contains, .startsWith: 2
        }
    }

    /// How the call is written, for messages: `contains(haystack, needle)`.
    var signature: String {
        switch self {
        case .exists: "exists(path)"
        case .empty: "empty(value)"
        case .length: "length(value)"
        case .number: "number(value)"
        case .lower: "lower(value)"
        case .upper: "upper(value)"
        case .contains: "contains(haystack, needle)"
        case .startsWith: "startsWith(text, prefix)"
        }
    }

    /// The known function closest to a misspelt name, if one is close enough to be the
    /// likely intent (at most 2 edits, or a difference of letter case only).
    static func closest(to name: String) -> ExpressionFunction? {
        var best: (function: ExpressionFunction, distance: Int)?
        for function in allCases {
            let d = editDistance(name.lowercased(), function.rawValue.lowercased())
            if best == nil || d < best!.distance { best = (function, d) }
        }
        guard let best, best.distance <= min(2, max(1, name.count / 3)) else {
            return nil
        }
        return best.function
    }
}
