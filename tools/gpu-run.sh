#!/usr/bin/env bash
# The ONE script for the GPU machine (Ubuntu 24.04, gcc 13, nvcc, meson,
# ninja; no GLib there). Run tools/gpu-prepare.sh on the development machine
# first and carry .device and golden. Steps:
#   1. unpack the carried GLib / json-glib .debs into a prefix (pkg-config, LD_LIBRARY_PATH)
#   2. build engine + CLI with -Dgui=disabled -Dcuda=enabled -Dblas=disabled
#   3. meson test --suite gpu   (CUDA vs CPU op by op; whole model vs golden)
#   4. compute-sanitizer memcheck on the tiny golden case
#   5. foldlight-cli bench (BENCH_ARGS), table printed last
#   6. (only when asked) profile: one bench run (PROFILE_ARGS) with FL_CUDA_PROFILE=events,
#      GPU time per op from CUDA events, nothing synchronised
#   6b. (only when asked) ncu: Nsight Compute over one Evoformer block (NCU_ARGS, NCU_SKIP,
#      NCU_COUNT), summarised by tools/ncu-block.py
#   7. colabfold (with all when .peers and .whl were carried): ColabFold's fused kernels timed
#      by ../shared/peers/run.sh (copied to .peers/, wheels in .whl/) on the same machine for
#      the rows of BENCH_ARGS' lengths, then tools/compare-peers.py prints both and the ratio
# Usage: tools/gpu-run.sh [STEP...]   STEP: build test sanitize bench profile ncu colabfold all
#        (default all)
# Environment: OUT (logs; default ./out), BENCH_ARGS (BENCH_ARGS2, BENCH_ARGS3: more bench runs), PROFILE_ARGS, BUILD (default build-gpu),
#   SANITIZE_TESTS (test paths for memcheck), CF_SECONDS (ColabFold's share; default 360, at least ~330 on a fresh machine),
#   CF_MSA_LENGTHS / CF_SINGLE_LENGTHS (default 128,256,512 / 256,512,1024).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/out}
BUILD=${BUILD:-build-gpu}
PREFIX=${FL_DEPS_PREFIX:-/tmp/fl-deps}
BENCH_ARGS=${BENCH_ARGS:---backend cuda --precision all --msa both --lengths 64,128,256,384,512}
PROFILE_ARGS=${PROFILE_ARGS:---backend cuda --precision tf32 --msa 512:1024 --lengths 256 --repeats 1}
STEPS=${*:-all}
# Every log goes to $OUT/logs; at the end the few that matter are copied to
# $OUT and the rest packed into $OUT/logs.tgz (a device call brings back 8 files).
FINAL_OUT=$OUT
OUT=$FINAL_OUT/logs
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
note() { echo "$*" | tee -a "$SUMMARY"; }
want() { [[ " $STEPS " == *" all "* || " $STEPS " == *" $1 "* ]]; }
t_start=$(date +%s)
stamp() { echo "[$(( $(date +%s) - t_start ))s] $*"; }

# ---- 1. dependencies from the carried .debs
if ! pkg-config --exists glib-2.0 json-glib-1.0 2>/dev/null; then
  if ! ls .device/debs/*.deb >/dev/null 2>&1; then
    echo "gpu-run: no GLib here and no .device/debs: run tools/gpu-prepare.sh and carry .device" >&2
    exit 1
  fi
  mkdir -p "$PREFIX"
  for f in .device/debs/*.deb; do dpkg-deb -x "$f" "$PREFIX"; done
  LIBDIR="$PREFIX/usr/lib/x86_64-linux-gnu"
  # Runtime libraries GLib links against: only those this machine lacks.
  if ls .device/debs/runtime/*.deb >/dev/null 2>&1; then
    rt="$PREFIX/runtime"
    mkdir -p "$rt"
    for f in .device/debs/runtime/*.deb; do dpkg-deb -x "$f" "$rt"; done
    for so in libffi.so.8 libpcre2-8.so.0 libmount.so.1 libblkid.so.1 libselinux.so.1 libz.so.1; do
      if ! ldconfig -p | grep -q "$so"; then
        found=$(find "$rt" -name "$so*" | head -1)
        [ -n "$found" ] && cp -a "$(dirname "$found")/$so"* "$LIBDIR/" && echo "gpu-run: using carried $so"
      fi
    done
  fi
  # The .pc files say /usr: point them at the prefix.
  for pc in $(find "$PREFIX" -name '*.pc'); do
    sed -i -E "s#^(prefix|exec_prefix|libdir|includedir|sharedlibdir)=/usr(/|\$)#\1=$PREFIX/usr\2#" "$pc"
  done
  export PKG_CONFIG_PATH="$LIBDIR/pkgconfig:$PREFIX/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
export PATH=/usr/local/cuda/bin:$PATH
stamp "glib $(pkg-config --modversion glib-2.0 2>&1), json-glib $(pkg-config --modversion json-glib-1.0 2>&1), $(nvcc --version | tail -1)"
nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version,clocks.sm --format=csv,noheader 2>&1 | tee -a "$OUT/gpu.txt"

# ---- 2. build
if want build || want test || want sanitize || want bench || want profile || want ncu; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    # sm_90a only (the H100 / H200 here): a third of the nvcc time of the default list.
    meson setup "$BUILD" -Dgui=disabled -Dcuda=enabled -Dblas=disabled \
      "-Dnvcc_gencode=${NVCC_GENCODE:--gencode=arch=compute_90a,code=sm_90a}" \
      --buildtype=debugoptimized >"$OUT/meson-setup.log" 2>&1 \
      || { tail -40 "$OUT/meson-setup.log"; note "BUILD: meson setup FAILED"; exit 1; }
  fi
  if ninja -C "$BUILD" >"$OUT/build.log" 2>&1; then
    note "build: ok ($(grep -c '^\[' "$OUT/build.log") steps)"
  else
    grep -E "error|Error|FAILED" "$OUT/build.log" | head -40
    note "build: FAILED (see build.log)"
    exit 1
  fi
  stamp "built"
fi

# ---- 3. gpu test suite
if want test; then
  meson test -C "$BUILD" --suite gpu --print-errorlogs --timeout-multiplier 0.5 \
    >"$OUT/test-gpu.log" 2>&1
  rc=$?
  cp "$BUILD/meson-logs/testlog.txt" "$OUT/testlog-gpu.txt" 2>/dev/null
  # The comparison lines (max_rel per op and per golden key) for the notes.
  grep -E "^# .*(max_rel|SKIP)|^(ok|not ok)" "$OUT/testlog-gpu.txt" > "$OUT/test-gpu-lines.txt" 2>/dev/null
  grep -E "^(ok|not ok)" "$OUT/testlog-gpu.txt" | sed 's/^/  /' | head -60
  note "gpu tests: rc=$rc, $(grep -cE '^ok' "$OUT/testlog-gpu.txt" 2>/dev/null) ok, $(grep -cE '^not ok' "$OUT/testlog-gpu.txt" 2>/dev/null) not ok, $(grep -c '# SKIP' "$OUT/testlog-gpu.txt" 2>/dev/null) skipped"
  stamp "tests done"
fi

# ---- 4. compute-sanitizer memcheck on the tiny golden case (and the op tests' attention)
if want sanitize; then
  if command -v compute-sanitizer >/dev/null; then
    for p in ${SANITIZE_TESTS:-/cuda/engine/tiny /cuda/modules/gated-attention /cuda/modules/transition /cuda/modules/triangle-multiplication /cuda/modules/outer-product-mean /cuda/ops/attention /cuda/ops/attention-tf32 /cuda/ops/attention-bf16 /cuda/ops/global-attention}; do
      compute-sanitizer --tool memcheck --error-exitcode 9 --leak-check no \
        "$BUILD/tests/test-backend-cuda" -p "$p" >"$OUT/memcheck$(echo "$p" | tr '/' '-').log" 2>&1
      rc=$?
      errs=$(grep -m1 "ERROR SUMMARY" "$OUT/memcheck$(echo "$p" | tr '/' '-').log")
      note "memcheck $p: rc=$rc ${errs:-no summary}"
    done
  else
    note "memcheck: compute-sanitizer not found"
  fi
  stamp "sanitizer done"
fi

# ---- 5. benchmark
if want bench; then
  if "$BUILD/app/foldlight-cli" --help 2>/dev/null | grep -q bench; then
    : > "$OUT/bench.log"
    for args in "$BENCH_ARGS" ${BENCH_ARGS2:+"$BENCH_ARGS2"} ${BENCH_ARGS3:+"$BENCH_ARGS3"}; do
      stdbuf -oL "$BUILD/app/foldlight-cli" bench $args 2>&1 | tee "$OUT/bench-one.log"
      cat "$OUT/bench-one.log" >> "$OUT/bench.log"
      note ""
      note "benchmark ($args):"
      awk '/^prec /{p=1} p' "$OUT/bench-one.log" >> "$SUMMARY"
    done
  else
    note "bench: foldlight-cli has no bench command in this build"
  fi
  stamp "bench done"
fi

# ---- 6. per-op GPU time (only when asked: not part of all)
if [[ " $STEPS " == *" profile "* ]]; then
  FL_CUDA_PROFILE=events "$BUILD/app/foldlight-cli" bench $PROFILE_ARGS >"$OUT/profile.log" 2>&1
  note ""
  note "profile ($PROFILE_ARGS):"
  grep -A20 "CUDA op profile" "$OUT/profile.log" | tail -n +1 >> "$SUMMARY"
  stamp "profile done"
fi

# ---- 6b. Nsight Compute on one Evoformer block (only when asked: not part of all)
if [[ " $STEPS " == *" ncu "* ]]; then
  ncu --launch-skip "${NCU_SKIP:-3000}" --launch-count "${NCU_COUNT:-360}" --csv --page raw \
    --metrics gpu__time_duration.sum,dram__bytes.sum,sm__throughput.avg.pct_of_peak_sustained_elapsed,gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed \
    "$BUILD/app/foldlight-cli" bench ${NCU_ARGS:---backend cuda --precision tf32 --msa 512:1024 --lengths 256 --recycles 0 --repeats 1} \
    >"$OUT/ncu.csv" 2>"$OUT/ncu.err"
  note ""
  note "ncu (one Evoformer block):"
  python3 tools/ncu-block.py "$OUT/ncu.csv" --list >"$OUT/ncu-block.txt" 2>&1
  head -14 "$OUT/ncu-block.txt" >> "$SUMMARY"
  stamp "ncu done"
fi

# ---- 7. ColabFold with its fused kernels, same machine, same call
if want colabfold; then
  if [ -f .peers/run.sh ] && ls .whl/*.whl >/dev/null 2>&1; then
    # ColabFold's parameter init alone took over 115 s on a fresh H200 (2026-12-02): the
    # first spec gets most of the time; the second reads the cached parameters.
    CF=${CF_SECONDS:-360}
    [ -n "${CF_END:-}" ] && CF=$(( CF_END - $(date +%s) ))   # CF_END: epoch seconds to end by
    OUT="$OUT" bash .peers/run.sh "$CF" \
      "kernels:msa:${CF_MSA_LENGTHS:-128,256,512}:$((CF * 62 / 100)):200" \
      "kernels:single:${CF_SINGLE_LENGTHS:-256,512,1024}:$CF:30" >"$OUT/colabfold.log" 2>&1
    note "colabfold: rc=$? ($(grep -c median_run_s "$OUT/peer_timing.jsonl" 2>/dev/null) rows timed)"
    if [ -f "$OUT/bench.log" ]; then
      python3 tools/compare-peers.py "$OUT/bench.log" "$OUT/peer_timing.jsonl" | tee -a "$SUMMARY"
    fi
  else
    note "colabfold: .peers/run.sh or .whl/ not carried (see /work/shared/peers/README.md)"
  fi
  stamp "colabfold done"
fi

tar czf "$FINAL_OUT/logs.tgz" -C "$OUT" . 2>/dev/null
for f in summary.txt testlog-gpu.txt bench.log test-gpu-lines.txt profile.log ncu-block.txt peer_timing.jsonl colabfold.log; do
  [ -f "$OUT/$f" ] && cp "$OUT/$f" "$FINAL_OUT/$f"
done
[ "$FINAL_OUT" != "$ROOT" ] && rm -rf "$OUT"
echo
echo "==== summary"
cat "$FINAL_OUT/summary.txt"
