import Hummingbird
import NIOCore

/// The web desktop's static files (`web/` in the repository) at `/desktop/`.
///
/// Flat: a file name is letters, digits, `-`, `_` and one `.` before a known extension,
/// so no path (`..`, `/`, `%2f`) can leave the directory. Every answer carries a strict
/// Content-Security-Policy: the pages load nothing from elsewhere and run no inline code.
struct WebFiles: Sendable {
    let root: String

    static let types: [String: String] = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "json": "application/json; charset=utf-8",
    ]
    static let policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    func serve(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let name = context.parameters.get("file") ?? "index.html"
        guard let type = Self.contentType(of: name) else {
            throw APIError(code: "not-found", field: "file", message: "no desktop file '\(name)'", status: .notFound)
        }
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readBytes(root + "/" + name)
        } catch {
            throw APIError(code: "not-found", field: "file", message: "no desktop file '\(name)'", status: .notFound)
        }
        return Response(status: .ok, headers: [.contentType: type, .contentSecurityPolicy: Self.policy,
                                               .xContentTypeOptions: "nosniff", .cacheControl: "no-cache",
                                               Self.referrerPolicy: "same-origin"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")!

    /// The content type of a safe file name, nil for anything else.
    static func contentType(of name: String) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let base = parts.first, !base.isEmpty, base.count <= 64,
              base.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        return types[String(parts[1])]
    }
}
