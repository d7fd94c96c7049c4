"""Issue 8: PHATE on 1,000,000 samples x 20 tags through landmarks (goal: under 5 minutes on
2 cores, under 4 GB), and the 1 -> 2 thread speed-up of each PHATE stage at 200,000 samples.
Each fit runs in a child process so its peak memory is its own.

    .venv/bin/python bench/phate_large.py [--rows 1000000]   (--rows 0: the thread scaling only)
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

CHILD = r"""
import json, resource, sys, time
import numpy as np
import dtwin
X = np.load(sys.argv[1], mmap_mode="r")
n_jobs = int(sys.argv[2])
t0 = time.perf_counter()
ph = dtwin.Phate(n_components=2, random_state=0, n_jobs=n_jobs).fit(X)
wall = time.perf_counter() - t0
print(json.dumps({"seconds": wall, "timings": ph.timings_, "t": ph.optimal_t_,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def data(n):
    """n rows of 20 sensor tags of the simulated hydrotreater, gaps filled forward."""
    import dtwin

    sim = dtwin.simulate(n, random_state=0)
    tags = [c for c in sim.data.columns if c != "timestamp" and c not in sim.lab_tags][:20]
    X = sim.data[tags].ffill().bfill().to_numpy(np.float32)
    return (X - X.mean(0)) / X.std(0)


def fit(path, n_jobs):
    out = subprocess.run([sys.executable, "-c", CHILD, path, str(n_jobs)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--scaling-rows", type=int, default=200_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        small = os.path.join(d, "small.npy")
        np.save(small, data(args.scaling_rows))
        r1, r2 = fit(small, 1), fit(small, 2)
        print(f"PHATE {args.scaling_rows:,} x 20, 1 -> 2 threads: {r1['seconds']:.1f} s -> {r2['seconds']:.1f} s "
              f"({r1['seconds'] / r2['seconds']:.2f}x)")
        for stage, s1 in r1["timings"].items():
            s2 = r2["timings"].get(stage, float("nan"))
            print(f"  {stage:22s} {s1:7.2f} s -> {s2:7.2f} s  ({s1 / s2 if s2 > 0 else float('nan'):.2f}x)")
        if args.rows <= 0:
            return
        big = os.path.join(d, "big.npy")
        t0 = time.perf_counter()
        np.save(big, data(args.rows))
        t_data = time.perf_counter() - t0
        r = fit(big, 2)
        ok = r["seconds"] < 300 and r["peak_mb"] < 4096
        print(f"PHATE {args.rows:,} x 20 with 2,000 landmarks, 2 threads: {r['seconds']:.0f} s, peak memory "
              f"{r['peak_mb']:.0f} MB (goal < 300 s and < 4,096 MB: {'met' if ok else 'NOT met'}); t = {r['t']}; "
              f"data made in {t_data:.0f} s")
        for stage, s in r["timings"].items():
            print(f"  {stage:22s} {s:7.1f} s")


if __name__ == "__main__":
    main()
