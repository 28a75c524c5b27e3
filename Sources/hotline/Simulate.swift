import ACD
import ArgumentParser

/// `hotline simulate`: the routing engine under synthetic traffic on a manual clock.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a queue with the real routing engine: Poisson arrivals, handle times, abandonment, agent schedules; prints service level, ASA, abandonment and occupancy.",
        discussion: """
            Example: hotline simulate --arrivals-per-hour 1800 --handle-seconds 180 --agents 95 --hours 1000
            Without --patience-seconds nobody hangs up, and the Erlang C figures for the same
            traffic are printed beside the simulated ones.
            """)

    @Option(name: .customLong("arrivals-per-hour"), help: "Mean arrivals per hour (Poisson).") var arrivalsPerHour: Double
    @Option(name: .customLong("handle-seconds"), help: "Mean handle time in seconds (exponential unless --fixed-handle).")
    var handleSeconds: Double
    @Flag(name: .customLong("fixed-handle"), help: "Every call lasts exactly --handle-seconds.") var fixedHandle = false
    @Option(name: .customLong("patience-seconds"), help: "Mean patience before a caller hangs up (exponential); omit for none.")
    var patienceSeconds: Double?
    @Option(help: "Agents staffed (or use --schedule).") var agents: Int?
    @Option(help: "Agents by hour: \"0:20,8:35,18:10\" (20 from hour 0, 35 from hour 8, ...), repeated every --schedule-hours.")
    var schedule: String?
    @Option(name: .customLong("schedule-hours"), help: "Length of the schedule's cycle in hours.") var scheduleHours: Double = 24
    @Option(help: "Simulated hours counted.") var hours: Double = 1000
    @Option(name: .customLong("warm-up-hours"), help: "Simulated hours run first and not counted.") var warmUpHours: Double = 1
    @Option(name: .customLong("service-level-seconds"), help: "The service level's answer time.") var serviceLevelSeconds: Int = 20
    @Option(help: "Routing strategy.") var strategy: String = RoutingStrategy.longestIdle.rawValue
    @Option(help: "Random seed (runs repeat exactly).") var seed: UInt64 = 1

    func validate() throws {
        guard arrivalsPerHour > 0 else { throw ValidationError("--arrivals-per-hour must be above 0") }
        guard handleSeconds > 0 else { throw ValidationError("--handle-seconds must be above 0") }
        if let patienceSeconds, patienceSeconds <= 0 { throw ValidationError("--patience-seconds must be above 0 (or left out)") }
        guard hours > 0, warmUpHours >= 0 else { throw ValidationError("--hours must be above 0 and --warm-up-hours not below 0") }
        guard (agents == nil) != (schedule == nil) else { throw ValidationError("give --agents or --schedule (one of them)") }
        if let agents, agents < 1 { throw ValidationError("--agents must be at least 1") }
        guard RoutingStrategy(rawValue: strategy) != nil else {
            throw ValidationError("--strategy is one of: \(RoutingStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try parsedSchedule()
    }

    func parsedSchedule() throws -> [(fromHour: Double, agents: Int)]? {
        guard let schedule else { return nil }
        var result: [(fromHour: Double, agents: Int)] = []
        for part in schedule.split(separator: ",") {
            let pair = part.split(separator: ":")
            guard pair.count == 2, let hour = Double(pair[0]), let n = Int(pair[1]), hour >= 0, n >= 0 else {
                throw ValidationError("--schedule entry \"\(part)\" is not HOUR:AGENTS (e.g. 8:35)")
            }
            result.append((hour, n))
        }
        guard result.first?.fromHour == 0 else { throw ValidationError("--schedule must start at hour 0 (e.g. \"0:20,8:35\")") }
        return result.sorted { $0.fromHour < $1.fromHour }
    }

    func run() throws {
        var config = SimulationConfiguration(arrivalsPerHour: arrivalsPerHour,
                                             handle: fixedHandle ? .fixed(seconds: handleSeconds) : .exponential(meanSeconds: handleSeconds),
                                             patience: patienceSeconds.map { .exponential(meanSeconds: $0) }, agents: agents ?? 0,
                                             hours: hours, warmUpHours: warmUpHours, serviceLevelSeconds: serviceLevelSeconds,
                                             strategy: RoutingStrategy(rawValue: strategy)!, seed: seed)
        if let plan = try parsedSchedule() {
            config.schedule = plan
            config.scheduleHours = scheduleHours
        }
        let started = monotonicSeconds()
        let r = try Simulator(config).run()
        let elapsed = monotonicSeconds() - started
        print("simulated \(fmt(hours)) h (+\(fmt(warmUpHours)) h warm-up): \(r.arrived) arrived, \(r.answered) answered, \(r.abandoned) abandoned")
        print("service level (answered within \(serviceLevelSeconds) s / answered + abandoned): \(fmt(r.serviceLevel * 100, 2)) %")
        print("ASA: \(fmt(r.averageSpeedOfAnswer, 3)) s ± \(fmt(1.96 * r.averageSpeedOfAnswerStandardError, 3)); "
              + "waited at all: \(fmt(r.probabilityOfWaiting * 100, 3)) % ± \(fmt(196 * r.probabilityOfWaitingStandardError, 3)) "
              + "(± 95 % from \(SimulationResult.batchCount) batch means)")
        print("abandonment: \(fmt(r.abandonment * 100, 2)) %; occupancy: \(fmt(r.occupancy * 100, 2)) %")
        if let agents, patienceSeconds == nil, !fixedHandle {
            let traffic = arrivalsPerHour * handleSeconds / 3600
            let erlang = ErlangC(agents: agents, traffic: traffic)
            if traffic < Double(agents) {
                print("Erlang C (\(agents) agents, \(fmt(traffic, 2)) erlangs): waited \(fmt(erlang.probabilityOfWaiting * 100, 3)) %, "
                      + "ASA \(fmt(erlang.averageSpeedOfAnswer(meanHandleSeconds: handleSeconds), 3)) s, "
                      + "service level \(fmt(erlang.serviceLevel(within: Double(serviceLevelSeconds), meanHandleSeconds: handleSeconds) * 100, 2)) %")
            } else {
                print("Erlang C: \(fmt(traffic, 2)) erlangs on \(agents) agents never settles (the queue grows without end)")
            }
        }
        print("speed: \(r.contactsSimulated) contacts in \(fmt(elapsed, 2)) s = \(Int(Double(r.contactsSimulated) / max(elapsed, 1e-9))) contacts/s")
    }
}
