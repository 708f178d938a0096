#!/usr/bin/env bash
# The Snakemake workflow end to end with Snakemake's local executor: five
# short sequences in two shards, the tiny golden parameters, on the CPU.
# Then a rerun has nothing to do, and a shard whose output is lost is rerun
# without predicting again what it had finished. The templates= folder
# reaches every shard as --template-dir (the tiny model has no template
# stack: a notice, and each input's ID_templates.json says so).
# Usage (from meson): test-workflow.sh SOURCE_ROOT FOLDLIGHT_CLI
set -euo pipefail
SRC=$1
CLI=$2

missing() {
  # Under CI a missing tool or input is a failure; elsewhere a skip (77).
  echo "$1"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 77
}

SNAKEMAKE=${FL_SNAKEMAKE:-}
[ -z "$SNAKEMAKE" ] && [ -x "$SRC/.venv/bin/snakemake" ] && SNAKEMAKE=$SRC/.venv/bin/snakemake
[ -z "$SNAKEMAKE" ] && SNAKEMAKE=$(command -v snakemake || true)
[ -n "$SNAKEMAKE" ] || missing "snakemake not found (tools/dev.sh installs it into .venv)"
GOLDEN=${FL_GOLDEN_DIR:-$SRC/../shared/golden}/tiny
[ -f "$GOLDEN/params_tiny.npz" ] && [ -f "$GOLDEN/config.json" ] \
  || missing "golden case not found: $GOLDEN"

TMPL_PDB=${FL_GOLDEN_DIR:-$SRC/../shared/golden}/tmpl/1GCN.pdb
[ -f "$TMPL_PDB" ] || missing "golden template not found: $TMPL_PDB"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
mkdir -p templates/wf_b
ln -s "$TMPL_PDB" templates/wf_b/1gcn_A.pdb
run() {
  "$SNAKEMAKE" -s "$SRC/workflow/Snakefile" --cores 2 \
    --config input="$SRC/tests/data/workflow-inputs.fasta" params="$GOLDEN/params_tiny.npz" \
             outdir="$WORK/results" shards=2 cli="$CLI" threads=1 templates="$WORK/templates" \
             args="--config $GOLDEN/config.json --backend cpu --recycles 1" "$@"
}
fail() { echo "FAIL: $*"; exit 1; }

run > snakemake.log 2>&1 || { cat snakemake.log; fail "the workflow failed"; }
R=$WORK/results
for id in wf_a_short_test_chain wf_b wf_c wf_d wf_e; do
  [ -f "$R/$id.done.txt" ] || fail "$id was not predicted"
  [ -f "$R/${id}_unrelaxed_rank_001_alphafold2_ptm_model_1_seed_000.pdb" ] || fail "$id: no PDB"
done
[ "$(wc -l < "$R/summary.csv")" = 6 ] || { cat "$R/summary.csv"; fail "summary.csv should have 5 rows"; }
[ "$(grep -c ',done,' "$R/summary.csv")" = 5 ] || { cat "$R/summary.csv"; fail "not every row is done"; }
head -1 "$R/summary.csv" | grep -q '^id,length,status,' || fail "summary.csv header"
python3 -c "import json,sys; sys.exit(json.load(open('$R/config.json'))['num_queries'] != 5)" \
  || fail "config.json num_queries should count every shard's inputs"
# Shard 1 has inputs 1, 3, 5 of the length-sorted list, shard 2 the others.
[ "$(grep -c ',done,' "$R/shards/summary_1.csv")" = 3 ] || fail "shard 1 should hold 3 inputs"
[ "$(grep -c ',done,' "$R/shards/summary_2.csv")" = 2 ] || fail "shard 2 should hold 2 inputs"
for k in 1 2; do
  grep -q 'notice: no model of this batch has a template stack' "$R/logs/shard_$k.log" \
    || { cat "$R/logs/shard_$k.log"; fail "shard $k did not get the templates folder"; }
done
[ -f "$R/wf_b_templates.json" ] || fail "wf_b_templates.json is missing"

run > rerun.log 2>&1 || { cat rerun.log; fail "the rerun failed"; }
grep -q 'Nothing to be done' rerun.log || { cat rerun.log; fail "a rerun should have nothing to do"; }

rm "$R/shards/summary_1.csv" "$R/summary.csv"
run > resume.log 2>&1 || { cat resume.log; fail "the resumed run failed"; }
grep -q 'this run: 0 done, 0 failed, 3 skipped as already done' "$R/logs/shard_1.log" \
  || { cat "$R/logs/shard_1.log"; fail "the rerun shard predicted again"; }
[ "$(grep -c ',done,' "$R/summary.csv")" = 5 ] || fail "summary after the resumed run"
echo "workflow: 5 inputs in 2 shards, rerun and resume ok"
