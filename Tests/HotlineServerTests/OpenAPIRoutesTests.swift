import CTI
import HotlineModel
@testable import HotlineServer
import Hummingbird
import StorageSQLite
import XCTest
import Yams

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// openapi.yaml (the repository's) and the server's routes say the same: every route the
/// server registers is documented with its method, and every documented operation is
/// served. (The document's own examples are validated by tests/interop/test_openapi_document.py.)
final class OpenAPIRoutesTests: XCTestCase {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("openapi.yaml")

    func documented() throws -> Set<String> {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any], let paths = root["paths"] as? [String: Any] else {
            XCTFail("openapi.yaml has no paths")
            return []
        }
        var out: Set<String> = []
        for (path, item) in paths {
            guard let operations = item as? [String: Any] else { continue }
            for method in operations.keys where ["get", "put", "post", "patch", "delete"].contains(method) {
                out.insert("\(method.uppercased()) \(path)")
            }
        }
        return out
    }

    func served() throws -> Set<String> {
        let store = try SQLiteStore(.inMemory)
        let auth = APIAuthentication(basic: BasicAuthenticator(users: APITests.users), secureCookies: true, lookUp: { _ in nil },
                                     monotonic: { 0 }, logger: APITests.logger)
        let table = APIServer.routeTable(commands: FakeRouting(statuses: [], queues: []), auth: auth,
                                         hub: EventHub(node: "test", logger: APITests.logger),
                                         viewers: { EventViewer(username: $0.username, roles: $0.roles) }, webRoot: "/nonexistent",
                                         resources: .init(store: store, admin: AdminBackend(dataDirectory: NSTemporaryDirectory(), routing: nil,
                                                                                            registry: nil, lineNames: [:], settings: .init())),
                                         logger: APITests.logger)
        var out: Set<String> = []
        for (path, methods) in table.methods where !path.hasPrefix("/desktop/") {
            for method in methods { out.insert("\(method.rawValue) \(path)") }
        }
        return out
    }

    func testEveryServedRouteIsDocumented() throws {
        let missing = try served().subtracting(documented())
        XCTAssertEqual(missing.sorted(), [], "routes the server serves that openapi.yaml does not describe")
    }

    func testEveryDocumentedOperationIsServed() throws {
        let missing = try documented().subtracting(served())
        XCTAssertEqual(missing.sorted(), [], "operations openapi.yaml describes that the server does not serve")
    }
}
