import HotlineModel

/// What an agent's desktop shows the moment their phone rings: who is calling, what they
/// did in the IVR, how they were verified, and what they asked for, so nobody asks again.
/// Built from what routing and the IVR already hold; the desktop then fetches the
/// customer's records (balance, bills, cards, orders, tickets, history) over REST.
public struct ScreenPop: Sendable {
    public enum Kind: String, Sendable {
        case call, callback, transfer, consultation
    }

    public var interaction: InteractionID
    public var agent: String
    public var queue: String?
    public var kind: Kind
    public var callerNumber: String
    public var callerName: String?
    public var dialled: String
    public var waitedMilliseconds: Int64?
    public var customer: Customer?
    public var ivr: IVRSummary?
    /// The flow's variables at the end, secrets already masked by the IVR.
    public var variables: JSONValue
    public var steps: [IVRStepRecord]
    /// A transfer's note, from the agent who passed the call on.
    public var note: String?

    public init(interaction: InteractionID, agent: String, queue: String?, kind: Kind, callerNumber: String,
                callerName: String? = nil, dialled: String, waitedMilliseconds: Int64? = nil, customer: Customer? = nil,
                ivr: IVRSummary? = nil, variables: JSONValue = [:], steps: [IVRStepRecord] = [], note: String? = nil) {
        self.interaction = interaction
        self.agent = agent
        self.queue = queue
        self.kind = kind
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.dialled = dialled
        self.waitedMilliseconds = waitedMilliseconds
        self.customer = customer
        self.ivr = ivr
        self.variables = variables
        self.steps = steps
        self.note = note
    }

    /// Variables whose names say they hold a secret are masked again here, whatever the
    /// flow declared: a PIN must never reach a screen.
    static let secretWords = ["pin", "password", "passcode", "cvv", "otp", "secret"]

    public var data: JSONValue {
        var pop: [String: JSONValue] = [
            "interaction": .string(interaction.rawValue),
            "agent": .string(agent),
            "queue": .string(queue),
            "kind": .string(kind.rawValue),
            "caller": ["number": .string(callerNumber), "name": .string(callerName)],
            "dialled": .string(dialled),
            "waitedSeconds": waitedMilliseconds.map { .number(Double($0 / 1000)) } ?? .null,
            "customer": customer.map(Self.customer) ?? .null,
            "note": .string(note),
        ]
        pop["ivr"] = ivr.map { Self.ivr($0, variables: variables, steps: steps) } ?? .null
        return .object(pop)
    }

    /// What the caller did in the IVR: the summary, the variables (secrets masked) and the
    /// path of steps in order (secret inputs masked). The pop and the interaction's detail
    /// (`GET /api/v1/interactions/{id}`) show the same.
    public static func ivr(_ summary: IVRSummary, variables: JSONValue, steps: [IVRStepRecord]) -> JSONValue {
        [
            "flow": .string(summary.flow),
            "language": .string(summary.language.rawValue),
            "outcome": .string(summary.outcome),
            "verification": .string(summary.verification),
            "verificationMethod": .string(summary.verificationMethod),
            "verified": .bool(summary.verification == "verified"),
            "transferReason": .string(summary.transfer?.reason),
            "variables": masked(variables),
            "path": .array(steps.sorted { $0.position < $1.position }.map { step in
                [
                    "node": .string(step.node),
                    "kind": .string(step.kind),
                    "input": .string(step.input.map { isSecret(step.node) ? FlowMask.mask : $0 }),
                    "outcome": .string(step.outcome),
                    "at": .string(step.startedAt.iso8601),
                ]
            }),
        ]
    }

    public static func customer(_ c: Customer) -> JSONValue {
        [
            "id": .string(c.id.rawValue),
            "nameZh": .string(c.nameZh),
            "nameEn": .string(c.nameEn),
            "language": .string(c.language.rawValue),
            "phoneNumbers": .strings(c.phoneNumbers),
            "accountNumbers": .strings(c.accountNumbers),
            "tags": .strings(c.tags.sorted()),
            "vip": .bool(c.tags.contains("vip")),
        ]
    }

    static func isSecret(_ name: String) -> Bool {
        let lower = name.lowercased()
        return secretWords.contains { lower.contains($0) }
    }

    static func masked(_ variables: JSONValue) -> JSONValue {
        guard case .object(let members) = variables else { return variables }
        var out: [String: JSONValue] = [:]
        for (name, value) in members {
            if isSecret(name), value != .null {
                out[name] = .string(FlowMask.mask)
            } else if case .object = value {
                out[name] = masked(value)
            } else {
                out[name] = value
            }
        }
        return .object(out)
    }
}

/// The mask the IVR writes for a secret (the same text as `FlowSession.mask`).
public enum FlowMask {
    public static let mask = "******"
}
