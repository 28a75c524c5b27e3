# Sourced by scripts/bench-media.sh and scripts/bench-media-sipp.sh: the Hotline both
# media benchmarks measure. Line 9000 answers at once, loops an 8 kHz prompt and records
# per $RECORD; SIP on 127.0.0.1:$PORT, RTP 20000-29999, pinned to core 0.
#
#   start_bench_server WORKDIR     # sets $server (the PID); exits if Hotline does not start
start_bench_server() {
  local work=$1
  cat > "$work/bench.yaml" <<YAML
sip:
  listen: 127.0.0.1:$PORT
  domain: hotline.local
  rate_limit: {per_source_per_second: 0, burst: 1}
media:
  rtp_ports: 20000-29999
data_dir: $work/data
log_level: ${LOG_LEVEL:-warning}
lines:
  - number: "9000"
    name: media bench
    answer_after_ms: 0
    media: {play: [$PWD/prompts/demo/welcome-en.wav], loop: true, record: "$RECORD"}
YAML
  taskset -c 0 "$BIN" serve --config "$work/bench.yaml" 2>"$work/server.log" &
  server=$!
  for _ in $(seq 50); do grep -q "SIP listening" "$work/server.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "SIP listening" "$work/server.log" || { echo "hotline did not start:"; cat "$work/server.log"; exit 1; }
}
