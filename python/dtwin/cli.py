"""The ``dtwin`` command line."""
import argparse
import sys


def main(argv=None):
    from . import __version__, show_config

    parser = argparse.ArgumentParser(prog="dtwin", description="dtwin: digital twins and virtual process data")
    parser.add_argument("--version", action="store_true", help="print versions, BLAS and threads, then exit")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="print versions of dtwin and its dependencies, BLAS and threads")
    args = parser.parse_args(argv)
    if args.version:
        print(f"dtwin {__version__}")
        show_config()
        return 0
    if args.command == "info":
        show_config()
        return 0
    parser.print_help(sys.stderr)
    return 2
