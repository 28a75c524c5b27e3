#!/usr/bin/env bash
# SIPp call-rate benchmark (issue #2): SIPp's built-in `uac` scenario (INVITE/200/ACK/BYE,
# no media) against a release `hotline serve`, Hotline pinned to core 1, SIPp to core 0.
#
#   bash scripts/bench-sipp.sh [RATE ...]          # default: a ramp 500 1000 1500 2000 2500 3000
#   DURATION=60 bash scripts/bench-sipp.sh 2500    # one 60 s run at 2,500 calls/s
#
# Prints, per rate: calls attempted/succeeded/failed, failure %, Hotline CPU seconds and
# CPU per call. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
PORT=${PORT:-15900}
RATES=("$@"); [ ${#RATES[@]} -eq 0 ] && RATES=(500 1000 1500 2000 2500 3000)
command -v sipp >/dev/null || { echo "installing sip-tester"; apt-get install -y sip-tester >/dev/null; }
BIN=${HOTLINE_BIN:-.build/release/hotline}   # another binary to compare (A/B)
[ -x "$BIN" ] || swift build -c release --product hotline
work=$(mktemp -d)
cat > "$work/bench.yaml" <<YAML
sip:
  listen: 127.0.0.1:$PORT
  domain: hotline.local
  rate_limit: {per_source_per_second: 0, burst: 1}
data_dir: $work/data
log_level: warning
lines:
  - {number: "10000", name: bench, answer_after_ms: 0}
YAML
taskset -c 1 "$BIN" serve --config "$work/bench.yaml" 2>"$work/server.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "SIP listening" "$work/server.log" 2>/dev/null && break; sleep 0.1; done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$server/stat; }
printf "%-8s %-9s %-9s %-7s %-9s %-8s %-12s %s\n" rate attempted ok failed "failed%" "cpu_s" "cpu/call_us" "peak_rss_mb"
for rate in "${RATES[@]}"; do
  calls=$((rate * DURATION))
  before=$(cpu)
  taskset -c 0 sipp -sn uac -s 10000 127.0.0.1:$PORT -i 127.0.0.1 -p $((PORT + 1)) -r "$rate" -m "$calls" \
    -l $((rate * 4)) -timeout $((DURATION + 40)) -timeout_error -nostdin -trace_stat -stf "$work/stat.csv" \
    >"$work/sipp.out" 2>&1 || true
  after=$(cpu)
  ok=$(grep -E "Successful call" "$work/sipp.out" | awk -F'|' '{print $3}' | tr -d ' ')
  failed=$(grep -E "Failed call" "$work/sipp.out" | awk -F'|' '{print $3}' | tr -d ' ')
  ok=${ok:-0}; failed=${failed:-0}
  attempted=$((ok + failed))
  cpu_s=$(echo "scale=2; ($after - $before) / $ticks" | bc)
  per_call=$( [ "$ok" -gt 0 ] && echo "scale=1; ($after - $before) * 1000000 / $ticks / $ok" | bc || echo "-")
  pct=$( [ "$attempted" -gt 0 ] && echo "scale=3; $failed * 100 / $attempted" | bc || echo "-")
  rss=$(awk '/VmHWM/ {printf "%d", $2/1024}' /proc/$server/status)
  printf "%-8s %-9s %-9s %-7s %-9s %-8s %-12s %s\n" "$rate" "$attempted" "$ok" "$failed" "$pct" "$cpu_s" "$per_call" "$rss"
  sleep 2
done
