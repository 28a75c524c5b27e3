/// A token of the expression language, with the offset of its first character.
struct ExpressionToken: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case number(Double)
        case string(String)
        /// An identifier or a dotted path: `balance`, `customer.tier`, `bills.0.amount`.
        case path([String])
        case keyword(Keyword)
        case symbol(Symbol)
        /// The end of the text (or of the placeholder's range in a template).
        case end
    }

    enum Keyword: String, Hashable, Sendable {
        case `true`, `false`, null, and, or, not
    }

    enum Symbol: String, Hashable, Sendable {
        case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case andAnd = "&&", orOr = "||", bang = "!"
        case leftParen = "(", rightParen = ")", comma = ","
        /// Closes a template placeholder; an error anywhere else.
        case rightBrace = "}"
    }

    var kind: Kind
    var offset: Int
    /// The token as written, for messages.
    var text: String
}

/// Splits expression text into tokens on demand, so a template can stop at the `}` that
/// closes a placeholder and resume reading literal text after it.
struct ExpressionLexer {
    let characters: [Character]
    /// The next character to read.
    private(set) var position: Int
    let end: Int

    init(_ characters: [Character], from start: Int, to end: Int) {
        self.characters = characters
        self.position = start
        self.end = end
    }

    mutating func next() throws(ExpressionError) -> ExpressionToken {
        while position < end, characters[position].isWhitespace { position += 1 }
        let start = position
        guard position < end else { return ExpressionToken(kind: .end, offset: end, text: "end of expression") }
        let c = characters[position]

        if c.isASCIIDigit { return try number(from: start) }
        if c.isIdentifierStart { return path(from: start) }
        if c == "'" || c == "\"" { return try string(from: start, quote: c) }

        position += 1
        let following: Character? = position < end ? characters[position] : nil
        func symbol(_ s: ExpressionToken.Symbol, length: Int = 1) -> ExpressionToken {
            position = start + length
            return ExpressionToken(kind: .symbol(s), offset: start, text: s.rawValue)
        }
        switch c {
        case "+": return symbol(.plus)
        case "-": return symbol(.minus)
        case "*": return symbol(.star)
        case "/": return symbol(.slash)
        case "%": return symbol(.percent)
        case "(": return symbol(.leftParen)
        case ")": return symbol(.rightParen)
        case ",": return symbol(.comma)
        case "}": return symbol(.rightBrace)
        case "<": return following == "=" ? symbol(.lessEqual, length: 2) : symbol(.less)
        case ">": return following == "=" ? symbol(.greaterEqual, length: 2) : symbol(.greater)
        case "!": return following == "=" ? symbol(.notEqual, length: 2) : symbol(.bang)
        case "=":
            if following == "=" { return symbol(.equal, length: 2) }
            throw ExpressionError(.unexpectedCharacter, at: start, "unexpected '='; use '==' to compare (a flow sets variables with a 'set' node)")
        case "&":
            if following == "&" { return symbol(.andAnd, length: 2) }
            throw ExpressionError(.unexpectedCharacter, at: start, "unexpected '&'; use '&&' or 'and'")
        case "|":
            if following == "|" { return symbol(.orOr, length: 2) }
            throw ExpressionError(.unexpectedCharacter, at: start, "unexpected '|'; use '||' or 'or'")
        default:
            throw ExpressionError(.unexpectedCharacter, at: start, "unexpected character '\(c)'; remove it, or quote it if it is part of a string")
        }
    }

    /// `12` or `12.5`: digits, then optionally a point and more digits.
    private mutating func number(from start: Int) throws(ExpressionError) -> ExpressionToken {
        while position < end, characters[position].isASCIIDigit { position += 1 }
        if position + 1 < end, characters[position] == ".", characters[position + 1].isASCIIDigit {
            position += 1
            while position < end, characters[position].isASCIIDigit { position += 1 }
        }
        if position < end, characters[position].isIdentifierPart {
            // `3abc`, `1e5`: not a number, and not a name either.
            while position < end, characters[position].isIdentifierPart { position += 1 }
            let text = String(characters[start..<position])
            throw ExpressionError(.invalidNumber, at: start, "'\(text)' is not a number; write digits with an optional decimal point (12, 12.5), and start variable names with a letter")
        }
        let text = String(characters[start..<position])
        guard let value = Double(text), value.isFinite else {
            throw ExpressionError(.invalidNumber, at: start, "the number '\(text)' is too large; use a smaller number")
        }
        return ExpressionToken(kind: .number(value), offset: start, text: text)
    }

    /// A name, a keyword, or a dotted path whose segments after the first may also be
    /// list indices (`bills.0.amount`) or words that are keywords elsewhere (`input.not`).
    private mutating func path(from start: Int) -> ExpressionToken {
        var segments: [String] = []
        var segmentStart = start
        while true {
            while position < end, characters[position].isIdentifierPart { position += 1 }
            segments.append(String(characters[segmentStart..<position]))
            guard position + 1 < end, characters[position] == ".",
                  characters[position + 1].isIdentifierPart else { break }
            position += 1
            segmentStart = position
        }
        let text = String(characters[start..<position])
        if segments.count == 1, let keyword = ExpressionToken.Keyword(rawValue: text) {
            return ExpressionToken(kind: .keyword(keyword), offset: start, text: text)
        }
        return ExpressionToken(kind: .path(segments), offset: start, text: text)
    }

    /// A quoted string with `\\`, `\'`, `\"`, `\n` and `\t` escapes.
    private mutating func string(from start: Int, quote: Character) throws(ExpressionError) -> ExpressionToken {
        position += 1
        var value = ""
        while position < end {
            let c = characters[position]
            if c == quote {
                position += 1
                return ExpressionToken(kind: .string(value), offset: start, text: String(characters[start..<position]))
            }
            if c == "\\" {
                guard position + 1 < end else { break }
                switch characters[position + 1] {
                case "\\": value.append("\\")
                case "'": value.append("'")
                case "\"": value.append("\"")
                case "n": value.append("\n")
                case "t": value.append("\t")
                case let other:
                    throw ExpressionError(.invalidEscape, at: position, "unknown escape '\\\(other)'; use \\\\, \\', \\\", \\n or \\t (write \\\\ for a backslash)")
                }
                position += 2
                continue
            }
            value.append(c)
            position += 1
        }
        throw ExpressionError(.unterminatedString, at: start, "string starting here is not closed; add the closing \(quote)")
    }
}

fileprivate extension Character {
    var isASCIIDigit: Bool { isASCII && ("0"..."9").contains(self) }
    /// Names may use any letter (flows are written in many languages) and `_`.
    var isIdentifierStart: Bool { isLetter || self == "_" }
    var isIdentifierPart: Bool { isIdentifierStart || isASCIIDigit }
}
