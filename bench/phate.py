"""bench/phate: dtwin.Phate fit_transform time and peak memory at N = 1k, 5k, 20k, 100k on a
3-D swiss roll, 10-D blobs and a 100-D branching tree, side by side with the official PHATE.

The official package is not installable here (not in Debian, no PyPI), so its figures are the
ones measured on this machine kind and recorded in ../shared/reference/phate/README.md
(n_jobs=1, OpenBLAS); this script prints them next to dtwin's with the ratio. Every case runs
in a fresh process so its peak resident memory is its own.

    .venv/bin/python bench/phate.py [--sizes 1000,5000] [--n-jobs 1] [--out bench/out/phate.md]
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Official PHATE 1.0.11 on this machine kind (reference README): seconds, peak MB (None: not given).
OFFICIAL = {
    ("swiss_roll_3d", 1000): (0.90, None), ("blobs_10d", 1000): (0.81, None), ("dla_tree_100d", 1000): (0.85, None),
    ("swiss_roll_3d", 5000): (9.4, 386), ("blobs_10d", 5000): (8.7, 387), ("dla_tree_100d", 5000): (9.3, 412),
    ("swiss_roll_3d", 20000): (10.7, 437), ("blobs_10d", 20000): (13.0, 438), ("dla_tree_100d", 20000): (17.7, 479),
    ("swiss_roll_3d", 100000): (27.0, 757), ("blobs_10d", 100000): (58.2, 768), ("dla_tree_100d", 100000): (100.1, 971),
}

# The reference README: "about 220 MB of it is the interpreter and libraries".
OFFICIAL_BASE_MB = 220

CHILD = r"""
import ctypes, json, resource, sys, time
import numpy as np, dtwin
from dtwin import datasets
name, n, n_jobs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
X, _ = datasets.GENERATORS[name](n)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
ph = dtwin.Phate(random_state=0, n_jobs=n_jobs)
Y = ph.fit_transform(X)
sec = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_corename.restype = ctypes.c_char_p
    core = lib.openblas_get_corename().decode()
except OSError:
    core = "?"
print(json.dumps({"seconds": sec, "peak_mb": peak / 1024, "before_fit_mb": base / 1024, "t": ph.optimal_t_,
                  "finite": bool(np.isfinite(Y).all()), "core": core}))
"""


def run_case(name, n, n_jobs, coretype=None):
    env = dict(os.environ)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([sys.executable, "-c", CHILD, "-", name, str(n), str(n_jobs)],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,5000,20000,100000")
    ap.add_argument("--sets", default="swiss_roll_3d,blobs_10d,dla_tree_100d")
    ap.add_argument("--n-jobs", type=int, default=1, help="dtwin threads (the official figures used n_jobs=1)")
    ap.add_argument("--out", default=None, help="also write the table as markdown here")
    ap.add_argument("--openblas-coretype", default=None,
                    help="OPENBLAS_CORETYPE for dtwin's runs (e.g. Haswell), for CPUs newer than the installed "
                         "OpenBLAS knows, where it falls back to its slow Prescott kernels (docs/build.md)")
    args = ap.parse_args()
    rows = []
    header = ("| set | N | dtwin s | official s | speed-up | dtwin peak MB | official peak MB | memory ratio "
              "| dtwin fit MB | official fit MB | fit memory ratio | t |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(header, flush=True)
    cores = set()
    for name in args.sets.split(","):
        for n in [int(s) for s in args.sizes.split(",")]:
            r = run_case(name, n, args.n_jobs, args.openblas_coretype)
            cores.add(r["core"])
            off_s, off_mb = OFFICIAL.get((name, n), (None, None))
            speed = f"{off_s / r['seconds']:.1f}x" if off_s else "-"
            mem = f"{r['peak_mb'] / off_mb:.2f}" if off_mb else "-"
            fit_mb = r["peak_mb"] - r["before_fit_mb"]
            off_fit = off_mb - OFFICIAL_BASE_MB if off_mb else None
            fit_ratio = f"{fit_mb / off_fit:.2f}" if off_fit else "-"
            line = (f"| {name} | {n:,} | {r['seconds']:.2f} | {off_s if off_s else '-'} | {speed} | "
                    f"{r['peak_mb']:.0f} | {off_mb if off_mb else '-'} | {mem} | {fit_mb:.0f} | "
                    f"{off_fit if off_fit else '-'} | {fit_ratio} | {r['t']} |")
            print(line, flush=True)
            rows.append(line)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(args.out + ".tmp")
        tmp.write_text(header + "\n" + "\n".join(rows) + "\n")
        os.replace(tmp, args.out)
    print(f"\nOpenBLAS kernels in dtwin's runs: {', '.join(sorted(cores))}")
    print("\nPeak MB is the whole process (interpreter, numpy, the LibTorch-linked module), as in the official "
          "figures; fit MB is the growth during fit (official: peak minus its ~220 MB of interpreter and libraries).")


if __name__ == "__main__":
    main()
