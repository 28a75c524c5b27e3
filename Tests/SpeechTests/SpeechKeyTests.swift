import HotlineModel
import XCTest

@testable import Speech

final class SpeechKeyTests: XCTestCase {
    /// Changing the derivation orphans every cached file; this pins it
    /// (`python3 -c "import hashlib; print(hashlib.sha256('hotline-tts-1/8000Hz/pcm16/mono\x00cmn\x00175\x00你好'.encode()).hexdigest())"`;
    /// not `\0` there, which Python and printf read as an octal escape when a digit follows).
    func testKeyIsSHA256OfVersionVoiceRateAndText() {
        XCTAssertEqual(
            SpeechKey(text: "你好", voice: "cmn", wordsPerMinute: 175).hex,
            "5cdecbb27518d3fa643eb0cd277d78215427ad2492d658ad682aa7f09cbcd8fc")
        XCTAssertEqual(
            SpeechKey(text: "Hello", voice: "en-us", wordsPerMinute: 175).promptID,
            "tts-939827aeee16f4fe2d007174d50332643d420b2eda5d437ae9315585b30b9caa")
    }

    func testEveryInputChangesTheKey() {
        let base = SpeechKey(text: "Hello", voice: "en-us", wordsPerMinute: 175)
        let variants = [
            SpeechKey(text: "Hello.", voice: "en-us", wordsPerMinute: 175),
            SpeechKey(text: "Hello", voice: "cmn", wordsPerMinute: 175),
            SpeechKey(text: "Hello", voice: "en-us", wordsPerMinute: 176),
            // Field boundaries cannot be shifted: the rate "17" and text "5Hello" differ from "175" and "Hello".
            SpeechKey(text: "5Hello", voice: "en-us", wordsPerMinute: 17),
        ]
        XCTAssertEqual(Set(variants.map(\.hex) + [base.hex]).count, 5)
    }

    func testVoicePerLanguage() {
        XCTAssertEqual(SpeechModule.voice(for: .zhCN), "cmn-latn-pinyin")
        XCTAssertEqual(SpeechModule.voice(for: .enUS), "en-us")
    }

    func testCacheFileFansOutByTheFirstTwoHexDigits() {
        let key = SpeechKey(text: "你好", voice: "cmn", wordsPerMinute: 175)
        XCTAssertEqual(PromptFileStore(directory: "/var/cache/hotline/tts").path(for: key),
                       "/var/cache/hotline/tts/5c/\(key.hex).wav")
    }

    func testTextIsOneArgumentAfterTheEndOfOptions() {
        let synthesizer = ESpeakSynthesizer(executable: "/usr/bin/espeak-ng", wordsPerMinute: 150, timeout: .seconds(10))
        XCTAssertEqual(
            synthesizer.arguments(text: "-v xx \"a\"\nb", voice: "cmn"),
            ["-v", "cmn", "-s", "150", "-b", "1", "--stdout", "--", "-v xx \"a\"\nb"])
        XCTAssertEqual(synthesizer.arguments(text: "a\0b", voice: "en-us").last, "a b")
    }

    func testPathLookup() throws {
        let directory = try TemporaryDirectory()
        XCTAssertNil(ESpeakSynthesizer.locateOnPath(["PATH": "/nonexistent:\(directory.path)"]))
        let fake = try directory.fakeESpeak("exit 0")
        let named = "\(directory.path)/espeak-ng"
        try FileManager.default.moveItem(atPath: fake, toPath: named)
        XCTAssertEqual(ESpeakSynthesizer.locateOnPath(["PATH": "/nonexistent::\(directory.path)"]), named)
    }
}
