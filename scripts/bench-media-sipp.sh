#!/usr/bin/env bash
# Media benchmark driven by SIPp (a check of scripts/bench-media.sh with a load generator
# that is not Hotline's own): Hotline pinned to core 0 answers line 9000, plays a looping
# prompt to every call (and records it with RECORD=stereo); SIPp (Debian `sip-tester`)
# pinned to core 1 places the calls with tests/interop/scenarios/bench_uac_pcap.xml:
# INVITE offering PCMU + telephone-event/101, 200/ACK, then 20 ms PCMU caller audio played
# with <exec play_pcap_audio> in a loop for HOLD seconds, then BYE. The capture is made at
# start from prompts/demo/welcome-zh.wav (speech with its pauses, 10 s, looped to cover HOLD).
#
#   bash scripts/bench-media-sipp.sh [CALLS ...]            # default: 100 200 400 800
#   HOLD=30 RATE=50 RECORD=stereo bash scripts/bench-media-sipp.sh 400
#   HOLD=40 LOG_LEVEL=info bash scripts/bench-media-sipp.sh 1000   # raise HOLD for big runs
#
# Prints per run: calls attempted/succeeded/failed (SIPp's statistics file); over the
# steady window when every call is up (ramp end + 1 s to first hang-up - 1 s, as
# `hotline bench media-load` measures it) Hotline's CPU per call-second and % of a core,
# SIPp's own CPU % of a core and the RTP packets it played per second (its raw-socket
# sends, counted machine-wide from /proc/net/snmp, so approximate); Hotline's RSS per call.
# SIPp plays each call's capture from a thread of its own, so it runs out of CPU long
# before Hotline does: when calls fail, SIPp gives up, SIPp is near 100 % of its core or
# plays fewer packets than it should, a "sipp saturated: ..." line says so, and Hotline's
# figures of that run are not to be trusted as a Hotline limit.
# The steady window needs HOLD > CALLS / RATE + 3 s; raise HOLD for big runs.
# Everything stays on 127.0.0.1 (Hotline SIP 16950, RTP 20000-29999; SIPp SIP 16960,
# media 30000). Needs root for SIPp's pcap playback (raw socket).
set -euo pipefail
cd "$(dirname "$0")/.."
HOLD=${HOLD:-20}
RATE=${RATE:-50}
RECORD=${RECORD:-off}
PORT=${PORT:-16950}
SIPP_PORT=${SIPP_PORT:-16960}
SIPP_MEDIA_PORT=${SIPP_MEDIA_PORT:-30000}
RUNS=("$@"); [ ${#RUNS[@]} -eq 0 ] && RUNS=(100 200 400 800)
BIN=${HOTLINE_BIN:-.build/release/hotline}
[ -x "$BIN" ] || swift build -c release --product hotline
command -v sipp >/dev/null || { echo "installing sip-tester"; apt-get install -y sip-tester >/dev/null; }
command -v sox >/dev/null || { echo "installing sox"; apt-get install -y sox >/dev/null; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
server=""; sipp_pid=""
cleanup() {
  [ -n "$sipp_pid" ] && kill -TERM "$sipp_pid" 2>/dev/null && wait "$sipp_pid" 2>/dev/null
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The caller's audio: the Chinese demo prompt padded with silence to 10 s, 8 kHz μ-law,
# repeated to PCAP_SECONDS (default: HOLD rounded up to 10 s) as a pcap of Ethernet/IPv4/
# UDP/RTP packets, PT 0, 160-byte payloads, 20 ms apart, sequence numbers and timestamps
# rising throughout. SIPp 3.6 replays a capture's RTP headers as they are, so restarting
# a shorter capture (PCAP_SECONDS=10 with HOLD=20) sends sequence numbers from 0 again on
# the same SSRC, and Hotline drops every packet after the first pass as duplicateOrLate.
hold_ms=$((HOLD * 1000))
PCAP_SECONDS=${PCAP_SECONDS:-$(( (HOLD + 9) / 10 * 10 ))}
sox prompts/demo/welcome-zh.wav -r 8000 -c 1 -t raw -e u-law "$work/speech.ulaw"
python3 - "$work/speech.ulaw" "$work/caller-pcmu-20ms.pcap" "$PCAP_SECONDS" <<'PY'
import struct, sys
speech = open(sys.argv[1], "rb").read()[:80000].ljust(80000, b"\xff")  # 10 s, padded with μ-law silence
audio = (speech * (int(sys.argv[3]) // 10 + 1))[:int(sys.argv[3]) * 8000]
frames = [audio[i:i + 160] for i in range(0, len(audio) - 159, 160)]
with open(sys.argv[2], "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))  # LINKTYPE_ETHERNET
    for n, payload in enumerate(frames):
        rtp = struct.pack("!BBHII", 0x80, 0x80 if n == 0 else 0, n & 0xFFFF, n * 160, 0x48544C4E) + payload
        udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
        words = struct.unpack("!10H", ip)
        s = sum(words); s = (s & 0xFFFF) + (s >> 16); s = (s & 0xFFFF) + (s >> 16)
        ip = ip[:10] + struct.pack("!H", ~s & 0xFFFF) + ip[12:] + udp
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        usec = n * 20000
        out.write(struct.pack("<IIII", usec // 1000000, usec % 1000000, len(frame), len(frame)) + frame)
PY
pcap_ms=$((PCAP_SECONDS * 1000))
loops=$(( (hold_ms + pcap_ms - 1) / pcap_ms ))   # 1 unless PCAP_SECONDS < HOLD
chunk_ms=$(( hold_ms / loops ))
sed -e "s|{{PCAP}}|$work/caller-pcmu-20ms.pcap|" -e "s|{{LOOPS}}|$loops|" -e "s|{{CHUNK_MS}}|$chunk_ms|" \
  tests/interop/scenarios/bench_uac_pcap.xml > "$work/bench_uac_pcap.xml"

. scripts/bench-media-server.sh
start_bench_server "$work"

ticks=$(getconf CLK_TCK)
ticks_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }   # utime + stime
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
now() { date +%s.%N; }
# Packets that left through raw sockets (SIPp's pcap playback): IP datagrams sent minus
# those sent from UDP, TCP and ICMP sockets, machine-wide (/proc/net/snmp).
raw_out() { awk '$1 == "Ip:" && !h["Ip"]++ { for (i = 2; i <= NF; i++) if ($i == "OutRequests") ip = i; next }
  $1 == "Ip:" { n += $ip } $1 == "Udp:" && !h["Udp"]++ { for (i = 2; i <= NF; i++) if ($i == "OutDatagrams") u = i; next }
  $1 == "Udp:" { n -= $u } $1 == "Tcp:" && !h["Tcp"]++ { for (i = 2; i <= NF; i++) if ($i == "OutSegs") t = i; next }
  $1 == "Tcp:" { n -= $t } $1 == "Icmp:" && !h["Icmp"]++ { for (i = 2; i <= NF; i++) if ($i == "OutMsgs") c = i; next }
  $1 == "Icmp:" { n -= $c } END { print n }' /proc/net/snmp; }
sleep_until() { local d; d=$(echo "$1 - $(now)" | bc -l); [ "$(echo "$d > 0" | bc)" = 1 ] && sleep "$d" || true; }
# A column of SIPp's statistics file (-trace_stat), from its last row.
stat_col() { [ -s "$work/stat.csv" ] && awk -F';' -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
  { v = $k } END { print (k && v != "") ? v : 0 }' "$work/stat.csv" || echo 0; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); sipp $(sipp -v 2>&1 | grep -o 'v[0-9][^ ]*' | head -1 | sed 's/[.]$//')"
echo "hold ${HOLD} s (${loops} x ${chunk_ms} ms of a ${pcap_ms} ms PCMU capture), rate ${RATE}/s, record ${RECORD}"
for calls in "${RUNS[@]}"; do
  echo "--- $calls concurrent calls"
  rm -f "$work/stat.csv" "$work/sipp.out" "$work/sipp-errors.log"
  rss_idle=$(rss_kib "$server")
  t0=$(now)
  taskset -c 1 sipp -sf "$work/bench_uac_pcap.xml" -s 9000 127.0.0.1:$PORT -i 127.0.0.1 -p "$SIPP_PORT" \
    -mi 127.0.0.1 -mp "$SIPP_MEDIA_PORT" -r "$RATE" -m "$calls" -l $((calls + 10)) \
    -timeout $((HOLD + calls / RATE + 60)) -timeout_error -max_recv_loops 1000 -nostdin \
    -trace_stat -stf "$work/stat.csv" -fd 1 -trace_err -error_file "$work/sipp-errors.log" \
    >"$work/sipp.out" 2>&1 &
  sipp_pid=$!
  ramp_end=$(echo "$t0 + $calls / $RATE" | bc -l)
  w_start=$(echo "$ramp_end + 1" | bc -l)
  w_end=$(echo "$t0 + $HOLD - 1" | bc -l)
  length=$(echo "$w_end - $w_start" | bc -l)
  cpu_line="hotline cpu: no steady window (needs HOLD > CALLS / RATE + 3 s)"; sipp_line=""; rtp_line=""; rss_line=""; sipp_pct=0; sent_pct=100
  if [ "$(echo "$length >= 2" | bc)" = 1 ]; then
    sleep_until "$w_start"
    hb=$(ticks_of "$server"); sb=$(ticks_of "$sipp_pid"); pb=$(raw_out); tb=$(now)
    sleep_until "$w_end"
    up=$(stat_col CurrentCall)   # SIPp's calls in progress, written every second
    ha=$(ticks_of "$server"); sa=$(ticks_of "$sipp_pid"); pa=$(raw_out); ta=$(now)
    rss_up=$(rss_kib "$server"); threads=$(awk '/^Threads:/ {print $2}' "/proc/$sipp_pid/status" 2>/dev/null || echo "?")
    len=$(echo "$ta - $tb" | bc -l)
    [ "${up:-0}" -gt 0 ] || up=$calls
    if [ -n "$hb" ] && [ -n "$ha" ]; then
      cpu_line=$(awk -v d=$((ha - hb)) -v t="$ticks" -v l="$len" -v n="$up" 'BEGIN {
        s = d / t; printf "hotline cpu: %.2f s over %.1f s with %d calls up = %.3f ms per call-second (%.1f %% of a core)", s, l, n, s * 1000 / (n * l), s / l * 100 }')
      rss_line=$(awk -v a="$rss_idle" -v b="$rss_up" -v n="$up" 'BEGIN {
        printf "hotline rss: %d MiB idle, %d MiB with the calls up = %.1f KiB per call", a / 1024, b / 1024, (b - a) / (n > 0 ? n : 1) }')
    fi
    if [ -n "$sb" ] && [ -n "$sa" ]; then
      sipp_pct=$(awk -v d=$((sa - sb)) -v t="$ticks" -v l="$len" 'BEGIN { printf "%.0f", d / t / l * 100 }')
      sipp_line="sipp cpu: ${sipp_pct} % of a core over the same window, ${threads} threads"
      sent_pct=$(awk -v d=$((pa - pb)) -v l="$len" -v n="$up" 'BEGIN { printf "%.0f", d / l / (50 * n) * 100 }')
      rtp_line=$(awk -v d=$((pa - pb)) -v l="$len" -v n="$up" -v p="$sent_pct" 'BEGIN {
        printf "sipp rtp: ~%.0f packets/s played of %d expected (50 per call up) = %d %%", d / l, 50 * n, p }')
    else
      sipp_line="sipp cpu: sipp had already exited in the window"
    fi
  fi
  rc=0; wait "$sipp_pid" || rc=$?; sipp_pid=""
  created=$(stat_col "TotalCallCreated"); ok=$(stat_col "SuccessfulCall(C)"); failed=$(stat_col "FailedCall(C)")
  echo "sipp: $calls calls to 9000 at ${RATE}/s, held ${HOLD} s each; attempted $created, succeeded $ok, failed $failed (sipp exit $rc)"
  echo "$cpu_line"
  [ -n "$sipp_line" ] && echo "$sipp_line"
  [ -n "$rtp_line" ] && echo "$rtp_line"
  [ -n "$rss_line" ] && echo "$rss_line"
  why=()
  [ "$failed" -gt 0 ] && why+=("$failed of $created calls failed")
  [ "$created" -lt "$calls" ] && why+=("only $created of $calls calls placed")
  [ "$rc" -ne 0 ] && why+=("sipp exited with $rc")
  [ "$sipp_pct" -ge 90 ] && why+=("sipp at ${sipp_pct} % of its core")
  [ "$sent_pct" -lt 95 ] && why+=("sipp played only ${sent_pct} % of the caller audio packets")
  if [ ${#why[@]} -gt 0 ]; then
    echo "sipp saturated: $(IFS=';'; echo "${why[*]}" | sed 's/;/; /g')"
    # SIPp's error log, one line per kind of event (its entries are not newline-separated).
    [ -s "$work/sipp-errors.log" ] && sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}\t[0-9:.]+\t[0-9.]+: /\n/g' "$work/sipp-errors.log" |
      grep -E '^[A-Z][a-z]+ [a-z]' | sed -E 's/ for call: .*//; s/\([0-9]+\), [0-9]+ trips remaining\.?//' |
      sort | uniq -c | sort -rn | head -4 | sed -E 's/^ *([0-9]+) /  sipp error log: \1 x /' || true
  fi
  sleep 3
done
grep -E "warning|error|critical" "$work/server.log" | head -5 || true
