/// Moves relayed packets onto the timeline of the stream they are sent on (RFC 3550 §7:
/// an RTP translator), so a bridged leg hears one continuous stream whatever the
/// other side does: prompts before the bridge, another SSRC after a re-INVITE.
///
/// Each outgoing timestamp is the source's plus an offset. The offset is chosen when
/// the first packet of a source arrives so that it follows on from what the leg sent
/// last, and chosen again when the source changes its SSRC or jumps by more than
/// ``maximumJump`` (a restarted stream): those packets carry the marker bit, the start
/// of a talkspurt (RFC 3551 §4.1). Gaps the source leaves (lost packets, silence
/// suppression) stay gaps on our side, so the receiver's jitter buffer sees them.
public struct RTPTranslator: Hashable, Sendable {
    /// A jump in the source's timestamps larger than this restarts the translation:
    /// 10 s at 8 kHz.
    public static let maximumJump: UInt32 = 80_000

    private var sourceSSRC: UInt32?
    private var offset: UInt32 = 0
    private var lastSourceTimestamp: UInt32 = 0

    public init() {}

    /// Restarts the translation: the next packet starts a new talkspurt.
    public mutating func reset() { sourceSSRC = nil }

    /// The timestamp to send a packet with, and whether it starts a talkspurt.
    /// `streamTimestamp` is the timestamp our own next packet would carry.
    public mutating func translate(sourceTimestamp: UInt32, sourceSSRC ssrc: UInt32,
                                   streamTimestamp: UInt32) -> (timestamp: UInt32, marker: Bool) {
        let delta = sourceTimestamp &- lastSourceTimestamp
        // Forward or backward (a reordered packet) by less than the limit is the same stream.
        let continuous = sourceSSRC == ssrc && (delta <= Self.maximumJump || delta >= 0 &- Self.maximumJump)
        guard continuous else {
            sourceSSRC = ssrc
            offset = streamTimestamp &- sourceTimestamp
            lastSourceTimestamp = sourceTimestamp
            return (streamTimestamp, true)
        }
        if Int32(bitPattern: delta) > 0 { lastSourceTimestamp = sourceTimestamp }
        return (sourceTimestamp &+ offset, false)
    }
}
