/// Text with `{expression}` placeholders, for the URLs and JSON bodies of HTTP lookups
/// and the sentences spoken by text-to-speech:
///
/// ```
/// Your balance is {balance} yuan
/// https://crm.example/customers/{customer.id}?full={verbose}
/// {{"id": "{customer.id}"}}
/// ```
///
/// A placeholder holds any ``Expression`` (`{upper(customer.name)}`, `{amount * 100}`);
/// `{{` and `}}` are literal braces. Values are substituted as their
/// ``FlowValue/description`` (so a missing variable leaves nothing), escaped as the
/// destination needs (``TemplateEscape``). Error offsets count `Character`s from the
/// start of the template.
public struct Template: Hashable, Sendable, CustomStringConvertible {
    enum Segment: Hashable, Sendable {
        case text(String)
        case placeholder(Expression)
    }

    /// The text as written.
    public let source: String
    let segments: [Segment]
    /// The variable paths the placeholders need (see ``Expression/variables``).
    public let variables: Set<String>
    /// The paths placeholders test with `exists(...)`.
    public let optionalVariables: Set<String>

    /// Parses `text`, throwing the first problem found with its offset in `text`.
    public static func parse(_ text: String) throws(ExpressionError) -> Template {
        let characters = Array(text)
        guard characters.count <= ExpressionLimits.maxTemplateLength else {
            throw ExpressionError(.tooLong, at: ExpressionLimits.maxTemplateLength, "the template is \(characters.count) characters long, more than the \(ExpressionLimits.maxTemplateLength) allowed; shorten it")
        }
        var segments: [Segment] = []
        var literal = ""
        var i = 0
        while i < characters.count {
            let c = characters[i]
            let next: Character? = i + 1 < characters.count ? characters[i + 1] : nil
            if c == "{", next == "{" {
                literal.append("{")
                i += 2
            } else if c == "}", next == "}" {
                literal.append("}")
                i += 2
            } else if c == "}" {
                throw ExpressionError(.unmatchedBrace, at: i, "'}' closes no placeholder; write '}}' for a literal brace")
            } else if c == "{" {
                var parser = ExpressionParser(characters, from: i + 1, to: characters.count)
                guard let root = try parser.parsePlaceholder(openingAt: i) else {
                    throw ExpressionError(.unclosedPlaceholder, at: i, "the placeholder '{' is not closed; add '}' after the expression, or write '{{' for a literal brace")
                }
                // The parser stops just past the closing `}`.
                let end = parser.position
                let length = end - 1 - (i + 1)
                guard length <= ExpressionLimits.maxLength else {
                    throw ExpressionError(.tooLong, at: i, "the placeholder is \(length) characters long, more than the \(ExpressionLimits.maxLength) allowed; compute the value in a 'set' node first")
                }
                if !literal.isEmpty {
                    segments.append(.text(literal))
                    literal = ""
                }
                let source = String(characters[(i + 1)..<(end - 1)])
                segments.append(.placeholder(Expression(source: source, root: root)))
                i = end
            } else {
                literal.append(c)
                i += 1
            }
        }
        if !literal.isEmpty { segments.append(.text(literal)) }
        return Template(source: text, segments: segments)
    }

    init(source: String, segments: [Segment]) {
        self.source = source
        self.segments = segments
        var read = Set<String>(), tested = Set<String>()
        for case .placeholder(let expression) in segments {
            read.formUnion(expression.variables)
            tested.formUnion(expression.optionalVariables)
        }
        optionalVariables = tested
        variables = read.filter { path in
            !tested.contains { path == $0 || path.hasPrefix($0 + ".") }
        }
    }

    /// Substitutes each placeholder's value, escaped with `escape`; literal text is kept
    /// as written. Throws the first placeholder's evaluation error (offsets into the
    /// template).
    public func render(
        _ lookup: (String) -> FlowValue?, escape: TemplateEscape = .none
    ) throws(ExpressionError) -> String {
        var output = ""
        for segment in segments {
            switch segment {
            case .text(let text):
                output += text
            case .placeholder(let expression):
                output += escape.apply(to: try expression.evaluate(lookup).description)
            }
        }
        return output
    }

    public var description: String { source }
}
