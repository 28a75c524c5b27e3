import HotlineModel

/// Turns a flow file's tree into a ``Flow``: checks the shape (fields, types, values) and
/// reports every problem at its place. Whether names resolve (nodes, prompts, variables)
/// and expressions parse is the validator's job, on the decoded flow.
public enum FlowDecoder {
    /// The flow, when its shape allowed building one, and every problem found.
    public static func decode(_ source: FlowSource, file: String) -> (flow: Flow?, problems: [FlowProblem]) {
        let reader = FlowReader()
        guard let top = reader.mapping(source, what: "the flow file") else { return (nil, reader.problems) }
        let name = top.requireString("flow", example: "telecom")
        _ = top.string("description")
        var language = Language.zhCN
        if let text = top.string("language") {
            if let l = Language(rawValue: text.value) { language = l } else {
                reader.report(FlowProblem(.badValue, at: text.location, "language '\(text.value)' is not one Hotline speaks",
                                          fix: "write zh-CN or en-US"))
            }
        }
        let start = top.requireString("start", example: "<first node>")
        var prompts: [String: PromptDefinition] = [:]
        if let section = top.take("prompts"), let fields = reader.mapping(section, what: "'prompts'") {
            for entry in fields.entries {
                if let p = prompt(entry, reader: reader) { prompts[entry.key] = p }
            }
        }
        var nodes: [NodeID: FlowNode] = [:]
        var order: [NodeID] = []
        if let section = top.require("nodes", example: "(a mapping of node names to nodes)"),
           let fields = reader.mapping(section, what: "'nodes'") {
            for entry in fields.entries {
                _ = fields.take(entry.key)
                let id = NodeID(entry.key)
                guard nodes[id] == nil, let node = node(entry, reader: reader) else { continue }
                nodes[id] = node
                order.append(id)
            }
            if fields.entries.isEmpty {
                reader.report(FlowProblem(.missingField, at: fields.location, "the flow has no nodes",
                                          fix: "add at least one node, e.g. a 'hangup'"))
            }
        }
        top.finish()
        guard let name, let start else { return (nil, reader.problems) }
        let flow = Flow(name: name.value, file: file, language: language,
                        start: Located(NodeID(start.value), at: start.location), prompts: prompts, nodes: nodes,
                        order: order)
        return (flow, reader.problems)
    }

    // MARK: Prompts

    /// `name: "text"` (TTS in the flow's language... every language: the same text),
    /// `name: {zh-CN: ..., en-US: ...}`, where each value is text or `{file: path}`.
    private static func prompt(_ entry: FlowSource.Entry, reader: FlowReader) -> PromptDefinition? {
        var sources: [Language: Located<PromptDefinition.Source>] = [:]
        switch entry.value {
        case .scalar(let text, _, let location):
            for l in Language.allCases { sources[l] = Located(.text(text), at: location) }
        case .mapping:
            guard let fields = reader.mapping(entry.value, what: "prompt '\(entry.key)'") else { return nil }
            if fields.has("file") {
                if let file = fields.string("file") {
                    for l in Language.allCases { sources[l] = Located(.file(file.value), at: file.location) }
                }
            }
            for l in Language.allCases {
                guard let value = fields.take(l.rawValue) else { continue }
                if case .mapping = value, let inner = reader.mapping(value, what: "prompt '\(entry.key)' in \(l.rawValue)") {
                    if let file = inner.requireString("file", example: "prompts/\(entry.key)-\(l.rawValue).wav") {
                        sources[l] = Located(.file(file.value), at: file.location)
                    }
                    inner.finish()
                } else if let text = reader.string(value, what: "prompt '\(entry.key)' in \(l.rawValue)") {
                    sources[l] = Located(.text(text.value), at: text.location)
                }
            }
            fields.finish()
            if sources.isEmpty {
                reader.report(FlowProblem(.missingField, at: entry.keyLocation, "prompt '\(entry.key)' says nothing",
                                          fix: "give its text per language (zh-CN: ..., en-US: ...) or a file: path"))
            }
        default:
            reader.report(FlowProblem(.wrongType, at: entry.value.location,
                                      "prompt '\(entry.key)' must be text or a mapping by language, not \(entry.value.kindDescription)",
                                      fix: "write '\(entry.key): \"text\"' or zh-CN:/en-US: lines under it"))
            return nil
        }
        return PromptDefinition(name: entry.key, location: entry.keyLocation, sources: sources)
    }

    // MARK: Nodes

    /// The node kinds, as their YAML keys.
    public static let keywords = ["play", "say", "menu", "collect", "verify", "lookup", "create", "http", "set", "branch", "hours",
                           "language", "voicemail", "callback", "transfer", "subflow", "return", "hangup"]

    private static func node(_ entry: FlowSource.Entry, reader: FlowReader) -> FlowNode? {
        let id = NodeID(entry.key)
        guard let fields = reader.mapping(entry.value, what: "node '\(entry.key)'") else { return nil }
        let kinds = fields.keys.filter { keywords.contains($0) }
        guard kinds.count == 1, let keyword = kinds.first, let kindEntry = fields.entry(keyword) else {
            reader.report(FlowProblem(kinds.isEmpty ? .missingField : .badValue, at: entry.keyLocation,
                                      kinds.isEmpty ? "node '\(entry.key)' does not say what it does"
                                                    : "node '\(entry.key)' is several kinds at once (\(kinds.joined(separator: ", ")))",
                                      fix: "give it exactly one of: \(keywords.joined(separator: ", "))"))
            return nil
        }
        let next = fields.node("next")
        let what = "\(keyword) node '\(entry.key)'"
        let kind = decodeKind(keyword, kindEntry.value, nodeFields: fields, what: what, reader: reader)
        fields.finish()
        guard let kind else { return nil }
        switch kind {
        case .play, .say, .collect, .verify, .lookup, .create, .http, .set, .language, .voicemail, .callback, .subflow:
            if next == nil {
                reader.report(FlowProblem(.missingField, at: entry.keyLocation, "\(what) has no 'next'",
                                          fix: "add 'next: <node>' for where the call goes after it"))
            }
        case .menu, .branch, .hours, .transfer, .return, .hangup:
            if let next {
                reader.report(FlowProblem(.unknownField, at: next.location, "\(what) does not use 'next'",
                                          fix: "name the nodes in its own fields and remove 'next'"))
            }
        }
        return FlowNode(id: id, location: entry.keyLocation, kind: kind, next: next)
    }

    private static func decodeKind(_ keyword: String, _ value: FlowSource, nodeFields: Fields, what: String,
                                   reader: FlowReader) -> FlowNode.Kind? {
        // A scalar stands for the kind's main field: `play: welcome`, `subflow: verify_pin`.
        func fields() -> Fields? { reader.mapping(value, what: what) }
        switch keyword {
        case "play":
            if case .mapping = value, let f = fields() {
                let prompts = f.require("prompts", example: "[welcome]").flatMap { reader.list($0, what: "'prompts' of \(what)") }?
                    .compactMap { reader.string($0, what: "a prompt of \(what)") } ?? []
                let play = Play(prompts: prompts, bargeIn: f.bool("barge_in", default: false))
                f.finish()
                return .play(play)
            }
            let prompts = reader.list(value, what: what)?.compactMap { reader.string($0, what: "a prompt of \(what)") } ?? []
            return .play(Play(prompts: prompts, bargeIn: false))
        case "say":
            guard let items = reader.list(value, what: what) else { return nil }
            var out: [Say.Item] = []
            for item in items {
                guard let f = reader.mapping(item, what: "an item of \(what)") else { continue }
                let kinds = ["prompt", "text", "number", "digits", "money", "date", "time"].filter { f.has($0) }
                guard kinds.count == 1, let k = kinds.first, let v = f.string(k) else {
                    reader.report(FlowProblem(.badValue, at: item.location, "an item of \(what) must say one thing",
                                              fix: "write one of prompt:, text:, number:, digits:, money:, date:, time:"))
                    continue
                }
                switch k {
                case "prompt": out.append(.prompt(v))
                case "text": out.append(.text(v))
                case "number": out.append(.number(v))
                case "digits": out.append(.digits(v))
                case "date": out.append(.date(v))
                case "time": out.append(.time(v))
                default:
                    let currency = f.string("currency")?.value ?? "CNY"
                    if !["CNY", "USD"].contains(currency) {
                        reader.report(FlowProblem(.badValue, at: f.location, "currency '\(currency)' is not one Hotline says",
                                                  fix: "write CNY or USD"))
                    }
                    out.append(.money(v, currency: currency))
                }
                f.finish()
            }
            return .say(Say(items: out, bargeIn: nodeFields.bool("barge_in", default: false)))
        case "menu":
            guard let f = fields() else { return nil }
            let prompt = f.requireString("prompt", example: "main_menu")
            var options: [Located<String>: Located<NodeID>] = [:]
            if let o = f.require("options", example: "{\"1\": balance, \"0\": agent}"),
               let of = reader.mapping(o, what: "'options' of \(what)") {
                for e in of.entries {
                    _ = of.take(e.key)
                    if let target = reader.string(e.value, what: "option '\(e.key)' of \(what)") {
                        options[Located(e.key, at: e.keyLocation)] = Located(NodeID(target.value), at: target.location)
                    }
                }
            }
            let menu = Menu(prompt: prompt ?? Located("", at: f.location), options: options,
                            timeoutMilliseconds: f.integer("timeout_ms", default: 5000, range: 500...60000),
                            tries: f.integer("tries", default: 3, range: 1...10),
                            invalidPrompt: f.string("invalid_prompt"), timeoutPrompt: f.string("timeout_prompt"),
                            bargeIn: f.bool("barge_in", default: true), repeatKey: f.string("repeat_key"),
                            onFailure: f.requireNode("on_failure") ?? Located("", at: f.location))
            f.finish()
            return prompt == nil ? nil : .menu(menu)
        case "collect":
            guard let f = fields() else { return nil }
            let prompt = f.requireString("prompt", example: "enter_pin")
            let variable = f.requireString("into", example: "pin")
            var terminator: Character? = "#"
            if let t = f.take("terminator"), let text = reader.string(t, what: "'terminator' of \(what)") {
                if text.value.isEmpty || text.value == "none" { terminator = nil }
                else if text.value.count == 1, "0123456789*#".contains(text.value) { terminator = text.value.first }
                else {
                    reader.report(FlowProblem(.badValue, at: text.location, "terminator '\(text.value)' is not a key",
                                              fix: "write one key (# or *) or none"))
                }
            }
            let minimum = f.integer("min", default: 1, range: 1...64)
            let maximum = f.integer("max", default: 20, range: 1...64)
            if minimum > maximum {
                reader.report(FlowProblem(.badValue, at: f.location, "'min' (\(minimum)) is more than 'max' (\(maximum))",
                                          fix: "make min at most max"))
            }
            let collect = Collect(prompt: prompt ?? Located("", at: f.location), variable: variable ?? Located("", at: f.location),
                                  minimumLength: minimum, maximumLength: maximum, terminator: terminator,
                                  firstDigitTimeoutMilliseconds: f.integer("first_digit_timeout_ms", default: 8000, range: 500...120000),
                                  interDigitTimeoutMilliseconds: f.integer("inter_digit_timeout_ms", default: 4000, range: 500...60000),
                                  secret: f.bool("secret", default: false), tries: f.integer("tries", default: 3, range: 1...10),
                                  invalidPrompt: f.string("invalid_prompt"), timeoutPrompt: f.string("timeout_prompt"),
                                  onFailure: f.requireNode("on_failure") ?? Located("", at: f.location))
            f.finish()
            return prompt == nil || variable == nil ? nil : .collect(collect)
        case "verify":
            guard let f = fields() else { return nil }
            var method = Verify.Method.account
            if let m = f.requireString("by", example: "account") {
                if let v = Verify.Method(rawValue: m.value) { method = v } else {
                    reader.report(FlowProblem(.badValue, at: m.location, "'by: \(m.value)' is not a way to identify a caller",
                                              fix: "write one of: \(Verify.Method.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            }
            let identifier = f.string("number")
            if method != .callerID, identifier == nil {
                reader.report(FlowProblem(.missingField, at: f.location, "\(what) verifies by \(method.rawValue) but has no 'number'",
                                          fix: "add 'number: <variable with the \(method.rawValue) number>'"))
            }
            let pin = f.requireString("pin", example: "pin")
            let verify = Verify(method: method, identifier: identifier, pin: pin ?? Located("", at: f.location),
                                onFailure: f.requireNode("on_failure") ?? Located("", at: f.location),
                                onLocked: f.requireNode("on_locked") ?? Located("", at: f.location))
            f.finish()
            return pin == nil ? nil : .verify(verify)
        case "lookup":
            guard let f = fields() else { return nil }
            var record = Lookup.Record.customer
            if let r = f.requireString("record", example: "balance") {
                if let v = Lookup.Record(rawValue: r.value) { record = v } else {
                    reader.report(FlowProblem(.badValue, at: r.location, "'record: \(r.value)' is not something Hotline looks up",
                                              fix: "write one of: \(Lookup.Record.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            }
            let key = f.requireString("by", example: "customer.id")
            let variable = f.requireString("into", example: "balance")
            let lookup = Lookup(record: record, key: key ?? Located("", at: f.location),
                                variable: variable ?? Located("", at: f.location),
                                onNotFound: f.requireNode("on_not_found") ?? Located("", at: f.location))
            f.finish()
            return key == nil || variable == nil ? nil : .lookup(lookup)
        case "create":
            guard let f = fields() else { return nil }
            var record: Create.Record?
            if let r = f.requireString("record", example: "ticket") {
                record = Create.Record(rawValue: r.value)
                if record == nil {
                    reader.report(FlowProblem(.badValue, at: r.location, "'record: \(r.value)' is not something a flow creates",
                                              fix: "write one of: \(Create.Record.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            }
            var values: [(key: String, template: Located<String>)] = []
            if let b = f.require("fields", example: "{category: broadband, kind: \"{fault}\"}"),
               let bf = reader.mapping(b, what: "'fields' of \(what)") {
                for e in bf.entries {
                    _ = bf.take(e.key)
                    if let record, !(record.requiredFields + record.optionalFields).contains(e.key) {
                        reader.report(FlowProblem(.unknownField, at: e.keyLocation, "a \(record.rawValue) has no field '\(e.key)'",
                                                  fix: "use \((record.requiredFields + record.optionalFields).joined(separator: ", "))"))
                        continue
                    }
                    if let t = reader.string(e.value, what: "field '\(e.key)' of \(what)") { values.append((e.key, t)) }
                }
                if let record {
                    for name in record.requiredFields where !values.contains(where: { $0.key == name }) {
                        reader.report(FlowProblem(.missingField, at: b.location, "a \(record.rawValue) needs '\(name)' in 'fields' of \(what)",
                                                  fix: "add '\(name): <text or {variable}>'"))
                    }
                }
            }
            let variable = f.requireString("into", example: "ticket")
            let onError = f.requireNode("on_error")
            f.finish()
            guard let record, let variable, let onError else { return nil }
            return .create(Create(record: record, fields: values, variable: variable, onError: onError))
        case "http":
            guard let f = fields() else { return nil }
            let method = (f.string("method")?.value ?? "GET").uppercased()
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) {
                reader.report(FlowProblem(.badValue, at: f.location, "HTTP method '\(method)' is not supported",
                                          fix: "write GET, POST, PUT, PATCH or DELETE"))
            }
            let url = f.requireString("url", example: "\"https://crm.example/customers/{customer.id}\"")
            var body: [(key: String, template: Located<String>)] = []
            if let b = f.take("body"), let bf = reader.mapping(b, what: "'body' of \(what)") {
                for e in bf.entries {
                    _ = bf.take(e.key)
                    if let t = reader.string(e.value, what: "body field '\(e.key)'") { body.append((e.key, t)) }
                }
            }
            let onError = f.requireNode("on_error") ?? Located("", at: f.location)
            let request = HTTPRequest(method: method, url: url ?? Located("", at: f.location), body: body,
                                      variable: f.string("into"),
                                      timeoutMilliseconds: f.integer("timeout_ms", default: 3000, range: 100...30000),
                                      onError: onError, onTimeout: f.node("on_timeout") ?? onError)
            f.finish()
            return url == nil ? nil : .http(request)
        case "set":
            guard let f = fields() else { return nil }
            var assignments: [Assignment] = []
            for e in f.entries {
                _ = f.take(e.key)
                if let v = reader.string(e.value, what: "'\(e.key)' of \(what)") {
                    assignments.append(Assignment(variable: Located(e.key, at: e.keyLocation), expression: v))
                }
            }
            return .set(assignments)
        case "branch":
            guard let items = reader.list(value, what: what) else { return nil }
            var cases: [(condition: Located<String>, node: Located<NodeID>)] = []
            var otherwise: Located<NodeID>?
            for item in items {
                guard let f = reader.mapping(item, what: "a case of \(what)") else { continue }
                if f.has("otherwise") {
                    otherwise = f.node("otherwise")
                } else if let condition = f.requireString("if", example: "balance < 0"), let node = f.requireNode("then") {
                    cases.append((condition, node))
                }
                f.finish()
            }
            guard let otherwise else {
                reader.report(FlowProblem(.missingField, at: value.location, "\(what) has no 'otherwise' case",
                                          fix: "end the list with '- otherwise: <node>' for when no condition holds"))
                return nil
            }
            return .branch(Branch(cases: cases, otherwise: otherwise))
        case "language":
            guard let f = fields() else { return nil }
            let prompt = f.requireString("prompt", example: "choose_language")
            var options: [Located<String>: Language] = [:]
            if let o = f.require("options", example: "{\"1\": zh-CN, \"2\": en-US}"),
               let of = reader.mapping(o, what: "'options' of \(what)") {
                for e in of.entries {
                    _ = of.take(e.key)
                    guard let t = reader.string(e.value, what: "option '\(e.key)'") else { continue }
                    if let l = Language(rawValue: t.value) { options[Located(e.key, at: e.keyLocation)] = l } else {
                        reader.report(FlowProblem(.badValue, at: t.location, "'\(t.value)' is not a language Hotline speaks",
                                                  fix: "write zh-CN or en-US"))
                    }
                }
            }
            var fallback = Language.zhCN
            if let d = f.string("default") {
                if let l = Language(rawValue: d.value) { fallback = l } else {
                    reader.report(FlowProblem(.badValue, at: d.location, "'\(d.value)' is not a language Hotline speaks",
                                              fix: "write zh-CN or en-US"))
                }
            }
            let choice = LanguageChoice(prompt: prompt ?? Located("", at: f.location), options: options,
                                        timeoutMilliseconds: f.integer("timeout_ms", default: 5000, range: 500...60000),
                                        fallback: fallback)
            f.finish()
            return prompt == nil ? nil : .language(choice)
        case "voicemail":
            guard let f = fields() else { return nil }
            let prompt = f.requireString("prompt", example: "leave_message")
            let v = Voicemail(prompt: prompt ?? Located("", at: f.location),
                              maximumSeconds: f.integer("max_seconds", default: 120, range: 5...600))
            f.finish()
            return prompt == nil ? nil : .voicemail(v)
        case "callback":
            guard let f = fields() else { return nil }
            let prompt = f.requireString("prompt", example: "callback_confirm")
            let c = Callback(prompt: prompt ?? Located("", at: f.location), number: f.string("number"),
                             preferredTime: f.string("preferred_time"))
            f.finish()
            return prompt == nil ? nil : .callback(c)
        case "transfer":
            guard let f = fields() else { return nil }
            let queue = f.requireString("queue", example: "telecom")
            let skills = f.take("skills").flatMap { reader.list($0, what: "'skills' of \(what)") }?
                .compactMap { reader.string($0, what: "a skill") } ?? []
            let t = Transfer(queue: queue ?? Located("", at: f.location), skills: skills,
                             priority: f.integer("priority", default: 5, range: 1...10), prompt: f.string("prompt"),
                             reason: f.string("reason"))
            f.finish()
            return queue == nil ? nil : .transfer(t)
        case "subflow":
            guard let name = reader.string(value, what: what) else { return nil }
            return .subflow(Subflow(flow: name))
        case "return":
            return .return
        case "hangup":
            if case .mapping = value, let f = fields() {
                let h = Hangup(prompt: f.string("prompt"), outcome: f.string("outcome")?.value)
                f.finish()
                return .hangup(h)
            }
            return .hangup(Hangup(prompt: reader.string(value, what: what), outcome: nil))
        case "hours":
            return hours(value, what: what, reader: reader)
        default:
            return nil
        }
    }
}
