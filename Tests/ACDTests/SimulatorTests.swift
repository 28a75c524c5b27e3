import ACD
import Dispatch
import HotlineModel
import XCTest

final class SimulatorTests: XCTestCase {
    func testErlangFormulasMatchKnownValues() {
        // Values from the closed forms computed independently (Python, exact recurrence).
        XCTAssertEqual(ErlangC(agents: 1, traffic: 2.0 / 3).probabilityOfWaiting, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(ErlangC(agents: 10, traffic: 8).blocking, 0.1216610642529515, accuracy: 1e-12)
        XCTAssertEqual(ErlangC(agents: 10, traffic: 8).probabilityOfWaiting, 0.4091801507964435, accuracy: 1e-12)
        XCTAssertEqual(ErlangC(agents: 10, traffic: 8).averageSpeedOfAnswer(meanHandleSeconds: 180), 36.826213571679915, accuracy: 1e-9)
        XCTAssertEqual(ErlangC(agents: 100, traffic: 92).probabilityOfWaiting, 0.3116152093024915, accuracy: 1e-12)
        XCTAssertEqual(ErlangC(agents: 150, traffic: 140).averageSpeedOfAnswer(meanHandleSeconds: 240), 7.284703863648893, accuracy: 1e-9)
        XCTAssertEqual(ErlangC(agents: 5, traffic: 6).probabilityOfWaiting, 1)
        // Service level 1 − C·e^(−(c−A)t/h) for c = 10, A = 8, t = 20 s, h = 180 s.
        XCTAssertEqual(ErlangC(agents: 10, traffic: 8).serviceLevel(within: 20, meanHandleSeconds: 180),
                       1 - 0.4091801507964435 * 0.8007374029168081, accuracy: 1e-9)
    }

    /// A large center, c = 100 at 92 % occupancy: two runs of 4,600 simulated hours
    /// (8.5 million contacts each) side by side on two cores, pooled. The ASA of a center
    /// this size settles slowly (from 20 batch means, the 95 % interval of one 500-hour run
    /// is ±11 %), so the pooled interval is checked to be tight before the 5 % comparison.
    func testALargeCenterAgreesWithErlangC() throws {
        let traffic = 92.0, handle = 180.0, agents = 100
        let box = ResultBox(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let config = SimulationConfiguration(arrivalsPerHour: traffic / handle * 3600, handle: .exponential(meanSeconds: handle),
                                                 agents: agents, hours: 4600, warmUpHours: 2, seed: UInt64(11 + i))
            box.set(i, try? Simulator(config).run())
        }
        let runs = try box.results.map { try XCTUnwrap($0) }
        let answered = Double(runs.reduce(0) { $0 + $1.answered })
        let asa = runs.reduce(0) { $0 + $1.totalWaitSeconds } / answered
        let waited = Double(runs.reduce(0) { $0 + $1.waited }) / answered
        // Pooled standard error of the two runs' batch means.
        let asaError = (runs.reduce(0) { $0 + $1.averageSpeedOfAnswerStandardError * $1.averageSpeedOfAnswerStandardError }).squareRoot() / 2
        let theory = ErlangC(agents: agents, traffic: traffic)
        let expectedASA = theory.averageSpeedOfAnswer(meanHandleSeconds: handle)
        XCTAssertLessThan(1.96 * asaError / expectedASA, 0.04, "the runs are too short to judge 5 %")
        XCTAssertEqual(waited, theory.probabilityOfWaiting, accuracy: 0.05 * theory.probabilityOfWaiting, "P(wait)")
        XCTAssertEqual(asa, expectedASA, accuracy: 0.05 * expectedASA, "ASA")
        XCTAssertGreaterThan(runs[0].contactsSimulated, 8_000_000)
    }

    /// M/M/c without abandonment: the simulated probability of waiting and ASA are within
    /// 5 % of Erlang C for small centers (c = 1, c = 10).
    func testTheSimulatorAgreesWithErlangC() throws {
        // Long enough for the 95 % interval of the ASA to be under ±4 % (checked below).
        let cases: [(agents: Int, traffic: Double, handle: Double, hours: Double)] = [
            (1, 2.0 / 3, 60, 3000),
            (10, 8, 180, 10000),
        ]
        for c in cases {
            let arrivals = c.traffic / c.handle * 3600
            let config = SimulationConfiguration(arrivalsPerHour: arrivals, handle: .exponential(meanSeconds: c.handle),
                                                 agents: c.agents, hours: c.hours, warmUpHours: 2, seed: 7)
            let result = try Simulator(config).run()
            let theory = ErlangC(agents: c.agents, traffic: c.traffic)
            let pw = theory.probabilityOfWaiting
            let asa = theory.averageSpeedOfAnswer(meanHandleSeconds: c.handle)
            XCTAssertEqual(result.abandoned, 0)
            XCTAssertLessThan(1.96 * result.averageSpeedOfAnswerStandardError / asa, 0.04, "c=\(c.agents): the run is too short to judge 5 %")
            XCTAssertEqual(result.probabilityOfWaiting, pw, accuracy: 0.05 * pw, "c=\(c.agents) A=\(c.traffic): P(wait)")
            XCTAssertEqual(result.averageSpeedOfAnswer, asa, accuracy: 0.05 * asa, "c=\(c.agents) A=\(c.traffic): ASA")
            XCTAssertEqual(result.occupancy, c.traffic / Double(c.agents), accuracy: 0.02, "c=\(c.agents): occupancy")
        }
    }

    func testAbandonmentAndSchedules() throws {
        // Too few agents for the traffic, callers who give up after 60 s on average: some abandon.
        var config = SimulationConfiguration(arrivalsPerHour: 120, handle: .exponential(meanSeconds: 180),
                                             patience: .exponential(meanSeconds: 60), agents: 4, hours: 200, seed: 3)
        let short = try Simulator(config).run()
        XCTAssertGreaterThan(short.abandonment, 0.1)
        XCTAssertEqual(short.arrived, short.answered + short.abandoned, accuracy: 10)   // a few still up at the end
        // Twice the agents from hour 0 of each day: the same seed abandons far less.
        config.schedule = [(0, 8)]
        let staffed = try Simulator(config).run()
        XCTAssertLessThan(staffed.abandonment, short.abandonment / 2)
        // A day with 4 agents for 12 hours then 8: between the two.
        config.schedule = [(0, 4), (12, 8)]
        config.scheduleHours = 24
        let mixed = try Simulator(config).run()
        XCTAssertGreaterThan(mixed.abandonment, staffed.abandonment)
        XCTAssertLessThan(mixed.abandonment, short.abandonment)
        XCTAssertEqual(mixed.staffedSeconds / 3600, 200 * 6, accuracy: 200 * 6 * 0.02)   // 6 agents on average
    }
}

/// The concurrent runs' results, written under a serial queue.
final class ResultBox: @unchecked Sendable {
    private let queue = DispatchQueue(label: "results")
    private var stored: [SimulationResult?]
    init(count: Int) { stored = [SimulationResult?](repeating: nil, count: count) }
    func set(_ i: Int, _ result: SimulationResult?) { queue.sync { stored[i] = result } }
    var results: [SimulationResult?] { queue.sync { stored } }
}
