import SDP
import SIPMessage
import SIPTransaction

/// The transaction user of Hotline's SIP stack (RFC 3261 §8, §12–§15): it answers
/// out-of-dialog requests, keeps INVITE sessions in both directions, and runs the registrar.
///
/// Pure: every entry point takes `now` and returns `[UserAgentAction]`; the adapter
/// (SIPNetwork's `SIPEndpoint`) sends, runs timers and calls back.
///
/// ```
///  inbound call                               outbound call
///  ────────────                               ─────────────
///  INVITE ─▶ offering ──200──▶ answered       placeCall ─▶ calling ─1xx─▶ early
///              │  │              │ ACK                       │  │           │
///     CANCEL/  │  └─answer timer │                     3xx-6xx  2xx ◀───────┘
///     reject   ▼                 ▼                           ▼   ▼
///           (ended)          confirmed ◀── re-INVITE/UPDATE  (ended) confirmed
///                                │  BYE either way                │
///                                ▼                                ▼
///                          terminating ─200/timeout─▶ (ended) ◀───┘
/// ```
public struct UserAgentCore: Sendable {
    public var configuration: UserAgentConfiguration
    public var ports: RTPPortPool
    public var registrar: Registrar
    var ids: IdentifierGenerator
    var nextCall: UInt64 = 1
    let negotiator = SDPNegotiator()

    var calls: [CallHandle: Call] = [:]
    var callsByDialog: [DialogID: CallHandle] = [:]
    var callsByInviteTransaction: [TransactionID: CallHandle] = [:]
    /// Outbound calls by Call-ID, to bind client transactions and match stray 2xx.
    var callsByCallID: [String: CallHandle] = [:]
    var clientTransactions: [TransactionID: (call: CallHandle, method: SIPMethod)] = [:]
    /// REFERs each call's dialog accepted and their implicit subscriptions (RFC 3515).
    var referUsages: [CallHandle: ReferUsage] = [:]

    public init(configuration: UserAgentConfiguration, registrar: Registrar, ports: RTPPortPool = RTPPortPool(),
                seed: UInt64) {
        self.configuration = configuration
        self.registrar = registrar
        self.ports = ports
        self.ids = IdentifierGenerator(seed: seed, key: seed ^ 0xD6E8_FEB8_6659_FD93)
    }

    public var activeCallCount: Int { calls.count }

    /// A call's SIP Call-ID (a load generator matches its calls with the server's records).
    public func callID(of handle: CallHandle) -> String? { try? calls[handle]?.invite.callID() }

    // MARK: - Entry point

    /// Feeds one transaction-layer event. Events meant for the adapter (`send`,
    /// timers, `terminated`) are ignored here.
    public mutating func handle(_ event: LayerEvent, now: SIPInstant) -> [UserAgentAction] {
        switch event {
        case .request(let request, let tx, let peer):
            return handleRequest(request, tx, from: peer, now: now)
        case .cancel(let request, let cancelTx, let inviteTx):
            return handleCancel(request, cancelTx, inviteTx: inviteTx, now: now)
        case .ackForAcceptedInvite(let ack, _, _), .strayACK(let ack, _):
            return handleACK(ack, now: now)
        case .response(let response, let tx):
            return handleResponse(response, tx, now: now)
        case .strayResponse(let response, _):
            return handleStrayResponse(response, now: now)
        case .timeout(let tx):
            return handleClientFailure(tx, reason: .timeout, now: now)
        case .transportError(let tx):
            return handleClientFailure(tx, reason: .transportError, now: now)
        case .terminated(let tx):
            clientTransactions[tx] = nil
            callsByInviteTransaction[tx] = nil
            return []
        case .send, .startTimer, .cancelTimer:
            return []
        }
    }

    /// The adapter reports which client transaction carries a request the core asked to send.
    public mutating func clientTransactionStarted(_ tx: TransactionID, for request: SIPRequest) {
        guard let callID = try? request.callID(), let call = callsByCallID[callID] else { return }
        clientTransactions[tx] = (call, request.method)
    }

    // MARK: - Requests

    mutating func handleRequest(_ request: SIPRequest, _ tx: TransactionID, from peer: SIPPeer, now: SIPInstant) -> [UserAgentAction] {
        let essentials: RequestEssentials
        do {
            essentials = try request.validate()
        } catch {
            // RFC 4475 §3.1.2.18: an unknown method is reported as such even when its CSeq
            // does not match.
            if error.code == .cseqMismatch, !isImplemented(request.method) {
                return [.respond(methodNotSupported(request), tx)]
            }
            return [.respond(request.makeResponse(400, reason: error.reasonPhrase, toTag: ids.tag()), tx)]
        }
        // §8.2.1 method inspection.
        guard isImplemented(request.method) else { return [.respond(methodNotSupported(request), tx)] }
        // §8.2.2.1 Request-URI scheme (RFC 4475 §3.3.2, §3.3.3).
        switch request.uri {
        case .sip, .tel: break
        case .other(let scheme, _):
            return [.respond(request.makeResponse(416, reason: "Unsupported URI Scheme (\(scheme))", toTag: ids.tag()), tx)]
        }
        // §8.2.2.3 Require: option tags we do not support (RFC 4475 §3.3.5).
        let unsupported = request.headers.tokens(.require).filter { tag in
            !UserAgentConfiguration.supportedExtensions.contains { $0.caseInsensitiveEquals(tag) }
        }
        if !unsupported.isEmpty, request.method != .cancel {
            var r = request.makeResponse(420, toTag: ids.tag())
            r.headers.add(.unsupported, unsupported.joined(separator: ", "))
            return [.respond(r, tx)]
        }
        // §8.2.3 content processing (RFC 4475 §3.3.6).
        if let rejection = contentRejection(request) { return [.respond(rejection, tx)] }

        if let toTag = essentials.to.tag {
            return handleInDialogRequest(request, essentials, toTag: toTag, tx, from: peer, now: now)
        }
        switch request.method {
        case .options:
            return [.respond(optionsResponse(request), tx)]
        case .register:
            return handleRegister(request, essentials, tx, from: peer, now: now)
        case .invite:
            return handleNewInvite(request, essentials, tx, from: peer, now: now)
        default:
            // BYE, INFO, UPDATE, REFER outside a dialog (§15.1.2, RFC 4475 badbranch-like
            // probes; we take REFER only to transfer a call we are in).
            return [.respond(request.makeResponse(481, toTag: ids.tag()), tx)]
        }
    }

    func isImplemented(_ method: SIPMethod) -> Bool { UserAgentConfiguration.allowedMethods.contains(method) }

    /// 405 for methods we know but refuse here, 501 for ones we do not know (§8.2.1, §21.5.2).
    mutating func methodNotSupported(_ request: SIPRequest) -> SIPResponse {
        // A method we implement but not here (REGISTER inside a dialog) is 405, not 501.
        let known = UserAgentConfiguration.knownMethods.contains(request.method) || isImplemented(request.method)
        var r = request.makeResponse(known ? 405 : 501, toTag: ids.tag())
        r.headers.add(.allow, allowValue)
        return r
    }

    var allowValue: String { UserAgentConfiguration.allowedMethods.map(\.rawValue).joined(separator: ", ") }

    /// 415 with Accept / Accept-Encoding for bodies we cannot read (§8.2.3).
    mutating func contentRejection(_ request: SIPRequest) -> SIPResponse? {
        if let encoding = request.headers[.contentEncoding], !encoding.trimmingSIPWhitespace.caseInsensitiveEquals("identity") {
            var r = request.makeResponse(415, reason: "Unsupported Media Type (Content-Encoding \(encoding))", toTag: ids.tag())
            r.headers.add(.acceptEncoding, "identity")
            return r
        }
        guard !request.body.isEmpty else { return nil }
        let type = request.contentType ?? ""
        var accepted = UserAgentConfiguration.acceptedBodyTypes
        if request.method == .info { accepted += UserAgentConfiguration.acceptedInfoTypes }
        guard !accepted.contains(type) else { return nil }
        var r = request.makeResponse(415, reason: "Unsupported Media Type (\(type.isEmpty ? "no Content-Type" : type))", toTag: ids.tag())
        r.headers.add(.accept, accepted.joined(separator: ", "))
        return r
    }

    /// §11.2: OPTIONS answered as an INVITE would be, with our capabilities.
    mutating func optionsResponse(_ request: SIPRequest) -> SIPResponse {
        var r = request.makeResponse(200, toTag: ids.tag())
        addCapabilities(&r)
        r.headers.add(.acceptEncoding, "identity")
        r.headers.add(.acceptLanguage, "zh-CN, en")
        return r
    }

    func addCapabilities(_ r: inout SIPResponse) {
        r.headers.add(.allow, allowValue)
        r.headers.add(.accept, UserAgentConfiguration.acceptedBodyTypes.joined(separator: ", "))
        r.headers.add(.supported, UserAgentConfiguration.supportedExtensions.joined(separator: ", "))
        r.headers.add(.server, configuration.userAgent)
    }

    // MARK: - Shared helpers

    /// A Via for a request we originate on `transport`.
    mutating func makeVia(_ transport: SIPTransportKind) -> Via {
        var p = SIPParameters()
        p.append("branch", ids.branch())
        p.append("rport", nil)
        return Via(transport: transport.rawValue.uppercased(), host: configuration.advertisedHost,
                   port: configuration.advertisedPort, parameters: p)
    }

    /// Our Contact for `user` on `transport` (§8.1.1.8).
    func contact(user: String?, transport: SIPTransportKind) -> String {
        var uri = SIPURI(user: user, host: configuration.advertisedHost, port: configuration.advertisedPort)
        if transport != .udp { uri.parameters.append("transport", transport.rawValue) }
        return "<\(uri)>"
    }
}
