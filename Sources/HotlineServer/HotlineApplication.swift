import CTI
import HotlineModel
import HummingbirdBcrypt
import Logging
import MediaNetwork
import NIOCore
import NIOPosix
import ServiceLifecycle
import SIPDialog
import SIPMessage
import SIPNetwork
import SIPTransaction
import Storage
import StorageSQLite
import IVR
import Speech

#if canImport(Glibc)
import Glibc
#endif

/// The composition root of `hotline serve`: opens the store, seeds the configured agents,
/// builds the SIP stack and runs everything long-running in one `ServiceGroup` that shuts
/// down gracefully on SIGINT/SIGTERM.
public enum HotlineApplication {
    public static func serve(_ configured: HotlineConfiguration, logger: Logger) async throws {
        raiseOpenFileLimit(logger: logger)
        // What administrators changed from the web pages, over the configuration file.
        let adminSettings = try AdminSettings.load(dataDirectory: configured.dataDirectory)
        let config = try adminSettings.applied(to: configured)
        let store = try SQLiteStore(.dataDirectory(config.dataDirectory))
        do {
            try await seedAgents(config, store: store, logger: logger)
            let credentials = try await loadCredentials(store: store, realm: config.domain)
            try await InteractionJournal.recover(store: store, now: .now(), logger: logger)
            try await CallRecordKeeper.recover(store: store, now: .now(), logger: logger)
            let journal = InteractionJournal(store: store, logger: logger)
            let sipLoop = MultiThreadedEventLoopGroup.singleton.next()
            let routing = try await makeRouting(config, store: store, loop: sipLoop, journal: journal, logger: logger)
            let ivr = try await makeIVR(config, store: store, logger: logger)
            let secret = try nonceSecret(config)
            // The readiness line is printed whatever the log level, for scripts that wait on it.
            let quiet = logger.logLevel > .info
            // Media runs on threads of its own, so SIP bursts do not delay the 20 ms clock
            // and the media threads can be favoured by the kernel.
            let mediaGroup = MultiThreadedEventLoopGroup(numberOfThreads: config.mediaThreads)
            defer { mediaGroup.shutdownGracefully { _ in } }
            let media = MediaEngine(eventLoops: (0..<config.mediaThreads).map { _ in mediaGroup.next() }, logger: logger)
            let levels = await media.raiseThreadPriority(config.mediaThreadPriority)
            let got = Set(levels).count == 1 ? levels[0].rawValue : levels.map(\.rawValue).joined(separator: ",")
            let short = levels.contains { $0 != config.mediaThreadPriority }
            let message: Logger.Message = short
                ? "media threads run below the configured priority (no CAP_SYS_NICE or no real-time budget); the 20 ms clock may jitter on a busy machine"
                : "media threads run at the configured priority"
            logger.log(level: short ? .info : .debug, message,
                       metadata: ["media.threads": "\(config.mediaThreads)", "media.thread_priority": "\(got)",
                                  "media.thread_priority_configured": "\(config.mediaThreadPriority.rawValue)"])
            // Numbers go on from the wall clock (ms), so a desktop that reconnects after a
            // restart with an old number is told to reload rather than given wrong events.
            let events = EventHub(node: config.domain, startingAfter: Timestamp.now().millisecondsSinceEpoch, logger: logger)
            let sip = try makeSIPServer(config, credentials: credentials, nonceSecret: secret, logger: logger, eventLoop: sipLoop,
                                        media: media, journal: journal, ivr: ivr?.setup, routing: routing,
                                        events: events, customers: store) { address in
                if quiet { FileIO.writeStandardError("hotline: SIP listening on \(address)\n") }
            }
            // Shut down in reverse: SIP first (its calls end with BYEs), then the media
            // (recordings finished; their rows hop to the SIP loop and into the journal),
            // then the journal, which writes what is queued.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: journal),
                .init(service: MediaShutdown(media: media, sipLoop: sip.endpoint.eventLoop)),
                .init(service: sip)]
            if let routing, let listen = config.httpListen {
                let users = try await APIUsers.load(store: store, realm: config.domain)
                let agentQueues = Dictionary(config.agents.map { agent in
                    let skills = Dictionary(agent.skills.map { ($0.name, $0.level) }, uniquingKeysWith: max)
                    return (agent.username, Set(config.queues.filter { $0.isServed(by: skills) }.map(\.id)))
                }, uniquingKeysWith: { a, _ in a })
                let teams = config.teamAgents
                services.append(.init(service: APIServer(
                    listen: listen, commands: routing, users: users, logger: logger,
                    onReady: { address in if quiet { FileIO.writeStandardError("hotline: HTTP API listening on \(address)\n") } },
                    hub: events, webRoot: config.webRoot, secureCookies: config.secureCookies,
                    sessions: SessionTable(idleTimeout: Int64(config.sessionIdleMinutes) * 60_000,
                                           maximumAge: Int64(config.sessionMaximumHours) * 3_600_000),
                    lookUp: { username in
                        guard let user = try? await store.user(username: username) else { return nil }
                        let hash = (try? await store.passwordHash(username: username)) ?? nil
                        return APIAuthenticationUser(username: user.username, displayName: user.displayName, roles: user.roles,
                                                     isActive: user.isActive, passwordHash: hash)
                    },
                    viewers: { principal in
                        EventViewer(username: principal.username, roles: principal.roles,
                                    team: principal.roles.contains(.admin) ? nil : teams[principal.username].map { $0.union([principal.username]) },
                                    queues: agentQueues[principal.username] ?? [])
                    },
                    resources: .init(store: store, teams: teams, dispositions: config.dispositions, reasons: config.reasons,
                                     openAPIPath: config.openAPIPath,
                                     admin: AdminBackend(dataDirectory: config.dataDirectory, routing: routing, registry: ivr?.setup.registry,
                                                         lineNames: Dictionary(config.lines.filter { $0.flow != nil }.map { ($0.number, $0.name) },
                                                                               uniquingKeysWith: { a, _ in a }),
                                                         settings: adminSettings)))))
            }
            if !config.webhooks.isEmpty {
                services.append(.init(service: WebhookDispatcher(hub: events, webhooks: config.webhooks, logger: logger)))
            }
            if let ivr {
                services.append(.init(service: FlowReloader(registry: ivr.setup.registry, dataDirectory: config.dataDirectory,
                                                            logger: logger)))
                services.append(.init(service: ivr.httpService))
            }
            let group = ServiceGroup(configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
            try await group.run()
        } catch {
            try? await store.close()
            throw error
        }
        // Services are stopped: nothing else touches the store now.
        try await store.close()
        logger.info("Hotline stopped")
    }

    /// The IVR's parts when some line runs a flow: the flows loaded (start-up fails on any
    /// problem: a flow with errors never reaches callers), their static prompts spoken,
    /// the demo data seeded when asked.
    static func makeIVR(_ config: HotlineConfiguration, store: SQLiteStore,
                        logger: Logger) async throws -> (setup: IVRSetup, httpService: IVRHTTPService)? {
        if config.seedDemoData {
            // The seeder logs what it wrote (or that the data was already there).
            _ = try await DemoSeeder.seed(into: store, logger: logger)
        }
        let flowLines = Dictionary(config.lines.compactMap { line in line.flow.map { (line.number, $0) } },
                                   uniquingKeysWith: { first, _ in first })
        guard !flowLines.isEmpty || !config.flowFiles.isEmpty else { return nil }
        let speech = TextToSpeech(cacheDirectory: config.effectiveTTSCacheDirectory, logger: logger)
        if speech.executablePath == nil {
            throw ConfigurationError(file: "ivr", message: "espeak-ng is not installed, and the IVR speaks its prompts with it; "
                                     + "install it (apt-get install espeak-ng)")
        }
        // Flows administrators upload are kept here and win over configured flows of the same name.
        let uploads = config.dataDirectory + "/flows"
        try FileIO.makeDirectory(uploads)
        let registry = FlowRegistry(paths: config.flowFiles, lines: flowLines,
                                    queues: config.queues.isEmpty ? nil : Set(config.queues.map(\.id)), speech: speech, logger: logger,
                                    uploads: uploads)
        let report = await registry.reload()
        guard report.version != nil else {
            throw ConfigurationError(file: config.flowFiles.first ?? "ivr.flows",
                                     message: "the IVR flows have problems:\n  " + report.problems.joined(separator: "\n  "))
        }
        let policy = PINPolicy(maximumFailures: config.pinTries, lockoutMilliseconds: Int64(config.pinLockoutMinutes) * 60_000)
        let services = IVRServices(store: store, policy: policy, logger: logger)
        let http = IVRHTTPService(logger: logger)
        return (IVRSetup(registry: registry, speech: speech, services: services, http: http.client), http)
    }

    /// Routing when queues are configured: the ACD with the configured agents, whose
    /// state history goes on from what is stored.
    static func makeRouting(_ config: HotlineConfiguration, store: SQLiteStore, loop: any EventLoop,
                            journal: InteractionJournal, logger: Logger) async throws -> RoutingService? {
        guard !config.queues.isEmpty else { return nil }
        let lastStates = try await store.latestAgentStates()
        // Calls within the longest preferred-agent window: their callers prefer their last agent.
        var recent: [CallRecord] = []
        if let window = RoutingService.longestPreferredWindow(config.queues) {
            recent = try await store.callRecords(since: Timestamp.now().adding(milliseconds: -Int64(window) * 1000)).filter { $0.outcome != nil }
        }
        var userIDs: [String: UserID] = [:]
        for agent in config.agents {
            if let user = try await store.user(username: agent.username) { userIDs[agent.username] = user.id }
        }
        // Today's calls so far: the queues' figures are today's, restart or not.
        let today = try await store.callRecords(since: Timestamp.now().startOfLocalDay)
        do {
            // Users without the agent role (administrators) take no calls.
            let routing = try RoutingService(queues: config.queues, agents: config.agents.filter { $0.roles.contains("agent") }, userIDs: userIDs, lastStates: lastStates,
                                      recentRecords: recent, loop: loop, journal: journal, logger: logger)
            routing.primeStatistics(today)
            return routing
        } catch {
            throw ConfigurationError(file: "queues", message: "\(error)")
        }
    }

    /// Builds the SIP service (also used by tests and `hotline dial`).
    public static func makeSIPServer(_ config: HotlineConfiguration, credentials: [String: DigestHA1], nonceSecret: [UInt8],
                                     logger: Logger, eventLoop: (any EventLoop)? = nil, media: MediaEngine? = nil,
                                     journal: InteractionJournal? = nil, ivr: IVRSetup? = nil, routing: RoutingService? = nil,
                                     events: EventHub? = nil, customers: (any CustomerStore)? = nil,
                                     onReady: (@Sendable (HostPort) -> Void)? = nil) throws -> SIPServer {
        var lines: [String: LineBehavior] = [:]
        for l in config.lines {
            lines[l.number] = LineBehavior(name: l.name, answerAfter: l.answerAfterMilliseconds.map { .milliseconds($0) },
                                           rejectWith: l.rejectWith)
        }
        let uaConfig = UserAgentConfiguration(domain: config.domain, advertisedHost: config.effectiveAdvertisedHost,
                                              advertisedPort: config.sipListen.port, minSessionExpires: config.minSessionExpires,
                                              sessionExpires: config.sessionExpires, lines: lines)
        var random = SystemRandomNumberGenerator()
        let algorithms: [DigestAlgorithm] = config.authAlgorithms.compactMap { $0 == "MD5" ? .md5 : $0 == "SHA-256" ? .sha256 : nil }
        let verifier = try DigestVerifier(configuration: .init(realm: config.domain, nonceSecret: nonceSecret, algorithms: algorithms),
                                          nonceSeed: random.next())
        let registrar = Registrar(settings: .init(realm: config.domain), credentials: credentials, verifier: verifier)
        let core = UserAgentCore(configuration: uaConfig, registrar: registrar, ports: RTPPortPool(range: config.rtpPorts),
                                 seed: random.next())
        let sipConfig = SIPServerConfiguration(
            listen: config.sipListen, enableTCP: config.enableTCP,
            limits: SIPParser.Limits(maxMessageBytes: config.maxMessageBytes),
            flood: FloodGuard.Policy(messagesPerSecond: config.ratePerSource, burst: config.rateBurst, exempt: Set(config.rateExempt)),
            maxTransactions: config.maxTransactions)
        let eventLogger = logger
        let sipLoop = eventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        let controller = try media.map {
            try LineCallController(config: config, media: $0, sipLoop: sipLoop, logger: logger, journal: journal, ivr: ivr)
        }
        let server = SIPServer(configuration: sipConfig, core: core, eventLoop: sipLoop,
                               logger: logger, seed: random.next(), onReady: onReady) { event in
            CallEventLog.log(event, logger: eventLogger)
            controller?.handle(event)
        }
        controller?.endpoint = server.endpoint
        controller?.events = events
        if let customers {
            controller?.customerLookup = { id, number in
                if let id, let found = try? await customers.customer(id: id) { return found }
                return number.isEmpty ? nil : (try? await customers.customer(phoneNumber: number)) ?? nil
            }
        }
        routing?.events = events
        if let routing, let controller {
            controller.routing = routing
            routing.records = controller.records
            routing.host = controller
            sipLoop.execute { routing.start() }
        }
        return server
    }

    /// Every call leg holds two sockets (RTP and RTCP) and a recording a file: the usual
    /// soft limit of 1024 descriptors would stop a node at a few hundred calls. Raise it to
    /// the hard limit, as servers of many connections do.
    static func raiseOpenFileLimit(logger: Logger) {
        #if canImport(Glibc)
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        let previous = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(resource, &limit) == 0 {
            logger.debug("open file limit raised", metadata: ["limit.from": "\(previous)", "limit.to": "\(limit.rlim_max)"])
        }
        #endif
    }

    /// Creates or updates the agents listed in the configuration, with SIP credentials
    /// stored as HA1 digests only.
    static func seedAgents(_ config: HotlineConfiguration, store: some HotlineStore, logger: Logger) async throws {
        for agent in config.agents {
            let roles = Set(agent.roles.compactMap(Role.init(rawValue:)))
            let skills = agent.skills.map { Skill(name: $0.name, level: $0.level) }
            let language = Language(rawValue: agent.language) ?? .zhCN
            if var existing = try await store.user(username: agent.username) {
                existing.displayName = agent.displayName
                existing.roles = roles
                existing.skills = skills
                existing.language = language
                try await store.updateUser(existing)
                try await setCredential(agent, user: existing.id, realm: config.domain, store: store)
                try await setWebPassword(agent, store: store)
            } else {
                let user = User(id: UserID("user-\(agent.username)"), username: agent.username, displayName: agent.displayName,
                                roles: roles, skills: skills, language: language)
                try await store.createUser(user)
                try await setCredential(agent, user: user.id, realm: config.domain, store: store)
                try await setWebPassword(agent, store: store)
            }
        }
        if !config.agents.isEmpty { logger.info("configured agents ready", metadata: ["agents.count": "\(config.agents.count)"]) }
    }

    /// The web password is the configured one, kept as a bcrypt hash; hashed again only
    /// when the stored hash does not match it (a changed password), as hashing is slow.
    static func setWebPassword(_ agent: HotlineConfiguration.Agent, store: some HotlineStore) async throws {
        let stored = try await store.passwordHash(username: agent.username)
        let password = agent.password
        if let stored, try await NIOThreadPool.singleton.runIfActive({ Bcrypt.verify(password, hash: stored) }) { return }
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: Self.passwordCost) }
        try await store.setPasswordHash(hash, username: agent.username)
    }

    /// bcrypt's work factor: 2^10 rounds, about 60 ms a check on one core of the CI machine.
    static let passwordCost: UInt8 = 10

    private static func setCredential(_ agent: HotlineConfiguration.Agent, user: UserID, realm: String, store: some HotlineStore) async throws {
        let ha1 = DigestHA1(username: agent.username, realm: realm, password: agent.password)
        try await store.setSIPCredential(SIPCredential(username: agent.username, realm: realm, ha1MD5: ha1.md5 ?? "",
                                                       ha1SHA256: ha1.sha256 ?? ""), for: user)
    }

    /// Username → HA1 for every active user with credentials in `realm`.
    static func loadCredentials(store: some HotlineStore, realm: String) async throws -> [String: DigestHA1] {
        var out: [String: DigestHA1] = [:]
        for user in try await store.users() where user.isActive {
            if let c = try await store.sipCredential(username: user.username, realm: realm) {
                out[user.username] = DigestHA1(md5: c.ha1MD5, sha256: c.ha1SHA256)
            }
        }
        return out
    }

    /// The digest nonce secret: from the configuration, else kept in the data directory
    /// so nonces stay valid across restarts.
    static func nonceSecret(_ config: HotlineConfiguration) throws -> [UInt8] {
        if let hex = config.nonceSecret, let bytes = DigestHex.decode(hex) { return bytes }
        let path = config.dataDirectory + "/sip-nonce.secret"
        if let text = try? FileIO.read(path), let bytes = DigestHex.decode(text.trimmingCharacters()), bytes.count >= 32 { return bytes }
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        try FileIO.writeAtomically(path, DigestHex.encode(bytes) + "\n", mode: 0o600)
        return bytes
    }
}

/// Call and registration events in the log (CTI and call records come in later issues).
enum CallEventLog {
    static func log(_ event: UserAgentEvent, logger: Logger) {
        switch event {
        case .incomingCall(let call, let callID, let from, _, let dialled, let peer):
            logger.debug("incoming call", metadata: ["call.handle": "\(call)", "call.id": "\(callID)", "call.from": "\(from)",
                                                     "call.dialled": "\(dialled)", "sip.peer": "\(peer)"])
        case .ringing(let call):
            logger.trace("ringing", metadata: ["call.handle": "\(call)"])
        case .answered(let call, let media):
            logger.debug("call answered", metadata: ["call.handle": "\(call)", "media.codec": "\(media?.codec.encodingName ?? "-")"])
        case .mediaUpdated(let call, let media):
            logger.debug("media updated", metadata: ["call.handle": "\(call)", "media.hold": "\(media.isHold)"])
        case .ended(let call, let reason):
            logger.debug("call ended", metadata: ["call.handle": "\(call)", "call.reason": "\(reason)"])
        case .registered(let aor, let contact, let expires):
            logger.info("registered", metadata: ["sip.aor": "\(aor)", "sip.contact": "\(contact)", "sip.expires": "\(expires)"])
        case .unregistered(let aor, let contact):
            logger.info("unregistered", metadata: ["sip.aor": "\(aor)", "sip.contact": "\(contact)"])
        case .authenticationFailed(let user, let source):
            logger.notice("SIP authentication failed; repeated failures are throttled",
                          metadata: ["sip.user": "\(user)", "sip.source": "\(source)"])
        case .dtmfInfo(let call, let digit, _):
            logger.debug("dtmf (INFO)", metadata: ["call.handle": "\(call)", "dtmf.digit": "\(digit)"])
        case .transferRequested(let call, let referTo, let referredBy, let replaces):
            logger.info("transfer requested", metadata: ["call.handle": "\(call)", "transfer.target": "\(referTo)",
                                                         "transfer.referred_by": "\(referredBy ?? "-")",
                                                         "transfer.replaces": "\(replaces ?? "-")"])
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

extension HotlineApplication {
    /// A SIP stack for placing calls (`hotline dial`): no lines, no users.
    public static func makeDialer(bind: HostPort, logger: Logger) throws -> SIPServer {
        var config = HotlineConfiguration()
        config.sipListen = bind
        config.enableTCP = false
        config.ratePerSource = 0
        var random = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return try makeSIPServer(config, credentials: [:], nonceSecret: secret, logger: logger)
    }
}
