#!/usr/bin/env python3
"""Batch throughput of foldlight-cli: sequences per hour.

Makes N random sequences with lengths uniform in [MIN, MAX] (seeded), random
full-size parameters (model_3_ptm shapes: `foldlight-cli random-params`),
and for the MSA mode an A3M per sequence with 1,536 rows (query + 1,535
random variants, so that 512 cluster + 1,024 extra rows are all real). Runs
`foldlight-cli batch` on each set (3 recycles) and prints a table: wall time
of the whole command (parameter loading included) and sequences per hour.

The ColabFold column is an estimate, not a run: its per-length times on the
same kind of GPU from ../shared/peers (colabfold_batch's model with fused
kernels: first predict after compiling, interpolated log-log in L) plus one
compile (measured 8-13 s) each time a length exceeds the last compiled
length, which colabfold_batch pads by 10 residues (its recompile_padding;
never beyond the longest input).

Mode "single-2workers": the single-sequence set with two workers sharing one
GPU (--devices 0,0): each input must be done exactly once.

Usage: tools/bench-throughput.py [--cli PATH] [--n 20] [--min 50] [--max 500]
           [--modes single,msa,single-2workers] [--backend cuda] [--work DIR] [--peers FILE]
"""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import time

AA = "ARNDCQEGHILKMFPSTWYV"


def write_inputs(work, lengths, rng, msa_rows):
    fasta = os.path.join(work, "single.fasta")
    msa_dir = os.path.join(work, "msa")
    os.makedirs(msa_dir, exist_ok=True)
    with open(fasta, "w") as f:
        for i, L in enumerate(lengths):
            seq = "".join(rng.choice(AA) for _ in range(L))
            f.write(f">r{i:03d}_L{L}\n{seq}\n")
            if msa_rows:
                with open(os.path.join(msa_dir, f"r{i:03d}_L{L}.a3m"), "w") as a:
                    a.write(f">query\n{seq}\n")
                    for r in range(msa_rows - 1):
                        # 40-90 % identity, some gaps: distinct rows, as a real alignment.
                        keep = rng.uniform(0.4, 0.9)
                        row = "".join(c if rng.random() < keep else
                                      ("-" if rng.random() < 0.1 else rng.choice(AA))
                                      for c in seq)
                        a.write(f">v{r}\n{row}\n")
    return fasta, msa_dir


def run_batch(cli, inp, out, params, extra):
    cmd = [cli, "batch", inp, out, "--params", params, "--recycles", "3"] + extra
    print("+", " ".join(cmd), flush=True)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    sys.stderr.write(p.stderr[-4000:])
    if p.returncode != 0:
        sys.exit(f"bench-throughput: batch failed ({p.returncode})")
    runs = [float(x) for x in re.findall(r"\] \S+ \(L=\d+\) done in ([0-9.]+) s", p.stderr)]
    return wall, runs, p.stderr


def colabfold_estimate(peers, mode, lengths):
    pts, compiles = [], []
    for line in open(peers):
        d = json.loads(line)
        if d.get("variant") == "kernels" and d.get("mode") == mode and d.get("first_predict_s"):
            pts.append((d["L"], d["first_predict_s"]))
            compiles.append(d["compile_s"])
    if len(pts) < 2:
        return None
    pts.sort()

    def predict(L):
        # log-log interpolation (extrapolation at the ends with the end slope)
        for (l0, t0), (l1, t1) in zip(pts, pts[1:]):
            if L <= l1 or (l1, t1) == pts[-1]:
                s = math.log(t1 / t0) / math.log(l1 / l0)
                return t0 * (L / l0) ** s
        return pts[-1][1]

    compile_s = sum(compiles) / len(compiles)
    total, padded = 0.0, 0
    for L in sorted(lengths):
        if L > padded:
            padded = min(L + 10, max(lengths))
            total += compile_s
        total += predict(padded)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", default="build-gpu/app/foldlight-cli")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--min", type=int, default=50)
    ap.add_argument("--max", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--modes", default="single,msa")
    ap.add_argument("--backend", default="cuda")
    ap.add_argument("--precision", default=None)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--work", default="/tmp/fl-bench-throughput")
    ap.add_argument("--params", default=None,
                    help="parameter file to use instead of random model_3_ptm ones (smoke tests)")
    ap.add_argument("--extra", default="", help="further batch options, e.g. \"--config C.json\"")
    ap.add_argument("--peers", default=None,
                    help="ColabFold timings (default ../shared/peers/colabfold-h200-*.jsonl)")
    ap.add_argument("--colabfold-only", action="store_true",
                    help="print only the ColabFold estimate for this set (no GPU needed)")
    a = ap.parse_args()

    # The GPU machine has GLib only as carried .debs unpacked by tools/gpu-run.sh.
    deps = os.path.join(os.environ.get("FL_DEPS_PREFIX", "/tmp/fl-deps"), "usr/lib/x86_64-linux-gnu")
    if os.path.isdir(deps):
        os.environ["LD_LIBRARY_PATH"] = deps + (":" + os.environ["LD_LIBRARY_PATH"]
                                                if os.environ.get("LD_LIBRARY_PATH") else "")

    rng = random.Random(a.seed)
    lengths = [rng.randint(a.min, a.max) for _ in range(a.n)]
    modes = a.modes.split(",")
    peers = a.peers
    if peers is None:
        here = os.path.dirname(os.path.abspath(__file__))
        cand = os.path.join(here, "..", "..", "shared", "peers", "colabfold-h200-2026-12-02.jsonl")
        for p in (cand, os.path.join(here, "..", ".peers", "colabfold-h200-2026-12-02.jsonl")):
            if os.path.exists(p):
                peers = p
                break

    if a.colabfold_only:
        for mode in ("single", "msa"):
            cf = colabfold_estimate(peers, mode, lengths)
            print(f"ColabFold estimate, {mode}: {cf:.1f} s for {a.n} sequences "
                  f"({a.n / cf * 3600:.0f} seq/h)")
        return

    os.makedirs(a.work, exist_ok=True)
    params = a.params or os.path.join(a.work, "params_model_3_ptm.npz")
    if not os.path.exists(params):
        subprocess.run([a.cli, "random-params", "--preset", "model_3_ptm", "--out", params],
                       check=True)
    fasta, msa_dir = write_inputs(a.work, lengths, rng, 1536 if "msa" in modes else 0)
    extra = ["--backend", a.backend] + a.extra.split()
    if a.precision:
        extra += ["--precision", a.precision]
    if a.threads:
        extra += ["--threads", str(a.threads)]

    rows = []
    for mode in modes:
        out = os.path.join(a.work, f"out-{mode}")
        subprocess.run(["rm", "-rf", out])
        inp = msa_dir if mode == "msa" else fasta
        mextra = extra + (["--max-msa-clusters", "512", "--max-extra-msa", "1024"]
                          if mode == "msa" else [])
        if mode == "single-2workers":
            mextra += ["--devices", "0,0"] if a.backend == "cuda" else ["--workers", "2"]
        wall, runs, log = run_batch(a.cli, inp, out, params, mextra)
        if len(runs) != a.n or f"{a.n} inputs: {a.n} done" not in log:
            sys.exit(f"bench-throughput: {mode}: {len(runs)} runs for {a.n} inputs")
        cf = colabfold_estimate(peers, "msa" if mode == "msa" else "single", lengths) \
            if peers else None
        rows.append((mode, wall, sum(runs), cf))

    print(f"\nthroughput: {a.n} random lengths {a.min}-{a.max} (seed {a.seed}, mean "
          f"{sum(lengths) / len(lengths):.0f}), "
          f"{os.path.basename(a.params) if a.params else 'random model_3_ptm parameters'}, 3 recycles, "
          f"backend {a.backend}")
    print(f"{'input':<26} {'wall s':>8} {'seq/h':>8} {'in-run s':>9} {'ColabFold est. s':>17} "
          f"{'seq/h':>7}")
    for mode, wall, inrun, cf in rows:
        label = {"single": "single sequence", "msa": "512 + 1,024 MSA rows",
                 "single-2workers": "single, 2 workers/GPU"}[mode]
        cfs = f"{cf:17.1f} {a.n / cf * 3600:7.0f}" if cf else f"{'-':>17} {'-':>7}"
        print(f"{label:<26} {wall:8.1f} {a.n / wall * 3600:8.0f} {inrun:9.1f} {cfs}")
    print("wall: the whole batch command (parameters read and uploaded once); in-run: the sum of "
          "per-input times (features, run, files). ColabFold: estimate from its per-length "
          "H200 timings plus a compile per new padded length (see the script's docstring).")


if __name__ == "__main__":
    main()
