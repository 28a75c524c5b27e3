import ArgumentParser
import Foundation
import HotlineModel
import HotlineServer
import IVR
import Logging
import Media
import Speech

/// `hotline bench tts`: the TTS figures of docs/benchmarks.md. Renders distinct sentences
/// one at a time with a ``TextToSpeech`` on an empty cache directory (cold: espeak-ng,
/// decoding, resampling, the cache write), then asks a second ``TextToSpeech`` on the same
/// directory for the same sentences (what a restarted server does: every one a disk hit),
/// and with `--flows`, prewarms the flows' static prompts twice the way a server start
/// does (``FlowRegistry``): on an empty cache, then with a new ``TextToSpeech`` on the
/// cache the first load filled.
///
/// Renders run one at a time, so a render time is one sentence's, not a share of a
/// parallel prewarm; the flows' loads use the server's two parallel renders.
struct TTSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tts",
        abstract: "Render distinct zh-CN and en-US sentences cold, then from the disk cache; with --flows, load the flows' static prompts twice; prints medians and hit rates.")

    @Option(help: "Distinct sentences per language.") var sentences: Int = 10
    @Option(help: "espeak-ng's path (default: espeak-ng on PATH).") var espeak: String?
    @Option(help: "Flow files or directories whose static prompts are loaded twice (e.g. flows/demo).")
    var flows: [String] = []

    func validate() throws {
        guard sentences > 0 else { throw ValidationError("--sentences must be at least 1") }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: "warning")
        let root = FileManager.default.temporaryDirectory.path + "/hotline-bench-tts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }

        let cold = TextToSpeech(cacheDirectory: root + "/sentences", executablePath: espeak, logger: logger)
        guard let executable = cold.executablePath else {
            FileIO.writeStandardError("espeak-ng is not installed or not on PATH; install it (scripts/install-test-deps.sh) or pass --espeak\n")
            throw ExitCode(1)
        }
        print("tts: \(executable), \(cold.wordsPerMinute) words/min, \(sentences) distinct sentences per language, one render at a time")

        // Cold, then a second TextToSpeech on the same directory: empty memory, full disk.
        let warm = TextToSpeech(cacheDirectory: cold.cacheDirectory, executablePath: espeak, logger: logger)
        for language in [Language.zhCN, .enUS] {
            var renders: [Double] = []
            var coldRequests: [Double] = []
            var speech: [Double] = []
            var hits: [Double] = []
            let texts = Self.sentences(sentences, in: language)
            for text in texts {
                let started = ContinuousClock.now
                let result = try await cold.prompt(text, language: language)
                coldRequests.append(Self.milliseconds(since: started))
                guard !result.cached else {
                    FileIO.writeStandardError("'\(text)' was already cached; the sentences must be distinct\n")
                    throw ExitCode(1)
                }
                renders.append(result.renderMilliseconds)
                speech.append(Double(result.prompt.durationMilliseconds) / 1000)
            }
            for text in texts {
                let started = ContinuousClock.now
                _ = try await warm.prompt(text, language: language)
                hits.append(Self.milliseconds(since: started))
            }
            print("\(language.rawValue) (\(SpeechModule.voice(for: language))): cold render median \(Self.format(Self.median(renders))) ms "
                  + "(min \(Self.format(renders.min() ?? 0)), max \(Self.format(renders.max() ?? 0)); "
                  + "with the cache write \(Self.format(Self.median(coldRequests))) ms) "
                  + "for a median \(Self.format(Self.median(speech), places: 2)) s of speech; "
                  + "from the disk cache median \(Self.format(Self.median(hits), places: 2)) ms")
        }
        print("cold:   " + Self.describe(await cold.statistics))
        print("second: " + Self.describe(await warm.statistics))

        guard !flows.isEmpty else { return }
        let texts = try Self.staticTexts(flows)
        let distinct = Set(texts.map { "\($0.1.rawValue)\u{0}\($0.0)" }).count
        print("flows \(flows.joined(separator: " ")): \(texts.count) static text prompts (\(distinct) distinct)")
        for (pass, name) in ["first load (empty cache)", "second load (the same cache, a new process)"].enumerated() {
            let speech = TextToSpeech(cacheDirectory: root + "/flows", executablePath: espeak, logger: logger)
            let started = ContinuousClock.now
            let problems = await speech.prewarm(texts)
            let elapsed = Self.milliseconds(since: started)
            for problem in problems { FileIO.writeStandardError("load \(pass + 1): \(problem)\n") }
            print("\(name): \(Self.format(elapsed)) ms; " + Self.describe(await speech.statistics))
        }
    }

    /// `count` distinct sentences of the kind an IVR says, in `language`; past the list,
    /// sentences repeat with a reference number so each is still new to the cache.
    static func sentences(_ count: Int, in language: Language) -> [String] {
        let base: [String]
        switch language {
        case .zhCN:
            base = [
                "欢迎致电客服热线，我们将竭诚为您服务。",
                "查询话费余额请按一，办理业务请按二。",
                "您的订单已经发货，预计三天内送达。",
                "请输入您的六位服务密码，以井号键结束。",
                "所有坐席都在忙，请您耐心等待。",
                "您的宽带故障已登记，维修人员将尽快联系您。",
                "本次通话可能会被录音，以便提升服务质量。",
                "您的信用卡本期账单已出，请按时还款。",
                "退货申请已受理，退款将原路返回。",
                "感谢您的来电，祝您生活愉快，再见。",
            ]
        case .enUS:
            base = [
                "Welcome to the service line. We are happy to help you today.",
                "To check your balance, press one. For other services, press two.",
                "Your order has shipped and should arrive within three days.",
                "Please enter your six-digit PIN, then the pound key.",
                "All our agents are busy. Please stay on the line.",
                "Your broadband fault is registered. An engineer will call you soon.",
                "This call may be recorded to help us improve our service.",
                "Your credit card statement is ready. Please pay by the due date.",
                "Your return is registered. The refund goes back to your card.",
                "Thank you for calling. Goodbye.",
            ]
        }
        return (0..<count).map { index in
            let sentence = base[index % base.count]
            let round = index / base.count
            guard round > 0 else { return sentence }
            switch language {
            case .zhCN: return sentence + "参考编号\(round)。"
            case .enUS: return sentence + " Reference \(round)."
            }
        }
    }

    /// The static text prompts of the flows, as ``FlowRegistry`` collects them for prewarming.
    static func staticTexts(_ paths: [String]) throws -> [(String, Language)] {
        let loaded = FlowLoader.load(FlowRegistry.expand(paths))
        guard loaded.problems.isEmpty else {
            for problem in loaded.problems { FileIO.writeStandardError("\(problem)\n") }
            FileIO.writeStandardError("the flows have problems; fix them first (hotline flow validate)\n")
            throw ExitCode(1)
        }
        var texts: [(String, Language)] = []
        for flow in loaded.flows {
            for prompt in flow.prompts.values.sorted(by: { $0.name < $1.name }) {
                for (language, source) in prompt.sources.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    if case .text(let text) = source.value, !text.contains("{") { texts.append((text, language)) }
                }
            }
        }
        return texts
    }

    static func describe(_ s: SpeechStatistics) -> String {
        "\(s.requests) requests, \(s.renders) renders, \(s.diskHits) disk hits, \(s.memoryHits) memory hits, "
            + "\(s.inFlightJoins) joined, \(s.failures) failures: hit rate \(format(s.hitRate * 100)) %"
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    static func format(_ value: Double, places: Int = 1) -> String {
        String(format: "%.\(places)f", value)
    }
}
