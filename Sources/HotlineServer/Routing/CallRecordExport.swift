import HotlineModel
import IVR

// Exports of call records for tools outside Hotline: a CSV file for spreadsheets and BI,
// and Asterisk's queue_log for the queue-reporting tools built on it. Pure functions of
// the records: the caller reads them from the store and writes the text where it wants.

/// Call records as CSV (RFC 4180): one header line, then one line per record, every line
/// ending in CRLF, UTF-8 text passed through as it is (Chinese names stay readable).
///
/// A field is quoted (`"..."`, inner quotes doubled) when it holds a comma, a quote, CR or
/// LF (RFC 4180 §2.6, §2.7). Spreadsheet-injection guard (OWASP "CSV Injection"): a field
/// starting with `=`, `+`, `-`, `@`, a tab or CR gets a leading apostrophe so a spreadsheet
/// shows it as text instead of running it as a formula. That includes caller numbers in
/// international form: `+8613800138000` is written `'+8613800138000`; strip the apostrophe
/// when importing into a tool that does not evaluate formulas. Hotline's own numeric
/// columns are never negative, so no number is touched.
///
/// Times are ISO 8601 in UTC with milliseconds (`2026-11-25T08:00:00.123Z`), lengths are
/// seconds with three decimals (`12.345`); an absent value is an empty field.
public enum CallRecordCSV {
    /// The columns, in order.
    public static let columns = [
        "interaction_id", "sip_call_id", "caller", "dialled", "arrived_at", "ivr_ended_at", "queued_at",
        "first_offered_at", "answered_at", "ended_at", "ivr_path", "ivr_outcome", "queue", "queues", "wait_s",
        "talk_s", "hold_s", "wrap_up_s", "agents", "offers", "transfers", "disposition", "recording", "outcome",
        "end_reason",
    ]

    /// The header line, CRLF included.
    public static var header: String { line(columns) }

    /// `2026-11-25` (midnight UTC) or `2026-11-25T08:30:00Z`.
    public static func timestamp(_ text: String) -> Timestamp? {
        let parts = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int64($0) }
        guard date.count == 3, let y = date[0], let m = date[1], let d = date[2], (1970...9999).contains(y),
              (1...12).contains(m) else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let monthDays: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthDays[Int(m - 1)]).contains(d) else { return nil }
        var seconds: Int64 = 0
        if parts.count == 2 {
            guard parts[1].hasSuffix("Z") else { return nil }
            let clock = parts[1].dropLast().split(separator: ":", omittingEmptySubsequences: false).map { Int64($0) }
            guard clock.count == 3, let h = clock[0], let mi = clock[1], let s = clock[2], (0...23).contains(h),
                  (0...59).contains(mi), (0...59).contains(s) else { return nil }
            seconds = h * 3600 + mi * 60 + s
        }
        let days = Int64(LocalTime.daysSinceEpoch(year: Int(y), month: Int(m), day: Int(d)))
        return Timestamp(millisecondsSinceEpoch: (days * 86_400 + seconds) * 1000)
    }

    /// One record's line, CRLF included: append it to ``header`` and the lines before.
    public static func row(_ record: CallRecord) -> String {
        line([
            record.interactionID.rawValue,
            record.sipCallID ?? "",
            record.caller,
            record.dialled,
            iso8601(record.arrivedAt),
            record.ivrEndedAt.map(iso8601) ?? "",
            record.queuedAt.map(iso8601) ?? "",
            record.firstOfferedAt.map(iso8601) ?? "",
            record.answeredAt.map(iso8601) ?? "",
            record.endedAt.map(iso8601) ?? "",
            record.ivrPath.joined(separator: " > "),
            record.ivrOutcome ?? "",
            record.queue ?? "",
            record.queues.joined(separator: "|"),
            record.waitMs.map(seconds) ?? "",
            seconds(record.talkMs),
            seconds(record.holdMs),
            seconds(record.wrapUpMs),
            record.agents.map(\.rawValue).joined(separator: "|"),
            String(record.segments.count),
            String(record.transfers.count),
            record.disposition ?? "",
            record.recordingPath ?? "",
            record.outcome?.rawValue ?? "",
            record.endReason ?? "",
        ])
    }

    private static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// The guard, then RFC 4180 quoting.
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else {
            return value
        }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { quoted.unicodeScalars.append("\"") }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }

    /// `2026-11-25T08:00:00.123Z`.
    static func iso8601(_ time: Timestamp) -> String { time.iso8601 }

    /// Milliseconds as seconds with three decimals: `12345` → `12.345`.
    static func seconds(_ milliseconds: Int64) -> String {
        let sign = milliseconds < 0 ? "-" : ""
        let magnitude = milliseconds.magnitude
        return "\(sign)\(magnitude / 1000).\(padded(Int64(magnitude % 1000), 3))"
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (the IVR's calendar, UTC).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let local = LocalTime(Timestamp(millisecondsSinceEpoch: days * 86_400_000), utcOffsetMinutes: 0)
        return (Int64(local.year), Int64(local.month), Int64(local.day))
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// A call record as the lines Asterisk's `app_queue` would have written to its
/// `queue_log`, so queue-reporting tools made for Asterisk can read Hotline's calls.
///
/// Each line is `epoch|callid|queuename|agent|event|data1|data2|...` without a line end
/// (the file writer adds `\n`, as Asterisk does). The event fields follow the Asterisk
/// documentation "Queue Logs" (docs.asterisk.org/Operation/Logging/Queue-Logs/) and the
/// `ast_queue_log` calls in `apps/app_queue.c`:
///
/// | event | data | written for |
/// |---|---|---|
/// | `ENTERQUEUE` | url, callerid | joining the first queue, and each queue a completed transfer sent the call to |
/// | `RINGNOANSWER` | ringtime (ms) | a segment `no-answer`, `busy` or `unreachable` (app_queue's `rna()` logs all three) |
/// | `CONNECT` | holdtime, bridged channel uniqueid, ringtime | an answered segment |
/// | `COMPLETECALLER` / `COMPLETEAGENT` | holdtime, calltime, origposition | an answered segment's end; AGENT when ``CallRecord/endReason`` is `agent hung up` |
/// | `TRANSFER` | extension, context, holdtime, calltime, origposition | a completed transfer ending an agent's segment |
/// | `ABANDON` | position, origposition, waittime | outcome `abandoned-in-queue` or `abandoned-ringing` |
/// | `EXITWITHTIMEOUT` | position, origposition, waittime | outcome `callback` or `voicemail` with end reason `max wait` |
/// | `EXITWITHKEY` | key, position, origposition, waittime | outcome `callback` or `voicemail` chosen by the caller while waiting |
///
/// Mapping choices, where Hotline's records and Asterisk's channels differ:
/// - `callid` is the interaction id (Asterisk: the caller channel's uniqueid), and the
///   "bridged channel uniqueid" of CONNECT is `<interaction id>-<segment position>`.
/// - Times in seconds are differences of the lines' epoch seconds, as app_queue computes
///   them from `time_t`s; RINGNOANSWER's ring time is exact milliseconds.
/// - Holdtime and waittime count from joining the queue the call was offered from (a
///   transfer to a queue starts a new wait there), as app_queue's `qe->start` does.
/// - TRANSFER is written for blind and attended transfers alike (Asterisk 1.8 to 11 log
///   both as TRANSFER; 12 and later split them into BLINDTRANSFER and ATTENDEDTRANSFER).
///   It has the five fields of Asterisk 1.6 and later; the context is the target's kind
///   (`queue`, `agent` or `number`), the extension the queue name, agent id or number.
/// - Records keep no queue positions, so position and origposition are written as 1;
///   EXITWITHKEY's key is not recorded either and is left empty.
/// - A `|`, CR or LF inside a value (a caller name, a queue) becomes `_`.
/// A record that never queued (self-served, abandoned in the IVR) has no lines.
public enum QueueLog {
    public static func lines(for record: CallRecord) -> [String] {
        guard let queuedAt = record.queuedAt, let firstQueue = record.queues.first ?? record.queue else { return [] }
        let callID = record.interactionID.rawValue
        var events: [(at: Int64, order: Int, line: String)] = []
        func add(_ at: Timestamp, _ queue: String, _ agent: String, _ event: String, _ data: [String]) {
            let fields = [String(epoch(at)), callID, queue, agent, event] + data
            events.append((at.millisecondsSinceEpoch, events.count, fields.map(clean).joined(separator: "|")))
        }

        // Where the call waited: the first queue, then each queue a transfer sent it to.
        var entries = [(at: queuedAt, queue: firstQueue)]
        for transfer in record.transfers where transfer.completed {
            if case .queue(let queue) = transfer.target { entries.append((transfer.at, queue)) }
        }
        add(queuedAt, firstQueue, "NONE", "ENTERQUEUE", ["", record.caller])
        func entry(at time: Timestamp) -> (at: Timestamp, queue: String) {
            entries.last(where: { $0.at <= time }) ?? entries[0]
        }

        for segment in record.segments {
            let joined = entry(at: segment.offeredAt)
            let queue = segment.queue ?? joined.queue
            let agent = "Agent/\(segment.agentID.rawValue)"
            switch segment.result {
            case .noAnswer, .busy, .unreachable:
                let end = segment.endedAt ?? segment.offeredAt
                add(end, queue, agent, "RINGNOANSWER",
                    [String(end.millisecondsSinceEpoch - segment.offeredAt.millisecondsSinceEpoch)])
            case .ringing, .cancelled:
                break  // still ringing, or the caller left: ABANDON below says so
            case .answered, .transferred, .lost:
                guard let answered = segment.answeredAt else { break }
                let hold = seconds(from: joined.at, to: answered)
                let ring = (answered.millisecondsSinceEpoch - segment.offeredAt.millisecondsSinceEpoch) / 1000
                add(answered, queue, agent, "CONNECT", [hold, "\(callID)-\(segment.position)", String(ring)])
                if segment.result == .transferred {
                    let transfer = record.transfers.first { transfer in
                        transfer.completed && transfer.at >= answered && transfer.at <= (segment.endedAt ?? transfer.at)
                            && (transfer.byAgent == nil || transfer.byAgent == segment.agentID)
                    }
                    if let transfer {
                        let (name, context) = target(transfer.target)
                        add(transfer.at, queue, agent, "TRANSFER",
                            [name, context, hold, seconds(from: answered, to: transfer.at), "1"])
                    }
                } else if let ended = segment.endedAt {
                    // A lost phone ended the agent's part from the agent's side.
                    let event = segment.result == .lost || record.endReason == CallRecord.EndReason.agentHungUp
                        ? "COMPLETEAGENT" : "COMPLETECALLER"
                    add(ended, queue, agent, event, [hold, seconds(from: answered, to: ended), "1"])
                }
            }
        }

        // Joining a queue by transfer is added after the segments, so that at the same
        // time it follows the TRANSFER that caused it.
        for entry in entries.dropFirst() {
            add(entry.at, entry.queue, "NONE", "ENTERQUEUE", ["", record.caller])
        }

        // Left the queue without an agent.
        if !record.segments.contains(where: { $0.answeredAt != nil }), let outcome = record.outcome {
            let last = entries[entries.count - 1]
            let queue = record.queue ?? last.queue
            // The caller left the queue when the wait ended (a voicemail or callback goes on after).
            let left = max(record.waitMs.map { queuedAt.adding(milliseconds: $0) } ?? record.endedAt ?? last.at, last.at)
            let wait = seconds(from: last.at, to: left)
            switch outcome {
            case .abandonedInQueue, .abandonedRinging:
                add(left, queue, "NONE", "ABANDON", ["1", "1", wait])
            case .callback where record.endReason == CallRecord.EndReason.maxWait,
                 .voicemail where record.endReason == CallRecord.EndReason.maxWait:
                add(left, queue, "NONE", "EXITWITHTIMEOUT", ["1", "1", wait])
            case .callback, .voicemail:
                add(left, queue, "NONE", "EXITWITHKEY", ["", "1", "1", wait])
            case .selfServed, .answered, .abandonedInIVR, .transferredOut, .failed, .interrupted:
                break
            }
        }
        return events.sorted { ($0.at, $0.order) < ($1.at, $1.order) }.map(\.line)
    }

    /// Whole seconds since the epoch, as in the log's first field.
    static func epoch(_ time: Timestamp) -> Int64 {
        floorDivision(time.millisecondsSinceEpoch, 1000).quotient
    }

    private static func seconds(from start: Timestamp, to end: Timestamp) -> String {
        String(epoch(end) - epoch(start))
    }

    /// The extension and context of a TRANSFER line.
    private static func target(_ target: CallTransfer.Target) -> (name: String, context: String) {
        switch target {
        case .queue(let queue): (queue, "queue")
        case .agent(let agent): (agent.rawValue, "agent")
        case .number(let number): (number, "number")
        }
    }

    private static func clean(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "|" || $0 == "\r" || $0 == "\n" }) else { return field }
        var cleaned = ""
        for scalar in field.unicodeScalars {
            cleaned.unicodeScalars.append(scalar == "|" || scalar == "\r" || scalar == "\n" ? "_" : scalar)
        }
        return cleaned
    }
}

/// `value / divisor` rounded down, and the (non-negative) remainder.
private func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
    let quotient = value / divisor
    let remainder = value % divisor
    return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
}
