import IVR
import Logging
import ServiceLifecycle

extension IVRHTTPClient: IVRHTTPPerforming {}

/// The IVR's HTTP client as a service: it lives as long as the server and is shut down
/// (its connections closed) when the server stops.
public struct IVRHTTPService: Service {
    public let client: IVRHTTPClient

    public init(logger: Logger) {
        client = IVRHTTPClient(logger: logger)
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
