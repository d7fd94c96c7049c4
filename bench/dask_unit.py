"""Issue 8: a unit's twins fitted serially against on a Dask LocalCluster (2 worker processes),
side by side, and what 1,000 equipment twins retrained nightly would need.

    .venv/bin/python bench/dask_unit.py
"""
import time

import dtwin
from dtwin import distributed as dd


def main():
    from distributed import Client, LocalCluster

    sim = dtwin.simulate(20000, random_state=0)
    kw = dict(random_state=0)
    t0 = time.perf_counter()
    serial = dtwin.UnitTwin(sim.config, **kw).fit(sim.data)
    t_serial = time.perf_counter() - t0
    per_twin = {e: r["seconds_phate"] + r["seconds_pgan"] + r["seconds_soft_sensor"] for e, r in serial.report().items()}

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: 0)  # workers up before timing
        t0 = time.perf_counter()
        remote = dd.fit_unit(sim.config, sim.data, client, **kw)
        t_cluster = time.perf_counter() - t0
    same = remote.generate(500, random_state=1).equals(serial.generate(500, random_state=1))
    print(f"unit HDT-1 (5 equipment twins, 20,000 rows): serial {t_serial:.1f} s, LocalCluster 2 workers "
          f"{t_cluster:.1f} s -> speed-up {t_serial / t_cluster:.2f}x; same twins: {same}")
    print("per-twin fit seconds: " + ", ".join(f"{e} {s:.1f}" for e, s in per_twin.items()))
    mean = sum(per_twin.values()) / len(per_twin)
    window = 4 * 3600
    cores = 1000 * mean / window
    print(f"1,000 twins at {mean:.1f} s each = {1000 * mean / 3600:.1f} core-hours; in a 4-hour nightly window "
          f"that is {cores:.1f} busy cores (one 2-core worker machine per {2 * window / mean:.0f} twins)")


if __name__ == "__main__":
    main()
