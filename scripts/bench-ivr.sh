#!/usr/bin/env bash
# IVR call-rate benchmark: Hotline pinned to core 0 runs flows/bench/short-ivr.yaml on
# line 9100 (a 2 s recorded menu prompt, the caller's key "1", a 1 s recorded
# confirmation, Hotline hangs up); the caller, pinned to core 1, places calls at a fixed
# rate. A call lasts about KEY_AT + 1 s (the key stops the menu prompt: barge-in).
#
# Two callers (GEN):
#   sipp     SIPp (Debian `sip-tester`) with tests/interop/scenarios/bench_uac_ivr.xml:
#            INVITE offering PCMU + telephone-event/101, 200/ACK, the caller's stream played
#            once with <exec play_pcap_audio> (PCMU speech from prompts/demo/welcome-zh.wav
#            with one RFC 4733 key "1" at KEY_AT s, packets shaped like SIPp's
#            dtmf_2833_1.pcap, made with tests/interop/harness/dtmf_pcap.py), then
#            Hotline's BYE answered with 200. SIPp plays each stream through a raw socket
#            of its own; on one machine every UDP packet delivered, Hotline's included, is
#            copied to each of them inside the sender's system call, so SIPp's share grows
#            with the square of the calls up and part of it lands on Hotline's core
#            (docs/benchmarks.md). Needs root.
#   hotline  `hotline bench ivr-load` (Sources/hotline/IVRLoad.swift): the same calls (the
#            same speech, the key as an RFC 4733 event at KEY_AT s on the audio's SSRC),
#            every call's RTP through one ordinary UDP socket.
#
#   bash scripts/bench-ivr.sh [RATE ...]            # default: 50 100 200 300 400 500 600 calls/s
#   GEN=hotline bash scripts/bench-ivr.sh 400 500   # our own caller instead of SIPp
#   DURATION=10 BIN=/path/to/hotline bash scripts/bench-ivr.sh 10 20
#   KEEP=1 bash scripts/bench-ivr.sh 400            # keep the work directory (logs, SIPp files)
#   MODE=media bash scripts/bench-ivr.sh 200        # the same calls without the IVR: the 2 s prompt, then hang-up
#   CALLER_SECONDS=1.7 ...                          # the caller's stream stops after 1.7 s (default 3: the whole call)
#
# Each rate runs for DURATION seconds (RATE x DURATION calls); stepping stops after the
# first step that fails. One line per step:
#   rate       calls/s asked of the caller
#   calls      calls placed
#   failed%    calls placed that did not go through, over calls placed: a call goes
#              through when the caller completed it (200, then Hotline's BYE within
#              WAIT_MS; SIPp logs its Call-ID with -trace_logs, ivr-load with --call-ids)
#              and the journal stored it as ended with IVR outcome self-served (the key
#              was heard: ivr_summaries). The lines under a step say which: the caller's
#              failures, other outcomes (no-option=N), calls the journal does not have
#              (not-stored=N)
#   slow%      setups (INVITE sent -> 200 received: SIPp's per-call rtd "setup" from
#              -trace_rtt, ivr-load's --setup-times) of 500 ms or more, over setups measured
#   p50 p99    setup time percentiles, ms
#   cpu%       Hotline's CPU (utime + stime, /proc/PID/stat) in % of one core, over the
#              steady part of the step (from the first hang-up + 1 s to the last INVITE)
#   maxcalls   most calls in progress at once
#   ms/call-s  Hotline's CPU over the whole step (every call's setup, prompts, key,
#              hang-up) / the sum of the calls' lengths (200 -> BYE): compare with the
#              "ms per call-second" of scripts/bench-media-sipp.sh (media-only calls,
#              steady window) to see what the interpreter and the per-call work add
#   gen%       the caller's CPU in % of its core over the step (SIPp's excludes the
#              kernel's work its raw sockets cause in other processes)
#   verdict    ok, or FAIL (failed% >= 1 or slow% >= 1)
# A step passes with under 1 % failed calls and under 1 % slow setups; the last line
# names the highest passing rate. When the caller is near 100 % of its core a
# "generator saturated" line says so, and that step is not a Hotline limit.
# Everything stays on 127.0.0.1 (Hotline SIP 16970, RTP 20000-29999; the caller SIP
# 16980, media 16984). python3 with numpy (scripts/install-test-deps.sh) for SIPp's stream.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
KEY_AT=${KEY_AT:-1.2}
MODE=${MODE:-ivr}   # ivr, or media: the same calls answered without a flow (the comparison)
GEN=${GEN:-sipp}    # sipp, or hotline: `hotline bench ivr-load` places the calls (no raw sockets)
CALLER_SPEECH=${CALLER_SPEECH:-1}   # GEN=hotline: the caller streams speech (1) or silence (0)
CALLER_SECONDS=${CALLER_SECONDS:-3}
WAIT_MS=${WAIT_MS:-15000}
PORT=${PORT:-16970}
SIPP_PORT=${SIPP_PORT:-16980}
SIPP_MEDIA_PORT=${SIPP_MEDIA_PORT:-16984}
RATES=("$@"); [ ${#RATES[@]} -eq 0 ] && RATES=(50 100 200 300 400 500 600)
BIN=${BIN:-${HOTLINE_BIN:-.build/release/hotline}}
[ -x "$BIN" ] || swift build -c release --product hotline
command -v sipp >/dev/null || { echo "installing sip-tester"; apt-get install -y sip-tester >/dev/null; }
command -v sox >/dev/null || { echo "installing sox"; apt-get install -y sox >/dev/null; }
[ "$GEN" = hotline ] || [ "$(id -u)" -eq 0 ] || echo "warning: not root; SIPp cannot play the caller's stream (raw socket) and every call will time out"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
server=""; sipp_pid=""
cleanup() {
  [ -n "$sipp_pid" ] && kill -TERM "$sipp_pid" 2>/dev/null && wait "$sipp_pid" 2>/dev/null
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# SIPp's stream (GEN=sipp): one SSRC, 20 ms PCMU frames of speech, the key "1" as an
# RFC 4733 event at KEY_AT s (during the 2 s menu prompt: barge-in), CALLER_SECONDS long.
# (ivr-load builds the same stream itself.)
if [ "$GEN" = sipp ]; then
  python3 - "$work/caller.pcap" "$KEY_AT" "$CALLER_SECONDS" <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, "tests/interop")
from harness import dtmf_pcap
out = Path(sys.argv[1])
speech = dtmf_pcap.speech_ulaw(Path("prompts/demo/welcome-zh.wav"), out.parent)
dtmf_pcap.rfc4733_stream(out, [(float(sys.argv[2]), "1")], float(sys.argv[3]), speech=speech)
PY
  sed -e "s|{{PCAP}}|$work/caller.pcap|" -e "s|{{WAIT_MS}}|$WAIT_MS|" \
    tests/interop/scenarios/bench_uac_ivr.xml > "$work/bench_uac_ivr.xml"
fi

cat > "$work/bench.yaml" <<YAML
sip:
  listen: 127.0.0.1:$PORT
  domain: hotline.local
  rate_limit: {per_source_per_second: 0, burst: 1}
media:
  rtp_ports: 20000-29999
data_dir: $work/data
log_level: ${LOG_LEVEL:-warning}
YAML
if [ "$MODE" = media ]; then
  # The same call shape without the IVR: the menu prompt played, then Hotline hangs up.
  cat >> "$work/bench.yaml" <<YAML
lines:
  - number: "9100"
    name: media bench (no IVR)
    answer_after_ms: 0
    media: {play: [$PWD/prompts/bench/menu-2s.wav], hangup_after_play: true}
YAML
else
  cat >> "$work/bench.yaml" <<YAML
ivr:
  flows: $PWD/flows/bench/short-ivr.yaml
  tts_cache_dir: $work/tts-cache
lines:
  - number: "9100"
    name: IVR bench
    answer_after_ms: 0
    flow: bench-short-ivr
YAML
fi
taskset -c 0 "$BIN" serve --config "$work/bench.yaml" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do grep -q "SIP listening" "$work/server.log" 2>/dev/null && break; sleep 0.1; done
grep -q "SIP listening" "$work/server.log" || { echo "hotline did not start:"; cat "$work/server.log"; exit 1; }

ticks=$(getconf CLK_TCK)
ticks_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }   # utime + stime
now() { date +%s.%N; }
sleep_until() { local d; d=$(echo "$1 - $(now)" | bc -l); [ "$(echo "$d > 0" | bc)" = 1 ] && sleep "$d" || true; }
# A column of SIPp's statistics file (-trace_stat): its last row, or with "max" its largest value.
stat_col() { [ -s "$work/stat.csv" ] && awk -F';' -v c="$1" -v how="${2:-last}" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
  k && $k != "" { v = $k; if ($k + 0 > m) m = $k + 0 } END { print (how == "max") ? m + 0 : (v != "" ? v : 0) }' "$work/stat.csv" || echo 0; }
# The calls of one SIPp run that went through: SIPp logged "ok CALL-ID" (-trace_logs) and
# the journal stored the call as ended with IVR outcome self-served. Prints "<good>
# <problems>", problems like "no-option=2,not-stored=1"; polls the journal (it is written
# after the hang-up) until every logged call is there or 10 s pass.
outcomes() {
  python3 - "$work/data/hotline.sqlite" "$1" "$MODE" <<'PY'
import os, sqlite3, sys, time
from collections import Counter
path, log, mode = sys.argv[1], sys.argv[2], sys.argv[3]
query = ("SELECT i.sip_call_id, s.outcome FROM interactions i JOIN ivr_summaries s ON s.interaction_id = i.id "
         "WHERE i.state = 'ended' AND s.ended_at IS NOT NULL") if mode != "media" else \
        "SELECT sip_call_id, 'self-served' FROM interactions WHERE state = 'ended'"
ids = set()
if os.path.exists(log):
    ids = {line.split()[1] for line in open(log) if line.startswith("ok ") and len(line.split()) == 2}
deadline = time.monotonic() + 10
while True:
    found = {}
    if ids and os.path.exists(path):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            for call_id, outcome in db.execute(query):
                if call_id in ids:
                    found[call_id] = outcome
    if len(found) == len(ids) or time.monotonic() >= deadline:
        break
    time.sleep(0.5)
kinds = Counter(found.get(i) or "not-stored" for i in ids)
good = kinds.pop("self-served", 0)
print(good, ",".join(f"{k}={n}" for k, n in sorted(kinds.items())) or "-")
PY
}

# A percentile (nearest rank) of the sorted numbers in $work/setup.txt ($setups of them), or "-".
rank() { [ "$setups" -gt 0 ] && sed -n "$(awk -v n="$setups" -v q="$1" 'BEGIN { r = int(n * q + 0.999999); print (r < 1) ? 1 : r }')p" "$work/setup.txt" || echo "-"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); sipp $(sipp -v 2>&1 | grep -o 'v[0-9][^ ]*' | head -1 | sed 's/[.]$//'); hotline $BIN"
if [ "$MODE" = media ]; then
  echo "MODE=media: no IVR, the 2 s menu prompt played, then hang-up (the key at ${KEY_AT} s is only logged); ${DURATION} s per rate"
else
  echo "flow bench-short-ivr: 2 s menu prompt, key 1 at ${KEY_AT} s (RFC 4733), 1 s confirmation, hang-up; ${DURATION} s per rate"
fi
printf "%-6s %-7s %-8s %-6s %-6s %-7s %-6s %-9s %-10s %-6s %s\n" \
  rate calls "failed%" "slow%" "p50" "p99" "cpu%" maxcalls "ms/call-s" "gen%" verdict
best=""
# One step with SIPp: sets created, failed (SIPp's failed calls), maxcalls, gen_pct, the
# setups in $work/setup.txt, call_ms, the step's times and Hotline's ticks, and why[].
sipp_step() {
  rm -f "$work"/stat.csv "$work"/sipp.out "$work"/sipp-errors.log "$work"/bench_uac_ivr_*_rtt.csv "$work"/bench_uac_ivr_*_logs.log
  t0=$(now); h0=$(ticks_of "$server")
  # From the work directory: SIPp writes its -trace_rtt and -trace_logs files in the current one.
  (cd "$work" && exec taskset -c 1 sipp -sf "$work/bench_uac_ivr.xml" -s 9100 127.0.0.1:$PORT -i 127.0.0.1 -p "$SIPP_PORT" \
    -mi 127.0.0.1 -mp "$SIPP_MEDIA_PORT" -r "$rate" -m "$calls" -l $((rate * (WAIT_MS / 1000 + 5))) \
    -timeout $((DURATION + WAIT_MS / 1000 + 60)) -timeout_error -max_recv_loops 1000 -nostdin \
    -trace_stat -stf "$work/stat.csv" -fd 1 -trace_rtt -rtt_freq 1 -trace_logs \
    -trace_err -error_file "$work/sipp-errors.log" >"$work/sipp.out" 2>&1) &
  sipp_pid=$!
  # Steady part: calls end from about KEY_AT + 1 s after the first INVITE; the last
  # INVITE leaves at DURATION s.
  w_start=$(echo "$t0 + $KEY_AT + 2" | bc -l); w_end=$(echo "$t0 + $DURATION" | bc -l)
  hw0=""; hw1=""; tw0=""; tw1=""; sipp_ticks=0
  if [ "$(echo "$w_end - $w_start >= 1" | bc)" = 1 ]; then
    sleep_until "$w_start"; hw0=$(ticks_of "$server"); tw0=$(now)
    sleep_until "$w_end"; hw1=$(ticks_of "$server"); tw1=$(now)
    s=$(ticks_of "$sipp_pid"); [ -n "$s" ] && sipp_ticks=$s
  fi
  # SIPp's CPU: its last reading before it exits.
  while kill -0 "$sipp_pid" 2>/dev/null; do s=$(ticks_of "$sipp_pid"); [ -n "$s" ] && sipp_ticks=$s; sleep 0.5; done
  rc=0; wait "$sipp_pid" || rc=$?
  t1=$(now); h1=$(ticks_of "$server")
  pid=$sipp_pid; sipp_pid=""
  created=$(stat_col TotalCallCreated); failed=$(stat_col "FailedCall(C)"); maxcalls=$(stat_col CurrentCall max)
  ids="$work/bench_uac_ivr_${pid}_logs.log"
  rtt="$work/bench_uac_ivr_${pid}_rtt.csv"; [ -s "$rtt" ] || rtt=/dev/null
  # Setups (ms, sorted) and the sum of the calls' lengths (ms).
  awk -F';' '$3 == "setup" { print $2 + 0 }' "$rtt" | sort -n > "$work/setup.txt"
  call_ms=$(awk -F';' '$3 == "call" { s += $2 } END { print s + 0 }' "$rtt")
  cpu=$(awk -v a="$hw0" -v b="$hw1" -v x="$tw0" -v y="$tw1" -v t="$ticks" 'BEGIN {
    print (a != "" && b != "" && y > x) ? sprintf("%.1f", (b - a) / t / (y - x) * 100) : "-" }')
  per=$(awk -v a="$h0" -v b="$h1" -v t="$ticks" -v ms="$call_ms" 'BEGIN { print (ms > 0 ? sprintf("%.3f", (b - a) / t * 1000 / (ms / 1000)) : "-") }')
  gen_pct=$(awk -v st="$sipp_ticks" -v t="$ticks" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", st / t / (t1 - t0) * 100 }')
  [ "$failed" -gt 0 ] && why+=("sipp: $failed of $created calls failed")
  [ "$created" -lt "$calls" ] && why+=("only $created of $calls calls placed")
  [ "$rc" -ne 0 ] && why+=("sipp exited with $rc")
  [ "$rtt" = /dev/null ] && why+=("no -trace_rtt file")
  if [ -s "$work/sipp-errors.log" ] && [ "$failed" -gt 0 ]; then
    # SIPp's error log, one line per kind of event (its entries are not newline-separated).
    while IFS= read -r l; do why+=("$l"); done < <(sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}\t[0-9:.]+\t[0-9.]+: /\n/g' "$work/sipp-errors.log" |
      grep -E '^(Call-Id: |[A-Z][a-z]+ [a-z])' | grep -v '^The following events' |
      sed -E 's/^Call-Id: [^,]*, //; s/[0-9]+-[0-9]+@[0-9.]+/CALL-ID/g; s/ for call: .*//' | cut -c1-160 |
      sort | uniq -c | sort -rn | head -4 | sed -E 's/^ *([0-9]+) /sipp error log: \1 x /' || true)
  fi
  return 0
}

# One step with `hotline bench ivr-load`: sets the same as sipp_step.
gen_step() {
  rm -f "$work"/gen.out "$work"/gen-ids.log "$work"/setup-raw.txt
  local audio=()
  [ "$CALLER_SPEECH" = 1 ] && audio=(--audio prompts/demo/welcome-zh.wav)
  rc=0
  taskset -c 1 "$BIN" bench ivr-load --target 127.0.0.1:$PORT --number 9100 --rate "$rate" --duration "$DURATION" \
    --key-at "$KEY_AT" --caller-seconds "$CALLER_SECONDS" --wait $((WAIT_MS / 1000)) --bind 127.0.0.1:$SIPP_PORT \
    --rtp-port "$SIPP_MEDIA_PORT" --server-pid "$server" "${audio[@]}" --call-ids "$work/gen-ids.log" \
    --setup-times "$work/setup-raw.txt" >"$work/gen.out" 2>&1 || rc=$?
  ids="$work/gen-ids.log"
  result=$(grep '^result ' "$work/gen.out" || true)
  field() { sed -n "s|.* $1=\([^ ]*\).*|\1|p" <<<" ${result#result }"; }
  created=$(field calls); failed=$(field failed); maxcalls=$(field maxcalls); cpu=$(field 'cpu%'); per=$(field 'ms/call-s')
  gen_pct=$(field 'gen%')
  sort -n "$work/setup-raw.txt" > "$work/setup.txt" 2>/dev/null || : > "$work/setup.txt"
  if [ -z "$result" ] || [ "$rc" -ne 0 ]; then
    why+=("the generator failed (exit $rc): $(tail -2 "$work/gen.out" | tr '\n' ' ')")
    created=${created:-$calls}; failed=${failed:-$calls}; maxcalls=${maxcalls:-0}; cpu=${cpu:--}; per=${per:--}; gen_pct=${gen_pct:-0}
  fi
  local calls_line; calls_line=$(grep '^calls: ' "$work/gen.out" || true)
  [ "${failed:-0}" -gt 0 ] && why+=("generator: ${calls_line#calls: }")
  return 0
}

for rate in "${RATES[@]}"; do
  calls=$((rate * DURATION))
  why=()
  if [ "$GEN" = sipp ]; then sipp_step; else gen_step; fi
  read -r good problems <<<"$(outcomes "$ids")"
  setups=$(wc -l < "$work/setup.txt")
  slow=$(awk '$1 >= 500' "$work/setup.txt" | wc -l)
  p50=$(rank 0.50); p99=$(rank 0.99)
  bad=$((created - good))
  line=$(awk -v r="$rate" -v c="$created" -v bad="$bad" -v n="$setups" -v slow="$slow" -v p50="$p50" -v p99="$p99" \
    -v cpu="$cpu" -v mc="$maxcalls" -v per="$per" -v g="$gen_pct" 'BEGIN {
      fp = c ? bad * 100 / c : 100; sp = n ? slow * 100 / n : 100
      printf "%-6s %-7d %-8.2f %-6.2f %-6s %-7s %-6s %-9d %-10s %-6s %s\n", r, c, fp, sp, p50, p99, cpu, mc, per, g,
        (fp < 1 && sp < 1 && c > 0) ? "ok" : "FAIL" }')
  echo "$line"
  [ "$problems" != "-" ] && why+=("calls completed with another IVR outcome or not in the journal: $problems")
  for w in "${why[@]}"; do echo "  $w"; done
  if [ "$gen_pct" -ge 90 ]; then
    echo "  generator saturated: $GEN at ${gen_pct} % of its core; this step is not a Hotline limit"
  fi
  verdict=$(awk '{print $NF}' <<<"$line")
  if [ "$verdict" != ok ]; then break; fi
  best=$rate
  sleep 3
done
echo "highest rate passing (< 1 % failed, < 1 % setups >= 500 ms): ${best:-none}/s"
grep -E "warning|error|critical" "$work/server.log" | head -5 || true
