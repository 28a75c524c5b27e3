#!/usr/bin/env bash
# Install what the test suite needs beyond the Swift toolchain, skipping what is
# already there. Safe to run again and again.
#
#   apt:  sip-tester (SIPp, the SIP peer of the interop tests), sox (the media tests
#         check that sox reads the WAV files Hotline writes, and the other way round)
#         python3, python3-pip (only if missing)
#         tshark (dumpcap captures the media tests' RTP on lo), baresip + baresip-core (a real
#         softphone), espeak-ng (speech prompts), python3-numpy (audio comparison),
#         python3-yaml (the media tests write their server configuration)
#         chromium, chromium-driver, fonts-wqy-zenhei (the browser tests of the web desktop)
#   pip:  pytest (only if `python3 -c 'import pytest'` fails or it is older than 7),
#         websocket-client (if Debian's python3-websocket is not importable), jsonschema 4.26.0,
#         openapi-spec-validator 0.9.0, selenium 4.51.0 (exactly these versions)
#
# Works as root, or as a user with sudo (non-interactive sudo when there is no terminal).
set -euo pipefail

log() { printf '[install-test-deps] %s\n' "$*"; }
die() { printf '[install-test-deps] error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  if [ -t 0 ]; then SUDO=(sudo); else SUDO=(sudo -n); fi
else
  SUDO=()
fi

export DEBIAN_FRONTEND=noninteractive
apt_updated=0

apt_install() {
  # apt_install PACKAGE...: install the packages that dpkg does not report as installed.
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg -s "$pkg" >/dev/null 2>&1; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${missing[*]} with your package manager"
  if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
    die "need root or sudo to install ${missing[*]}; install them, then run this again"
  fi
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    "${SUDO[@]}" apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install ${missing[*]}"
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# SIPp
if command -v sipp >/dev/null 2>&1; then
  log "sipp: present ($(command -v sipp))"
else
  apt_install sip-tester
  command -v sipp >/dev/null 2>&1 || die "sip-tester installed but no sipp on PATH"
fi

# sox
if command -v sox >/dev/null 2>&1; then
  log "sox: present ($(command -v sox))"
else
  apt_install sox
fi

# Media test peers and tools (tests/interop/test_media.py)
if command -v dumpcap >/dev/null 2>&1; then
  log "dumpcap: present ($(command -v dumpcap))"
else
  # tshark's postinst asks whether non-root users may capture: answer "no" up front
  # so the install never stops at a prompt (the tests capture as root or with CAP_NET_RAW).
  if command -v debconf-set-selections >/dev/null 2>&1; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" | "${SUDO[@]}" debconf-set-selections
  fi
  apt_install tshark
fi
if command -v baresip >/dev/null 2>&1 && [ -e /usr/lib/baresip/modules/sndfile.so ]; then
  log "baresip: present ($(command -v baresip))"
else
  apt_install baresip baresip-core
fi
# espeak-ng: Hotline's TTS (the Speech target and its tests), not only test audio.
if command -v espeak-ng >/dev/null 2>&1; then
  log "espeak-ng: present"
else
  apt_install espeak-ng
fi

# Python 3
if command -v python3 >/dev/null 2>&1; then
  log "python3: present ($(python3 --version 2>&1))"
else
  apt_install python3
fi

# pip_install SPEC: pip as root or --user, past Debian's PEP 668 refusal.
pip_install() {
  local spec=$1
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip
  fi
  local args=(install --quiet --disable-pip-version-check)
  if [ "$(id -u)" -ne 0 ] && [ -z "${VIRTUAL_ENV:-}" ]; then
    args+=(--user)
  fi
  log "python3 -m pip ${args[*]} $spec"
  local output
  if ! output=$(python3 -m pip "${args[@]}" "$spec" 2>&1); then
    if grep -q "externally-managed-environment" <<<"$output"; then
      python3 -m pip "${args[@]}" --break-system-packages "$spec"
    else
      printf '%s\n' "$output" >&2
      die "pip could not install $spec"
    fi
  fi
}

# numpy and PyYAML for the media tests: the Debian package if that makes them importable
# by this python3, else pip (a python3 that is not the system's, e.g. pyenv, needs pip).
pip_module() {
  # pip_module IMPORT_NAME APT_PACKAGE PIP_PACKAGE
  local module=$1 apt_pkg=$2 pip_pkg=$3
  if python3 -c "import $module" >/dev/null 2>&1; then
    log "$module: present"
    return 0
  fi
  if [ "$(command -v python3)" = /usr/bin/python3 ]; then
    apt_install "$apt_pkg"
    python3 -c "import $module" >/dev/null 2>&1 && return 0
  fi
  pip_install "$pip_pkg"
  python3 -c "import $module" >/dev/null 2>&1 || die "$module still not importable by python3"
}
pip_module numpy python3-numpy numpy
pip_module yaml python3-yaml PyYAML
# The event stream's WebSocket clients: test_api (websocket-client) and the CTI
# benchmark's 500 desktops (websockets, asyncio).
pip_module websocket python3-websocket websocket-client
pip_module websockets python3-websockets websockets

# pip_exact DISTRIBUTION VERSION: exactly that version from PyPI, unless it is there
# already (Debian's jsonschema is too old for OpenAPI 3.1; selenium as INTEROP.md says).
pip_exact() {
  local dist=$1 version=$2
  if [ "$(python3 -c "import importlib.metadata as m; print(m.version('$dist'))" 2>/dev/null)" = "$version" ]; then
    log "$dist: present ($version)"
    return 0
  fi
  pip_install "$dist==$version"
}
# The OpenAPI document's checks (test_openapi_document, test_api).
pip_exact jsonschema 4.26.0
pip_exact openapi-spec-validator 0.9.0
# The browser tests (test_desktop): headless Chromium driven by selenium, with a font
# that has the Chinese the pages show.
pip_exact selenium 4.51.0
apt_install chromium chromium-driver fonts-wqy-zenhei
command -v chromedriver >/dev/null 2>&1 || die "chromium-driver installed but no chromedriver on PATH"

# pytest (>= 7)
pytest_ok() {
  python3 - <<'EOF' >/dev/null 2>&1
import sys
import pytest
sys.exit(0 if int(pytest.__version__.split(".")[0]) >= 7 else 1)
EOF
}

if pytest_ok; then
  log "pytest: present ($(python3 -m pytest --version 2>&1 | head -n 1))"
else
  pip_install pytest
  pytest_ok || die "pytest still not importable by python3 after installing it"
  log "pytest: installed ($(python3 -m pytest --version 2>&1 | head -n 1))"
fi

log "done"
