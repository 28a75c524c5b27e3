import CMediaSocket
import Logging
import Media
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix


/// One call leg's media inside the engine: which loop runs it and its number there.
public struct MediaLegID: Hashable, Sendable, CustomStringConvertible {
    public let loop: Int
    public let number: UInt64
    public var description: String { "leg-\(loop).\(number)" }
}

/// What a leg tells its owner. Delivered on the leg's event loop.
public enum MediaLegEvent: Sendable, Hashable {
    /// A key press, once, whichever way the phone sent it.
    case digit(DTMFEvent)
    /// A playlist item played to its end.
    case playbackFinished(String)
    /// The playlist ran out (after the `playbackFinished` of its last item).
    case playlistDrained
    /// Nothing (no RTP, no RTCP) has come from the peer for the leg's media timeout while
    /// it should send: its phone is probably gone. Reported once; the call's signalling
    /// decides what follows.
    case mediaTimeout(seconds: Int)
}

/// What to open: the local port pair and the leg's media state.
public struct MediaLegSpec: Sendable {
    /// The address to bind (the SDP `c=` address we advertised, or 0.0.0.0).
    public var host: String
    /// The even RTP port from our SDP; RTCP binds the port above.
    public var port: Int
    public var configuration: MediaLeg.Configuration
    /// For logs: the SIP Call-ID and which leg ("caller", "callee").
    public var callID: String
    public var role: String
    /// Report ``MediaLegEvent/mediaTimeout(seconds:)`` after this long without a packet
    /// from the peer (nil: never). Time on hold (we do not receive) does not count.
    public var mediaTimeoutSeconds: Int?

    public init(host: String, port: Int, configuration: MediaLeg.Configuration, callID: String, role: String,
                mediaTimeoutSeconds: Int? = nil) {
        self.host = host
        self.port = port
        self.configuration = configuration
        self.callID = callID
        self.role = role
        self.mediaTimeoutSeconds = mediaTimeoutSeconds
    }
}

/// What a closed leg reports, for the log and the call record.
public struct MediaLegSummary: Sendable, Hashable {
    public var id: MediaLegID
    public var callID: String
    public var role: String
    public var localPort: Int
    public var law: CompandingLaw
    public var statistics: MediaLeg.Statistics
    public var digits: Int
    /// Packets the kernel would not send (a full send buffer).
    public var sendErrors: Int
    public var recording: RecordingSummary?
}

/// Where a finished recording is and what it holds.
public struct RecordingSummary: Sendable, Hashable {
    public var path: String
    public var layout: CallRecorder.Layout
    public var durationMilliseconds: Int64
    public var pauses: [CallRecorder.Pause]
    public var bytes: Int
    /// The first write that failed (a full disk): the file holds what came before it.
    public var writeError: String?
}

/// Hotline's media plane: RTP/RTCP sockets for every call leg, paced by one 20 ms
/// clock per event loop (DESIGN.md), with playback, DTMF, recording and bridging.
///
/// Each leg lives on one loop, chosen round robin (or next to the leg it will be
/// bridged to); every command hops to that loop, and events come back on it.
public final class MediaEngine: Sendable {
    let loops: [MediaLoop]
    private let nextLoop = NIOLockedValueBox(0)

    /// - Parameters:
    ///   - eventLoops: the loops to spread legs over (one clock each).
    public init(eventLoops: [any EventLoop], logger: Logger) {
        precondition(!eventLoops.isEmpty, "the media engine needs an event loop")
        self.loops = eventLoops.enumerated().map { MediaLoop(index: $0.offset, eventLoop: $0.element, logger: logger) }
    }

    /// How the media loops' threads ask the kernel to favour them.
    public enum ThreadPriority: String, Sendable, CaseIterable {
        /// The round-robin real-time class (SCHED_RR, priority 10), as media servers run
        /// their media threads: a busy machine (a compile, a backup, the disk) cannot hold
        /// the 20 ms clock up behind ordinary threads. The kernel's real-time throttling
        /// (95 % of a core by default) still keeps the rest of the machine running.
        /// Without the privilege it falls back to ``raised``.
        case realtime
        /// Nice -10: favoured over ordinary threads, still time-shared with them.
        case raised
        /// Left as they are.
        case normal
    }

    /// Asks the kernel to favour the media loops' threads as `priority` says. Best effort:
    /// without the privilege (CAP_SYS_NICE, or a real-time budget in the cgroup) a thread
    /// gets the next level down. Call only when the loops run media alone. Returns the
    /// level each thread got.
    public func raiseThreadPriority(_ priority: ThreadPriority = .realtime) async -> [ThreadPriority] {
        var got: [ThreadPriority] = []
        for loop in loops {
            let level = (try? await loop.eventLoop.submit { () -> ThreadPriority in
                if priority == .realtime, hl_media_set_thread_realtime(Self.realtimePriority) == 0 { return .realtime }
                if priority != .normal, hl_media_set_thread_nice(Self.raisedNice) == 0 { return .raised }
                return .normal
            }.get()) ?? .normal
            got.append(level)
        }
        return got
    }

    /// SCHED_RR priority: low among real-time threads (kernel threads that must run first use 50 and up).
    static let realtimePriority: Int32 = 10
    static let raisedNice: Int32 = -10

    /// Opens a leg: binds its RTP and RTCP ports and starts its clock ticks.
    /// `near` puts it on the same loop as that leg (legs to be bridged must share one).
    public func open(_ spec: MediaLegSpec, near: MediaLegID? = nil,
                     events: @escaping @Sendable (MediaLegID, MediaLegEvent) -> Void) -> EventLoopFuture<MediaLegID> {
        let index = near?.loop ?? nextLoop.withLockedValue { value in
            defer { value = (value + 1) % loops.count }
            return value
        }
        let loop = loops[index]
        return loop.eventLoop.flatSubmit { loop.open(spec, events: events) }
    }

    /// Queues prompts, tones or silence; `replace` stops what plays first; `bargeIn`
    /// stops the playlist at the caller's next digit; `loop` repeats it (music on hold).
    public func play(_ leg: MediaLegID, _ items: [PlaybackItem], replace: Bool = false, bargeIn: Bool = false,
                     loop: Bool = false) {
        on(leg) { $0.play(leg, items, replace: replace, bargeIn: bargeIn, loop: loop) }
    }

    /// Stops playback and empties the playlist.
    public func stopPlayback(_ leg: MediaLegID) {
        on(leg) { $0.stopPlayback(leg) }
    }

    /// New media after a re-INVITE or UPDATE (hold, resume, another address).
    public func update(_ leg: MediaLegID, _ configuration: MediaLeg.Configuration) {
        on(leg) { $0.update(leg, configuration) }
    }

    /// A digit the peer sent by SIP INFO on this leg's dialog.
    public func infoDigit(_ leg: MediaLegID, _ digit: DTMFDigit, durationMilliseconds: Int?) {
        on(leg) { $0.infoDigit(leg, digit, durationMilliseconds: durationMilliseconds) }
    }

    /// Sends digits to the peer (RFC 4733 if negotiated, else in-band tones).
    public func sendDigits(_ leg: MediaLegID, _ digits: [DTMFDigit]) {
        on(leg) { $0.sendDigits(leg, digits) }
    }

    /// Joins two legs' media through Hotline. Both must be on one loop (open the second `near` the first).
    public func bridge(_ a: MediaLegID, _ b: MediaLegID) {
        precondition(a.loop == b.loop, "bridged legs share an event loop: open the second near the first")
        on(a) { $0.bridge(a, b) }
    }

    public func unbridge(_ leg: MediaLegID) {
        on(leg) { $0.unbridge(leg) }
    }

    /// Starts recording `caller`'s audio (left) with `other`'s (right; without one, what
    /// Hotline plays to the caller) into a WAV file at `path`.
    public func startRecording(_ caller: MediaLegID, other: MediaLegID? = nil, path: String,
                               layout: CallRecorder.Layout) -> EventLoopFuture<Void> {
        let loop = loops[caller.loop]
        return loop.eventLoop.flatSubmit { loop.startRecording(caller, other: other, path: path, layout: layout) }
    }

    /// The recording of `caller` takes `other`'s audio as the other party from now on (an
    /// agent joined a call recorded since the IVR); nil: what Hotline plays to the caller.
    /// Both legs must share a loop.
    public func setRecordingOther(_ caller: MediaLegID, _ other: MediaLegID?) {
        precondition(other.map { $0.loop == caller.loop } ?? true, "the recorded legs share an event loop")
        on(caller) { $0.setRecordingOther(caller, other) }
    }

    /// Records what the caller says (alone, mono) into `path` until `maximumMilliseconds`
    /// have been taken, the caller presses `#`, or the leg closes; the summary then
    /// (nil when the leg closed before the file was open).
    public func startMessage(_ leg: MediaLegID, path: String, maximumMilliseconds: Int) -> EventLoopFuture<RecordingSummary?> {
        let loop = loops[leg.loop]
        return loop.eventLoop.flatSubmit { loop.startMessage(leg, path: path, maximumMilliseconds: Int64(maximumMilliseconds)) }
    }

    /// PCI DSS: stop putting the call on tape (silence is recorded instead) and go on.
    public func pauseRecording(_ caller: MediaLegID) { on(caller) { $0.setRecordingPaused(caller, true) } }
    public func resumeRecording(_ caller: MediaLegID) { on(caller) { $0.setRecordingPaused(caller, false) } }

    /// Closes the leg: a last RTCP report with BYE, the sockets closed, its recording finished.
    public func close(_ leg: MediaLegID) -> EventLoopFuture<MediaLegSummary?> {
        let loop = loops[leg.loop]
        return loop.eventLoop.flatSubmit { loop.close(leg) }
    }

    /// Closes every leg (shutdown).
    public func closeAll() -> EventLoopFuture<Void> {
        let futures = loops.map { loop in loop.eventLoop.flatSubmit { loop.closeAll() } }
        return EventLoopFuture.andAllComplete(futures, on: loops[0].eventLoop)
    }

    private func on(_ leg: MediaLegID, _ body: @escaping @Sendable (MediaLoop) -> Void) {
        let loop = loops[leg.loop]
        if loop.eventLoop.inEventLoop { body(loop) } else { loop.eventLoop.execute { body(loop) } }
    }
}

/// Something to play on a leg.
public enum PlaybackItem: Sendable, Hashable {
    case prompt(Prompt)
    case tone(id: String, ToneGenerator.Tone, milliseconds: Int)
    case silence(id: String, milliseconds: Int)
}
