import SDP
import SIPMessage
import SIPTransaction

extension UserAgentCore {
    // MARK: New INVITE (§13.3.1)

    mutating func handleNewInvite(_ request: SIPRequest, _ e: RequestEssentials, _ tx: TransactionID,
                                  from peer: SIPPeer, now: SIPInstant) -> [UserAgentAction] {
        let tag = ids.tag()
        func reject(_ code: Int, _ reason: String? = nil) -> [UserAgentAction] {
            [.respond(request.makeResponse(code, reason: reason, toTag: tag), tx)]
        }
        // RFC 4475 §3.3.15: the caller must accept our answer's type.
        if let accept = request.headers[.accept] {
            let types = SIPHeaders.splitList(accept).map { $0.split(separator: ";").first.map { String($0).trimmingSIPWhitespace.lowercased() } ?? "" }
            if !types.contains(where: { $0 == "application/sdp" || $0 == "application/*" || $0 == "*/*" }) {
                var r = request.makeResponse(406, toTag: tag)
                r.headers.add(.accept, "application/sdp")
                r.headers.add(.warning, "399 \(configuration.domain) \"Only application/sdp bodies are supported\"")
                return [.respond(r, tx)]
            }
        }
        let dialled = request.uri.userOrNumber ?? ""
        guard let line = configuration.lines[dialled] else {
            return reject(404, "Not Found (no service line \(dialled.isEmpty ? "given" : dialled))")
        }
        if let code = line.rejectWith { return reject(code) }

        var timer: SessionTimerNegotiation?
        switch SessionTimerNegotiation.negotiate(request: request, minimum: configuration.minSessionExpires,
                                                 preferred: configuration.sessionExpires) {
        case .none: break
        case .accept(let t): timer = t
        case .tooSmall(let minSE):
            var r = request.makeResponse(422, toTag: tag)
            r.headers.add(.minSE, String(minSE))
            return [.respond(r, tx)]
        }

        var offer: SessionDescription?
        if !request.body.isEmpty {
            do { offer = try SessionDescription(parsing: request.body) } catch {
                var r = request.makeResponse(488, reason: "Not Acceptable Here (malformed SDP)", toTag: tag)
                r.headers.add(.warning, "399 \(configuration.domain) \"\(String(describing: error).replacingQuotes)\"")
                return [.respond(r, tx)]
            }
        }
        guard let port = ports.allocate() else {
            var r = request.makeResponse(503, reason: "Service Unavailable (no media ports free)", toTag: tag)
            r.headers.add(.retryAfter, "5")
            return [.respond(r, tx)]
        }
        let handle = CallHandle(nextCall)
        nextCall += 1
        var call = Call(handle: handle, direction: .inbound, state: .offering, invite: request, localTag: tag,
                        peer: peer, dialled: dialled, sessionID: ids.next() >> 1)
        call.rtpPort = port
        call.inviteTransaction = tx
        call.sessionTimer = timer
        call.remoteSDP = offer
        call.dialog = Dialog(uasFor: request, essentials: e, localTag: tag, peer: peer)

        // Negotiate now, so an offer we cannot take is refused before anything rings.
        if let offer {
            switch negotiator.answer(to: offer, local: localMedia(call)) {
            case .success(let answer):
                call.localSDP = answer.answer
                call.media = answer.media
            case .failure(let failure):
                ports.release(port)
                var r = request.makeResponse(failure.sipStatus, toTag: tag)
                if let w = failure.warningHeaderValue(agent: configuration.domain) { r.headers.add(.warning, w) }
                return [.respond(r, tx)]
            }
        } else {
            // Late offer (§13.2.1): we offer in the 2xx and expect the answer in the ACK.
            call.localSDP = negotiator.offer(local: localMedia(call))
            call.offerOutstanding = true
        }
        calls[handle] = call
        callsByDialog[call.dialog!.id] = handle
        callsByInviteTransaction[tx] = handle

        var actions: [UserAgentAction] = [
            // From as presented, display name included (an agent's phone shows it), without the tag.
            .notify(.incomingCall(handle, callID: e.callID,
                                  from: e.from.displayName.map { NameAddress(displayName: $0, uri: e.from.uri).description }
                                      ?? e.from.uri.description,
                                  to: e.to.uri.description,
                                  dialled: dialled, peer: peer)),
        ]
        switch line.answerAfter {
        case .some(.zero):
            // Phones expect ringback before the answer even when it is immediate.
            actions += ring(handle)
            actions += answer(handle, now: now)
        case .some(let delay):
            actions += ring(handle)
            actions.append(.startTimer(UserAgentTimer(handle, .answer), at: now + delay))
        case .none:
            actions += ring(handle)
        }
        return actions
    }

    func localMedia(_ call: Call) -> LocalMedia {
        LocalMedia(address: configuration.mediaAddress, rtpPort: call.rtpPort ?? 0, sessionID: call.sessionID,
                   sessionVersion: 1)
    }

    /// 180 Ringing for a call still offering.
    public mutating func ring(_ handle: CallHandle) -> [UserAgentAction] {
        guard let call = calls[handle], call.state == .offering, let tx = call.inviteTransaction else { return [] }
        var r = call.invite.makeResponse(180, toTag: call.localTag)
        r.headers.add(.contact, contact(user: call.dialled, transport: call.peer.transport))
        return [.respond(r, tx), .notify(.ringing(handle))]
    }

    /// Answers a ringing call with 200 OK and our SDP (§13.3.1.4).
    public mutating func answer(_ handle: CallHandle, now: SIPInstant) -> [UserAgentAction] {
        guard var call = calls[handle], call.state == .offering, let tx = call.inviteTransaction else { return [] }
        var r = call.invite.makeResponse(200, toTag: call.localTag)
        r.headers.add(.contact, contact(user: call.dialled, transport: call.peer.transport))
        addCapabilities(&r)
        if let t = call.sessionTimer {
            r.headers.add(.sessionExpires, t.headerValue)
            if t.peerSupportsTimer { r.headers.add(.require, "timer") }
        }
        if let sdp = call.localSDP {
            r.headers.add(.contentType, "application/sdp")
            r.body = sdp.serializedBytes()
        }
        call.state = .answered
        call.final2xx = r
        call.retransmitInterval = configuration.timers.t1
        calls[handle] = call
        var actions: [UserAgentAction] = [.respond(r, tx)]
        if !call.peer.transport.isReliable {
            actions.append(.startTimer(UserAgentTimer(handle, .retransmit2xx), at: now + configuration.timers.t1))
        }
        actions.append(.startTimer(UserAgentTimer(handle, .ackTimeout), at: now + configuration.timers.t1 * 64))
        return actions
    }

    /// Refuses a call that is still offering (e.g. 480, 486, 603).
    public mutating func reject(_ handle: CallHandle, status: Int, now: SIPInstant) -> [UserAgentAction] {
        guard let call = calls[handle], call.state == .offering, let tx = call.inviteTransaction else { return [] }
        let r = call.invite.makeResponse(status, toTag: call.localTag)
        return [.respond(r, tx)] + end(handle, reason: .rejected(status: status))
    }

    // MARK: ACK (§13.3.1.4, §17.2.1 with RFC 6026)

    mutating func handleACK(_ ack: SIPRequest, now: SIPInstant) -> [UserAgentAction] {
        guard let callID = try? ack.callID(), let from = try? ack.from(), let to = try? ack.to(), let toTag = to.tag,
              let handle = callsByDialog[DialogID(callID: callID, localTag: toTag, remoteTag: from.tag ?? "")],
              var call = calls[handle], let cseq = try? ack.cseq()
        else { return [] }
        var actions: [UserAgentAction] = []
        if call.state == .answered, cseq.sequence == (try? call.invite.cseq())?.sequence {
            call.state = .confirmed
            call.final2xx = nil
            actions.append(.cancelTimer(UserAgentTimer(handle, .retransmit2xx)))
            actions.append(.cancelTimer(UserAgentTimer(handle, .ackTimeout)))
            if call.offerOutstanding {
                // The ACK carries the answer to the offer in our 2xx (§13.2.1).
                call.offerOutstanding = false
                if let answerSDP = try? SessionDescription(parsing: ack.body), let offer = call.localSDP,
                   case .success(let media) = negotiator.process(answer: answerSDP, toOffer: offer) {
                    call.media = media
                    call.remoteSDP = answerSDP
                } else {
                    // §13.3.1.4: no usable answer: the session cannot go on.
                    calls[handle] = call
                    return actions + hangup(handle, now: now)
                }
            }
            if call.hangupAfterACK {
                calls[handle] = call
                return actions + sendBye(handle, reason: .localHangup, now: now)
            }
            if let t = call.sessionTimer {
                let kind: UserAgentTimer.Kind = t.refresher == .uas ? .sessionRefresh : .sessionExpiry
                actions.append(.startTimer(UserAgentTimer(handle, kind), at: now + (kind == .sessionRefresh ? t.refreshDelay : t.expiryDelay)))
            }
            actions.append(.notify(.answered(handle, media: call.media)))
        } else if let pending = call.reinviteAwaitingACK, cseq.sequence == pending {
            call.reinviteAwaitingACK = nil
            call.final2xx = nil
            actions.append(.cancelTimer(UserAgentTimer(handle, .retransmit2xx)))
            actions.append(.cancelTimer(UserAgentTimer(handle, .ackTimeout)))
        }
        calls[handle] = call
        return actions
    }

    // MARK: CANCEL (§9.2)

    mutating func handleCancel(_ cancel: SIPRequest, _ cancelTx: TransactionID, inviteTx: TransactionID?,
                               now: SIPInstant) -> [UserAgentAction] {
        guard let inviteTx, let handle = callsByInviteTransaction[inviteTx], let call = calls[handle] else {
            return [.respond(cancel.makeResponse(481, toTag: ids.tag()), cancelTx)]
        }
        var actions: [UserAgentAction] = [.respond(cancel.makeResponse(200, toTag: call.localTag), cancelTx)]
        if call.state == .offering {
            actions.append(.respond(call.invite.makeResponse(487, toTag: call.localTag), inviteTx))
            actions += end(handle, reason: .cancelled)
        }
        return actions
    }

    // MARK: In-dialog requests (§12.2.2)

    mutating func handleInDialogRequest(_ request: SIPRequest, _ e: RequestEssentials, toTag: String, _ tx: TransactionID,
                                        from peer: SIPPeer, now: SIPInstant) -> [UserAgentAction] {
        let id = DialogID(callID: e.callID, localTag: toTag, remoteTag: e.from.tag ?? "")
        guard let handle = callsByDialog[id], var call = calls[handle], var dialog = call.dialog else {
            if request.method == .options { return [.respond(optionsResponse(request), tx)] }
            return [.respond(request.makeResponse(481), tx)]
        }
        guard dialog.acceptRemoteSequence(e.cseq) else {
            return [.respond(request.makeResponse(500, reason: "Server Internal Error (CSeq out of order)"), tx)]
        }
        // §12.2.2: a target refresh request updates the remote target.
        if request.method == .invite || request.method == .update, let c = e.contacts?.first { dialog.remoteTarget = c.uri }
        call.dialog = dialog
        calls[handle] = call
        switch request.method {
        case .bye:
            var actions: [UserAgentAction] = [.respond(request.makeResponse(200), tx)]
            if call.state == .offering, let inviteTx = call.inviteTransaction {
                // §15.1.2: a BYE before our final answer: the INVITE gets 487.
                actions.append(.respond(call.invite.makeResponse(487, toTag: call.localTag), inviteTx))
            }
            return actions + end(handle, reason: .remoteHangup)
        case .invite, .update:
            return handleSessionModification(request, e, handle, tx, now: now)
        case .info:
            return [.respond(request.makeResponse(200), tx)] + dtmfEvents(request, handle)
        case .refer:
            return handleRefer(request, e, handle, tx, now: now)
        case .options:
            var r = optionsResponse(request)
            r.headers.set(.to, request.headers[.to] ?? "")
            return [.respond(r, tx)]
        default:
            return [.respond(methodNotSupported(request), tx)]
        }
    }

    /// re-INVITE or UPDATE: hold/resume, codec change, session refresh (§14.2, RFC 3311, RFC 4028).
    mutating func handleSessionModification(_ request: SIPRequest, _ e: RequestEssentials, _ handle: CallHandle,
                                            _ tx: TransactionID, now: SIPInstant) -> [UserAgentAction] {
        guard var call = calls[handle] else { return [] }
        // §14.2: a second INVITE while one is in progress → 500 with Retry-After;
        // our own offer outstanding → 491 (glare).
        if call.offerOutstanding {
            return [.respond(request.makeResponse(491), tx)]
        }
        // The initial INVITE is still unanswered while `offering` (§14.2 covers it too).
        if request.method == .invite && (call.reinviteInProgress || call.reinviteAwaitingACK != nil || call.state == .answered
                                         || call.state == .offering) {
            var r = request.makeResponse(500, reason: "Server Internal Error (INVITE in progress)")
            r.headers.add(.retryAfter, "\(1 + Int(ids.next() % 10))")
            return [.respond(r, tx)]
        }
        // RFC 3311 §5.2: an UPDATE offer while we still owe the answer to the INVITE's offer.
        if request.method == .update, !request.body.isEmpty, call.state == .offering {
            var r = request.makeResponse(500, reason: "Server Internal Error (offer in progress)")
            r.headers.add(.retryAfter, "\(1 + Int(ids.next() % 10))")
            return [.respond(r, tx)]
        }
        // RFC 4028 §8.1: a refresh asking for less than our minimum is refused with 422.
        if case .tooSmall(let minSE) = SessionTimerNegotiation.negotiate(request: request, minimum: configuration.minSessionExpires,
                                                                          preferred: configuration.sessionExpires) {
            var r = request.makeResponse(422)
            r.headers.add(.minSE, String(minSE))
            return [.respond(r, tx)]
        }
        var actions: [UserAgentAction] = []
        var r = request.makeResponse(200)
        r.headers.add(.contact, contact(user: call.dialled, transport: call.peer.transport))
        addCapabilities(&r)
        if !request.body.isEmpty {
            guard let offer = try? SessionDescription(parsing: request.body) else {
                return [.respond(request.makeResponse(488, reason: "Not Acceptable Here (malformed SDP)"), tx)]
            }
            let previous = call.localSDP?.origin.sessionVersion
            switch negotiator.answer(to: offer, local: localMedia(call), previousVersion: previous) {
            case .success(let answer):
                call.localSDP = answer.answer
                call.remoteSDP = offer
                call.media = answer.media
                r.headers.add(.contentType, "application/sdp")
                r.body = answer.answer.serializedBytes()
                actions.append(.notify(.mediaUpdated(handle, media: answer.media)))
            case .failure(let failure):
                // §14.2: a rejected re-offer leaves the session as it was.
                var fr = request.makeResponse(failure.sipStatus)
                if let w = failure.warningHeaderValue(agent: configuration.domain) { fr.headers.add(.warning, w) }
                return [.respond(fr, tx)]
            }
        } else if request.method == .invite, let sdp = call.localSDP {
            // An offerless re-INVITE: we offer our current session again (§14.2), answer in ACK.
            r.headers.add(.contentType, "application/sdp")
            r.body = sdp.serializedBytes()
        }
        // RFC 4028: a refresh restarts the session timer.
        if call.sessionTimer != nil || request.headers.contains(.sessionExpires) {
            if case .accept(let t) = SessionTimerNegotiation.negotiate(request: request, minimum: configuration.minSessionExpires,
                                                                       preferred: configuration.sessionExpires) {
                call.sessionTimer = t
                r.headers.add(.sessionExpires, t.headerValue)
                if t.peerSupportsTimer { r.headers.add(.require, "timer") }
            }
            if let t = call.sessionTimer {
                actions.append(.cancelTimer(UserAgentTimer(handle, .sessionExpiry)))
                actions.append(.cancelTimer(UserAgentTimer(handle, .sessionRefresh)))
                let kind: UserAgentTimer.Kind = t.refresher == .uas ? .sessionRefresh : .sessionExpiry
                actions.append(.startTimer(UserAgentTimer(handle, kind), at: now + (kind == .sessionRefresh ? t.refreshDelay : t.expiryDelay)))
            }
        }
        if request.method == .invite {
            call.reinviteAwaitingACK = e.cseq.sequence
            call.final2xx = r
            call.retransmitInterval = configuration.timers.t1
            if !call.peer.transport.isReliable {
                actions.append(.startTimer(UserAgentTimer(handle, .retransmit2xx), at: now + configuration.timers.t1))
            }
            actions.append(.startTimer(UserAgentTimer(handle, .ackTimeout), at: now + configuration.timers.t1 * 64))
        }
        calls[handle] = call
        return [.respond(r, tx)] + actions
    }

    /// SIP INFO DTMF (application/dtmf-relay `Signal=5\r\nDuration=160`, or application/dtmf `5`).
    func dtmfEvents(_ request: SIPRequest, _ handle: CallHandle) -> [UserAgentAction] {
        let text = String(decoding: request.body, as: UTF8.self)
        switch request.contentType {
        case "application/dtmf-relay":
            var digit: String?, duration: Int?
            // `isNewline`, not `== "\r"`: "\r\n" is one Character and matches neither.
            for line in text.split(whereSeparator: { $0.isNewline }) {
                let kv = line.split(separator: "=", maxSplits: 1).map { String($0).trimmingSIPWhitespace }
                guard kv.count == 2 else { continue }
                if kv[0].caseInsensitiveEquals("signal") { digit = kv[1] }
                if kv[0].caseInsensitiveEquals("duration") { duration = Int(kv[1]) }
            }
            guard let d = digit, DTMFDigit.isValid(d) else { return [] }
            return [.notify(.dtmfInfo(handle, digit: DTMFDigit.normalized(d), durationMs: duration))]
        case "application/dtmf":
            let d = String(text.filter { !$0.isWhitespace }) // the digit may end with CRLF
            guard DTMFDigit.isValid(d) else { return [] }
            return [.notify(.dtmfInfo(handle, digit: DTMFDigit.normalized(d), durationMs: nil))]
        default:
            return []
        }
    }

    // MARK: Timers

    public mutating func timerFired(_ timer: UserAgentTimer, now: SIPInstant) -> [UserAgentAction] {
        guard var call = calls[timer.call] else { return [] }
        switch timer.kind {
        case .answer:
            return answer(timer.call, now: now)
        case .retransmit2xx:
            guard let r = call.final2xx, call.state == .answered || call.reinviteAwaitingACK != nil else { return [] }
            call.retransmitInterval = min(call.retransmitInterval * 2, configuration.timers.t2)
            calls[timer.call] = call
            return [.sendStateless(.response(r), to: call.peer),
                    .startTimer(timer, at: now + call.retransmitInterval)]
        case .ackTimeout:
            guard call.state == .answered || call.reinviteAwaitingACK != nil else { return [] }
            // §13.3.1.4: confirm the dialog, then end the session.
            call.state = .confirmed
            call.reinviteAwaitingACK = nil
            calls[timer.call] = call
            return [.cancelTimer(UserAgentTimer(timer.call, .retransmit2xx))] + sendBye(timer.call, reason: .ackTimeout, now: now)
        case .sessionExpiry:
            return sendBye(timer.call, reason: .sessionExpired, now: now)
        case .sessionRefresh:
            return sendSessionRefresh(timer.call, now: now)
        case .hangup:
            return hangup(timer.call, now: now)
        }
    }
}

enum DTMFDigit {
    static func isValid(_ s: String) -> Bool {
        guard s.count == 1 || s == "10" || s == "11" else { return false }
        return "0123456789*#ABCDabcd".contains(s) || s == "10" || s == "11"
    }

    /// RFC 4733 event numbers 10/11 are `*` and `#` in some dtmf-relay senders.
    static func normalized(_ s: String) -> String {
        switch s {
        case "10": return "*"
        case "11": return "#"
        default: return s.uppercased()
        }
    }
}

extension String {
    var replacingQuotes: String { String(map { $0 == "\"" ? "'" : $0 }) }
}
