#!/usr/bin/env python3
"""Independent cross-check of minima's numbers with PyTorch (float64, CPU).

  /usr/bin/python3 scripts/crosscheck_torch.py --model DIR [--dump DIR] [--hessian DIR]...

Reads a model directory (minima/model/v1: MLPs and CNNs) and the files minima wrote about it:
  --dump DIR     from `minima eval --dump`: X.npy, y.npy, logits.npy, grad.npy, eval.json
  --hessian DIR  from `minima hessian` (exact or lanczos): X.npy, y.npy, hessian.json;
                 may be given several times
and recomputes them with PyTorch: the network is the nn.Sequential scripts/to_torch.py
builds from the model directory (so the converter is checked too), called with θ as a
flat vector (torch.nn.utils.stateless.functional_call) so that autograd differentiates
in minima's parameter order. Checks, with their tolerances (relative to the largest
|value| of PyTorch's result; eigenvalues relative to max|λ|):

  logits 1e-12, loss 1e-12, gradient 1e-10                            (--dump)
  up to DENSE_LIMIT parameters: PyTorch's dense Hessian (autograd), its asymmetry 1e-12,
    its full spectrum against minima's exact spectrum 1e-9, minima's top/bottom
    eigenvalues 1e-9 (exact) or 1e-6 (lanczos), exact trace 1e-9    (--hessian)
  above: the top/bottom eigenvalues by ARPACK (scipy eigsh) on PyTorch double-backward
    Hessian-vector products against minima's Lanczos ends 1e-6       (--hessian)

Prints one JSON object with the differences and exits 1 if any exceeds its tolerance.
Every input file is checked before torch is imported (a missing file costs no torch
start-up). Needs Debian's python3-torch and python3-numpy (/usr/bin/python3), and
python3-scipy above DENSE_LIMIT parameters.
"""
import argparse
import json
import os
import sys

DENSE_LIMIT = 3000  # largest model whose dense Hessian PyTorch computes here
TOL = {"logits": 1e-12, "loss": 1e-12, "grad": 1e-10, "asymmetry": 1e-12,
       "exact": 1e-9, "lanczos": 1e-6}

DUMP_FILES = ("X.npy", "y.npy", "logits.npy", "grad.npy", "eval.json")
HESSIAN_FILES = ("X.npy", "y.npy", "hessian.json")


class Checker:
    """Collects named differences and the ones above their tolerance."""

    def __init__(self):
        self.report, self.bad = {}, []

    def check(self, name, value, tol):
        self.report[name] = value
        if not value <= tol:
            self.bad.append(f"{name} = {value:.3g} > {tol:g}")


class Net:
    """minima's network in PyTorch: logits and mean loss as functions of the flat θ."""

    def __init__(self, model_dir):
        import torch
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        sys.dont_write_bytecode = True  # no __pycache__ in the checkout
        import to_torch
        mj, params = to_torch.load(model_dir)
        self.module, names = to_torch.build_with_names(mj, params)
        self.input_shape = to_torch.input_shape(mj)
        self.loss_kind = mj["loss"]
        self.blocks = [(name, tuple(e["shape"]), transposed) for e, (name, transposed) in zip(mj["params"], names)]
        self.theta = torch.cat([torch.tensor(params[e["file"]]).reshape(-1) for e in mj["params"]])

    def logits(self, flat, X):
        from torch.nn.utils.stateless import functional_call
        ps, off = {}, 0
        for name, shape, transposed in self.blocks:
            n = 1
            for d in shape:
                n *= d
            t = flat[off:off + n].reshape(shape)
            ps[name] = t.t() if transposed else t
            off += n
        return functional_call(self.module, ps, (X.reshape(X.shape[0], *self.input_shape),))

    def loss(self, flat, X, y):
        import torch.nn.functional as F
        f = self.logits(flat, X)
        if self.loss_kind == "cross_entropy":
            return F.cross_entropy(f, y)
        onehot = F.one_hot(y, f.shape[1]).to(f.dtype)
        return 0.5 * ((f - onehot) ** 2).sum(1).mean()


def rel(a, b):
    import numpy as np
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def samples(d):
    import numpy as np
    import torch
    return torch.tensor(np.load(os.path.join(d, "X.npy"))), torch.tensor(np.load(os.path.join(d, "y.npy")))


def check_dump(net, d, c):
    import numpy as np
    import torch
    X, y = samples(d)
    flat = net.theta.clone().requires_grad_()
    loss = net.loss(flat, X, y)
    (g,) = torch.autograd.grad(loss, flat)
    with torch.no_grad():
        logits = net.logits(net.theta, X)
    ev = json.load(open(os.path.join(d, "eval.json")))
    c.check("logits_rel", rel(np.load(os.path.join(d, "logits.npy")), logits.numpy()), TOL["logits"])
    c.check("loss_rel", abs(ev["loss"] - loss.item()) / abs(loss.item()), TOL["loss"])
    c.check("grad_rel", rel(np.load(os.path.join(d, "grad.npy")), g.numpy()), TOL["grad"])


def check_hessian(net, d, c, tag):
    import numpy as np
    X, y = samples(d)
    h = json.load(open(os.path.join(d, "hessian.json")))
    tol = TOL["exact"] if h["method"] == "exact" else TOL["lanczos"]
    top, bottom = np.asarray(h["top"]), np.asarray(h["bottom"])
    if net.theta.numel() <= DENSE_LIMIT:
        ev = dense_spectrum(net, X, y, c, tag)
        scale = np.max(np.abs(ev))
        if h.get("eigenvalues"):
            c.check(f"{tag}eigenvalues_rel", float(np.max(np.abs(np.asarray(h["eigenvalues"]) - ev)) / scale), TOL["exact"])
        if h.get("trace") is not None and h["method"] == "exact":
            c.check(f"{tag}trace_rel", abs(h["trace"] - ev.sum()) / max(abs(ev.sum()), 1e-300), TOL["exact"])
        want_top, want_bottom = ev[::-1][:len(top)], ev[:len(bottom)]
    else:
        want_top, want_bottom, scale = arpack_ends(net, X, y, len(top), len(bottom))
        c.report[f"{tag}arpack_max_abs"] = scale
    if len(top):
        c.check(f"{tag}top_rel", float(np.max(np.abs(top - want_top)) / scale), tol)
    if len(bottom):
        c.check(f"{tag}bottom_rel", float(np.max(np.abs(bottom - want_bottom)) / scale), tol)


_spectra = {}  # eigenvalues of dense_spectrum by the bytes of (X, y)


def dense_spectrum(net, X, y, c, tag):
    """PyTorch's dense Hessian of the mean loss at θ: checks its symmetry, returns its
    eigenvalues in ascending order (computed once per sample set)."""
    import numpy as np
    import torch
    key = (X.numpy().tobytes(), y.numpy().tobytes())
    if key not in _spectra:
        H = torch.autograd.functional.hessian(lambda f: net.loss(f, X, y), net.theta)
        ev = np.linalg.eigvalsh(((H + H.T) / 2).numpy())
        c.check(f"{tag}hessian_asymmetry", float(torch.max(torch.abs(H - H.T))) / np.max(np.abs(ev)), TOL["asymmetry"])
        _spectra[key] = ev
    return _spectra[key]


def arpack_ends(net, X, y, k_top, k_bottom):
    """The k_top largest and k_bottom smallest eigenvalues of the Hessian by ARPACK on
    PyTorch double-backward Hessian-vector products, and max|λ|."""
    import numpy as np
    import torch
    from scipy.sparse.linalg import LinearOperator, eigsh
    flat = net.theta.clone().requires_grad_()
    (g,) = torch.autograd.grad(net.loss(flat, X, y), flat, create_graph=True)

    def hv(v):
        (r,) = torch.autograd.grad(g, flat, grad_outputs=torch.tensor(np.ravel(v)), retain_graph=True)
        return r.numpy()

    n = net.theta.numel()
    op = LinearOperator((n, n), matvec=hv, dtype=np.float64)
    v0 = np.random.default_rng(0).standard_normal(n)
    top = eigsh(op, k=max(k_top, 1), which="LA", tol=1e-12, v0=v0, return_eigenvectors=False)
    top = np.sort(top)[::-1]
    bottom = np.sort(eigsh(op, k=k_bottom, which="SA", tol=1e-12, v0=v0, return_eigenvectors=False)) if k_bottom else np.array([])
    scale = float(max(np.max(np.abs(top)), np.max(np.abs(bottom)) if len(bottom) else 0))
    return top[:k_top], bottom, scale


def main():
    ap = argparse.ArgumentParser(description="Cross-check minima's logits, loss, gradient and Hessian spectrum with PyTorch.")
    ap.add_argument("--model", required=True)
    ap.add_argument("--dump")
    ap.add_argument("--hessian", action="append", default=[])
    a = ap.parse_args()
    missing = [os.path.join(a.model, "model.json")] if not os.path.isfile(os.path.join(a.model, "model.json")) else []
    for d, files in [(a.dump, DUMP_FILES)] + [(h, HESSIAN_FILES) for h in a.hessian]:
        missing += [os.path.join(d, f) for f in files if d and not os.path.isfile(os.path.join(d, f))]
    if missing:
        print("crosscheck: missing " + ", ".join(missing), file=sys.stderr)
        sys.exit(2)
    import torch
    torch.set_num_threads(1)
    net = Net(a.model)
    c = Checker()
    c.report["params"] = net.theta.numel()
    if a.dump:
        check_dump(net, a.dump, c)
    for i, d in enumerate(a.hessian):
        check_hessian(net, d, c, f"hessian{i}_" if len(a.hessian) > 1 else "")
    c.report["ok"] = not c.bad
    print(json.dumps(c.report))
    if c.bad:
        print("crosscheck failed: " + "; ".join(c.bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
