import ACD
import HotlineModel
import XCTest

func t(_ seconds: Double) -> Timestamp { Timestamp(millisecondsSinceEpoch: Int64(seconds * 1000)) }
func agent(_ id: String) -> AgentID { AgentID(rawValue: id) }
func contact(_ id: String) -> InteractionID { InteractionID(rawValue: id) }

/// The actions an engine call returns, with only the offers (for strategy tests).
func offers(_ actions: [ACDAction]) -> [String] {
    actions.compactMap { if case .offer(let c, let a, _, _, _) = $0 { return "\(c)->\(a)" } else { return nil } }
}

final class ACDEngineTests: XCTestCase {
    static func queue(_ id: String = "billing", skills: [SkillRequirement] = [SkillRequirement("billing")],
                      strategy: RoutingStrategy = .longestIdle, _ configure: (inout QueueConfiguration) -> Void = { _ in }) -> QueueConfiguration {
        var q = QueueConfiguration(id: id, requiredSkills: skills, strategy: strategy, announceEverySeconds: nil)
        configure(&q)
        return q
    }

    func testAContactIsOfferedAtOnceToTheAvailableAgent() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        XCTAssertEqual(try acd.login(AgentProfile(id: agent("a1"), skills: ["billing": 5]), ready: true, now: t(0)),
                       [.agentStateChanged(agent: agent("a1"), from: .loggedOut, to: .available, at: t(0), cause: "login")])
        let actions = try acd.enqueue(ContactRequest(id: contact("c1"), queue: "billing"), now: t(10))
        XCTAssertEqual(actions, [
            .queued(contact: contact("c1"), queue: "billing", position: 1),
            .agentStateChanged(agent: agent("a1"), from: .available, to: .reserved(contact("c1")), at: t(10), cause: "offer"),
            .offer(contact: contact("c1"), agent: agent("a1"), queue: "billing", kind: .call, ringDeadline: t(25)),
        ])
        XCTAssertEqual(try acd.offerAnswered(contact("c1"), now: t(13)), [
            .agentStateChanged(agent: agent("a1"), from: .reserved(contact("c1")), to: .onCall(contact("c1")), at: t(13), cause: "answered"),
        ])
        XCTAssertEqual(try acd.callEnded(contact("c1"), now: t(100)), [
            .agentStateChanged(agent: agent("a1"), from: .onCall(contact("c1")), to: .wrapUp(contact("c1")), at: t(100), cause: "call ended"),
        ])
        XCTAssertEqual(acd.nextDeadline, t(110))
        XCTAssertEqual(acd.advance(to: t(110)), [
            .agentStateChanged(agent: agent("a1"), from: .wrapUp(contact("c1")), to: .available, at: t(110), cause: "wrap-up time over"),
        ])
        let stats = try XCTUnwrap(acd.statistics["billing"])
        XCTAssertEqual(stats.answered, 1)
        XCTAssertEqual(stats.answeredInTarget, 1)
        XCTAssertEqual(stats.totalAnsweredWaitMs, 3000)
    }

    func testLoginNotReadyWaitsForAvailable() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        _ = try acd.login(AgentProfile(id: agent("a1"), skills: ["billing": 5]), ready: false, now: t(0))
        XCTAssertEqual(acd.state(of: agent("a1")), .notReady(.login))
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("c1"), queue: "billing"), now: t(1))), [])
        XCTAssertEqual(offers(try acd.makeAvailable(agent("a1"), now: t(2))), ["c1->a1"])
    }

    // MARK: Strategies

    func testLongestIdleTakesTheAgentFreeLongestThenTheLowestID() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        _ = try acd.login(AgentProfile(id: agent("b"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.login(AgentProfile(id: agent("c"), skills: ["billing": 5]), ready: false, now: t(0))
        _ = try acd.makeAvailable(agent("c"), now: t(5))
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(10))), ["1->a"])
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("2"), queue: "billing"), now: t(10))), ["2->b"])
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("3"), queue: "billing"), now: t(10))), ["3->c"])
    }

    func testMostSkilledTakesTheHighestLevels() throws {
        var acd = try ACDEngine(queues: [Self.queue(skills: [SkillRequirement("billing"), SkillRequirement("mandarin")], strategy: .mostSkilled)])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 9, "mandarin": 2]), ready: true, now: t(0))   // 11
        _ = try acd.login(AgentProfile(id: agent("b"), skills: ["billing": 6, "mandarin": 6]), ready: true, now: t(1))   // 12
        _ = try acd.login(AgentProfile(id: agent("c"), skills: ["billing": 10]), ready: true, now: t(0))                  // not qualified
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(10))), ["1->b"])
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("2"), queue: "billing"), now: t(10))), ["2->a"])
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("3"), queue: "billing"), now: t(10))), [])
    }

    func testRoundRobinGoesOnFromTheLastAgentOffered() throws {
        var acd = try ACDEngine(queues: [Self.queue(strategy: .roundRobin) { $0.wrapUpSeconds = 0 }])
        for id in ["c", "a", "b"] { _ = try acd.login(AgentProfile(id: agent(id), skills: ["billing": 5]), ready: true, now: t(0)) }
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(1))), ["1->a"])
        _ = try acd.offerAnswered(contact("1"), now: t(2))
        _ = try acd.callEnded(contact("1"), now: t(3))   // a is available again (no wrap-up)
        XCTAssertEqual(acd.state(of: agent("a")), .available)
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("2"), queue: "billing"), now: t(4))), ["2->b"])
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("3"), queue: "billing"), now: t(5))), ["3->c"])
        _ = try acd.offerAnswered(contact("2"), now: t(6))
        _ = try acd.callEnded(contact("2"), now: t(7))
        // After c comes a (wrapped round), although b has been idle longer.
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("4"), queue: "billing"), now: t(8))), ["4->a"])
    }

    func testLeastOccupiedTakesTheAgentBusyTheSmallestShare() throws {
        var acd = try ACDEngine(queues: [Self.queue(strategy: .leastOccupied) { $0.wrapUpSeconds = 0 }])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(0))), ["1->a"])
        _ = try acd.offerAnswered(contact("1"), now: t(0))
        _ = try acd.login(AgentProfile(id: agent("b"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.callEnded(contact("1"), now: t(50))   // a: 50 s busy of 60 s by the next decision
        _ = try acd.makeNotReady(agent("b"), reason: .break, now: t(1))
        _ = try acd.makeAvailable(agent("b"), now: t(55))   // b: idle the shorter time, but never busy
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("2"), queue: "billing"), now: t(60))), ["2->b"])
    }

    // MARK: Order of contacts

    func testHigherPriorityThenLongestWaitingGoesFirst() throws {
        var acd = try ACDEngine(queues: [Self.queue(), Self.queue("cards", skills: [SkillRequirement("cards")])])
        _ = try acd.enqueue(ContactRequest(id: contact("old"), queue: "billing"), now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("vip"), queue: "billing", priority: 5), now: t(10))
        _ = try acd.enqueue(ContactRequest(id: contact("cards-old"), queue: "cards"), now: t(-5))
        _ = try acd.enqueue(ContactRequest(id: contact("new"), queue: "billing"), now: t(20))
        XCTAssertEqual(acd.position(of: contact("vip")), 1)
        XCTAssertEqual(acd.position(of: contact("new")), 3)
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5, "cards": 5]), ready: false, now: t(30))
        XCTAssertEqual(offers(try acd.makeAvailable(agent("a"), now: t(30))), ["vip->a"])
        _ = try acd.offerAnswered(contact("vip"), now: t(31))
        _ = try acd.callEnded(contact("vip"), now: t(32))
        // Across queues, the longest waiting of equal priority: cards-old (since -5 s).
        XCTAssertEqual(offers(try acd.endWrapUp(agent("a"), now: t(33))), ["cards-old->a"])
    }

    func testAReQueuedContactKeepsItsPlace() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        _ = try acd.enqueue(ContactRequest(id: contact("late"), queue: "billing"), now: t(100))
        _ = try acd.enqueue(ContactRequest(id: contact("back"), queue: "billing", waitingSince: t(10)), now: t(120))
        XCTAssertEqual(acd.position(of: contact("back")), 1)
    }

    func testPreferredAgentIsChosenOverTheStrategy() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.login(AgentProfile(id: agent("b"), skills: ["billing": 5]), ready: true, now: t(5))
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing", preferredAgent: agent("b")), now: t(10))),
                       ["1->b"])
        // An agent freed goes to the contact preferring them before an older one of the same priority.
        var acd2 = try ACDEngine(queues: [Self.queue()])
        _ = try acd2.enqueue(ContactRequest(id: contact("old"), queue: "billing"), now: t(0))
        _ = try acd2.enqueue(ContactRequest(id: contact("mine"), queue: "billing", preferredAgent: agent("b")), now: t(5))
        _ = try acd2.login(AgentProfile(id: agent("b"), skills: ["billing": 5]), ready: false, now: t(6))
        XCTAssertEqual(offers(try acd2.makeAvailable(agent("b"), now: t(7))), ["mine->b"])
        // But not before a higher priority.
        _ = try acd2.enqueue(ContactRequest(id: contact("vip"), queue: "billing", priority: 5), now: t(8))
        _ = try acd2.enqueue(ContactRequest(id: contact("mine2"), queue: "billing", preferredAgent: agent("c")), now: t(8))
        _ = try acd2.login(AgentProfile(id: agent("c"), skills: ["billing": 5]), ready: true, now: t(9))
        XCTAssertEqual(acd2.contact(contact("vip"))?.offeredTo, agent("c"))
    }

    // MARK: Escalation

    func testEscalationRelaxesThenAddsASkillThenOverflows() throws {
        let billing = Self.queue(skills: [SkillRequirement("billing", minimumLevel: 7)]) {
            $0.escalation = [EscalationStep(afterSeconds: 30, .relaxMinimumLevel(to: 3)),
                             EscalationStep(afterSeconds: 60, .addSkill(SkillRequirement("general"))),
                             EscalationStep(afterSeconds: 90, .overflow(to: "overflow"))]
        }
        var acd = try ACDEngine(queues: [billing, Self.queue("overflow", skills: [SkillRequirement("backoffice")])])
        _ = try acd.login(AgentProfile(id: agent("junior"), skills: ["billing": 4]), ready: true, now: t(0))
        _ = try acd.login(AgentProfile(id: agent("general"), skills: ["general": 1]), ready: true, now: t(0))
        _ = try acd.login(AgentProfile(id: agent("back"), skills: ["backoffice": 1]), ready: true, now: t(0))
        for (id, at) in [("1", 0.0), ("2", 1.0), ("3", 2.0), ("4", 3.0)] {
            XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact(id), queue: "billing"), now: t(at))), [])
        }
        XCTAssertEqual(acd.advance(to: t(30)), [
            .escalated(contact: contact("1"), queue: "billing", step: 0),
            .agentStateChanged(agent: agent("junior"), from: .available, to: .reserved(contact("1")), at: t(30), cause: "offer"),
            .offer(contact: contact("1"), agent: agent("junior"), queue: "billing", kind: .call, ringDeadline: t(45)),
        ])
        _ = try acd.offerAnswered(contact("1"), now: t(31))
        // Each contact's steps run from when it entered: contact 2 (at 1 s) gets "general" at 61 s.
        XCTAssertEqual(offers(acd.advance(to: t(61))), ["2->general"])
        _ = try acd.offerAnswered(contact("2"), now: t(61.5))
        let overflow = acd.advance(to: t(90))
        XCTAssertEqual(Array(overflow.prefix(1)), [.escalated(contact: contact("3"), queue: "billing", step: 1)])
        XCTAssertEqual(acd.advance(to: t(92)), [
            .overflowed(contact: contact("3"), from: "billing", to: "overflow"),
            .agentStateChanged(agent: agent("back"), from: .available, to: .reserved(contact("3")), at: t(92), cause: "offer"),
            .offer(contact: contact("3"), agent: agent("back"), queue: "overflow", kind: .call, ringDeadline: t(107)),
        ])
        XCTAssertEqual(acd.contact(contact("4"))?.stage, 2)
    }

    func testMaximumWaitOffersVoicemailOrCallbackOnce() throws {
        var acd = try ACDEngine(queues: [Self.queue { $0.maximumWaitSeconds = 120; $0.maximumWaitOffer = .callback }])
        _ = try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(0))
        XCTAssertEqual(acd.advance(to: t(119)), [])
        XCTAssertEqual(acd.advance(to: t(500)), [.maximumWaitReached(contact: contact("1"), queue: "billing", offer: .callback)])
        try acd.convertToCallback(contact("1"), number: "13800138000", now: t(501))
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 1]), ready: true, now: t(600))
        XCTAssertEqual(acd.contact(contact("1"))?.kind, .callback(number: "13800138000"))
        XCTAssertEqual(acd.contact(contact("1"))?.offeredTo, agent("a"))
    }

    func testAQueueRefusesContactsBeyondItsLength() throws {
        var acd = try ACDEngine(queues: [Self.queue { $0.maximumLength = 1 }])
        _ = try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(0))
        XCTAssertThrowsError(try acd.enqueue(ContactRequest(id: contact("2"), queue: "billing"), now: t(1))) { error in
            XCTAssertEqual((error as? ACDError)?.code, .queueFull)
        }
        XCTAssertThrowsError(try acd.enqueue(ContactRequest(id: contact("3"), queue: "nope"), now: t(1))) { error in
            XCTAssertEqual(error as? ACDError, ACDError(.unknownQueue, "Queue nope does not exist; use one of: billing."))
        }
    }

    // MARK: Offers that fail

    func testRingNoAnswerMakesTheAgentNotReadyAndOffersTheNext() throws {
        var acd = try ACDEngine(queues: [Self.queue { $0.ringSeconds = 20 }])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.login(AgentProfile(id: agent("b"), skills: ["billing": 5]), ready: false, now: t(0))
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(10))), ["1->a"])
        _ = try acd.makeAvailable(agent("b"), now: t(15))
        XCTAssertEqual(acd.advance(to: t(30)), [
            .cancelOffer(contact: contact("1"), agent: agent("a"), reason: .ringTimeout),
            .agentStateChanged(agent: agent("a"), from: .reserved(contact("1")), to: .notReady(.missedCall), at: t(30), cause: "ring no answer"),
            .agentStateChanged(agent: agent("b"), from: .available, to: .reserved(contact("1")), at: t(30), cause: "offer"),
            .offer(contact: contact("1"), agent: agent("b"), queue: "billing", kind: .call, ringDeadline: t(50)),
        ])
        // Busy from the phone: likewise, and the contact waits at its place.
        XCTAssertEqual(try acd.offerFailed(contact("1"), .busy, now: t(31)), [
            .agentStateChanged(agent: agent("b"), from: .reserved(contact("1")), to: .notReady(.missedCall), at: t(31), cause: "busy"),
        ])
        XCTAssertEqual(acd.position(of: contact("1")), 1)
        XCTAssertEqual(acd.statistics["billing"]?.offersFailed, 2)
    }

    func testAPhoneThatVanishesFailsTheOfferAndMakesTheAgentNotReady() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(1))
        XCTAssertEqual(acd.phoneUnavailable(agent("a"), now: t(2)), [
            .agentStateChanged(agent: agent("a"), from: .reserved(contact("1")), to: .notReady(.phoneUnavailable), at: t(2),
                               cause: "phone unregistered"),
        ])
        XCTAssertEqual(acd.contact(contact("1"))?.offeredTo, nil)
    }

    func testTheCallerLeavingWhileItRingsFreesTheAgent() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(1))
        _ = try acd.enqueue(ContactRequest(id: contact("2"), queue: "billing"), now: t(2))
        XCTAssertEqual(try acd.abandon(contact("1"), now: t(3)), [
            .cancelOffer(contact: contact("1"), agent: agent("a"), reason: .callerLeft),
            .agentStateChanged(agent: agent("a"), from: .reserved(contact("1")), to: .available, at: t(3), cause: "caller left"),
            .agentStateChanged(agent: agent("a"), from: .available, to: .reserved(contact("2")), at: t(3), cause: "offer"),
            .offer(contact: contact("2"), agent: agent("a"), queue: "billing", kind: .call, ringDeadline: t(18)),
        ])
        XCTAssertEqual(acd.statistics["billing"]?.abandoned, 1)
        XCTAssertNil(acd.advance(to: t(17)).first)
    }

    // MARK: Agent states

    func testImpossibleTransitionsAreRefusedAndChangeNothing() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        XCTAssertThrowsError(try acd.makeAvailable(agent("a"), now: t(0))) {
            XCTAssertEqual($0 as? ACDError, ACDError(.unknownAgent, "Agent a is not logged in; log in first."))
        }
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        XCTAssertThrowsError(try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))) {
            XCTAssertEqual(($0 as? ACDError)?.code, .impossibleTransition)
        }
        XCTAssertThrowsError(try acd.endWrapUp(agent("a"), now: t(1))) {
            XCTAssertEqual($0 as? ACDError, ACDError(.impossibleTransition, "Agent a is not in wrap-up (available); nothing to end."))
        }
        _ = try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(1))
        XCTAssertThrowsError(try acd.logout(agent("a"), now: t(2))) {
            XCTAssertEqual(($0 as? ACDError)?.message, "Agent a's phone is ringing with 1; answer it or let it ring out before logging out.")
        }
        XCTAssertThrowsError(try acd.makeNotReady(agent("a"), reason: .break, now: t(2))) {
            XCTAssertEqual(($0 as? ACDError)?.code, .impossibleTransition)
        }
        _ = try acd.offerAnswered(contact("1"), now: t(3))
        XCTAssertThrowsError(try acd.logout(agent("a"), now: t(4))) {
            XCTAssertEqual(($0 as? ACDError)?.message, "Agent a is on a call (1); end or transfer it before logging out.")
        }
        XCTAssertEqual(acd.state(of: agent("a")), .onCall(contact("1")))
        XCTAssertThrowsError(try acd.login(AgentProfile(id: agent("x"), skills: ["billing": 11]), ready: true, now: t(0))) {
            XCTAssertEqual(($0 as? ACDError)?.message, "Agent x has skill billing at level 11; levels run 1 to 10.")
        }
    }

    func testNotReadyChosenDuringACallIsTakenAfterWrapUp() throws {
        var acd = try ACDEngine(queues: [Self.queue { $0.wrapUpSeconds = nil }])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(1))
        _ = try acd.offerAnswered(contact("1"), now: t(2))
        XCTAssertEqual(try acd.makeNotReady(agent("a"), reason: .lunch, now: t(3)), [])
        _ = try acd.callEnded(contact("1"), now: t(4))
        XCTAssertNil(acd.nextDeadline, "wrap-up until the agent ends it")
        XCTAssertEqual(try acd.endWrapUp(agent("a"), now: t(50)), [
            .agentStateChanged(agent: agent("a"), from: .wrapUp(contact("1")), to: .notReady(.lunch), at: t(50), cause: "agent"),
        ])
    }

    func testForcedLogoutWhileRingingPutsTheContactBack() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(1))
        XCTAssertEqual(try acd.logout(agent("a"), now: t(2), force: true, cause: "supervisor"), [
            .cancelOffer(contact: contact("1"), agent: agent("a"), reason: .ringTimeout),
            .agentStateChanged(agent: agent("a"), from: .reserved(contact("1")), to: .loggedOut, at: t(2), cause: "supervisor"),
        ])
        XCTAssertEqual(acd.position(of: contact("1")), 1)
        XCTAssertEqual(acd.state(of: agent("a")), .loggedOut)
    }

    func testAnnouncementsGivePositionAndEstimatedWait() throws {
        var acd = try ACDEngine(queues: [Self.queue { $0.announceEverySeconds = 30; $0.defaultHandleSeconds = 120 }])
        _ = try acd.login(AgentProfile(id: agent("a"), skills: ["billing": 5]), ready: false, now: t(0))
        _ = try acd.makeNotReady(agent("a"), reason: .break, now: t(0))
        _ = try acd.login(AgentProfile(id: agent("b"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("busy"), queue: "billing"), now: t(0))   // b takes it
        _ = try acd.offerAnswered(contact("busy"), now: t(1))
        _ = try acd.enqueue(ContactRequest(id: contact("1"), queue: "billing"), now: t(2))
        _ = try acd.enqueue(ContactRequest(id: contact("2"), queue: "billing"), now: t(3))
        // One agent staffed (a is not ready): position × 120 s ÷ 1.
        XCTAssertEqual(acd.advance(to: t(33)), [
            .announce(contact: contact("1"), position: 1, estimatedWaitSeconds: 120),
            .announce(contact: contact("2"), position: 2, estimatedWaitSeconds: 240),
        ])
    }

    // MARK: Configuration

    func testQueueConfigurationProblemsAreExplained() {
        let bad = QueueConfiguration(id: "billing", requiredSkills: [SkillRequirement("billing", minimumLevel: 5)],
                                     maximumWaitSeconds: 300,
                                     escalation: [EscalationStep(afterSeconds: 60, .relaxMinimumLevel(to: 6)),
                                                  EscalationStep(afterSeconds: 400, .addSkill(SkillRequirement("general"))),
                                                  EscalationStep(afterSeconds: 200, .overflow(to: "nowhere")),
                                                  EscalationStep(afterSeconds: 250, .relaxMinimumLevel(to: 1))])
        XCTAssertEqual(QueueConfiguration.problems([bad]).map(\.description), [
            "queue billing, escalation step 1: relaxes to level 6, but no requirement is above it by then; lower the level or remove the step",
            "queue billing, escalation step 2: runs at 400 s, at or after the maximum wait (300 s), so it never changes who answers; make it earlier or raise the maximum wait",
            "queue billing, escalation step 3: runs at 200 s, not after the step before it (400 s); list steps in time order",
            "queue billing, escalation step 3: overflows to queue nowhere, which does not exist; define it or fix the name",
            "queue billing, escalation step 4: runs at 250 s, not after the step before it (400 s); list steps in time order",
            "queue billing, escalation step 4: can never run: the contact has left for another queue at 200 s; remove it or move it before the overflow",
        ])
        let a = QueueConfiguration(id: "a", requiredSkills: [SkillRequirement("x")], escalation: [EscalationStep(afterSeconds: 10, .overflow(to: "b"))])
        let b = QueueConfiguration(id: "b", requiredSkills: [SkillRequirement("y")], escalation: [EscalationStep(afterSeconds: 10, .overflow(to: "a"))])
        XCTAssertEqual(QueueConfiguration.problems([a, b]).map(\.description), [
            "queue a: overflow goes round in a loop (a -> b -> a); end the chain at a queue that does not overflow",
            "queue b: overflow goes round in a loop (b -> a -> b); end the chain at a queue that does not overflow",
        ])
        XCTAssertThrowsError(try ACDEngine(queues: [a, b]))
    }
}

extension ACDEngineTests {
    /// An agent's own outbound call (offered to them only): unanswered, it is dropped,
    /// never offered to the other free agent, and the agent is available again.
    func testAContactForOneAgentOnlyIsDroppedWhenTheyDoNotTakeIt() throws {
        var acd = try ACDEngine(queues: [Self.queue()])
        _ = try acd.login(AgentProfile(id: agent("a1"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.login(AgentProfile(id: agent("a2"), skills: ["billing": 5]), ready: true, now: t(1))
        let request = ContactRequest(id: contact("out"), queue: "billing", kind: .callback(number: "13912345678"), onlyTo: agent("a2"))
        XCTAssertEqual(offers(try acd.offerDirect(request, to: agent("a2"), now: t(2))), ["out->a2"])
        XCTAssertEqual(acd.advance(to: t(17)), [
            .cancelOffer(contact: contact("out"), agent: agent("a2"), reason: .ringTimeout),
            .agentStateChanged(agent: agent("a2"), from: .reserved(contact("out")), to: .available, at: t(17), cause: "ring no answer"),
        ])
        XCTAssertNil(acd.contact(contact("out")))
        XCTAssertEqual(acd.state(of: agent("a1")), .available)
        // The same after a refusal.
        XCTAssertEqual(offers(try acd.offerDirect(request, to: agent("a2"), now: t(20))), ["out->a2"])
        XCTAssertEqual(try acd.offerFailed(contact("out"), .busy, now: t(21)), [
            .agentStateChanged(agent: agent("a2"), from: .reserved(contact("out")), to: .available, at: t(21), cause: "busy"),
        ])
        XCTAssertNil(acd.contact(contact("out")))
    }
}
