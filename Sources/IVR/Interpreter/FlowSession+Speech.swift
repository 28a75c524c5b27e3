import HotlineModel

/// Turning prompts and `say` items into what the caller hears, in the call's language,
/// and evaluating expressions against the call's variables.
extension FlowSession {
    /// A variable as expressions see it: `language` and `now` are always current.
    func value(of path: String) -> FlowValue? {
        switch path {
        case "language": .string(language.rawValue)
        case "now": .number(Double(clock.millisecondsSinceEpoch))
        default: variables[path]
        }
    }

    func evaluate(_ text: String) throws(ExpressionError) -> FlowValue {
        let expression = try Expression.parse(text)
        return try expression.evaluate { value(of: $0) }
    }

    func render(_ text: String, escape: TemplateEscape) throws(ExpressionError) -> String {
        let template = try Template.parse(text)
        return try template.render({ value(of: $0) }, escape: escape)
    }

    var sayLanguage: SayLanguage {
        switch language {
        case .zhCN: .zhCN
        case .enUS: .enUS
        }
    }

    /// A named prompt of the current flow in the call's language (the flow's own
    /// language when the prompt lacks it). A prompt that is missing or whose text does
    /// not render is left out: the validator reports both before a flow is served.
    func promptItems(_ name: String) -> [SpokenItem] {
        promptItems(name, in: language)
    }

    func promptItems(_ name: String, in language: Language) -> [SpokenItem] {
        guard let prompt = flow.prompts[name],
              let source = prompt.sources[language] ?? prompt.sources[flow.language] else { return [] }
        switch source.value {
        case .file(let file):
            return [.file(Self.resolve(file, against: flow.file))]
        case .text(let text):
            guard let words = try? render(text, escape: .none), !words.isEmpty else { return [] }
            return [.text(words, prompt.sources[language] != nil ? language : flow.language)]
        }
    }

    /// A language node's prompt: said in each language it offers, each in its own voice
    /// (in the order of their keys), so every caller hears their language's choice.
    func languageChoiceItems(_ choice: LanguageChoice) -> [SpokenItem] {
        var languages: [Language] = []
        for (_, language) in choice.options.sorted(by: { $0.key.value < $1.key.value }) where !languages.contains(language) {
            languages.append(language)
        }
        var items: [SpokenItem] = []
        var files: Set<String> = []
        for language in languages {
            for item in promptItems(choice.prompt.value, in: language) {
                // A recorded file shared by every language is played once.
                if case .file(let path) = item, !files.insert(path).inserted { continue }
                items.append(item)
            }
        }
        return items
    }

    /// A prompt file's path relative to the flow file's directory.
    static func resolve(_ file: String, against flowFile: String) -> String {
        guard !file.hasPrefix("/"), let slash = flowFile.lastIndex(of: "/") else { return file }
        return String(flowFile[...slash]) + file
    }

    /// A `say` node's items. An item whose value cannot be said (a date that does not
    /// exist, text where a number belongs) is left out rather than said wrong.
    func sayItems(_ say: Say) -> [SpokenItem] {
        var items: [SpokenItem] = []
        for item in say.items {
            switch item {
            case .prompt(let name):
                items += promptItems(name.value)
            case .text(let text):
                if let words = try? render(text.value, escape: .none), !words.isEmpty {
                    items.append(.text(words, language))
                }
            case .number(let e):
                if let n = number(e.value) { items.append(.text(sayNumber(n), language)) }
            case .digits(let e):
                if let value = try? evaluate(e.value) {
                    let words = SayText.digits(value.description, sayLanguage)
                    if !words.isEmpty { items.append(.text(words, language)) }
                }
            case .money(let e, let currency):
                if let n = number(e.value), abs(n) < 9e16 {
                    let minor = Int64((n * 100).rounded())
                    items.append(.text(SayText.money(minorUnits: minor, currency: currency, sayLanguage), language))
                }
            case .date(let e):
                if let parts = fields(e.value, separator: "-", count: 3),
                   let words = SayText.date(year: parts[0], month: parts[1], day: parts[2], sayLanguage) {
                    items.append(.text(words, language))
                }
            case .time(let e):
                if let parts = fields(e.value, separator: ":", count: 2),
                   let words = SayText.time(hour: parts[0], minute: parts[1], sayLanguage) {
                    items.append(.text(words, language))
                }
            }
        }
        return items
    }

    /// An expression's value as a number (numbers, and text that reads as one).
    private func number(_ expression: String) -> Double? {
        switch try? evaluate(expression) {
        case .number(let n)?: n.isFinite ? n : nil
        case .string(let s)?: Double(s).flatMap { $0.isFinite ? $0 : nil }
        case .bool?, .list?, .record?, .null?, nil: nil
        }
    }

    /// Whole numbers as cardinals; others as the whole part, "point" and each decimal digit.
    private func sayNumber(_ n: Double) -> String {
        let magnitude = abs(n)
        guard magnitude < 9e15 else { return SayText.digits(FlowValue.number(n).description, sayLanguage) }
        let whole = Int64(magnitude.rounded(.towardZero))
        var words = SayText.number(whole, sayLanguage)
        let text = FlowValue.number(magnitude).description
        if let dot = text.firstIndex(of: ".") {
            let decimals = SayText.digits(String(text[text.index(after: dot)...]), sayLanguage)
            words += sayLanguage == .enUS ? " point \(decimals)" : "点\(decimals.replacingSpaces())"
        }
        guard n < 0 else { return words }
        return sayLanguage == .enUS ? "minus \(words)" : "负\(words)"
    }

    /// `2026-11-25` or `14:30` as its integer fields.
    private func fields(_ expression: String, separator: Character, count: Int) -> [Int]? {
        guard let value = try? evaluate(expression) else { return nil }
        let parts = value.description.split(separator: separator, omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == count, parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.map { $0! }
    }
}

private extension String {
    func replacingSpaces() -> String { String(filter { $0 != " " }) }
}
