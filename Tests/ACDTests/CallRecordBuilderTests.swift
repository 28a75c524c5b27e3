import ACD
import HotlineModel
import Storage
import XCTest

/// 2026-11-25T08:00:00.000Z.
private let t0: Int64 = 1_795_593_600_000
private func at(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: t0 + ms) }

/// A call as the server drives it: after every milestone the record is checked as storage
/// checks it before writing, so every partial record is one storage accepts.
private struct StoredCall {
    var builder: CallRecordBuilder
    private(set) var checks = 0
    var record: CallRecord { builder.record }

    init(_ id: InteractionID, sipCallID: String? = nil, caller: String = "+8613800138000", dialled: String = "95588",
         arrivedAt: Timestamp = at(0), file: StaticString = #filePath, line: UInt = #line) {
        self.init(CallRecordBuilder(interactionID: id, sipCallID: sipCallID, caller: caller, dialled: dialled,
                                    arrivedAt: arrivedAt), file: file, line: line)
    }

    init(_ builder: CallRecordBuilder, file: StaticString = #filePath, line: UInt = #line) {
        self.builder = builder
        check(file: file, line: line)
    }

    mutating func callAsFunction(_ event: (inout CallRecordBuilder) -> Void, file: StaticString = #filePath,
                                 line: UInt = #line) {
        event(&builder)
        check(file: file, line: line)
    }

    private mutating func check(file: StaticString, line: UInt) {
        checks += 1
        do {
            try builder.record.validateForStorage()
        } catch {
            XCTFail("Storage refuses the record: \(error)\n\(builder.record)", file: file, line: line)
        }
    }
}

final class CallRecordBuilderTests: XCTestCase {
    func testSelfServedInTheIVR() {
        var call = StoredCall("i-1", sipCallID: "a84b4c76e66710@pc33")
        call { $0.ivrStep(node: "语言") }
        call { $0.ivrStep(node: "main-menu") }
        call { $0.ivrStep(node: "balance") }
        call { $0.ivrEnded(outcome: "self-served", at: at(48_000)) }
        call { $0.ended(outcome: .selfServed, reason: CallRecord.EndReason.callerHungUp, at: at(49_500)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-1", sipCallID: "a84b4c76e66710@pc33", caller: "+8613800138000", dialled: "95588",
            arrivedAt: at(0), ivrEndedAt: at(48_000), endedAt: at(49_500), ivrPath: ["语言", "main-menu", "balance"],
            ivrOutcome: "self-served", outcome: .selfServed, endReason: "caller hung up"))
        XCTAssertEqual(call.builder.ignored, [])
        XCTAssertEqual(call.checks, 6)
    }

    func testAnsweredFirstTimeWithHoldAndWrapUp() {
        var call = StoredCall("i-2")
        call { $0.ivrStep(node: "main-menu") }
        call { $0.ivrStep(node: "cards") }
        call { $0.ivrEnded(outcome: "transfer", at: at(20_000)) }
        call { $0.queued(queue: "cards", at: at(20_500)) }
        call { $0.offered(agent: "u-1", queue: "cards", at: at(21_000)) }
        XCTAssertEqual(call.record.segments, [
            CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(21_000), result: .ringing),
        ])
        call { $0.answered(agent: "u-1", at: at(25_250)) }
        call { $0.recording(path: "/var/lib/hotline/recordings/i-2.wav") }
        call { $0.held(at: at(60_000)) }
        call { $0.resumed(at: at(78_000)) }
        // Stored while talking: the hold so far, no talk yet (it is counted when the part ends).
        XCTAssertEqual(call.record.segments, [
            CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(21_000), answeredAt: at(25_250),
                        result: .answered, holdMs: 18_000),
        ])
        XCTAssertEqual(call.record.waitMs, 4_750)
        XCTAssertNil(call.record.outcome)
        // On hold again when the agent hangs up: the hold counts up to the end.
        call { $0.held(at: at(200_000)) }
        call { $0.ended(outcome: .answered, reason: CallRecord.EndReason.agentHungUp, at: at(205_000)) }
        call { $0.wrapUpEnded(agent: "u-1", disposition: "resolved", notes: "卡片已冻结 / card frozen", at: at(245_000)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-2", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0),
            ivrEndedAt: at(20_000), queuedAt: at(20_500), firstOfferedAt: at(21_000), answeredAt: at(25_250),
            endedAt: at(205_000), ivrPath: ["main-menu", "cards"], ivrOutcome: "transfer", queue: "cards",
            queues: ["cards"], waitMs: 4_750,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(21_000), answeredAt: at(25_250),
                            endedAt: at(205_000), result: .answered, talkMs: 156_750, holdMs: 23_000,
                            wrapUpMs: 40_000, disposition: "resolved", notes: "卡片已冻结 / card frozen"),
            ],
            disposition: "resolved", recordingPath: "/var/lib/hotline/recordings/i-2.wav", outcome: .answered,
            endReason: "agent hung up"))
        XCTAssertEqual(call.record.agents, ["u-1"])
        XCTAssertEqual(call.builder.ignored, [])
    }

    func testRingNoAnswerThenTheSecondAgentAnswers() {
        var call = StoredCall("i-3")
        call { $0.queued(queue: "cards", at: at(10_000)) }
        call { $0.offered(agent: "u-1", queue: "cards", at: at(11_000)) }
        call { $0.offerFailed(agent: "u-1", result: .noAnswer, at: at(26_000)) }
        XCTAssertEqual(call.record.segments, [
            CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(11_000), endedAt: at(26_000),
                        result: .noAnswer),
        ])
        call { $0.offered(agent: "u-2", queue: "cards", at: at(26_500)) }
        call { $0.answered(agent: "u-2", at: at(30_000)) }
        call { $0.ended(outcome: .answered, reason: CallRecord.EndReason.callerHungUp, at: at(90_000)) }
        call { $0.wrapUpEnded(agent: "u-2", disposition: nil, notes: nil, at: at(100_000)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-3", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), queuedAt: at(10_000),
            firstOfferedAt: at(11_000), answeredAt: at(30_000), endedAt: at(90_000), queue: "cards", queues: ["cards"],
            waitMs: 20_000,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(11_000), endedAt: at(26_000),
                            result: .noAnswer),
                CallSegment(position: 1, agentID: "u-2", queue: "cards", offeredAt: at(26_500), answeredAt: at(30_000),
                            endedAt: at(90_000), result: .answered, talkMs: 60_000, wrapUpMs: 10_000),
            ],
            outcome: .answered, endReason: "caller hung up"))
        XCTAssertEqual(call.builder.ignored, [])
    }

    func testAbandonedInQueueWaitsUntilTheEnd() {
        var call = StoredCall("i-4")
        call { $0.ivrStep(node: "main-menu") }
        call { $0.ivrEnded(outcome: "transfer", at: at(4_000)) }
        call { $0.queued(queue: "billing", at: at(5_000)) }
        call { $0.ended(outcome: .abandonedInQueue, reason: CallRecord.EndReason.callerHungUp, at: at(47_125)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-4", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), ivrEndedAt: at(4_000),
            queuedAt: at(5_000), endedAt: at(47_125), ivrPath: ["main-menu"], ivrOutcome: "transfer",
            queue: "billing", queues: ["billing"], waitMs: 42_125, outcome: .abandonedInQueue,
            endReason: "caller hung up"))
        XCTAssertEqual(call.builder.ignored, [])
    }

    /// The same record as the queue_log export's abandoned-while-ringing example.
    func testAbandonedWhileRingingCancelsTheOffer() {
        var call = StoredCall("i-5", caller: "10086", dialled: "10000")
        call { $0.queued(queue: "billing", at: at(10_000)) }
        call { $0.offered(agent: "u-1", queue: "billing", at: at(15_000)) }
        call { $0.offerFailed(agent: "u-1", result: .busy, at: at(17_000)) }
        call { $0.offered(agent: "u-2", queue: "billing", at: at(18_000)) }
        call { $0.ended(outcome: .abandonedRinging, reason: CallRecord.EndReason.callerHungUp, at: at(31_000)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-5", caller: "10086", dialled: "10000", arrivedAt: at(0), queuedAt: at(10_000),
            firstOfferedAt: at(15_000), endedAt: at(31_000), queue: "billing", queues: ["billing"], waitMs: 21_000,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "billing", offeredAt: at(15_000), endedAt: at(17_000),
                            result: .busy),
                CallSegment(position: 1, agentID: "u-2", queue: "billing", offeredAt: at(18_000), endedAt: at(31_000),
                            result: .cancelled),
            ],
            outcome: .abandonedRinging, endReason: "caller hung up"))
        XCTAssertEqual(call.builder.ignored, [])
    }

    func testBlindTransferToAnotherQueueThenTheSecondAgentAnswers() {
        var call = StoredCall("i-6", arrivedAt: at(123))
        call { $0.ivrStep(node: "cards") }
        call { $0.ivrEnded(outcome: "transfer", at: at(20_000)) }
        call { $0.queued(queue: "cards", at: at(20_500)) }
        call { $0.offered(agent: "u-2", queue: "cards", at: at(21_000)) }
        call { $0.answered(agent: "u-2", at: at(26_000)) }
        // An attended transfer to u-9 consults with the caller on hold, then is cancelled.
        call { $0.held(at: at(100_000)) }
        call { $0.transferred(kind: .attended, byAgent: "u-2", target: .agent("u-9"), at: at(100_500), completed: false) }
        call { $0.resumed(at: at(118_000)) }
        call { $0.transferred(kind: .blind, byAgent: "u-2", target: .queue("cards-vip"), at: at(200_000), completed: true) }
        XCTAssertEqual(call.record.segments[0], CallSegment(
            position: 0, agentID: "u-2", queue: "cards", offeredAt: at(21_000), answeredAt: at(26_000),
            endedAt: at(200_000), result: .transferred, talkMs: 156_000, holdMs: 18_000))
        call { $0.queued(queue: "cards-vip", at: at(200_000)) }
        call { $0.offered(agent: "u-3", queue: "cards-vip", at: at(201_000)) }
        call { $0.answered(agent: "u-3", at: at(205_400)) }
        XCTAssertTrue(call.builder.awaitsWrapUp(of: "u-2"))
        XCTAssertTrue(call.builder.awaitsWrapUp(of: "u-3"))
        XCTAssertFalse(call.builder.awaitsWrapUp(of: "u-9"), "u-9 only consulted; they never answered the caller")
        // u-2's after-call work ends while u-3 talks.
        call { $0.wrapUpEnded(agent: "u-2", disposition: "escalated", notes: nil, at: at(230_000)) }
        XCTAssertFalse(call.builder.awaitsWrapUp(of: "u-2"))
        XCTAssertTrue(call.builder.awaitsWrapUp)
        XCTAssertEqual(call.record.disposition, "escalated")
        call { $0.ended(outcome: .answered, reason: CallRecord.EndReason.agentHungUp, at: at(400_000)) }
        call { $0.wrapUpEnded(agent: "u-3", disposition: "resolved", notes: "VIP", at: at(445_000)) }
        XCTAssertFalse(call.builder.awaitsWrapUp, "ended, and every agent who answered has wrapped up: the record is complete")
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-6", caller: "+8613800138000", dialled: "95588", arrivedAt: at(123),
            ivrEndedAt: at(20_000), queuedAt: at(20_500), firstOfferedAt: at(21_000), answeredAt: at(26_000),
            endedAt: at(400_000), ivrPath: ["cards"], ivrOutcome: "transfer", queue: "cards-vip",
            queues: ["cards", "cards-vip"], waitMs: 5_500,
            segments: [
                CallSegment(position: 0, agentID: "u-2", queue: "cards", offeredAt: at(21_000), answeredAt: at(26_000),
                            endedAt: at(200_000), result: .transferred, talkMs: 156_000, holdMs: 18_000,
                            wrapUpMs: 30_000, disposition: "escalated"),
                CallSegment(position: 1, agentID: "u-3", queue: "cards-vip", offeredAt: at(201_000),
                            answeredAt: at(205_400), endedAt: at(400_000), result: .answered, talkMs: 194_600,
                            wrapUpMs: 45_000, disposition: "resolved", notes: "VIP"),
            ],
            transfers: [
                CallTransfer(at: at(100_500), kind: .attended, byAgent: "u-2", target: .agent("u-9"), completed: false),
                CallTransfer(at: at(200_000), kind: .blind, byAgent: "u-2", target: .queue("cards-vip"), completed: true),
            ],
            disposition: "resolved", outcome: .answered, endReason: "agent hung up"))
        XCTAssertEqual(call.record.agents, ["u-2", "u-3"])
        XCTAssertEqual(call.builder.ignored, [])
    }

    func testCompletedAttendedTransferToAnAgentIsOneTransfer() {
        var call = StoredCall("i-7")
        call { $0.queued(queue: "cards", at: at(1_000)) }
        call { $0.offered(agent: "u-2", queue: "cards", at: at(2_000)) }
        call { $0.answered(agent: "u-2", at: at(4_000)) }
        call { $0.held(at: at(30_000)) }
        call { $0.transferred(kind: .attended, byAgent: "u-2", target: .agent("u-9"), at: at(30_100), completed: false) }
        XCTAssertEqual(call.record.transfers, [
            CallTransfer(at: at(30_100), kind: .attended, byAgent: "u-2", target: .agent("u-9"), completed: false),
        ])
        // Completed while the caller is still on hold: u-2's hold ends with their part.
        call { $0.transferred(kind: .attended, byAgent: "u-2", target: .agent("u-9"), at: at(50_000), completed: true) }
        call { $0.offered(agent: "u-9", queue: nil, at: at(50_000)) }
        call { $0.answered(agent: "u-9", at: at(50_000)) }
        call { $0.ended(outcome: .answered, reason: CallRecord.EndReason.callerHungUp, at: at(80_000)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-7", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), queuedAt: at(1_000),
            firstOfferedAt: at(2_000), answeredAt: at(4_000), endedAt: at(80_000), queue: "cards", queues: ["cards"],
            waitMs: 3_000,
            segments: [
                CallSegment(position: 0, agentID: "u-2", queue: "cards", offeredAt: at(2_000), answeredAt: at(4_000),
                            endedAt: at(50_000), result: .transferred, talkMs: 26_000, holdMs: 20_000),
                CallSegment(position: 1, agentID: "u-9", offeredAt: at(50_000), answeredAt: at(50_000),
                            endedAt: at(80_000), result: .answered, talkMs: 30_000),
            ],
            transfers: [
                CallTransfer(at: at(50_000), kind: .attended, byAgent: "u-2", target: .agent("u-9"), completed: true),
            ],
            outcome: .answered, endReason: "caller hung up"))
        XCTAssertEqual(call.builder.ignored, [])
    }

    func testCallbackChosenWhileWaiting() {
        var call = StoredCall("i-8")
        call { $0.ivrEnded(outcome: "transfer", at: at(7_000)) }
        call { $0.queued(queue: "cards", at: at(8_000)) }
        // The caller presses the callback key; the IVR confirms the number, then hangs up.
        call { $0.leftQueue(at: at(68_000)) }
        call { $0.ivrStep(node: "callback-confirm") }
        call { $0.ended(outcome: .callback, reason: CallRecord.EndReason.callerHungUp, at: at(75_000)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-8", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), ivrEndedAt: at(7_000),
            queuedAt: at(8_000), endedAt: at(75_000), ivrPath: ["callback-confirm"], ivrOutcome: "transfer",
            queue: "cards", queues: ["cards"], waitMs: 60_000, outcome: .callback, endReason: "caller hung up"))
        XCTAssertEqual(call.builder.ignored, [])
    }

    /// After the maximum wait, as the queue_log export's EXITWITHTIMEOUT example; and from the IVR.
    func testVoicemail() {
        var call = StoredCall("i-9", caller: "+8613900000000", dialled: "10000")
        call { $0.queued(queue: "cards", at: at(5_000)) }
        call { $0.leftQueue(at: at(305_000)) }
        call { $0.recording(path: "/var/lib/hotline/voicemail/i-9.wav") }
        call { $0.ended(outcome: .voicemail, reason: CallRecord.EndReason.maxWait, at: at(340_000)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-9", caller: "+8613900000000", dialled: "10000", arrivedAt: at(0), queuedAt: at(5_000),
            endedAt: at(340_000), queue: "cards", queues: ["cards"], waitMs: 300_000,
            recordingPath: "/var/lib/hotline/voicemail/i-9.wav", outcome: .voicemail, endReason: "max wait"))
        XCTAssertEqual(call.builder.ignored, [])

        var fromIVR = StoredCall("i-10")
        fromIVR { $0.ivrStep(node: "after-hours") }
        fromIVR { $0.ivrEnded(outcome: "voicemail", at: at(12_000)) }
        fromIVR { $0.recording(path: "/var/lib/hotline/voicemail/i-10.wav") }
        fromIVR { $0.ended(outcome: .voicemail, reason: CallRecord.EndReason.callerHungUp, at: at(52_000)) }
        XCTAssertEqual(fromIVR.record, CallRecord(
            interactionID: "i-10", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), ivrEndedAt: at(12_000),
            endedAt: at(52_000), ivrPath: ["after-hours"], ivrOutcome: "voicemail",
            recordingPath: "/var/lib/hotline/voicemail/i-10.wav", outcome: .voicemail, endReason: "caller hung up"))
        XCTAssertEqual(fromIVR.builder.ignored, [])
    }

    func testPhoneVanishedAndTheCallerIsRequeued() {
        var call = StoredCall("i-11")
        call { $0.queued(queue: "cards", at: at(1_000)) }
        call { $0.offered(agent: "u-1", queue: "cards", at: at(2_000)) }
        call { $0.answered(agent: "u-1", at: at(3_000)) }
        call { $0.agentLost(agent: "u-1", at: at(33_000)) }
        call { $0.queued(queue: "cards", at: at(33_000)) }
        call { $0.offered(agent: "u-2", queue: "cards", at: at(40_000)) }
        call { $0.answered(agent: "u-2", at: at(41_000)) }
        call { $0.ended(outcome: .answered, reason: CallRecord.EndReason.callerHungUp, at: at(101_000)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-11", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), queuedAt: at(1_000),
            firstOfferedAt: at(2_000), answeredAt: at(3_000), endedAt: at(101_000), queue: "cards",
            queues: ["cards", "cards"], waitMs: 2_000,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(2_000), answeredAt: at(3_000),
                            endedAt: at(33_000), result: .lost, talkMs: 30_000),
                CallSegment(position: 1, agentID: "u-2", queue: "cards", offeredAt: at(40_000), answeredAt: at(41_000),
                            endedAt: at(101_000), result: .answered, talkMs: 60_000),
            ],
            outcome: .answered, endReason: "caller hung up"))
        XCTAssertEqual(call.builder.ignored, [])
    }

    // MARK: Interrupted

    func testInterruptedClosesWhatIsOpen() {
        var call = StoredCall("i-12")
        call { $0.queued(queue: "cards", at: at(1_000)) }
        call { $0.offered(agent: "u-1", queue: "cards", at: at(2_000)) }
        call { $0.answered(agent: "u-1", at: at(5_000)) }
        call { $0.held(at: at(20_000)) }
        call { $0.interrupted(at: at(26_000)) }
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-12", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), queuedAt: at(1_000),
            firstOfferedAt: at(2_000), answeredAt: at(5_000), endedAt: at(26_000), queue: "cards", queues: ["cards"],
            waitMs: 4_000,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(2_000), answeredAt: at(5_000),
                            endedAt: at(26_000), result: .answered, talkMs: 15_000, holdMs: 6_000),
            ],
            outcome: .interrupted, endReason: CallRecord.EndReason.interrupted))
        XCTAssertEqual(call.builder.ignored, [])
    }

    /// Start-up recovery: only the stored record survived the crash.
    func testRecoveryInterruptsAStoredRecord() {
        var before = StoredCall("i-13")
        before { $0.queued(queue: "cards", at: at(1_000)) }
        before { $0.offered(agent: "u-1", queue: "cards", at: at(2_000)) }
        before { $0.offerFailed(agent: "u-1", result: .unreachable, at: at(2_500)) }
        before { $0.offered(agent: "u-2", queue: "cards", at: at(3_000)) }
        let stored = before.record

        var recovered = StoredCall(CallRecordBuilder(resuming: stored))
        // The restart's clock is behind the last stored time: the end is taken at that time.
        recovered { $0.interrupted(at: at(2_900)) }
        XCTAssertEqual(recovered.record, CallRecord(
            interactionID: "i-13", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), queuedAt: at(1_000),
            firstOfferedAt: at(2_000), endedAt: at(3_000), queue: "cards", queues: ["cards"], waitMs: 2_000,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(2_000), endedAt: at(2_500),
                            result: .unreachable),
                CallSegment(position: 1, agentID: "u-2", queue: "cards", offeredAt: at(3_000), endedAt: at(3_000),
                            result: .cancelled),
            ],
            outcome: .interrupted, endReason: "interrupted"))
        XCTAssertEqual(recovered.builder.ignored, ["ended: 100 ms before the previous event; taken as \(at(3_000))"])

        // A stored answered call that was talking; its wrap-up still applies after recovery,
        // and a finished call is left as it is.
        var talking = StoredCall("i-14")
        talking { $0.offered(agent: "u-1", queue: nil, at: at(1_000)) }
        talking { $0.answered(agent: "u-1", at: at(2_000)) }
        var resumed = StoredCall(CallRecordBuilder(resuming: talking.record))
        resumed { $0.interrupted(at: at(62_000)) }
        resumed { $0.wrapUpEnded(agent: "u-1", disposition: "dropped", notes: nil, at: at(70_000)) }
        let closed = CallRecord(
            interactionID: "i-14", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0),
            firstOfferedAt: at(1_000), answeredAt: at(2_000), endedAt: at(62_000),
            segments: [
                CallSegment(position: 0, agentID: "u-1", offeredAt: at(1_000), answeredAt: at(2_000),
                            endedAt: at(62_000), result: .answered, talkMs: 60_000, wrapUpMs: 8_000,
                            disposition: "dropped"),
            ],
            disposition: "dropped", outcome: .interrupted, endReason: "interrupted")
        XCTAssertEqual(resumed.record, closed)

        var again = StoredCall(CallRecordBuilder(resuming: closed))
        again { $0.interrupted(at: at(90_000)) }
        again { $0.wrapUpEnded(agent: "u-1", disposition: "other", notes: nil, at: at(91_000)) }
        XCTAssertEqual(again.record, closed)
        XCTAssertEqual(again.builder.ignored, ["ended: the call has ended", "wrapUpEnded u-1: the wrap-up has already ended"])
    }

    // MARK: Bad order

    func testEventsThatCannotApplyAreIgnoredAndListed() {
        var call = StoredCall("i-15")
        call { $0.answered(agent: "u-1", at: at(1_000)) }
        call { $0.held(at: at(1_000)) }
        call { $0.resumed(at: at(1_000)) }
        call { $0.leftQueue(at: at(1_000)) }
        call { $0.ivrStep(node: " ") }
        call { $0.ivrEnded(outcome: "transfer", at: at(2_000)) }
        call { $0.ivrEnded(outcome: "again", at: at(2_100)) }
        call { $0.queued(queue: "", at: at(3_000)) }
        call { $0.queued(queue: "cards", at: at(3_000)) }
        call { $0.offered(agent: "u 1", queue: "cards", at: at(4_000)) }
        call { $0.offered(agent: "u-1", queue: "\t", at: at(4_000)) }
        call { $0.offered(agent: "u-1", queue: "cards", at: at(4_000)) }
        call { $0.offered(agent: "u-1", queue: "cards", at: at(4_100)) }
        call { $0.offerFailed(agent: "u-1", result: .answered, at: at(5_000)) }
        call { $0.offerFailed(agent: "u-7", result: .busy, at: at(5_000)) }
        call { $0.agentLost(agent: "u-1", at: at(5_000)) }
        call { $0.wrapUpEnded(agent: "u-1", disposition: "x", notes: nil, at: at(5_000)) }
        // Stamped 5 ms before the offer (another clock): taken at the offer's time.
        call { $0.answered(agent: "u-1", at: at(3_995)) }
        call { $0.offered(agent: "u-1", queue: "cards", at: at(6_000)) }
        call { $0.wrapUpEnded(agent: "u-1", disposition: "x", notes: nil, at: at(6_000)) }
        call { $0.held(at: at(10_000)) }
        call { $0.held(at: at(11_000)) }
        call { $0.transferred(kind: .blind, byAgent: "u-1", target: .queue(" "), at: at(12_000), completed: true) }
        call { $0.transferred(kind: .blind, byAgent: "u 1", target: .queue("vip"), at: at(12_000), completed: true) }
        call { $0.transferred(kind: .blind, byAgent: nil, target: .agent(""), at: at(12_000), completed: true) }
        call { $0.recording(path: "") }
        call { $0.recording(path: "/rec/i-15.wav") }
        call { $0.recording(path: "/rec/other.wav") }
        call { $0.agentLost(agent: "u-7", at: at(13_000)) }
        call { $0.ended(outcome: .answered, reason: CallRecord.EndReason.callerHungUp, at: at(20_000)) }
        call { $0.queued(queue: "cards", at: at(21_000)) }
        call { $0.offered(agent: "u-2", queue: "cards", at: at(21_000)) }
        call { $0.resumed(at: at(21_000)) }
        call { $0.ivrStep(node: "late") }
        call { $0.recording(path: "/rec/late.wav") }
        call { $0.transferred(kind: .blind, byAgent: nil, target: .number("+8610"), at: at(21_000), completed: true) }
        call { $0.ended(outcome: .failed, reason: "again", at: at(22_000)) }
        call { $0.interrupted(at: at(22_000)) }
        call { $0.wrapUpEnded(agent: "u-1", disposition: "resolved", notes: nil, at: at(19_000)) }
        call { $0.wrapUpEnded(agent: "u-1", disposition: "twice", notes: nil, at: at(30_000)) }

        XCTAssertEqual(call.builder.ignored, [
            "answered u-1: no offer to the agent is ringing",
            "held: no agent is on the call",
            "resumed: not on hold",
            "leftQueue: the call never queued",
            "ivrStep: a node without a name",
            "ivrEnded: the IVR has already ended",
            "queued: a queue without a name",
            "offered u 1: not a valid agent id",
            "offered u-1: a queue without a name",
            "offered u-1: already ringing",
            "offerFailed u-1: answered is not how an offer fails",
            "offerFailed u-7: no offer to the agent is ringing",
            "agentLost u-1: the agent's phone is still ringing; report it with offerFailed",
            "wrapUpEnded u-1: the agent never answered the call",
            "answered u-1: 5 ms before the previous event; taken as \(at(4_000))",
            "offered u-1: already on the call",
            "wrapUpEnded u-1: the agent is still on the call",
            "held: already on hold",
            "transferred u-1: a target without a name",
            "transferred u 1: not a valid agent id",
            "transferred: the target is not a valid agent id",
            "recording: an empty path",
            "recording: already recorded to /rec/i-15.wav",
            "agentLost u-7: the agent is not on the call",
            "queued cards: the call has ended",
            "offered u-2: the call has ended",
            "resumed: the call has ended",
            "ivrStep late: the call has ended",
            "recording: the call has ended",
            "transferred: the call has ended",
            "ended: the call has ended",
            "ended: the call has ended",
            "wrapUpEnded u-1: 1000 ms before the previous event; taken as \(at(20_000))",
            "wrapUpEnded u-1: the wrap-up has already ended",
        ])
        XCTAssertEqual(call.record, CallRecord(
            interactionID: "i-15", caller: "+8613800138000", dialled: "95588", arrivedAt: at(0), ivrEndedAt: at(2_000),
            queuedAt: at(3_000), firstOfferedAt: at(4_000), answeredAt: at(4_000), endedAt: at(20_000),
            ivrOutcome: "transfer", queue: "cards", queues: ["cards"], waitMs: 1_000,
            segments: [
                CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: at(4_000), answeredAt: at(4_000),
                            endedAt: at(20_000), result: .answered, talkMs: 6_000, holdMs: 10_000, wrapUpMs: 0,
                            disposition: "resolved"),
            ],
            disposition: "resolved", recordingPath: "/rec/i-15.wav", outcome: .answered, endReason: "caller hung up"))
    }

    /// Times at the ends of the range: lengths saturate instead of overflowing.
    func testExtremeTimesDoNotTrap() {
        let first = Timestamp(millisecondsSinceEpoch: .min)
        let last = Timestamp(millisecondsSinceEpoch: .max)
        var call = StoredCall("i-16", arrivedAt: first)
        call { $0.queued(queue: "cards", at: first) }
        call { $0.offered(agent: "u-1", queue: "cards", at: first) }
        call { $0.answered(agent: "u-1", at: first) }
        call { $0.held(at: first) }
        call { $0.resumed(at: last) }
        call { $0.held(at: last) }
        call { $0.ended(outcome: .answered, reason: CallRecord.EndReason.callerHungUp, at: last) }
        call { $0.wrapUpEnded(agent: "u-1", disposition: nil, notes: nil, at: last) }
        XCTAssertEqual(call.record.segments, [
            CallSegment(position: 0, agentID: "u-1", queue: "cards", offeredAt: first, answeredAt: first,
                        endedAt: last, result: .answered, talkMs: 0, holdMs: .max, wrapUpMs: 0),
        ])
        XCTAssertEqual(call.record.waitMs, 0)
        XCTAssertEqual(call.builder.ignored, [])
    }
}
