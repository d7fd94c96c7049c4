"""Shared by bench/pgan.py and bench/soft_sensor.py: run the PyTorch-in-Python loop and dtwin's
training, each in a fresh process (so thread settings and imports do not leak between them),
and print epochs per second side by side."""
import json
import subprocess
import sys


def run(code, *args):
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(pytorch_loop, dtwin_loop, label, epochs, footer):
    py1 = run(pytorch_loop, 1, epochs)
    pyd = run(pytorch_loop, 0, epochs)
    best = max(py1["eps"], pyd["eps"])
    print("| implementation | threads | epochs/s | vs best Python loop |")
    print("|---|---|---|---|")
    print(f"| PyTorch in Python | 1 | {py1['eps']:.1f} | {py1['eps'] / best:.2f}x |")
    print(f"| PyTorch in Python | default ({pyd['threads']}) | {pyd['eps']:.1f} | {pyd['eps'] / best:.2f}x |")
    for t in (1, 2):
        r = run(dtwin_loop, t, epochs)
        print(f"| {label} | {t} | {r['eps']:.1f} (wall incl. setup {r['eps_wall']:.1f}) | {r['eps'] / best:.2f}x |",
              flush=True)
    print("\n" + footer)
