import HotlineModel

/// Text-to-speech for prompts: espeak-ng renders a (text, voice) pair once to 8 kHz audio,
/// cached on disk, so the first caller waits for nothing and a sentence said a thousand
/// times is rendered once. An adapter (it runs a process and writes files).
///
/// ``TextToSpeech`` is the entry point: ``TextToSpeech/prompt(_:language:)`` for one text,
/// ``TextToSpeech/prewarm(_:)`` for a flow's static prompts when the flow loads.
public enum SpeechModule {
    /// The espeak-ng voice for each language Hotline speaks. Mandarin uses
    /// `cmn-latn-pinyin`: in espeak-ng 1.51 (Debian 12) the plain `cmn` voice reads many
    /// characters as pinyin in an English voice ("yi one" for 一; espeak-ng issues #1028,
    /// #1163, #1236), the pinyin-Latin variant reads them as Mandarin.
    public static func voice(for language: Language) -> String {
        switch language {
        case .zhCN: "cmn-latn-pinyin"
        case .enUS: "en-us"
        }
    }
}
