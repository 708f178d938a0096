#!/usr/bin/env bash
# Foldlight's two entry points for a fresh Debian 12 / Ubuntu 24.04 machine:
#   tools/dev.sh run    install what is missing, build, start the app on the demo
#   tools/dev.sh test   install what is missing, build, run the whole test suite
# (clang and its libFuzzer runtime are for tools/fuzz.sh, run by .ci/run.)
# Extra arguments after 'test' go to 'meson test' (e.g. --suite fast).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${FL_BUILD_DIR:-build}
PKGS="build-essential pkg-config meson ninja-build libglib2.0-dev libjson-glib-dev
      libopenblas-dev libgtk-4-dev libepoxy-dev libcairo2-dev libgl1-mesa-dri
      librsvg2-common xvfb xauth dbus dbus-x11 python3 python3-venv
      desktop-file-utils appstream libcurl4-openssl-dev clang libclang-rt-dev"

missing_packages() {
  local p out=""
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out="$out $p"
  done
  echo "$out"
}

install_missing() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  else
    echo "Foldlight needs these packages. Install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
  fi
}

# The workflow test (tests/test-workflow.sh) runs Snakemake, from PyPI, in .venv.
install_snakemake() {
  [ -x .venv/bin/snakemake ] && return 0
  command -v snakemake >/dev/null && return 0
  echo "Installing Snakemake into .venv (pip) for the workflow test" >&2
  python3 -m venv .venv && .venv/bin/pip install -q 'snakemake>=9,<10' \
    || echo "Snakemake could not be installed: the workflow test will fail" >&2
}

build() {
  # The CUDA backend is built when the toolkit is present (-Dcuda=auto).
  [ -d /usr/local/cuda/bin ] && export PATH="/usr/local/cuda/bin:$PATH"
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=debugoptimized >/dev/null
  fi
  ninja -C "$BUILD" >/dev/null
}

with_display() {
  # GUI tests and a headless 'run' need an X server: start Xvfb when there is none.
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    local n=99
    while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
    Xvfb ":$n" -screen 0 1600x1000x24 >/dev/null 2>&1 &
    XVFB_PID=$!
    trap 'kill $XVFB_PID 2>/dev/null || true' EXIT
    export DISPLAY=":$n"
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
  fi
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
case "$cmd" in
  run)
    install_missing
    build
    exec "$BUILD/app/foldlight" "$@"
    ;;
  test)
    install_missing
    install_snakemake
    build
    with_display
    export GSETTINGS_BACKEND=memory
    status=0
    # A private D-Bus session keeps GTK quiet and isolated in GUI tests.
    runner=()
    command -v dbus-run-session >/dev/null && runner=(dbus-run-session --)
    "${runner[@]}" meson test -C "$BUILD" --print-errorlogs --num-processes 2 \
      --suite fast --suite slow --suite gui --suite gpu "$@" || status=$?
    python3 tools/test-summary.py "$BUILD/meson-logs/testlog.json"
    exit $status
    ;;
  *)
    echo "usage: tools/dev.sh run|test [args]" >&2
    exit 2
    ;;
esac
