import XCTest
@testable import Media

final class PromptTests: XCTestCase {
    /// A prompt of `samples` samples at 8 kHz, a ramp so frames differ.
    static func prompt(_ id: String, samples: Int) -> Prompt {
        Prompt(id: id, samples: (0..<samples).map { Int16(truncatingIfNeeded: ($0 % 200) * 100 - 10_000) })
    }

    // MARK: Prompt

    func testOneSecondAt8kHzIsExactly50Frames() {
        let prompt = Self.prompt("welcome", samples: 8000)
        XCTAssertEqual(prompt.frameCount, 50)
        XCTAssertEqual(prompt.durationMilliseconds, 1000)
        let frames = prompt.frames(.muLaw)
        XCTAssertEqual(frames.count, 50)
        XCTAssertTrue(frames.allSatisfy { $0.count == 160 })
        XCTAssertEqual(frames.flatMap { $0 }, G711.encode(prompt.samples, law: .muLaw))
    }

    func testOneSecondAt44100HzStereoIs50FramesAfterResampling() throws {
        let left = (0..<44_100).map { Int16(truncatingIfNeeded: $0 % 1000) }
        let interleaved = left.flatMap { [$0, $0] }
        let wav = WAVAudio(format: WAVFormat(encoding: .pcm16, sampleRate: 44_100, channels: 2), samples: interleaved)
        let prompt = try Prompt(id: "hold", wav: wav)
        XCTAssertEqual(prompt.samples.count, 8000)
        XCTAssertEqual(prompt.frames(.aLaw).count, 50)
    }

    func testUnsupportedRateThrowsTheResamplerError() {
        let wav = WAVAudio(format: WAVFormat(sampleRate: 44_099), samples: [0, 0])
        XCTAssertThrowsError(try Prompt(id: "odd", wav: wav)) { error in
            XCTAssertEqual((error as? ResamplerError)?.code, .noShortRatio)
        }
    }

    func testLastFrameIsPaddedWithTheLawsSilence() {
        let prompt = Self.prompt("short", samples: 8000 + 10)
        XCTAssertEqual(prompt.frameCount, 51)
        for (law, silence) in [(CompandingLaw.muLaw, UInt8(0xFF)), (.aLaw, 0xD5)] {
            let last = prompt.frames(law).last!
            XCTAssertEqual(last.count, 160)
            XCTAssertEqual(Array(last.prefix(10)), G711.encode(Array(prompt.samples.suffix(10)), law: law))
            XCTAssertEqual(Array(last.suffix(150)), [UInt8](repeating: silence, count: 150), "\(law)")
            XCTAssertEqual(G711.decode(silence, law: law), law == .muLaw ? 0 : 8)
        }
        XCTAssertEqual(Prompt(id: "empty", samples: []).frames(.muLaw), [])
    }

    // MARK: Prepared frames

    func testBothLawsArePreparedWhenThePromptIsMade() {
        let prompt = Self.prompt("menu", samples: 8000 + 10)
        for law in CompandingLaw.allCases {
            let frames = prompt.frames(law)
            XCTAssertEqual(frames.count, 51)
            XCTAssertEqual(Array(frames.joined().prefix(8010)), G711.encode(prompt.samples, law: law), "\(law)")
        }
        XCTAssertNotEqual(prompt.frames(.muLaw), prompt.frames(.aLaw))
        XCTAssertEqual(Prompt(id: "empty", samples: []).frames(.aLaw), [])
    }

    func testPromptsAreEqualByIdAndAudio() {
        let a = Self.prompt("menu", samples: 800)
        XCTAssertEqual(a, Self.prompt("menu", samples: 800))
        XCTAssertNotEqual(a, Self.prompt("other", samples: 800))
        XCTAssertNotEqual(a, Self.prompt("menu", samples: 801))
        XCTAssertEqual(Set([a, Self.prompt("menu", samples: 800)]).count, 1)
    }

    // MARK: Playlist

    static func drain(_ playlist: inout Playlist, max: Int = 10_000) -> [Playlist.Event] {
        var events: [Playlist.Event] = []
        while events.count < max, let event = playlist.next() { events.append(event) }
        return events
    }

    func testPlaylistPlaysItemsInOrderThenFinishes() {
        var playlist = Playlist(law: .muLaw)
        let prompt = Self.prompt("greeting", samples: 400)  // 3 frames
        playlist.enqueue(prompt)
        playlist.enqueue(.silence(id: "pause", frames: 2))
        playlist.enqueue(.tone(id: "beep", .beep, frames: 10))
        let events = Self.drain(&playlist)
        let frames = prompt.frames(.muLaw)
        let silence = Playlist.Event.frame([UInt8](repeating: 0xFF, count: 160))
        XCTAssertEqual(Array(events.prefix(6)), [.frame(frames[0]), .frame(frames[1]), .frame(frames[2]),
                                                 .finished("greeting"), silence, silence])
        XCTAssertEqual(events[6], .finished("pause"))
        var beep = ToneGenerator(.beep)
        XCTAssertEqual(events[7], .frame(G711.encode(beep.nextFrame(), law: .muLaw)))
        XCTAssertEqual(events.count, 7 + 10 + 1)
        XCTAssertEqual(events.last, .finished("beep"))
        XCTAssertTrue(playlist.isEmpty)
        XCTAssertEqual(playlist.items, [], "played items are not kept without loop")
        XCTAssertNil(playlist.next())
    }

    func testBargeInStopsThePromptAndDropsTheQueue() {
        var playlist = Playlist(law: .aLaw)
        playlist.enqueue(.prompt(id: "menu", frames: [[1], [2], [3]]))
        playlist.enqueue(.prompt(id: "goodbye", frames: [[4]]))
        XCTAssertEqual(playlist.next(), .frame([1]))
        XCTAssertEqual(playlist.bargeIn(), ["menu", "goodbye"])
        XCTAssertTrue(playlist.isEmpty)
        XCTAssertNil(playlist.next())
        playlist.enqueue(.prompt(id: "you-pressed", frames: [[9]]))
        XCTAssertEqual(Self.drain(&playlist), [.frame([9]), .finished("you-pressed")])
    }

    func testLoopingMusicOnHoldStartsOverUntilBargeIn() {
        var playlist = Playlist(law: .muLaw, loop: true)
        playlist.enqueue(.prompt(id: "moh", frames: [[1], [2]]))
        playlist.enqueue(.silence(id: "gap", frames: 1))
        let events = Self.drain(&playlist, max: 10)
        let silence = Playlist.Event.frame(Playlist.silenceFrame(.muLaw))
        XCTAssertEqual(events, [.frame([1]), .frame([2]), .finished("moh"), silence, .finished("gap"),
                                .frame([1]), .frame([2]), .finished("moh"), silence, .finished("gap")])
        XCTAssertFalse(playlist.isEmpty)
        XCTAssertEqual(playlist.items.map(\.id), ["moh", "gap"])
        playlist.loop = false
        XCTAssertEqual(Self.drain(&playlist), [.frame([1]), .frame([2]), .finished("moh"), silence, .finished("gap")])
        XCTAssertNil(playlist.next())
        XCTAssertEqual(playlist.items, [])
    }

    func testTurningLoopOffMidLapEndsWithThatLap() {
        var playlist = Playlist(law: .muLaw, loop: true)
        playlist.enqueue(.prompt(id: "a", frames: [[1]]))
        playlist.enqueue(.prompt(id: "b", frames: [[2]]))
        XCTAssertEqual(Self.drain(&playlist, max: 3), [.frame([1]), .finished("a"), .frame([2])])
        playlist.loop = false
        XCTAssertEqual(Self.drain(&playlist), [.finished("b")])
        XCTAssertTrue(playlist.isEmpty)
    }

    func testLoopedToneRestartsItsCadenceEachLap() {
        var playlist = Playlist(law: .aLaw, loop: true)
        playlist.enqueue(.tone(id: "ring", .ringback(.china), frames: 3))
        let lap1 = Self.drain(&playlist, max: 4), lap2 = Self.drain(&playlist, max: 4)
        XCTAssertEqual(lap1, lap2)
        XCTAssertEqual(lap1.last, .finished("ring"))
    }

    func testEmptyItemFinishesAtOnce() {
        var playlist = Playlist(law: .muLaw)
        playlist.enqueue(.prompt(id: "empty", frames: []))
        XCTAssertEqual(Self.drain(&playlist), [.finished("empty")])
    }
}
