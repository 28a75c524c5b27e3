import XCTest
@testable import Media

final class MediaModuleTests: XCTestCase {
    func testFrameSize() {
        XCTAssertEqual(MediaModule.samplesPerFrame * 1000 / MediaModule.sampleRate, 20)
    }
}
