#!/usr/bin/env bash
# Installs what webgpu-rnn needs on a fresh Debian 12 machine (run as root), then `npm ci`.
#  - a Vulkan driver for Dawn when the machine has no GPU: Mesa lavapipe from bookworm-backports
#    (Debian 12's own Mesa 22.3 is rejected by Dawn);
#  - Debian's chromium for the browser tests (puppeteer never downloads a browser here).
# Idempotent: every step checks first. Set WEBGPU_RNN_SKIP_SYSTEM=1 to skip the apt part.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[setup] $*"; }

need_apt=()
lavapipe_icd() { ls /usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -n1; }

if [[ "${WEBGPU_RNN_SKIP_SYSTEM:-0}" != 1 ]]; then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
    say "not root and no sudo: install mesa-vulkan-drivers (bookworm-backports) and chromium by hand"; exit 1
  fi
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo

  # Another apt or dpkg (unattended upgrades on a fresh VM) may hold apt's locks: wait for it and say so.
  # apt-get install waits by itself with DPkg::Lock::Timeout; apt-get update (apt 2.6) fails at once with
  # exit 100 on a held lists lock, hence the check before each call.
  lock_wait_s=600
  apt_locks=" /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock "
  lock_holder() {
    $SUDO lslocks -n -o COMMAND,PID,PATH 2>/dev/null |
      awk -v locks="$apt_locks" 'index(locks, " " $3 " ") { print $1 " (pid " $2 ") holds " $3; exit }'
  }
  wait_for_apt_locks() {
    local waited=0 holder
    while holder=$(lock_holder) && [[ -n $holder ]]; do
      if (( waited == 0 )); then say "waiting for another package manager: $holder (up to $((lock_wait_s / 60)) minutes)"; fi
      if (( waited >= lock_wait_s )); then say "gave up after ${lock_wait_s}s: $holder"; exit 1; fi
      sleep 5
      waited=$((waited + 5))
    done
  }
  apt_get() {
    wait_for_apt_locks
    $SUDO apt-get -o DPkg::Lock::Timeout="$lock_wait_s" "$@"
  }

  mesa_ok=0
  if [[ -n "$(lavapipe_icd)" ]]; then
    v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)
    # Dawn needs Vulkan 1.1+ features that only newer Mesa exposes; 22.x is rejected.
    if dpkg --compare-versions "$v" ge 24; then mesa_ok=1; fi
  fi
  if [[ $mesa_ok == 0 ]]; then
    if [[ ! -f /etc/apt/sources.list.d/webgpu-rnn-backports.sources ]]; then
      src=/etc/apt/sources.list.d/debian.sources
      [[ -f $src ]] || { say "no $src to derive the bookworm-backports source from"; exit 1; }
      # The first stanza's URIs is the machine's own Debian mirror; reuse it for backports.
      uri=$(awk '/^URIs:/{print $2; exit}' "$src")
      keyring=$(awk '/^Signed-By:/{print $2; exit}' "$src")
      say "adding bookworm-backports from the machine's own Debian source"
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
        "$uri" "${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}" |
        $SUDO tee /etc/apt/sources.list.d/webgpu-rnn-backports.sources >/dev/null
    fi
    need_apt+=(mesa)
  fi
  command -v chromium >/dev/null || need_apt+=(chromium)

  if [[ ${#need_apt[@]} -gt 0 ]]; then
    say "apt-get update"
    apt_get update -qq
    export DEBIAN_FRONTEND=noninteractive
    if [[ " ${need_apt[*]} " == *" mesa "* ]]; then
      say "installing mesa-vulkan-drivers from bookworm-backports (lavapipe)"
      apt_get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
    fi
    if [[ " ${need_apt[*]} " == *" chromium "* ]]; then
      say "installing chromium"
      apt_get install -y -qq chromium >/dev/null
    fi
  fi
fi

major=$(npm --version | cut -d. -f1)
if [[ $major -lt 11 ]]; then
  say "npm $(npm --version) found: Vite 8 needs npm 11 to install (this project pins vite 7 + vitest 3, which work with npm 10)."
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "npm ci"
  # ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node (tests) uses the CPU binaries inside its package instead
  # of downloading CUDA ones from a host this machine may not reach.
  PUPPETEER_SKIP_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi
say "done"
