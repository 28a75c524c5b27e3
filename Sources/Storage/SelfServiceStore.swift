import HotlineModel

/// What the IVR reads and writes while a caller serves themselves: accounts and bills,
/// cards and transactions, orders and parcels, tickets and returns, voicemail and
/// callback requests, PINs and their wrong tries, and the path each call took.
///
/// Numbers (account, card, order) are matched exactly as digits. Lists come newest
/// first, at most `limit` (1...`PageRequest.maximumLimit`, else `.invalid` on `paging`, as
/// for `CustomerStore.searchCustomers`).
/// Creating a record whose key is taken fails with `.conflict` naming the field; one
/// whose parent (customer, account, card, order, interaction) does not exist fails with
/// `.notFound` naming the parent's field (`customerID`, `accountNumber`, `cardNumber`,
/// `orderNumber`, `interactionID`). Input breaking the rules in `RecordValidation+SelfService`
/// fails with `.invalid` naming the field, before anything is written.
public protocol SelfServiceStore: Sendable {
    // MARK: Reference data (the demo seeder, later the admin API and imports)

    func createAccount(_ account: ServiceAccount) async throws
    func createBill(_ bill: Bill) async throws
    func createCard(_ card: Card) async throws
    func createTransaction(_ transaction: CardTransaction) async throws
    func createOrder(_ order: Order) async throws
    func createParcel(_ parcel: Parcel) async throws
    /// Stores or replaces the PIN hash of `subject`, clearing its wrong tries. The subject
    /// (customer, account or card) must exist; its PIN is deleted with it.
    func setPIN(_ subject: PINSubject, hash: String) async throws

    // MARK: Reads for the IVR

    func account(number: String) async throws -> ServiceAccount?
    /// Ordered by kind (raw value: `bank` before `telecom`), then opening time, then number.
    func accounts(of customer: CustomerID) async throws -> [ServiceAccount]
    /// Newest period first.
    func bills(account: String, limit: Int) async throws -> [Bill]
    func card(number: String) async throws -> Card?
    /// Ordered by number.
    func cards(of customer: CustomerID) async throws -> [Card]
    /// Newest first (by time, then id, both descending).
    func transactions(card: String, limit: Int) async throws -> [CardTransaction]
    func order(number: String) async throws -> Order?
    /// Newest first (by placing time, then number, both descending).
    func orders(of customer: CustomerID, limit: Int) async throws -> [Order]
    /// Ordered by tracking number.
    func parcels(order: String) async throws -> [Parcel]
    /// Newest first (by creation time, then number, both descending); with `openOnly`, those
    /// `open` or `in_progress`.
    func tickets(of customer: CustomerID, openOnly: Bool, limit: Int) async throws -> [Ticket]
    func ticket(number: String) async throws -> Ticket?
    func returnRequest(number: String) async throws -> ReturnRequest?

    // MARK: PINs

    func pin(_ subject: PINSubject) async throws -> PINRecord?
    /// Stores the wrong tries after an attempt (the hash is left as it is). `.notFound`
    /// when the subject has no PIN.
    func recordPINAttempts(_ subject: PINSubject, failures: Int, lastFailure: Timestamp?, lockedUntil: Timestamp?) async throws

    // MARK: Written by the IVR

    /// Stores a ticket under the next free number (the `number` passed is ignored):
    /// 8 digits, from 10000001 up. Returns it as stored.
    func createTicket(_ ticket: Ticket) async throws -> Ticket
    /// Stores a return under the next free number (the `number` passed is ignored): 8
    /// digits, from 50000001 up; `.notFound` on `orderNumber` for an unknown order.
    func createReturn(_ request: ReturnRequest) async throws -> ReturnRequest
    func createVoicemail(_ voicemail: Voicemail) async throws
    /// Oldest first (by creation time, then id).
    func voicemails(of interaction: InteractionID) async throws -> [Voicemail]
    func createCallback(_ request: CallbackRequest) async throws
    /// Oldest first (by creation time, then id).
    func callbacks(status: CallbackRequest.Status, limit: Int) async throws -> [CallbackRequest]

    /// Appends steps to an interaction's IVR path, all or none; positions must be new for it
    /// (`.conflict` on `position` otherwise).
    func appendIVRSteps(_ steps: [IVRStepRecord]) async throws
    /// In position order.
    func ivrSteps(of interaction: InteractionID) async throws -> [IVRStepRecord]
    /// Stores or replaces the interaction's IVR summary.
    func saveIVRSummary(_ summary: IVRSummary) async throws
    func ivrSummary(of interaction: InteractionID) async throws -> IVRSummary?
    /// Summaries with a transfer whose interaction is still `queued`, oldest request
    /// first (ties by interaction id): the calls routing owes an agent.
    func pendingTransfers(limit: Int) async throws -> [IVRSummary]
}
