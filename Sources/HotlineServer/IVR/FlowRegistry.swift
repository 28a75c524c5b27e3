import HotlineModel
import IVR
import Logging
import Media
import NIOConcurrencyHelpers
import Speech

#if canImport(Glibc)
import Glibc
#endif

/// One load of the configured flow files, ready to serve: every flow validated, every
/// recorded prompt decoded and every static TTS prompt rendered. Immutable: a call keeps
/// the catalog it started with, so a reload never changes a call in progress.
public struct FlowCatalog: Sendable {
    /// 1 for the first load, +1 for each accepted reload.
    public let version: Int
    public let flows: [String: Flow]
    /// Recorded prompts by their resolved path.
    let files: [String: Prompt]
    /// Static TTS prompts by ``spokenKey(_:_:)``.
    let spoken: [String: Prompt]
    public let loadedAt: Timestamp

    static func spokenKey(_ text: String, _ language: Language) -> String { "\(language.rawValue)|\(text)" }

    func prompt(_ item: SpokenItem) -> Prompt? {
        switch item {
        case .file(let path): files[path]
        case .text(let text, let language): spoken[Self.spokenKey(text, language)]
        }
    }
}

/// Holds the flow catalog in service and replaces it on reload (SIGHUP, `hotline flow
/// reload`), but only with a catalog that loaded without a single problem: a flow file
/// with errors never reaches callers, and the old version keeps serving.
public final class FlowRegistry: Sendable {
    public struct LoadReport: Sendable {
        public var version: Int?
        public var problems: [String]
        public var flows: [String]
        public var renderedPrompts: Int
        public var milliseconds: Int64
    }

    let paths: [String]
    /// Flows uploaded by administrators (`<data_dir>/flows`): one here wins over a flow of
    /// the same name in `paths`. Nil: none.
    let uploads: String?
    private let lineFlows: NIOLockedValueBox<[String: String]>
    /// The configured routing queues a transfer may name; nil: routing is off (no check).
    let queues: Set<String>?
    let speech: TextToSpeech?
    let logger: Logger
    private let current = NIOLockedValueBox<FlowCatalog?>(nil)
    private let reloading = NIOLockedValueBox<Bool>(false)

    /// - Parameters:
    ///   - paths: the flow files (subflows among them).
    ///   - lines: dialled number → flow name.
    ///   - queues: the configured queues transfers may name; nil when none are configured.
    ///   - speech: nil renders nothing (text prompts are then silent): tests of the SIP server alone.
    public init(paths: [String], lines: [String: String], queues: Set<String>? = nil, speech: TextToSpeech?, logger: Logger,
                uploads: String? = nil) {
        self.paths = paths
        self.uploads = uploads
        self.lineFlows = NIOLockedValueBox(lines)
        self.queues = queues
        self.speech = speech
        self.logger = logger
    }

    public var catalog: FlowCatalog? { current.withLockedValue { $0 } }

    /// Dialled number → the flow it runs.
    public var lines: [String: String] { lineFlows.withLockedValue { $0 } }

    /// The next call to `number` runs `flow` (calls in progress keep theirs). False when no
    /// loaded flow has that name.
    public func setFlow(_ flow: String, forLine number: String) -> Bool {
        guard catalog?.flows[flow] != nil else { return false }
        lineFlows.withLockedValue { $0[number] = flow }
        return true
    }

    /// Every file a reload reads, uploads last.
    public var files: [String] { Self.expand(paths + (uploads.map { [$0] } ?? [])) }

    /// Files as given; a directory stands for its `*.yaml` and `*.yml` files, sorted (read
    /// again at every reload, so a new file joins with a reload).
    public static func expand(_ paths: [String]) -> [String] {
        var out: [String] = []
        for path in paths {
            guard let dir = opendir(path) else {
                out.append(path)
                continue
            }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if !name.hasPrefix("."), name.hasSuffix(".yaml") || name.hasSuffix(".yml") { names.append(name) }
            }
            closedir(dir)
            out += names.sorted().map { (path.hasSuffix("/") ? path : path + "/") + $0 }
        }
        // A file named twice (on its own and in its directory) is loaded once.
        var seen: Set<String> = []
        return out.filter { seen.insert($0).inserted }
    }

    /// The flow a dialled number runs, with the catalog it belongs to.
    func flow(forLine number: String) -> (Flow, FlowCatalog)? {
        guard let name = lineFlows.withLockedValue({ $0[number] }), let catalog = current.withLockedValue({ $0 }), let flow = catalog.flows[name] else {
            return nil
        }
        return (flow, catalog)
    }

    /// Loads the files again and swaps the catalog in when they are free of problems.
    @discardableResult
    public func reload() async -> LoadReport {
        let started = Timestamp.now()
        guard reloading.withLockedValue({ busy in
            defer { busy = true }
            return !busy
        }) else {
            return LoadReport(version: nil, problems: ["a reload is already running; try again when it has finished"],
                              flows: [], renderedPrompts: 0, milliseconds: 0)
        }
        defer { reloading.withLockedValue { $0 = false } }
        let loaded = FlowLoader.load(files, preferring: uploads)
        let lines = self.lines
        var problems = loaded.problems.map(\.description)
        let names = Set(loaded.flows.map(\.name))
        for (number, name) in lines.sorted(by: { $0.key < $1.key }) where !names.contains(name) {
            problems.append("line \(number) runs flow '\(name)', which none of the flow files defines; "
                            + "check the line's flow: or add the file to ivr.flows")
        }
        if let queues {
            for flow in loaded.flows {
                for id in flow.order {
                    guard case .transfer(let transfer)? = flow.nodes[id]?.kind, !queues.contains(transfer.queue.value) else { continue }
                    problems.append("\(transfer.queue.location): transfer to queue '\(transfer.queue.value)', which the configuration "
                                    + "does not define; add it under queues: or use one of \(queues.sorted().joined(separator: ", "))")
                }
            }
        }
        var files: [String: Prompt] = [:]
        var texts: [(String, Language)] = []
        for flow in loaded.flows {
            let directory = FlowLoader.directoryOf(flow.file)
            for prompt in flow.prompts.values.sorted(by: { $0.name < $1.name }) {
                for (language, source) in prompt.sources.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    switch source.value {
                    case .file(let file):
                        let path = file.hasPrefix("/") ? file : directory + "/" + file
                        guard files[path] == nil else { continue }
                        do { files[path] = try LineCallController.loadPrompt(path) } catch {
                            problems.append("\(source.location): \(error)")
                        }
                    case .text(let text):
                        if !text.contains("{") { texts.append((text, language)) }
                    }
                }
            }
        }
        guard problems.isEmpty else {
            let serving = catalog.map { "version \($0.version) keeps serving" } ?? "no flow serves calls"
            logger.error("flows not loaded: \(problems.count) problem\(problems.count == 1 ? "" : "s"); \(serving)",
                         metadata: ["ivr.problems": "\(problems.joined(separator: " | "))"])
            return LoadReport(version: nil, problems: problems, flows: loaded.flows.map(\.name).sorted(), renderedPrompts: 0,
                              milliseconds: Timestamp.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch)
        }
        var spoken: [String: Prompt] = [:]
        if let speech {
            // Every static prompt is spoken now, so the first caller waits for nothing.
            for error in await speech.prewarm(texts) { problems.append("text prompt: \(error)") }
            for (text, language) in texts {
                if let result = try? await speech.prompt(text, language: language) {
                    spoken[FlowCatalog.spokenKey(text, language)] = result.prompt
                }
            }
            guard problems.isEmpty else {
                logger.error("flows not loaded: their prompts could not be spoken",
                             metadata: ["ivr.problems": "\(problems.joined(separator: " | "))"])
                return LoadReport(version: nil, problems: problems, flows: loaded.flows.map(\.name).sorted(),
                                  renderedPrompts: spoken.count,
                                  milliseconds: Timestamp.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch)
            }
        }
        let flows = Dictionary(loaded.flows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let catalog = current.withLockedValue { catalog -> FlowCatalog in
            let next = FlowCatalog(version: (catalog?.version ?? 0) + 1, flows: flows, files: files, spoken: spoken,
                                   loadedAt: .now())
            catalog = next
            return next
        }
        let ms = Timestamp.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch
        logger.info("flows loaded", metadata: [
            "ivr.version": "\(catalog.version)", "ivr.flows": "\(flows.keys.sorted().joined(separator: ","))",
            "ivr.prompts_rendered": "\(spoken.count)", "ivr.prompt_files": "\(files.count)", "ivr.load_ms": "\(ms)",
        ])
        return LoadReport(version: catalog.version, problems: [], flows: flows.keys.sorted(), renderedPrompts: spoken.count,
                          milliseconds: ms)
    }
}
