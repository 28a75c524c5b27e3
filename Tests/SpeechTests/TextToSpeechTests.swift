import Foundation
import HotlineModel
import Logging
import Media
import XCTest

@testable import Speech

/// Against the real espeak-ng (`apt-get install espeak-ng`); failures it cannot be made
/// to produce (a hang, a crash) come from a shell script standing in for it.
final class TextToSpeechTests: XCTestCase {
    static let mandarin = "您的账户余额是一百二十三元四角五分"
    static let english = "Your account balance is one hundred twenty three dollars and forty five cents."
    /// Speech is well above this; espeak-ng's silence is 0.
    static let rmsFloor = 300.0

    private var directory: TemporaryDirectory!
    private var logs: LogRecorder!

    override func setUpWithError() throws {
        try requireESpeak()
        directory = try TemporaryDirectory()
        logs = LogRecorder()
    }

    override func tearDown() {
        directory = nil
    }

    private func speech(
        executablePath: String? = nil, wordsPerMinute: Int = 175, timeout: Duration = .seconds(10),
        maximumConcurrentRenders: Int = 2, cacheDirectory: String? = nil
    ) -> TextToSpeech {
        TextToSpeech(
            cacheDirectory: cacheDirectory ?? "\(directory.path)/cache", executablePath: executablePath,
            wordsPerMinute: wordsPerMinute, timeout: timeout, maximumConcurrentRenders: maximumConcurrentRenders,
            logger: logs.logger)
    }

    private func assertSpeech(_ result: SpeechResult, file: StaticString = #filePath, line: UInt = #line) {
        let seconds = Double(result.prompt.samples.count) / Double(MediaModule.sampleRate)
        XCTAssertTrue((1.0...10.0).contains(seconds), "\(seconds) s of speech", file: file, line: line)
        XCTAssertGreaterThan(rootMeanSquare(result.prompt.samples), Self.rmsFloor, file: file, line: line)
    }

    // MARK: Rendering

    func testMandarinSentenceRendersAsNarrowbandSpeech() async throws {
        let tts = speech()
        let result = try await tts.prompt(Self.mandarin, language: .zhCN)
        assertSpeech(result)
        XCTAssertFalse(result.cached)
        XCTAssertGreaterThan(result.renderMilliseconds, 0)
        let key = SpeechKey(text: Self.mandarin, voice: SpeechModule.voice(for: .zhCN), wordsPerMinute: 175)
        XCTAssertEqual(result.prompt.id, key.promptID)
        // The file is 8 kHz 16-bit mono and holds exactly the samples returned.
        let path = "\(directory.path)/cache/\(key.hex.prefix(2))/\(key.hex).wav"
        let audio = try WAVReader.read(Array(try XCTUnwrap(FileManager.default.contents(atPath: path))))
        XCTAssertEqual(audio.format, WAVFormat(encoding: .pcm16, sampleRate: 8000, channels: 1))
        XCTAssertEqual(audio.samples, result.prompt.samples)
        // Nothing but the file is left in its directory (no temporary names).
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(directory.path)/cache/\(key.hex.prefix(2))"),
                       ["\(key.hex).wav"])
        let statistics = await tts.statistics
        XCTAssertEqual(statistics.renders, 1)
        XCTAssertEqual(statistics.requests, 1)
    }

    func testEnglishSentenceRendersAsNarrowbandSpeech() async throws {
        let result = try await speech().prompt(Self.english, language: .enUS)
        assertSpeech(result)
        XCTAssertEqual(result.prompt.id, SpeechKey(text: Self.english, voice: "en-us", wordsPerMinute: 175).promptID)
    }

    // MARK: Caching

    func testSecondRequestIsServedFromMemory() async throws {
        let tts = speech()
        let first = try await tts.prompt(Self.english, language: .enUS)
        let second = try await tts.prompt(Self.english, language: .enUS)
        XCTAssertEqual(second, SpeechResult(prompt: first.prompt, cached: true, renderMilliseconds: 0))
        let statistics = await tts.statistics
        XCTAssertEqual([statistics.requests, statistics.renders, statistics.memoryHits, statistics.diskHits], [2, 1, 1, 0])
        XCTAssertEqual(statistics.hitRate, 0.5)
    }

    func testNewInstanceOnTheSameDirectoryServesFromDisk() async throws {
        let first = try await speech().prompt(Self.mandarin, language: .zhCN)
        let restarted = speech()
        let second = try await restarted.prompt(Self.mandarin, language: .zhCN)
        XCTAssertEqual(second, SpeechResult(prompt: first.prompt, cached: true, renderMilliseconds: 0))
        let third = try await restarted.prompt(Self.mandarin, language: .zhCN)
        XCTAssertEqual(third, second)
        let statistics = await restarted.statistics
        XCTAssertEqual([statistics.renders, statistics.diskHits, statistics.memoryHits], [0, 1, 1])
    }

    func testLanguageTextAndRateEachSelectAnotherPrompt() async throws {
        let tts = speech()
        let chinese = try await tts.prompt("123", language: .zhCN)
        let english = try await tts.prompt("123", language: .enUS)
        let otherText = try await tts.prompt("124", language: .enUS)
        let faster = try await speech(wordsPerMinute: 260).prompt("123", language: .enUS)
        XCTAssertEqual(Set([chinese, english, otherText, faster].map(\.prompt.id)).count, 4)
        XCTAssertFalse(faster.cached)
        XCTAssertLessThan(faster.prompt.samples.count, english.prompt.samples.count)
        XCTAssertNotEqual(chinese.prompt.samples, english.prompt.samples)
        let files = try FileManager.default.subpathsOfDirectory(atPath: "\(directory.path)/cache").filter { $0.hasSuffix(".wav") }
        XCTAssertEqual(files.count, 4)
    }

    func testCorruptedCacheFileIsRenderedAgain() async throws {
        let original = try await speech().prompt(Self.english, language: .enUS)
        let key = SpeechKey(text: Self.english, voice: "en-us", wordsPerMinute: 175)
        let path = "\(directory.path)/cache/\(key.hex.prefix(2))/\(key.hex).wav"
        let whole = try XCTUnwrap(FileManager.default.contents(atPath: path))
        for damage in [Data("not a wave file".utf8), whole.prefix(whole.count / 2), Data()] {
            try damage.write(to: URL(fileURLWithPath: path))
            let tts = speech()
            let again = try await tts.prompt(Self.english, language: .enUS)
            XCTAssertFalse(again.cached)
            XCTAssertEqual(again.prompt, original.prompt)
            let statistics = await tts.statistics
            XCTAssertEqual([statistics.renders, statistics.corruptFiles, statistics.diskHits], [1, 1, 0])
            XCTAssertEqual(FileManager.default.contents(atPath: path), whole, "the file is rewritten whole")
        }
        let warnings = logs.lines.filter { $0.level == .warning }
        XCTAssertEqual(warnings.count, 3)
        XCTAssertEqual(warnings.first?.metadata["speech.path"], "\(path)")
    }

    // MARK: Concurrency

    func testConcurrentRequestsForOneNewSentenceRenderOnce() async throws {
        let tts = speech()
        let results = try await withThrowingTaskGroup(of: SpeechResult.self) { group in
            for _ in 0..<8 {
                group.addTask { try await tts.prompt("Please hold while we connect your call.", language: .enUS) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(results.count, 8)
        XCTAssertEqual(Set(results.map(\.prompt)).count, 1)
        let statistics = await tts.statistics
        XCTAssertEqual(statistics.renders, 1)
        XCTAssertEqual(statistics.requests, 8)
        XCTAssertEqual(statistics.inFlightJoins + statistics.memoryHits, 7)
    }

    func testRendersOfDifferentTextsRunAtMostTheBoundAtOnce() async throws {
        // Each fake run records how many runs were alive when it started, then lingers
        // long enough for the next one to start beside it.
        let runs = "\(directory.path)/runs"
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        let fake = try directory.fakeESpeak("""
            touch \(runs)/alive.$$
            ls \(runs) | grep -c alive >> \(runs)/../concurrency
            sleep 0.3
            rm \(runs)/alive.$$
            exit 1
            """)
        let tts = speech(executablePath: fake, maximumConcurrentRenders: 2)
        let problems = await tts.prewarm((1...6).map { ("Sentence \($0).", Language.enUS) })
        XCTAssertEqual(problems.map(\.code), Array(repeating: .exitedWithFailure, count: 6))
        let counts = try String(contentsOfFile: "\(directory.path)/concurrency", encoding: .utf8)
            .split(separator: "\n").compactMap { Int($0) }
        XCTAssertEqual(counts.count, 6)
        XCTAssertEqual(counts.max(), 2)
    }

    func testPrewarmRendersEverythingAndReportsProblemsInOrder() async throws {
        let tts = speech()
        let problems = await tts.prewarm([
            ("Welcome to Hotline.", .enUS),
            ("...", .enUS),
            ("欢迎致电", .zhCN),
            ("!?", .zhCN),
            ("Welcome to Hotline.", .enUS),
        ])
        XCTAssertEqual(problems.map(\.code), [.noAudio, .noAudio])
        XCTAssertEqual(problems.map(\.text), ["...", "!?"])
        XCTAssertEqual(problems.map(\.voice), ["en-us", "cmn-latn-pinyin"])
        let statistics = await tts.statistics
        XCTAssertEqual(statistics.renders, 2)
        XCTAssertEqual(statistics.failures, 2)
        let cached = try await tts.prompt("欢迎致电", language: .zhCN)
        XCTAssertTrue(cached.cached)
    }

    // MARK: Hostile text

    func testTextNeverReachesAShell() async throws {
        let marker = "\(directory.path)/shell-ran"
        let texts = [
            "\"; touch \(marker); echo \"",
            "$(touch \(marker))",
            "`touch \(marker)`",
            "'; touch \(marker) #",
            "| touch \(marker)",
        ]
        let tts = speech()
        for text in texts {
            let result = try await tts.prompt(text, language: .enUS)
            XCTAssertGreaterThan(rootMeanSquare(result.prompt.samples), Self.rmsFloor, text)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    func testOddTextRendersOrFailsCleanly() async throws {
        let tts = speech()
        // Options as text are spoken, not obeyed: "-v xx" as an option would be an unknown voice.
        for text in ["-v xx --help", "--stdout", "-w /tmp/x.wav hello", "first line\nsecond line\r\nthird",
                     "He said \"yes\" and 'no'", "Thank you 😀🎉", "您好😀", "a\0b", String(repeating: "Hello. ", count: 40)] {
            for language in Language.allCases {
                let result = try await tts.prompt(text, language: language)
                XCTAssertGreaterThan(rootMeanSquare(result.prompt.samples), Self.rmsFloor, "\(text) in \(language)")
            }
        }
        for text in ["", " ", "\n", "-", "--", "😀"] {
            do {
                let result = try await tts.prompt(text, language: .enUS)
                // espeak-ng may name an emoji; whatever it says must be speech.
                XCTAssertGreaterThan(rootMeanSquare(result.prompt.samples), Self.rmsFloor, text)
            } catch {
                XCTAssertEqual(error.code, .noAudio, text)
            }
        }
    }

    // MARK: Failures

    func testMissingExecutableSaysToInstallESpeak() async throws {
        let tts = speech(executablePath: "/nonexistent/bin/espeak-ng")
        do {
            _ = try await tts.prompt(Self.english, language: .enUS)
            XCTFail("rendered without espeak-ng")
        } catch {
            XCTAssertEqual(error.code, .notInstalled)
            XCTAssertTrue(error.message.contains("install espeak-ng: apt-get install espeak-ng"), error.message)
        }
        let problems = await tts.prewarm([("a", .enUS), ("b", .zhCN)])
        XCTAssertEqual(problems.map(\.code), [.notInstalled, .notInstalled])
        let failures = await tts.statistics.failures
        XCTAssertEqual(failures, 3)
    }

    func testOverlongTextIsRefusedBeforeRunningESpeak() async throws {
        let tts = speech()
        do {
            _ = try await tts.prompt(String(repeating: "长", count: 3000), language: .zhCN)
            XCTFail("rendered 9 000 bytes of text")
        } catch {
            XCTAssertEqual(error.code, .textTooLong)
            XCTAssertEqual(error.text?.count, 80)
        }
        let statistics = await tts.statistics
        XCTAssertEqual([statistics.renders, statistics.failures], [0, 1])
    }

    func testNonZeroExitQuotesStderr() async throws {
        let fake = try directory.fakeESpeak("echo 'Error: The specified espeak-ng voice does not exist.' >&2\nexit 1")
        do {
            _ = try await speech(executablePath: fake).prompt(Self.english, language: .enUS)
            XCTFail("rendered with a failing espeak-ng")
        } catch {
            XCTAssertEqual(error.code, .exitedWithFailure)
            XCTAssertTrue(error.message.contains("status 1: Error: The specified espeak-ng voice does not exist."), error.message)
        }
    }

    /// Both pipes are drained while the child runs: 1 MB on stderr and 4 MB on stdout do not stall it.
    func testLargeOutputOnBothPipesIsDrained() async throws {
        let fake = try directory.fakeESpeak("head -c 1000000 /dev/zero | tr '\\0' e >&2\nhead -c 4000000 /dev/zero\nexit 2")
        do {
            _ = try await speech(executablePath: fake).prompt(Self.english, language: .enUS)
            XCTFail("rendered with a failing espeak-ng")
        } catch {
            XCTAssertEqual(error.code, .exitedWithFailure)
            XCTAssertLessThan(error.message.utf8.count, 2000, "stderr is quoted in part")
        }
        let silent = try directory.fakeESpeak("head -c 4000000 /dev/zero")
        do {
            _ = try await speech(executablePath: silent).prompt(Self.english, language: .enUS)
            XCTFail("spoke zeros")
        } catch {
            XCTAssertEqual(error.code, .noAudio)
        }
    }

    func testHungESpeakIsKilledAtTheTimeout() async throws {
        // `exec`, so the process killed is the one holding the pipes.
        let fake = try directory.fakeESpeak("exec sleep 30")
        let started = ContinuousClock.now
        do {
            _ = try await speech(executablePath: fake, timeout: .milliseconds(200)).prompt(Self.english, language: .enUS)
            XCTFail("a hung espeak-ng returned")
        } catch {
            XCTAssertEqual(error.code, .timedOut)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(20))
    }

    #if os(Linux)
    /// Every run closes its pipes: a server renders for months.
    func testRunsLeaveNoOpenFileDescriptors() async throws {
        let fake = try directory.fakeESpeak("echo nope >&2\nexit 1")
        let tts = speech(executablePath: fake)
        _ = await tts.prewarm([("warm up", .enUS)])
        let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        _ = await tts.prewarm((1...20).map { ("Sentence \($0).", Language.enUS) })
        let after = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        // Leaking the two read ends per run would add 40; Dispatch and Foundation may open
        // one or two of their own on first use, so the bound is half the leak, not zero.
        XCTAssertLessThan(after, before + 20)
    }
    #endif

    func testUnwritableCacheStillSpeaksAndPrewarmReportsIt() async throws {
        // A directory cannot be created under a regular file, even by root.
        let blocker = "\(directory.path)/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let tts = speech(cacheDirectory: "\(blocker)/cache")
        let result = try await tts.prompt(Self.english, language: .enUS)
        assertSpeech(result)
        let again = try await tts.prompt(Self.english, language: .enUS)
        XCTAssertTrue(again.cached, "kept in memory")
        let problems = await tts.prewarm([("Goodbye.", .enUS)])
        XCTAssertEqual(problems.map(\.code), [.cacheNotWritable])
        XCTAssertTrue(problems.first?.message.contains("\(blocker)/cache") ?? false)
        XCTAssertEqual(logs.lines.filter { $0.level == .warning }.count, 2)
    }
}
