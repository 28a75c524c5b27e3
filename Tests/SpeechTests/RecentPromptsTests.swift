import Media
import XCTest

@testable import Speech

final class RecentPromptsTests: XCTestCase {
    /// A prompt of `count` samples (2 bytes each).
    private func prompt(_ id: String, samples count: Int) -> Prompt {
        Prompt(id: id, samples: [Int16](repeating: 1, count: count))
    }

    func testLeastRecentlyUsedIsEvictedFirst() {
        var cache = RecentPrompts(byteBudget: 600)
        cache.insert(prompt("a", samples: 100), for: "a")
        cache.insert(prompt("b", samples: 100), for: "b")
        cache.insert(prompt("c", samples: 100), for: "c")
        XCTAssertEqual(cache.bytesUsed, 600)
        XCTAssertEqual(cache.prompt(for: "a")?.id, "a")  // b is now the oldest
        cache.insert(prompt("d", samples: 100), for: "d")
        XCTAssertNil(cache.prompt(for: "b"))
        XCTAssertEqual(cache.prompt(for: "a")?.id, "a")
        XCTAssertEqual(cache.prompt(for: "c")?.id, "c")
        XCTAssertEqual(cache.prompt(for: "d")?.id, "d")
        XCTAssertEqual(cache.bytesUsed, 600)
    }

    func testOneLargePromptEvictsSeveral() {
        var cache = RecentPrompts(byteBudget: 600)
        cache.insert(prompt("a", samples: 100), for: "a")
        cache.insert(prompt("b", samples: 100), for: "b")
        cache.insert(prompt("c", samples: 100), for: "c")
        cache.insert(prompt("big", samples: 200), for: "big")
        XCTAssertNil(cache.prompt(for: "a"))
        XCTAssertNil(cache.prompt(for: "b"))
        XCTAssertEqual(cache.prompt(for: "c")?.id, "c")
        XCTAssertEqual(cache.prompt(for: "big")?.id, "big")
        XCTAssertEqual(cache.bytesUsed, 600)
    }

    func testPromptLargerThanTheBudgetIsNotKept() {
        var cache = RecentPrompts(byteBudget: 100)
        cache.insert(prompt("a", samples: 50), for: "a")
        cache.insert(prompt("huge", samples: 51), for: "huge")
        XCTAssertNil(cache.prompt(for: "huge"))
        XCTAssertEqual(cache.prompt(for: "a")?.id, "a")
        XCTAssertEqual(cache.bytesUsed, 100)
    }

    func testReinsertingReplacesTheEntry() {
        var cache = RecentPrompts(byteBudget: 1000)
        cache.insert(prompt("a", samples: 100), for: "a")
        cache.insert(prompt("a2", samples: 300), for: "a")
        XCTAssertEqual(cache.count, 1)
        XCTAssertEqual(cache.bytesUsed, 600)
        XCTAssertEqual(cache.prompt(for: "a")?.id, "a2")
    }
}
