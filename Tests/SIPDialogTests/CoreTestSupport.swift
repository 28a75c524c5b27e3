import SDP
@testable import SIPDialog
import SIPMessage
import SIPTransaction
import XCTest

// Fixtures, message builders and a manual clock for the `UserAgentCore` tests.
//
// The core is pure: a test feeds it layer events with a `now` from `ManualSIPClock`,
// and the harness keeps the timers the core asked for, so a test advances the clock to
// the next deadline and fires it, as the adapter would (STYLE habit 3).

// MARK: - Fixture

enum CoreFixture {
    static let seed: UInt64 = 0x5EED_CAFE
    static let domain = "hotline.local"
    static let host = "198.51.100.1"
    /// Wall-clock nanoseconds (the registrar's nonces want an epoch all nodes share).
    static let epoch = SIPInstant(nanoseconds: 1_700_000_000_000_000_000)
    static let secret: [UInt8] = Array(0..<32).map { UInt8($0) &* 7 &+ 3 }

    static let alice = SIPPeer(transport: .udp, host: "192.0.2.10", port: 5060)
    static let aliceTCP = SIPPeer(transport: .tcp, host: "192.0.2.10", port: 49152, connectionID: 7)
    static let carrier = SIPPeer(transport: .udp, host: "203.0.113.5", port: 5060)

    static let allow = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, UPDATE, REFER"
    static let server = "Hotline/0.1"

    /// Lines: `10000` answers at once, `7777` after 60 s, `8000` never, `486` rejects.
    static func configuration(timers: TransactionTimerSettings = TransactionTimerSettings()) -> UserAgentConfiguration {
        UserAgentConfiguration(
            domain: domain, advertisedHost: host, advertisedPort: 5060, timers: timers,
            lines: [
                "10000": LineBehavior(name: "main", answerAfter: .zero),
                "7777": LineBehavior(name: "slow", answerAfter: .seconds(60)),
                "8000": LineBehavior(name: "ring forever", answerAfter: nil),
                "486": LineBehavior(name: "busy", rejectWith: 486),
            ])
    }

    /// User 1001 with password `agent1001`.
    static func registrar() -> Registrar {
        let verifier: DigestVerifier
        do {
            verifier = try DigestVerifier(configuration: .init(realm: domain, nonceSecret: secret), nonceSeed: 42)
        } catch {
            fatalError("test verifier: \(error)")
        }
        return Registrar(
            settings: .init(realm: domain),
            credentials: ["1001": DigestHA1(username: "1001", realm: domain, password: "agent1001")],
            verifier: verifier)
    }

    static func core(ports: RTPPortPool = RTPPortPool(range: 20000...20099),
                     timers: TransactionTimerSettings = TransactionTimerSettings()) -> UserAgentCore {
        UserAgentCore(configuration: configuration(timers: timers), registrar: registrar(), ports: ports, seed: seed)
    }

    static func uri(_ text: String) -> SIPAnyURI {
        do { return try SIPAnyURI(parsing: text) } catch { fatalError("bad test URI \(text): \(error)") }
    }

    static func sipURI(_ text: String) -> SIPURI {
        do { return try SIPURI(parsing: text) } catch { fatalError("bad test URI \(text): \(error)") }
    }
}

// MARK: - SDP

enum CoreSDP {
    /// A softphone's offer: PCMU, PCMA, telephone-event.
    static func offer(formats: String = "0 8 101", direction: String = "sendrecv", version: Int = 1,
                      address: String = "192.0.2.10", port: Int = 49170) -> String {
        var lines = [
            "v=0",
            "o=alice 2890844526 \(version) IN IP4 192.0.2.10",
            "s=-",
            "c=IN IP4 \(address)",
            "t=0 0",
            "m=audio \(port) RTP/AVP \(formats)",
        ]
        for f in formats.split(separator: " ") {
            switch f {
            case "0": lines.append("a=rtpmap:0 PCMU/8000")
            case "8": lines.append("a=rtpmap:8 PCMA/8000")
            case "18": lines.append("a=rtpmap:18 G729/8000")
            case "101": lines.append("a=rtpmap:101 telephone-event/8000")
            default: break
            }
        }
        if formats.contains("101") { lines.append("a=fmtp:101 0-15") }
        lines += ["a=ptime:20", "a=\(direction)"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Our answer to `offer(...)` with telephone-event.
    static func answer(sessionID: UInt64, version: Int = 1, port: Int = 20000, codec: String = "0 PCMU/8000",
                       direction: String = "sendrecv") -> String {
        let pt = codec.split(separator: " ")[0]
        return [
            "v=0",
            "o=hotline \(sessionID) \(version) IN IP4 \(CoreFixture.host)",
            "s=-",
            "c=IN IP4 \(CoreFixture.host)",
            "t=0 0",
            "m=audio \(port) RTP/AVP \(pt) 101",
            "a=rtpmap:\(codec)",
            "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-16",
            "a=ptime:20",
            "a=\(direction)",
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// Our offer (late-offer 2xx, outgoing INVITE).
    static func ourOffer(sessionID: UInt64, version: Int = 1, port: Int = 20000) -> String {
        [
            "v=0",
            "o=hotline \(sessionID) \(version) IN IP4 \(CoreFixture.host)",
            "s=-",
            "c=IN IP4 \(CoreFixture.host)",
            "t=0 0",
            "m=audio \(port) RTP/AVP 0 8 101",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:8 PCMA/8000",
            "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-16",
            "a=ptime:20",
            "a=sendrecv",
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// The `o=` session id of an SDP body (ours are random: tests read them back).
    static func sessionID(_ body: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> UInt64 {
        do { return try SessionDescription(parsing: body).origin.sessionID } catch {
            XCTFail("body is not SDP: \(error)", file: file, line: line)
            return 0
        }
    }

    /// What the media plane gets for `offer()` answered with PCMU.
    static func media(codec: RTPMap = RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000),
                      direction: MediaDirection = .sendrecv, isHold: Bool = false,
                      address: String = "192.0.2.10", port: UInt16 = 49170,
                      localPort: UInt16 = 20000) -> NegotiatedMedia {
        NegotiatedMedia(mediaIndex: 0, remoteAddress: address, remotePort: port, remoteRTCPAddress: address,
                        remoteRTCPPort: port + 1, codec: codec, telephoneEventPayloadType: 101, ptime: 20,
                        remotePtime: 20, direction: direction, isHold: isHold, localPort: localPort)
    }
}

// MARK: - Manual clock

/// Time for the tests: starts at `CoreFixture.epoch` and moves only when told.
struct ManualSIPClock {
    private(set) var now: SIPInstant = CoreFixture.epoch

    mutating func advance(by d: Duration) { now = now + d }
    mutating func advance(to instant: SIPInstant) {
        precondition(instant >= now, "the clock does not go back")
        now = instant
    }
}

// MARK: - The phone that calls us

/// The UAC side of an inbound call: builds the requests a phone sends in one dialog
/// (RFC 3261 §8.1.1, §12.2.1.1).
struct Caller {
    var peer = CoreFixture.alice
    var user = "1001"
    var displayName = "Alice"
    var callID = "a84b4c76e66710@192.0.2.10"
    var tag = "1928301774"
    var dialled = "10000"
    /// The INVITE's CSeq; in-dialog requests count up from it.
    var inviteSequence: UInt32 = 1
    var cseq: UInt32 = 1
    /// Our (the core's) tag, once a response carried it.
    var remoteTag: String?

    var transportToken: String { peer.transport.rawValue.uppercased() }
    var contact: String {
        "<sip:\(user)@\(peer.host):\(peer.port)" + (peer.transport == .udp ? "" : ";transport=\(peer.transport.rawValue)") + ">"
    }
    var fromValue: String { "\"\(displayName)\" <sip:\(user)@\(CoreFixture.domain)>;tag=\(tag)" }
    var toValue: String { "<sip:\(dialled)@\(CoreFixture.domain)>" + (remoteTag.map { ";tag=\($0)" } ?? "") }
    var requestURI: SIPAnyURI { CoreFixture.uri("sip:\(dialled)@\(CoreFixture.domain)") }

    func via(_ branch: String) -> String { "SIP/2.0/\(transportToken) \(peer.host):\(peer.port);branch=\(branch)" }
    var inviteBranch: String { "z9hG4bKinv\(inviteSequence)" }

    /// Via, Max-Forwards, From, To (with our tag when `inDialog`), Call-ID, CSeq.
    func headers(_ method: SIPMethod, branch: String, cseq: UInt32, cseqMethod: SIPMethod? = nil, inDialog: Bool) -> SIPHeaders {
        var h = SIPHeaders()
        h.add(.via, via(branch))
        h.add(.maxForwards, "70")
        h.add(.from, fromValue)
        h.add(.to, inDialog ? toValue : "<sip:\(dialled)@\(CoreFixture.domain)>")
        h.add(.callID, callID)
        h.add(.cseq, "\(cseq) \((cseqMethod ?? method).rawValue)")
        return h
    }

    /// The initial INVITE, with an SDP offer unless `sdp` is nil.
    func invite(sdp: String? = CoreSDP.offer(), extra: [(SIPHeaderName, String)] = []) -> SIPRequest {
        var h = headers(.invite, branch: inviteBranch, cseq: inviteSequence, inDialog: false)
        h.add(.contact, contact)
        for (n, v) in extra { h.add(n, v) }
        var body: [UInt8] = []
        if let sdp {
            h.add(.contentType, "application/sdp")
            body = Array(sdp.utf8)
        }
        return SIPRequest(method: .invite, uri: requestURI, headers: h, body: body)
    }

    /// A request outside any dialog (no To tag), e.g. OPTIONS, or a probe the core must refuse.
    func outOfDialog(_ method: SIPMethod, uri: String? = nil, cseqMethod: SIPMethod? = nil,
                     extra: [(SIPHeaderName, String)] = [], body: String? = nil,
                     contentType: String? = "application/sdp") -> SIPRequest {
        var h = headers(method, branch: "z9hG4bKood\(method.rawValue.lowercased())", cseq: inviteSequence,
                        cseqMethod: cseqMethod, inDialog: false)
        for (n, v) in extra { h.add(n, v) }
        var bytes: [UInt8] = []
        if let body {
            if let contentType { h.add(.contentType, contentType) }
            bytes = Array(body.utf8)
        }
        return SIPRequest(method: method, uri: uri.map(CoreFixture.uri) ?? requestURI, headers: h, body: bytes)
    }

    /// The CANCEL for the INVITE (§9.1: same branch, Call-ID, From, To, CSeq number).
    func cancel() -> SIPRequest {
        SIPRequest(method: .cancel, uri: requestURI,
                   headers: headers(.cancel, branch: inviteBranch, cseq: inviteSequence, inDialog: false))
    }

    /// The ACK for a 2xx (§13.2.2.4): a new branch, the To tag, the INVITE's CSeq number.
    func ack(sequence: UInt32? = nil, sdp: String? = nil) -> SIPRequest {
        let seq = sequence ?? inviteSequence
        var h = headers(.ack, branch: "z9hG4bKack\(seq)", cseq: seq, inDialog: true)
        var body: [UInt8] = []
        if let sdp {
            h.add(.contentType, "application/sdp")
            body = Array(sdp.utf8)
        }
        return SIPRequest(method: .ack, uri: CoreFixture.uri("sip:\(dialled)@\(CoreFixture.host):5060"), headers: h, body: body)
    }

    /// The next request in the dialog (CSeq + 1), to our Contact.
    mutating func next(_ method: SIPMethod, body: String? = nil, contentType: String = "application/sdp",
                       extra: [(SIPHeaderName, String)] = [], cseqMethod: SIPMethod? = nil) -> SIPRequest {
        cseq += 1
        var h = headers(method, branch: "z9hG4bK\(method.rawValue.lowercased())\(cseq)", cseq: cseq,
                        cseqMethod: cseqMethod, inDialog: true)
        if method == .invite || method == .update { h.add(.contact, contact) }
        for (n, v) in extra { h.add(n, v) }
        var bytes: [UInt8] = []
        if let body {
            h.add(.contentType, contentType)
            bytes = Array(body.utf8)
        }
        return SIPRequest(method: method, uri: CoreFixture.uri("sip:\(dialled)@\(CoreFixture.host):5060"), headers: h, body: bytes)
    }
}

// MARK: - Expected messages

enum Expect {
    /// After our own BYE the call waits for its answer; its RFC 4028 timers are stopped
    /// so they cannot send a second BYE.
    static func sessionTimersCancelled(_ call: CallHandle) -> [UserAgentAction] {
        [.cancelTimer(UserAgentTimer(call, .sessionExpiry)), .cancelTimer(UserAgentTimer(call, .sessionRefresh))]
    }

    /// A response as RFC 3261 §8.2.6.2 builds it, written out field by field.
    static func response(_ code: Int, reason: String? = nil, to request: SIPRequest, toTag: String?) -> SIPResponse {
        var h = SIPHeaders()
        for f in request.headers where f.name == .via { h.add(.via, f.value) }
        h.add(.from, request.headers[.from]!)
        var to = request.headers[.to]!
        if let toTag, !to.contains(";tag=") { to += ";tag=\(toTag)" }
        h.add(.to, to)
        h.add(.callID, request.headers[.callID]!)
        h.add(.cseq, request.headers[.cseq]!)
        return SIPResponse(statusCode: code, reason: reason, headers: h)
    }

    /// Allow, Accept, Supported and Server, as every 200 to INVITE/OPTIONS carries them.
    static func addCapabilities(_ r: inout SIPResponse) {
        r.headers.add(.allow, CoreFixture.allow)
        r.headers.add(.accept, "application/sdp")
        r.headers.add(.supported, "timer")
        r.headers.add(.server, CoreFixture.server)
    }

    /// Our 180 to an INVITE: ringback, with our Contact (it creates the early dialog).
    static func ringing(to invite: SIPRequest, toTag: String, contact: String = "<sip:10000@198.51.100.1:5060>") -> SIPResponse {
        var r = response(180, to: invite, toTag: toTag)
        r.headers.add(.contact, contact)
        return r
    }

    /// Our 200 to an INVITE.
    static func ok(to invite: SIPRequest, toTag: String, contact: String = "<sip:10000@198.51.100.1:5060>",
                   sessionExpires: String? = nil, requireTimer: Bool = false, sdp: String?) -> SIPResponse {
        var r = response(200, to: invite, toTag: toTag)
        r.headers.add(.contact, contact)
        addCapabilities(&r)
        if let sessionExpires {
            r.headers.add(.sessionExpires, sessionExpires)
            if requireTimer { r.headers.add(.require, "timer") }
        }
        if let sdp {
            r.headers.add(.contentType, "application/sdp")
            r.body = Array(sdp.utf8)
        }
        return r
    }

    /// The six cancellations `end` issues, then `ended`.
    static func ended(_ call: CallHandle, _ reason: CallEndReason) -> [UserAgentAction] {
        [UserAgentTimer.Kind.retransmit2xx, .ackTimeout, .answer, .sessionExpiry, .sessionRefresh, .hangup]
            .map { .cancelTimer(UserAgentTimer(call, $0)) } + [.notify(.ended(call, reason: reason))]
    }

    /// An in-dialog request we send: Via as sent (checked by `ourVia`), then the §12.2.1.1 fields.
    static func request(_ method: SIPMethod, uri: String, via: String, from: String, to: String, callID: String,
                        cseq: UInt32, routes: [String] = []) -> SIPRequest {
        var h = SIPHeaders()
        h.add(.via, via)
        h.add(.maxForwards, "70")
        h.add(.from, from)
        h.add(.to, to)
        h.add(.callID, callID)
        h.add(.cseq, "\(cseq) \(method.rawValue)")
        for r in routes { h.add(.route, r) }
        return SIPRequest(method: method, uri: CoreFixture.uri(uri), headers: h)
    }
}

// MARK: - Reading actions

extension Array where Element == UserAgentAction {
    var responses: [SIPResponse] {
        compactMap { if case .respond(let r, _) = $0 { return r } else { return nil } }
    }

    var requestsSent: [SIPRequest] {
        compactMap { if case .sendRequest(let r, _) = $0 { return r } else { return nil } }
    }

    var statelessMessages: [SIPMessage] {
        compactMap { if case .sendStateless(let m, _) = $0 { return m } else { return nil } }
    }

    /// The 2xx among the responses (an immediate answer follows a 180).
    var success: SIPResponse? { responses.first { $0.isSuccess } }

    var events: [UserAgentEvent] {
        compactMap { if case .notify(let e) = $0 { return e } else { return nil } }
    }
}

extension SIPResponse {
    var toTag: String? { (try? to())?.tag }
}

/// Checks a Via we wrote (`SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK…;rport`) and
/// returns its branch.
@discardableResult
func assertOurVia(_ value: String?, transport: String = "UDP", file: StaticString = #filePath, line: UInt = #line) -> String {
    guard let value, let via = try? Via(parsing: value) else {
        XCTFail("no parsable Via: \(value ?? "nil")", file: file, line: line)
        return ""
    }
    XCTAssertEqual(via.transport, transport, file: file, line: line)
    XCTAssertEqual(via.host, CoreFixture.host, file: file, line: line)
    XCTAssertEqual(via.port, 5060, file: file, line: line)
    XCTAssertTrue(via.hasRFC3261Branch, "branch \(via.branch ?? "nil") lacks z9hG4bK", file: file, line: line)
    XCTAssertTrue(via.hasRport, file: file, line: line)
    XCTAssertEqual(via.parameters.count, 2, file: file, line: line)
    return via.branch ?? ""
}

// MARK: - Harness

/// The core plus what its adapter would keep: the clock, transaction ids, and the timers
/// it was asked to run.
struct CoreHarness {
    var core: UserAgentCore
    var clock = ManualSIPClock()
    private(set) var timers: [UserAgentTimer: SIPInstant] = [:]
    private var lastTransaction: UInt64 = 100

    init(_ core: UserAgentCore = CoreFixture.core()) { self.core = core }

    var now: SIPInstant { clock.now }

    mutating func newTransaction() -> TransactionID {
        lastTransaction += 1
        return TransactionID(rawValue: lastTransaction)
    }

    /// Runs the timer actions as the adapter does: start replaces, cancel forgets.
    mutating func track(_ actions: [UserAgentAction]) -> [UserAgentAction] {
        for a in actions {
            switch a {
            case .startTimer(let t, let at): timers[t] = at
            case .cancelTimer(let t): timers[t] = nil
            case .respond, .sendRequest, .sendStateless, .notify: break
            }
        }
        return actions
    }

    mutating func handle(_ event: LayerEvent) -> [UserAgentAction] {
        track(core.handle(event, now: clock.now))
    }

    /// A request that opened a new server transaction.
    mutating func receive(_ request: SIPRequest, from peer: SIPPeer = CoreFixture.alice) -> (TransactionID, [UserAgentAction]) {
        let tx = newTransaction()
        return (tx, handle(.request(request, tx, from: peer)))
    }

    mutating func receiveCancel(_ cancel: SIPRequest, invite: TransactionID?) -> (TransactionID, [UserAgentAction]) {
        let tx = newTransaction()
        return (tx, handle(.cancel(cancel, cancelTransaction: tx, inviteTransaction: invite)))
    }

    /// An ACK for our 2xx, as the RFC 6026 Accepted state hands it up.
    mutating func receiveACK(_ ack: SIPRequest, invite: TransactionID, from peer: SIPPeer = CoreFixture.alice) -> [UserAgentAction] {
        handle(.ackForAcceptedInvite(ack, invite, from: peer))
    }

    /// Advances the clock to the earliest pending timer and fires it.
    mutating func fireNext(file: StaticString = #filePath, line: UInt = #line) -> (UserAgentTimer, [UserAgentAction]) {
        guard let (timer, at) = timers.min(by: { $0.value == $1.value ? $0.key.description < $1.key.description : $0.value < $1.value }) else {
            XCTFail("no timer pending", file: file, line: line)
            return (UserAgentTimer(CallHandle(0), .hangup), [])
        }
        clock.advance(to: at)
        timers[timer] = nil
        return (timer, track(core.timerFired(timer, now: clock.now)))
    }

    /// Fires `timer` now, whether or not it is pending (a late or stale firing).
    mutating func fire(_ timer: UserAgentTimer) -> [UserAgentAction] {
        timers[timer] = nil
        return track(core.timerFired(timer, now: clock.now))
    }

    mutating func advance(by d: Duration) { clock.advance(by: d) }

    // UAC side

    mutating func placeCall(to target: String, via peer: SIPPeer = CoreFixture.carrier, credentials: DialCredentials? = nil,
                            duration: Duration? = nil, headers: [(SIPHeaderName, String)] = []) -> (CallHandle, [UserAgentAction]) {
        let (h, actions) = core.placeCall(to: CoreFixture.sipURI(target), via: peer, credentials: credentials,
                                          duration: duration, headers: headers, now: clock.now)
        return (h, track(actions))
    }

    /// The adapter put `request` on a new client transaction.
    mutating func started(_ request: SIPRequest) -> TransactionID {
        let tx = newTransaction()
        core.clientTransactionStarted(tx, for: request)
        return tx
    }

    mutating func hangup(_ call: CallHandle) -> [UserAgentAction] { track(core.hangup(call, now: clock.now)) }
    mutating func hangupAll() -> [UserAgentAction] { track(core.hangupAll(now: clock.now)) }

    // Inbound call shortcuts

    /// INVITE to `caller.dialled`; returns the server transaction, our tag and the actions.
    mutating func call(_ caller: inout Caller, sdp: String? = CoreSDP.offer(), extra: [(SIPHeaderName, String)] = [],
                       file: StaticString = #filePath, line: UInt = #line) -> (TransactionID, [UserAgentAction]) {
        let (tx, actions) = receive(caller.invite(sdp: sdp, extra: extra), from: caller.peer)
        caller.remoteTag = actions.responses.first?.toTag
        XCTAssertNotNil(caller.remoteTag, "no To tag in \(actions)", file: file, line: line)
        return (tx, actions)
    }

    /// INVITE to 10000 and its ACK: a confirmed call.
    mutating func establish(_ caller: inout Caller, extra: [(SIPHeaderName, String)] = [],
                            file: StaticString = #filePath, line: UInt = #line) -> (CallHandle, TransactionID) {
        let (tx, actions) = call(&caller, extra: extra, file: file, line: line)
        guard case .notify(.incomingCall(let h, _, _, _, _, _))? = actions.first else {
            XCTFail("no incoming call: \(actions)", file: file, line: line)
            return (CallHandle(0), tx)
        }
        let ack = receiveACK(caller.ack(), invite: tx, from: caller.peer)
        XCTAssertTrue(ack.events.contains { if case .answered = $0 { return true } else { return false } },
                      "not answered: \(ack)", file: file, line: line)
        return (h, tx)
    }
}
