/// The records routing writes: every agent state change, and one call record per
/// interaction that says what happened from arrival to hang-up (IVR, queues, offers to
/// agents, transfers, outcome).
///
/// These are plain values: the ACD engine decides, the server stores them through
/// `RoutingStore`, exports read them. Rules on their contents (reason codes, time order,
/// segment positions) are checked by storage, so a decoded value is never silently fixed.

/// Where an agent stands in routing. Raw values are the stored and wire form.
///
/// ```
///  logged-out ──login──▶ not-ready ◀──────────── (any state: phone lost, supervisor)
///                          │  ▲
///                    ready │  │ break / missed call
///                          ▼  │
///                       available ──offer──▶ reserved ──answer──▶ on-call ──hang-up──▶ wrap-up
///                          ▲                   │ no answer                               │
///                          └───────────────────┴─────────────────────────────────────────┘
/// ```
/// Which transitions are allowed is the ACD's business; storage keeps what happened.
public enum AgentStateName: String, CaseIterable, Hashable, Codable, Sendable {
    /// Not working; offered nothing. Exit: login (to not-ready or available).
    case loggedOut = "logged-out"
    /// Waiting for a call. Exits: reserved (an offer), not-ready, logged-out.
    case available
    /// The agent's phone rings with an offer. Exits: on-call (answer), not-ready (no
    /// answer, busy, unreachable), available (the caller left while it rang).
    case reserved
    /// Talking. Exits: wrap-up (the call ended), not-ready (the phone vanished).
    case onCall = "on-call"
    /// After-call work. Exits: available (time up or the agent is done), not-ready, logged-out.
    case wrapUp = "wrap-up"
    /// Logged in but not taking calls, for a ``NotReadyReason``. Exits: available, logged-out.
    case notReady = "not-ready"
}

/// Why an agent is not ready: a short code, one of the well-known ones below or a custom
/// one a center configures. Custom codes are lower-case ASCII letters, digits and `-`, 1
/// to 32 characters (checked by storage, so the ACD can refuse bad configuration early
/// with the same rule).
///
/// Encodes as a bare JSON string (`"lunch"`).
public struct NotReadyReason: RawRepresentable, Hashable, Codable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let `break`: NotReadyReason = "break"
    public static let lunch: NotReadyReason = "lunch"
    public static let training: NotReadyReason = "training"
    public static let meeting: NotReadyReason = "meeting"
    /// Set by the ACD when an offer rang out unanswered (RONA).
    public static let missedCall: NotReadyReason = "missed-call"
    /// Set by the ACD when the agent's phone unregistered or could not be reached.
    public static let phoneUnavailable: NotReadyReason = "phone-unavailable"
    /// Set by a supervisor.
    public static let forcedBySupervisor: NotReadyReason = "supervisor"
    /// The state right after logging in, until the agent makes themselves available.
    public static let login: NotReadyReason = "login"

    public var description: String { rawValue }
}

/// One transition of one agent, as stored: the agent's state history is the list of these
/// in `sequence` order, and the last one is the agent's state after a restart.
public struct AgentStateChange: Hashable, Codable, Sendable {
    public var agentID: AgentID
    /// Per agent, strictly increasing; assigned by the caller (the ACD), so a replayed
    /// write is recognised as a conflict instead of being stored twice.
    public var sequence: Int64
    public var from: AgentStateName
    public var to: AgentStateName
    /// Set exactly when `to` is ``AgentStateName/notReady``.
    public var reason: NotReadyReason?
    /// The call being offered, handled or wrapped up: set exactly when `to` is reserved,
    /// on-call or wrap-up.
    public var interactionID: InteractionID?
    public var at: Timestamp
    /// What caused it, free text for the supervisor (at most 200 characters): `agent`,
    /// `ring no answer`, `phone unregistered`, `restart`, ...
    public var cause: String

    public init(agentID: AgentID, sequence: Int64, from: AgentStateName, to: AgentStateName,
                reason: NotReadyReason? = nil, interactionID: InteractionID? = nil, at: Timestamp, cause: String) {
        self.agentID = agentID
        self.sequence = sequence
        self.from = from
        self.to = to
        self.reason = reason
        self.interactionID = interactionID
        self.at = at
        self.cause = cause
    }
}

/// How a call ended, as reports count it. Raw values are the stored and exported form.
public enum CallOutcome: String, CaseIterable, Hashable, Codable, Sendable {
    /// The caller finished in the IVR without asking for a person.
    case selfServed = "self-served"
    /// An agent answered.
    case answered
    /// The caller hung up in the IVR before reaching a queue.
    case abandonedInIVR = "abandoned-in-ivr"
    /// The caller hung up while waiting in a queue.
    case abandonedInQueue = "abandoned-in-queue"
    /// The caller hung up while an agent's phone rang.
    case abandonedRinging = "abandoned-ringing"
    /// The caller asked to be called back (from the IVR or while waiting).
    case callback
    /// The caller left a voicemail (from the IVR or after the queue's maximum wait).
    case voicemail
    /// Blind-transferred to an external number; Hotline's part ended there.
    case transferredOut = "transferred-out"
    /// Hotline could not handle the call (no route, media failure, ...).
    case failed
    /// Hotline stopped while the call was up; set by start-up recovery.
    case interrupted
}

/// One offer of a call to an agent, and that agent's part of the call if they answered.
public struct CallSegment: Hashable, Codable, Sendable {
    /// What became of the offer.
    public enum Result: String, CaseIterable, Hashable, Codable, Sendable {
        /// The agent's phone is ringing now.
        case ringing
        /// The agent answered (and the call may still be up: see `endedAt`).
        case answered
        /// Rang until the no-answer timeout.
        case noAnswer = "no-answer"
        /// The phone answered busy.
        case busy
        /// The phone could not be reached (not registered, no response, error).
        case unreachable
        /// The caller left while it rang.
        case cancelled
        /// The agent answered and transferred the call on.
        case transferred
        /// The agent answered, then their phone vanished (no media, no signalling): the
        /// caller went back to the queue or the call ended, as the record's end says.
        case lost
    }

    /// 0, 1, 2, ... within the record, in offer order.
    public var position: Int
    public var agentID: AgentID
    /// The queue the offer came from; nil for a transfer straight to the agent.
    public var queue: String?
    public var offeredAt: Timestamp
    public var answeredAt: Timestamp?
    /// When the ringing or the agent's part ended; nil while it lasts.
    public var endedAt: Timestamp?
    public var result: Result
    /// Talking time, holds excluded.
    public var talkMs: Int64
    /// Time the caller spent on hold during this agent's part.
    public var holdMs: Int64
    /// The agent's after-call work for this call.
    public var wrapUpMs: Int64
    /// The agent's classification (`resolved`, `escalated`, ...).
    public var disposition: String?
    public var notes: String?

    public init(position: Int, agentID: AgentID, queue: String? = nil, offeredAt: Timestamp,
                answeredAt: Timestamp? = nil, endedAt: Timestamp? = nil, result: Result, talkMs: Int64 = 0,
                holdMs: Int64 = 0, wrapUpMs: Int64 = 0, disposition: String? = nil, notes: String? = nil) {
        self.position = position
        self.agentID = agentID
        self.queue = queue
        self.offeredAt = offeredAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.result = result
        self.talkMs = talkMs
        self.holdMs = holdMs
        self.wrapUpMs = wrapUpMs
        self.disposition = disposition
        self.notes = notes
    }
}

/// A transfer of a call, asked for by an agent (SIP REFER, the API) or by Hotline.
public struct CallTransfer: Hashable, Codable, Sendable {
    public enum Kind: String, CaseIterable, Hashable, Codable, Sendable {
        /// Sent on at once; the transferring agent leaves.
        case blind
        /// The agent consulted the target first, then completed or cancelled.
        case attended
    }

    /// Where the call was sent. Encodes as a one-key object: `{"queue": "cards"}`,
    /// `{"agent": "u-7"}`, `{"number": "+8610..."}`.
    public enum Target: Hashable, Codable, Sendable {
        case queue(String)
        case agent(AgentID)
        /// An external number (through the outbound trunk).
        case number(String)

        private enum CodingKeys: String, CodingKey { case queue, agent, number }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.allKeys.count == 1, let key = container.allKeys.first else {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "A transfer target is one of {\"queue\": ...}, {\"agent\": ...} or {\"number\": ...}."))
            }
            switch key {
            case .queue: self = .queue(try container.decode(String.self, forKey: .queue))
            case .agent: self = .agent(try container.decode(AgentID.self, forKey: .agent))
            case .number: self = .number(try container.decode(String.self, forKey: .number))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .queue(let queue): try container.encode(queue, forKey: .queue)
            case .agent(let agent): try container.encode(agent, forKey: .agent)
            case .number(let number): try container.encode(number, forKey: .number)
            }
        }
    }

    public var at: Timestamp
    public var kind: Kind
    /// The agent who transferred; nil when Hotline did (an IVR or API transfer).
    public var byAgent: AgentID?
    public var target: Target
    /// False while an attended transfer is consulting, and when it was cancelled.
    public var completed: Bool
    /// What the transferring agent wrote for whoever takes the call next.
    public var note: String?
    public static let maximumNoteLength = 1000

    public init(at: Timestamp, kind: Kind, byAgent: AgentID?, target: Target, completed: Bool, note: String? = nil) {
        self.at = at
        self.kind = kind
        self.byAgent = byAgent
        self.target = target
        self.completed = completed
        self.note = note
    }
}

/// Everything reports need to know about one call, written as the call progresses (so a
/// crash loses no finished call) and closed with an ``outcome``.
public struct CallRecord: Hashable, Codable, Sendable {
    public var interactionID: InteractionID
    /// The first leg's SIP Call-ID.
    public var sipCallID: String?
    /// The caller's number as presented (may be `anonymous`).
    public var caller: String
    /// The service number dialled.
    public var dialled: String
    public var arrivedAt: Timestamp
    public var ivrEndedAt: Timestamp?
    /// When the call first joined a queue.
    public var queuedAt: Timestamp?
    /// When the first agent's phone started ringing.
    public var firstOfferedAt: Timestamp?
    /// When the first agent answered.
    public var answeredAt: Timestamp?
    public var endedAt: Timestamp?
    /// The IVR nodes visited, in order.
    public var ivrPath: [String]
    public var ivrOutcome: String?
    /// The last queue the call waited in (the last of ``queues``).
    public var queue: String?
    /// Every queue the call waited in, in order: overflow and transfers add to it.
    public var queues: [String]
    /// Queued to answered, or to abandoned; nil when never queued.
    public var waitMs: Int64?
    /// Offers to agents, in order.
    public var segments: [CallSegment]
    public var transfers: [CallTransfer]
    /// The last agent's classification of the call.
    public var disposition: String?
    /// The recording's WAV file, absolute.
    public var recordingPath: String?
    /// Nil while the call is up.
    public var outcome: CallOutcome?
    /// Who or what ended it: `caller hung up`, `agent hung up`, `max wait`, `interrupted`, ...
    public var endReason: String?

    public init(interactionID: InteractionID, sipCallID: String? = nil, caller: String, dialled: String,
                arrivedAt: Timestamp, ivrEndedAt: Timestamp? = nil, queuedAt: Timestamp? = nil,
                firstOfferedAt: Timestamp? = nil, answeredAt: Timestamp? = nil, endedAt: Timestamp? = nil,
                ivrPath: [String] = [], ivrOutcome: String? = nil, queue: String? = nil, queues: [String] = [],
                waitMs: Int64? = nil, segments: [CallSegment] = [], transfers: [CallTransfer] = [],
                disposition: String? = nil, recordingPath: String? = nil, outcome: CallOutcome? = nil,
                endReason: String? = nil) {
        self.interactionID = interactionID
        self.sipCallID = sipCallID
        self.caller = caller
        self.dialled = dialled
        self.arrivedAt = arrivedAt
        self.ivrEndedAt = ivrEndedAt
        self.queuedAt = queuedAt
        self.firstOfferedAt = firstOfferedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.ivrPath = ivrPath
        self.ivrOutcome = ivrOutcome
        self.queue = queue
        self.queues = queues
        self.waitMs = waitMs
        self.segments = segments
        self.transfers = transfers
        self.disposition = disposition
        self.recordingPath = recordingPath
        self.outcome = outcome
        self.endReason = endReason
    }

    /// The agents who answered, in order, each once.
    public var agents: [AgentID] {
        var seen = Set<AgentID>()
        return segments.compactMap { segment in
            segment.answeredAt != nil && seen.insert(segment.agentID).inserted ? segment.agentID : nil
        }
    }

    /// Talking time over every segment.
    public var talkMs: Int64 { segments.reduce(0) { $0 + $1.talkMs } }
    /// Hold time over every segment.
    public var holdMs: Int64 { segments.reduce(0) { $0 + $1.holdMs } }
    /// After-call work over every segment.
    public var wrapUpMs: Int64 { segments.reduce(0) { $0 + $1.wrapUpMs } }
}

extension CallRecord {
    /// End reasons exports recognise (``endReason`` is free text; these are the values
    /// the ACD writes for the cases reports tell apart).
    public enum EndReason {
        public static let callerHungUp = "caller hung up"
        public static let agentHungUp = "agent hung up"
        /// The queue's maximum wait passed and the caller was sent to voicemail or a callback.
        public static let maxWait = "max wait"
        public static let interrupted = "interrupted"
    }
}
