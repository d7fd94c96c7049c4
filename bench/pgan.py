"""bench/pgan: PGAN training epochs per second, dtwin (C++ LibTorch) against the same network
and loss written with PyTorch in Python (Debian's python3-torch, the same libtorch), side by
side. N = 1,000 samples, 20 variables, 4-D embedding, batch 64.

    .venv/bin/python bench/pgan.py [--epochs 60]
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
Z = torch.tensor(rng.randn(1000, 4), dtype=torch.float32)
X = torch.tensor(np.tanh(rng.randn(4, 20)[None] * Z.numpy()[:, :, None]).sum(1) + 0.1 * rng.randn(1000, 20), dtype=torch.float32)
act = lambda: torch.nn.LeakyReLU(0.2)
G = torch.nn.Sequential(torch.nn.Linear(4, 128), act(), torch.nn.Linear(128, 128), act(), torch.nn.Linear(128, 20))
class D(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.zb = torch.nn.Sequential(torch.nn.Linear(4, 64), act())
        self.xb = torch.nn.Sequential(torch.nn.Linear(20, 64), act())
        self.head = torch.nn.Sequential(torch.nn.Linear(128, 64), act(), torch.nn.Linear(64, 1))
    def forward(self, z, x):
        return self.head(torch.cat([self.zb(z), self.xb(x)], 1))
Dn = D()
oG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(Dn.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = torch.nn.functional.binary_cross_entropy_with_logits
def epoch():
    perm = torch.randperm(1000)
    for b in range(0, 1000, 64):
        idx = perm[b:b + 64]
        z, x = Z[idx], X[idx]
        oD.zero_grad()
        with torch.no_grad():
            fake = G(z)
        r, f = Dn(z, x), Dn(z, fake)
        dl = bce(r, torch.full_like(r, 0.9)) + bce(f, torch.zeros_like(f))
        dl.backward(); oD.step()
        oG.zero_grad()
        fake = G(z); o = Dn(z, fake)
        gl = bce(o, torch.ones_like(o)) + 10 * torch.nn.functional.l1_loss(fake, x)
        gl.backward(); oG.step()
        dl.item(); gl.item()
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
Z = rng.randn(1000, 4)
X = np.tanh(rng.randn(4, 20)[None] * Z[:, :, None]).sum(1) + 0.1 * rng.randn(1000, 20)
gan = dtwin.PGan(epochs=epochs, batch_size=64, random_state=0, n_jobs=threads)
t0 = time.perf_counter()
gan.fit(Z, X)
total = time.perf_counter() - t0
per_epoch = np.median(gan.history_["seconds"])
print(json.dumps({"eps": 1.0 / per_epoch, "eps_wall": epochs / total, "threads": threads}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=60)
    args = ap.parse_args()
    compare(PYTORCH_LOOP, DTWIN_LOOP, "dtwin.PGan (C++ LibTorch)", args.epochs,
            "N = 1,000, 20 variables, 4-D embedding, batch 64, same layers and loss. Goal: 3x the best Python loop.")


if __name__ == "__main__":
    main()
