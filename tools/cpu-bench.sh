#!/usr/bin/env bash
# Foldlight's CPU backend beside ColabFold's fp32 JAX on the same cores, one
# after the other in the same run, and a side-by-side table with the ratio.
#
#   tools/cpu-bench.sh [CASE...]      CASE = msa:L:CLUSTERS:EXTRA | single:L
#   default cases: msa:59:512:1024 msa:59:512:5120 single:256
#
# Both run full-size model_1_ptm shapes (48 Evoformer + 4 extra-MSA blocks)
# with random weights, 3 recycles (4 passes); each times one warm-up and
# NREP timed runs (default 1) and reports the median. ColabFold's compile
# time is printed apart (it is not in its run time).
#
# Environment:
#   CF_PYTHON   Python with alphafold-colabfold 2.3.27, dm-haiku 0.0.17 and
#               jax[cpu] (default /work/venv-colabfold/bin/python; see
#               docs/cpu.md for the install)
#   CF_SCRIPT   colabfold_timing.py (default ../shared/peers/ next to the
#               source root)
#   FL_CLI      foldlight-cli (default build/app/foldlight-cli)
#   CF_PARAMS   ColabFold's random parameters, made once and reused (their
#               haiku init takes minutes on a CPU; default
#               /tmp/fl-cpu-bench-cf-params.npz)
#   NREP        timed runs of each (default 1)
#   MAX_LOAD    refuse to start while the 1-minute load average is above
#               this (default 3: timings on a busy machine mean nothing)
#   OUT         folder for the logs (default a new one under /tmp)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
CF_PYTHON="${CF_PYTHON:-/work/venv-colabfold/bin/python}"
CF_SCRIPT="${CF_SCRIPT:-$root/../shared/peers/colabfold_timing.py}"
FL_CLI="${FL_CLI:-$root/build/app/foldlight-cli}"
CF_PARAMS="${CF_PARAMS:-/tmp/fl-cpu-bench-cf-params.npz}"
NREP="${NREP:-1}"
MAX_LOAD="${MAX_LOAD:-3}"
OUT="${OUT:-$(mktemp -d /tmp/fl-cpu-bench.XXXXXX)}"
mkdir -p "$OUT"

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(msa:59:512:1024 msa:59:512:5120 single:256)

for f in "$CF_PYTHON" "$FL_CLI"; do
  [ -x "$f" ] || { echo "cpu-bench: $f not found or not executable" >&2; exit 2; }
done
[ -f "$CF_SCRIPT" ] || { echo "cpu-bench: $CF_SCRIPT not found" >&2; exit 2; }

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v m="$MAX_LOAD" 'BEGIN { exit !(l > m) }'; then
  echo "cpu-bench: load average $load > $MAX_LOAD: the machine is busy, not timing" >&2
  echo "(MAX_LOAD=100 $0 to time anyway)" >&2
  exit 3
fi

threads=$(nproc)
echo "cpu-bench: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $threads cores, load $load"
echo "cpu-bench: logs in $OUT"

# One thread pool each: JAX/XLA uses its own; Foldlight uses OpenMP with
# OpenBLAS kept on one thread (the backend sets that itself, too).
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS=1

rows=()
for c in "${cases[@]}"; do
  IFS=: read -r mode L ncl nex <<<"$c"
  case "$mode" in
    msa)
      [ -n "${nex:-}" ] || { echo "cpu-bench: bad case $c (msa:L:CLUSTERS:EXTRA)" >&2; exit 2; }
      cf_args=(--mode msa --n_clusters "$ncl" --n_extra "$nex")
      fl_msa="$ncl:$nex"; label="L=$L $ncl+$nex";;
    single)
      cf_args=(--mode single); fl_msa=single; label="L=$L single";;
    *) echo "cpu-bench: bad case $c" >&2; exit 2;;
  esac
  tag="${mode}-${L}-${ncl:-1}-${nex:-1}"

  echo "== $label: ColabFold (JAX CPU, fp32)"
  rm -f "$OUT/cf-$tag.jsonl"
  "$CF_PYTHON" "$CF_SCRIPT" --variant fp32 "${cf_args[@]}" --lengths "$L" \
    --nrep "$NREP" --num_recycle 3 --params_cache "$CF_PARAMS" --out "$OUT/cf-$tag.jsonl" 2>&1 | tee "$OUT/cf-$tag.log" \
    | grep -E '^JSON|Error|error' || true
  read -r cf_s cf_compile < <("$CF_PYTHON" - "$OUT/cf-$tag.jsonl" <<'EOF'
import json, sys
try:
    rec = [json.loads(l) for l in open(sys.argv[1])][-1]
    run = rec.get('median_run_s')
    print(f"{run:.1f}" if run else "nan", f"{rec.get('compile_s') or float('nan'):.1f}")
except Exception:
    print("nan nan")
EOF
)

  echo "== $label: Foldlight (CPU backend)"
  FL_ENGINE_TIMING=1 "$FL_CLI" bench --backend cpu --lengths "$L" --msa "$fl_msa" \
    --recycles 3 --repeats "$NREP" --threads "$threads" >"$OUT/fl-$tag.log" 2>"$OUT/fl-$tag.timing" \
    || echo "cpu-bench: foldlight-cli bench failed (see $OUT/fl-$tag.log)" >&2
  grep -E "^L=|warm-up" "$OUT/fl-$tag.log" || true
  fl_s=$(sed -n 's/.*total \([0-9.]*\) s (median.*/\1/p' "$OUT/fl-$tag.log" | tail -1)
  fl_s="${fl_s:-nan}"
  rows+=("$label|$cf_s|$cf_compile|$fl_s")
done

echo
printf '%-20s %14s %12s %14s %10s\n' "case (3 recycles)" "ColabFold s" "(+compile)" "Foldlight s" "speed-up"
for r in "${rows[@]}"; do
  IFS='|' read -r label cf comp fl <<<"$r"
  ratio=$(awk -v a="$cf" -v b="$fl" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2fx", a / b; else print "-" }')
  printf '%-20s %14s %12s %14s %10s\n' "$label" "$cf" "$comp" "$fl" "$ratio"
done
echo "(speed-up = ColabFold / Foldlight; the issue's target is >= 1.5x)"
