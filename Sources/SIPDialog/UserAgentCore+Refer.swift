import SIPMessage
import SIPTransaction

/// A REFER as the core reads it (RFC 3515 §2.1, RFC 4488): where to send the call, who
/// asked, and whether the sender wants to hear how it went.
struct Referral: Sendable, Hashable {
    /// The Refer-To URI without its embedded headers.
    var target: SIPAnyURI
    /// The embedded `Replaces` header, decoded (`callid;to-tag=x;from-tag=y`): an attended
    /// transfer (RFC 3891 §3).
    var replaces: String?
    var referredBy: String?
    /// False with `Refer-Sub: false` (RFC 4488 §4): no implicit subscription, no NOTIFY.
    var subscribe: Bool

    /// Reads the REFER's headers; the error names what is wrong, for the 400's reason phrase.
    init(_ request: SIPRequest) throws(SIPParseError) {
        // Refer-To is not a list header: several values are either several lines or one
        // line with top-level commas; both mean more than one target (RFC 3515 §2.1).
        let lines = request.headers.lines(.referTo)
        guard let line = lines.first else { throw SIPParseError(.missingHeader, "no Refer-To") }
        guard lines.count == 1, SIPHeaders.splitList(line).count == 1 else {
            throw SIPParseError(.duplicateHeader, "more than one Refer-To")
        }
        let address: NameAddress
        do { address = try NameAddress(parsing: line) } catch {
            let detail = error.detail.hasPrefix("name-addr: ") ? String(error.detail.dropFirst(11)) : error.detail
            throw SIPParseError(.malformedHeader, "malformed Refer-To: \(detail)")
        }
        switch address.uri {
        case .sip(var uri):
            replaces = uri.headers.first { $0.name.caseInsensitiveEquals("Replaces") }?.value
            uri.headers = []
            target = .sip(uri)
        case .tel:
            replaces = nil
            target = address.uri
        case .other(let scheme, _):
            throw SIPParseError(.malformedHeader, "Refer-To must be a sip, sips or tel URI, not \(scheme)")
        }
        referredBy = request.headers[.referredBy]?.trimmingSIPWhitespace
        // refer-sub-value = "true" / "false", then extension parameters (RFC 4488 §7).
        switch request.headers[.referSub].map({ $0.split(separator: ";").first.map(String.init)?.trimmingSIPWhitespace ?? "" }) {
        case nil: subscribe = true
        case let value? where value.caseInsensitiveEquals("true"): subscribe = true
        case let value? where value.caseInsensitiveEquals("false"): subscribe = false
        case .some: throw SIPParseError(.malformedHeader, "Refer-Sub must be true or false")
        }
    }
}

/// What a dialog keeps of the REFERs it accepted.
struct ReferUsage: Sendable, Hashable {
    /// REFERs accepted in this dialog so far: from the second on, NOTIFYs name theirs with
    /// an `id` (RFC 3515 §2.4.6).
    var accepted = 0
    /// The implicit subscription of the latest REFER while it is active. nil with
    /// `Refer-Sub: false`, after the final NOTIFY, once it expired, or after the peer
    /// refused a NOTIFY (RFC 6665 §4.2.2).
    var subscription: ReferSubscription?
}

/// The implicit subscription a REFER creates (RFC 3515 §2.4.4), from the notifier's side.
/// It is either active (this value exists) or terminated (it does not): the final NOTIFY,
/// its expiry and a failed NOTIFY end it; the dialog ending ends it without a NOTIFY.
struct ReferSubscription: Sendable, Hashable {
    /// The Event header of its NOTIFYs: `refer`, or `refer;id=<REFER CSeq>` (§2.4.6).
    let event: String
    let expiresAt: SIPInstant
    /// The CSeq of its first NOTIFY: a response to a lower one is about an earlier subscription.
    let firstNotifySequence: UInt32
}

extension SIPHeaderName {
    /// RFC 4488 §7.
    static let referSub: SIPHeaderName = "Refer-Sub"
    /// RFC 6665 §8.2.3 (canonical name known to the parser; no typed accessor there yet).
    static let subscriptionState: SIPHeaderName = "Subscription-State"
}

extension UserAgentCore {
    /// How long a REFER's implicit subscription lasts unless a final NOTIFY ends it first
    /// (RFC 3515 §2.4.4 leaves the duration to the notifier).
    static let referSubscriptionDuration: Duration = .seconds(60)

    // MARK: REFER received (RFC 3515 §2.4.2)

    /// An in-dialog REFER: 202, the first NOTIFY (100 Trying, §2.4.5) unless the sender
    /// opted out (RFC 4488), then `transferRequested` for the application, which performs
    /// the transfer and reports with `notifyTransfer`.
    mutating func handleRefer(_ request: SIPRequest, _ e: RequestEssentials, _ handle: CallHandle, _ tx: TransactionID,
                              now: SIPInstant) -> [UserAgentAction] {
        guard let call = calls[handle] else { return [] }
        switch call.state {
        case .answered, .confirmed:
            break
        case .offering, .calling, .early:
            return [.respond(request.makeResponse(403, reason: "Forbidden (no transfer before the call is answered)"), tx)]
        case .terminating:
            return [.respond(request.makeResponse(403, reason: "Forbidden (the call is ending)"), tx)]
        }
        let referral: Referral
        do { referral = try Referral(request) } catch {
            return [.respond(request.makeResponse(400, reason: error.reasonPhrase), tx)]
        }
        var usage = referUsages[handle] ?? ReferUsage()
        // One transfer at a time: `notifyTransfer` names a call, not one of several REFERs.
        if let s = usage.subscription, now < s.expiresAt {
            return [.respond(request.makeResponse(491, reason: "Request Pending (a transfer is already in progress)"), tx)]
        }
        usage.accepted += 1
        var accepted = request.makeResponse(202)
        accepted.headers.add(.contact, localContact(call))
        if referral.subscribe {
            usage.subscription = ReferSubscription(
                event: usage.accepted == 1 ? "refer" : "refer;id=\(e.cseq.sequence)",
                expiresAt: now + UserAgentCore.referSubscriptionDuration,
                firstNotifySequence: (call.dialog?.localSequence ?? 0) &+ 1)
        } else {
            accepted.headers.add(.referSub, "false")
            usage.subscription = nil
        }
        referUsages[handle] = usage
        var actions: [UserAgentAction] = [.respond(accepted, tx)]
        if referral.subscribe { actions += sendReferNotify(handle, status: 100, reason: "Trying", final: false, now: now) }
        // After the NOTIFY: an application that answers at once gets the next CSeq.
        actions.append(.notify(.transferRequested(handle, referTo: referral.target.description,
                                                  referredBy: referral.referredBy, replaces: referral.replaces)))
        return actions
    }

    // MARK: Reporting progress (RFC 3515 §2.4.5)

    /// Tells the phone that asked for a transfer how it goes: a NOTIFY whose
    /// `message/sipfrag` body is `SIP/2.0 <status> <reason>`; `final` ends the subscription
    /// (`Subscription-State: terminated;reason=noresource`, RFC 6665 §4.1.3).
    ///
    /// Sends nothing when there is no active subscription: the REFER said `Refer-Sub:
    /// false`, a final NOTIFY went already, it expired, or the call is ending or gone.
    /// `status` outside 100...699 is not a SIP status and sends nothing either.
    public mutating func notifyTransfer(_ handle: CallHandle, status: Int, reason: String, final: Bool,
                                        now: SIPInstant) -> [UserAgentAction] {
        guard (100...699).contains(status) else { return [] }
        return sendReferNotify(handle, status: status, reason: reason, final: final, now: now)
    }

    mutating func sendReferNotify(_ handle: CallHandle, status: Int, reason: String, final: Bool,
                                  now: SIPInstant) -> [UserAgentAction] {
        guard var usage = referUsages[handle], let subscription = usage.subscription else { return [] }
        // Once our BYE is out the phone may have forgotten the dialog; NOTIFY only while it is up.
        guard var call = calls[handle], call.state == .answered || call.state == .confirmed,
              var dialog = call.dialog else { return [] }
        guard now < subscription.expiresAt else {
            usage.subscription = nil
            referUsages[handle] = usage
            return []
        }
        var notify = dialog.makeRequest(.notify, via: makeVia(dialog.nextHop.transport))
        // RFC 6665 §4.2.2: NOTIFY is a target refresh request: the Contact our dialog uses.
        notify.headers.add(.contact, localContact(call))
        notify.headers.add(.event, subscription.event)
        if final {
            notify.headers.add(.subscriptionState, "terminated;reason=noresource")
        } else {
            let left = subscription.expiresAt - now
            let seconds = left.components.seconds + (left.components.attoseconds > 0 ? 1 : 0)
            notify.headers.add(.subscriptionState, "active;expires=\(seconds)")
        }
        notify.headers.add(.contentType, "message/sipfrag;version=2.0")
        // RFC 3420 §2: a sipfrag Status-Line ends with CRLF, as in a message. The reason is
        // the application's text: a line break in it would start a header of the fragment.
        let phrase = String(reason.map { $0.isNewline ? " " : $0 })
        notify.body = Array("SIP/2.0 \(status) \(phrase)\r\n".utf8)
        usage.subscription = final ? nil : subscription
        referUsages[handle] = usage
        call.dialog = dialog
        calls[handle] = call
        // So that `clientTransactionStarted` binds the NOTIFY's transaction to the call.
        callsByCallID[dialog.id.callID] = handle
        return [.sendRequest(notify, to: dialog.nextHop)]
    }

    // MARK: Responses to our NOTIFY

    /// A final response to one of our NOTIFYs. The call is never touched (a NOTIFY is its
    /// own usage, RFC 5057 §5.3); a failure ends the subscription it belonged to (RFC 6665
    /// §4.2.2), so later progress is not sent to a phone that no longer listens.
    mutating func handleNotifyResponse(_ response: SIPResponse, _ handle: CallHandle) -> [UserAgentAction] {
        guard response.isFinal, !response.isSuccess, let cseq = try? response.cseq(),
              var usage = referUsages[handle], let s = usage.subscription, cseq.sequence >= s.firstNotifySequence
        else { return [] }
        usage.subscription = nil
        referUsages[handle] = usage
        return []
    }

    /// Our NOTIFY timed out or could not be sent: the subscription ends (RFC 6665 §4.2.2).
    mutating func notifyFailed(_ handle: CallHandle) -> [UserAgentAction] {
        referUsages[handle]?.subscription = nil
        return []
    }

    /// The Contact of our side of the call's dialog: the one our 200 (inbound) or INVITE
    /// (outbound) carried, so the peer's remote target does not move.
    func localContact(_ call: Call) -> String {
        let user = call.direction == .inbound ? call.dialled : call.dialog?.local.sipURI?.user
        return contact(user: user, transport: call.peer.transport)
    }
}
