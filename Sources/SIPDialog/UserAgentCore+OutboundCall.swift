import SDP
import SIPMessage
import SIPTransaction

extension UserAgentCore {
    // MARK: Placing a call (§13.2.1)

    /// Starts an outgoing call to `target` through `peer` (the next hop). `duration`, when
    /// set, hangs up that long after the answer. `mediaPort` puts that RTP port in the
    /// offer instead of one from the pool (a load generator sharing one socket among calls).
    /// `headers` go on the INVITE (and on its retry with credentials) after our own, e.g.
    /// the interaction an offered call belongs to (`X-Hotline-Interaction`).
    public mutating func placeCall(to target: SIPURI, from: NameAddress? = nil, via peer: SIPPeer,
                                   credentials: DialCredentials? = nil, duration: Duration? = nil,
                                   mediaPort: UInt16? = nil, headers extra: [(SIPHeaderName, String)] = [],
                                   now: SIPInstant) -> (CallHandle, [UserAgentAction]) {
        let handle = CallHandle(nextCall)
        nextCall += 1
        let tag = ids.tag()
        var fromAddress = from ?? NameAddress(uri: SIPURI(user: "hotline", host: configuration.domain))
        fromAddress.tag = tag
        let callID = ids.callID(host: configuration.advertisedHost)
        guard let port = mediaPort ?? ports.allocate() else {
            return (handle, [.notify(.ended(handle, reason: .failed(status: 503)))])
        }
        var h = SIPHeaders()
        h.add(.via, makeVia(peer.transport).description)
        h.add(.maxForwards, "70")
        h.add(.from, fromAddress.description)
        h.add(.to, NameAddress(uri: target).description)
        h.add(.callID, callID)
        h.add(.cseq, "1 INVITE")
        h.add(.contact, contact(user: fromAddress.sipURI?.user, transport: peer.transport))
        h.add(.allow, allowValue)
        h.add(.supported, UserAgentConfiguration.supportedExtensions.joined(separator: ", "))
        h.add(.userAgent, configuration.userAgent)
        for (name, value) in extra { h.add(name, value) }
        h.add(.contentType, "application/sdp")
        var invite = SIPRequest(method: .invite, uri: target, headers: h)
        var call = Call(handle: handle, direction: .outbound, state: .calling, invite: invite, localTag: tag, peer: peer,
                        dialled: target.user ?? "", sessionID: ids.next() >> 1)
        call.rtpPort = port
        call.portFromPool = mediaPort == nil
        let offer = negotiator.offer(local: localMedia(call))
        invite.body = offer.serializedBytes()
        call.invite = invite
        call.localSDP = offer
        call.offerOutstanding = true
        call.credentials = credentials
        call.plannedDuration = duration
        calls[handle] = call
        callsByCallID[callID] = handle
        return (handle, [.sendRequest(invite, to: peer)])
    }

    // MARK: Responses to our requests

    mutating func handleResponse(_ response: SIPResponse, _ tx: TransactionID, now: SIPInstant) -> [UserAgentAction] {
        guard let (handle, method) = clientTransactions[tx], var call = calls[handle] else { return [] }
        if response.isFinal, !(method == .invite && response.isSuccess) { clientTransactions[tx] = nil }
        switch method {
        case .invite:
            return handleInviteResponse(response, handle, &call, now: now)
        case .bye:
            guard response.isFinal else { return [] }
            return end(handle, reason: call.state == .terminating ? .localHangup : .remoteHangup)
        case .notify:
            return handleNotifyResponse(response, handle)
        default:
            return []
        }
    }

    private mutating func handleInviteResponse(_ response: SIPResponse, _ handle: CallHandle, _ call: inout Call,
                                               now: SIPInstant) -> [UserAgentAction] {
        // Our INVITEs after the first (refreshes) have a higher CSeq; a retransmitted 2xx for
        // the first one, which arrives once the call is confirmed, is not one of them.
        let isReinvite = call.direction == .inbound
            || ((try? response.cseq())?.sequence).map { $0 != (try? call.invite.cseq())?.sequence } ?? false
        if isReinvite {
            // Our session refresh: ACK a 2xx; a failure other than 491 ends the session (RFC 4028 §10).
            guard response.isFinal else { return [] }
            if response.isSuccess, var dialog = call.dialog, let cseq = try? response.cseq() {
                let ack = dialog.makeRequest(.ack, via: makeVia(dialog.nextHop.transport), sequence: cseq.sequence)
                call.dialog = dialog
                calls[handle] = call
                return [.sendStateless(.request(ack), to: dialog.nextHop)]
            }
            if response.statusCode == 481 || response.statusCode == 408 { return end(handle, reason: .failed(status: response.statusCode)) }
            return []
        }
        var actions: [UserAgentAction] = []
        if response.isProvisional {
            call.gotProvisional = true
            if response.statusCode > 100, (try? response.to())?.tag != nil, call.dialog == nil {
                call.dialog = try? Dialog(uacFor: call.invite, response: response, peer: call.peer)
                call.state = .early
            }
            if response.statusCode == 180 || response.statusCode == 183 { actions.append(.notify(.ringing(handle))) }
            calls[handle] = call
            // §9.1: a CANCEL waits for a provisional response.
            if call.cancelRequested { actions += sendCancel(handle) }
            return actions
        }
        if response.isSuccess {
            if call.state == .confirmed || call.ack != nil {
                // A retransmitted 2xx: the ACK is sent again (§13.2.2.4).
                if let ack = call.ack { return [.sendStateless(.request(ack), to: call.dialog?.nextHop ?? call.peer)] }
                return []
            }
            guard var dialog = try? Dialog(uacFor: call.invite, response: response, peer: call.peer) else { return [] }
            let ack = dialog.makeRequest(.ack, via: makeVia(dialog.nextHop.transport), sequence: dialog.localSequence)
            call.dialog = dialog
            call.ack = ack
            call.state = .confirmed
            callsByDialog[dialog.id] = handle
            actions.append(.sendStateless(.request(ack), to: dialog.nextHop))
            if let body = try? SessionDescription(parsing: response.body), let offer = call.localSDP,
               case .success(let media) = negotiator.process(answer: body, toOffer: offer) {
                call.media = media
                call.remoteSDP = body
                call.offerOutstanding = false
            } else {
                // §13.2.2.4: the answer is unusable: ACK, then BYE.
                calls[handle] = call
                return actions + sendBye(handle, reason: .failed(status: 488), now: now)
            }
            calls[handle] = call
            if call.cancelRequested { return actions + sendBye(handle, reason: .cancelled, now: now) }
            actions.append(.notify(.answered(handle, media: call.media)))
            if let d = call.plannedDuration { actions.append(.startTimer(UserAgentTimer(handle, .hangup), at: now + d)) }
            return actions
        }
        // 401/407: answer the challenge once per realm (§22.2).
        if (response.statusCode == 401 || response.statusCode == 407), let creds = call.credentials, call.authAttempts < 2,
           !call.cancelRequested, let retry = authenticatedRetry(call, response, creds) {
            call.authAttempts += 1
            call.invite = retry
            call.gotProvisional = false
            calls[handle] = call
            return [.sendRequest(retry, to: call.peer)]
        }
        return end(handle, reason: call.cancelRequested ? .cancelled : .failed(status: response.statusCode))
    }

    /// The INVITE again with the next CSeq, a new branch and an Authorization header.
    private mutating func authenticatedRetry(_ call: Call, _ response: SIPResponse, _ creds: DialCredentials) -> SIPRequest? {
        let headerName: SIPHeaderName = response.statusCode == 401 ? .wwwAuthenticate : .proxyAuthenticate
        let challenges: [DigestChallenge] = response.headers.lines(headerName).compactMap {
            if case .digest(let c)? = try? AuthenticationChallenge(parsing: $0) { return c } else { return nil }
        }
        guard let challenge = challenges.first(where: { $0.algorithm == .sha256 }) ?? challenges.first,
              let cseq = try? call.invite.cseq() else { return nil }
        let cnonce = ids.token()
        let authorization = DigestClient.authorization(
            challenge: .digest(challenge), method: "INVITE", uri: call.invite.uri.description,
            username: creds.username, password: creds.password, cnonce: cnonce, nonceCount: 1)
        var retry = call.invite
        retry.headers.set(.cseq, "\(cseq.sequence + 1) INVITE")
        retry.headers.set(.via, makeVia(call.peer.transport).description)
        retry.headers.set(response.statusCode == 401 ? .authorization : .proxyAuthorization, authorization)
        return retry
    }

    mutating func handleStrayResponse(_ response: SIPResponse, now: SIPInstant) -> [UserAgentAction] {
        // A 2xx retransmitted after the INVITE transaction ended (§13.2.2.4): ACK it again.
        guard response.isSuccess, let cseq = try? response.cseq(), cseq.method == .invite,
              let callID = try? response.callID(), let handle = callsByCallID[callID], let call = calls[handle],
              let ack = call.ack else { return [] }
        return [.sendStateless(.request(ack), to: call.dialog?.nextHop ?? call.peer)]
    }

    mutating func handleClientFailure(_ tx: TransactionID, reason: CallEndReason, now: SIPInstant) -> [UserAgentAction] {
        guard let (handle, method) = clientTransactions.removeValue(forKey: tx), let call = calls[handle] else { return [] }
        switch method {
        case .invite where call.state == .calling || call.state == .early:
            return end(handle, reason: reason == .timeout ? .failed(status: 408) : reason)
        case .bye:
            return end(handle, reason: call.state == .terminating ? .localHangup : reason)
        case .notify:
            return notifyFailed(handle)
        default:
            return []
        }
    }

    // MARK: Hanging up

    /// Ends a call from our side in whatever state it is: reject, CANCEL or BYE.
    public mutating func hangup(_ handle: CallHandle, now: SIPInstant) -> [UserAgentAction] {
        guard var call = calls[handle] else { return [] }
        switch call.state {
        case .offering:
            return reject(handle, status: 480, now: now)
        case .calling, .early:
            call.cancelRequested = true
            calls[handle] = call
            return call.gotProvisional ? sendCancel(handle) : []
        case .answered:
            // §15: no BYE before the ACK for our 2xx (or its timeout, which sends one).
            call.hangupAfterACK = true
            calls[handle] = call
            return []
        case .confirmed:
            return sendBye(handle, reason: .localHangup, now: now)
        case .terminating:
            return []
        }
    }

    /// Every call ended from our side (graceful shutdown).
    public mutating func hangupAll(now: SIPInstant) -> [UserAgentAction] {
        var actions: [UserAgentAction] = []
        for handle in calls.keys.sorted() { actions += hangup(handle, now: now) }
        return actions
    }

    /// CANCEL for our pending INVITE (§9.1): same Request-URI, Call-ID, From, To, CSeq number and top Via.
    mutating func sendCancel(_ handle: CallHandle) -> [UserAgentAction] {
        guard let call = calls[handle], let cseq = try? call.invite.cseq() else { return [] }
        var h = SIPHeaders()
        if let via = call.invite.headers[.via] { h.add(.via, via) }
        h.add(.maxForwards, "70")
        if let v = call.invite.headers[.from] { h.add(.from, v) }
        if let v = call.invite.headers[.to] { h.add(.to, v) }
        if let v = call.invite.headers[.callID] { h.add(.callID, v) }
        h.add(.cseq, "\(cseq.sequence) CANCEL")
        for r in call.invite.headers.lines(.route) { h.add(.route, r) }
        return [.sendRequest(SIPRequest(method: .cancel, uri: call.invite.uri, headers: h), to: call.peer)]
    }

    /// BYE in the dialog (§15.1.1); the call ends when it is answered or times out.
    mutating func sendBye(_ handle: CallHandle, reason: CallEndReason, now: SIPInstant) -> [UserAgentAction] {
        guard var call = calls[handle], var dialog = call.dialog else { return end(handle, reason: reason) }
        let bye = dialog.makeRequest(.bye, via: makeVia(dialog.nextHop.transport))
        call.dialog = dialog
        call.state = .terminating
        calls[handle] = call
        callsByCallID[dialog.id.callID] = handle
        var actions: [UserAgentAction] = [.sendRequest(bye, to: dialog.nextHop)]
        if reason != .localHangup {
            // The BYE's outcome does not matter: report the real reason now.
            actions += end(handle, reason: reason)
        } else {
            // The call waits for the BYE's answer: its session timers must not send another.
            actions += [.cancelTimer(UserAgentTimer(handle, .sessionExpiry)), .cancelTimer(UserAgentTimer(handle, .sessionRefresh))]
        }
        return actions
    }

    /// RFC 4028 §7.4: we are the refresher: a re-INVITE with our current SDP.
    mutating func sendSessionRefresh(_ handle: CallHandle, now: SIPInstant) -> [UserAgentAction] {
        guard var call = calls[handle], call.state == .confirmed, var dialog = call.dialog, let t = call.sessionTimer else { return [] }
        var invite = dialog.makeRequest(.invite, via: makeVia(dialog.nextHop.transport))
        invite.headers.add(.contact, contact(user: call.dialled, transport: dialog.nextHop.transport))
        // RFC 4028 §7.4: `uac` names the sender of this request: us, the refresher.
        invite.headers.add(.sessionExpires, "\(t.interval);refresher=uac")
        invite.headers.add(.supported, "timer")
        if let sdp = call.localSDP {
            invite.headers.add(.contentType, "application/sdp")
            invite.body = sdp.serializedBytes()
        }
        call.dialog = dialog
        calls[handle] = call
        callsByCallID[dialog.id.callID] = handle
        return [.sendRequest(invite, to: dialog.nextHop),
                .startTimer(UserAgentTimer(handle, .sessionRefresh), at: now + t.refreshDelay)]
    }

    // MARK: Ending

    /// Forgets a call: releases its port, cancels its timers, tells the application.
    /// Responses that arrive later for its transactions find no call and are ignored.
    mutating func end(_ handle: CallHandle, reason: CallEndReason) -> [UserAgentAction] {
        guard let call = calls.removeValue(forKey: handle) else { return [] }
        if let p = call.rtpPort, call.portFromPool { ports.release(p) }
        if let d = call.dialog { callsByDialog[d.id] = nil }
        if let tx = call.inviteTransaction { callsByInviteTransaction[tx] = nil }
        callsByCallID[(try? call.invite.callID()) ?? ""] = nil
        referUsages[handle] = nil
        var actions: [UserAgentAction] = []
        for kind in [UserAgentTimer.Kind.retransmit2xx, .ackTimeout, .answer, .sessionExpiry, .sessionRefresh, .hangup] {
            actions.append(.cancelTimer(UserAgentTimer(handle, kind)))
        }
        actions.append(.notify(.ended(handle, reason: reason)))
        return actions
    }
}
