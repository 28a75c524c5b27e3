#!/usr/bin/env bash
# CTI benchmarks (issue #6), driven by scripts/bench_cti.py; each run starts its own
# `hotline serve` (config/demo.yaml changed for the bench: MD5 digest for SIPp, no SIP rate
# limit, line 10000 alone, queue telecom with 0 s wrap-up and no announcements) pinned to
# core 0; SIPp and the Python clients run on core 1. Everything stays on 127.0.0.1.
#
#   bash scripts/bench-cti.sh                 # both, RUNS=3 runs each, medians at the end
#   bash scripts/bench-cti.sh pop             # screen-pop latency only
#   bash scripts/bench-cti.sh fanout          # event fan-out only
#   RUNS=1 CALLS=200 bash scripts/bench-cti.sh pop
#   CLIENTS=1000 RATE=40 bash scripts/bench-cti.sh fanout
#   KEEP=1 ...                                # keep each run's directory (server log, SIPp traces)
#   HOTLINE_BIN=/path/to/hotline ...          # another binary (default .build/release/hotline)
#   CONFIG=/path/to/config.yaml ...           # made from another configuration (default config/demo.yaml)
#
# pop: screen-pop latency. Agent 1001 is logged in and available, with a SIPp phone
#   registered (digest) that rings RING_MS (500), answers, talks TALK_MS (200) and hangs up;
#   a SIPp caller (13800138000, "Zhang Wei", a demo customer: the pop carries a customer
#   lookup) dials line 10000, whose flow is one `transfer` node to queue telecom (written
#   under the run's directory: no prompts, no keys), CALLS (120) calls one after another.
#   Latency = the time agent 1001's WebSocket client (websocket-client, Bearer token,
#   /api/v1/events?types=interaction.offered) received the `interaction.offered` event
#   minus SIPp's -trace_msg stamp of the INVITE the phone received, matched by the
#   X-Hotline-Interaction header (SIPp's stamps are within 0.1 ms of dumpcap's for the same
#   packets on lo). Prints per run: n, p50 p90 p99 max (ms), and the event's own `time`
#   (published, ms resolution) against the INVITE's arrival.
# fanout: event fan-out. CLIENTS (500) WebSocket clients (Python asyncio `websockets`,
#   WORKERS (4) processes) share one supervisor session (2001 sees every event; the
#   per-user limit of 10 sessions is on sign-ins, not streams). Once all have their
#   stream.ready, agents 1001-1003 (phones registered) switch available <-> not-ready
#   through PUT /api/v1/agents/{id}/state at RATE (20) changes/s for DURATION (20) s: each
#   change publishes agent.state and the queue.stats of the agent's queues. Prints the
#   events published (as one client counted them), deliveries per second across all
#   clients (until the last one arrived), the delivery delay (arrival minus the event's
#   `time`, which has ms resolution), clients short of events after DRAIN (3) s ("behind"),
#   clients the server closed (4008: too slow for its 4,096-event buffer), and the CPU of
#   Hotline and of the clients.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
RUNS=${RUNS:-3}
export HOTLINE_BIN=${HOTLINE_BIN:-${BIN:-.build/release/hotline}}
[ -x "$HOTLINE_BIN" ] || swift build -c release --product hotline
command -v sipp >/dev/null || { echo "installing sip-tester"; apt-get install -y sip-tester >/dev/null; }
for module in yaml numpy websocket websockets; do
  python3 -c "import $module" 2>/dev/null || {
    echo "python3 cannot import $module: run scripts/install-test-deps.sh (websocket is websocket-client, websockets is websockets from PyPI)"; exit 1; }
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
common=(--config "${CONFIG:-config/demo.yaml}")
[ "${KEEP:-0}" = 1 ] && common+=(--keep)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg); sipp $(sipp -v 2>&1 | grep -o 'v[0-9][^ ]*' | head -1 | sed 's/[.]$//'); hotline $HOTLINE_BIN"
if [ "$WHAT" = all ] || [ "$WHAT" = pop ]; then
  echo "== screen pop: INVITE at agent 1001's phone -> interaction.offered on 1001's WebSocket (${CALLS:-120} calls, ring ${RING_MS:-500} ms, talk ${TALK_MS:-200} ms)"
  python3 scripts/bench_cti.py pop --runs "$RUNS" --calls "${CALLS:-120}" --ring-ms "${RING_MS:-500}" \
    --talk-ms "${TALK_MS:-200}" "${common[@]}"
fi
if [ "$WHAT" = all ] || [ "$WHAT" = fanout ]; then
  echo "== fan-out: ${CLIENTS:-500} WebSocket clients (supervisor), ${RATE:-20} agent state changes/s for ${DURATION:-20} s"
  python3 scripts/bench_cti.py fanout --runs "$RUNS" --clients "${CLIENTS:-500}" --workers "${WORKERS:-4}" \
    --rate "${RATE:-20}" --seconds "${DURATION:-20}" --drain "${DRAIN:-3}" "${common[@]}"
fi
