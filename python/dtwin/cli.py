"""The ``dtwin`` command line."""
import argparse
import sys


def main(argv=None):
    from . import __version__, show_config

    parser = argparse.ArgumentParser(prog="dtwin", description="dtwin: digital twins and virtual process data")
    parser.add_argument("--version", action="store_true", help="print versions, BLAS and threads, then exit")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="print versions of dtwin and its dependencies, BLAS and threads")
    b = sub.add_parser("benchmark", help="the augmentation benchmark (docs/benchmark.md)")
    b.add_argument("--data-dir", default=None, help="folder with the real data sets (sru, gas_turbine, "
                   "penicillin_indpensim); without it only the built-in sets run")
    b.add_argument("--datasets", default=None, help="comma-separated subset of the data sets")
    b.add_argument("--fractions", default="0.05,0.1,0.2")
    b.add_argument("--seeds", type=int, default=5)
    b.add_argument("--methods", default=None, help="comma-separated; default: all (see docs/benchmark.md)")
    b.add_argument("--n-virtual", type=float, default=1.0, help="virtual samples per real training sample")
    b.add_argument("--out", default="benchmark_out", help="folder for results.csv, results.md and the figures")
    args = parser.parse_args(argv)
    if args.version:
        print(f"dtwin {__version__}")
        show_config()
        return 0
    if args.command == "info":
        show_config()
        return 0
    if args.command == "benchmark":
        return _benchmark(args)
    parser.print_help(sys.stderr)
    return 2


def _benchmark(args):
    import os
    import time

    from . import benchmark as B

    sets = B.datasets(args.data_dir)
    if args.data_dir and "sru" not in sets:
        print(f"dtwin benchmark: {args.data_dir} not found; running the built-in data sets only", file=sys.stderr)
    if args.datasets:
        wanted = args.datasets.split(",")
        unknown = [w for w in wanted if w not in sets]
        if unknown:
            print(f"dtwin benchmark: unknown data sets {unknown}; available: {sorted(sets)}", file=sys.stderr)
            return 2
        sets = {k: sets[k] for k in wanted}
    fractions = [float(f) for f in args.fractions.split(",")]
    methods = args.methods.split(",") if args.methods else list(B.METHODS)
    unknown = [m for m in methods if m not in B.METHODS]
    if unknown:
        print(f"dtwin benchmark: unknown methods {unknown}; available: {', '.join(B.METHODS)}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    records = B.run(sets, fractions=fractions, seeds=args.seeds, methods=methods, n_virtual=args.n_virtual)
    rows = B.summarize(records)
    B.write_csv(records, os.path.join(args.out, "results.csv"))
    text = (f"# Augmentation benchmark results\n\n{args.seeds} seeds, fractions {args.fractions}, "
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
