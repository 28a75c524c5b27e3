import XCTest
@testable import HotlineServer
import SIPNetwork
import ACD

final class ConfigurationReaderTests: XCTestCase {
    func read(_ yaml: String) throws -> HotlineConfiguration {
        try ConfigurationReader(file: "test.yaml").read(yaml: yaml)
    }

    func assertError(_ yaml: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try read(yaml), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected, file: file, line: line)
        }
    }

    /// The shipped demo file is what the README runs: it must stay valid.
    func testDemoConfigurationParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/demo.yaml").path
        let config = try ConfigurationReader(file: path).read(yaml: try String(contentsOfFile: path, encoding: .utf8))
        XCTAssertEqual(config.sipListen, HostPort(host: "127.0.0.1", port: 5060))
        XCTAssertEqual(config.domain, "hotline.local")
        XCTAssertEqual(Set(config.lines.map(\.number)), ["10000", "95500", "40000", "7777", "486", "9196"])
        // Prompt paths are relative to the file; they must exist.
        let telecom = try XCTUnwrap(config.lines.first { $0.number == "10000" })
        XCTAssertEqual(telecom.media.record, "stereo")
        XCTAssertEqual(telecom.flow, "telecom")
        XCTAssertEqual(config.lines.compactMap(\.flow).sorted(), ["bank", "shop", "telecom"])
        XCTAssertEqual(config.flowFiles.map { URL(fileURLWithPath: $0).standardized.path },
                       [root.appendingPathComponent("flows/demo").standardized.path])
        XCTAssertEqual(config.pinTries, 3)
        XCTAssertEqual(config.pinLockoutMinutes, 30)
        XCTAssertTrue(config.seedDemoData)
        for prompt in config.lines.flatMap(\.media.play) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: prompt), "\(prompt) is missing")
        }
        XCTAssertEqual(config.lines.first { $0.number == "9196" }?.media.hangupAfterPlay, true)
        XCTAssertEqual(config.lines.first { $0.number == "7777" }?.answerAfterMilliseconds, 60_000)
        XCTAssertEqual(config.lines.first { $0.number == "486" }?.rejectWith, 486)
        XCTAssertEqual(config.agents.map(\.username), ["1001", "1002", "1003", "2001", "9000"])
        XCTAssertEqual(config.agents[4].roles, ["admin"])
        XCTAssertEqual(config.teamAgents, ["2001": ["1001", "1002", "1003"]])
        XCTAssertEqual(config.dispositions.map(\.code), CodeLabel.defaultDispositions.map(\.code))
        XCTAssertEqual(config.reasons, CodeLabel.defaultReasons)
        XCTAssertEqual(config.queues.map(\.id), ["telecom", "broadband", "cards", "banking", "orders", "returns", "general"])
        XCTAssertEqual(config.queues.first?.escalation, [EscalationStep(afterSeconds: 60, .relaxMinimumLevel(to: 2)),
                                                         EscalationStep(afterSeconds: 180, .overflow(to: "general"))])
        XCTAssertEqual(config.queues.first { $0.id == "cards" }?.wrapUpSeconds, nil)
        XCTAssertEqual(config.agents[3].roles, ["supervisor", "agent"])
        XCTAssertEqual(config.agents[0].skills.map(\.name), ["telecom", "broadband"])
    }

    func testDesktopSettingsAndTheirMistakes() throws {
        let reader = ConfigurationReader(file: "hotline.yaml")
        let config = try reader.read(yaml: """
            desktop:
              teams: [{name: north, supervisors: ["2001"], agents: ["1001"]}, {name: south, supervisors: ["2001", "2002"], agents: ["1003"]}]
              dispositions: [{code: sold, zh: 已售出, en: Sold}]
            """)
        XCTAssertEqual(config.teamAgents, ["2001": ["1001", "1003"], "2002": ["1003"]])
        XCTAssertEqual(config.dispositions, [CodeLabel(code: "sold", labelZh: "已售出", labelEn: "Sold")])
        XCTAssertEqual(config.reasons, CodeLabel.defaultReasons)
        let cases: [(String, String)] = [
            ("desktop:\n  dispositions: [{code: Sold, zh: a, en: b}]",
             "hotline.yaml:2:18: desktop.dispositions[0]: code 'Sold' must be 1 to 64 lowercase letters, digits, '-' or '_'"),
            ("desktop:\n  dispositions: [{code: sold, zh: 已售出}]",
             "hotline.yaml:2:18: desktop.dispositions[0]: give both labels: zh (中文) and en (English)"),
            ("desktop:\n  reasons: [{code: login, zh: 登录, en: Login}]",
             "hotline.yaml:2:12: desktop.reasons: 'login' is a reason routing sets itself; choose another code"),
            ("desktop:\n  teams: [{name: north, agents: [\"1001\"]}]",
             "hotline.yaml:2:11: desktop.teams[0]: a team needs a name and at least one supervisor (`supervisors: [\"2001\"]`)"),
            ("desktop:\n  colours: red", "hotline.yaml:2:3: desktop.colours: unknown setting 'colours' Known here: dispositions, reasons, teams"),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try reader.read(yaml: yaml), yaml) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }

    func testIVRSettingsAndTheirMistakes() throws {
        let c = try ConfigurationReader(file: "/etc/hotline/c.yaml").read(yaml: """
            ivr:
              flows: [a.yaml, /abs/b.yaml]
              tts_cache_dir: tts
              voicemail_dir: /var/vm
              pin_tries: 5
              pin_lockout_minutes: 15
              demo_data: false
            lines:
              - {number: "10000", flow: telecom}
            """)
        XCTAssertEqual(c.flowFiles, ["/etc/hotline/a.yaml", "/abs/b.yaml"])
        XCTAssertEqual(c.ttsCacheDirectory, "/etc/hotline/tts")
        XCTAssertEqual(c.voicemailDirectory, "/var/vm")
        XCTAssertEqual(c.pinTries, 5)
        XCTAssertEqual(c.pinLockoutMinutes, 15)
        XCTAssertFalse(c.seedDemoData)
        XCTAssertEqual(c.lines.first?.flow, "telecom")
        assertError("ivr:\n  pin_tries: 0\n", "test.yaml:2:14: ivr.pin_tries: 0 is outside 1...10")
        assertError("lines:\n  - {number: \"1\", flow: telecom, reject: 486}\n",
                    "test.yaml:2:5: lines[0]: has a flow and also reject; a line runs its IVR flow, or plays, bridges or refuses: keep one")
    }

    func testEverySetting() throws {
        let c = try read("""
        sip:
          listen: 0.0.0.0:5080
          domain: example.cn
          advertised_host: 192.0.2.10
          tcp: false
          max_message_bytes: 4096
          session_expires: 600
          min_session_expires: 120
          rate_limit: {per_source_per_second: 50, burst: 100, exempt: [10.0.0.1]}
          auth_algorithms: [MD5]
        http: {listen: "[::1]:9090"}
        media: {rtp_ports: 30000-30100}
        data_dir: /var/lib/hotline
        log_level: debug
        lines:
          - {number: "8000", answer_after_ms: never}
        """)
        XCTAssertEqual(c.sipListen, HostPort(host: "0.0.0.0", port: 5080))
        XCTAssertEqual(c.effectiveAdvertisedHost, "192.0.2.10")
        XCTAssertFalse(c.enableTCP)
        XCTAssertEqual(c.maxMessageBytes, 4096)
        XCTAssertEqual(c.sessionExpires, 600)
        XCTAssertEqual(c.minSessionExpires, 120)
        XCTAssertEqual(c.ratePerSource, 50)
        XCTAssertEqual(c.rateExempt, ["10.0.0.1"])
        XCTAssertEqual(c.authAlgorithms, ["MD5"])
        XCTAssertEqual(c.httpListen, HostPort(host: "::1", port: 9090))
        XCTAssertEqual(c.rtpPorts, 30000...30100)
        XCTAssertEqual(c.dataDirectory, "/var/lib/hotline")
        XCTAssertEqual(c.logLevel, "debug")
        XCTAssertNil(c.lines[0].answerAfterMilliseconds)
        XCTAssertEqual(c.lines[0].name, "8000")
    }

    func testErrorsNameFileLineColumnKeyAndFix() {
        assertError("sip:\n  listen: localhost\n",
                    "test.yaml:2:11: sip.listen: 'localhost' is not HOST:PORT; write e.g. 127.0.0.1:5060")
        assertError("sip:\n  lisen: 127.0.0.1:5060\n",
                    "test.yaml:2:3: sip.lisen: unknown setting 'lisen'; did you mean 'listen'? Known here: listen, domain, advertised_host, tcp, max_message_bytes, max_transactions, session_expires, min_session_expires, nonce_secret, auth_algorithms, rate_limit")
        assertError("log_level: loud\n",
                    "test.yaml:1:12: log_level: 'loud' is not a log level; use one of trace, debug, info, notice, warning, error, critical")
        assertError("sip:\n  tcp: maybe\n", "test.yaml:2:8: sip.tcp: 'maybe' is not true or false")
        assertError("sip:\n  session_expires: 10\n", "test.yaml:2:20: sip.session_expires: 10 is outside 90...86400")
        assertError("media:\n  rtp_ports: 20000\n",
                    "test.yaml:2:14: media.rtp_ports: '20000' is not a port range like 20000-29999 (from 1024, at least 4 ports)")
        assertError("media:\n  thread_priority: high\n",
                    "test.yaml:2:20: media.thread_priority: 'high' is not a priority: use realtime, raised or normal")
        XCTAssertEqual(try read("media:\n  thread_priority: raised\n").mediaThreadPriority, .raised)
        XCTAssertEqual(try read("sip: {}\n").mediaThreadPriority, .realtime, "the default")
        assertError("lines:\n  - number: \"1\"\n  - number: \"1\"\n", "test.yaml:3:13: lines[1].number: '1' is defined twice; keep one")
        assertError("lines:\n  - name: x\n", "test.yaml:2:5: lines[0]: has no number; add `number: \"...\"`")
        assertError("agents:\n  - username: \"1\"\n    password: short\n", "test.yaml:3:15: agents[0].password: must be at least 8 characters")
        assertError("agents:\n  - {username: a, password: longenough, skills: [telecom]}\n",
                    "test.yaml:2:49: agents[0].skills: 'telecom' is not NAME:LEVEL with a level from 1 to 10 (e.g. telecom:5)")
        assertError("agents:\n  - {username: a, password: longenough, roles: [boss]}\n",
                    "test.yaml:2:48: agents[0].roles: 'boss' is not a role; use agent, supervisor or admin")
        assertError("sip: [1, 2]\n", "test.yaml:1:6: sip: must be a mapping of `key: value` lines")
        assertError("sip:\n  session_expires: 100\n  min_session_expires: 200\n",
                    "test.yaml:2: sip.min_session_expires: is larger than sip.session_expires (100); lower it or raise session_expires")
    }

    func testLineMediaAndBridge() throws {
        let config = try ConfigurationReader(file: "/etc/hotline/lines.yaml").read(yaml: """
            media:
              threads: 2
              recordings_dir: rec
            lines:
              - number: "1"
                media: {play: [a.wav, /abs/b.wav], loop: true, hangup_after_play: true, record: off}
              - number: "2"
                media: {play: c.wav, record: mono}
              - number: "3"
                bridge_to: "sip:agent@127.0.0.1:5092"
            """)
        XCTAssertEqual(config.mediaThreads, 2)
        XCTAssertEqual(config.effectiveRecordingsDirectory, "/etc/hotline/rec")
        XCTAssertEqual(config.lines[0].media, .init(play: ["/etc/hotline/a.wav", "/abs/b.wav"], loop: true,
                                                    hangupAfterPlay: true, record: "off"))
        XCTAssertEqual(config.lines[1].media, .init(play: ["/etc/hotline/c.wav"], record: "mono"))
        XCTAssertEqual(config.lines[2].bridgeTo, "sip:agent@127.0.0.1:5092")
        XCTAssertNil(config.lines[0].bridgeTo)
    }

    func testLineMediaErrors() {
        assertError("lines:\n  - number: \"1\"\n    media: {record: loud}\n",
                    "test.yaml:3:21: lines[0].media.record: 'loud' is not a recording layout; use off, mono or stereo")
        assertError("lines:\n  - number: \"1\"\n    bridge_to: agent\n",
                    "test.yaml:3:16: lines[0].bridge_to: 'agent' is not a SIP URI; write it like \"sip:agent@127.0.0.1:5092\"")
        assertError("lines:\n  - number: \"1\"\n    media: {volume: 3}\n",
                    "test.yaml:3:13: lines[0].media.volume: unknown setting 'volume' Known here: play, loop, hangup_after_play, record")
        assertError("lines:\n  - {number: \"1\", reject: 486, bridge_to: \"sip:a@b\"}\n",
                    "test.yaml:2:5: lines[0]: has both reject and bridge_to; a line either refuses calls or bridges them")
        assertError("media:\n  threads: 0\n", "test.yaml:2:12: media.threads: 0 is outside 1...64")
    }

    func testYAMLSyntaxErrorHasAPosition() {
        XCTAssertThrowsError(try read("sip:\n  listen: [unclosed\n")) { error in
            let e = error as? ConfigurationError
            XCTAssertEqual(e?.file, "test.yaml")
            XCTAssertNotNil(e?.line)
            XCTAssertTrue("\(error)".contains("YAML syntax"), "\(error)")
        }
    }

    func testEnvironmentThenFlagsOverrideTheFile() throws {
        var c = try read("sip:\n  listen: 127.0.0.1:5060\ndata_dir: ./a\n")
        try ConfigurationOverrides.environment(["HOTLINE_SIP_LISTEN": "127.0.0.1:6000", "HOTLINE_DATA_DIR": "./env"])
            .apply(to: &c) { "HOTLINE_" + $0 }
        XCTAssertEqual(c.sipListen.port, 6000)
        XCTAssertEqual(c.dataDirectory, "./env")
        try ConfigurationOverrides(sipListen: "127.0.0.1:7000").apply(to: &c) { "--" + $0 }
        XCTAssertEqual(c.sipListen.port, 7000)
        XCTAssertEqual(c.dataDirectory, "./env")
        XCTAssertThrowsError(try ConfigurationOverrides(logLevel: "loud").apply(to: &c) { "--" + $0 }) { error in
            XCTAssertEqual("\(error)", "--log-level: 'loud' is not a log level; use one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func testMissingFileSaysWhatToCheck() {
        XCTAssertThrowsError(try HotlineConfiguration.load(file: "/nonexistent/h.yaml", environment: [:], flags: .init())) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/h.yaml: cannot read the configuration file"), "\(error)")
        }
    }

    func testQueuesAreReadWithEverySetting() throws {
        let config = try read("""
            queues:
              - id: cards
                names: {zh-CN: 银行卡服务, en-US: Card services}
                skills: [cards:5, mandarin]
                strategy: most-skilled
                service_level: {percent: 90, seconds: 15}
                max_wait_seconds: 600
                max_wait_offer: callback
                max_length: 50
                ring_seconds: 12
                wrap_up_seconds: agent
                wrap_up_requires_disposition: true
                announce_every_seconds: never
                preferred_agent_window_seconds: 3600
                default_handle_seconds: 240
                record: false
                callback_key: "*"
                escalation:
                  - {after_seconds: 60, relax_minimum_level: 2}
                  - {after_seconds: 120, add_skill: banking:3}
                  - {after_seconds: 300, overflow: general}
              - id: general
                skills: [general]
            """)
        var expected = QueueConfiguration(id: "cards", names: [.zhCN: "银行卡服务", .enUS: "Card services"],
                                          requiredSkills: [SkillRequirement("cards", minimumLevel: 5), SkillRequirement("mandarin")],
                                          strategy: .mostSkilled, serviceLevelPercent: 90, serviceLevelSeconds: 15,
                                          maximumWaitSeconds: 600, maximumWaitOffer: .callback, maximumLength: 50,
                                          escalation: [EscalationStep(afterSeconds: 60, .relaxMinimumLevel(to: 2)),
                                                       EscalationStep(afterSeconds: 120, .addSkill(SkillRequirement("banking", minimumLevel: 3))),
                                                       EscalationStep(afterSeconds: 300, .overflow(to: "general"))],
                                          ringSeconds: 12, wrapUpSeconds: nil, wrapUpRequiresDisposition: true,
                                          announceEverySeconds: nil, preferredAgentWindowSeconds: 3600, defaultHandleSeconds: 240,
                                          records: false, callbackKey: "*")
        XCTAssertEqual(config.queues.first, expected)
        expected = QueueConfiguration(id: "general", requiredSkills: [SkillRequirement("general")])
        XCTAssertEqual(config.queues.last, expected)
    }

    func testTrunkAndItsMistakes() throws {
        let config = try read("""
            trunk:
              uri: sip:gw.example.net:5070
              caller_id: "+8610000"
              username: hotline
              password: s3cret
            """)
        XCTAssertEqual(config.trunk, HotlineConfiguration.Trunk(host: "gw.example.net", port: 5070, callerID: "+8610000",
                                                                username: "hotline", password: "s3cret"))
        XCTAssertEqual(try read("trunk: {uri: \"sip:192.0.2.10\"}").trunk, HotlineConfiguration.Trunk(host: "192.0.2.10", port: 5060))
        XCTAssertNil(try read("sip: {listen: 127.0.0.1:5060}").trunk)
        assertError("trunk:\n  uri: gateway\n",
                    "test.yaml:2:8: trunk.uri: 'gateway' is not a SIP URI; write the gateway as sip:HOST or sip:HOST:PORT")
        assertError("trunk:\n  caller_id: \"95500\"\n", "test.yaml:2:3: trunk: has no uri; add `uri: sip:gateway.example.net:5060`")
        assertError("trunk:\n  uri: sip:gw\n  caller_id: hotline\n",
                    "test.yaml:3:14: trunk.caller_id: 'hotline' is not a phone number; use digits (and a leading +)")
        assertError("trunk:\n  uri: sip:gw\n  username: a\n",
                    "test.yaml:2:3: trunk: needs both username and password for digest authentication, or neither")
        assertError("""
            queues:
              - id: cards
                skills: [cards]
                callback_key: "11"
            """, "test.yaml:4:19: queues[0].callback_key: '11' is not one phone key; use one of 0-9, * or #")
    }

    func testQueueProblemsPointAtTheQueueOrStep() {
        assertError("""
            queues:
              - id: cards
                skills: [cards:11]
            """, "test.yaml:3:13: queues[0].skills: 'cards:11': the level must be a whole number from 1 to 10")
        assertError("""
            queues:
              - id: cards
                skills: [cards]
                stratgy: round-robin
            """, "test.yaml:4:5: queues[0].stratgy: unknown setting 'stratgy'; did you mean 'strategy'? Known here: "
                + ConfigurationReader.queueKeys.joined(separator: ", "))
        assertError("""
            queues:
              - id: cards
                skills: [cards:5]
                max_wait_seconds: 100
                escalation:
                  - {after_seconds: 30, relax_minimum_level: 2}
                  - {after_seconds: 200, overflow: general}
            """, "test.yaml:7:9: queues[0].escalation[1]: runs at 200 s, at or after the maximum wait (100 s), so it never changes who answers; make it earlier or raise the maximum wait")
        assertError("""
            queues:
              - id: a
                skills: [x]
                escalation: [{after_seconds: 10, overflow: b}]
              - id: b
                skills: [y]
                escalation: [{after_seconds: 10, overflow: a}]
            """, "test.yaml:2:5: queues[0]: overflow goes round in a loop (a -> b -> a); end the chain at a queue that does not overflow")
        assertError("""
            queues:
              - id: a
                skills: [x]
                escalation: [{after_seconds: 10, overflow: b, relax_minimum_level: 1}]
            """, "test.yaml:4:51: queues[0].escalation[0].relax_minimum_level: a step does one thing; split relax_minimum_level, add_skill and overflow into separate steps")
        assertError("""
            queues:
              - skills: [x]
            """, "test.yaml:2:5: queues[0]: has no id; add `id: cards` (the name flows transfer to)")
    }
}
