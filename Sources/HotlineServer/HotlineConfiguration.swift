import ACD
import MediaNetwork
import SIPNetwork

/// Everything `hotline serve` needs, read from YAML, then environment, then flags.
public struct HotlineConfiguration: Sendable {
    public struct Line: Sendable, Hashable {
        public var number: String
        public var name: String
        /// nil: ring until the caller hangs up.
        public var answerAfterMilliseconds: Int?
        public var rejectWith: Int?
        /// What the line plays and records once answered (until IVR flows take over).
        public var media: LineMedia
        /// Join the call to this SIP URI (a B2BUA bridge, until routing takes over).
        public var bridgeTo: String?
        /// The IVR flow (its name) that answers the line.
        public var flow: String?

        public init(number: String, name: String, answerAfterMilliseconds: Int? = 0, rejectWith: Int? = nil,
                    media: LineMedia = LineMedia(), bridgeTo: String? = nil, flow: String? = nil) {
            self.flow = flow
            self.number = number
            self.name = name
            self.answerAfterMilliseconds = answerAfterMilliseconds
            self.rejectWith = rejectWith
            self.media = media
            self.bridgeTo = bridgeTo
        }
    }

    /// A line's media once answered.
    public struct LineMedia: Sendable, Hashable {
        /// WAV files played in order on answer (absolute paths once read).
        public var play: [String]
        /// Repeat the play list (music on hold).
        public var loop: Bool
        /// Send BYE when the play list has played.
        public var hangupAfterPlay: Bool
        /// `off`, `mono` or `stereo` (caller left, the other side right).
        public var record: String

        public init(play: [String] = [], loop: Bool = false, hangupAfterPlay: Bool = false, record: String = "off") {
            self.play = play
            self.loop = loop
            self.hangupAfterPlay = hangupAfterPlay
            self.record = record
        }
    }

    public struct Agent: Sendable, Hashable {
        public var username: String
        public var password: String
        public var displayName: String
        public var roles: [String]
        /// `name:level` pairs.
        public var skills: [(name: String, level: Int)]
        public var language: String

        public init(username: String, password: String, displayName: String, roles: [String] = ["agent"],
                    skills: [(name: String, level: Int)] = [], language: String = "zh-CN") {
            self.username = username
            self.password = password
            self.displayName = displayName
            self.roles = roles
            self.skills = skills
            self.language = language
        }

        public static func == (a: Agent, b: Agent) -> Bool {
            a.username == b.username && a.password == b.password && a.displayName == b.displayName && a.roles == b.roles
                && a.skills.map(\.name) == b.skills.map(\.name) && a.skills.map(\.level) == b.skills.map(\.level)
                && a.language == b.language
        }

        public func hash(into h: inout Hasher) { h.combine(username) }
    }

    public var sipListen = HostPort(host: "127.0.0.1", port: 5060)
    /// Where the HTTP API listens; nil (`http: {listen: off}`) runs no HTTP server.
    public var httpListen: HostPort? = HostPort(host: "127.0.0.1", port: 8080)
    /// The web desktop's files (`web/` in the repository), served at `/desktop/`; nil: none.
    public var webRoot: String?
    /// Session cookies carry `Secure` (sent over HTTPS only; browsers also accept them from
    /// http://127.0.0.1 and http://localhost). Turn off only for plain HTTP on a trusted LAN.
    public var secureCookies = true
    /// A web session ends after this long without a request, or this long after sign-in.
    public var sessionIdleMinutes = 60
    public var sessionMaximumHours = 12
    /// The OpenAPI document served at `/openapi.yaml` (`openapi.yaml` in the repository); nil: none.
    public var openAPIPath: String?
    public var dataDirectory = "./data"
    public var logLevel = "info"
    public var domain = "hotline.local"
    /// The address put in Contact/Via/SDP; defaults to the listen host.
    public var advertisedHost: String?
    public var enableTCP = true
    public var maxMessageBytes = 65_535
    /// Live SIP transactions at most (about 64 × the call rate are alive at any time).
    public var maxTransactions = 500_000
    public var ratePerSource = 2000
    public var rateBurst = 4000
    public var rateExempt: [String] = []
    public var sessionExpires = 1800
    public var minSessionExpires = 90
    public var rtpPorts: ClosedRange<UInt16> = 20000...29999
    /// Event loops (threads) that run media, each with its own 20 ms clock.
    public var mediaThreads = 1
    /// How the media threads ask to be favoured (`media.thread_priority`); each falls
    /// back a level when the process lacks the privilege.
    public var mediaThreadPriority: MediaEngine.ThreadPriority = .realtime
    /// Where recordings go; default `<data_dir>/recordings`.
    public var recordingsDirectory: String?
    /// A WAV file played in a loop to whoever is held when the other side of a bridge
    /// holds (re-INVITE `sendonly`/`inactive`); without it the held side hears silence.
    public var musicOnHold: String?
    /// A call whose phone sends nothing (no RTP, no RTCP) for this long while it should
    /// is treated as gone: a caller's call ends, an agent's phone is dropped and their
    /// caller re-queued. nil (0 in the file): never.
    public var rtpTimeoutSeconds: Int? = 60
    /// Hex; when absent a secret is generated once and kept in the data directory.
    public var nonceSecret: String?
    /// Digest algorithms the registrar offers, one challenge each, in this order
    /// (RFC 8760 §2.4: the preferred first). `SHA-256`, `MD5`.
    public var authAlgorithms: [String] = ["SHA-256", "MD5"]
    public var lines: [Line] = []
    /// IVR flow files or directories of them (`*.yaml`), loaded together.
    public var flowFiles: [String] = []
    /// Rendered TTS prompts; default `<data_dir>/tts-cache`.
    public var ttsCacheDirectory: String?
    /// Voicemail messages; default `<data_dir>/voicemail`.
    public var voicemailDirectory: String?
    /// Wrong PINs in a row that lock an account or card, and for how long.
    public var pinTries = 3
    public var pinLockoutMinutes = 30
    /// Store the demo customers, accounts, cards and orders when the store has none.
    public var seedDemoData = false
    public var agents: [Agent] = []
    /// Where calls to outside numbers go (callbacks, transfers to a number): a SIP
    /// gateway or trunk (`trunk:`); nil: Hotline dials out to nobody.
    public var trunk: Trunk?

    public struct Trunk: Sendable, Hashable {
        /// The gateway: `sip:HOST[:PORT]` (UDP).
        public var host: String
        public var port: Int
        /// The number presented to the called customer (a service line); nil: the line the customer once dialled.
        public var callerID: String?
        /// Digest credentials when the gateway challenges.
        public var username: String?
        public var password: String?

        public init(host: String, port: Int = 5060, callerID: String? = nil, username: String? = nil, password: String? = nil) {
            self.host = host
            self.port = port
            self.callerID = callerID
            self.username = username
            self.password = password
        }
    }

    /// Routing queues (`queues:`), checked together (overflow targets, loops, escalation).
    public var queues: [QueueConfiguration] = []
    /// Supervisors' teams: a supervisor in a team sees its agents (and their calls); one in
    /// no team sees every agent.
    public var teams: [Team] = []
    /// Wrap-up dispositions and not-ready reasons the desktop offers.
    public var dispositions: [CodeLabel] = CodeLabel.defaultDispositions
    public var reasons: [CodeLabel] = CodeLabel.defaultReasons

    /// Where the event stream is also delivered (signed POSTs with retries).
    public var webhooks: [WebhookConfiguration] = []

    public struct Team: Sendable, Hashable {
        public var name: String
        public var supervisors: [String]
        public var agents: [String]
    }

    /// Supervisor username → the agents of all their teams.
    public var teamAgents: [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for team in teams {
            for supervisor in team.supervisors { out[supervisor, default: []].formUnion(team.agents) }
        }
        return out
    }

    public init() {}

    public var effectiveRecordingsDirectory: String { recordingsDirectory ?? dataDirectory + "/recordings" }
    public var effectiveTTSCacheDirectory: String { ttsCacheDirectory ?? dataDirectory + "/tts-cache" }
    public var effectiveVoicemailDirectory: String { voicemailDirectory ?? dataDirectory + "/voicemail" }

    public var effectiveAdvertisedHost: String {
        if let a = advertisedHost { return a }
        return sipListen.host == "0.0.0.0" || sipListen.host == "::" ? "127.0.0.1" : sipListen.host
    }
}
