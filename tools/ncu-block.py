#!/usr/bin/env python3
"""Where one Evoformer block's GPU time goes, from an Nsight Compute capture.

    ncu --launch-skip 3000 --launch-count 360 --csv --page raw \
        --metrics gpu__time_duration.sum,dram__bytes.sum,\
sm__throughput.avg.pct_of_peak_sustained_elapsed,\
gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed,\
sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed \
        foldlight-cli bench --backend cuda --msa 512:1024 --lengths 256 \
        --recycles 0 --repeats 1 > ncu.csv
    tools/ncu-block.py ncu.csv [--bandwidth TB/s] [--block-floor-us US]

(`tools/gpu-run.sh ncu` does both.) The 48 Evoformer blocks launch the same
kernel sequence, so the script finds the shortest period p at which the
captured kernel names repeat, starting a block at the MSA row attention's
LayerNorm (the first layer_norm whose grid covers the whole MSA), and prints
one block: per kernel kind the time, its share, the DRAM bytes it moved and
the time those bytes take at the GPU's peak bandwidth (the memory floor),
then every kernel of the block in order.
"""
import argparse
import collections
import csv
import re
import sys


def read_kernels(path):
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith('"ID"')]
    if not starts:
        sys.exit(f"ncu-block: {path} has no ncu --csv --page raw table")
    rows = list(csv.reader(lines[starts[0]:]))
    col = {name: i for i, name in enumerate(rows[0])}
    need = ["Kernel Name", "Grid Size", "gpu__time_duration.sum", "dram__bytes.sum"]
    missing = [n for n in need if n not in col]
    if missing:
        sys.exit(f"ncu-block: metrics missing from the capture: {', '.join(missing)}")
    units = rows[1]
    scale_t = {"ns": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3}.get(
        units[col["gpu__time_duration.sum"]], 1e-3)
    scale_b = {"byte": 1.0, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9}.get(
        units[col["dram__bytes.sum"]], 1.0)

    def num(r, name):
        if name not in col:
            return float("nan")
        return float(r[col[name]].replace(",", "") or "nan")

    out = []
    for r in rows[2:]:
        if len(r) < len(rows[0]):
            continue
        out.append({
            "name": r[col["Kernel Name"]],
            "grid": r[col["Grid Size"]],
            "us": num(r, "gpu__time_duration.sum") * scale_t,
            "bytes": num(r, "dram__bytes.sum") * scale_b,
            "sm": num(r, "sm__throughput.avg.pct_of_peak_sustained_elapsed"),
            "mem": num(r, "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed"),
            "tensor": num(r, "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed"),
        })
    return out


def kind(name):
    if "gemm" in name or "cutlass" in name:
        return "GEMM (cuBLAS)"
    if name.startswith("cublasLt::"):
        return "cuBLASLt helper"
    base = re.sub(r"^void ", "", name)
    return re.sub(r"[<(].*", "", base)


def grid_blocks(grid):
    return eval_product(re.findall(r"\d+", grid))


def eval_product(parts):
    p = 1
    for x in parts:
        p *= int(x)
    return p


def find_block(ks):
    """First index and period of a repeating block that starts at a LayerNorm."""
    names = [k["name"] for k in ks]
    n = len(names)
    for p in range(8, n // 2 + 1):
        for s in range(0, n - 2 * p + 1):
            if "layer_norm" not in names[s]:
                continue
            if names[s:s + p] == names[s + p:s + 2 * p]:
                # Start at the LayerNorm with the largest grid (the MSA's).
                seg = ks[s:s + p]
                big = max(grid_blocks(k["grid"]) for k in seg if "layer_norm" in k["name"])
                off = next(i for i, k in enumerate(seg)
                           if "layer_norm" in k["name"] and grid_blocks(k["grid"]) == big)
                if s + off + p <= n:
                    return s + off, p
                return s, p
    sys.exit("ncu-block: no repeating block in the capture (capture more launches)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv")
    ap.add_argument("--bandwidth", type=float, default=3.35,
                    help="peak DRAM bandwidth in TB/s (H100 SXM 3.35, H200 4.8)")
    ap.add_argument("--block-floor-us", type=float, default=None,
                    help="the block's arithmetic floor in microseconds, printed beside")
    ap.add_argument("--list", action="store_true", help="also list every kernel of the block")
    a = ap.parse_args()

    ks = read_kernels(a.csv)
    s, p = find_block(ks)
    blk = ks[s:s + p]
    total = sum(k["us"] for k in blk)
    total_b = sum(k["bytes"] for k in blk)
    bw = a.bandwidth * 1e12
    print(f"one Evoformer block: kernels {s}..{s + p - 1} of the capture ({p} launches), "
          f"{total:.0f} us, {total_b / 1e9:.2f} GB from/to DRAM "
          f"(memory floor {total_b / bw * 1e6:.0f} us at {a.bandwidth} TB/s)")
    if a.block_floor_us:
        print(f"arithmetic floor of the block: {a.block_floor_us:.0f} us "
              f"(x{total / a.block_floor_us:.1f})")
    agg = collections.OrderedDict()
    for k in blk:
        e = agg.setdefault(kind(k["name"]), [0, 0.0, 0.0])
        e[0] += 1
        e[1] += k["us"]
        e[2] += k["bytes"]
    print(f"\n{'kernel kind':32s} {'n':>4s} {'us':>8s} {'share':>6s} {'DRAM GB':>8s} "
          f"{'TB/s':>6s} {'mem floor us':>12s}")
    for name, (n, us, b) in sorted(agg.items(), key=lambda x: -x[1][1]):
        print(f"{name[:32]:32s} {n:4d} {us:8.0f} {100 * us / total:5.1f}% {b / 1e9:8.2f} "
              f"{b / us / 1e6:6.2f} {b / bw * 1e6:12.0f}")
    if a.list:
        print(f"\n{'#':>3s} {'kernel':60s} {'grid':>16s} {'us':>7s} {'GB':>6s} "
              f"{'SM%':>5s} {'mem%':>5s} {'TC%':>5s}")
        for i, k in enumerate(blk):
            print(f"{i:3d} {k['name'][:60]:60s} {k['grid']:>16s} {k['us']:7.1f} "
                  f"{k['bytes'] / 1e9:6.3f} {k['sm']:5.1f} {k['mem']:5.1f} {k['tensor']:5.1f}")


if __name__ == "__main__":
    main()
