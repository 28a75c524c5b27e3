import SIPMessage

/// The transaction layer of one SIP stack (RFC 3261 §17): a table of client and server
/// transactions, the matching rules that route each incoming message to one of them, and
/// the glue that turns the machines' actions into `LayerEvent`s.
///
/// It is a value with no clock and no sockets: the network adapter calls `receive` for each
/// parsed message, `timerFired` when a timer it scheduled expires, and runs the events it
/// gets back in order; the TU calls `sendRequest` and `sendResponse`.
///
/// Decisions beyond the RFC text:
/// - **Matching.** Server transactions are filed by branch + sent-by + method (ACK under
///   INVITE) when the top Via has an RFC 3261 branch, else by the RFC 2543 key (§17.2.3).
///   A CANCEL gets its own non-INVITE server transaction and is reported with the INVITE
///   transaction found by the same rules with method INVITE (§9.2). An ACK with a new branch
///   (the ACK for a 2xx, §13.2.2.4) is matched to an INVITE server transaction in the RFC 6026
///   Accepted state by Call-ID, From tag, To tag (of the 2xx) and CSeq number.
///   Responses match a client transaction by branch and CSeq method (§17.1.3); the sent-by
///   check of §18.1.2 is the transport's (the branch is ours and unique anyway).
/// - **Malformed requests** (`SIPRequest.validate()` fails) get a stateless 400 naming the
///   header at fault, when their top Via can be read; malformed ACKs and responses are dropped
///   (§18.1.2, RFC 4475). The exception is a CSeq method that differs from the request's: that
///   request becomes a transaction and the TU answers it (501 for an unknown method, RFC 4475
///   §3.1.2.18).
/// - **Bound.** At most `maxTransactions` transactions live at once. Beyond that a new
///   request gets a stateless 503 and no transaction (ACKs are still matched or reported
///   stray); a new client request is refused with `transportError` + `terminated`.
/// - **Requests the TU sends** must carry a top Via with an RFC 3261 branch not already in
///   use and a CSeq whose method is the request's; otherwise `sendRequest` refuses them the
///   same way (`transportError` + `terminated`, nothing sent). An ACK sent through
///   `sendRequest` is sent statelessly, like `sendStateless`.
public struct TransactionLayer: Sendable {
    public static let defaultMaxTransactions = 100_000

    public let timers: TransactionTimerSettings
    public let maxTransactions: Int

    private var entries: [TransactionID: Entry] = [:]
    private var clientIndex: [ClientTransactionKey: TransactionID] = [:]
    private var serverIndex: [ServerTransactionKey: TransactionID] = [:]
    private var acceptedIndex: [AcceptedInviteKey: TransactionID] = [:]
    private var lastID: UInt64 = 0

    public init(timers: TransactionTimerSettings = .init(), maxTransactions: Int = TransactionLayer.defaultMaxTransactions) {
        self.timers = timers
        self.maxTransactions = maxTransactions
    }

    /// Live transactions.
    public var count: Int { entries.count }

    /// Where a transaction sends: the request's destination for a client transaction, the
    /// response destination (§18.2.2, RFC 3581) for a server transaction.
    public func peer(of id: TransactionID) -> SIPPeer? { entries[id]?.machine.peer }

    // MARK: - TU → network

    /// Creates a client transaction for `request` (INVITE or non-INVITE) and sends it.
    public mutating func sendRequest(_ request: SIPRequest, to peer: SIPPeer, now: SIPInstant) -> (TransactionID, [LayerEvent]) {
        let id = nextID()
        if request.method == .ack { return (id, sendStateless(.request(request), to: peer)) }
        guard entries.count < maxTransactions,
              let via = try? request.topVia(), via.hasRFC3261Branch, let branch = via.branch,
              let cseq = try? request.cseq(), cseq.method == request.method,
              clientIndex[ClientTransactionKey(branch: branch, method: request.method)] == nil
        else { return (id, [.transportError(id), .terminated(id)]) }

        let key = ClientTransactionKey(branch: branch, method: request.method)
        let machine: Machine
        let actions: [TransactionAction]
        if request.method == .invite {
            let (tx, a) = ClientInviteTransaction.start(request: request, peer: peer, timers: timers, now: now)
            (machine, actions) = (.clientInvite(tx), a)
        } else {
            let (tx, a) = ClientNonInviteTransaction.start(request: request, peer: peer, timers: timers, now: now)
            (machine, actions) = (.clientNonInvite(tx), a)
        }
        entries[id] = Entry(machine: machine, clientKey: key)
        clientIndex[key] = id
        return (id, translate(actions, of: id))
    }

    /// Sends a message outside any transaction: the ACK for a 2xx (§13.2.2.4), 2xx
    /// retransmissions after the server transaction is gone, stateless responses.
    public func sendStateless(_ message: SIPMessage, to peer: SIPPeer) -> [LayerEvent] {
        [.send(message, to: peer)]
    }

    /// Sends the TU's response on server transaction `id`. Unknown (already terminated)
    /// transactions and client transactions ignore it.
    public mutating func sendResponse(_ response: SIPResponse, for id: TransactionID, now: SIPInstant) -> [LayerEvent] {
        guard var entry = entries[id] else { return [] }
        let actions: [TransactionAction]
        switch entry.machine {
        case .serverInvite(var tx):
            let before = tx.state
            actions = tx.sendResponse(response, now: now)
            if before == .proceeding, tx.state != .proceeding {
                entry.finalToTag = (try? response.to())?.tag
                entry.hasSentFinal = true
            }
            if tx.state == .accepted, entry.acceptedKey == nil, var key = entry.inviteDialog {
                key.toTag = entry.finalToTag
                entry.acceptedKey = key
                acceptedIndex[key] = id
            }
            entry.machine = .serverInvite(tx)
        case .serverNonInvite(var tx):
            actions = tx.sendResponse(response, now: now)
            entry.machine = .serverNonInvite(tx)
        case .clientInvite, .clientNonInvite:
            return []
        }
        entries[id] = entry
        return translate(actions, of: id)
    }

    // MARK: - network → TU

    /// A message from the network, parsed, from `source`.
    public mutating func receive(_ message: SIPMessage, from source: SIPPeer, now: SIPInstant) -> [LayerEvent] {
        switch message {
        case .request(let request): return receive(request, from: source, now: now)
        case .response(let response): return receive(response, from: source, now: now)
        }
    }

    /// A timer the adapter scheduled for `id` expired.
    public mutating func timerFired(_ timer: TransactionTimer, for id: TransactionID, now: SIPInstant) -> [LayerEvent] {
        drive(id) { $0.timerFired(timer, now: now) }
    }

    /// A send for `id` failed, or its connection closed.
    public mutating func transportFailed(for id: TransactionID, now: SIPInstant) -> [LayerEvent] {
        drive(id) { $0.transportFailed(now: now) }
    }

    // MARK: - Matching

    private mutating func receive(_ response: SIPResponse, from source: SIPPeer, now: SIPInstant) -> [LayerEvent] {
        // RFC 4475 §3.1.2.5, §3.1.2.19: a response we cannot read is discarded silently.
        guard let e = try? response.validate() else { return [] }
        guard let branch = e.topVia.branch,
              let id = clientIndex[ClientTransactionKey(branch: branch, method: e.cseq.method)]
        else { return [.strayResponse(response, from: source)] }
        return drive(id) { $0.receive(response, now: now) }
    }

    private mutating func receive(_ request: SIPRequest, from source: SIPPeer, now: SIPInstant) -> [LayerEvent] {
        let f: MatchFields
        do {
            f = try MatchFields(request)
        } catch {
            guard request.method != .ack, request.headers.contains(.via) else { return [] }
            guard let via = try? request.topVia() else {
                // The top Via itself is malformed (RFC 4475 §3.1.2.1): it cannot route the
                // answer, so the 400 goes back to where the request came from.
                return [.send(.response(Self.rejection(of: request, error: error)), to: source)]
            }
            let stamped = Self.stampingReceived(request, topVia: via, source: source)
            return [.send(.response(Self.rejection(of: stamped, error: error)),
                          to: Self.responseDestination(topVia: via, receivedFrom: source))]
        }
        let via = f.topVia
        let stamped = Self.stampingReceived(request, topVia: via, source: source)
        let key = ServerTransactionKey(request: request, fields: f)

        if request.method == .ack {
            if let id = findInviteTransaction(forACK: request, key: key, fields: f) ?? acceptedIndex[
                AcceptedInviteKey(callID: f.callID, fromTag: f.from.tag, toTag: f.to.tag, sequence: f.cseq.sequence)] {
                return drive(id, requestSource: source) { $0.receive(stamped, now: now) }
            }
            return [.strayACK(stamped, from: source)]
        }
        if let id = serverIndex[key] {
            // A retransmission: answered by the transaction, never passed up again.
            return drive(id) { $0.receive(stamped, now: now) }
        }

        let destination = Self.responseDestination(topVia: via, receivedFrom: source)
        guard entries.count < maxTransactions else {
            let busy = SIPResponse(statusCode: 503, replyingTo: stamped, toTag: Self.statelessToTag(for: stamped))
            return [.send(.response(busy), to: destination)]
        }
        let id = nextID()
        var entry: Entry
        let actions: [TransactionAction]
        if request.method == .invite {
            let (tx, a) = ServerInviteTransaction.start(request: stamped, peer: destination, timers: timers, now: now)
            entry = Entry(machine: .serverInvite(tx), serverKey: key, source: source)
            entry.inviteDialog = AcceptedInviteKey(callID: f.callID, fromTag: f.from.tag, toTag: nil, sequence: f.cseq.sequence)
            actions = a
        } else {
            let (tx, a) = ServerNonInviteTransaction.start(request: stamped, peer: destination, timers: timers, now: now)
            entry = Entry(machine: .serverNonInvite(tx), serverKey: key, source: source)
            if request.method == .cancel { entry.cancelledInvite = findInviteTransaction(forCANCEL: request, key: key) }
            actions = a
        }
        entries[id] = entry
        serverIndex[key] = id
        return translate(actions, of: id, requestSource: source)
    }

    /// The INVITE server transaction an ACK for a non-2xx belongs to (§17.2.3). For the
    /// RFC 2543 key the ACK's To tag must be the one the transaction answered with.
    private func findInviteTransaction(forACK ack: SIPRequest, key: ServerTransactionKey,
                                       fields f: MatchFields) -> TransactionID? {
        switch key {
        case .branch:
            return serverIndex[key]
        case .legacy(var legacy):
            // Filed under the INVITE's To tag: the ACK's own for a re-INVITE, none for an initial one.
            for inviteToTag in [f.to.tag, nil] {
                legacy.toTag = inviteToTag
                if let id = serverIndex[.legacy(legacy)], let entry = entries[id], entry.hasSentFinal,
                   entry.finalToTag == f.to.tag {
                    return id
                }
            }
            return nil
        }
    }

    /// The INVITE server transaction a CANCEL targets: the same key with method INVITE (§9.2).
    private func findInviteTransaction(forCANCEL cancel: SIPRequest, key: ServerTransactionKey) -> TransactionID? {
        switch key {
        case .branch(var branch):
            branch.method = .invite
            return serverIndex[.branch(branch)]
        case .legacy(var legacy):
            legacy.method = .invite
            return serverIndex[.legacy(legacy)]
        }
    }

    // MARK: - Running machines

    private mutating func nextID() -> TransactionID {
        lastID += 1
        return TransactionID(rawValue: lastID)
    }

    private mutating func drive(_ id: TransactionID, requestSource: SIPPeer? = nil,
                                _ event: (inout Machine) -> [TransactionAction]) -> [LayerEvent] {
        guard var entry = entries[id] else { return [] }
        let actions = event(&entry.machine)
        entries[id] = entry
        return translate(actions, of: id, requestSource: requestSource)
    }

    /// Turns a machine's actions into layer events; `terminated` also removes the transaction.
    private mutating func translate(_ actions: [TransactionAction], of id: TransactionID,
                                    requestSource: SIPPeer? = nil) -> [LayerEvent] {
        var events: [LayerEvent] = []
        events.reserveCapacity(actions.count)
        for action in actions {
            switch action {
            case .send(let message, let peer):
                events.append(.send(message, to: peer))
            case .startTimer(let timer, let at):
                events.append(.startTimer(timer, id, at: at))
            case .cancelTimer(let timer):
                events.append(.cancelTimer(timer, id))
            case .deliverRequest(let request):
                guard let entry = entries[id], let source = requestSource ?? entry.source else { continue }
                if request.method == .ack {
                    events.append(.ackForAcceptedInvite(request, id, from: source))
                } else if request.method == .cancel {
                    events.append(.cancel(request, cancelTransaction: id, inviteTransaction: entry.cancelledInvite))
                } else {
                    events.append(.request(request, id, from: source))
                }
            case .deliverResponse(let response):
                events.append(.response(response, id))
            case .timedOut:
                events.append(.timeout(id))
            case .transportError:
                events.append(.transportError(id))
            case .terminated:
                remove(id)
                events.append(.terminated(id))
            }
        }
        return events
    }

    private mutating func remove(_ id: TransactionID) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if let key = entry.clientKey, clientIndex[key] == id { clientIndex[key] = nil }
        if let key = entry.serverKey, serverIndex[key] == id { serverIndex[key] = nil }
        if let key = entry.acceptedKey, acceptedIndex[key] == id { acceptedIndex[key] = nil }
    }
}

extension TransactionLayer {
    /// One of the four machines.
    fileprivate enum Machine: Sendable {
        case clientInvite(ClientInviteTransaction)
        case clientNonInvite(ClientNonInviteTransaction)
        case serverInvite(ServerInviteTransaction)
        case serverNonInvite(ServerNonInviteTransaction)

        var peer: SIPPeer {
            switch self {
            case .clientInvite(let tx): return tx.peer
            case .clientNonInvite(let tx): return tx.peer
            case .serverInvite(let tx): return tx.peer
            case .serverNonInvite(let tx): return tx.peer
            }
        }

        mutating func receive(_ response: SIPResponse, now: SIPInstant) -> [TransactionAction] {
            switch self {
            case .clientInvite(var tx): defer { self = .clientInvite(tx) }; return tx.receive(response, now: now)
            case .clientNonInvite(var tx): defer { self = .clientNonInvite(tx) }; return tx.receive(response, now: now)
            case .serverInvite, .serverNonInvite: return []
            }
        }

        mutating func receive(_ request: SIPRequest, now: SIPInstant) -> [TransactionAction] {
            switch self {
            case .serverInvite(var tx): defer { self = .serverInvite(tx) }; return tx.receive(request, now: now)
            case .serverNonInvite(var tx): defer { self = .serverNonInvite(tx) }; return tx.receive(request, now: now)
            case .clientInvite, .clientNonInvite: return []
            }
        }

        mutating func timerFired(_ timer: TransactionTimer, now: SIPInstant) -> [TransactionAction] {
            switch self {
            case .clientInvite(var tx): defer { self = .clientInvite(tx) }; return tx.timerFired(timer, now: now)
            case .clientNonInvite(var tx): defer { self = .clientNonInvite(tx) }; return tx.timerFired(timer, now: now)
            case .serverInvite(var tx): defer { self = .serverInvite(tx) }; return tx.timerFired(timer, now: now)
            case .serverNonInvite(var tx): defer { self = .serverNonInvite(tx) }; return tx.timerFired(timer, now: now)
            }
        }

        mutating func transportFailed(now: SIPInstant) -> [TransactionAction] {
            switch self {
            case .clientInvite(var tx): defer { self = .clientInvite(tx) }; return tx.transportFailed(now: now)
            case .clientNonInvite(var tx): defer { self = .clientNonInvite(tx) }; return tx.transportFailed(now: now)
            case .serverInvite(var tx): defer { self = .serverInvite(tx) }; return tx.transportFailed(now: now)
            case .serverNonInvite(var tx): defer { self = .serverNonInvite(tx) }; return tx.transportFailed(now: now)
            }
        }
    }

    /// A transaction and how it is filed.
    fileprivate struct Entry: Sendable {
        var machine: Machine
        var clientKey: ClientTransactionKey?
        var serverKey: ServerTransactionKey?
        /// Server side: where the creating request came from.
        var source: SIPPeer?
        /// CANCEL server transaction: the INVITE server transaction it targets.
        var cancelledInvite: TransactionID?
        /// INVITE server transaction: Call-ID, From tag and CSeq number; the To tag is filled
        /// in from the 2xx when the transaction is filed as Accepted.
        var inviteDialog: AcceptedInviteKey?
        var acceptedKey: AcceptedInviteKey?
        /// INVITE server transaction: whether a final was sent and the To tag it carried.
        var hasSentFinal = false
        var finalToTag: String?

        init(machine: Machine, clientKey: ClientTransactionKey? = nil, serverKey: ServerTransactionKey? = nil,
             source: SIPPeer? = nil) {
            self.machine = machine
            self.clientKey = clientKey
            self.serverKey = serverKey
            self.source = source
        }
    }
}
