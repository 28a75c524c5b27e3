"""RTP on the wire and the audio in it: loopback capture, pcap and RTP parsing, G.711,
WAV files, and the comparisons the media tests make.

Capture runs dumpcap (tshark's capture engine) on ``lo`` with a BPF filter and writes a
classic pcap (``-P``); the parser here reads it without tshark. Linux ``lo`` is link
type 1 (DLT_EN10MB: a 14-byte Ethernet header with zero addresses); Linux cooked
captures (113, 276) and raw IP (101, 228) are read too so a capture made elsewhere works.

Audio comparisons work on float arrays of 8 kHz samples in [-1, 1):
``correlate`` finds the lag that best lines a reference up with what was received
(FFT cross-correlation, then a sub-sample refinement, because a resampler in the path
may delay the audio by a fraction of a sample) and returns the normalised (Pearson)
correlation over the reference's length: 1.0 is the same waveform at any gain,
G.711 quantisation alone leaves > 0.99, unrelated audio or silence gives ~0.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .ports import LOOPBACK
from .processes import track

RATE = 8000
PTIME_SAMPLES = 160  # 20 ms at 8 kHz

# ---------------------------------------------------------------------------
# Capture
# ---------------------------------------------------------------------------


def capture_binary() -> str | None:
    return shutil.which("dumpcap") or shutil.which("tshark")


@dataclass
class Capture:
    """``dumpcap -i lo -f FILTER -w FILE``, started and stopped by PID."""

    path: Path
    bpf: str
    interface: str = "lo"
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self, timeout: float = 10.0) -> "Capture":
        binary = capture_binary()
        if binary is None:
            raise AssertionError("neither dumpcap nor tshark is installed: run scripts/install-test-deps.sh")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = self.path.with_suffix(".capture.log")
        # -P: classic pcap; -q: no packet count; -B: 4 MiB kernel buffer (the flood test).
        cmd = [binary, "-i", self.interface, "-f", self.bpf, "-w", str(self.path), "-P", "-q", "-B", "4"]
        log = open(self.log_path, "wb")
        self.process = track(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log))
        log.close()
        deadline = time.monotonic() + timeout
        # dumpcap prints "Capturing on 'Loopback: lo'" once the filter is installed and
        # has written the pcap header by then.
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"capture exited with status {self.process.returncode}: "
                                     f"{' '.join(cmd)}\n{self.log()}")
            if "Capturing on" in self.log() and self.path.exists() and self.path.stat().st_size >= 24:
                time.sleep(0.1)
                return self
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"capture did not start within {timeout:.0f} s: {' '.join(cmd)}\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except FileNotFoundError:
            return ""

    def stop(self) -> list["Datagram"]:
        """Stop (SIGINT: dumpcap flushes and closes the file) and return what was captured."""
        if self.process is not None and self.process.poll() is None:
            time.sleep(0.2)  # let the last packets reach the ring buffer
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return read_pcap(self.path) if self.path.exists() else []

    def __enter__(self) -> "Capture":
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop()


# ---------------------------------------------------------------------------
# pcap
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Datagram:
    time: float  # seconds (capture clock)
    src: str
    sport: int
    dst: str
    dport: int
    payload: bytes


def read_pcap(path: Path) -> list[Datagram]:
    """The IPv4 UDP datagrams of a classic pcap file (any byte order, us or ns resolution)."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file (magic {magic.hex()}); capture with dumpcap -P")
    nanos = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    out: list[Datagram] = []
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[offset:offset + 16])
        offset += 16
        frame = data[offset:offset + incl]
        offset += incl
        ip = _ip_payload(frame, linktype)
        if ip is None:
            continue
        datagram = _udp(ip, sec + frac / (1e9 if nanos else 1e6))
        if datagram is not None:
            out.append(datagram)
    return out


def _ip_payload(frame: bytes, linktype: int) -> bytes | None:
    if linktype == 1:  # Ethernet (Linux lo)
        if len(frame) < 14:
            return None
        ethertype = struct.unpack("!H", frame[12:14])[0]
        body = frame[14:]
        while ethertype == 0x8100 and len(body) >= 4:  # VLAN
            ethertype = struct.unpack("!H", body[2:4])[0]
            body = body[4:]
        return body if ethertype == 0x0800 else None
    if linktype == 113:  # Linux cooked v1
        return frame[16:] if len(frame) >= 16 and frame[14:16] == b"\x08\x00" else None
    if linktype == 276:  # Linux cooked v2
        return frame[20:] if len(frame) >= 20 and frame[0:2] == b"\x08\x00" else None
    if linktype in (101, 228, 12):  # raw IP / raw IPv4
        return frame
    if linktype == 0:  # BSD loopback
        return frame[4:] if len(frame) >= 4 else None
    return None


def _udp(ip: bytes, when: float) -> Datagram | None:
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 0x0F) * 4
    flags_fragment = struct.unpack("!H", ip[6:8])[0]
    if flags_fragment & 0x1FFF:  # a later fragment: no UDP header
        return None
    total = struct.unpack("!H", ip[2:4])[0] or len(ip)
    udp = ip[ihl:total]
    if len(udp) < 8:
        return None
    sport, dport, length = struct.unpack("!HHH", udp[:6])
    return Datagram(time=when, src=socket.inet_ntoa(ip[12:16]), sport=sport,
                    dst=socket.inet_ntoa(ip[16:20]), dport=dport, payload=bytes(udp[8:length or len(udp)]))


def write_pcap(path: Path, datagrams: list[Datagram]) -> None:
    """A classic pcap (Ethernet, microseconds) holding these IPv4 UDP datagrams."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for d in datagrams:
        frame = b"\x00" * 12 + b"\x08\x00" + ipv4_udp(d.src, d.sport, d.dst, d.dport, d.payload)
        sec = int(d.time)
        out += struct.pack("<IIII", sec, int(round((d.time - sec) * 1e6)), len(frame), len(frame)) + frame
    Path(path).write_bytes(bytes(out))


def ipv4_udp(src: str, sport: int, dst: str, dport: int, payload: bytes, ident: int = 0) -> bytes:
    """An IPv4 header (checksummed) and a UDP header (checksum 0: none, allowed over IPv4)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF, 0x4000, 64, 17, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    checksum = _ones_complement(header)
    return header[:10] + struct.pack("!H", checksum) + header[12:] + udp


def _ones_complement(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class SpoofedUdp:
    """Sends UDP with a chosen source address and port through a raw socket (needs root
    or CAP_NET_RAW, like SIPp's play_pcap_audio): how a test speaks as the peer whose
    port another process holds, e.g. to flood from the source Hotline has latched."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        self.ident = 1

    def send(self, src: tuple[str, int], dst: tuple[str, int], payload: bytes) -> None:
        self.ident += 1
        self.sock.sendto(ipv4_udp(src[0], src[1], dst[0], dst[1], payload, self.ident), (dst[0], 0))

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "SpoofedUdp":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def can_spoof() -> bool:
    try:
        SpoofedUdp().close()
        return True
    except PermissionError:
        return False


# ---------------------------------------------------------------------------
# RTP
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RtpPacket:
    time: float
    src: tuple[str, int]
    dst: tuple[str, int]
    version: int
    marker: bool
    payload_type: int
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes


def parse_rtp(d: Datagram) -> RtpPacket | None:
    """RFC 3550 §5.1; None for anything that is not a version-2 RTP packet (RTCP included)."""
    b = d.payload
    if len(b) < 12 or b[0] >> 6 != 2:
        return None
    pt = b[1] & 0x7F
    if 72 <= pt <= 76:  # RTCP SR/RR/SDES/BYE/APP (RFC 5761 §4)
        return None
    cc = b[0] & 0x0F
    offset = 12 + 4 * cc
    if b[0] & 0x10:  # header extension
        if len(b) < offset + 4:
            return None
        offset += 4 + 4 * struct.unpack("!H", b[offset + 2:offset + 4])[0]
    end = len(b)
    if b[0] & 0x20 and end > offset:  # padding
        end -= b[-1]
    if end < offset:
        return None
    seq, ts, ssrc = struct.unpack("!HII", b[2:12])
    return RtpPacket(time=d.time, src=(d.src, d.sport), dst=(d.dst, d.dport), version=2,
                     marker=bool(b[1] & 0x80), payload_type=pt, seq=seq, timestamp=ts, ssrc=ssrc,
                     payload=bytes(b[offset:end]))


def rtp_packets(datagrams: list[Datagram], *, sport: int | None = None, dport: int | None = None,
                src: str | None = None) -> list[RtpPacket]:
    """The RTP packets among ``datagrams`` that match, in capture order."""
    out = []
    for d in datagrams:
        if sport is not None and d.sport != sport:
            continue
        if dport is not None and d.dport != dport:
            continue
        if src is not None and d.src != src:
            continue
        packet = parse_rtp(d)
        if packet is not None:
            out.append(packet)
    return out


def describe_flows(datagrams: list[Datagram]) -> str:
    """One line per (source, destination) pair: what the capture holds, for failure messages."""
    flows: dict[tuple, list[Datagram]] = {}
    for d in datagrams:
        flows.setdefault((d.src, d.sport, d.dst, d.dport), []).append(d)
    lines = []
    for (s, sp, t, tp), ds in sorted(flows.items()):
        pts = sorted({p.payload_type for p in (parse_rtp(x) for x in ds) if p})
        lines.append(f"  {s}:{sp} -> {t}:{tp}: {len(ds)} datagrams, RTP payload types {pts}")
    return "\n".join(lines) or "  (nothing captured)"


def unwrap(values: list[int], bits: int) -> list[int]:
    """Sequence numbers (16 bits) or timestamps (32 bits) made monotonic across wraps."""
    out, offset, previous = [], 0, None
    modulus, half = 1 << bits, 1 << (bits - 1)
    for v in values:
        if previous is not None:
            delta = (v - previous) % modulus
            if delta >= half:
                delta -= modulus
            offset_value = out[-1] + delta
            out.append(offset_value)
        else:
            out.append(v + offset)
        previous = v
    return out


def stream_audio(packets: list[RtpPacket], law: str) -> np.ndarray:
    """Decode one stream to 8 kHz samples, each payload placed at its RTP timestamp (gaps
    stay silent, duplicates overwrite), from the first packet's timestamp."""
    if not packets:
        return np.zeros(0)
    ts = unwrap([p.timestamp for p in packets], 32)
    base = min(ts)
    length = max(t - base + len(p.payload) for t, p in zip(ts, packets))
    if length > RATE * 3600:
        raise ValueError(f"RTP timestamps span {length} samples: not one stream")
    out = np.zeros(length)
    for t, p in zip(ts, packets):
        samples = g711_decode(p.payload, law)
        out[t - base:t - base + len(samples)] = samples
    return out


# ---------------------------------------------------------------------------
# G.711 (ITU-T G.711; the usual Sun reference tables)
# ---------------------------------------------------------------------------


def _ulaw_table() -> np.ndarray:
    table = np.zeros(256)
    for i in range(256):
        u = ~i & 0xFF
        t = ((u & 0x0F) << 3) + 0x84
        t <<= (u & 0x70) >> 4
        table[i] = (0x84 - t) if u & 0x80 else (t - 0x84)
    return table / 32768.0


def _alaw_table() -> np.ndarray:
    table = np.zeros(256)
    for i in range(256):
        a = i ^ 0x55
        t = (a & 0x0F) << 4
        seg = (a & 0x70) >> 4
        if seg == 0:
            t += 8
        elif seg == 1:
            t += 0x108
        else:
            t = (t + 0x108) << (seg - 1)
        table[i] = t if a & 0x80 else -t
    return table / 32768.0


ULAW = _ulaw_table()
ALAW = _alaw_table()


def g711_decode(data: bytes, law: str) -> np.ndarray:
    table = {"ulaw": ULAW, "pcmu": ULAW, "alaw": ALAW, "pcma": ALAW}[law.lower()]
    return table[np.frombuffer(data, dtype=np.uint8)]


def g711_encode(samples: np.ndarray, law: str) -> bytes:
    """Nearest-code encoder (exact inverse of the tables above)."""
    table = {"ulaw": ULAW, "pcmu": ULAW, "alaw": ALAW, "pcma": ALAW}[law.lower()]
    order = np.argsort(table)
    sorted_values = table[order]
    x = np.clip(np.asarray(samples, dtype=float), -1.0, 1.0)
    idx = np.clip(np.searchsorted(sorted_values, x), 1, 255)
    lower, upper = sorted_values[idx - 1], sorted_values[idx]
    pick = np.where(np.abs(x - lower) <= np.abs(upper - x), idx - 1, idx)
    return order[pick].astype(np.uint8).tobytes()


SILENCE_BYTE = {"pcmu": 0xFF, "ulaw": 0xFF, "pcma": 0xD5, "alaw": 0xD5}


# ---------------------------------------------------------------------------
# WAV
# ---------------------------------------------------------------------------


@dataclass
class Wav:
    rate: int
    channels: int
    format_tag: int  # 1 PCM, 3 float, 6 A-law, 7 mu-law (WAVE_FORMAT_EXTENSIBLE resolved)
    bits: int
    samples: np.ndarray  # shape (frames, channels), floats in [-1, 1)
    data_bytes: int = 0
    header_problems: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.rate if self.rate else 0.0

    def channel(self, index: int) -> np.ndarray:
        return self.samples[:, index]


def read_wav(path: Path) -> Wav:
    """RIFF/WAVE with PCM 8/16/24/32-bit, float, A-law or mu-law data; problems with the
    header (sizes that disagree with the file) are listed, not fatal."""
    raw = Path(path).read_bytes()
    problems: list[str] = []
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file (starts {raw[:12]!r})")
    riff_size = struct.unpack("<I", raw[4:8])[0]
    if riff_size + 8 != len(raw):
        problems.append(f"RIFF size {riff_size} + 8 != file size {len(raw)}")
    offset = 12
    fmt = None
    data = None
    data_declared = 0
    while offset + 8 <= len(raw):
        cid, size = raw[offset:offset + 4], struct.unpack("<I", raw[offset + 4:offset + 8])[0]
        body = raw[offset + 8:offset + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            data, data_declared = body, size
            if len(body) < size:
                problems.append(f"data chunk declares {size} bytes, file holds {len(body)}")
        offset += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise ValueError(f"{path}: no {'fmt ' if fmt is None else 'data'} chunk")
    tag, channels, rate, byte_rate, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]
    if align != channels * max(bits, 8) // 8:
        problems.append(f"block align {align} != channels {channels} x {bits} bits / 8")
    if byte_rate != rate * align:
        problems.append(f"byte rate {byte_rate} != sample rate {rate} x block align {align}")
    usable = len(data) - len(data) % max(align, 1)
    buf = data[:usable]
    if tag == 1 and bits == 16:
        x = np.frombuffer(buf, dtype="<i2") / 32768.0
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(buf, dtype=np.uint8).astype(float) - 128) / 128.0
    elif tag == 1 and bits == 24:
        b = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)
    elif tag == 1 and bits == 32:
        x = np.frombuffer(buf, dtype="<i4") / float(1 << 31)
    elif tag == 3:
        x = np.frombuffer(buf, dtype="<f4" if bits == 32 else "<f8").astype(float)
    elif tag == 6:
        x = ALAW[np.frombuffer(buf, dtype=np.uint8)]
    elif tag == 7:
        x = ULAW[np.frombuffer(buf, dtype=np.uint8)]
    else:
        raise ValueError(f"{path}: unsupported WAV format tag {tag} / {bits} bits")
    return Wav(rate=rate, channels=channels, format_tag=tag, bits=bits,
               samples=x.reshape(-1, channels), data_bytes=data_declared, header_problems=problems)


def write_wav(path: Path, samples: np.ndarray, *, rate: int = RATE, encoding: str = "pcm16") -> Path:
    """Mono WAV: ``pcm16``, ``ulaw`` or ``alaw`` (G.711 WAVs get a plain 16-byte fmt chunk
    and no fact chunk, so the data starts at byte 44: what SIPp's rtp_stream expects)."""
    x = np.asarray(samples, dtype=float)
    if encoding == "pcm16":
        data = (np.clip(x, -1, 32767 / 32768) * 32768).round().astype("<i2").tobytes()
        tag, bits, align = 1, 16, 2
    else:
        data = g711_encode(x, encoding)
        tag, bits, align = (7 if encoding in ("ulaw", "pcmu") else 6), 8, 1
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate * align, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    if len(data) & 1:
        body += b"\x00"
    Path(path).write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return Path(path)


def sox(*args: str | Path, timeout: float = 60) -> None:
    cmd = ["sox", *map(str, args)]
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout.decode(errors='replace')}")


def to_8k_mono(path: Path, workdir: Path) -> np.ndarray:
    """Any WAV sox reads, as 8 kHz mono floats (sox's own resampler: the reference)."""
    out = workdir / (Path(path).stem + ".ref8k.wav")
    sox(path, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out)
    return read_wav(out).channel(0)


def pcap_audio(path: Path, law: str) -> np.ndarray:
    """The audio of the (single) RTP stream in a pcap file, e.g. SIPp's g711a.pcap."""
    packets = [p for p in rtp_packets(read_pcap(path)) if p.payload_type in (0, 8)]
    return stream_audio(packets, law)


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------


@dataclass
class Match:
    score: float        # normalised correlation over the reference's length
    lag: float          # where the reference starts in the received audio, in samples
    reference_rms: float
    received_rms: float

    def __str__(self) -> str:
        return (f"correlation {self.score:.3f} at lag {self.lag:.2f} samples ({self.lag / RATE * 1000:.1f} ms), "
                f"rms reference {_db(self.reference_rms)} received {_db(self.received_rms)}")


def _db(rms: float) -> str:
    return f"{20 * np.log10(rms):.1f} dBFS" if rms > 0 else "-inf dBFS"


def rms(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = np.sqrt(np.dot(a, a) * np.dot(b, b))
    return float(np.dot(a, b) / denominator) if denominator > 0 else 0.0


def _fractional_shift(x: np.ndarray, shift: float) -> np.ndarray:
    """x delayed by ``shift`` samples (band-limited interpolation via the FFT)."""
    n = len(x)
    size = 1 << int(np.ceil(np.log2(max(n * 2, 2))))
    spectrum = np.fft.rfft(x, size)
    freqs = np.fft.rfftfreq(size)
    return np.fft.irfft(spectrum * np.exp(-2j * np.pi * freqs * shift), size)[:n]


def correlate(reference: np.ndarray, received: np.ndarray, *, max_lag: int | None = None) -> Match:
    """Where ``reference`` occurs in ``received`` and how well it matches there.

    The reference is compared whole: a received stream that is cut short or partly
    silent scores lower (the missing samples count as zeros). ``max_lag`` bounds where
    the reference may start in ``received`` (samples; default anywhere)."""
    reference = np.asarray(reference, dtype=float)
    received = np.asarray(received, dtype=float)
    n = len(reference)
    if n < 4 or len(received) == 0:
        return Match(0.0, 0.0, rms(reference), rms(received))
    pad = n + 1
    padded = np.concatenate([np.zeros(pad), received, np.zeros(pad)])
    size = 1 << int(np.ceil(np.log2(len(padded) + n)))
    # xc[k] = sum_i reference[i] * padded[k + i]
    xc = np.fft.irfft(np.fft.rfft(padded, size) * np.conj(np.fft.rfft(reference, size)), size)
    positions = len(padded) - n + 1
    xc = xc[:positions]
    energy = np.concatenate([[0.0], np.cumsum(padded * padded)])
    window = energy[n:n + positions] - energy[:positions]
    score = xc / np.sqrt(np.maximum(window, 1e-12))
    k = np.arange(positions)
    allowed = (k >= 1) & (k <= positions - 2)
    if max_lag is not None:
        allowed &= np.abs(k - pad) <= max_lag
    score = np.where(allowed, score, -np.inf)
    best = int(np.argmax(score))
    # Sub-sample refinement: the reference delayed by 1 + frac against the stretch that
    # starts one sample before the best integer position.
    segment = padded[best - 1:best - 1 + n + 2]
    extended = np.concatenate([reference, np.zeros(2)])
    best_score, best_lag = -1.0, float(best - pad)
    for frac in np.arange(-1.0, 1.0001, 0.125):
        shifted = _fractional_shift(extended, 1.0 + frac)
        value = _pearson(shifted[1:n + 1], segment[1:n + 1])
        if value > best_score:
            best_score, best_lag = value, best - pad + float(frac)
    return Match(best_score, best_lag, rms(reference), rms(padded[best:best + n]))


def envelope(x: np.ndarray, window: int = 160) -> np.ndarray:
    """RMS per ``window`` samples (20 ms at 8 kHz by default)."""
    x = np.asarray(x, dtype=float)
    frames = len(x) // window
    if frames == 0:
        return np.zeros(0)
    return np.sqrt(np.mean(x[:frames * window].reshape(frames, window) ** 2, axis=1))


@dataclass
class Pacing:
    count: int
    median_ms: float
    p99_jitter_ms: float   # 99th percentile of |inter-arrival - 20 ms|
    max_gap_ms: float

    def __str__(self) -> str:
        return (f"{self.count} inter-arrival gaps: median {self.median_ms:.2f} ms, "
                f"p99 |gap - 20 ms| {self.p99_jitter_ms:.2f} ms, largest gap {self.max_gap_ms:.1f} ms")


def pacing(packets: list[RtpPacket], nominal_ms: float = 20.0) -> Pacing:
    times = np.array([p.time for p in packets])
    gaps = np.diff(times) * 1000.0
    if len(gaps) == 0:
        return Pacing(0, 0.0, 0.0, 0.0)
    return Pacing(len(gaps), float(np.median(gaps)), float(np.percentile(np.abs(gaps - nominal_ms), 99)),
                  float(gaps.max()))


def sequence_problems(packets: list[RtpPacket], *, samples_per_packet: int = PTIME_SAMPLES,
                      limit: int = 10) -> list[str]:
    """Consecutive packets (capture order) whose seq is not +1 or timestamp not +160."""
    problems = []
    for a, b in zip(packets, packets[1:]):
        dseq = (b.seq - a.seq) % 65536
        dts = (b.timestamp - a.timestamp) % (1 << 32)
        if dseq != 1 or dts != samples_per_packet:
            problems.append(f"seq {a.seq}->{b.seq} (+{dseq}), ts {a.timestamp}->{b.timestamp} (+{dts})")
    if len(problems) > limit:
        problems = problems[:limit] + [f"... {len(problems) - limit} more"]
    return problems


# ---------------------------------------------------------------------------
# Test audio
# ---------------------------------------------------------------------------


def make_tone_prompt(path: Path, seconds: float = 3.0, rate: int = RATE) -> Path:
    """A prompt with no repeating stretch (so alignment is unambiguous): a rising chirp,
    two tones with a gap, then band-limited noise, with onsets and fades, via sox."""
    part = seconds / 3
    sox("-n", "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer", path,
        "synth", f"{part:.3f}", "sine", "300-1800",
        "synth", f"{part:.3f}", "sine", "amod", "3", "100",   # 3 Hz tremolo on the chirp
        "gain", "-6",
        ":", "synth", f"{part / 2:.3f}", "sine", "523", "gain", "-4",
        ":", "synth", f"{part / 2:.3f}", "sine", "784", "fade", "0.02", "-0", "0.1", "gain", "-8",
        ":", "synth", f"{part:.3f}", "pinknoise", "sinc", "200-3000", "gain", "-10", "fade", "0.05", "-0", "0.3")
    return path


def make_speech_prompt(path: Path, text: str, workdir: Path) -> Path:
    """Speech from espeak-ng (or flite), band-limited to the telephone band and kept at
    the synthesiser's own rate (22.05 or 16 kHz): Hotline resamples it to 8 kHz itself."""
    raw = workdir / (path.stem + ".tts.wav")
    if shutil.which("espeak-ng"):
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    elif shutil.which("flite"):
        subprocess.run(["flite", "-t", text, "-o", str(raw)], check=True, timeout=60)
    else:
        raise AssertionError("neither espeak-ng nor flite is installed: run scripts/install-test-deps.sh")
    sox(raw, "-c", "1", "-b", "16", "-e", "signed-integer", path, "sinc", "150-3300", "norm", "-3")
    return path


DTMF_FREQUENCIES = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}


def make_dtmf_wav(path: Path, digits: str, workdir: Path, *, tone_ms: int = 120, gap_ms: int = 150,
                  lead_ms: int = 500, tail_ms: int = 800, encoding: str = "ulaw") -> Path:
    """In-band DTMF (ITU-T Q.23 pairs, each tone at -10 dBFS) made by sox, then G.711-encoded
    into a WAV SIPp's rtp_stream can play: 8 kHz, data at byte 44."""
    pieces = []
    for i, digit in enumerate(digits):
        low, high = DTMF_FREQUENCIES[digit]
        tone = workdir / f"dtmf-{i:02d}.wav"
        sox("-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tone,
            "synth", f"{tone_ms / 1000:.3f}", "sine", str(low), "sine", str(high), "channels", "1",
            "gain", "-n", "-7")
        pieces.append(read_wav(tone).channel(0))
    gap = np.zeros(RATE * gap_ms // 1000)
    audio = [np.zeros(RATE * lead_ms // 1000)]
    for piece in pieces:
        audio += [piece, gap]
    audio.append(np.zeros(RATE * tail_ms // 1000))
    return write_wav(path, np.concatenate(audio), encoding=encoding)


def rtp_bytes(*, payload_type: int, seq: int, timestamp: int, ssrc: int, payload: bytes,
              marker: bool = False) -> bytes:
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | (payload_type & 0x7F),
                       seq & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc & 0xFFFFFFFF) + payload


def send_flood(target: tuple[str, int], *, count: int, seconds: float, make_packet, send) -> float:
    """``count`` packets spread evenly over ``seconds`` (in bursts every 5 ms); returns the
    time it really took."""
    started = time.monotonic()
    bursts = max(1, int(seconds / 0.005))
    per_burst = -(-count // bursts)
    sent = 0
    for burst in range(bursts):
        due = started + burst * 0.005
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        for _ in range(per_burst):
            if sent >= count:
                break
            send(make_packet(sent), target)
            sent += 1
    return time.monotonic() - started


def env_seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default

