"""One continuous caller stream per call, as a pcap SIPp plays with play_pcap_audio.

SIPp's own ``dtmf_2833_N.pcap`` captures cannot spell a caller's keys: they all share one
SSRC and fixed sequence numbers and timestamps from one recording, so the same key twice
(a PIN like 111111) looks like a retransmission of the first, and 0's capture has an
earlier timestamp than the others. Here a call's whole caller side is built as one
stream instead: 20 ms PCMU frames (silence, or speech) on one SSRC with one rising
sequence/timestamp line, and

* ``rfc4733``: each key an RFC 4733 event (payload type 101) sent in place of the audio
  frames while it lasts, with exactly the packet pattern of SIPp's captures (read from
  them by ``sipp_event_pattern``: a first packet with the M bit and duration 0, a packet
  every 20 ms with the duration growing by 320, then the end packet sent three times
  with the same sequence number; volume 10), timestamped at the audio frame it starts;
* ``inband``: each key a DTMF tone pair (ITU-T Q.23) mixed into the PCMU audio for
  100 ms, for a caller whose SDP offers no telephone-event.

Keys are given as ``(seconds from the stream's start, key)``; ``presses`` spells them.
SIPp rewrites the addresses and ports when it plays a capture; the ones written here
(127.0.0.1:6000 -> 127.0.0.1:6001) do not matter.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import rtp

SIPP_PCAPS = Path("/usr/share/sip-tester")
EVENT_PT = 101
PCMU_PT = 0
FRAME_SECONDS = 0.020
EVENT_CODES = {**{str(d): d for d in range(10)}, "*": 10, "#": 11, "A": 12, "B": 13, "C": 14, "D": 15}
INBAND_TONE_SECONDS = 0.100
INBAND_AMPLITUDE = 0.22            # each of the pair: about -13 dBFS, the sum peaks near -7 dBFS


@dataclass(frozen=True)
class EventPacket:
    """One packet of an RFC 4733 event as SIPp's captures send it."""
    offset: float       # seconds after the event's first packet
    new_seq: bool       # False: a retransmission with the previous packet's sequence number
    marker: bool
    end: bool
    volume: int
    duration: int       # timestamp units (1/8000 s)


def sipp_event_pattern(digit: str = "1") -> list[EventPacket]:
    """The event packets of SIPp's ``dtmf_2833_<digit>.pcap``, relative to the first one."""
    name = {"*": "star", "#": "pound"}.get(digit, digit)
    path = SIPP_PCAPS / f"dtmf_2833_{name}.pcap"
    packets = [p for p in (rtp.parse_rtp(d) for d in rtp.read_pcap(path)) if p and p.payload_type == EVENT_PT]
    if not packets:
        raise AssertionError(f"{path}: no RFC 4733 packets (payload type {EVENT_PT}) in SIPp's capture")
    first = packets[0]
    out, previous_seq = [], None
    for p in packets:
        _event, flags, duration = struct.unpack("!BBH", p.payload[:4])
        # SIPp's capture clock has 0.1 ms jitter; the sender paces at 20 ms.
        offset = round((p.time - first.time) / FRAME_SECONDS) * FRAME_SECONDS
        out.append(EventPacket(offset=offset, new_seq=p.seq != previous_seq, marker=p.marker,
                               end=bool(flags & 0x80), volume=flags & 0x3F, duration=duration))
        previous_seq = p.seq
    return out


def presses(*groups: tuple[float, str], gap: float = 0.3) -> list[tuple[float, str]]:
    """``presses((1.0, "11"), (5.0, "123456"))``: each group's keys from its start, ``gap`` apart."""
    out = []
    for start, keys in groups:
        out += [(start + i * gap, key) for i, key in enumerate(keys.replace(" ", ""))]
    return sorted(out)


def speech_ulaw(wav: Path, workdir: Path) -> bytes:
    """A WAV as 8 kHz mu-law bytes (sox), e.g. prompts/demo/welcome-zh.wav as the caller's voice."""
    raw = workdir / (wav.stem + ".ulaw")
    rtp.sox(wav, "-r", "8000", "-c", "1", "-t", "raw", "-e", "u-law", raw)
    return raw.read_bytes()


def _audio(seconds: float, speech: bytes | None) -> bytearray:
    """``seconds`` of mu-law: the speech (repeated) or silence."""
    size = int(round(seconds / FRAME_SECONDS)) * rtp.PTIME_SAMPLES
    if not speech:
        return bytearray([rtp.SILENCE_BYTE["pcmu"]]) * size
    return bytearray((speech * (size // len(speech) + 1))[:size])


def _check(keys: list[tuple[float, str]], seconds: float, minimum_gap: float) -> None:
    for (a, ka), (b, kb) in zip(keys, keys[1:]):
        if b - a < minimum_gap:
            raise ValueError(f"keys {ka!r} at {a:.2f} s and {kb!r} at {b:.2f} s are closer than {minimum_gap:.2f} s")
    if keys and keys[-1][0] + 0.5 > seconds:
        raise ValueError(f"the last key at {keys[-1][0]:.2f} s is not inside a {seconds:.2f} s stream")
    unknown = sorted({k for _, k in keys} - set(EVENT_CODES))
    if unknown:
        raise ValueError(f"not phone keys: {unknown}")


class _Writer:
    """RTP packets on one SSRC with one sequence line, as pcap datagrams."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.ssrc = rng.getrandbits(32)
        self.seq = rng.getrandbits(15)
        self.ts0 = rng.getrandbits(31)
        self.datagrams: list[rtp.Datagram] = []

    def send(self, when: float, payload_type: int, timestamp: int, payload: bytes, *, marker: bool = False,
             new_seq: bool = True) -> None:
        if new_seq:
            self.seq = (self.seq + 1) & 0xFFFF
        data = rtp.rtp_bytes(payload_type=payload_type, seq=self.seq, timestamp=(self.ts0 + timestamp) & 0xFFFFFFFF,
                             ssrc=self.ssrc, payload=payload, marker=marker)
        self.datagrams.append(rtp.Datagram(time=when, src="127.0.0.1", sport=6000, dst="127.0.0.1", dport=6001,
                                           payload=data))


def rfc4733_stream(path: Path, keys: list[tuple[float, str]], seconds: float, *, speech: bytes | None = None,
                   seed: int = 1) -> Path:
    """PCMU frames for ``seconds`` with each key an RFC 4733 event in SIPp's pattern."""
    pattern = sipp_event_pattern()
    event_span = pattern[-1].offset + FRAME_SECONDS
    _check(keys, seconds, event_span + 0.04)
    audio = _audio(seconds, speech)
    frames = len(audio) // rtp.PTIME_SAMPLES
    starts = {int(round(at / FRAME_SECONDS)): key for at, key in keys}
    writer = _Writer(seed)
    frame = 0
    first = True
    while frame < frames:
        when = frame * FRAME_SECONDS
        timestamp = frame * rtp.PTIME_SAMPLES
        if frame in starts:
            code = EVENT_CODES[starts[frame]]
            for packet in pattern:
                flags = (0x80 if packet.end else 0) | packet.volume
                writer.send(when + packet.offset, EVENT_PT, timestamp, struct.pack("!BBH", code, flags, packet.duration),
                            marker=packet.marker, new_seq=packet.new_seq)
            # Audio resumes on the 20 ms grid after the event's last packet.
            frame += int(round(event_span / FRAME_SECONDS))
            continue
        chunk = bytes(audio[frame * rtp.PTIME_SAMPLES:(frame + 1) * rtp.PTIME_SAMPLES])
        writer.send(when, PCMU_PT, timestamp, chunk, marker=first)
        first = False
        frame += 1
    rtp.write_pcap(path, writer.datagrams)
    return path


def inband_stream(path: Path, keys: list[tuple[float, str]], seconds: float, *, seed: int = 1,
                  tone_seconds: float = INBAND_TONE_SECONDS) -> Path:
    """PCMU frames for ``seconds`` of silence with each key a 100 ms DTMF tone pair in the audio."""
    _check(keys, seconds, tone_seconds + 0.1)
    samples = np.zeros(int(round(seconds / FRAME_SECONDS)) * rtp.PTIME_SAMPLES)
    t = np.arange(int(tone_seconds * rtp.RATE)) / rtp.RATE
    for at, key in keys:
        low, high = rtp.DTMF_FREQUENCIES[key]
        tone = INBAND_AMPLITUDE * (np.sin(2 * np.pi * low * t) + np.sin(2 * np.pi * high * t))
        start = int(round(at * rtp.RATE))
        samples[start:start + len(tone)] += tone[:len(samples) - start]
    audio = rtp.g711_encode(samples, "ulaw")
    writer = _Writer(seed)
    for frame in range(len(audio) // rtp.PTIME_SAMPLES):
        writer.send(frame * FRAME_SECONDS, PCMU_PT, frame * rtp.PTIME_SAMPLES,
                    audio[frame * rtp.PTIME_SAMPLES:(frame + 1) * rtp.PTIME_SAMPLES], marker=frame == 0)
    rtp.write_pcap(path, writer.datagrams)
    return path
