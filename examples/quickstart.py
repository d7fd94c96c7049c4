"""dtwin quickstart: the digital twin of a hydrotreater's reactor, on built-in simulated data.

1. simulates the unit HDT-1 (exchanger, heater, reactor, separator, column): 30,000 rows at
   10-minute intervals, product sulfur analysed by the lab every 4 hours, mostly nominal
   operation with rare turndown, high-severity and start-up/upset periods;
2. trains the twin of reactor R-101 on the first 60% of the time: PHATE embedding, virtual
   features in the sparse zones, PGAN, and a soft sensor for product sulfur trained on real
   plus as many virtual samples as helped on held-out real rows;
3. on the last 40% (later, unseen operation) prints the test RMSE of a real-only soft sensor
   and of the twin's, overall and per operating regime;
4. generates virtual samples in the sparse zones, saves the twin to an HDF5 archive, reloads it
   and checks the reloaded twin predicts and generates the same; writes the quality report.
Everything goes to quickstart_out/.

    make quickstart            (or: .venv/bin/python examples/quickstart.py)
"""
import os
import time

import numpy as np

import dtwin

OUT = os.environ.get("DTWIN_QUICKSTART_OUT", "quickstart_out")


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def main():
    t_start = time.perf_counter()
    os.makedirs(OUT, exist_ok=True)
    print(f"dtwin {dtwin.__version__}\n")

    # 1) The unit.
    sim = dtwin.simulate(30000, random_state=0)
    sim.save(OUT, "hdt")
    data, regime = sim.data, sim.regime
    shares = {r: f"{np.mean(regime == r):.0%}" for r in ("nominal", "turndown", "high_severity", "transient")}
    print(f"1) simulated {sim.config.name}: {len(data)} rows, equipment {', '.join(sim.config.equipment)}; "
          f"regimes {shares}; {data['product_sulfur'].notna().sum()} lab samples of product sulfur")

    # 2) The reactor's twin, on the first 60% of the time.
    cut = int(0.6 * len(data))
    train, test = data.iloc[:cut], data.iloc[cut:]
    reactor = sim.config.find("R-101")
    t0 = time.perf_counter()
    twin = dtwin.EquipmentTwin(reactor, missing=sim.config.data["missing"], random_state=0, verbose=True).fit(train)
    rep = twin.report()
    print(f"2) trained the twin of R-101 in {time.perf_counter() - t0:.1f} s on {rep['rows_used']} lab-analysed rows "
          f"(PHATE t={rep['phate_t']}, PGAN {rep['pgan_epochs']} epochs); the soft sensor kept "
          f"{rep['virtual_ratio']:g} virtual sample(s) per real one (validation RMSE real-only "
          f"{rep['rmse_real_only'][0]:.2f} -> {rep['rmse_chosen'][0]:.2f} wppm)")

    # 3) Later operation: real-only soft sensor against the twin's.
    inputs = [t["name"] for t in reactor["tags"] if t["role"] == "input"]
    lab_train = train.dropna(subset=inputs + ["product_sulfur"])
    lab_test = test.dropna(subset=inputs + ["product_sulfur"])
    test_regime = regime[cut:][test.index.isin(lab_test.index)]
    base = dtwin.SoftSensorMLP(random_state=0).fit(lab_train[inputs].to_numpy(), lab_train["product_sulfur"].to_numpy())
    y = lab_test["product_sulfur"].to_numpy()
    p_base = base.predict(lab_test[inputs].to_numpy())
    p_twin = twin.predict(lab_test)["product_sulfur"].to_numpy()
    r0, r1 = rmse(p_base, y), rmse(p_twin, y)
    print(f"3) test RMSE of product sulfur on the later {len(y)} lab samples: real-only {r0:.2f} wppm, "
          f"twin {r1:.2f} wppm ({100 * (r1 - r0) / r0:+.1f}%)")
    for r in ("nominal", "turndown", "high_severity", "transient"):
        sel = test_regime == r
        if sel.sum() >= 3:
            print(f"   {r:14s} n={sel.sum():4d}  real-only {rmse(p_base[sel], y[sel]):7.2f}  twin {rmse(p_twin[sel], y[sel]):7.2f}")

    # 4) Virtual samples, archive round trip, report.
    virtual, info = twin.generate(2000, target="sparse", random_state=1, return_info=True)
    dtwin.write_csv(os.path.join(OUT, "r101_virtual.csv"), virtual)
    path = os.path.join(OUT, "r101_twin.h5")
    twin.save(path)
    back = dtwin.load_twin(path)
    same = back.predict(lab_test).equals(twin.predict(lab_test)) and back.generate(100, random_state=3).equals(
        twin.generate(100, random_state=3))
    print(f"4) generated {len(virtual)} virtual samples ({info['clipped_values']} values clipped to physical bounds); "
          f"saved {path} ({os.path.getsize(path) / 1e6:.1f} MB); reloaded twin gives identical results: {same}")
    numbers = dtwin.report(twin, train, os.path.join(OUT, "report.html"), test=test,
                           regime=regime[:cut], random_state=0)["R-101"]
    print(f"   quality report {OUT}/report.html: mean KS {numbers['ks_mean']:.2f}, "
          f"{100 * numbers['sparse_zone_share_virtual']:.0f}% of virtual samples in sparse zones, "
          f"classifier accuracy real vs virtual {numbers['classifier_two_sample_accuracy']:.2f} (0.5 = indistinguishable)")
    if not same:
        raise SystemExit("the reloaded twin differs from the saved one")
    print(f"\ndone in {time.perf_counter() - t_start:.0f} s; outputs in {OUT}/")


if __name__ == "__main__":
    main()
