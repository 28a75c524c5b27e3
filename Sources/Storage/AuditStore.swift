import HotlineModel

/// One line of the audit log: who viewed or changed a record, what they did, when.
///
/// Entries are only ever appended; no backend can change or remove one (the SQLite table
/// refuses UPDATE and DELETE itself), so the log can be shown to an auditor as it was written.
public struct AuditEntry: Hashable, Codable, Sendable {
    /// Longest `actor`, `action`, `subject` and `detail`, in Unicode scalars (what SQL
    /// `length` counts).
    public static let maximumActorLength = 64
    public static let maximumActionLength = 64
    public static let maximumSubjectLength = 200
    public static let maximumDetailLength = 2000

    /// The entry's place in the log, assigned by the store when appending (pass nil):
    /// 1, 2, 3, ... in the order entries were appended, so a later entry has a higher
    /// sequence whatever its `at`.
    public var sequence: Int64?
    public var at: Timestamp
    /// Who did it: a username (`1001`), or `system` for Hotline itself.
    public var actor: String
    /// What was done, lower-case words joined by `.` and `-`: `customer.view`,
    /// `customer.create`, `customer.update`.
    public var action: String
    /// What it was done to, as the API names it: `customers/c-123`.
    public var subject: String
    /// More about it for the reader (`changed nameEn, phoneNumbers`), at most
    /// `maximumDetailLength` Unicode scalars.
    public var detail: String?

    public init(sequence: Int64? = nil, at: Timestamp, actor: String, action: String, subject: String,
                detail: String? = nil) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
    }
}

/// The audit log of who viewed or changed customer records.
///
/// Newest first, by sequence: the order entries were appended, which a clock step
/// cannot reorder.
public protocol AuditStore: Sendable {
    /// Appends one entry; returns it with its sequence. Fails with `.invalid` on the bad
    /// field (`sequence` when one is given, `actor`, `action`, `subject`, `detail`) before
    /// anything is written.
    func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry

    /// Newest first; filters optional (exact `subject` and `actor`); at most `limit`
    /// (1...`PageRequest.maximumLimit`, else `.invalid` on `limit`), strictly older than
    /// sequence `before` when given (pass the last sequence of the previous page).
    func auditEntries(subject: String?, actor: String?, limit: Int, before: Int64?) async throws -> [AuditEntry]
}

extension StorageError.Field {
    /// How many items a list or search may return.
    public static let limit = StorageError.Field(rawValue: "limit")
    /// Audit log entries (see `AuditStore`).
    public static let actor = StorageError.Field(rawValue: "actor")
    public static let action = StorageError.Field(rawValue: "action")
    public static let subject = StorageError.Field(rawValue: "subject")
    public static let detail = StorageError.Field(rawValue: "detail")
}

extension PageRequest {
    /// Throws `.invalid` on `limit` unless `limit` is in 1...`maximumLimit`: the rule of the
    /// audit log and the call-record search, whose API parameter is called `limit`.
    public static func requireLimit(_ limit: Int) throws(StorageError) {
        guard (1...maximumLimit).contains(limit) else {
            throw .invalid(.limit, "Ask for 1 to \(maximumLimit) items at a time (asked for \(limit)).")
        }
    }
}

extension AuditEntry {
    /// Throws `.invalid` naming the first field at fault. Nothing is trimmed or rewritten:
    /// the stored entry is exactly the one passed, and bad input is refused.
    public func validateForStorage() throws(StorageError) {
        if let sequence {
            throw .invalid(.sequence, """
                Audit entry \(sequence) already has a sequence; append entries with sequence nil and the store \
                numbers them.
                """)
        }
        guard (1...Self.maximumActorLength).contains(actor.unicodeScalars.count),
              !actor.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0.properties.isWhitespace })
        else {
            throw .invalid(.actor, """
                The audit actor "\(actor)" must be 1 to \(Self.maximumActorLength) characters without spaces; use the \
                username of whoever acted, or "system".
                """)
        }
        guard (1...Self.maximumActionLength).contains(action.unicodeScalars.count),
              action.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || $0 == "." || $0 == "-" })
        else {
            throw .invalid(.action, """
                The audit action "\(action)" must be 1 to \(Self.maximumActionLength) lower-case letters, dots or \
                hyphens, e.g. "customer.view".
                """)
        }
        guard (1...Self.maximumSubjectLength).contains(subject.unicodeScalars.count),
              !subject.trimmedForStorage.isEmpty,
              !subject.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw .invalid(.subject, """
                The audit subject must be 1 to \(Self.maximumSubjectLength) characters naming the record, e.g. \
                "customers/c-123".
                """)
        }
        if let detail, detail.unicodeScalars.count > Self.maximumDetailLength {
            throw .invalid(.detail, """
                The audit detail has \(detail.unicodeScalars.count) characters; keep it to \(Self.maximumDetailLength) \
                (cut it with unicodeScalars.prefix).
                """)
        }
    }
}
