#!/usr/bin/env bash
# Run Hotline's whole test suite on a fresh machine:
#   1. install test dependencies (scripts/install-test-deps.sh: SIPp, pytest)
#   2. swift build --build-tests          (debug build of everything)
#   3. swift test                         (all XCTest / Swift Testing unit tests)
#   4. python3 -m pytest -v tests/interop (SIPp, the RFC 4475/5118 corpora, ... against .build/debug/hotline)
# and print a summary. Exits non-zero if any step fails.
#
# Options:
#   --no-deps        do not install test dependencies
#   --unit-only      build and run the unit tests only
#   --interop-only   build the hotline executable and run the interop tests only
#   -- ARGS...       pass ARGS to pytest (e.g. -- -k corpus, -- -m "not load")
# Environment:
#   SWIFT            the swift driver to use (default: swift)
#   HOTLINE_BIN      test this hotline executable instead of the one just built
set -uo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
cd "$(dirname "$SELF")/.." || exit 1
REPO_ROOT=$(pwd)
SWIFT=${SWIFT:-swift}

# Wall-clock limits per step; together well inside CI's 60 minutes.
DEPS_LIMIT=10m
BUILD_LIMIT=30m
UNIT_LIMIT=10m
INTEROP_LIMIT=25m

do_deps=1 do_unit=1 do_interop=1
pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-deps) do_deps=0 ;;
    --unit-only) do_interop=0 ;;
    --interop-only) do_unit=0 ;;
    --) shift; pytest_args=("$@"); break ;;
    -h|--help) sed -n '2,/^set -uo/p' "$SELF" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

export PYTHONDONTWRITEBYTECODE=1
suite_start=$(date +%s)
step_names=() step_results=() step_times=()
failed=0

if [ -t 1 ]; then
  BOLD=$'\033[1m' RED=$'\033[1;31m' GREEN=$'\033[1;32m' RESET=$'\033[0m'
else
  BOLD="" RED="" GREEN="" RESET=""
fi

fmt_duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

banner() { printf '\n%s==== %s%s\n' "$BOLD" "$*" "$RESET"; }

record() { # record NAME RESULT SECONDS
  step_names+=("$1"); step_results+=("$2"); step_times+=("$3")
  case "$2" in ok|skipped*) ;; *) failed=1 ;; esac
}

# Each step runs in its own process group (timeout makes one), in the background
# so that Ctrl-C / SIGTERM reach this script at once; the handler then stops the
# step's whole group: the build's compilers, or pytest with the server and SIPp.
child=""
interrupted=0
on_signal() {
  interrupted=1
  if [ -n "$child" ]; then
    kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null
  fi
}
trap on_signal INT TERM

run_step() { # run_step NAME LIMIT COMMAND...
  local name=$1 limit=$2; shift 2
  banner "$name: $*"
  local t0 rc
  t0=$(date +%s)
  timeout --kill-after=30s "$limit" "$@" &
  child=$!
  wait "$child"
  rc=$?
  while kill -0 "$child" 2>/dev/null; do  # wait was cut short by a signal: let the step finish dying
    wait "$child"
    rc=$?
  done
  child=""
  local took=$(($(date +%s) - t0))
  if [ "$interrupted" -eq 1 ]; then
    record "$name" "INTERRUPTED" "$took"
    summary
    exit 130
  elif [ "$rc" -eq 0 ]; then
    record "$name" ok "$took"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    record "$name" "FAILED (over its $limit limit)" "$took"
  else
    record "$name" "FAILED (exit $rc)" "$took"
  fi
  return "$rc"
}

summary() {
  local total=$(($(date +%s) - suite_start))
  printf '\n%s==================== Hotline test summary ====================%s\n' "$BOLD" "$RESET"
  local i
  for i in "${!step_names[@]}"; do
    printf '  %-22s %-34s %s\n' "${step_names[$i]}" "${step_results[$i]}" "$(fmt_duration "${step_times[$i]}")"
  done
  printf '  %-22s %-34s %s\n' "total" "" "$(fmt_duration "$total")"
  if [ "$failed" -eq 0 ]; then
    printf '%sRESULT: PASSED%s\n' "$GREEN" "$RESET"
  else
    printf '%sRESULT: FAILED%s (scroll up to the first FAILED step)\n' "$RED" "$RESET"
  fi
}

if ! command -v "$SWIFT" >/dev/null 2>&1; then
  echo "test.sh: '$SWIFT' not found. Install the Swift 6 toolchain (https://www.swift.org/install/linux/) and put it on PATH." >&2
  exit 1
fi

deps_ok=1
if [ "$do_deps" -eq 1 ]; then
  run_step "test dependencies" "$DEPS_LIMIT" bash scripts/install-test-deps.sh || deps_ok=0
else
  record "test dependencies" "skipped (--no-deps)" 0
fi

if [ "$do_unit" -eq 1 ]; then
  build_cmd=("$SWIFT" build --build-tests)
else
  build_cmd=("$SWIFT" build --product hotline)
fi
if ! run_step "swift build" "$BUILD_LIMIT" "${build_cmd[@]}"; then
  [ "$do_unit" -eq 1 ] && record "unit tests" "not run (build failed)" 0
  [ "$do_interop" -eq 1 ] && record "interop tests" "not run (build failed)" 0
  summary
  exit 1
fi

if [ "$do_unit" -eq 1 ]; then
  run_step "unit tests" "$UNIT_LIMIT" "$SWIFT" test --skip-build
fi

if [ "$do_interop" -eq 1 ]; then
  if [ "$deps_ok" -eq 0 ]; then
    record "interop tests" "not run (test dependencies missing)" 0
  else
    if [ -z "${HOTLINE_BIN:-}" ]; then
      bin_dir=$("$SWIFT" build --show-bin-path 2>/dev/null) || bin_dir="$REPO_ROOT/.build/debug"
      export HOTLINE_BIN="$bin_dir/hotline"
    fi
    echo "interop tests use HOTLINE_BIN=$HOTLINE_BIN"
    mkdir -p .build/test-results
    run_step "interop tests" "$INTEROP_LIMIT" \
      python3 -m pytest -v tests/interop --junitxml=.build/test-results/interop.xml "${pytest_args[@]}"
  fi
fi

summary
exit "$failed"
