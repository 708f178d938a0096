#!/usr/bin/env python3
"""Foldlight's bench table against ColabFold's timings from the same machine.

Usage: compare-peers.py BENCH_LOG PEER_JSONL
BENCH_LOG: the output of `foldlight-cli bench` (its final table);
PEER_JSONL: the JSON lines of ../shared/peers/run.sh (colabfold_timing.py).
Prints one row per (precision, input, L) that both timed: Foldlight's total,
ColabFold's median, and ColabFold / Foldlight (> 1: Foldlight is faster)."""
import json
import sys


def bench_rows(path):
    rows, in_table = {}, False
    for line in open(path, errors="replace"):
        f = line.split()
        if f[:3] == ["prec", "msa", "L"]:
            in_table = True
            continue
        if in_table and len(f) >= 9 and f[2].isdigit():
            try:
                rows[(f[0], f[1], int(f[2]))] = (float(f[4]), float(f[6]))
            except ValueError:
                pass
    return rows


def peer_rows(path):
    rows = {}
    try:
        lines = open(path).readlines()
    except OSError:
        return rows
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("variant") == "kernels" and isinstance(r.get("median_run_s"), (int, float)):
            mode = "single" if r.get("mode") == "single" else "512+1024"
            peak = (r.get("peak_bytes_in_use") or 0) / 2**30
            rows[(mode, int(r["L"]))] = (r["median_run_s"], r.get("first_predict_s"), peak)
    return rows


def main():
    ours, peers = bench_rows(sys.argv[1]), peer_rows(sys.argv[2])
    print("\nFoldlight vs ColabFold + fused kernels, same machine, same call (total s, 3 recycles)")
    print("%-5s %-9s %6s %10s %9s %10s %9s %8s" % ("prec", "msa", "L", "foldlight", "peak_GiB",
                                                  "colabfold", "peak_GiB", "CF/FL"))
    for (prec, msa, L), (fl, fl_peak) in sorted(ours.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        cf = peers.get((msa, L))
        if cf:
            print("%-5s %-9s %6d %10.3f %9.2f %10.3f %9.2f %7.2fx" % (prec, msa, L, fl, fl_peak,
                                                                     cf[0], cf[2], cf[0] / fl))
        else:
            print("%-5s %-9s %6d %10.3f %9.2f %10s %9s %8s" % (prec, msa, L, fl, fl_peak, "-", "-", "-"))


if __name__ == "__main__":
    main()
