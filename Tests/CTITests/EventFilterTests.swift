import XCTest
import HotlineModel
@testable import CTI

final class EventFilterTests: XCTestCase {
    static func event(_ type: String, agents: [String] = [], queues: [String] = []) -> Event {
        Event(sequence: 1, type: type, subject: "s", time: Timestamp(millisecondsSinceEpoch: 0), data: nil,
              agents: agents, queues: queues)
    }

    func testTypesAgentAndQueueMustAllMatch() throws {
        let filter = try EventFilter.parse(types: "agent.state, interaction.*", agent: "1001", queue: nil)
        XCTAssertEqual(filter.types, ["agent.state", "interaction.*"])
        XCTAssertTrue(filter.matches(Self.event("agent.state", agents: ["1001"])))
        XCTAssertTrue(filter.matches(Self.event("interaction.offered", agents: ["1001"], queues: ["cards"])))
        XCTAssertFalse(filter.matches(Self.event("interaction.offered", agents: ["1002"])))
        XCTAssertFalse(filter.matches(Self.event("queue.stats", agents: ["1001"])))
        let byQueue = try EventFilter.parse(types: nil, agent: nil, queue: "cards")
        XCTAssertTrue(byQueue.matches(Self.event("queue.stats", queues: ["cards"])))
        XCTAssertFalse(byQueue.matches(Self.event("agent.state", agents: ["1001"])))
        XCTAssertTrue(EventFilter().matches(Self.event("anything")))
    }

    func testBadParametersNameTheField() {
        XCTAssertThrowsError(try EventFilter.parse(types: "agent.sate", agent: nil, queue: nil)) { error in
            XCTAssertEqual((error as? EventFilter.Problem)?.field, "types")
            XCTAssertTrue((error as? EventFilter.Problem)?.message.hasPrefix("'agent.sate' is not an event type") == true)
        }
        XCTAssertThrowsError(try EventFilter.parse(types: ",", agent: nil, queue: nil)) { error in
            XCTAssertEqual((error as? EventFilter.Problem)?.field, "types")
        }
        XCTAssertThrowsError(try EventFilter.parse(types: nil, agent: "../1001", queue: nil)) { error in
            XCTAssertEqual((error as? EventFilter.Problem)?.field, "agent")
        }
        XCTAssertThrowsError(try EventFilter.parse(types: "nope.*", agent: nil, queue: nil))
    }

    func testViewersSeeTheirOwnEventsAndTheirQueues() {
        let agent = EventViewer(username: "1001", roles: [.agent], queues: ["telecom"])
        XCTAssertTrue(agent.maySee(Self.event("agent.state", agents: ["1001"])))
        XCTAssertTrue(agent.maySee(Self.event("interaction.offered", agents: ["1001"], queues: ["cards"])))
        XCTAssertFalse(agent.maySee(Self.event("interaction.offered", agents: ["1002"], queues: ["telecom"])),
                       "another agent's screen pop is not theirs to see")
        XCTAssertFalse(agent.maySee(Self.event("interaction.queued", queues: ["telecom"])))
        XCTAssertTrue(agent.maySee(Self.event("queue.stats", queues: ["telecom"])))
        XCTAssertFalse(agent.maySee(Self.event("queue.stats", queues: ["cards"])))

        let supervisor = EventViewer(username: "2001", roles: [.agent, .supervisor], team: ["1001"])
        XCTAssertTrue(supervisor.maySee(Self.event("agent.state", agents: ["1001"])))
        XCTAssertFalse(supervisor.maySee(Self.event("agent.state", agents: ["1002"])), "not in the team")
        XCTAssertTrue(supervisor.maySee(Self.event("agent.state", agents: ["2001"])), "themselves")
        XCTAssertTrue(supervisor.maySee(Self.event("queue.stats", queues: ["cards"])))
        XCTAssertTrue(EventViewer(username: "2001", roles: [.supervisor]).maySee(Self.event("agent.state", agents: ["1002"])))
        XCTAssertTrue(EventViewer(username: "root", roles: [.admin]).maySee(Self.event("agent.state", agents: ["1002"])))
    }
}
