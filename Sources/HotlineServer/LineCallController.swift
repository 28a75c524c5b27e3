import HotlineModel
import IVR
import Logging
import Media
import MediaNetwork
import NIOCore
import SDP
import SIPDialog
import SIPMessage
import SIPNetwork
import SIPTransaction
import Speech

#if canImport(Glibc)
import Glibc
#endif

/// Gives answered calls their media until IVR flows and routing take over: a line plays
/// its prompts, records, reports the caller's digits, and can bridge the caller to a
/// SIP URI (a B2BUA with media anchored here, so both sides are recorded).
///
/// Runs on the SIP event loop: SIP events arrive there, and media events hop there.
final class LineCallController: @unchecked Sendable {
    let config: HotlineConfiguration
    let media: MediaEngine
    let logger: Logger
    let sipLoop: any EventLoop
    /// Set once the SIP server exists (it needs our event handler first).
    weak var endpoint: SIPEndpoint?
    var calls: [CallHandle: CallState] = [:]
    private let lines: [String: HotlineConfiguration.Line]
    private let prompts: [String: Prompt]
    let musicOnHold: Prompt?
    /// Where interactions and recordings are stored as calls progress (nil in tests of
    /// the SIP server alone).
    let journal: InteractionJournal?
    /// Each answered IVR call's record, from arrival to the end of its last wrap-up.
    let records: CallRecordKeeper?
    /// Queues and agents (nil without `queues:`): callers a flow transfers are routed to agents.
    var routing: RoutingService?
    /// Queued callers by interaction, and the agent leg ringing for each.
    var queuedCallers: [InteractionID: CallHandle] = [:]
    var offers: [InteractionID: CallHandle] = [:]
    /// The desktop's event stream (screen pops, answered and ended calls); nil: none.
    var events: EventHub?
    /// A customer by id, else by phone number, for the screen pop.
    var customerLookup: (@Sendable (CustomerID?, String) async -> Customer?)?
    /// Callbacks waiting for their turn (the caller has hung up).
    var callbacks: [InteractionID: CallbackInfo] = [:]
    var consultationCount = 0
    /// Flows and what IVR calls share (nil when no line runs a flow).
    private let ivr: (registry: FlowRegistry, environment: IVREnvironment)?
    private var random = SystemRandomNumberGenerator()

    /// What a call leg is to Hotline.
    enum CallRole: String {
        /// An inbound call to a line.
        case caller
        /// A bridge line's outbound call.
        case callee
        /// Routing's call to an agent's phone.
        case agent
        /// A callback's call to the customer, through the trunk.
        case customer
        /// A transfer's call to an outside number, through the trunk.
        case external
        /// An attended transfer's call to the consulted agent or number.
        case consult
    }

    final class CallState: @unchecked Sendable {
        let handle: CallHandle
        /// The caller's customer record, looked up as they are queued (for the screen pop).
        var customer: Customer?
        var customerLooked = false
        var callID: String
        var role: CallRole
        let line: HotlineConfiguration.Line?
        var leg: MediaLegID?
        var opening = false
        var ended = false
        var negotiated: NegotiatedMedia?
        /// For a caller on a bridge line, the outbound call; for that call, the caller.
        var partner: CallHandle?
        var from = ""
        var to = ""
        /// This side's phone put the bridge on hold (its SDP stopped receiving from us).
        var holding = false
        /// This side hears music on hold (the other side holds).
        var hearsMusic = false
        /// The caller's interaction as last written (the callee's lives on its caller).
        var interaction: Interaction?
        /// The recording of this call as last written.
        var recording: CallRecording?
        /// The caller's walk through the line's IVR flow.
        var ivr: IVRCall?
        /// An agent leg: whose phone, and the caller's interaction it carries.
        var agent: AgentID?
        /// A caller handed to routing, by interaction.
        var contact: InteractionID?
        /// Why the call is being ended by Hotline (the call record's end reason).
        var endCause: String?
        /// The routing priority the flow asked for (kept for transfers back to a queue).
        var priority = 0
        /// The caller chose to be called back and hangs up keeping their place.
        var callbackRequested = false
        /// At the maximum wait: the caller is asked for 1 (voicemail) or 2 (callback); the
        /// timer gives up on a key 8 s after the question.
        var choosingAtMaximumWait = false
        var maximumWaitTimer: Scheduled<Void>?
        /// The record's outcome when Hotline ends the call on purpose (voicemail).
        var endOutcome: CallOutcome?
        /// On an agent's leg: the attended transfer they are consulting for.
        var consultation: ConsultationState?
        /// On a consulted leg: the consulting agent's leg.
        var consultedBy: CallHandle?
        /// The agent put the caller on hold from the desktop (the API).
        var heldByAgent = false
        /// The caller's record and routing were closed before the SIP call ended (its
        /// phone went silent: the BYE may wait 32 s for a phone that is gone).
        var closedEarly = false

        init(handle: CallHandle, callID: String, role: CallRole, line: HotlineConfiguration.Line?) {
            self.handle = handle
            self.callID = callID
            self.role = role
            self.line = line
        }
    }

    init(config: HotlineConfiguration, media: MediaEngine, sipLoop: any EventLoop, logger: Logger,
         journal: InteractionJournal? = nil, ivr: IVRSetup? = nil) throws {
        self.config = config
        self.journal = journal
        self.records = journal.map { CallRecordKeeper(journal: $0, logger: logger) }
        self.media = media
        self.sipLoop = sipLoop
        self.logger = logger
        var lines: [String: HotlineConfiguration.Line] = [:]
        var prompts: [String: Prompt] = [:]
        for line in config.lines {
            lines[line.number] = line
            for path in line.media.play where prompts[path] == nil {
                prompts[path] = try Self.loadPrompt(path)
            }
        }
        self.lines = lines
        self.prompts = prompts
        if let path = config.musicOnHold {
            do { musicOnHold = try Self.loadPrompt(path) } catch {
                throw ConfigurationError(file: path, message: "media.music_on_hold: \(error)")
            }
        } else {
            musicOnHold = nil
        }
        if let ivr {
            self.ivr = (ivr.registry, IVREnvironment(
                media: media, speech: ivr.speech, services: ivr.services, http: ivr.http, journal: journal, sipLoop: sipLoop,
                logger: logger, musicOnHold: musicOnHold, voicemailDirectory: config.effectiveVoicemailDirectory))
        } else {
            self.ivr = nil
        }
    }


    /// A WAV file decoded to 8 kHz PCM and encoded in both laws once, at start-up.
    static func loadPrompt(_ path: String) throws -> Prompt {
        let bytes: [UInt8]
        do { bytes = try FileIO.readBytes(path) } catch {
            throw ConfigurationError(file: path, message: "cannot read this prompt (\(error)); check the path in lines[].media.play")
        }
        do {
            return try Prompt(id: path, wav: WAVReader.read(bytes))
        } catch {
            throw ConfigurationError(file: path, message: "not a WAV file Hotline can play (\(error)); use PCM 16-bit, "
                                     + "μ-law or A-law at 8-48 kHz, e.g. `sox in.wav -r 8000 -b 16 -c 1 out.wav`")
        }
    }

    // MARK: SIP events (on the SIP loop)

    func handle(_ event: UserAgentEvent) {
        switch event {
        case .incomingCall(let handle, let callID, let from, let to, let dialled, _):
            let state = CallState(handle: handle, callID: callID, role: .caller, line: lines[dialled])
            state.from = from
            state.to = to
            calls[handle] = state
            if let journal {
                // The interaction keeps the caller's address; the display name rides on to agents' phones.
                let address = (try? NameAddress(parsing: from))?.uri.description ?? from
                let interaction = Interaction(id: InteractionID("i-\(newID())"), channel: .call, direction: .inbound,
                                              from: address, to: dialled, startedAt: .now(), sipCallID: callID)
                state.interaction = interaction
                journal.write(.createInteraction(interaction))
            }
        case .answered(let handle, let negotiated):
            guard let state = calls[handle] else { return }
            state.negotiated = negotiated
            switch state.role {
            case .agent:
                agentAnswered(state, negotiated: negotiated)
            case .consult:
                consultAnswered(state, negotiated: negotiated)
            case .callee:
                // A bridged callee: the caller's interaction is connected.
                if negotiated != nil { openLeg(state) }
                if let caller = state.partner.flatMap({ calls[$0] }) { updateInteraction(caller) { $0.state = .connected } }
            case .customer:
                // A callback reached the customer: the interaction is up again, with its agent.
                if negotiated != nil { openLeg(state) }
                updateInteraction(state) { $0.state = .connected }
            case .caller, .external:
                // Answered by a line: self-service (an outside party has no interaction of its own).
                if negotiated != nil { openLeg(state) }
                updateInteraction(state) { $0.state = .ivr }
            }
        case .mediaUpdated(let handle, let negotiated):
            guard let state = calls[handle] else { return }
            state.negotiated = negotiated
            if let leg = state.leg {
                media.update(leg, legConfiguration(negotiated, state: state))
                holdChanged(state, holding: !negotiated.direction.sends)
            } else if !state.opening {
                openLeg(state)
            }
        case .dtmfInfo(let handle, let text, let duration):
            guard let state = calls[handle], let leg = state.leg,
                  let c = text.first, let digit = DTMFDigit(character: c) else { return }
            media.infoDigit(leg, digit, durationMilliseconds: duration)
        case .ended(let handle, let reason):
            guard let state = calls.removeValue(forKey: handle) else { return }
            state.ended = true
            state.ivr?.callEnded()
            updateInteraction(state) {
                $0.customerID = state.ivr?.verifiedCustomerID ?? $0.customerID
                $0.state = .ended
                $0.endedAt = max(.now(), $0.startedAt)
                $0.endReason = "\(reason)"
            }
            if let leg = state.leg { closeLeg(leg, state: state) }
            switch state.role {
            case .agent:
                agentLegEnded(state, reason: reason)
                return
            case .consult:
                consultLegEnded(state, reason: reason)
                return
            case .customer: customerLegEnded(state, reason: reason)
            case .external: externalLegEnded(state, reason: reason)
            case .caller, .callee: break
            }
            if state.line?.flow != nil, !state.closedEarly { callerEnded(state, reason: reason) }
            if let partner = state.partner, let other = calls[partner], !other.ended {
                logger.debug("bridged call ended: ending the other side", metadata: [
                    "call.id": "\(state.callID)", "call.reason": "\(reason)"])
                endpoint?.hangup(other.handle)
            }
        case .unregistered(let aor, _):
            if let user = (try? SIPURI(parsing: aor))?.user { routing?.phoneUnregistered(user: user) }
        case .transferRequested(let handle, let referTo, _, let replaces):
            transferRequested(handle, referTo: referTo, replaces: replaces)
        case .ringing, .registered, .authenticationFailed:
            break
        }
    }

    // MARK: Legs

    func openLeg(_ state: CallState) {
        guard let negotiated = state.negotiated, state.leg == nil, !state.opening else { return }
        state.opening = true
        // Bind where SIP listens; the SDP advertises `effectiveAdvertisedHost` (maybe a NAT's address).
        let spec = MediaLegSpec(host: config.sipListen.host, port: Int(negotiated.localPort),
                                configuration: legConfiguration(negotiated, state: state),
                                callID: state.callID, role: state.role.rawValue, mediaTimeoutSeconds: config.rtpTimeoutSeconds)
        let near = state.partner.flatMap { calls[$0]?.leg }
        let handle = state.handle
        media.open(spec, near: near) { [weak self] leg, event in
            guard let self else { return }
            self.sipLoop.execute { self.mediaEvent(event, leg: leg, call: handle) }
        }.hop(to: sipLoop).whenComplete { [self] result in
            state.opening = false
            switch result {
            case .success(let leg):
                state.leg = leg
                if state.ended {
                    closeLeg(leg, state: state)
                } else {
                    legOpened(state, leg: leg)
                }
            case .failure(let error):
                logger.error("call has no media: \(error)", metadata: ["call.id": "\(state.callID)"])
            }
        }
    }

    private func legOpened(_ state: CallState, leg: MediaLegID) {
        switch state.role {
        case .agent: agentLegOpened(state, leg: leg)
        case .customer: customerLegOpened(state, leg: leg)
        case .consult: consultLegOpened(state, leg: leg)
        case .external: externalLegOpened(state, leg: leg)
        case .callee: calleeLegOpened(state, leg: leg)
        case .caller: callerLegOpened(state, leg: leg)
        }
    }

    /// A bridge line's callee answered: joined with the caller, recorded as the line says.
    private func calleeLegOpened(_ state: CallState, leg: MediaLegID) {
        guard let partnerHandle = state.partner, let caller = calls[partnerHandle], let callerLeg = caller.leg else { return }
        media.stopPlayback(callerLeg)
        media.bridge(callerLeg, leg)
        logger.info("call bridged", metadata: ["call.id": "\(caller.callID)", "media.caller_leg": "\(callerLeg)",
                                               "media.callee_leg": "\(leg)"])
        if let line = caller.line, line.media.record != "off" {
            startRecording(caller, leg: callerLeg, other: leg, layout: line.media.record)
        }
    }

    /// A line answered a caller: its flow, its prompts, its bridge, its recording.
    private func callerLegOpened(_ state: CallState, leg: MediaLegID) {
        guard let line = state.line else { return }
        if line.flow != nil {
            if let id = state.interaction?.id {
                records?.started(id, sipCallID: state.callID, caller: callerNumber(state), dialled: line.number,
                                 at: state.interaction?.startedAt ?? .now())
            }
            if line.media.record != "off" { startRecording(state, leg: leg, other: nil, layout: line.media.record) }
            startIVR(state, line: line, leg: leg)
            return
        }
        let items = line.media.play.compactMap { prompts[$0] }.map(PlaybackItem.prompt)
        if let target = line.bridgeTo {
            // The caller hears ringback while the other side is called.
            media.play(leg, [.tone(id: "ringback", .ringback(.china), milliseconds: 60_000)])
            bridge(state, to: target)
            return
        }
        if !items.isEmpty { media.play(leg, items, bargeIn: false, loop: line.media.loop) }
        if line.media.record != "off" { startRecording(state, leg: leg, other: nil, layout: line.media.record) }
    }

    private func startIVR(_ state: CallState, line: HotlineConfiguration.Line, leg: MediaLegID) {
        guard let ivr, let (flow, catalog) = ivr.registry.flow(forLine: line.number) else {
            logger.error("line \(line.number) has no loaded flow '\(line.flow ?? "-")': hanging up; fix the flow files and reload",
                         metadata: ["call.id": "\(state.callID)"])
            endpoint?.hangup(state.handle)
            return
        }
        let handle = state.handle
        let caller = callerNumber(state)
        let call = CallInfo(callerNumber: caller, dialled: line.number, callID: state.callID)
        let ivrCall = IVRCall(flow: flow, catalog: catalog, call: call, leg: leg, interactionID: state.interaction?.id,
                              environment: ivr.environment,
                              hangup: { [weak self] in self?.endpoint?.hangup(handle) },
                              queued: { [weak self, weak state] request in
                                  guard let self, let state else { return }
                                  self.updateInteraction(state) {
                                      $0.state = .queued
                                      $0.customerID = state.ivr?.verifiedCustomerID ?? $0.customerID
                                  }
                                  self.enqueueCaller(state, request: request)
                              })
        state.ivr = ivrCall
        ivrCall.start()
    }

    private func bridge(_ caller: CallState, to target: String) {
        guard let endpoint, let uri = try? SIPURI(parsing: target) else { return }
        let peer = SIPPeer(transport: .udp, host: uri.host, port: uri.port ?? 5060)
        let from = try? NameAddress(parsing: caller.from)
        let handle = endpoint.placeCall(to: uri, from: from, via: peer) { _ in }
        let callee = CallState(handle: handle, callID: caller.callID, role: .callee, line: nil)
        callee.partner = caller.handle
        caller.partner = handle
        calls[handle] = callee
        logger.info("bridging call", metadata: ["call.id": "\(caller.callID)", "bridge.target": "\(target)"])
    }

    /// A bridged side held or resumed (RFC 3264 §8.4: `sendonly` or `inactive` in its
    /// re-offer, or the RFC 2543 `c=0.0.0.0`). While either side holds, the legs are
    /// unbridged and whoever is held hears music on hold; the recording goes on (each
    /// side's channel records what that side sends). When neither holds, they are
    /// bridged again.
    private func holdChanged(_ state: CallState, holding: Bool) {
        guard holding != state.holding else { return }
        state.holding = holding
        guard let partnerHandle = state.partner, let other = calls[partnerHandle],
              let leg = state.leg, let otherLeg = other.leg else { return }
        // A routed call's record counts the time on hold (from the first side holding to neither).
        if let contact = [state, other].first(where: { $0.role == .agent })?.contact, state.heldByAgent == false, other.heldByAgent == false {
            let now = Timestamp.now()
            if holding, !other.holding {
                records?.update(contact) { $0.held(at: now) }
            } else if !holding, !other.holding {
                records?.update(contact) { $0.resumed(at: now) }
            }
        }
        logger.info(holding ? "call held" : "call resumed", metadata: [
            "call.id": "\(state.callID)", "hold.by": "\(state.role)",
            "hold.music": "\(musicOnHold?.id ?? "-")"])
        let sides = [(state, leg, other), (other, otherLeg, state)]
        if !state.holding, !other.holding {
            for (side, sideLeg, _) in sides where side.hearsMusic {
                media.stopPlayback(sideLeg)
                side.hearsMusic = false
            }
            media.bridge(leg, otherLeg)
            return
        }
        media.unbridge(leg)
        for (side, sideLeg, opposite) in sides {
            if opposite.holding, !side.hearsMusic {
                side.hearsMusic = true
                if let music = musicOnHold {
                    media.play(sideLeg, [.prompt(music)], replace: true, bargeIn: false, loop: true)
                }
            } else if !opposite.holding, side.hearsMusic {
                media.stopPlayback(sideLeg)
                side.hearsMusic = false
            }
        }
    }

    func startRecording(_ state: CallState, leg: MediaLegID, other: MediaLegID?, layout: String) {
        let path = recordingPath(callID: state.callID)
        let recorderLayout: CallRecorder.Layout = layout == "mono" ? .mono : .stereo
        media.startRecording(leg, other: other, path: path, layout: recorderLayout)
            .hop(to: sipLoop).whenComplete { [self] result in
                switch result {
                case .success:
                    guard let journal, let interaction = state.interaction else { return }
                    let recording = CallRecording(id: RecordingID("r-\(newID())"), interactionID: interaction.id, path: path,
                                                  layout: recorderLayout == .mono ? .mono : .stereo, startedAt: .now())
                    state.recording = recording
                    journal.write(.createRecording(recording))
                    records?.update(interaction.id, store: false) { $0.recording(path: path) }
                case .failure(let error):
                    logger.error("recording failed to start: \(error)", metadata: ["call.id": "\(state.callID)"])
                }
            }
    }

    /// Changes the interaction of `state` and queues the write (nothing without a journal).
    func updateInteraction(_ state: CallState, _ change: (inout Interaction) -> Void) {
        guard let journal, var interaction = state.interaction, interaction.state != .ended else { return }
        let before = interaction
        change(&interaction)
        guard interaction != before else { return }
        state.interaction = interaction
        journal.write(.updateInteraction(interaction))
    }

    /// The recording's row once the file is closed: its length, pauses and whether every write made it.
    private func recordingFinished(_ state: CallState, _ summary: RecordingSummary) {
        guard let journal, var recording = state.recording, recording.path == summary.path else { return }
        recording.status = summary.writeError == nil ? .complete : .incomplete
        recording.durationMilliseconds = summary.durationMilliseconds
        recording.bytes = Int64(summary.bytes)
        recording.pauses = summary.pauses.map {
            CallRecording.Pause(startMilliseconds: $0.start, endMilliseconds: $0.end ?? summary.durationMilliseconds)
        }
        recording.error = summary.writeError
        state.recording = recording
        journal.write(.updateRecording(recording))
    }

    func newID() -> String {
        let n = random.next() as UInt64
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private func closeLeg(_ leg: MediaLegID, state: CallState) {
        let logger = self.logger
        media.close(leg).hop(to: sipLoop).whenSuccess { [self] summary in
            guard let summary else { return }
            if let r = summary.recording { recordingFinished(state, r) }
            let s = summary.statistics
            let drops = s.drops.isEmpty ? "-" : s.drops.map { "\($0.key.name)=\($0.value)" }.sorted().joined(separator: ",")
            logger.info("media leg closed", metadata: [
                "call.id": "\(summary.callID)", "media.leg": "\(summary.role)", "media.codec": "\(summary.law.encodingName)",
                "media.local_port": "\(summary.localPort)", "media.packets_sent": "\(s.packetsSent)",
                "media.packets_received": "\(s.packetsReceived)", "media.dropped": "\(s.dropped)", "media.drops": "\(drops)",
                "media.relayed": "\(s.relayed)", "media.digits": "\(summary.digits)",
                "media.send_errors": "\(summary.sendErrors)",
                "media.concealed": "\(s.jitterBuffer.concealed)",
                "media.peer_loss": "\(s.peerReport.map { String($0.cumulativeLost) } ?? "-")",
            ])
            if let r = summary.recording, let error = r.writeError {
                logger.error("recording incomplete: \(error); free disk space under media.recordings_dir", metadata: [
                    "call.id": "\(summary.callID)", "recording.path": "\(r.path)"])
            }
            if let r = summary.recording {
                logger.info("recording finished", metadata: [
                    "call.id": "\(summary.callID)", "recording.path": "\(r.path)",
                    "recording.duration_ms": "\(r.durationMilliseconds)", "recording.layout": "\(r.layout.rawValue)",
                    "recording.bytes": "\(r.bytes)", "recording.pauses": "\(r.pauses.count)",
                ])
            }
        }
    }

    // MARK: Media events (hopped to the SIP loop)

    private func mediaEvent(_ event: MediaLegEvent, leg: MediaLegID, call: CallHandle) {
        let state = calls[call]
        let callID = state?.callID ?? "-"
        switch event {
        case .digit(let d):
            // In the IVR a key is logged as it is only when it goes to a menu or a collect
            // that is not secret: any other key may be part of a PIN or card number.
            var secret = state?.ivr.map { !$0.keyMayBeLogged } ?? false
            if let state, queueDigit(state, d.digit.character) {
                // A queued caller's choice (callback, voicemail): not the flow's, and no secret.
                secret = false
            } else if let ivr = state?.ivr, !ivr.handedOver {
                ivr.digit(d.digit.character)
            }
            logger.info("dtmf", metadata: ["call.id": "\(callID)", "dtmf.digit": "\(secret ? FlowSession.mask : "\(d.digit)")", "dtmf.source": "\(d.source)",
                                           "dtmf.duration_ms": "\(d.durationMilliseconds.map(String.init) ?? "-")"])
        case .playbackFinished(let id):
            if let ivr = state?.ivr {
                ivr.mediaPlaybackFinished(id)
                return
            }
            logger.info("prompt finished", metadata: ["call.id": "\(callID)", "prompt.id": "\(id)"])
        case .mediaTimeout(let seconds):
            guard let state, !state.ended else { return }
            mediaTimedOut(state, seconds: seconds)
        case .playlistDrained:
            guard let state, !state.ended, let line = state.line, line.media.hangupAfterPlay, line.bridgeTo == nil else { return }
            logger.debug("play list done: hanging up", metadata: ["call.id": "\(callID)"])
            endpoint?.hangup(call)
        }
    }

    // MARK: Helpers

    /// The caller's number as presented (the From URI's user part).
    func callerNumber(_ state: CallState) -> String {
        (try? NameAddress(parsing: state.from))?.uri.userOrNumber ?? state.from
    }

    func legConfiguration(_ m: NegotiatedMedia, state: CallState) -> MediaLeg.Configuration {
        let law: CompandingLaw = m.codec.encodingName.uppercased() == "PCMA" ? .aLaw : .muLaw
        return MediaLeg.Configuration(
            law: law, payloadType: m.codec.payloadType, telephoneEventPayloadType: m.telephoneEventPayloadType,
            remote: RTPTransportAddress(host: m.remoteAddress, port: Int(m.remotePort)),
            remoteRTCP: RTPTransportAddress(host: m.remoteRTCPAddress, port: Int(m.remoteRTCPPort)),
            sends: m.direction.sends, receives: m.direction.receives,
            cname: "hotline@\(config.effectiveAdvertisedHost)", seed: random.next())
    }

    private func recordingPath(callID: String) -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = "\(Int(tmv.tm_year) + 1900)-\(two(tmv.tm_mon + 1))-\(two(tmv.tm_mday))"
        let time = two(tmv.tm_hour) + two(tmv.tm_min) + two(tmv.tm_sec)
        return "\(config.effectiveRecordingsDirectory)/\(day)/\(time)-\(safeFileName(callID)).wav"
    }
}

/// What IVR calls need beyond the media: their flows, speech, the store, HTTP.
public struct IVRSetup: Sendable {
    public var registry: FlowRegistry
    public var speech: TextToSpeech?
    public var services: IVRServices
    public var http: (any IVRHTTPPerforming)?

    public init(registry: FlowRegistry, speech: TextToSpeech?, services: IVRServices, http: (any IVRHTTPPerforming)?) {
        self.registry = registry
        self.speech = speech
        self.services = services
        self.http = http
    }
}
