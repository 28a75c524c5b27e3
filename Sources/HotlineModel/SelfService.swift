/// The records a caller serves themselves with in the IVR (balances, bills, cards,
/// orders, parcels) and the ones the IVR creates (tickets, returns, voicemail, callback
/// requests). Numbers are strings of digits because callers key them and the IVR says
/// them back digit by digit.

/// An amount in minor units (fen, cents) of an ISO 4217 currency: no floating point
/// between the store and the caller's ear.
public struct Money: Hashable, Codable, Sendable {
    public var minorUnits: Int64
    /// `CNY`, `USD`, ...
    public var currency: String

    public init(minorUnits: Int64, currency: String = "CNY") {
        self.minorUnits = minorUnits
        self.currency = currency
    }
}

/// A telecom line's prepaid account or a bank account.
public struct ServiceAccount: Hashable, Codable, Sendable {
    public enum Kind: String, CaseIterable, Hashable, Codable, Sendable {
        case telecom, bank
    }

    /// Digits: a telecom account is usually the line's phone number; a bank account 12–19 digits.
    public var number: String
    public var customerID: CustomerID
    public var kind: Kind
    /// The tariff or product: "畅享 129" / "Unlimited 129", "Savings" ...
    public var planZh: String
    public var planEn: String
    /// Credit left (telecom) or the account balance (bank); negative when owing.
    public var balance: Money
    public var openedAt: Timestamp

    public init(number: String, customerID: CustomerID, kind: Kind, planZh: String, planEn: String,
                balance: Money, openedAt: Timestamp) {
        self.number = number
        self.customerID = customerID
        self.kind = kind
        self.planZh = planZh
        self.planEn = planEn
        self.balance = balance
        self.openedAt = openedAt
    }
}

/// A monthly bill of an account.
public struct Bill: Hashable, Codable, Sendable {
    public var id: String
    public var accountNumber: String
    /// The billed month, `YYYY-MM`.
    public var period: String
    public var amount: Money
    public var issuedAt: Timestamp
    /// `YYYY-MM-DD`, in the account's local calendar.
    public var dueDate: String
    public var paid: Bool

    public init(id: String, accountNumber: String, period: String, amount: Money, issuedAt: Timestamp,
                dueDate: String, paid: Bool) {
        self.id = id
        self.accountNumber = accountNumber
        self.period = period
        self.amount = amount
        self.issuedAt = issuedAt
        self.dueDate = dueDate
        self.paid = paid
    }
}

/// A bank card, drawing on an account.
public struct Card: Hashable, Codable, Sendable {
    public enum Status: String, CaseIterable, Hashable, Codable, Sendable {
        case active, lost, blocked, expired
    }

    /// 16–19 digits.
    public var number: String
    public var customerID: CustomerID
    public var accountNumber: String
    public var status: Status
    /// `YYYY-MM`.
    public var expires: String

    public init(number: String, customerID: CustomerID, accountNumber: String, status: Status, expires: String) {
        self.number = number
        self.customerID = customerID
        self.accountNumber = accountNumber
        self.status = status
        self.expires = expires
    }
}

/// A payment or deposit on a card.
public struct CardTransaction: Hashable, Codable, Sendable {
    public var id: String
    public var cardNumber: String
    public var at: Timestamp
    /// Negative for a payment, positive for a deposit or refund.
    public var amount: Money
    public var merchantZh: String
    public var merchantEn: String

    public init(id: String, cardNumber: String, at: Timestamp, amount: Money, merchantZh: String, merchantEn: String) {
        self.id = id
        self.cardNumber = cardNumber
        self.at = at
        self.amount = amount
        self.merchantZh = merchantZh
        self.merchantEn = merchantEn
    }
}

/// An online-shop order.
public struct Order: Hashable, Codable, Sendable {
    public enum Status: String, CaseIterable, Hashable, Codable, Sendable {
        case placed, paid, shipped, delivered, cancelled, returned
    }

    /// Digits.
    public var number: String
    public var customerID: CustomerID
    public var placedAt: Timestamp
    public var status: Status
    public var total: Money
    /// What was bought, one line: "蓝牙耳机 ×1" / "Bluetooth earphones ×1".
    public var itemsZh: String
    public var itemsEn: String

    public init(number: String, customerID: CustomerID, placedAt: Timestamp, status: Status, total: Money,
                itemsZh: String, itemsEn: String) {
        self.number = number
        self.customerID = customerID
        self.placedAt = placedAt
        self.status = status
        self.total = total
        self.itemsZh = itemsZh
        self.itemsEn = itemsEn
    }
}

/// A parcel carrying (part of) an order.
public struct Parcel: Hashable, Codable, Sendable {
    public enum Status: String, CaseIterable, Hashable, Codable, Sendable {
        case labelCreated = "label_created", inTransit = "in_transit", outForDelivery = "out_for_delivery",
             delivered, exception
    }

    public var trackingNumber: String
    public var orderNumber: String
    /// "顺丰速运" / "SF Express".
    public var carrierZh: String
    public var carrierEn: String
    public var status: Status
    /// Where it was last scanned: "上海转运中心" / "Shanghai hub".
    public var locationZh: String
    public var locationEn: String
    /// `YYYY-MM-DD`, or nil once delivered.
    public var estimatedDelivery: String?
    public var updatedAt: Timestamp

    public init(trackingNumber: String, orderNumber: String, carrierZh: String, carrierEn: String, status: Status,
                locationZh: String, locationEn: String, estimatedDelivery: String?, updatedAt: Timestamp) {
        self.trackingNumber = trackingNumber
        self.orderNumber = orderNumber
        self.carrierZh = carrierZh
        self.carrierEn = carrierEn
        self.status = status
        self.locationZh = locationZh
        self.locationEn = locationEn
        self.estimatedDelivery = estimatedDelivery
        self.updatedAt = updatedAt
    }
}

/// A fault report or complaint, opened by the IVR or an agent.
public struct Ticket: Hashable, Codable, Sendable {
    public enum Status: String, CaseIterable, Hashable, Codable, Sendable {
        case open, inProgress = "in_progress", resolved, closed
    }

    /// Digits, allocated by the store on creation (said back to the caller).
    public var number: String
    public var customerID: CustomerID?
    /// The interaction that opened it.
    public var interactionID: InteractionID?
    /// `broadband`, ...: the queue that works it.
    public var category: String
    /// The fault or request within the category, as the flow named it: `no-connection`, `slow`.
    public var kind: String
    public var status: Status
    public var createdAt: Timestamp
    /// What the caller reported, for the engineer.
    public var summary: String

    public init(number: String, customerID: CustomerID?, interactionID: InteractionID?, category: String, kind: String,
                status: Status, createdAt: Timestamp, summary: String) {
        self.number = number
        self.customerID = customerID
        self.interactionID = interactionID
        self.category = category
        self.kind = kind
        self.status = status
        self.createdAt = createdAt
        self.summary = summary
    }
}

/// A return of an order, started by the caller.
public struct ReturnRequest: Hashable, Codable, Sendable {
    public enum Status: String, CaseIterable, Hashable, Codable, Sendable {
        case requested, approved, received, refunded, rejected
    }

    /// Digits, allocated by the store on creation.
    public var number: String
    public var orderNumber: String
    public var customerID: CustomerID?
    public var interactionID: InteractionID?
    /// As the flow named it: `damaged`, `wrong-item`, `changed-mind`.
    public var reason: String
    public var status: Status
    public var createdAt: Timestamp

    public init(number: String, orderNumber: String, customerID: CustomerID?, interactionID: InteractionID?,
                reason: String, status: Status, createdAt: Timestamp) {
        self.number = number
        self.orderNumber = orderNumber
        self.customerID = customerID
        self.interactionID = interactionID
        self.reason = reason
        self.status = status
        self.createdAt = createdAt
    }
}

/// A message a caller left after the beep.
public struct Voicemail: Hashable, Codable, Sendable {
    public var id: String
    public var interactionID: InteractionID
    /// The caller's number and the line they dialled.
    public var from: String
    public var to: String
    /// The WAV file (mono, 8 kHz).
    public var path: String
    public var durationMilliseconds: Int64
    public var createdAt: Timestamp
    /// Someone listened to it.
    public var heard: Bool

    public init(id: String, interactionID: InteractionID, from: String, to: String, path: String,
                durationMilliseconds: Int64, createdAt: Timestamp, heard: Bool = false) {
        self.id = id
        self.interactionID = interactionID
        self.from = from
        self.to = to
        self.path = path
        self.durationMilliseconds = durationMilliseconds
        self.createdAt = createdAt
        self.heard = heard
    }
}

/// "Call me back": a number and when the caller would like the call.
public struct CallbackRequest: Hashable, Codable, Sendable {
    public enum Status: String, CaseIterable, Hashable, Codable, Sendable {
        case pending, done, failed, cancelled
    }

    public var id: String
    public var interactionID: InteractionID?
    public var number: String
    /// As the caller chose it ("morning", "18:00"); nil: as soon as possible.
    public var preferredTime: String?
    /// The queue whose agents should call.
    public var queue: String?
    public var status: Status
    public var createdAt: Timestamp

    public init(id: String, interactionID: InteractionID?, number: String, preferredTime: String?, queue: String?,
                status: Status = .pending, createdAt: Timestamp) {
        self.id = id
        self.interactionID = interactionID
        self.number = number
        self.preferredTime = preferredTime
        self.queue = queue
        self.status = status
        self.createdAt = createdAt
    }
}

/// What a PIN protects: a customer's phone-service PIN (checked with caller ID or a
/// phone number), an account's or a card's.
public struct PINSubject: Hashable, Codable, Sendable, CustomStringConvertible {
    public enum Kind: String, CaseIterable, Hashable, Codable, Sendable {
        case customer, account, card
    }

    public var kind: Kind
    /// The customer id, account number or card number.
    public var key: String

    public init(_ kind: Kind, _ key: String) {
        self.kind = kind
        self.key = key
    }

    public var description: String { "\(kind.rawValue):\(key)" }
}

/// A stored PIN: its salted slow hash (never the PIN) and the wrong tries against it.
public struct PINRecord: Hashable, Codable, Sendable {
    public var subject: PINSubject
    /// `scrypt$N$r$p$salt$hash`.
    public var hash: String
    /// Wrong PINs in a row.
    public var failures: Int
    public var lastFailure: Timestamp?
    public var lockedUntil: Timestamp?

    public init(subject: PINSubject, hash: String, failures: Int = 0, lastFailure: Timestamp? = nil,
                lockedUntil: Timestamp? = nil) {
        self.subject = subject
        self.hash = hash
        self.failures = failures
        self.lastFailure = lastFailure
        self.lockedUntil = lockedUntil
    }
}

/// One node a call went through in the IVR, as stored with its interaction (screen pop,
/// analytics). Secret input is already masked.
public struct IVRStepRecord: Hashable, Codable, Sendable {
    public var interactionID: InteractionID
    /// 0, 1, 2, ... in the order the call left the nodes.
    public var position: Int
    public var flow: String
    public var node: String
    public var kind: String
    public var input: String?
    public var outcome: String
    public var startedAt: Timestamp
    public var milliseconds: Int64

    public init(interactionID: InteractionID, position: Int, flow: String, node: String, kind: String, input: String?,
                outcome: String, startedAt: Timestamp, milliseconds: Int64) {
        self.interactionID = interactionID
        self.position = position
        self.flow = flow
        self.node = node
        self.kind = kind
        self.input = input
        self.outcome = outcome
        self.startedAt = startedAt
        self.milliseconds = milliseconds
    }
}

/// How a call's time in the IVR went, one per interaction that met a flow: written when
/// the flow starts and again when it ends (a transfer carries what routing needs).
public struct IVRSummary: Hashable, Codable, Sendable {
    public struct TransferRequest: Hashable, Codable, Sendable {
        public var queue: String
        public var skills: [String]
        /// 1 (first) to 10.
        public var priority: Int
        public var reason: String?
        public var requestedAt: Timestamp

        public init(queue: String, skills: [String], priority: Int, reason: String?, requestedAt: Timestamp) {
            self.queue = queue
            self.skills = skills
            self.priority = priority
            self.reason = reason
            self.requestedAt = requestedAt
        }
    }

    public var interactionID: InteractionID
    public var flow: String
    /// Which load of the flow served the call (reloads bump it).
    public var flowVersion: Int
    /// The language the caller ended in.
    public var language: Language
    /// nil while the call is in the flow; then `self-served`, `transferred to cards`,
    /// `abandoned at pin`, ...
    public var outcome: String?
    /// `verified`, `wrong PIN`, `locked`, `unknown identifier`; nil when no check ran.
    public var verification: String?
    /// `caller_id`, `phone`, `account`, `card`.
    public var verificationMethod: String?
    /// The flow's variables at the end, secrets masked, as a JSON object.
    public var variablesJSON: String
    public var transfer: TransferRequest?
    public var startedAt: Timestamp
    public var endedAt: Timestamp?

    public init(interactionID: InteractionID, flow: String, flowVersion: Int, language: Language, outcome: String? = nil,
                verification: String? = nil, verificationMethod: String? = nil, variablesJSON: String = "{}",
                transfer: TransferRequest? = nil, startedAt: Timestamp, endedAt: Timestamp? = nil) {
        self.interactionID = interactionID
        self.flow = flow
        self.flowVersion = flowVersion
        self.language = language
        self.outcome = outcome
        self.verification = verification
        self.verificationMethod = verificationMethod
        self.variablesJSON = variablesJSON
        self.transfer = transfer
        self.startedAt = startedAt
        self.endedAt = endedAt
    }
}
