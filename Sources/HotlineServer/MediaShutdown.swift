import MediaNetwork
import NIOCore
import ServiceLifecycle

/// Holds the media engine open until shutdown, then closes every leg (finishing their
/// recordings) and lets the rows they produce reach the SIP loop's journal writes.
struct MediaShutdown: Service {
    let media: MediaEngine
    let sipLoop: any EventLoop

    func run() async throws {
        try? await gracefulShutdown()
        try await media.closeAll().get()
        try await sipLoop.submit {}.get()
    }
}
