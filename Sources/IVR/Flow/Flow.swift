import HotlineModel

/// A service line's flow, decoded from one YAML file: named prompts and nodes, and the
/// node a call starts at. Values a designer wrote keep their ``SourceLocation`` so the
/// validator (and the interpreter, when a call hits a runtime problem) can point at them.
///
/// Expressions and templates are kept as written (``Located``) and compiled by the
/// validator: the decoder's job is the shape of the file.
public struct Flow: Sendable, Hashable {
    public var name: String
    public var file: String
    /// The language prompts start in (a `language` node changes it for the call).
    public var language: Language
    public var start: Located<NodeID>
    public var prompts: [String: PromptDefinition]
    public var nodes: [NodeID: FlowNode]
    /// Node ids in file order (for messages and listings).
    public var order: [NodeID]

    public init(name: String, file: String, language: Language, start: Located<NodeID>,
                prompts: [String: PromptDefinition], nodes: [NodeID: FlowNode], order: [NodeID]) {
        self.name = name
        self.file = file
        self.language = language
        self.start = start
        self.prompts = prompts
        self.nodes = nodes
        self.order = order
    }
}

/// A value and where it was written.
public struct Located<Value: Hashable & Sendable>: Hashable, Sendable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// A node's name in its flow.
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var name: String
    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { name = value }
    public var description: String { name }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.name < b.name }
}

/// What a prompt says, per language: a recorded file or text for TTS.
public struct PromptDefinition: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// A WAV file, relative to the flow file.
        case file(String)
        /// Text rendered by TTS (may contain `{variables}`: then it is rendered per call).
        case text(String)
    }

    public var name: String
    public var location: SourceLocation
    public var sources: [Language: Located<Source>]

    public init(name: String, location: SourceLocation, sources: [Language: Located<Source>]) {
        self.name = name
        self.location = location
        self.sources = sources
    }
}

/// One step of a flow.
public struct FlowNode: Sendable, Hashable {
    public var id: NodeID
    public var location: SourceLocation
    public var kind: Kind
    /// Where a node that finishes normally goes (nodes with branches name them in `kind`).
    public var next: Located<NodeID>?

    public init(id: NodeID, location: SourceLocation, kind: Kind, next: Located<NodeID>? = nil) {
        self.id = id
        self.location = location
        self.kind = kind
        self.next = next
    }

    public enum Kind: Sendable, Hashable {
        case play(Play)
        case say(Say)
        case menu(Menu)
        case collect(Collect)
        case verify(Verify)
        case lookup(Lookup)
        case create(Create)
        case http(HTTPRequest)
        case set([Assignment])
        case branch(Branch)
        case hours(Hours)
        case language(LanguageChoice)
        case voicemail(Voicemail)
        case callback(Callback)
        case transfer(Transfer)
        case subflow(Subflow)
        case `return`
        case hangup(Hangup)

        /// The YAML key that introduces it.
        public var keyword: String {
            switch self {
            case .play: "play"
            case .say: "say"
            case .menu: "menu"
            case .collect: "collect"
            case .verify: "verify"
            case .lookup: "lookup"
            case .create: "create"
            case .http: "http"
            case .set: "set"
            case .branch: "branch"
            case .hours: "hours"
            case .language: "language"
            case .voicemail: "voicemail"
            case .callback: "callback"
            case .transfer: "transfer"
            case .subflow: "subflow"
            case .return: "return"
            case .hangup: "hangup"
            }
        }
    }
}

// MARK: Node contents

/// Plays named prompts in order.
public struct Play: Sendable, Hashable {
    public var prompts: [Located<String>]
    /// A digit stops the prompts (and is kept for a following menu or collect).
    public var bargeIn: Bool
}

/// Says values: prompts, TTS text and numbers, digits, money, dates and times.
public struct Say: Sendable, Hashable {
    public enum Item: Sendable, Hashable {
        case prompt(Located<String>)
        /// A template rendered by TTS in the call's language.
        case text(Located<String>)
        /// An expression's value said as a number.
        case number(Located<String>)
        case digits(Located<String>)
        case money(Located<String>, currency: String)
        case date(Located<String>)
        case time(Located<String>)
    }

    public var items: [Item]
    public var bargeIn: Bool
}

/// A voice menu.
public struct Menu: Sendable, Hashable {
    public var prompt: Located<String>
    public var options: [Located<String>: Located<NodeID>]
    public var timeoutMilliseconds: Int
    /// Tries before `onFailure` (timeouts and invalid keys both count).
    public var tries: Int
    public var invalidPrompt: Located<String>?
    public var timeoutPrompt: Located<String>?
    public var bargeIn: Bool
    /// Plays the menu again without counting a try.
    public var repeatKey: Located<String>?
    public var onFailure: Located<NodeID>
}

/// Collects digits into a variable.
public struct Collect: Sendable, Hashable {
    public var prompt: Located<String>
    public var variable: Located<String>
    public var minimumLength: Int
    public var maximumLength: Int
    /// Ends input early (`#`); not part of the value.
    public var terminator: Character?
    public var firstDigitTimeoutMilliseconds: Int
    public var interDigitTimeoutMilliseconds: Int
    /// Masked in logs and events, and the recording pauses while it is entered.
    public var secret: Bool
    public var tries: Int
    public var invalidPrompt: Located<String>?
    public var timeoutPrompt: Located<String>?
    public var onFailure: Located<NodeID>
}

/// Checks who is calling: an identifier (or the caller ID) and a PIN against the store.
public struct Verify: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case callerID = "caller_id", phone, account, card
    }

    public var method: Method
    /// An expression giving the identifier (not used for `caller_id`).
    public var identifier: Located<String>?
    /// The variable holding the PIN the caller entered.
    public var pin: Located<String>
    public var onFailure: Located<NodeID>
    public var onLocked: Located<NodeID>
}

/// Loads records from the store into a variable.
public struct Lookup: Sendable, Hashable {
    public enum Record: String, Sendable, Hashable, CaseIterable {
        case customer, balance, bills, transactions, orders, parcels, tickets, cards
    }

    public var record: Record
    /// An expression: the customer id, order number, ... to look up by.
    public var key: Located<String>
    public var variable: Located<String>
    public var onNotFound: Located<NodeID>
}

/// Creates a record in the store from the call (a fault ticket, a return) and puts it,
/// with the number the store gave it, in a variable.
public struct Create: Sendable, Hashable {
    public enum Record: String, Sendable, Hashable, CaseIterable {
        case ticket, `return`

        /// Fields a node must give, and those it may.
        public var requiredFields: [String] {
            switch self {
            case .ticket: ["category", "kind"]
            case .return: ["order", "reason"]
            }
        }

        public var optionalFields: [String] {
            switch self {
            case .ticket: ["summary", "customer"]
            case .return: ["customer"]
            }
        }
    }

    public var record: Record
    /// Templates rendered per call, in file order.
    public var fields: [(key: String, template: Located<String>)]
    public var variable: Located<String>
    /// The store refused it (an unknown order, a database error).
    public var onError: Located<NodeID>

    public init(record: Record, fields: [(key: String, template: Located<String>)], variable: Located<String>,
                onError: Located<NodeID>) {
        self.record = record
        self.fields = fields
        self.variable = variable
        self.onError = onError
    }

    public static func == (a: Create, b: Create) -> Bool {
        a.record == b.record && a.variable == b.variable && a.onError == b.onError
            && a.fields.map(\.key) == b.fields.map(\.key) && a.fields.map(\.template) == b.fields.map(\.template)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(record)
        hasher.combine(variable)
        for (key, template) in fields { hasher.combine(key); hasher.combine(template) }
    }
}

/// Calls an enterprise system over HTTP(S) with a JSON body and reads its JSON answer.
public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    public var url: Located<String>
    public var body: [(key: String, template: Located<String>)]
    public var variable: Located<String>?
    public var timeoutMilliseconds: Int
    public var onError: Located<NodeID>
    public var onTimeout: Located<NodeID>

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.url == b.url && a.variable == b.variable
            && a.timeoutMilliseconds == b.timeoutMilliseconds && a.onError == b.onError && a.onTimeout == b.onTimeout
            && a.body.map(\.key) == b.body.map(\.key) && a.body.map(\.template) == b.body.map(\.template)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        for (key, template) in body { hasher.combine(key); hasher.combine(template) }
    }
}

public struct Assignment: Sendable, Hashable {
    public var variable: Located<String>
    public var expression: Located<String>
}

/// The first condition that holds chooses the node; `otherwise` when none does.
public struct Branch: Sendable, Hashable {
    public var cases: [(condition: Located<String>, node: Located<NodeID>)]
    public var otherwise: Located<NodeID>

    public static func == (a: Branch, b: Branch) -> Bool {
        a.otherwise == b.otherwise && a.cases.map(\.condition) == b.cases.map(\.condition)
            && a.cases.map(\.node) == b.cases.map(\.node)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(otherwise)
        for (c, n) in cases { hasher.combine(c); hasher.combine(n) }
    }
}

/// Opening hours in a time zone, with holidays.
public struct Hours: Sendable, Hashable {
    public struct Span: Sendable, Hashable {
        /// ISO weekdays, 1 = Monday ... 7 = Sunday.
        public var weekdays: Set<Int>
        /// Minutes from midnight, `from` inclusive, `to` exclusive.
        public var from: Int
        public var to: Int

        public init(weekdays: Set<Int>, from: Int, to: Int) {
            self.weekdays = weekdays
            self.from = from
            self.to = to
        }
    }

    /// Offset from UTC in minutes (flows name a zone; the decoder knows the fixed ones).
    public var utcOffsetMinutes: Int
    public var zoneName: String
    public var open: [Span]
    /// Dates closed all day, as (year, month, day).
    public var holidays: Set<Located<String>>
    public var whenOpen: Located<NodeID>
    public var whenClosed: Located<NodeID>
    public var onHoliday: Located<NodeID>?
}

/// Offers the languages by digit; every later prompt is in the one chosen.
public struct LanguageChoice: Sendable, Hashable {
    public var prompt: Located<String>
    public var options: [Located<String>: Language]
    public var timeoutMilliseconds: Int
    /// Used when the caller presses nothing or something else.
    public var fallback: Language
}

/// Records a message after the beep, stored with the interaction.
public struct Voicemail: Sendable, Hashable {
    public var prompt: Located<String>
    public var maximumSeconds: Int
}

/// Takes a number (default: the caller ID) and a preferred time, stored as a callback request.
public struct Callback: Sendable, Hashable {
    public var prompt: Located<String>
    public var number: Located<String>?
    public var preferredTime: Located<String>?
}

/// Hands the call to a queue with the IVR context attached.
public struct Transfer: Sendable, Hashable {
    public var queue: Located<String>
    public var skills: [Located<String>]
    public var priority: Int
    /// Played while the call waits (until routing exists, the call hears it in a loop).
    public var prompt: Located<String>?
    /// A reason shown to the agent ("locked after three wrong PINs").
    public var reason: Located<String>?
}

/// Runs another flow and comes back to `next` when it returns.
public struct Subflow: Sendable, Hashable {
    public var flow: Located<String>
}

public struct Hangup: Sendable, Hashable {
    public var prompt: Located<String>?
    /// Recorded as the interaction's IVR outcome ("self-served", "locked", ...).
    public var outcome: String?
}
