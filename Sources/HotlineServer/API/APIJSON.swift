import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON responses: Codable with Swift's default (camelCase) keys, sorted so the same value
/// always reads the same in logs and docs.
enum APIJSON {
    static let contentType = "application/json; charset=utf-8"

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(value))
        } catch {
            // Only non-finite doubles fail to encode, and no API value holds one; say so
            // rather than send half a body.
            bytes = Array(#"{"error":{"code":"internal","message":"the response could not be encoded as JSON; see the server log"}}"#.utf8)
            return Response(status: .internalServerError, headers: [.contentType: contentType],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// The body of 202 answers to commands that take effect later (transfer, hang-up).
public struct APIAccepted: Codable, Hashable, Sendable {
    /// `transferring` or `hanging-up`.
    public var status: String

    public init(status: String) { self.status = status }
}

/// The body of `GET /api/v1/health`.
public struct APIHealth: Codable, Hashable, Sendable {
    public var status: String

    public init(status: String) { self.status = status }
}
