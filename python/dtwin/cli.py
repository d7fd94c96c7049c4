"""The ``dtwin`` command line (docs/cli.md)."""
import argparse
import json
import os
import sys
import time

EXAMPLES = """examples:
  dtwin simulate --rows 20000 --seed 0 --out hdt            # hdt/hdt.csv, hdt/hdt.json
  dtwin train --config hdt/hdt.json --data hdt/hdt.csv --out hdt.h5
  dtwin train --config hdt/hdt.json --data hdt/hdt.csv --equipment R-101 --out r101.h5
  dtwin generate --model hdt.h5 --n 10000 --target sparse --out virtual.csv
  dtwin predict --model hdt.h5 --data hdt/hdt.csv --out predicted.csv
  dtwin evaluate --model hdt.h5 --data new_plant_data.csv
  dtwin report --model r101.h5 --data hdt/hdt.csv --out report.html
  dtwin info --model hdt.h5
"""


def _common(p, seed=True):
    if seed:
        p.add_argument("--seed", type=int, default=0, help="random seed (default 0): same seed, same result")
    p.add_argument("--threads", type=int, default=None, help="threads for the C++ core (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or summaries")


def _parser():
    parser = argparse.ArgumentParser(prog="dtwin", description="dtwin: digital twins and virtual process data",
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="store_true", help="print versions, BLAS and threads, then exit")
    sub = parser.add_subparsers(dest="command")

    s = sub.add_parser("simulate", help="simulate the built-in hydrotreater (CSV + unit config JSON)")
    s.add_argument("--rows", type=int, default=20000)
    s.add_argument("--out", default="hdt", help="folder for <name>.csv, <name>.json, <name>_regime.csv")
    s.add_argument("--name", default="hdt")
    s.add_argument("--lab-interval", type=int, default=24, help="rows between lab samples")
    _common(s)

    t = sub.add_parser("train", help="train a unit twin (or one equipment's twin) and save the archive")
    t.add_argument("--config", required=True, help="unit config JSON (docs/unit_config.md)")
    t.add_argument("--data", required=True, help="CSV with a header; timestamp column optional")
    t.add_argument("--out", required=True, help="HDF5 archive to write")
    t.add_argument("--equipment", default=None, help="train only this equipment's twin")
    t.add_argument("--epochs", type=int, default=None, help="PGAN epochs (default 300)")
    t.add_argument("--validation-fraction", type=float, default=0.2)
    _common(t)

    g = sub.add_parser("generate", help="virtual samples from a trained twin, as CSV")
    g.add_argument("--model", required=True)
    g.add_argument("--n", type=int, required=True)
    g.add_argument("--target", choices=("sparse", "all"), default="sparse")
    g.add_argument("--out", required=True)
    g.add_argument("--chunk-rows", type=int, default=1_000_000,
                   help="above this, rows are made in chunks, chunk i with seed + i (bounded memory)")
    _common(g)

    p = sub.add_parser("predict", help="soft-sensor predictions of every target, as CSV")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--chunk-rows", type=int, default=100_000, help="rows read and predicted at a time")
    _common(p, seed=False)

    e = sub.add_parser("evaluate", help="RMSE, MAE and R^2 of the soft sensors on data with lab values")
    e.add_argument("--model", required=True)
    e.add_argument("--data", required=True)
    e.add_argument("--out", default=None, help="also write the figures as JSON")
    _common(e, seed=False)

    r = sub.add_parser("report", help="quality report (HTML with figures, and JSON)")
    r.add_argument("--model", required=True)
    r.add_argument("--data", required=True, help="real data to compare the virtual samples with")
    r.add_argument("--test", default=None, help="held-out data for the parity plots")
    r.add_argument("--regime", default=None, help="CSV with a 'regime' column, one row per data row")
    r.add_argument("--out", default="report.html")
    _common(r)

    i = sub.add_parser("info", help="versions, BLAS and threads; with --model, what an archive holds")
    i.add_argument("--model", default=None)

    b = sub.add_parser("benchmark", help="the augmentation benchmark (docs/benchmark.md)")
    b.add_argument("--data-dir", default=None, help="folder with the real data sets (sru, gas_turbine, "
                   "penicillin_indpensim); without it only the built-in sets run")
    b.add_argument("--datasets", default=None, help="comma-separated subset of the data sets")
    b.add_argument("--fractions", default="0.05,0.1,0.2")
    b.add_argument("--seeds", type=int, default=5)
    b.add_argument("--methods", default=None, help="comma-separated; default: all but pgan-local (see docs/benchmark.md)")
    b.add_argument("--n-virtual", type=float, default=1.0, help="virtual samples per real training sample")
    b.add_argument("--virtual-weight", type=float, default=1.0,
                   help="weight of a virtual sample in the soft sensor's loss (real samples: 1)")
    b.add_argument("--split", choices=("random", "nominal"), default="random",
                   help="training rows drawn at random, or from the densest 60%% of the rows only")
    b.add_argument("--out", default="benchmark_out", help="folder for results.csv, results.md and the figures")
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__, show_config

        print(f"dtwin {__version__}")
        show_config()
        return 0
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if getattr(args, "threads", None):
        from . import set_num_threads

        set_num_threads(args.threads)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, RuntimeError, OSError, KeyError) as e:
        msg = str(e).strip().replace("\n", "; ")
        print(f"dtwin {args.command}: error: {msg}", file=sys.stderr)
        return 1


def _say(args, *text):
    if not getattr(args, "quiet", False):
        print(*text)


def _simulate(args):
    from . import simulate

    t0 = time.perf_counter()
    sim = simulate(args.rows, random_state=args.seed, lab_interval=args.lab_interval)
    paths = sim.save(args.out, args.name)
    _say(args, f"simulated {args.rows} rows in {time.perf_counter() - t0:.1f} s; wrote {', '.join(paths)}")
    return 0


def _train(args):
    from .twin import EquipmentTwin, UnitTwin
    from .unit import UnitConfig, read_csv

    cfg = UnitConfig.load(args.config)
    data = read_csv(args.data, cfg.data.get("timestamp_column"))
    kw = dict(random_state=args.seed, validation_fraction=args.validation_fraction, verbose=not args.quiet,
              n_jobs=args.threads or 1)
    if args.epochs:
        kw["pgan"] = {"epochs": args.epochs}
    t0 = time.perf_counter()
    if args.equipment:
        twin = EquipmentTwin(cfg.find(args.equipment), missing=cfg.data.get("missing"), **kw).fit(data)
        reports = {args.equipment: twin.report()}
    else:
        twin = UnitTwin(cfg, **kw).fit(data)
        reports = twin.report()
    twin.save(args.out)
    _say(args, f"trained in {time.perf_counter() - t0:.1f} s; wrote {args.out}")
    for name, r in reports.items():
        rmse = ", ".join(f"{t} {a:.4g} -> {b:.4g}" for t, a, b in zip(r["targets"], r["rmse_real_only"], r["rmse_chosen"]))
        _say(args, f"  {name}: {r['rows_used']} rows, virtual ratio {r['virtual_ratio']:g}; validation RMSE real-only -> twin: {rmse}")
    return 0


def _generate(args):
    from .twin import load_twin
    from .unit import write_csv

    twin = load_twin(args.model)
    if args.n <= args.chunk_rows:
        df = twin.generate(args.n, target=args.target, random_state=args.seed)
        write_csv(args.out, df)
        _say(args, f"wrote {len(df)} virtual samples x {df.shape[1]} tags to {args.out}")
        return 0
    sizes = [args.chunk_rows] * (args.n // args.chunk_rows) + ([args.n % args.chunk_rows] if args.n % args.chunk_rows else [])
    chunks = (twin.generate(s, target=args.target, random_state=args.seed + i) for i, s in enumerate(sizes))
    n = _write_chunks(args.out, chunks)
    _say(args, f"wrote {n} virtual samples in {len(sizes)} chunks to {args.out}")
    return 0


def _write_chunks(path, frames):
    """CSV from a stream of DataFrames, written to a temporary file renamed at the end."""
    tmp = f"{path}.tmp-{os.getpid()}"
    n = 0
    try:
        with open(tmp, "w", newline="") as f:
            for i, df in enumerate(frames):
                df.to_csv(f, header=i == 0, index=False, float_format="%.8g", date_format="%Y-%m-%dT%H:%M:%S",
                          na_rep="NaN")
                n += len(df)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return n


def _load_data(twin, path):
    from .unit import read_csv

    cfg = twin.config_.data if hasattr(twin.config_, "data") else {}
    return read_csv(path, cfg.get("timestamp_column"))


def _predict(args):
    from .twin import load_twin
    from .unit import iter_csv

    twin = load_twin(args.model)
    cfg = twin.config_.data if hasattr(twin.config_, "data") else {}
    chunks = (twin.predict(df) for df in iter_csv(args.data, args.chunk_rows, cfg.get("timestamp_column")))
    n = _write_chunks(args.out, chunks)
    _say(args, f"wrote predictions for {n} rows to {args.out}")
    return 0


def evaluate(twin, data):
    """Per target: RMSE, MAE and R^2 of the twin's soft sensor where the data has a lab value."""
    import numpy as np

    pred = twin.predict(data)
    out = {}
    for t in pred.columns:
        if t not in data.columns or not np.issubdtype(pred[t].dtype, np.floating):
            continue
        y, p = data[t].to_numpy(float), pred[t].to_numpy(float)
        ok = np.isfinite(y) & np.isfinite(p)
        if ok.sum() < 2:
            continue
        err = p[ok] - y[ok]
        ss = ((y[ok] - y[ok].mean()) ** 2).sum()
        out[t] = {"n": int(ok.sum()), "rmse": float(np.sqrt((err ** 2).mean())), "mae": float(np.abs(err).mean()),
                  "r2": float(1 - (err ** 2).sum() / ss) if ss > 0 else 0.0}
    if not out:
        raise ValueError("the data holds no rows with both the inputs and a measured target")
    return out


def _evaluate(args):
    from .twin import load_twin

    twin = load_twin(args.model)
    res = evaluate(twin, _load_data(twin, args.data))
    print(f"{'target':28s} {'n':>6s} {'RMSE':>10s} {'MAE':>10s} {'R2':>7s}")
    for t, r in res.items():
        print(f"{t:28s} {r['n']:6d} {r['rmse']:10.4g} {r['mae']:10.4g} {r['r2']:7.3f}")
    if args.out:
        from .unit import _atomic_write_text

        _atomic_write_text(args.out, json.dumps(res, indent=2) + "\n")
    return 0


def _report(args):
    from .report import report
    from .twin import load_twin
    twin = load_twin(args.model)
    data = _load_data(twin, args.data)
    test = _load_data(twin, args.test) if args.test else None
    regime = None
    if args.regime:
        import pandas as pd

        regime = pd.read_csv(args.regime)["regime"].astype(str).to_numpy()
    if regime is not None and len(regime) != len(data):
        raise ValueError(f"--regime has {len(regime)} rows but --data has {len(data)}")
    numbers = report(twin, data, args.out, test=test, regime=regime, random_state=args.seed)
    for name, n in numbers.items():
        _say(args, f"{name}: mean KS {n['ks_mean']:.3f}, correlation diff {n['correlation_diff_mean']:.3f}, "
                   f"sparse-zone share {n['sparse_zone_share_virtual']:.2f}, "
                   f"classifier accuracy {n['classifier_two_sample_accuracy']:.2f}")
    _say(args, f"wrote {args.out} and {os.path.splitext(args.out)[0]}.json")
    return 0


def _info(args):
    from . import __version__, show_config

    if not args.model:
        print(f"dtwin {__version__}")
        show_config()
        return 0
    from ._lazy import core as _core

    a = _core._Archive.load(os.fspath(args.model))
    kind = _core._archive_content(os.fspath(args.model))
    print(f"{args.model}: dtwin archive, {kind.replace('_', ' ')}; written by dtwin {a.dtwin_version} on {a.created}")
    for name in a.names():
        s = json.loads(a.settings_json(name))
        extra = ""
        if a.kind(name) == "equipment_twin":
            r, c = s["report"], s["config"]
            extra = (f": {len(c['tags'])} tags, targets {', '.join(r['targets'])}; {r['rows_used']} rows used, "
                     f"virtual ratio {r['virtual_ratio']:g}")
        elif a.kind(name) == "unit_twin":
            extra = f": unit {s['config']['unit']}, equipment {', '.join(e['name'] for e in s['config']['equipment'])}"
        print(f"  {name} [{a.kind(name)}]{extra}")
    return 0


def _benchmark(args):
    from . import benchmark as B

    sets = B.datasets(args.data_dir)
    if args.data_dir and "sru" not in sets:
        print(f"dtwin benchmark: {args.data_dir} not found; running the built-in data sets only", file=sys.stderr)
    if args.datasets:
        wanted = args.datasets.split(",")
        unknown = [w for w in wanted if w not in sets]
        if unknown:
            raise ValueError(f"unknown data sets {unknown}; available: {sorted(sets)}")
        sets = {k: sets[k] for k in wanted}
    fractions = [float(f) for f in args.fractions.split(",")]
    methods = args.methods.split(",") if args.methods else list(B.DEFAULT_METHODS)
    unknown = [m for m in methods if m not in B.METHODS]
    if unknown:
        raise ValueError(f"unknown methods {unknown}; available: {', '.join(B.METHODS)}")
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    records = B.run(sets, fractions=fractions, seeds=args.seeds, methods=methods, n_virtual=args.n_virtual,
                    split=args.split, virtual_weight=args.virtual_weight)
    rows = B.summarize(records)
    B.write_csv(records, os.path.join(args.out, "results.csv"))
    text = (f"# Augmentation benchmark results\n\n{args.seeds} seeds, fractions {args.fractions}, {args.split} split, "
            f"virtual weight {args.virtual_weight:g}, "
            f"{args.n_virtual:g} virtual sample(s) per real training sample, "
            f"{time.perf_counter() - t0:.0f} s on this machine.\n\n## Overview\n\n{B.overview(rows)}\n\n"
            f"## All results (mean +- std over seeds)\n\n{B.markdown(rows)}\n")
    tmp = os.path.join(args.out, "results.md.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(args.out, "results.md"))
    B.plot(rows, os.path.join(args.out, "rmse_vs_fraction.png"))
    first = "penicillin" if "penicillin" in sets else next(iter(sets))
    B.plot_embedding(*sets[first], os.path.join(args.out, f"phate_real_vs_virtual_{first}.png"))
    print(B.overview(rows))
    print(f"\nwrote {args.out}/results.md, results.csv, rmse_vs_fraction.png")
    return 0


COMMANDS = {"simulate": _simulate, "train": _train, "generate": _generate, "predict": _predict,
            "evaluate": _evaluate, "report": _report, "info": _info, "benchmark": _benchmark}
