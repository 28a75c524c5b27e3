import ACD
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

    /// M/M/c without abandonment: the simulated probability of waiting and ASA are within
    /// 5 % of Erlang C. (Large centers, c >= 100, need thousands of hours for the ASA to
    /// settle within 5 %; that check waits for a faster engine, see docs/benchmarks.md.)
    func testTheSimulatorAgreesWithErlangC() throws {
        let cases: [(agents: Int, traffic: Double, handle: Double, hours: Double)] = [
            (1, 2.0 / 3, 60, 1000),
            (10, 8, 180, 1000),
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
