import Foundation
import HotlineModel
@testable import HotlineServer
import XCTest

/// 2026-11-25T08:00:00.000Z.
private let t0: Int64 = 1_795_593_600_000
private func at(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: t0 + ms) }

/// RONA to u-1, u-2 answers and blind-transfers to cards-vip, u-3 answers there and
/// hangs up.
private let answered = CallRecord(
    interactionID: "i-1", sipCallID: "a84b4c76e66710@pc33", caller: "+8613800138000", dialled: "10000",
    arrivedAt: at(123), ivrEndedAt: at(20_000), queuedAt: at(20_500), firstOfferedAt: at(35_000),
    answeredAt: at(62_250), endedAt: at(400_999), ivrPath: ["语言", "main-menu", "cards"], ivrOutcome: "transfer",
    queue: "cards-vip", queues: ["cards", "cards-vip"], waitMs: 41_750,
    segments: [
        CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(35_000), endedAt: at(50_000),
                    result: .noAnswer),
        CallSegment(position: 1, agentID: "u-2", queue: "cards", offeredAt: at(50_500), answeredAt: at(62_250),
                    endedAt: at(200_000), result: .transferred, talkMs: 120_000, holdMs: 18_000, wrapUpMs: 30_000),
        CallSegment(position: 2, agentID: "u-3", queue: "cards-vip", offeredAt: at(201_000), answeredAt: at(205_400),
                    endedAt: at(400_999), result: .answered, talkMs: 190_000, holdMs: 5_001, wrapUpMs: 45_000),
    ],
    transfers: [
        CallTransfer(at: at(120_000), kind: .attended, byAgent: "u-2", target: .agent("u-9"), completed: false),
        CallTransfer(at: at(200_000), kind: .blind, byAgent: "u-2", target: .queue("cards-vip"), completed: true),
    ],
    disposition: "resolved, \"VIP\"", recordingPath: "/data/rec/i-1.wav", outcome: .answered,
    endReason: "agent hung up")

final class CallRecordCSVTests: XCTestCase {
    func testExportTimesAreUTCDaysOrMoments() {
        XCTAssertEqual(CallRecordCSV.timestamp("1970-01-01"), Timestamp(millisecondsSinceEpoch: 0))
        XCTAssertEqual(CallRecordCSV.timestamp("2026-11-25"), Timestamp(millisecondsSinceEpoch: 1_795_564_800_000))
        XCTAssertEqual(CallRecordCSV.timestamp("2026-11-25T08:30:15Z"), Timestamp(millisecondsSinceEpoch: 1_795_595_415_000))
        XCTAssertEqual(CallRecordCSV.timestamp("2024-02-29"), Timestamp(millisecondsSinceEpoch: 1_709_164_800_000))
        for bad in ["2026-02-29", "2026-13-01", "2026-11-31", "2026-11-25T08:30:15", "2026-11-25T24:00:00Z", "25/11/2026",
                    "2026-11", "", "2026-11-25T08:30Z", "1969-12-31"] {
            XCTAssertNil(CallRecordCSV.timestamp(bad), bad)
        }
    }

    func testHeader() {
        XCTAssertEqual(CallRecordCSV.header, """
            interaction_id,sip_call_id,caller,dialled,arrived_at,ivr_ended_at,queued_at,first_offered_at,answered_at,\
            ended_at,ivr_path,ivr_outcome,queue,queues,wait_s,talk_s,hold_s,wrap_up_s,agents,offers,transfers,\
            disposition,recording,outcome,end_reason\r\n
            """)
    }

    func testRowWithEveryField() {
        XCTAssertEqual(CallRecordCSV.row(answered),
                       "i-1,a84b4c76e66710@pc33,'+8613800138000,10000,2026-11-25T08:00:00.123Z,2026-11-25T08:00:20.000Z,"
                       + "2026-11-25T08:00:20.500Z,2026-11-25T08:00:35.000Z,2026-11-25T08:01:02.250Z,2026-11-25T08:06:40.999Z,"
                       + "语言 > main-menu > cards,transfer,cards-vip,cards|cards-vip,41.750,310.000,23.001,75.000,u-2|u-3,3,2,"
                       + "\"resolved, \"\"VIP\"\"\",/data/rec/i-1.wav,answered,agent hung up\r\n")
    }

    func testRowWithNothingOptional() {
        let bare = CallRecord(interactionID: "i-2", caller: "=HYPERLINK(\"http://x\")", dialled: "10000", arrivedAt: at(0))
        XCTAssertEqual(CallRecordCSV.row(bare),
                       "i-2,,\"'=HYPERLINK(\"\"http://x\"\")\",10000,2026-11-25T08:00:00.000Z,,,,,,,,,,,0.000,0.000,0.000,,0,0,,,,\r\n")
    }

    func testFieldQuotingAndInjectionGuard() {
        XCTAssertEqual(CallRecordCSV.field("张三"), "张三")
        XCTAssertEqual(CallRecordCSV.field("a,b"), "\"a,b\"")
        XCTAssertEqual(CallRecordCSV.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CallRecordCSV.field("line\nbreak"), "\"line\nbreak\"")
        XCTAssertEqual(CallRecordCSV.field("cr\rlf"), "\"cr\rlf\"")
        XCTAssertEqual(CallRecordCSV.field("=1+1"), "'=1+1")
        XCTAssertEqual(CallRecordCSV.field("+8613800138000"), "'+8613800138000")
        XCTAssertEqual(CallRecordCSV.field("-2"), "'-2")
        XCTAssertEqual(CallRecordCSV.field("@SUM(A1)"), "'@SUM(A1)")
        XCTAssertEqual(CallRecordCSV.field("\tx"), "'\tx")
        XCTAssertEqual(CallRecordCSV.field("\rx"), "\"'\rx\"")
        XCTAssertEqual(CallRecordCSV.field("=a,b"), "\"'=a,b\"")
        XCTAssertEqual(CallRecordCSV.field("a=b"), "a=b")
        XCTAssertEqual(CallRecordCSV.field(""), "")
    }

    func testTimesAndLengths() {
        XCTAssertEqual(CallRecordCSV.iso8601(Timestamp(millisecondsSinceEpoch: 0)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(CallRecordCSV.iso8601(Timestamp(millisecondsSinceEpoch: -1)), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(CallRecordCSV.iso8601(Timestamp(millisecondsSinceEpoch: 951_868_799_000)), "2000-02-29T23:59:59.000Z")
        XCTAssertEqual(CallRecordCSV.iso8601(Timestamp(millisecondsSinceEpoch: 951_868_800_000)), "2000-03-01T00:00:00.000Z")
        XCTAssertEqual(CallRecordCSV.iso8601(Timestamp(millisecondsSinceEpoch: 4_107_542_399_999)), "2100-02-28T23:59:59.999Z")
        XCTAssertEqual(CallRecordCSV.seconds(0), "0.000")
        XCTAssertEqual(CallRecordCSV.seconds(5), "0.005")
        XCTAssertEqual(CallRecordCSV.seconds(12_345), "12.345")
        XCTAssertEqual(CallRecordCSV.seconds(-1_500), "-1.500")
    }

    /// Every day of 1969–2101 against Foundation's Gregorian calendar.
    func testCivilDatesMatchFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var firstMismatch: String?
        for day in Int64(-366)...Int64(48_000) {
            let date = Date(timeIntervalSince1970: TimeInterval(day) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = [parts.year, parts.month, parts.day].map { Int64($0 ?? 0) }
            let civil = CallRecordCSV.civilDate(daysSinceEpoch: day)
            if [civil.year, civil.month, civil.day] != expected {
                firstMismatch = "day \(day): \(civil) instead of \(expected)"
                break
            }
        }
        XCTAssertNil(firstMismatch)
    }
}

final class QueueLogTests: XCTestCase {
    func testAnsweredAfterRONAAndTransferToAnotherQueue() {
        XCTAssertEqual(QueueLog.lines(for: answered), [
            "1795593620|i-1|cards|NONE|ENTERQUEUE||+8613800138000",
            "1795593650|i-1|cards|Agent/u-1|RINGNOANSWER|15000",
            "1795593662|i-1|cards|Agent/u-2|CONNECT|42|i-1-1|11",
            "1795593800|i-1|cards|Agent/u-2|TRANSFER|cards-vip|queue|42|138|1",
            "1795593800|i-1|cards-vip|NONE|ENTERQUEUE||+8613800138000",
            "1795593805|i-1|cards-vip|Agent/u-3|CONNECT|5|i-1-2|4",
            "1795594000|i-1|cards-vip|Agent/u-3|COMPLETEAGENT|5|195|1",
        ])
    }

    func testCompletedByCallerAndStillUp() {
        var record = CallRecord(
            interactionID: "i-5", caller: "+8613800138000", dialled: "10000", arrivedAt: at(0), queuedAt: at(1_000),
            firstOfferedAt: at(2_000), answeredAt: at(9_999), endedAt: at(70_000), queue: "cards", queues: ["cards"],
            waitMs: 8_999,
            segments: [CallSegment(position: 0, agentID: "u-1", offeredAt: at(2_000), answeredAt: at(9_999),
                                   endedAt: at(70_000), result: .answered, talkMs: 60_001)],
            outcome: .answered, endReason: "caller hung up")
        XCTAssertEqual(QueueLog.lines(for: record), [
            "1795593601|i-5|cards|NONE|ENTERQUEUE||+8613800138000",
            "1795593609|i-5|cards|Agent/u-1|CONNECT|8|i-5-0|7",
            "1795593670|i-5|cards|Agent/u-1|COMPLETECALLER|8|61|1",
        ])
        // Without an end reason the caller is taken to have hung up.
        record.endReason = nil
        XCTAssertEqual(QueueLog.lines(for: record).last, "1795593670|i-5|cards|Agent/u-1|COMPLETECALLER|8|61|1")
        // Still talking: nothing after CONNECT yet.
        record.segments[0].endedAt = nil
        record.endedAt = nil
        record.outcome = nil
        XCTAssertEqual(QueueLog.lines(for: record), [
            "1795593601|i-5|cards|NONE|ENTERQUEUE||+8613800138000",
            "1795593609|i-5|cards|Agent/u-1|CONNECT|8|i-5-0|7",
        ])
    }

    func testAbandonedWhileRinging() {
        let record = CallRecord(
            interactionID: "i-3", caller: "10086|x", dialled: "10000", arrivedAt: at(0), queuedAt: at(10_000),
            firstOfferedAt: at(15_000), endedAt: at(31_000), queue: "billing", queues: ["billing"], waitMs: 21_000,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "billing", offeredAt: at(15_000), endedAt: at(17_000),
                            result: .busy),
                CallSegment(position: 1, agentID: "u-2", queue: "billing", offeredAt: at(18_000), endedAt: at(31_000),
                            result: .cancelled),
            ],
            outcome: .abandonedRinging, endReason: "caller hung up")
        XCTAssertEqual(QueueLog.lines(for: record), [
            "1795593610|i-3|billing|NONE|ENTERQUEUE||10086_x",
            "1795593617|i-3|billing|Agent/u-1|RINGNOANSWER|2000",
            "1795593631|i-3|billing|NONE|ABANDON|1|1|21",
        ])
    }

    func testVoicemailAfterMaxWaitAndCallbackByKey() {
        var record = CallRecord(
            interactionID: "i-4", caller: "+8613900000000", dialled: "10000", arrivedAt: at(0), queuedAt: at(5_000),
            endedAt: at(340_000), queue: "cards", queues: ["cards"], waitMs: 300_000, outcome: .voicemail,
            endReason: "max wait")
        XCTAssertEqual(QueueLog.lines(for: record), [
            "1795593605|i-4|cards|NONE|ENTERQUEUE||+8613900000000",
            "1795593905|i-4|cards|NONE|EXITWITHTIMEOUT|1|1|300",
        ])
        record.outcome = .callback
        XCTAssertEqual(QueueLog.lines(for: record).last, "1795593905|i-4|cards|NONE|EXITWITHTIMEOUT|1|1|300")
        record.endReason = "caller hung up"
        XCTAssertEqual(QueueLog.lines(for: record).last, "1795593905|i-4|cards|NONE|EXITWITHKEY||1|1|300")
    }

    func testNeverQueuedHasNoLines() {
        let record = CallRecord(interactionID: "i-6", caller: "+8613800138000", dialled: "10000", arrivedAt: at(0),
                                ivrEndedAt: at(30_000), endedAt: at(30_000), ivrPath: ["main", "balance"],
                                ivrOutcome: "balance told", outcome: .selfServed)
        XCTAssertEqual(QueueLog.lines(for: record), [])
    }
}

/// The stored and wire forms of the routing records.
final class RoutingRecordCodingTests: XCTestCase {
    func testRawValues() {
        XCTAssertEqual(AgentStateName.allCases.map(\.rawValue),
                       ["logged-out", "available", "reserved", "on-call", "wrap-up", "not-ready"])
        XCTAssertEqual(CallOutcome.allCases.map(\.rawValue),
                       ["self-served", "answered", "abandoned-in-ivr", "abandoned-in-queue", "abandoned-ringing",
                        "callback", "voicemail", "transferred-out", "failed", "interrupted"])
        XCTAssertEqual(CallSegment.Result.allCases.map(\.rawValue),
                       ["ringing", "answered", "no-answer", "busy", "unreachable", "cancelled", "transferred", "lost"])
        XCTAssertEqual([NotReadyReason.break, .lunch, .training, .meeting, .missedCall, .phoneUnavailable,
                        .forcedBySupervisor, .login].map(\.rawValue),
                       ["break", "lunch", "training", "meeting", "missed-call", "phone-unavailable", "supervisor", "login"])
    }

    func testTransferTargetAndReasonJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let targets: [CallTransfer.Target] = [.queue("cards"), .agent("u-7"), .number("+8610")]
        let json = try String(decoding: encoder.encode(targets), as: UTF8.self)
        XCTAssertEqual(json, #"[{"queue":"cards"},{"agent":"u-7"},{"number":"+8610"}]"#)
        XCTAssertEqual(try JSONDecoder().decode([CallTransfer.Target].self, from: Data(json.utf8)), targets)
        XCTAssertThrowsError(try JSONDecoder().decode(CallTransfer.Target.self, from: Data(#"{"queue":"a","agent":"b"}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(CallTransfer.Target.self, from: Data("{}".utf8)))

        let change = AgentStateChange(agentID: "u-1", sequence: 3, from: .available, to: .notReady, reason: .lunch,
                                      at: Timestamp(millisecondsSinceEpoch: 5), cause: "agent")
        let changeJSON = try String(decoding: encoder.encode(change), as: UTF8.self)
        XCTAssertEqual(changeJSON, #"{"agentID":"u-1","at":5,"cause":"agent","from":"available","reason":"lunch","sequence":3,"to":"not-ready"}"#)
        XCTAssertEqual(try JSONDecoder().decode(AgentStateChange.self, from: Data(changeJSON.utf8)), change)
        XCTAssertEqual(try JSONDecoder().decode(CallRecord.self, from: encoder.encode(answered)), answered)
    }
}
