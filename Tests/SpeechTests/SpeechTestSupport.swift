import Foundation
import Logging
import XCTest

@testable import Speech

/// A fresh cache directory per test, removed afterwards.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("hotline-speech-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// An executable shell script standing in for espeak-ng (for failures real espeak-ng does not produce on demand).
    func fakeESpeak(_ body: String) throws -> String {
        let script = "\(path)/fake-espeak-ng"
        try "#!/bin/sh\n\(body)\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        return script
    }
}

/// Log lines kept for assertions.
final class LogRecorder: @unchecked Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var storage: [Line] = []

    var lines: [Line] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    func append(_ line: Line) {
        lock.lock()
        storage.append(line)
        lock.unlock()
    }

    var logger: Logger {
        Logger(label: "hotline.speech.tests") { _ in RecordingLogHandler(recorder: self) }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        recorder.append(.init(
            level: event.level, message: event.message.description,
            metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}

/// Root mean square of 16-bit samples, in sample units (full scale 32 767).
func rootMeanSquare(_ samples: [Int16]) -> Double {
    guard !samples.isEmpty else { return 0 }
    let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
    return (sum / Double(samples.count)).squareRoot()
}

/// Skips integration tests on a machine without espeak-ng, saying how to run them.
func requireESpeak() throws {
    guard ESpeakSynthesizer.locateOnPath() != nil else {
        throw XCTSkip("espeak-ng is not on PATH; install espeak-ng: apt-get install espeak-ng")
    }
}
