import ArgumentParser
import HotlineModel
import HotlineServer
import StorageSQLite

/// `hotline export calls`: call records as CSV, or as an Asterisk `queue_log` for the
/// queue-reporting tools that read one.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export stored records for reports.",
        subcommands: [ExportCalls.self])
}

struct ExportCalls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls",
        abstract: "Call records that arrived in [--from, --to), as CSV or an Asterisk queue_log.",
        discussion: """
            Examples:
              hotline export calls --from 2026-11-01 --to 2026-12-01 > november.csv
              hotline export calls --format queue-log --queue cards --output queue_log
            Times are UTC: a day (2026-11-25) or a moment (2026-11-25T08:30:00Z).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv
        case queueLog = "queue-log"
    }

    @Option(name: .customLong("data-dir"), help: "Where the database lives (default ./data; env HOTLINE_DATA_DIR).")
    var dataDir: String?
    @Option(help: "csv (one row per call) or queue-log (Asterisk queue_log lines, in time order).")
    var format: Format = .csv
    @Option(help: "Only calls that arrived at or after this UTC day or moment.")
    var from: String?
    @Option(help: "Only calls that arrived before this UTC day or moment.")
    var to: String?
    @Option(help: "Only calls whose last queue is this one.")
    var queue: String?
    @Option(help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, CallRecordCSV.timestamp(value) == nil {
                throw ValidationError("\(name) \(value): not a UTC day or moment; write 2026-11-25 or 2026-11-25T08:30:00Z")
            }
        }
        if let from = from.flatMap(CallRecordCSV.timestamp), let to = to.flatMap(CallRecordCSV.timestamp), to <= from {
            throw ValidationError("--to must be after --from")
        }
    }

    func run() async throws {
        let directory = dataDir ?? environment()["HOTLINE_DATA_DIR"] ?? "./data"
        let store: SQLiteStore
        do {
            store = try SQLiteStore(.dataDirectory(directory))
        } catch {
            FileIO.writeStandardError("hotline export calls: \(error)\n")
            throw ExitCode(2)
        }
        var text = format == .csv ? CallRecordCSV.header : ""
        var logLines: [(at: Int64, line: String)] = []
        var count = 0
        do {
            var after: InteractionID?
            while true {
                let page = try await store.callRecords(from: from.flatMap(CallRecordCSV.timestamp), to: to.flatMap(CallRecordCSV.timestamp), queue: queue,
                                                       limit: 500, after: after)
                for record in page {
                    count += 1
                    switch format {
                    case .csv:
                        text += CallRecordCSV.row(record)
                    case .queueLog:
                        for line in QueueLog.lines(for: record) {
                            logLines.append((Int64(line.prefix { $0 != "|" }) ?? 0, line))
                        }
                    }
                }
                guard page.count == 500, let last = page.last else { break }
                after = last.interactionID
            }
            try await store.close()
        } catch {
            try? await store.close()
            FileIO.writeStandardError("hotline export calls: \(error)\n")
            throw ExitCode(1)
        }
        if format == .queueLog {
            // One log for all calls, in time order (a stable sort keeps each call's own order).
            text = logLines.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
                .map { $0.element.line + "\n" }.joined()
        }
        if let output {
            do {
                try FileIO.writeAtomically(output, text, mode: 0o640)
            } catch {
                FileIO.writeStandardError("hotline export calls: cannot write \(output): \(error)\n")
                throw ExitCode(1)
            }
            FileIO.writeStandardError("hotline export calls: \(count) calls to \(output)\n")
        } else {
            print(text, terminator: "")
        }
    }
}
