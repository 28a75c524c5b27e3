import MediaNetwork
import SIPMessage
import SIPNetwork
import ACD
import IVR
import HotlineModel
import Yams

/// Reads a `HotlineConfiguration` from YAML, reporting every problem as
/// `file:line:column: key: what is wrong; what to do`. Unknown keys are errors, so a
/// misspelt setting never silently falls back to its default.
public struct ConfigurationReader {
    public let file: String

    public init(file: String) { self.file = file }

    public func read(yaml text: String, into base: HotlineConfiguration = HotlineConfiguration()) throws(ConfigurationError) -> HotlineConfiguration {
        let root = try compose(text)
        var config = base
        guard let root else { return config }
        let top = try mapping(root, key: nil)
        for (keyNode, value) in top {
            let key = try scalarKey(keyNode)
            switch key {
            case "sip": try readSIP(value, &config)
            case "http": try readHTTP(value, &config)
            case "media": try readMedia(value, &config)
            case "data_dir": config.dataDirectory = try string(value, key: key)
            case "log_level": config.logLevel = try logLevel(value, key: key)
            case "lines": config.lines = try readLines(value)
            case "agents": config.agents = try readAgents(value)
            case "ivr": try readIVR(value, &config)
            case "queues": config.queues = try readQueues(value)
            case "trunk": config.trunk = try readTrunk(value)
            case "desktop": try readDesktop(value, &config)
            case "webhooks": config.webhooks = try readWebhooks(value)
            default:
                throw unknownKey(keyNode, key, in: nil, known: ["sip", "http", "media", "ivr", "data_dir", "log_level", "lines", "agents", "queues",
                                                                 "trunk", "desktop", "webhooks"])
            }
        }
        return config
    }

    // MARK: Sections

    /// `desktop:`: supervisors' teams, the wrap-up dispositions and the not-ready reasons.
    private func readDesktop(_ node: Node, _ c: inout HotlineConfiguration) throws(ConfigurationError) {
        for (k, v) in try mapping(node, key: "desktop") {
            let key = try scalarKey(k)
            switch key {
            case "dispositions": c.dispositions = try codeLabels(v, key: "desktop.dispositions")
            case "reasons":
                c.reasons = try codeLabels(v, key: "desktop.reasons")
                let routing: Set<String> = ["missed-call", "phone-unavailable", "login", "supervisor"]
                if let taken = c.reasons.first(where: { routing.contains($0.code) }) {
                    throw error(v, "desktop.reasons", "'\(taken.code)' is a reason routing sets itself; choose another code")
                }
            case "teams":
                guard case .sequence(let items) = v else { throw error(v, "desktop.teams", "must be a list of teams (`- name: north`)") }
                var teams: [HotlineConfiguration.Team] = []
                for (i, item) in items.enumerated() {
                    let path = "desktop.teams[\(i)]"
                    var team = HotlineConfiguration.Team(name: "", supervisors: [], agents: [])
                    for (tk, tv) in try mapping(item, key: path) {
                        switch try scalarKey(tk) {
                        case "name": team.name = try string(tv, key: "\(path).name")
                        case "supervisors": team.supervisors = try stringList(tv, key: "\(path).supervisors")
                        case "agents": team.agents = try stringList(tv, key: "\(path).agents")
                        case let other: throw unknownKey(tk, other, in: path, known: ["name", "supervisors", "agents"])
                        }
                    }
                    guard !team.name.isEmpty, !team.supervisors.isEmpty else {
                        throw error(item, path, "a team needs a name and at least one supervisor (`supervisors: [\"2001\"]`)")
                    }
                    teams.append(team)
                }
                c.teams = teams
            default: throw unknownKey(k, key, in: "desktop", known: ["dispositions", "reasons", "teams"])
            }
        }
    }

    /// `webhooks:`: where the event stream is POSTed, signed with each one's secret.
    private func readWebhooks(_ node: Node) throws(ConfigurationError) -> [WebhookConfiguration] {
        guard case .sequence(let items) = node else { throw error(node, "webhooks", "must be a list (`- url: https://crm.example/hotline`)") }
        var out: [WebhookConfiguration] = []
        for (i, item) in items.enumerated() {
            let path = "webhooks[\(i)]"
            var hook = WebhookConfiguration(url: "", secret: "")
            for (k, v) in try mapping(item, key: path) {
                let key = try scalarKey(k)
                switch key {
                case "url":
                    let url = try string(v, key: "\(path).url")
                    let lower = url.lowercased()
                    guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), url.count > 8, !url.contains(" ") else {
                        throw error(v, "\(path).url", "'\(url)' is not an http:// or https:// URL")
                    }
                    hook.url = url
                case "secret":
                    hook.secret = try string(v, key: "\(path).secret")
                    guard hook.secret.utf8.count >= 16 else {
                        throw error(v, "\(path).secret", "is shorter than 16 characters; use a long random secret (openssl rand -hex 32)")
                    }
                case "types":
                    let types = try stringList(v, key: "\(path).types")
                    if let unknown = types.first(where: { !EventType.all.contains($0) }) {
                        throw error(v, "\(path).types", "'\(unknown)' is not an event type; use \(EventType.all.sorted().joined(separator: ", "))")
                    }
                    hook.types = Set(types)
                case "max_attempts": hook.maximumAttempts = try int(v, key: "\(path).max_attempts", range: 1...20)
                default: throw unknownKey(k, key, in: path, known: ["url", "secret", "types", "max_attempts"])
                }
            }
            guard !hook.url.isEmpty else { throw error(item, path, "has no url; add `url: https://...`") }
            guard !hook.secret.isEmpty else { throw error(item, path, "has no secret; add `secret: ...` (receivers check the signature with it)") }
            out.append(hook)
        }
        return out
    }

    /// `[{code: resolved, zh: 已解决, en: Resolved}, ...]`: codes with both labels.
    private func codeLabels(_ node: Node, key: String) throws(ConfigurationError) -> [CodeLabel] {
        guard case .sequence(let items) = node, !items.isEmpty else {
            throw error(node, key, "must be a non-empty list of `{code: resolved, zh: 已解决, en: Resolved}`")
        }
        var out: [CodeLabel] = []
        for (i, item) in items.enumerated() {
            let path = "\(key)[\(i)]"
            var code = "", zh = "", en = ""
            for (k, v) in try mapping(item, key: path) {
                switch try scalarKey(k) {
                case "code": code = try string(v, key: "\(path).code")
                case "zh": zh = try string(v, key: "\(path).zh")
                case "en": en = try string(v, key: "\(path).en")
                case let other: throw unknownKey(k, other, in: path, known: ["code", "zh", "en"])
                }
            }
            guard (1...64).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw error(item, path, "code '\(code)' must be 1 to 64 lowercase letters, digits, '-' or '_'")
            }
            guard !zh.isEmpty, !en.isEmpty else { throw error(item, path, "give both labels: zh (中文) and en (English)") }
            guard !out.contains(where: { $0.code == code }) else { throw error(item, path, "code '\(code)' is listed twice") }
            out.append(CodeLabel(code: code, labelZh: zh, labelEn: en))
        }
        return out
    }

    private func readSIP(_ node: Node, _ c: inout HotlineConfiguration) throws(ConfigurationError) {
        for (k, v) in try mapping(node, key: "sip") {
            let key = try scalarKey(k)
            let path = "sip.\(key)"
            switch key {
            case "listen": c.sipListen = try hostPort(v, key: path)
            case "domain": c.domain = try string(v, key: path)
            case "advertised_host": c.advertisedHost = try string(v, key: path)
            case "tcp": c.enableTCP = try bool(v, key: path)
            case "max_message_bytes": c.maxMessageBytes = try int(v, key: path, range: 1024...65_535)
            case "max_transactions": c.maxTransactions = try int(v, key: path, range: 1000...10_000_000)
            case "session_expires": c.sessionExpires = try int(v, key: path, range: 90...86_400)
            case "min_session_expires": c.minSessionExpires = try int(v, key: path, range: 90...86_400)
            case "nonce_secret":
                let s = try string(v, key: path)
                guard s.count >= 64, s.allSatisfy(\.isHexDigit) else {
                    throw error(v, path, "must be at least 64 hex digits (32 bytes); generate one with `openssl rand -hex 32`")
                }
                c.nonceSecret = s
            case "auth_algorithms":
                let list = try stringList(v, key: path)
                guard !list.isEmpty else { throw error(v, path, "is empty; list at least one of SHA-256, MD5") }
                for a in list where a != "SHA-256" && a != "MD5" {
                    throw error(v, path, "'\(a)' is not offered; use SHA-256 and/or MD5 (RFC 8760)")
                }
                c.authAlgorithms = list
            case "rate_limit":
                for (rk, rv) in try mapping(v, key: path) {
                    let r = try scalarKey(rk)
                    switch r {
                    case "per_source_per_second": c.ratePerSource = try int(rv, key: "\(path).\(r)", range: 0...10_000_000)
                    case "burst": c.rateBurst = try int(rv, key: "\(path).\(r)", range: 1...10_000_000)
                    case "exempt": c.rateExempt = try stringList(rv, key: "\(path).\(r)")
                    default: throw unknownKey(rk, r, in: path, known: ["per_source_per_second", "burst", "exempt"])
                    }
                }
            default:
                throw unknownKey(k, key, in: "sip", known: ["listen", "domain", "advertised_host", "tcp", "max_message_bytes", "max_transactions",
                                                           "session_expires", "min_session_expires", "nonce_secret", "auth_algorithms", "rate_limit"])
            }
        }
        if c.minSessionExpires > c.sessionExpires {
            throw ConfigurationError(file: file, line: node.mark?.line, key: "sip.min_session_expires",
                                     message: "is larger than sip.session_expires (\(c.sessionExpires)); lower it or raise session_expires")
        }
    }

    private func readHTTP(_ node: Node, _ c: inout HotlineConfiguration) throws(ConfigurationError) {
        for (k, v) in try mapping(node, key: "http") {
            let key = try scalarKey(k)
            switch key {
            case "listen":
                // `off` (YAML 1.1 also reads it as false) runs no HTTP server.
                if case .scalar(let s) = v, ["off", "false", "no"].contains(s.string.lowercased()) {
                    c.httpListen = nil
                } else {
                    c.httpListen = try hostPort(v, key: "http.listen", example: "127.0.0.1:8080, or off")
                }
            case "web_root": c.webRoot = resolve(try string(v, key: "http.web_root"))
            case "secure_cookies": c.secureCookies = try bool(v, key: "http.secure_cookies")
            case "openapi": c.openAPIPath = resolve(try string(v, key: "http.openapi"))
            case "session_idle_minutes": c.sessionIdleMinutes = try int(v, key: "http.session_idle_minutes", range: 1...1440)
            case "session_max_hours": c.sessionMaximumHours = try int(v, key: "http.session_max_hours", range: 1...168)
            default: throw unknownKey(k, key, in: "http", known: ["listen", "web_root", "secure_cookies", "openapi", "session_idle_minutes",
                                                                  "session_max_hours"])
            }
        }
    }

    private func readMedia(_ node: Node, _ c: inout HotlineConfiguration) throws(ConfigurationError) {
        for (k, v) in try mapping(node, key: "media") {
            let key = try scalarKey(k)
            switch key {
            case "rtp_ports":
                let s = try string(v, key: "media.rtp_ports")
                guard let range = HotlineConfiguration.portRange(s) else {
                    throw error(v, "media.rtp_ports", "'\(s)' is not a port range like 20000-29999 (from 1024, at least 4 ports)")
                }
                c.rtpPorts = range
            case "threads": c.mediaThreads = try int(v, key: "media.threads", range: 1...64)
            case "thread_priority":
                let s = try string(v, key: "media.thread_priority")
                guard let level = MediaEngine.ThreadPriority(rawValue: s) else {
                    throw error(v, "media.thread_priority", "'\(s)' is not a priority: use realtime, raised or normal")
                }
                c.mediaThreadPriority = level
            case "recordings_dir": c.recordingsDirectory = resolve(try string(v, key: "media.recordings_dir"))
            case "music_on_hold": c.musicOnHold = resolve(try string(v, key: "media.music_on_hold"))
            case "rtp_timeout_seconds":
                let seconds = try int(v, key: "media.rtp_timeout_seconds", range: 0...3600)
                c.rtpTimeoutSeconds = seconds == 0 ? nil : seconds
            default: throw unknownKey(k, key, in: "media", known: ["rtp_ports", "threads", "thread_priority", "recordings_dir", "music_on_hold",
                                                                   "rtp_timeout_seconds"])
            }
        }
    }

    private func readIVR(_ node: Node, _ c: inout HotlineConfiguration) throws(ConfigurationError) {
        for (k, v) in try mapping(node, key: "ivr") {
            let key = try scalarKey(k)
            switch key {
            case "flows":
                if case .scalar = v {
                    c.flowFiles = [resolve(try string(v, key: "ivr.flows"))]
                } else {
                    c.flowFiles = try stringList(v, key: "ivr.flows").map(resolve)
                }
            case "tts_cache_dir": c.ttsCacheDirectory = resolve(try string(v, key: "ivr.tts_cache_dir"))
            case "voicemail_dir": c.voicemailDirectory = resolve(try string(v, key: "ivr.voicemail_dir"))
            case "pin_tries": c.pinTries = try int(v, key: "ivr.pin_tries", range: 1...10)
            case "pin_lockout_minutes": c.pinLockoutMinutes = try int(v, key: "ivr.pin_lockout_minutes", range: 1...10_080)
            case "demo_data": c.seedDemoData = try bool(v, key: "ivr.demo_data")
            default: throw unknownKey(k, key, in: "ivr", known: ["flows", "tts_cache_dir", "voicemail_dir", "pin_tries",
                                                                 "pin_lockout_minutes", "demo_data"])
            }
        }
    }

    private func readLines(_ node: Node) throws(ConfigurationError) -> [HotlineConfiguration.Line] {
        guard case .sequence(let seq) = node else { throw error(node, "lines", "must be a list of lines (`- number: \"10000\"`)") }
        var lines: [HotlineConfiguration.Line] = []
        var seen: Set<String> = []
        for (i, item) in seq.enumerated() {
            let path = "lines[\(i)]"
            var number: String?, name: String?, answer: Int? = 0, reject: Int?
            var media = HotlineConfiguration.LineMedia(), bridgeTo: String?, flow: String?
            for (k, v) in try mapping(item, key: path) {
                let key = try scalarKey(k)
                switch key {
                case "number":
                    let n = try string(v, key: "\(path).number")
                    guard !n.isEmpty, n.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "*#+-_.".contains($0)) }) else {
                        throw error(v, "\(path).number", "'\(n)' is not a dialable number; use digits (quote it: \"10000\")")
                    }
                    guard seen.insert(n).inserted else { throw error(v, "\(path).number", "'\(n)' is defined twice; keep one") }
                    number = n
                case "name": name = try string(v, key: "\(path).name")
                case "answer_after_ms":
                    if case .scalar(let s) = v, s.string == "never" { answer = nil } else {
                        answer = try int(v, key: "\(path).answer_after_ms", range: 0...3_600_000)
                    }
                case "reject": reject = try int(v, key: "\(path).reject", range: 300...699)
                case "media": media = try readLineMedia(v, path: "\(path).media")
                case "bridge_to":
                    let uri = try string(v, key: "\(path).bridge_to")
                    guard (try? SIPURI(parsing: uri)) != nil, uri.lowercased().hasPrefix("sip:") else {
                        throw error(v, "\(path).bridge_to", "'\(uri)' is not a SIP URI; write it like \"sip:agent@127.0.0.1:5092\"")
                    }
                    bridgeTo = uri
                case "flow":
                    let name = try string(v, key: "\(path).flow")
                    guard !name.isEmpty else { throw error(v, "\(path).flow", "is empty; name the flow (its `flow:` key) this line runs") }
                    flow = name
                default: throw unknownKey(k, key, in: path, known: ["number", "name", "answer_after_ms", "reject", "media", "bridge_to", "flow"])
                }
            }
            guard let number else { throw error(item, path, "has no number; add `number: \"...\"`") }
            if bridgeTo != nil, reject != nil {
                throw error(item, path, "has both reject and bridge_to; a line either refuses calls or bridges them")
            }
            if flow != nil, bridgeTo != nil || reject != nil || !media.play.isEmpty {
                throw error(item, path, "has a flow and also \(bridgeTo != nil ? "bridge_to" : reject != nil ? "reject" : "media.play"); "
                            + "a line runs its IVR flow, or plays, bridges or refuses: keep one")
            }
            lines.append(.init(number: number, name: name ?? number, answerAfterMilliseconds: answer, rejectWith: reject,
                               media: media, bridgeTo: bridgeTo, flow: flow))
        }
        return lines
    }

    private func readLineMedia(_ node: Node, path: String) throws(ConfigurationError) -> HotlineConfiguration.LineMedia {
        var media = HotlineConfiguration.LineMedia()
        for (k, v) in try mapping(node, key: path) {
            let key = try scalarKey(k)
            switch key {
            case "play":
                if case .scalar = v {
                    media.play = [resolve(try string(v, key: "\(path).play"))]
                } else {
                    media.play = try stringList(v, key: "\(path).play").map(resolve)
                }
            case "loop": media.loop = try bool(v, key: "\(path).loop")
            case "hangup_after_play": media.hangupAfterPlay = try bool(v, key: "\(path).hangup_after_play")
            case "record":
                // YAML 1.1 reads a bare `off` as false.
                let value: String
                if case .scalar(let s) = v, ["off", "false", "no"].contains(s.string.lowercased()) { value = "off" } else {
                    value = try string(v, key: "\(path).record")
                }
                guard ["off", "mono", "stereo"].contains(value) else {
                    throw error(v, "\(path).record", "'\(value)' is not a recording layout; use off, mono or stereo")
                }
                media.record = value
            default: throw unknownKey(k, key, in: path, known: ["play", "loop", "hangup_after_play", "record"])
            }
        }
        return media
    }

    /// A path as written in the file, relative to the file's directory unless absolute.
    func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return path }
        return String(file[..<slash]) + "/" + path
    }

    private func readAgents(_ node: Node) throws(ConfigurationError) -> [HotlineConfiguration.Agent] {
        guard case .sequence(let seq) = node else { throw error(node, "agents", "must be a list of agents (`- username: \"1001\"`)") }
        var agents: [HotlineConfiguration.Agent] = []
        var seen: Set<String> = []
        for (i, item) in seq.enumerated() {
            let path = "agents[\(i)]"
            var username: String?, password: String?, display: String?, roles = ["agent"], language = "zh-CN"
            var skills: [(name: String, level: Int)] = []
            for (k, v) in try mapping(item, key: path) {
                let key = try scalarKey(k)
                switch key {
                case "username":
                    let u = try string(v, key: "\(path).username")
                    guard !u.isEmpty, u.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                        throw error(v, "\(path).username", "'\(u)' must be letters, digits, '.', '_' or '-' (it is a SIP user name)")
                    }
                    guard seen.insert(u).inserted else { throw error(v, "\(path).username", "'\(u)' is defined twice; keep one") }
                    username = u
                case "password":
                    let p = try string(v, key: "\(path).password")
                    guard p.count >= 8 else { throw error(v, "\(path).password", "must be at least 8 characters") }
                    password = p
                case "display_name": display = try string(v, key: "\(path).display_name")
                case "language":
                    language = try string(v, key: "\(path).language")
                    guard ["zh-CN", "en-US"].contains(language) else {
                        throw error(v, "\(path).language", "'\(language)' is not supported; use zh-CN or en-US")
                    }
                case "roles":
                    roles = try stringList(v, key: "\(path).roles")
                    for r in roles where !["agent", "supervisor", "admin"].contains(r) {
                        throw error(v, "\(path).roles", "'\(r)' is not a role; use agent, supervisor or admin")
                    }
                case "skills":
                    for s in try stringList(v, key: "\(path).skills") {
                        let parts = s.split(separator: ":")
                        guard parts.count == 2, let level = Int(parts[1]), (1...10).contains(level), !parts[0].isEmpty else {
                            throw error(v, "\(path).skills", "'\(s)' is not NAME:LEVEL with a level from 1 to 10 (e.g. telecom:5)")
                        }
                        skills.append((String(parts[0]), level))
                    }
                default: throw unknownKey(k, key, in: path, known: ["username", "password", "display_name", "language", "roles", "skills"])
                }
            }
            guard let username else { throw error(item, path, "has no username; add `username: \"1001\"`") }
            guard let password else { throw error(item, path, "has no password; add `password: ...` (8 characters or more)") }
            agents.append(.init(username: username, password: password, displayName: display ?? username, roles: roles,
                                skills: skills, language: language))
        }
        return agents
    }

    // MARK: Scalars

    func mapping(_ node: Node, key: String?) throws(ConfigurationError) -> [(Node, Node)] {
        guard case .mapping(let m) = node else {
            throw error(node, key, "must be a mapping of `key: value` lines")
        }
        return m.map { ($0.key, $0.value) }
    }

    func scalarKey(_ node: Node) throws(ConfigurationError) -> String {
        guard case .scalar(let s) = node else { throw error(node, nil, "keys must be plain words") }
        return s.string
    }

    func string(_ node: Node, key: String) throws(ConfigurationError) -> String {
        guard case .scalar(let s) = node else { throw error(node, key, "must be a single value, not a list or mapping") }
        return s.string
    }

    func int(_ node: Node, key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let s = try string(node, key: key)
        guard let v = Int(s) else { throw error(node, key, "'\(s)' is not a whole number") }
        guard range.contains(v) else { throw error(node, key, "\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func bool(_ node: Node, key: String) throws(ConfigurationError) -> Bool {
        switch try string(node, key: key).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let s: throw error(node, key, "'\(s)' is not true or false")
        }
    }

    private func hostPort(_ node: Node, key: String, example: String = "127.0.0.1:5060") throws(ConfigurationError) -> HostPort {
        let s = try string(node, key: key)
        guard let hp = HostPort(s) else { throw error(node, key, "'\(s)' is not HOST:PORT; write e.g. \(example)") }
        return hp
    }

    private func logLevel(_ node: Node, key: String) throws(ConfigurationError) -> String {
        let s = try string(node, key: key)
        guard HotlineConfiguration.logLevels.contains(s) else {
            throw error(node, key, "'\(s)' is not a log level; use one of \(HotlineConfiguration.logLevels.joined(separator: ", "))")
        }
        return s
    }

    func stringList(_ node: Node, key: String) throws(ConfigurationError) -> [String] {
        guard case .sequence(let seq) = node else { throw error(node, key, "must be a list, e.g. [a, b]") }
        var out: [String] = []
        for item in seq { out.append(try string(item, key: key)) }
        return out
    }

    // MARK: Errors

    func error(_ node: Node, _ key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node.mark?.line, column: node.mark?.column, key: key, message: message)
    }

    func unknownKey(_ node: Node, _ key: String, in section: String?, known: [String]) -> ConfigurationError {
        let suggestion = known.min { editDistance($0, key) < editDistance($1, key) }
        var message = "unknown setting '\(key)'"
        if let s = suggestion, editDistance(s, key) <= 3 { message += "; did you mean '\(s)'?" }
        message += " Known here: \(known.joined(separator: ", "))"
        return ConfigurationError(file: file, line: node.mark?.line, column: node.mark?.column,
                                  key: section.map { "\($0).\(key)" } ?? key, message: message)
    }

    /// The YAML document's root node (nil when empty); a syntax error at its place.
    func compose(_ text: String) throws(ConfigurationError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlSyntaxError(error)
        } catch {
            throw ConfigurationError(file: file, message: "cannot read YAML: \(error)")
        }
    }

    private func yamlSyntaxError(_ e: YamlError) -> ConfigurationError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigurationError(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem); check indentation and quoting")
        default:
            return ConfigurationError(file: file, message: "YAML: \(e)")
        }
    }
}

extension HotlineConfiguration {
    /// `LOW-HIGH`, from 1024, at least four ports (two RTP/RTCP pairs).
    static func portRange(_ s: String) -> ClosedRange<UInt16>? {
        let parts = s.split(separator: "-").map { UInt16($0.trimmingCharacters(in: " ")) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo >= 1024, hi > lo, hi - lo >= 3 else { return nil }
        return lo...hi
    }

    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}
