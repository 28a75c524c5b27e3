import HotlineModel

/// Something that happened on the call, handed to ``FlowSession/handle(_:now:)``.
public enum IVREvent: Sendable, Hashable {
    /// A key the caller pressed (`0`-`9`, `*`, `#`), once per press, from any DTMF source
    /// (RFC 4733 events, SIP INFO or in-band detection: the adapter merges them).
    case digit(Character)
    /// Everything the last ``IVRAction/play(_:bargeIn:)`` queued has played. Not sent for a
    /// queue ended by ``IVRAction/stopPlayback``.
    case playbackFinished
    /// A timer started with ``IVRAction/startTimer(_:at:)`` reached its deadline.
    case timer(IVRTimer)
    /// The answer to ``IVRAction/lookup(request:record:key:)``; nil when nothing was found.
    case lookupResult(request: Int, FlowValue?)
    /// The answer to ``IVRAction/create(request:record:fields:)``: the record as stored
    /// (with its number), or nil when the store refused it.
    case created(request: Int, FlowValue?)
    /// The answer to ``IVRAction/verify(request:method:identifier:pin:)``.
    case verifyResult(request: Int, VerifyOutcome)
    /// The answer to ``IVRAction/http(request:method:url:jsonBody:timeoutMilliseconds:)``.
    case httpResult(request: Int, HTTPOutcome)
    /// A voicemail or callback request was stored under `id`.
    case stored(request: Int, id: String)
    /// The caller hung up: the session ends whatever it was doing.
    case callerHungUp
}

/// How a PIN check went.
public enum VerifyOutcome: Sendable, Hashable {
    case verified(customer: FlowValue)
    case wrongPIN(triesLeft: Int)
    /// Too many wrong PINs: the account is locked for a while.
    case locked
    /// No customer has that identifier (or, for `caller_id`, that number).
    case unknownIdentifier
}

/// How an HTTP request to an enterprise system went.
public enum HTTPOutcome: Sendable, Hashable {
    /// Any status; `body` is the parsed JSON (nil when there was none or it was not JSON).
    case response(status: Int, body: FlowValue?)
    /// Connection refused, TLS failure, ... with the reason for the log.
    case failed(String)
    case timedOut
}

/// The session's timers. At most one of each runs: starting a running timer moves its
/// deadline.
public enum IVRTimer: Sendable, Hashable {
    /// No key within a menu's or language node's timeout, or no first digit in a collect.
    case noInput
    /// No further digit in a collect.
    case interDigit
    /// The guard on HTTP request `n` (the adapter's own timeout should fire first).
    case http(Int)
}
