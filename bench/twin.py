"""Issue 5 benchmark: train one equipment twin (1,000 samples, 20 tags) and load its archive
and generate 10,000 samples (goal: load + generate under 0.5 s), with peak memory.

    .venv/bin/python bench/twin.py
"""
import os
import resource
import tempfile
import time

import numpy as np
import pandas as pd

import dtwin


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    rng = np.random.RandomState(0)
    n, d = 1000, 20
    # 19 inputs on a curved 3-D manifold plus noise; one target depending nonlinearly on them.
    latent = rng.rand(n, 3)
    W = rng.randn(3, d - 1)
    X = np.tanh(latent @ W) + 0.05 * rng.randn(n, d - 1)
    y = np.sin(3 * latent[:, 0]) + latent[:, 1] ** 2 + 0.05 * rng.randn(n)
    cols = [f"x{i}" for i in range(d - 1)]
    df = pd.DataFrame(np.column_stack([X, y]), columns=cols + ["y"])
    config = {"name": "bench", "tags": [{"name": c, "role": "input"} for c in cols] + [{"name": "y", "role": "target"}]}
    t0 = time.perf_counter()
    twin = dtwin.EquipmentTwin(config, random_state=0).fit(df)
    t_fit = time.perf_counter() - t0
    r = twin.report()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.h5")
        twin.save(path)
        size = os.path.getsize(path)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            back = dtwin.EquipmentTwin.load(path)
            v = back.generate(10000, random_state=1)
            times.append(time.perf_counter() - t0)
    print(f"train twin, {n} samples x {d} tags: {t_fit:.1f} s (PHATE {r['seconds_phate']:.2f} s, PGAN "
          f"{r['seconds_pgan']:.1f} s over {r['pgan_epochs']} epochs, soft sensor {r['seconds_soft_sensor']:.1f} s "
          f"for {len(r['ratios_tried'])} virtual ratios)")
    print(f"load archive ({size / 1e6:.2f} MB) + generate {len(v)} samples: best {min(times):.3f} s of 3 "
          f"(goal < 0.5 s: {'met' if min(times) < 0.5 else 'NOT met'})")
    print(f"peak memory of this process: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
