/// Media: RTP/RTCP, G.711, RFC 4733 events, in-band DTMF detection, jitter buffer and WAV,
/// as pure values (DESIGN.md). The network side lives in MediaNetwork.
public enum MediaModule {
    /// 8 kHz narrowband audio, the only rate G.711 knows.
    public static let sampleRate = 8000
    /// Samples in a 20 ms frame at 8 kHz (the ptime every leg uses).
    public static let samplesPerFrame = 160
}
