#!/usr/bin/env bash
# Run one libFuzzer harness for $FL_FUZZ_SECONDS (default 20) seconds and
# report it as one TAP test. Its corpus is build/fuzz-corpus/NAME (kept
# between runs); the seeds are gathered here, at run time, from the
# committed tests/fuzz/seeds/NAME (small files and past findings) and the
# real files of ../shared/golden, ../shared/data ($FL_GOLDEN_DIR,
# $FL_DATA_DIR), tests/data and resources/demo. A crash, leak, sanitizer
# report, timeout or out-of-memory leaves its input in
# build/fuzz-artifacts/NAME/ and fails the test.
# usage: run-fuzz.sh HARNESS NAME MAX_LEN SOURCE_ROOT BUILD_DIR
set -uo pipefail
exe=$1 name=$2 max_len=$3 src=$4 build=$5
seconds=${FL_FUZZ_SECONDS:-20}
golden=${FL_GOLDEN_DIR:-$src/../shared/golden}
data=${FL_DATA_DIR:-$src/../shared/data}

case "$name" in
  msa)    globs="$data/msas/*/* $data/sequences/*.fasta $golden/*/input.a3m $src/resources/demo/*.a3m" ;;
  npz)    globs="$src/tests/data/npz/*.npz $golden/*/features.npz" ;;
  params) globs="$golden/tiny/params_tiny.npz $golden/tiny/features.npz" ;;
  config) globs="$golden/*/config.json $data/predictions/*/config.json" ;;
  scores) globs="$data/predictions/*/*.json $src/resources/demo/*.json" ;;
  pdb)    globs="$data/structures/*.pdb $data/predictions/*/*.pdb $golden/tmpl/*.pdb $src/resources/demo/*.pdb" ;;
  mmcif)  globs="$data/structures/*.cif $data/predictions/*/*.cif $golden/tmpl/*.cif" ;;
  *) echo "run-fuzz.sh: unknown harness $name" >&2; exit 2 ;;
esac

seeds=$build/fuzz-seeds/$name
corpus=$build/fuzz-corpus/$name
artifacts=$build/fuzz-artifacts/$name
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$artifacts"
n_seeds=0
for f in "$src/tests/fuzz/seeds/$name"/* $globs; do
  # Files over 1 MiB would only be cut to MAX_LEN: leave them out.
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 1048576 ] || continue
  n_seeds=$((n_seeds + 1))
  ln -s "$(readlink -f "$f")" "$seeds/$n_seeds-$(basename "$f")"
done

log=$build/fuzz-$name.log
echo "1..1"
"$exe" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
found=$(ls "$artifacts" | wc -l)
summary="fuzz-$name: ${execs:-0} execs in ${seconds} s, $n_seeds seeds, corpus $(ls "$corpus" | wc -l), $found artifact(s)"
if [ $rc -eq 0 ]; then
  echo "ok 1 $summary"
else
  tail -n 60 "$log" | sed 's/^/# /'
  echo "not ok 1 $summary (exit $rc, log $log)"
fi
exit $rc
