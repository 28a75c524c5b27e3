import HotlineModel

/// Checks a decoded flow before any caller meets it: every node and prompt it names
/// exists, every node can be reached, prompts exist in every language the flow speaks
/// (and their files on disk), expressions and templates parse and use only variables
/// something sets, digit maps are keys a phone has, and no loop can spin without
/// waiting for the caller. Each problem says where, what and what to do.
public struct FlowValidator: Sendable {
    /// What the validator cannot know from the flow alone.
    public struct Context: Sendable {
        /// Other flows a `subflow` node may call.
        public var flows: Set<String>
        /// Whether a prompt file exists (the adapter resolves it against the flow file's directory).
        public var fileExists: @Sendable (String) -> Bool

        public init(flows: Set<String> = [], fileExists: @escaping @Sendable (String) -> Bool = { _ in true }) {
            self.flows = flows
            self.fileExists = fileExists
        }
    }

    /// Variables every call has: the caller's number, the number dialled, the call's
    /// language, the time; and those nodes set (`customer` and `verified` after a verify,
    /// `http` after a request without `into`).
    public static let builtinVariables: Set<String> = [
        "caller", "dialled", "language", "call", "now", "customer", "verified", "verification", "http", "input",
    ]

    public static let keys: Set<Character> = Set("0123456789*#")

    public let context: Context

    public init(context: Context = Context()) { self.context = context }

    public func validate(_ flow: Flow) -> [FlowProblem] {
        var problems: [FlowProblem] = []
        let names = flow.order.map(\.name)

        func checkNode(_ ref: Located<NodeID>, field: String) {
            guard flow.nodes[ref.value] == nil else { return }
            // Closest first (file order among equals); a long flow's list is cut to ten.
            let ranked = names.enumerated().sorted {
                (editDistance($0.element, ref.value.name), $0.offset) < (editDistance($1.element, ref.value.name), $1.offset)
            }.map(\.element)
            let hint = ranked.first.map { editDistance($0, ref.value.name) <= 3 ? "did you mean '\($0)'? " : "" } ?? ""
            let listed = names.count <= 10 ? names.joined(separator: ", ")
                : ranked.prefix(10).joined(separator: ", ") + ", ... (\(names.count) nodes)"
            problems.append(FlowProblem(.unknownNode, at: ref.location, "'\(field)' names node '\(ref.value)', which does not exist",
                                        fix: "\(hint)use one of: \(listed)"))
        }

        // Languages the flow speaks: its own and every language node's options.
        var languages: Set<Language> = [flow.language]
        for node in flow.nodes.values {
            if case .language(let l) = node.kind { languages.formUnion(l.options.values); languages.insert(l.fallback) }
        }
        var checkedPrompts: Set<String> = []
        func checkPrompt(_ ref: Located<String>) {
            guard let prompt = flow.prompts[ref.value] else {
                let known = flow.prompts.keys.sorted()
                let close = known.min { editDistance($0, ref.value) < editDistance($1, ref.value) }
                let hint = close.map { editDistance($0, ref.value) <= 3 ? "did you mean '\($0)'? " : "" } ?? ""
                problems.append(FlowProblem(.missingPrompt, at: ref.location, "prompt '\(ref.value)' is not defined",
                                            fix: "\(hint)add it under 'prompts:' with its text or file per language"))
                return
            }
            guard checkedPrompts.insert(prompt.name).inserted else { return }
            for language in languages.sorted(by: { $0.rawValue < $1.rawValue }) {
                guard let source = prompt.sources[language] else {
                    problems.append(FlowProblem(.missingPrompt, at: prompt.location,
                                                "prompt '\(prompt.name)' has nothing in \(language.rawValue), which this flow speaks",
                                                fix: "add '\(language.rawValue): <text>' (or a file) to it"))
                    continue
                }
                switch source.value {
                case .file(let path):
                    if !context.fileExists(path) {
                        problems.append(FlowProblem(.missingPrompt, at: source.location, "prompt file '\(path)' does not exist",
                                                    fix: "record it there, or fix the path (relative to the flow file)"))
                    }
                case .text(let text):
                    template(Located(text, at: source.location))
                }
            }
        }

        // Variables: everything some node sets, plus the built-ins.
        var defined = Self.builtinVariables
        for node in flow.nodes.values {
            switch node.kind {
            case .set(let assignments): for a in assignments { defined.insert(root(a.variable.value)) }
            case .collect(let c): defined.insert(root(c.variable.value))
            case .lookup(let l): defined.insert(root(l.variable.value))
            case .create(let c): defined.insert(root(c.variable.value))
            case .http(let h): if let v = h.variable { defined.insert(root(v.value)) }
            default: break
            }
        }
        func uses(_ variables: Set<String>, optional: Set<String>, at location: SourceLocation) {
            for v in variables.subtracting(optional).sorted() where !defined.contains(root(v)) {
                problems.append(FlowProblem(.missingVariable, at: location, "variable '\(v)' is never set in this flow",
                                            fix: "set it first (set, collect into, lookup into, http into) or test it with exists(\(v))"))
            }
        }
        func expression(_ text: Located<String>) {
            do {
                let e = try Expression.parse(text.value)
                uses(e.variables, optional: e.optionalVariables, at: text.location)
            } catch {
                problems.append(FlowProblem(.badExpression, at: text.location.advanced(by: error.offset),
                                            "in '\(text.value)': \(error.message)", fix: "correct the expression"))
            }
        }
        func template(_ text: Located<String>) {
            do {
                let t = try Template.parse(text.value)
                uses(t.variables, optional: t.optionalVariables, at: text.location)
            } catch {
                problems.append(FlowProblem(.badExpression, at: text.location.advanced(by: error.offset),
                                            "in '\(text.value)': \(error.message)", fix: "correct the text's {placeholders}"))
            }
        }
        func digitMap(_ keys: [Located<String>], extra: Located<String>?, what: String) {
            var seen: Set<String> = []
            for key in keys + [extra].compactMap({ $0 }) {
                if key.value.count != 1 || !Self.keys.contains(key.value.first!) {
                    problems.append(FlowProblem(.badDigitMap, at: key.location, "'\(key.value)' in \(what) is not a key on a phone",
                                                fix: "use one of 0-9, * or #, quoted (\"1\")"))
                } else if !seen.insert(key.value).inserted {
                    problems.append(FlowProblem(.badDigitMap, at: key.location, "key '\(key.value)' is used twice in \(what)",
                                                fix: "give each key one meaning"))
                }
            }
        }

        checkNode(flow.start, field: "start")
        for id in flow.order {
            guard let node = flow.nodes[id] else { continue }
            let what = "\(node.kind.keyword) node '\(id)'"
            if let next = node.next { checkNode(next, field: "next") }
            switch node.kind {
            case .play(let p):
                p.prompts.forEach(checkPrompt)
            case .say(let s):
                for item in s.items {
                    switch item {
                    case .prompt(let p): checkPrompt(p)
                    case .text(let t): template(t)
                    case .number(let e), .digits(let e), .money(let e, _), .date(let e), .time(let e): expression(e)
                    }
                }
            case .menu(let m):
                checkPrompt(m.prompt)
                [m.invalidPrompt, m.timeoutPrompt].compactMap { $0 }.forEach(checkPrompt)
                digitMap(Array(m.options.keys).sorted { $0.location < $1.location }, extra: m.repeatKey, what: what)
                for (_, target) in m.options.sorted(by: { $0.key.location < $1.key.location }) { checkNode(target, field: "options") }
                checkNode(m.onFailure, field: "on_failure")
            case .collect(let c):
                checkPrompt(c.prompt)
                [c.invalidPrompt, c.timeoutPrompt].compactMap { $0 }.forEach(checkPrompt)
                checkNode(c.onFailure, field: "on_failure")
            case .verify(let v):
                if let identifier = v.identifier { expression(identifier) }
                uses([v.pin.value], optional: [], at: v.pin.location)
                checkNode(v.onFailure, field: "on_failure")
                checkNode(v.onLocked, field: "on_locked")
            case .lookup(let l):
                expression(l.key)
                checkNode(l.onNotFound, field: "on_not_found")
            case .create(let c):
                for (_, t) in c.fields { template(t) }
                checkNode(c.onError, field: "on_error")
            case .http(let h):
                template(h.url)
                for (_, t) in h.body { template(t) }
                checkNode(h.onError, field: "on_error")
                checkNode(h.onTimeout, field: "on_timeout")
            case .set(let assignments):
                for a in assignments { expression(a.expression) }
            case .branch(let b):
                for (condition, target) in b.cases {
                    expression(condition)
                    checkNode(target, field: "then")
                }
                checkNode(b.otherwise, field: "otherwise")
            case .hours(let h):
                checkNode(h.whenOpen, field: "when_open")
                checkNode(h.whenClosed, field: "when_closed")
                if let holiday = h.onHoliday { checkNode(holiday, field: "on_holiday") }
            case .language(let l):
                checkPrompt(l.prompt)
                digitMap(Array(l.options.keys).sorted { $0.location < $1.location }, extra: nil, what: what)
            case .voicemail(let v):
                checkPrompt(v.prompt)
            case .callback(let c):
                checkPrompt(c.prompt)
                if let n = c.number { expression(n) }
                if let t = c.preferredTime { expression(t) }
            case .transfer(let t):
                if let p = t.prompt { checkPrompt(p) }
                if let r = t.reason { template(r) }
            case .subflow(let s):
                if !context.flows.contains(s.flow.value) {
                    problems.append(FlowProblem(.unknownFlow, at: s.flow.location, "flow '\(s.flow.value)' is not loaded",
                                                fix: "add its file to the flows, or use one of: \(context.flows.sorted().joined(separator: ", "))"))
                }
            case .return:
                break
            case .hangup(let h):
                if let p = h.prompt { checkPrompt(p) }
            }
        }

        // A link to a node that does not exist cuts off what it should lead to: those
        // nodes are reported once the link is mended, not as a wall of consequences.
        if !problems.contains(where: { $0.code == .unknownNode }) { problems += reachability(flow) }
        problems += loopsWithoutInput(flow)
        // One source can serve several languages (a file for all): report it once.
        return Array(Set(problems)).sorted()
    }

    private func root(_ path: String) -> String { String(path.split(separator: ".").first ?? Substring(path)) }

    /// Nodes the start cannot lead to.
    private func reachability(_ flow: Flow) -> [FlowProblem] {
        var seen: Set<NodeID> = []
        var stack = [flow.start.value]
        while let id = stack.popLast() {
            guard seen.insert(id).inserted, let node = flow.nodes[id] else { continue }
            stack += Self.successors(node)
        }
        return flow.order.filter { !seen.contains($0) }.compactMap { id in
            flow.nodes[id].map {
                FlowProblem(.unreachableNode, at: $0.location, "node '\(id)' cannot be reached from '\(flow.start.value)'",
                            fix: "lead to it from another node, or remove it")
            }
        }
    }

    /// A cycle through nodes that neither play nor take input would spin for ever.
    private func loopsWithoutInput(_ flow: Flow) -> [FlowProblem] {
        func waits(_ node: FlowNode) -> Bool {
            switch node.kind {
            case .play, .say, .menu, .collect, .language, .voicemail, .callback, .transfer, .hangup, .return: true
            case .verify, .lookup, .create, .http, .set, .branch, .hours, .subflow: false
            }
        }
        var problems: [FlowProblem] = []
        var state: [NodeID: Int] = [:]  // 1 on the path, 2 done
        var path: [NodeID] = []
        var reported: Set<NodeID> = []
        func visit(_ id: NodeID) {
            guard let node = flow.nodes[id], !waits(node) else { return }
            if state[id] == 2 { return }
            if state[id] == 1 {
                let cycle = Array(path.drop { $0 != id })
                if cycle.allSatisfy({ !reported.contains($0) }), let first = cycle.min(by: { flow.nodes[$0]!.location < flow.nodes[$1]!.location }) {
                    reported.formUnion(cycle)
                    problems.append(FlowProblem(.loopWithoutInput, at: flow.nodes[first]!.location,
                                                "the nodes \(cycle.map { "'\($0)'" }.joined(separator: " → ")) → '\(id)' loop without playing anything or waiting for the caller",
                                                fix: "put a prompt, menu or collect in the loop, or a way out of it"))
                }
                return
            }
            state[id] = 1
            path.append(id)
            for next in Self.successors(node) { visit(next) }
            path.removeLast()
            state[id] = 2
        }
        for id in flow.order { visit(id) }
        return problems
    }

    /// Every node a node may lead to.
    static func successors(_ node: FlowNode) -> [NodeID] {
        var out: [NodeID] = node.next.map { [$0.value] } ?? []
        switch node.kind {
        case .menu(let m): out += m.options.values.map(\.value) + [m.onFailure.value]
        case .collect(let c): out.append(c.onFailure.value)
        case .verify(let v): out += [v.onFailure.value, v.onLocked.value]
        case .lookup(let l): out.append(l.onNotFound.value)
        case .create(let c): out.append(c.onError.value)
        case .http(let h): out += [h.onError.value, h.onTimeout.value]
        case .branch(let b): out += b.cases.map(\.node.value) + [b.otherwise.value]
        case .hours(let h): out += [h.whenOpen.value, h.whenClosed.value] + (h.onHoliday.map { [$0.value] } ?? [])
        case .play, .say, .set, .language, .voicemail, .callback, .transfer, .subflow, .return, .hangup: break
        }
        return out
    }
}
