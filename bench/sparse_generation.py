"""bench/sparse_generation: the published virtual-feature rule at N = 1,000, 10,000, 100,000
embedded points in 2-5 dimensions, W = 10, Q = 1, against a plain numpy version of the same
rule (all-pairs distance per candidate, as a straightforward implementation does) for N <= 2,000.

    .venv/bin/python bench/sparse_generation.py
"""
import argparse
import time

import numpy as np

import dtwin


def numpy_rule(Z, W=10, Q=1, seed=0):
    """The published rule in numpy: every candidate is compared with all points so far."""
    rng = np.random.RandomState(seed)
    n, d = Z.shape
    D = np.sqrt(((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    R = D.min(1).mean()
    points = np.empty((n * (Q + 1), d))
    points[:n] = Z
    m = n
    for _ in range(Q):
        for i in range(n):
            u = rng.randn(W, d)
            cand = Z[i] + R * rng.rand(W, 1) * u / np.linalg.norm(u, axis=1, keepdims=True)
            # distances of the W candidates to every point so far
            gaps = np.sqrt(((cand[:, None, :] - points[None, :m, :]) ** 2).sum(-1)).min(1)
            points[m] = cand[gaps.argmax()]
            m += 1
    return points[n:m]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500,1000,2000,10000,100000")
    ap.add_argument("--dims", default="2,3,5")
    ap.add_argument("--numpy-max", type=int, default=2000, help="largest N for the numpy rule")
    args = ap.parse_args()
    print("| N | dims | dtwin plain (s) | dtwin sparse (s) | dtwin plain, hull off (s) | numpy rule (s) | ratio |")
    print("|---|---|---|---|---|---|---|")
    sizes = [int(s) for s in args.sizes.split(",")]
    for n in sizes:
        for d in [int(x) for x in args.dims.split(",")]:
            Z = np.random.RandomState(0).randn(n, d)
            times = {}
            for label, kw in (("plain", {}), ("sparse", {"target": "sparse"}), ("free", {"bounds": "free"})):
                t0 = time.perf_counter()
                dtwin.SparseGenerator(random_state=0, **kw).generate(Z)
                times[label] = time.perf_counter() - t0
            np_s, ratio = "-", "-"
            if n <= args.numpy_max:
                t0 = time.perf_counter()
                numpy_rule(Z)
                np_t = time.perf_counter() - t0
                np_s, ratio = f"{np_t:.2f}", f"{np_t / times['free']:.0f}x"
            print(f"| {n:,} | {d} | {times['plain']:.3f} | {times['sparse']:.3f} | {times['free']:.3f} | {np_s} | {ratio} |",
                  flush=True)
    print("\nratio: numpy rule / dtwin with the same rule (hull off). Goal: N = 100,000 under 2 s.")


if __name__ == "__main__":
    main()
