/// Text-to-speech for prompts: espeak-ng renders a (text, voice) pair once to 8 kHz audio,
/// cached on disk, so the first caller waits for nothing and a sentence said a thousand
/// times is rendered once. An adapter (it runs a process and writes files).
public enum SpeechModule {}
