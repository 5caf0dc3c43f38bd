#!/usr/bin/env python3
"""Peer timing: loss, gradient and Hessian-vector product in PyTorch (CPU).

The reference a user would otherwise reach for: PyTorch double backward (reverse over
reverse, as PyHessian and hessian-eigenthings do) and, where functorch is available,
forward over reverse (jvp of grad). Extended from ../shared/peer/torch_hvp.py with the
CNN, functorch and a serve mode.

  /usr/bin/python3 scripts/torch_hvp.py --model mlp --sizes 784,256,256,10 --n 1000 \\
      --threads 2 --dtype 64            # one JSON object: median and min ms per op
  /usr/bin/python3 scripts/torch_hvp.py ... --serve
      # reads one op name per line on stdin (forward, gradient, hvp, hvp_fwd_rev),
      # runs it once and answers with its seconds: lets a caller interleave its own
      # timings with the peer's, so both see the same machine load.

The CNN is minima's graph.CNN defaults: conv 5×5 → 8, relu, maxpool 2, conv 5×5 → 16,
relu, maxpool 2, flatten, dense 64, relu, dense 10, on 1×28×28 inputs (no padding).
"""
import argparse, json, sys, time

import torch
import torch.nn.functional as F

try:
    import functorch
except ImportError:  # older or newer torch: torch.func
    functorch = None


def cross_entropy(h, y, onehot):
    """F.cross_entropy, or (onehot given) the same written as log-sum-exp minus the
    label's logit: torch 1.13 has no forward-mode derivative of nll_loss_backward."""
    if onehot is None:
        return F.cross_entropy(h, y)
    return (torch.logsumexp(h, 1) - (h * onehot).sum(1)).mean()


def build(a, dt):
    torch.manual_seed(0)
    if a.model == "mlp":
        sizes = [int(s) for s in a.sizes.split(",")]
        X = torch.rand(a.n, sizes[0], dtype=dt)
        y = torch.randint(0, sizes[-1], (a.n,))
        params = []
        for i, o in zip(sizes[:-1], sizes[1:]):
            params += [(torch.randn(i, o, dtype=dt) * (2.0 / i) ** 0.5), torch.zeros(o, dtype=dt)]

        def f(ps, onehot=None):
            h = X
            for k in range(0, len(ps), 2):
                h = h @ ps[k] + ps[k + 1]
                if k + 2 < len(ps):
                    h = torch.relu(h)
            return cross_entropy(h, y, onehot)
        return params, f, y
    X = torch.rand(a.n, 1, 28, 28, dtype=dt)
    y = torch.randint(0, 10, (a.n,))
    shapes = [(8, 1, 5, 5), (8,), (16, 8, 5, 5), (16,), (256, 64), (64,), (64, 10), (10,)]
    params = []
    for s in shapes:
        fan_in = 1
        for d in s[1:]:
            fan_in *= d
        params.append(torch.randn(*s, dtype=dt) * (2.0 / max(fan_in, 1)) ** 0.5 if len(s) > 1 else torch.zeros(*s, dtype=dt))

    def f(ps, onehot=None):
        h = F.max_pool2d(torch.relu(F.conv2d(X, ps[0], ps[1])), 2)
        h = F.max_pool2d(torch.relu(F.conv2d(h, ps[2], ps[3])), 2)
        # minima flattens NHWC-free (C, H, W) order; the order does not change the cost
        h = h.reshape(a.n, -1)
        h = torch.relu(h @ ps[4] + ps[5])
        return cross_entropy(h @ ps[6] + ps[7], y, onehot)
    return params, f, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    ap.add_argument("--sizes", default="784,256,256,10")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtype", choices=["32", "64"], default="64")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    dt = torch.float64 if a.dtype == "64" else torch.float32
    params, f, y = build(a, dt)
    params = [p.requires_grad_() for p in params]
    v = [torch.randn_like(p) for p in params]

    def forward():
        with torch.no_grad():
            return f(params)

    def gradient():
        return torch.autograd.grad(f(params), params)

    def hvp():
        g = torch.autograd.grad(f(params), params, create_graph=True)
        s = sum((gi * vi).sum() for gi, vi in zip(g, v))
        return torch.autograd.grad(s, params)

    ops = {"forward": forward, "gradient": gradient, "hvp": hvp}
    if functorch is not None:
        plain = [p.detach() for p in params]
        onehot = F.one_hot(y, plain[-1].shape[0]).to(dt)

        def grad_of(ps):
            return functorch.grad(lambda q: f(list(q), onehot))(ps)

        def hvp_fwd_rev():
            return functorch.jvp(grad_of, (tuple(plain),), (tuple(v),))[1]
        try:
            a1, a2 = hvp(), hvp_fwd_rev()
            err = max(float((p - q).abs().max() / q.abs().max().clamp_min(1e-300)) for p, q in zip(a2, a1))
            if err > (1e-8 if dt == torch.float64 else 1e-3):
                raise ValueError("forward-over-reverse Hv differs from double backward by %.3g" % err)
            ops["hvp_fwd_rev"] = hvp_fwd_rev
        except Exception as e:  # functorch versions differ in what they support
            print("functorch forward-over-reverse unavailable:", e, file=sys.stderr)

    name = "pytorch-" + torch.__version__
    if a.serve:
        print(json.dumps({"peer": name, "threads": torch.get_num_threads(), "ops": sorted(ops)}), flush=True)
        for line in sys.stdin:
            op = line.strip()
            if op not in ops:
                print("nan", flush=True)
                continue
            t = time.perf_counter()
            ops[op]()
            print(time.perf_counter() - t, flush=True)
        return

    out = {"peer": name, "model": a.model, "n": a.n, "threads": torch.get_num_threads(),
           "dtype": "float" + a.dtype, "params": sum(p.numel() for p in params)}
    for op, fn in ops.items():
        fn()
        ts = []
        for _ in range(a.reps):
            t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
        ts.sort()
        out[op + "_ms"] = {"median": round(ts[len(ts) // 2] * 1e3, 3), "min": round(ts[0] * 1e3, 3)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
