import ACD
import HotlineModel
import XCTest

/// Attended transfers (consultations) and agents lost mid-call, with exact actions.
final class ACDConsultationTests: XCTestCase {
    /// a1 on c1 (answered at 5 s), a2 available; queue wrap-up 10 s.
    private func onCall() throws -> ACDEngine {
        var acd = try ACDEngine(queues: [ACDEngineTests.queue()])
        _ = try acd.login(AgentProfile(id: agent("a1"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("c1"), queue: "billing"), now: t(1))
        _ = try acd.offerAnswered(contact("c1"), now: t(5))
        _ = try acd.login(AgentProfile(id: agent("a2"), skills: ["other": 5]), ready: true, now: t(6))
        return acd
    }

    func testACompletedConsultationHandsTheCallerToTheConsultedAgent() throws {
        var acd = try onCall()
        XCTAssertEqual(try acd.beginConsultation(contact("k1"), on: contact("c1"), with: agent("a2"), now: t(20)), [
            .agentStateChanged(agent: agent("a2"), from: .available, to: .reserved(contact("k1")), at: t(20), cause: "consultation"),
        ])
        XCTAssertEqual(acd.consultation(on: contact("c1"))?.id, contact("k1"))
        XCTAssertEqual(try acd.consultationAnswered(contact("k1"), now: t(23)), [
            .agentStateChanged(agent: agent("a2"), from: .reserved(contact("k1")), to: .onCall(contact("k1")), at: t(23),
                               cause: "consultation answered"),
        ])
        XCTAssertEqual(try acd.completeConsultation(contact("k1"), now: t(40)), [
            .agentStateChanged(agent: agent("a1"), from: .onCall(contact("c1")), to: .wrapUp(contact("c1")), at: t(40), cause: "transferred"),
            .agentStateChanged(agent: agent("a2"), from: .onCall(contact("k1")), to: .onCall(contact("c1")), at: t(40),
                               cause: "transfer completed"),
        ])
        XCTAssertEqual(acd.agent(on: contact("c1")), agent("a2"))
        XCTAssertNil(acd.consultation(contact("k1")))
        // The caller's call ends with the new agent, who wraps it up.
        XCTAssertEqual(try acd.callEnded(contact("c1"), now: t(90)), [
            .agentStateChanged(agent: agent("a2"), from: .onCall(contact("c1")), to: .wrapUp(contact("c1")), at: t(90), cause: "call ended"),
        ])
        XCTAssertEqual(acd.advance(to: t(100)), [
            .agentStateChanged(agent: agent("a1"), from: .wrapUp(contact("c1")), to: .available, at: t(50), cause: "wrap-up time over"),
            .agentStateChanged(agent: agent("a2"), from: .wrapUp(contact("c1")), to: .available, at: t(100), cause: "wrap-up time over"),
        ])
    }

    func testACancelledConsultationLeavesTheCallWithTheFirstAgent() throws {
        var acd = try onCall()
        _ = try acd.beginConsultation(contact("k1"), on: contact("c1"), with: agent("a2"), now: t(20))
        _ = try acd.consultationAnswered(contact("k1"), now: t(23))
        XCTAssertEqual(try acd.endConsultation(contact("k1"), now: t(30)), [
            .agentStateChanged(agent: agent("a2"), from: .onCall(contact("k1")), to: .available, at: t(30), cause: "consultation ended"),
        ])
        XCTAssertEqual(acd.state(of: agent("a1")), .onCall(contact("c1")))
        XCTAssertNil(acd.consultation(on: contact("c1")))
        // Nothing to complete any more.
        XCTAssertThrowsError(try acd.completeConsultation(contact("k1"), now: t(31)))
    }

    func testAConsultedPhoneThatDoesNotAnswerIsAMissedCall() throws {
        var acd = try onCall()
        _ = try acd.beginConsultation(contact("k1"), on: contact("c1"), with: agent("a2"), now: t(20))
        XCTAssertThrowsError(try acd.completeConsultation(contact("k1"), now: t(21))) { error in
            XCTAssertEqual((error as? ACDError)?.code, .impossibleTransition)
        }
        XCTAssertEqual(try acd.endConsultation(contact("k1"), failure: .noAnswer, now: t(35)), [
            .agentStateChanged(agent: agent("a2"), from: .reserved(contact("k1")), to: .notReady(.missedCall), at: t(35),
                               cause: "consultation no-answer"),
        ])
    }

    func testAConsultationIsRefusedUnlessTheTargetIsFreeAndTheCallIsUp() throws {
        var acd = try onCall()
        func code(_ body: () throws -> [ACDAction]) -> ACDError.Code? {
            do { _ = try body(); return nil } catch { return (error as? ACDError)?.code }
        }
        XCTAssertEqual(code { try acd.beginConsultation(contact("k1"), on: contact("nope"), with: agent("a2"), now: t(20)) }, .unknownContact)
        XCTAssertEqual(code { try acd.beginConsultation(contact("k1"), on: contact("c1"), with: agent("a1"), now: t(20)) }, .impossibleTransition)
        XCTAssertEqual(code { try acd.beginConsultation(contact("k1"), on: contact("c1"), with: agent("a9"), now: t(20)) }, .agentNotAvailable)
        _ = try acd.makeNotReady(agent("a2"), reason: .lunch, now: t(21))
        XCTAssertEqual(code { try acd.beginConsultation(contact("k1"), on: contact("c1"), with: agent("a2"), now: t(22)) }, .agentNotAvailable)
        XCTAssertEqual(acd.state(of: agent("a2")), .notReady(.lunch))
        _ = try acd.makeAvailable(agent("a2"), now: t(23))
        _ = try acd.beginConsultation(contact("k1"), on: contact("c1"), with: agent("a2"), now: t(24))
        _ = try acd.login(AgentProfile(id: agent("a3"), skills: ["other": 5]), ready: true, now: t(25))
        XCTAssertEqual(code { try acd.beginConsultation(contact("k2"), on: contact("c1"), with: agent("a3"), now: t(26)) },
                       .impossibleTransition, "one consultation at a time")
        XCTAssertEqual(acd.state(of: agent("a3")), .available)
    }

    func testAConsultedAgentIsNotOfferedQueueCalls() throws {
        var acd = try onCall()
        _ = try acd.updateSkills(agent("a2"), skills: ["billing": 5], now: t(7))
        _ = try acd.beginConsultation(contact("k1"), on: contact("c1"), with: agent("a2"), now: t(20))
        XCTAssertEqual(offers(try acd.enqueue(ContactRequest(id: contact("c2"), queue: "billing"), now: t(21))), [])
        // Cancelled: a2 is free again and takes the waiting caller.
        XCTAssertEqual(offers(try acd.endConsultation(contact("k1"), now: t(22))), ["c2->a2"])
    }

    func testALostAgentIsNotReadyAndTheCallerKeepsTheirPlace() throws {
        var acd = try ACDEngine(queues: [ACDEngineTests.queue()])
        _ = try acd.login(AgentProfile(id: agent("a1"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("c1"), queue: "billing"), now: t(1))
        _ = try acd.offerAnswered(contact("c1"), now: t(5))
        _ = try acd.enqueue(ContactRequest(id: contact("c2"), queue: "billing"), now: t(10))
        let back = ContactRequest(id: contact("c1"), queue: "billing", waitingSince: t(1))
        XCTAssertEqual(try acd.agentLost(contact("c1"), requeue: back, now: t(60)), [
            .agentStateChanged(agent: agent("a1"), from: .onCall(contact("c1")), to: .notReady(.phoneUnavailable), at: t(60),
                               cause: "phone lost mid-call"),
            .queued(contact: contact("c1"), queue: "billing", position: 1),
        ])
        XCTAssertNil(acd.agent(on: contact("c1")))
        _ = try acd.login(AgentProfile(id: agent("a2"), skills: ["billing": 5]), ready: true, now: t(61))
        XCTAssertEqual(acd.state(of: agent("a2")), .reserved(contact("c1")), "c1 waited since 1 s, before c2")
        XCTAssertEqual(acd.statistics["billing"]?.entered, 2)
    }

    func testALostAgentWithoutRequeueJustEndsTheirPart() throws {
        var acd = try ACDEngine(queues: [ACDEngineTests.queue()])
        _ = try acd.login(AgentProfile(id: agent("a1"), skills: ["billing": 5]), ready: true, now: t(0))
        _ = try acd.enqueue(ContactRequest(id: contact("c1"), queue: "billing"), now: t(1))
        _ = try acd.offerAnswered(contact("c1"), now: t(5))
        XCTAssertThrowsError(try acd.agentLost(contact("c1"), requeue: ContactRequest(id: contact("c1"), queue: "nope"), now: t(9)))
        XCTAssertEqual(acd.state(of: agent("a1")), .onCall(contact("c1")), "a refused command changes nothing")
        XCTAssertEqual(try acd.agentLost(contact("c1"), requeue: nil, now: t(10)), [
            .agentStateChanged(agent: agent("a1"), from: .onCall(contact("c1")), to: .notReady(.phoneUnavailable), at: t(10),
                               cause: "phone lost mid-call"),
        ])
        XCTAssertNil(acd.contact(contact("c1")))
    }
}
