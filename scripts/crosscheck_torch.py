#!/usr/bin/env python3
"""Independent cross-check of minima's numbers with PyTorch (float64, CPU).

Reads a model directory (minima/model/v1) and the files minima wrote about it:
  --dump DIR     from `minima eval --dump`: X.npy, y.npy, logits.npy, grad.npy, eval.json
  --hessian DIR  from `minima hessian --method exact` (or lanczos): X.npy, y.npy, hessian.json
and recomputes logits, loss, gradient and the Hessian spectrum with torch autograd.
Prints one JSON object with the largest relative differences; exits 1 if any exceeds
its tolerance. Needs Debian's python3-torch (/usr/bin/python3).
"""
import argparse, json, os, sys

import numpy as np
import torch


def load_model(d):
    m = json.load(open(os.path.join(d, "model.json")))
    assert m["format"] == "minima/model/v1", m["format"]
    params = [torch.tensor(np.load(os.path.join(d, p["file"])), dtype=torch.float64) for p in m["params"]]
    for p, e in zip(params, m["params"]):
        assert list(p.shape) == e["shape"], (e["name"], p.shape, e["shape"])
    return m, params


def unflatten(m, flat):
    out, off = [], 0
    for e in m["params"]:
        n = int(np.prod(e["shape"]))
        out.append(flat[off:off + n].reshape(e["shape"]))
        off += n
    return out


def forward(m, params, X):
    h, k = X, 0
    for layer in m["layers"]:
        h = h @ params[k]
        k += 1
        if layer["bias"]:
            h = h + params[k]
            k += 1
        if layer["activation"] == "relu":
            h = torch.relu(h)
    return h


def loss_fn(m, params, X, y):
    f = forward(m, params, X)
    if m["loss"] == "cross_entropy":
        return torch.nn.functional.cross_entropy(f, y)
    onehot = torch.nn.functional.one_hot(y, f.shape[1]).to(torch.float64)
    return 0.5 * ((f - onehot) ** 2).sum(1).mean()


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dump")
    ap.add_argument("--hessian")
    a = ap.parse_args()
    torch.set_num_threads(1)
    m, params = load_model(a.model)
    flat0 = torch.cat([p.reshape(-1) for p in params])
    report, bad = {}, []

    def check(name, value, tol):
        report[name] = value
        if not value <= tol:
            bad.append(f"{name} = {value:.3g} > {tol:g}")

    if a.dump:
        X = torch.tensor(np.load(os.path.join(a.dump, "X.npy")))
        y = torch.tensor(np.load(os.path.join(a.dump, "y.npy")))
        ev = json.load(open(os.path.join(a.dump, "eval.json")))
        flat = flat0.clone().requires_grad_()
        loss = loss_fn(m, unflatten(m, flat), X, y)
        (g,) = torch.autograd.grad(loss, flat)
        with torch.no_grad():
            logits = forward(m, params, X)
        check("logits_rel", rel(np.load(os.path.join(a.dump, "logits.npy")), logits.numpy()), 1e-12)
        check("loss_rel", abs(ev["loss"] - loss.item()) / abs(loss.item()), 1e-12)
        check("grad_rel", rel(np.load(os.path.join(a.dump, "grad.npy")), g.numpy()), 1e-10)

    if a.hessian:
        X = torch.tensor(np.load(os.path.join(a.hessian, "X.npy")))
        y = torch.tensor(np.load(os.path.join(a.hessian, "y.npy")))
        h = json.load(open(os.path.join(a.hessian, "hessian.json")))
        H = torch.autograd.functional.hessian(lambda f: loss_fn(m, unflatten(m, f), X, y), flat0)
        ev = np.linalg.eigvalsh(((H + H.T) / 2).numpy())
        scale = np.max(np.abs(ev))
        check("hessian_asymmetry", float(torch.max(torch.abs(H - H.T))) / scale, 1e-12)
        if h.get("eigenvalues"):
            check("eigenvalues_rel", float(np.max(np.abs(np.asarray(h["eigenvalues"]) - ev)) / scale), 1e-9)
        top = np.asarray(h["top"])
        if len(top):
            check("top_rel", float(np.max(np.abs(top - ev[::-1][:len(top)])) / scale), 1e-6)
        bottom = np.asarray(h["bottom"])
        if len(bottom):
            check("bottom_rel", float(np.max(np.abs(bottom - ev[:len(bottom)])) / scale), 1e-6)
        if h.get("trace") is not None and h["method"] == "exact":
            check("trace_rel", abs(h["trace"] - ev.sum()) / max(abs(ev.sum()), 1e-300), 1e-9)

    report["ok"] = not bad
    print(json.dumps(report))
    if bad:
        print("crosscheck failed: " + "; ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
