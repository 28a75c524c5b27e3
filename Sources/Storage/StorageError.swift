/// What went wrong in a store, in words an operator or API client can act on.
///
/// Every backend throws this and only this (plus `CancellationError`), so the HTTP layer
/// maps `code` to a status once (`notFound` → 404, `conflict` → 409, `invalid` → 400,
/// `backend` → 503) and shows `message`, which always says what to do next.
public struct StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct with static members rather than an enum so that new
    /// codes can be added without breaking exhaustive switches in callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case notFound, conflict, invalid, backend
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The record to read, update or attach to does not exist.
        public static let notFound = Code(.notFound)
        /// A unique key is already taken; `field` says which.
        public static let conflict = Code(.conflict)
        /// The input breaks a rule (empty name, skill level 11, malformed HA1); `field`
        /// says which when one field is to blame.
        public static let invalid = Code(.invalid)
        /// The database failed or is unreachable; retrying later may help.
        public static let backend = Code(.backend)

        public var description: String { base.rawValue }
    }

    /// A named input field, so clients can highlight the right form field.
    public struct Field: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The record's own identifier.
        public static let id = Field(rawValue: "id")
        public static let username = Field(rawValue: "username")
        public static let displayName = Field(rawValue: "displayName")
        public static let skills = Field(rawValue: "skills")
        public static let phoneNumber = Field(rawValue: "phoneNumber")
        public static let accountNumber = Field(rawValue: "accountNumber")
        public static let tags = Field(rawValue: "tags")
        public static let name = Field(rawValue: "name")
        /// The digest username of a SIP credential within its realm.
        public static let sipUsername = Field(rawValue: "sipUsername")
        public static let passwordHash = Field(rawValue: "passwordHash")
        public static let realm = Field(rawValue: "realm")
        public static let ha1 = Field(rawValue: "ha1")
        public static let paging = Field(rawValue: "paging")
        public static let path = Field(rawValue: "path")
        /// Self-service records (see `SelfServiceStore`).
        public static let cardNumber = Field(rawValue: "cardNumber")
        public static let orderNumber = Field(rawValue: "orderNumber")
        public static let trackingNumber = Field(rawValue: "trackingNumber")
        /// A bill's month: one bill per account and month.
        public static let period = Field(rawValue: "period")
        /// An IVR step's place in its interaction's path.
        public static let position = Field(rawValue: "position")
        public static let currency = Field(rawValue: "currency")
        /// A calendar date or month (`YYYY-MM-DD`, `YYYY-MM`).
        public static let date = Field(rawValue: "date")
        public static let pin = Field(rawValue: "pin")
        /// The customer a record belongs to or mentions.
        public static let customerID = Field(rawValue: "customerID")
        /// The interaction a record was made in.
        public static let interactionID = Field(rawValue: "interactionID")
        /// A callback or voicemail number.
        public static let number = Field(rawValue: "number")
        /// A length of time (a voicemail's, an IVR step's).
        public static let duration = Field(rawValue: "duration")
        /// An IVR summary's transfer request.
        public static let transfer = Field(rawValue: "transfer")
        /// Routing records (see `RoutingStore`).
        /// The agent a state change or call segment is about.
        public static let agentID = Field(rawValue: "agentID")
        /// An agent state change's place in that agent's history.
        public static let sequence = Field(rawValue: "sequence")
        /// A not-ready reason code.
        public static let reason = Field(rawValue: "reason")
        /// What caused an agent state change.
        public static let cause = Field(rawValue: "cause")
        /// A call record's times (arrival, queued, offered, answered, ended), out of order.
        public static let time = Field(rawValue: "time")
        /// A queue name, or a call record's last queue against its list of queues.
        public static let queue = Field(rawValue: "queue")
        /// A call record's offers to agents.
        public static let segments = Field(rawValue: "segments")
        /// A call record's transfers.
        public static let transfers = Field(rawValue: "transfers")
        /// A call record's outcome against its end.
        public static let outcome = Field(rawValue: "outcome")

        public var description: String { rawValue }
    }

    public var code: Code
    /// The field at fault, for `conflict` and most `invalid` errors.
    public var field: Field?
    /// A complete sentence saying what happened and what to do next.
    public var message: String
    /// The backend's own error text, for logs; never shown to API clients.
    public var underlying: String?

    public init(code: Code, field: Field? = nil, message: String, underlying: String? = nil) {
        self.code = code
        self.field = field
        self.message = message
        self.underlying = underlying
    }

    public static func notFound(_ message: String) -> StorageError {
        StorageError(code: .notFound, message: message)
    }

    public static func conflict(_ field: Field, _ message: String) -> StorageError {
        StorageError(code: .conflict, field: field, message: message)
    }

    public static func invalid(_ field: Field?, _ message: String) -> StorageError {
        StorageError(code: .invalid, field: field, message: message)
    }

    public static func backend(_ message: String, underlying: String? = nil) -> StorageError {
        StorageError(code: .backend, message: message, underlying: underlying)
    }

    public var description: String {
        var text = "\(code)"
        if let field { text += " (\(field))" }
        text += ": \(message)"
        if let underlying { text += " [\(underlying)]" }
        return text
    }
}
