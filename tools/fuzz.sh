#!/usr/bin/env bash
# Fuzz Foldlight's parsers of untrusted input: build the libFuzzer harnesses
# of tests/fuzz with clang, ASan and UBSan in build-fuzz/ (only the model
# library and the harnesses), then run each for SECONDS (default 20), two at
# a time, as the meson test suite 'fuzz'.
#   tools/fuzz.sh [SECONDS] [meson test arguments, e.g. fuzz-npz]
# Findings land in build-fuzz/fuzz-artifacts/NAME/; reproduce one with
#   build-fuzz/tests/fuzz/fuzz-NAME build-fuzz/fuzz-artifacts/NAME/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${FL_FUZZ_BUILD_DIR:-build-fuzz}
export FL_FUZZ_SECONDS=${1:-20}
[ $# -gt 0 ] && shift
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang meson setup "$BUILD" -Dfuzz=enabled -Dgui=disabled -Dcuda=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized >/dev/null
fi
ninja -C "$BUILD" >/dev/null
meson test -C "$BUILD" --suite fuzz --num-processes 2 --print-errorlogs "$@"
