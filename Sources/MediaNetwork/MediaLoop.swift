import Logging
import Media
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The legs of one event loop and the 20 ms clock that paces them all (DESIGN.md: one
/// clock per loop, not a timer per call). Everything here runs on `eventLoop`.
final class MediaLoop: @unchecked Sendable {
    let index: Int
    let eventLoop: any EventLoop
    let logger: Logger
    var legs: [UInt64: MediaLegRuntime] = [:]
    /// The same legs in the order the clock visits them; stable while no leg opens or
    /// closes, so each leg's packets leave at the same offset within every tick.
    private var order: [MediaLegRuntime] = []
    /// Closes still finishing (recordings being flushed), so shutdown can wait for them.
    private var closing: [UInt64: EventLoopFuture<MediaLegSummary?>] = [:]
    private var nextNumber: UInt64 = 1
    private let metrics = MediaMetrics.shared
    private let receiveBatch = MediaReceiveBatch()
    private var pollCount = 0

    // The clock: tick k is due at origin + k·20 ms.
    private var clockOrigin: NIODeadline?
    private var tickIndex: Int64 = 0
    private var scheduledTick: Scheduled<Void>?
    static let tickNanoseconds: Int64 = 20_000_000
    /// Ticks run back to back to catch up after the loop was held up; beyond this the
    /// clock jumps ahead (the streams skip the lost time, their timestamps stay true).
    static let maximumCatchUp: Int64 = 5
    /// Ticks the clock was late by more than a frame and jumped.
    private(set) var clockJumps = 0

    init(index: Int, eventLoop: any EventLoop, logger: Logger) {
        self.index = index
        self.eventLoop = eventLoop
        self.logger = logger
    }

    // MARK: Legs

    func open(_ spec: MediaLegSpec, events: @escaping @Sendable (MediaLegID, MediaLegEvent) -> Void) -> EventLoopFuture<MediaLegID> {
        let id = MediaLegID(loop: index, number: nextNumber)
        nextNumber += 1
        let runtime = MediaLegRuntime(id: id, spec: spec, loop: self, events: events)
        do {
            runtime.rtpSocket = try MediaSocket.open(host: spec.host, port: spec.port)
            runtime.rtcpSocket = try MediaSocket.open(host: spec.host, port: spec.port + 1)
        } catch {
            // One of the two may have bound: close it, the port pair is not usable.
            runtime.closeSockets()
            return eventLoop.makeFailedFuture(MediaNetworkError(
                "cannot bind RTP/RTCP on \(spec.host):\(spec.port)/\(spec.port + 1): \(error); another process may use "
                    + "ports in media.rtp_ports: pick a range nothing else uses"))
        }
        legs[id.number] = runtime
        runtime.slot = order.count
        order.append(runtime)
        metrics.legsOpened.increment()
        startClockIfNeeded()
        logger.debug("media leg opened", metadata: [
            "call.id": "\(spec.callID)", "media.leg": "\(spec.role)", "media.local_port": "\(spec.port)",
            "media.codec": "\(spec.configuration.law.encodingName)",
            "media.remote": "\(spec.configuration.remote)",
            "media.telephone_event": "\(spec.configuration.telephoneEventPayloadType.map(String.init) ?? "-")",
        ])
        return eventLoop.makeSucceededFuture(id)
    }

    func runtime(_ id: MediaLegID) -> MediaLegRuntime? { legs[id.number] }

    func play(_ id: MediaLegID, _ items: [PlaybackItem], replace: Bool, bargeIn: Bool, loop: Bool) {
        guard let rt = runtime(id) else { return }
        if replace { rt.leg.playlist.bargeIn() }
        rt.leg.playlist.loop = loop
        rt.bargeIn = bargeIn
        for item in items {
            switch item {
            case .prompt(let prompt):
                rt.leg.playlist.enqueue(prompt)
            case .tone(let id, let tone, let ms):
                rt.leg.playlist.enqueue(.tone(id: id, tone, frames: max(1, ms / 20)))
            case .silence(let id, let ms):
                rt.leg.playlist.enqueue(.silence(id: id, frames: max(1, ms / 20)))
            }
        }
        rt.reportDrained = true
    }

    func stopPlayback(_ id: MediaLegID) {
        runtime(id)?.leg.playlist.bargeIn()
    }

    func update(_ id: MediaLegID, _ configuration: MediaLeg.Configuration) {
        guard let rt = runtime(id) else { return }
        rt.leg.update(configuration)
        rt.restartMediaTimeout()
    }

    func infoDigit(_ id: MediaLegID, _ digit: DTMFDigit, durationMilliseconds: Int?) {
        guard let rt = runtime(id) else { return }
        if let event = rt.leg.receiveInfoDigit(digit, durationMilliseconds: durationMilliseconds, at: MediaLoop.now()) {
            rt.digitArrived(event)
            // Passed through a bridge the way the other leg takes digits.
            if let partner = rt.partner { partner.leg.sendDigits([digit]) }
        }
    }

    func sendDigits(_ id: MediaLegID, _ digits: [DTMFDigit]) {
        runtime(id)?.leg.sendDigits(digits)
    }

    func bridge(_ a: MediaLegID, _ b: MediaLegID) {
        guard let ra = runtime(a), let rb = runtime(b) else { return }
        ra.partner = rb
        rb.partner = ra
    }

    func unbridge(_ id: MediaLegID) {
        guard let rt = runtime(id) else { return }
        rt.partner?.partner = nil
        rt.partner = nil
    }

    func startRecording(_ caller: MediaLegID, other: MediaLegID?, path: String, layout: CallRecorder.Layout) -> EventLoopFuture<Void> {
        guard let rt = runtime(caller) else {
            return eventLoop.makeFailedFuture(MediaNetworkError("no media leg \(caller) to record"))
        }
        let recorder = CallRecorder(layout: layout)
        return RecordingFile.create(path: path, header: recorder.header, eventLoop: eventLoop).map { file in
            rt.recording = ActiveRecording(recorder: recorder, file: file, other: other.flatMap { self.runtime($0) })
            self.logger.info("recording started", metadata: [
                "call.id": "\(rt.spec.callID)", "recording.path": "\(path)", "recording.layout": "\(layout.rawValue)",
            ])
        }
    }

    func setRecordingOther(_ caller: MediaLegID, _ other: MediaLegID?) {
        guard let rt = runtime(caller), rt.recording != nil else { return }
        rt.recording!.other = other.flatMap { runtime($0) }
    }

    func startMessage(_ id: MediaLegID, path: String, maximumMilliseconds: Int64) -> EventLoopFuture<RecordingSummary?> {
        guard let rt = runtime(id) else {
            return eventLoop.makeFailedFuture(MediaNetworkError("no media leg \(id) to take a message on"))
        }
        if rt.message != nil { finishMessage(rt) }
        let recorder = CallRecorder(layout: .mono)
        let promise = eventLoop.makePromise(of: RecordingSummary?.self)
        RecordingFile.create(path: path, header: recorder.header, eventLoop: eventLoop).whenComplete { result in
            switch result {
            case .success(let file):
                guard self.runtime(id) === rt else {
                    file.close(on: self.eventLoop).whenComplete { _ in promise.succeed(nil) }
                    return
                }
                rt.message = MessageRecording(recorder: recorder, file: file, maximumMilliseconds: max(1000, maximumMilliseconds),
                                              done: promise)
                self.logger.info("message recording started", metadata: ["call.id": "\(rt.spec.callID)", "recording.path": "\(path)"])
            case .failure(let error):
                promise.fail(error)
            }
        }
        return promise.futureResult
    }

    /// Closes the message's file and reports it.
    func finishMessage(_ rt: MediaLegRuntime) {
        guard var message = rt.message else { return }
        rt.message = nil
        message.file.submit(message.recorder.finish())
        let recorder = message.recorder
        let path = message.file.path
        message.file.close(on: eventLoop).map { writeError in
            RecordingSummary(path: path, layout: .mono, durationMilliseconds: recorder.durationMilliseconds, pauses: [],
                             bytes: recorder.dataByteCount + WAVWriter.headerSize, writeError: writeError)
        }.cascade(to: message.done)
    }

    func setRecordingPaused(_ caller: MediaLegID, _ paused: Bool) {
        guard let rt = runtime(caller), rt.recording != nil else { return }
        if paused { rt.recording!.recorder.pause() } else { rt.recording!.recorder.resume() }
        logger.info(paused ? "recording paused" : "recording resumed", metadata: ["call.id": "\(rt.spec.callID)"])
    }

    func close(_ id: MediaLegID) -> EventLoopFuture<MediaLegSummary?> {
        guard let rt = legs.removeValue(forKey: id.number) else { return eventLoop.makeSucceededFuture(nil) }
        let last = order.removeLast()
        if last !== rt {
            order[rt.slot] = last
            last.slot = rt.slot
        }
        // Whoever records this leg as the other party now records silence on that side.
        for other in legs.values where other.recording?.other === rt { other.recording!.other = nil }
        if let partner = rt.partner { partner.partner = nil }
        rt.partner = nil
        rt.sendRTCP(rt.leg.close(now: MediaLoop.now(), ntp: MediaLoop.ntpNow()))
        rt.closeSockets()
        metrics.legsClosed.increment()
        if legs.isEmpty { stopClock() }
        let summary = MediaLegSummary(id: id, callID: rt.spec.callID, role: rt.spec.role, localPort: rt.spec.port,
                                      law: rt.leg.law, statistics: rt.leg.statistics, digits: rt.leg.arbiter.accepted,
                                      sendErrors: rt.sendErrors, recording: nil)
        metrics.record(rt.leg.statistics)
        finishMessage(rt)
        let recordingDone: EventLoopFuture<RecordingSummary?>
        if var recording = rt.recording {
            rt.recording = nil
            let writes = recording.recorder.finish()
            recording.file.submit(writes)
            let recorder = recording.recorder
            let path = recording.file.path
            recordingDone = recording.file.close(on: eventLoop).map { writeError in
                RecordingSummary(path: path, layout: recorder.layout,
                                 durationMilliseconds: recorder.durationMilliseconds, pauses: recorder.pauses,
                                 bytes: recorder.dataByteCount + WAVWriter.headerSize, writeError: writeError)
            }
        } else {
            recordingDone = eventLoop.makeSucceededFuture(nil)
        }
        let done = recordingDone.map { recording -> MediaLegSummary? in
                var result = summary
                result.recording = recording
                return result
            }
        closing[id.number] = done
        done.whenComplete { _ in self.closing[id.number] = nil }
        return done
    }

    func closeAll() -> EventLoopFuture<Void> {
        for number in Array(legs.keys) { _ = close(MediaLegID(loop: index, number: number)) }
        return EventLoopFuture.andAllComplete(Array(closing.values), on: eventLoop)
    }

    // MARK: The clock

    private func startClockIfNeeded() {
        guard clockOrigin == nil else { return }
        clockOrigin = .now()
        tickIndex = 0
        scheduleTick()
    }

    private func stopClock() {
        scheduledTick?.cancel()
        scheduledTick = nil
        clockOrigin = nil
    }

    private func scheduleTick() {
        guard let origin = clockOrigin else { return }
        tickIndex += 1
        let deadline = origin + .nanoseconds(tickIndex * Self.tickNanoseconds)
        scheduledTick = eventLoop.scheduleTask(deadline: deadline) { [weak self] in self?.clockFired() }
    }

    private func clockFired() {
        guard let origin = clockOrigin else { return }
        let elapsed = Int64(NIODeadline.now().uptimeNanoseconds) - Int64(origin.uptimeNanoseconds)
        let due = elapsed / Self.tickNanoseconds
        if due - tickIndex >= Self.maximumCatchUp {
            // Held up for longer than the streams can make up: jump, skipping the lost ticks.
            let skipped = Int(due - tickIndex)
            clockJumps += 1
            metrics.clockJumps.increment()
            for rt in legs.values { rt.leg.skip(frames: skipped) }
            tickIndex = due
        }
        let ntp = Self.ntpNow()
        var k = tickIndex
        repeat {
            let now = MediaInstant(milliseconds: (Int64(origin.uptimeNanoseconds) + k * Self.tickNanoseconds) / 1_000_000)
            tick(now: now, ntp: ntp)
            k += 1
        } while k <= due && k - tickIndex < Self.maximumCatchUp
        tickIndex = k - 1
        scheduleTick()
    }

    /// One 20 ms step. First every leg sends (so packets leave early in the tick, each
    /// leg at the same offset every time), then every leg reads what arrived (RTCP every
    /// fifth tick: it comes every few seconds) and plays it out, then the recordings
    /// (which need both legs' audio).
    private func tick(now: MediaInstant, ntp: UInt64) {
        let legs = order
        for rt in legs { rt.tickSending() }
        let arrival = ArrivalClock.current()
        pollCount &+= 1
        let rtcp = pollCount % 5 == 0
        for rt in legs {
            rt.poll(receiveBatch, arrival: arrival, rtcp: rtcp)
            rt.tickReceiving(now: now, ntp: ntp)
        }
        for rt in legs {
            if rt.recording != nil { rt.recordTick() }
            if rt.message != nil, rt.messageTick() { finishMessage(rt) }
        }
        if pollCount % 50 == 0 {
            for rt in legs { rt.checkMediaTimeout(now: now) }
        }
    }

    // MARK: Time

    /// Monotonic milliseconds, the same base as the clock's ticks.
    static func now() -> MediaInstant {
        MediaInstant(milliseconds: Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000))
    }

    /// The wall clock as a 64-bit NTP timestamp (RFC 3550 §4: seconds since 1900, 32.32 fixed point).
    static func ntpNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let seconds = UInt64(ts.tv_sec) &+ 2_208_988_800
        let fraction = (UInt64(ts.tv_nsec) << 32) / 1_000_000_000
        return seconds << 32 | fraction
    }
}

public struct MediaNetworkError: Error, CustomStringConvertible, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

