#!/usr/bin/env bash
# Installs the pinned pretix release into a virtualenv for the end-to-end tests.
#
#   test/e2e/pretix/install.sh            # venv at <repo>/.cache/pretix-venv
#   PRETIX_VENV=/some/dir install.sh      # elsewhere
#   PRETIX_VERSION=2026.7.2 install.sh    # another release (test/e2e/pretix-server.ts pins one)
#   PRETIX_PYTHON=python3.12 install.sh   # another interpreter (pretix 2026.x needs CPython >= 3.11)
#
# Idempotent: when the venv already holds the pinned version (marker file) it exits at once.
#
# System packages: pretix 2026.8.0 and all its dependencies install from PyPI as wheels (manylinux, libraries
# bundled) for CPython 3.11 on x86_64; their native code links only against libc6, libgcc-s1, libstdc++6 and
# zlib1g, and one pure-Python sdist (django-jquery-js) is built without a compiler. No libmagic, libxml2, libpq,
# gettext or node is needed for migrate/runserver/the REST API. CI runs on a fresh machine as root, so whatever of
# that short list (plus python3-venv for a Debian python) is missing is installed here with apt-get.
set -euo pipefail

PRETIX_VERSION="${PRETIX_VERSION:-2026.8.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
VENV="${PRETIX_VENV:-$ROOT/.cache/pretix-venv}"
PYTHON="${PRETIX_PYTHON:-python3}"
CONSTRAINTS="$HERE/constraints-$PRETIX_VERSION.txt"

log() { echo "[pretix-install] $*" >&2; }

stamp="$PRETIX_VERSION"
if [[ -f "$CONSTRAINTS" ]]; then
  stamp="$PRETIX_VERSION-$(sha256sum "$CONSTRAINTS" | cut -c1-12)"
fi
MARKER="$VENV/.pretix-installed-$stamp"

if [[ -f "$MARKER" && -x "$VENV/bin/python" ]]; then
  log "pretix $PRETIX_VERSION already installed in $VENV"
  exit 0
fi

start=$(date +%s)

# --- system packages ----------------------------------------------------------------------------------------
apt_install() {
  local missing=()
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]})) || return 0
  if ! command -v apt-get >/dev/null; then
    log "missing system packages (${missing[*]}) and no apt-get: install them yourself"; exit 1
  fi
  if [[ $(id -u) -ne 0 ]]; then
    log "missing system packages: run 'apt-get install ${missing[*]}' as root"; exit 1
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

if command -v dpkg-query >/dev/null; then
  # What the wheels' shared objects link against (normally part of every Debian install), and CA certificates
  # for pip's HTTPS (PIP_CERT may point at the system bundle).
  apt_install libc6 libgcc-s1 libstdc++6 zlib1g ca-certificates
fi

if ! command -v "$PYTHON" >/dev/null; then
  apt_install python3 python3-venv
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  log "pretix $PRETIX_VERSION needs Python >= 3.11; $PYTHON is $("$PYTHON" -V 2>&1)"; exit 1
fi
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  # Debian's python3 ships venv/ensurepip separately.
  apt_install "python3-venv"
fi

# --- virtualenv ----------------------------------------------------------------------------------------------
if [[ -x "$VENV/bin/python" ]] && ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  log "removing broken virtualenv $VENV"; rm -rf "$VENV"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating virtualenv $VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/python" -m pip install -q --upgrade pip wheel >&2

pip_args=(--prefer-binary "pretix==$PRETIX_VERSION")
if [[ -f "$CONSTRAINTS" ]]; then
  pip_args+=(-c "$CONSTRAINTS")
  log "pip install pretix==$PRETIX_VERSION (constraints $(basename "$CONSTRAINTS"))"
else
  log "pip install pretix==$PRETIX_VERSION (no constraints file for this version)"
fi
"$VENV/bin/python" -m pip install -q "${pip_args[@]}" >&2

installed="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pretix"))')"
if [[ "$installed" != "$PRETIX_VERSION" ]]; then
  log "expected pretix $PRETIX_VERSION, found $installed"; exit 1
fi
rm -f "$VENV"/.pretix-installed-*
touch "$MARKER"
log "pretix $installed installed in $(($(date +%s) - start)) s"
