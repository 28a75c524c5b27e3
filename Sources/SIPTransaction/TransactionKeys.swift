import SIPMessage

// The keys the transaction layer matches messages with (RFC 3261 §17.1.3, §17.2.3).

/// The fields of a request that matching reads, parsed once.
struct MatchFields: Sendable {
    var topVia: Via
    var from: NameAddress
    var to: NameAddress
    var callID: String
    var cseq: CSeq

    /// Runs `validate()`. A request whose only fault is a CSeq method that differs from its
    /// own is let through (not an ACK): the TU answers it, with 501 for an unknown method
    /// (RFC 4475 §3.1.2.18). `validate()` checks that last, so the other fields parse.
    init(_ request: SIPRequest) throws(SIPParseError) {
        do throws(SIPParseError) {
            let e = try request.validate()
            self.init(topVia: e.vias[0], from: e.from, to: e.to, callID: e.callID, cseq: e.cseq)
        } catch {
            guard error.code == .cseqMismatch, request.method != .ack else { throw error }
            self.init(topVia: try request.topVia(), from: try request.from(), to: try request.to(),
                      callID: try request.callID(), cseq: try request.cseq())
        }
    }

    init(topVia: Via, from: NameAddress, to: NameAddress, callID: String, cseq: CSeq) {
        self.topVia = topVia
        self.from = from
        self.to = to
        self.callID = callID
        self.cseq = cseq
    }
}

/// A client transaction: the branch we put in the top Via, and the CSeq method (§17.1.3).
/// CANCEL shares its INVITE's branch, so the method keeps the two apart.
struct ClientTransactionKey: Hashable, Sendable {
    var branch: String
    var method: SIPMethod
}

/// A server transaction created by a request with an RFC 3261 branch (§17.2.3): branch,
/// sent-by, and method, where ACK is filed under INVITE.
struct BranchKey: Hashable, Sendable {
    var branch: String
    /// Host lowercased (hosts compare case-insensitively); the port as written.
    var sentByHost: String
    var sentByPort: Int?
    var method: SIPMethod

    init(via: Via, method: SIPMethod) {
        self.branch = via.branch ?? ""
        self.sentByHost = via.host.lowercased()
        self.sentByPort = via.port
        self.method = method == .ack ? .invite : method
    }
}

/// A server transaction created by a request without an RFC 3261 branch (RFC 2543 peers, and
/// a bare `z9hG4bK`, RFC 4475 §3.2.1): Request-URI, To tag, From tag, Call-ID, CSeq number,
/// top Via and method (§17.2.3). `toTag` is the creating request's; an ACK, which carries the
/// tag of the response, is looked up under both its own tag (re-INVITE) and none (initial
/// INVITE) and then checked against the tag the transaction answered with.
struct LegacyKey: Hashable, Sendable {
    var requestURI: String
    var toTag: String?
    var fromTag: String?
    var callID: String
    var sequence: UInt32
    var topVia: Via
    var method: SIPMethod

    init(request: SIPRequest, fields f: MatchFields, toTag: String?) {
        self.requestURI = request.uri.description
        self.toTag = toTag
        self.fromTag = f.from.tag
        self.callID = f.callID
        self.sequence = f.cseq.sequence
        self.topVia = f.topVia
        self.method = request.method == .ack ? .invite : request.method
    }
}

/// An INVITE server transaction in the RFC 6026 Accepted state, found by the dialog an ACK
/// for its 2xx belongs to. That ACK is a new transaction with a new branch (§13.2.2.4) and
/// may come through proxies with another top Via, so neither key above finds it.
struct AcceptedInviteKey: Hashable, Sendable {
    var callID: String
    var fromTag: String?
    var toTag: String?
    var sequence: UInt32
}

/// How a server transaction was filed, to find it again and to unfile it.
enum ServerTransactionKey: Hashable, Sendable {
    case branch(BranchKey)
    case legacy(LegacyKey)

    init(request: SIPRequest, fields f: MatchFields) {
        if f.topVia.hasRFC3261Branch {
            self = .branch(BranchKey(via: f.topVia, method: request.method))
        } else {
            self = .legacy(LegacyKey(request: request, fields: f, toTag: f.to.tag))
        }
    }
}
