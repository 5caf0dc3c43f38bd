#!/usr/bin/env python3
"""Peer of `minima hessian --top K --bottom 0`: the top K eigenvalues of the Hessian of
the mean cross-entropy of a minima MLP over given samples, by PyTorch double-backward
Hessian-vector products and scipy's eigsh (ARPACK, which="LA").

  /usr/bin/python3 scripts/torch_eigsh.py --model DIR --samples HESSIAN_OUT --top 10 --tol 1e-6

DIR is a minima model directory (dense layers), HESSIAN_OUT a `minima hessian` output
directory: its X.npy and y.npy are the exact samples minima used, or, when minima did
not write them (large sample sets), its indices.npy and samples.json select them from the
MNIST files in --mnist (pixels / 255, as minima does). Prints one JSON object:
eigenvalues (descending), products (HVPs ARPACK asked for), and seconds for start-up
(imports and loading) and for eigsh.
"""
import argparse, gzip, json, os, time

t_start = time.perf_counter()
import numpy as np
import torch
import torch.nn.functional as F
from scipy.sparse.linalg import LinearOperator, eigsh


def read_idx(path):
    """An MNIST IDX file (gzipped or not) as a numpy uint8 array."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_samples(mnist, samples, dt):
    meta = json.load(open(os.path.join(samples, "samples.json")))
    prefix = {"train": "train", "test": "t10k"}[meta["split"]]

    def find(base):
        for name in (base + ".gz", base):
            if os.path.exists(os.path.join(mnist, name)):
                return os.path.join(mnist, name)
        raise SystemExit("torch_eigsh.py: %s not found in %s (--mnist)" % (base, mnist))
    images = read_idx(find(prefix + "-images-idx3-ubyte"))
    labels = read_idx(find(prefix + "-labels-idx1-ubyte"))
    idx = np.load(os.path.join(samples, "indices.npy")).astype(np.int64)
    X = torch.from_numpy(images[idx].reshape(len(idx), -1)).to(dt) / 255
    return X, torch.from_numpy(labels[idx].astype(np.int64))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mnist", default="data/mnist", help="MNIST directory, when HESSIAN_OUT has no X.npy")
    ap.add_argument("--dtype", choices=["32", "64"], default="64",
                    help="dtype of X and the products (ARPACK works in float64 either way)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dt = torch.float64 if a.dtype == "64" else torch.float32

    spec = json.load(open(os.path.join(a.model, "model.json")))
    for l in spec["layers"]:
        if l["type"] != "dense":
            raise SystemExit("torch_eigsh.py: only dense layers are supported, got " + l["type"])
    if spec["loss"] != "cross_entropy":
        raise SystemExit("torch_eigsh.py: only cross_entropy is supported")
    params = [torch.from_numpy(np.load(os.path.join(a.model, p["file"]))).to(dt).requires_grad_()
              for p in spec["params"]]
    if os.path.exists(os.path.join(a.samples, "X.npy")):
        X = torch.from_numpy(np.load(os.path.join(a.samples, "X.npy"))).to(dt)
        y = torch.from_numpy(np.load(os.path.join(a.samples, "y.npy"))).long()
    else:
        X, y = mnist_samples(a.mnist, a.samples, dt)
    layers = spec["layers"]

    def loss():
        h, k = X, 0
        for l in layers:
            h = h @ params[k]
            k += 1
            if l["bias"]:
                h = h + params[k]
                k += 1
            if l["activation"] == "relu":
                h = torch.relu(h)
        return F.cross_entropy(h, y)

    sizes = [p.numel() for p in params]
    n = sum(sizes)
    count = [0]

    def matvec(x):
        count[0] += 1
        v = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64).reshape(-1)).to(dt)
        vs = list(torch.split(v, sizes))
        g = torch.autograd.grad(loss(), params, create_graph=True)
        s = sum((gi * vi.view_as(gi)).sum() for gi, vi in zip(g, vs))
        hv = torch.autograd.grad(s, params)
        return torch.cat([h.reshape(-1) for h in hv]).to(torch.float64).numpy()

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    t_ready = time.perf_counter()
    vals = eigsh(op, k=a.top, which="LA", tol=a.tol, return_eigenvectors=False)
    t_done = time.perf_counter()
    print(json.dumps({"peer": "pytorch-" + torch.__version__ + "+scipy-eigsh", "dtype": "float" + a.dtype,
                      "threads": torch.get_num_threads(), "params": n, "samples": int(X.shape[0]),
                      "eigenvalues": sorted(map(float, vals), reverse=True), "products": count[0],
                      "startup_seconds": t_ready - t_start, "eigsh_seconds": t_done - t_ready}))


if __name__ == "__main__":
    main()
