#!/usr/bin/env bash
# Media benchmark (issue #3): Hotline pinned to core 0, the load generator (`hotline bench
# media-load`: SIP calls from Hotline's own UAC, 20 ms PCMU caller audio for every call
# from one socket with batched sends) pinned to core 1. Each call hears a looping prompt
# and streams caller audio (the Chinese demo prompt in a loop: speech with its pauses); Hotline receives it through its jitter buffer (and records it
# with RECORD=stereo).
#
#   bash scripts/bench-media.sh [CALLS ...]          # default: 500 1000 1500 2000
#   HOLD=30 RECORD=stereo bash scripts/bench-media.sh 1500
#
# Prints per run: calls answered/failed, RTP loss, Hotline's packet spacing (p50/p99/p99.9 of
# |interval - 20 ms| as the generator receives them), Hotline CPU per call-second and RSS per call.
set -euo pipefail
cd "$(dirname "$0")/.."
HOLD=${HOLD:-20}
RATE=${RATE:-200}
RECORD=${RECORD:-off}
PORT=${PORT:-16900}
RUNS=("$@"); [ ${#RUNS[@]} -eq 0 ] && RUNS=(500 1000 1500 2000)
BIN=${HOTLINE_BIN:-.build/release/hotline}
[ -x "$BIN" ] || swift build -c release --product hotline
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
. scripts/bench-media-server.sh
start_bench_server "$work"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); hold ${HOLD} s, record ${RECORD}"
for calls in "${RUNS[@]}"; do
  echo "--- $calls concurrent calls"
  taskset -c 1 "$BIN" bench media-load --target 127.0.0.1:$PORT --number 9000 --calls "$calls" --rate "$RATE" \
    --hold "$HOLD" --audio "$PWD/prompts/demo/welcome-zh.wav" --bind 127.0.0.1:$((PORT + 1)) --rtp-port $((PORT + 2)) --server-pid "$server"
  sleep 3
done
grep -E "warning|error|critical" "$work/server.log" | head -5 || true
