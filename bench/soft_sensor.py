"""bench/soft_sensor: SoftSensorMLP training epochs per second against the same network, loss
and optimiser written with PyTorch in Python (python3-torch, the same libtorch), side by side.
N = 1,000 samples, 20 inputs, 1 target, hidden (64, 64) ReLU, batch 32, Adam with weight decay.

    .venv/bin/python bench/soft_sensor.py [--epochs 40]
"""
import argparse

from side_by_side import compare

PYTORCH_LOOP = r"""
import json, sys, time
import numpy as np, torch
threads, epochs = int(sys.argv[1]), int(sys.argv[2])
if threads > 0:
    torch.set_num_threads(threads)
torch.manual_seed(0)
rng = np.random.RandomState(0)
X = rng.randn(1000, 20)
y = np.sin(X[:, :5]).sum(1) + 0.1 * rng.randn(1000)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
y = torch.tensor(((y - y.mean()) / y.std())[:, None], dtype=torch.float32)
net = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                          torch.nn.Linear(64, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
def epoch():
    perm = torch.randperm(1000)
    for b in range(0, 1000, 32):
        idx = perm[b:b + 32]
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(X[idx]), y[idx])
        loss.backward()
        opt.step()
        loss.item()
epoch()
t0 = time.perf_counter()
for _ in range(epochs):
    epoch()
print(json.dumps({"eps": epochs / (time.perf_counter() - t0), "threads": torch.get_num_threads()}))
"""

DTWIN_LOOP = r"""
import json, sys, time
import numpy as np, dtwin
threads, epochs = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.RandomState(0)
X = rng.randn(1000, 20)
y = np.sin(X[:, :5]).sum(1) + 0.1 * rng.randn(1000)
m = dtwin.SoftSensorMLP(epochs=epochs, batch_size=32, validation_fraction=0, random_state=0, n_jobs=threads)
t0 = time.perf_counter()
m.fit(X, y)
total = time.perf_counter() - t0
print(json.dumps({"eps": 1.0 / np.median(m.history_["seconds"]), "eps_wall": epochs / total}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    args = ap.parse_args()
    compare(PYTORCH_LOOP, DTWIN_LOOP, "dtwin.SoftSensorMLP", args.epochs,
            "N = 1,000, 20 inputs, hidden (64, 64) ReLU, batch 32, Adam + weight decay. Goal: 2x the best Python loop.")


if __name__ == "__main__":
    main()
