import Hummingbird
import IVR
import NIOCore

/// A request's body: one flat JSON object, read strictly.
///
/// The bytes go through the same RFC 8259 parser as the IVR's `http` node (``FlowValue``),
/// not `JSONDecoder`: it says at which byte a body stops being JSON, keeps `true` apart
/// from `1`, and hands back every key, so a misspelt field (`"reasn"`) is refused instead
/// of silently ignored, as unknown keys are in the configuration file.
///
/// Refusals, in the order they are checked:
/// - a `Content-Type` that is not JSON (`application/json`, `application/*+json`), or a
///   body without one: 415. Browsers can send a form-encoded body to another site without
///   asking first, a JSON one they cannot, so this also keeps other web pages from acting
///   with an agent's remembered Basic credentials.
/// - more than ``maximumBytes``: 413, before reading when `Content-Length` says so.
/// - not JSON, not an object, or a field of the wrong JSON type: 400 `malformed-json`.
/// - a field the route does not know: 422 `unknown-field`.
struct APIRequestBody: Sendable {
    /// Largest body read (64 KiB): the biggest legitimate one is a wrap-up with notes.
    static let maximumBytes = 64 * 1024

    /// The object's members; `null` members are left out (a null field is an absent one).
    let fields: [String: FlowValue]

    init(fields: [String: FlowValue]) {
        self.fields = fields.filter { $0.value != .null }
    }

    /// Reads the body of `request`. An empty body is an empty object when `required` is
    /// false, and a 400 naming `example` when it is true.
    static func read(_ request: Request, known: [String], required: Bool, example: String) async throws(APIError) -> APIRequestBody {
        let contentType = request.headers[.contentType]
        if let contentType, !isJSON(contentType) { throw .unsupportedMediaType(contentType) }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maximumBytes {
            throw .bodyTooLarge(limit: maximumBytes)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch is NIOTooManyBytesError {
            throw .bodyTooLarge(limit: maximumBytes)
        } catch {
            throw .malformedJSON("the body could not be read (\(error)); send it again")
        }
        let bytes = buffer.readableBytesView
        if bytes.allSatisfy(isJSONWhitespace) {
            guard !required else { throw .malformedJSON("the body is empty; send a JSON object such as \(example)") }
            return APIRequestBody(fields: [:])
        }
        guard contentType != nil else { throw .unsupportedMediaType(nil) }
        let body = try parse(bytes, example: example)
        for name in body.fields.keys.sorted() where !known.contains(name) {
            throw .unknownField(name, known: known)
        }
        return body
    }

    /// The JSON object in `bytes`; 400 when it is not JSON or not an object.
    static func parse(_ bytes: some Sequence<UInt8>, example: String) throws(APIError) -> APIRequestBody {
        let value: FlowValue
        do {
            value = try FlowValue(json: bytes)
        } catch {
            throw .malformedJSON("the body is not JSON: \(error.code) at byte \(error.offset); send a JSON object such as \(example)")
        }
        guard case .record(let fields) = value else {
            throw .malformedJSON("the body is a JSON \(value.jsonTypeName), not an object; send a JSON object such as \(example)")
        }
        return APIRequestBody(fields: fields)
    }

    /// `true`/`false`, or nil when absent.
    func bool(_ name: String) throws(APIError) -> Bool? {
        switch fields[name] {
        case nil: return nil
        case .bool(let b): return b
        case let other?: throw .malformedJSON(field: name, "'\(name)' is a \(other.jsonTypeName); write true or false")
        }
    }

    /// A string, or nil when absent.
    func string(_ name: String) throws(APIError) -> String? {
        switch fields[name] {
        case nil: return nil
        case .string(let s): return s
        case let other?: throw .malformedJSON(field: name, "'\(name)' is a \(other.jsonTypeName); write it as a string in quotes")
        }
    }

    /// An array of strings, or nil when absent.
    func strings(_ name: String) throws(APIError) -> [String]? {
        switch fields[name] {
        case nil: return nil
        case .list(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else {
                    throw .malformedJSON(field: name, "'\(name)' holds a \(item.jsonTypeName); write a list of strings, e.g. [\"a\", \"b\"]")
                }
                out.append(s)
            }
            return out
        case let other?: throw .malformedJSON(field: name, "'\(name)' is a \(other.jsonTypeName); write a list of strings, e.g. [\"a\", \"b\"]")
        }
    }

    /// `application/json` or `application/<something>+json`, parameters (charset) ignored.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: " \t").lowercased() } ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

extension FlowValue {
    /// The JSON name of the value's kind, for error messages about request bodies.
    var jsonTypeName: String {
        switch self {
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .list: "array"
        case .record: "object"
        case .null: "null"
        }
    }
}
