#!/usr/bin/env bash
# Run Hotline with its demo configuration (config/demo.yaml) on a fresh machine:
# SIP on 127.0.0.1:5060 (UDP and TCP), data in ./data. Ctrl-C stops it.
#
# Needs the Swift 6 toolchain (the build fetches the Swift packages itself) and
# espeak-ng, which speaks the IVR's prompts: installed with apt-get when missing
# (as root, or with sudo).
# It builds the debug configuration: that is what scripts/test.sh builds too, so
# after a test run it starts at once, and it is quick enough for a demo.
# HOTLINE_BUILD=release builds with optimizations instead (slower to build).
#
# Anything after the script name goes to `hotline serve`, e.g.
#   bash scripts/run-demo.sh --log-level debug
# and the HOTLINE_* variables work as usual (HOTLINE_SIP_LISTEN=127.0.0.1:5070, ...).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SWIFT=${SWIFT:-swift}
BUILD=${HOTLINE_BUILD:-debug}

if ! command -v "$SWIFT" >/dev/null 2>&1; then
  echo "run-demo.sh: '$SWIFT' not found. Install the Swift 6 toolchain (https://www.swift.org/install/linux/) and put it on PATH." >&2
  exit 1
fi
case "$BUILD" in
  debug|release) ;;
  *) echo "run-demo.sh: HOTLINE_BUILD must be debug or release, not '$BUILD'" >&2; exit 2 ;;
esac
if [ ! -f config/demo.yaml ]; then
  echo "run-demo.sh: config/demo.yaml is missing: run this from a complete checkout of the repository" >&2
  exit 1
fi

if ! command -v espeak-ng >/dev/null 2>&1; then
  echo "[run-demo] installing espeak-ng (the IVR's text-to-speech)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  if ! { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq espeak-ng >/dev/null; }; then
    echo "run-demo.sh: could not install espeak-ng; install it (apt-get install espeak-ng) and run this again" >&2
    exit 1
  fi
fi

echo "[run-demo] building hotline ($BUILD); the first build fetches packages and takes a few minutes"
"$SWIFT" build -c "$BUILD" --product hotline
bin="$("$SWIFT" build -c "$BUILD" --show-bin-path)/hotline"

mkdir -p "${HOTLINE_DATA_DIR:-./data}"
echo "[run-demo] starting: $bin serve --config config/demo.yaml (see docs/demo.md for lines and agents)"
exec "$bin" serve \
  --config config/demo.yaml \
  --sip-listen "${HOTLINE_SIP_LISTEN:-127.0.0.1:5060}" \
  --data-dir "${HOTLINE_DATA_DIR:-./data}" \
  "$@"
