import Foundation

/// The standards corpora of SIP messages kept next to the repository (RFC 4475 torture
/// tests, RFC 5118 IPv6 tests), read bit-exact.
///
/// Where it is looked for, in order:
/// 1. `$HOTLINE_SIP_CORPUS`, a directory holding `rfc4475/` and `rfc5118/`;
/// 2. `../shared/corpora` next to the repository root, the root being three levels up from
///    the calling test file (`<root>/Tests/<Target>/<File>.swift`), first as the compiler
///    spelled the path, then with symlinks resolved.
public struct SIPCorpus: Sendable {
    public static let environmentVariable = "HOTLINE_SIP_CORPUS"

    /// One of the message collections.
    public enum Collection: String, Sendable, CaseIterable {
        case rfc4475
        case rfc5118
    }

    /// A row of a collection's `EXPECTED.tsv`.
    public struct Expectation: Sendable, Hashable {
        /// The file name without `.dat`: `wsinv`, `ipv6-good`.
        public var tag: String
        /// The RFC section, e.g. `3.1.1.1`.
        public var section: String
        public var title: String
        /// `valid-must-parse`, `invalid-must-reject-400`, `invalid-response-discard` ...
        public var expected: String
        /// What the RFC says a UAS does with the message.
        public var uasResponse: String
        public var notes: String
        /// Every column by its header name, for the columns the two files do not share.
        public var columns: [String: String]
    }

    /// Why the corpus could not be found, worded for the person running the tests.
    public struct NotFound: Error, Sendable, CustomStringConvertible {
        public var searched: [String]
        public init(searched: [String]) { self.searched = searched }
        public var description: String {
            "SIP corpus not found (looked in: \(searched.joined(separator: ", "))). "
                + "Set \(SIPCorpus.environmentVariable) to a directory containing rfc4475/ and rfc5118/, "
                + "e.g. \(SIPCorpus.environmentVariable)=/work/shared/corpora swift test"
        }
    }

    /// The directory holding `rfc4475/` and `rfc5118/`.
    public let root: URL

    public init(root: URL) { self.root = root }

    /// Finds the corpus, or explains where it looked.
    public static func locate(filePath: StaticString = #filePath) -> Result<SIPCorpus, NotFound> {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env, isDirectory: true))
        }
        let testFile = URL(fileURLWithPath: "\(filePath)")
        for file in [testFile, testFile.resolvingSymlinksInPath()] {
            let repoRoot = file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let corpora = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora", isDirectory: true)
            if !candidates.contains(where: { $0.standardizedFileURL.path == corpora.standardizedFileURL.path }) {
                candidates.append(corpora)
            }
        }
        for dir in candidates {
            let probe = dir.appendingPathComponent("rfc4475/EXPECTED.tsv").path
            if FileManager.default.fileExists(atPath: probe) { return .success(SIPCorpus(root: dir)) }
        }
        return .failure(NotFound(searched: candidates.map { $0.standardizedFileURL.path }))
    }

    public func directory(_ collection: Collection) -> URL {
        root.appendingPathComponent(collection.rawValue, isDirectory: true)
    }

    /// The bytes of `<tag>.dat`, exactly as stored (one UDP datagram's worth).
    public func message(_ tag: String, in collection: Collection = .rfc4475) throws -> [UInt8] {
        let url = directory(collection).appendingPathComponent(tag + ".dat")
        return Array(try Data(contentsOf: url))
    }

    /// The tags of every `.dat` file in a collection, sorted.
    public func tags(in collection: Collection) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory(collection).path)
            .filter { $0.hasSuffix(".dat") }
            .map { String($0.dropLast(4)) }
            .sorted()
    }

    /// The rows of a collection's `EXPECTED.tsv`, in file order.
    public func expectations(in collection: Collection) throws -> [Expectation] {
        let text = try String(contentsOf: directory(collection).appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var columns: [String: String] = [:]
            for (i, name) in header.enumerated() { columns[name] = i < cells.count ? cells[i] : "" }
            return Expectation(tag: columns["tag"] ?? "", section: columns["section"] ?? "",
                               title: columns["title"] ?? "", expected: columns["expected"] ?? "",
                               uasResponse: columns["uas_response"] ?? "", notes: columns["notes"] ?? "",
                               columns: columns)
        }
    }

    /// The `EXPECTED.tsv` row for one tag.
    public func expectation(_ tag: String, in collection: Collection = .rfc4475) throws -> Expectation? {
        try expectations(in: collection).first { $0.tag == tag }
    }
}
