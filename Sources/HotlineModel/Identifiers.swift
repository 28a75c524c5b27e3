/// Identifiers are small typed wrappers around strings so that a `CustomerID` can never be
/// passed where a `UserID` is expected. They are opaque: whoever creates a record chooses
/// the value (usually a UUID string made at the edge), which keeps this module free of
/// clocks and random numbers.
///
/// They encode as a bare JSON string (`"u-1"`, not `{"rawValue":"u-1"}`) through the
/// standard library's `RawRepresentable` coding, so the wire and stored forms stay plain.
public protocol StringIdentifier:
    RawRepresentable, Hashable, Comparable, Codable, CodingKeyRepresentable, Sendable,
    CustomStringConvertible, ExpressibleByStringLiteral
where RawValue == String {
    init(rawValue: String)
}

extension StringIdentifier {
    /// Unlabelled form for call sites where the type name already says what the string is.
    public init(_ rawValue: String) { self.init(rawValue: rawValue) }
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    // `CodingKeyRepresentable`: a `[CustomerID: X]` encodes as a JSON object keyed by
    // the id, not as the flat [key, value, ...] array Codable uses for other key types.
    public var codingKey: any CodingKey { IdentifierCodingKey(stringValue: rawValue) }
    public init?<Key: CodingKey>(codingKey: Key) { self.init(rawValue: codingKey.stringValue) }
}

private struct IdentifierCodingKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// A person who logs in: an agent, a supervisor or an administrator.
public struct UserID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

/// A user acting as an agent in routing (ACD) and CTI. Agents are users with the
/// `agent` role, so an `AgentID` carries the same value as that user's `UserID`; the
/// separate type keeps routing code from accepting, say, an admin-only account by mistake.
public struct AgentID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The agent identity of a user; see the type's note on why the values are equal.
    public init(_ user: UserID) { self.rawValue = user.rawValue }
}

/// Someone who contacts the center (or is contacted by it).
public struct CustomerID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

/// One call, chat, SMS thread or email conversation, from start to end.
public struct InteractionID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
