#!/usr/bin/env python3
"""Convert a PyTorch nn.Sequential into a minima model directory (minima/model/v1).

  python3 scripts/from_torch.py MODEL.pt OUT_DIR [--loss cross_entropy|mse] [--input-shape 1,28,28]

MODEL.pt is an nn.Sequential saved whole with torch.save(model, path). Its modules map to
minima's layers one to one, except that a ReLU is folded into the layer before it:

  nn.Linear        -> dense: W = weight.T, shaped (in, out) (minima computes x·W + b,
                      so W is the TRANSPOSE of nn.Linear.weight), b = bias
  nn.Conv2d        -> conv2d: W = weight (out, in, kh, kw), b = bias, as PyTorch stores
                      them; stride, zero padding (ints, pairs, "valid", or "same" with odd
                      kernels and stride 1); dilation 1, groups 1, padding_mode "zeros" only
  nn.ReLU          -> "activation": "relu" of the last Linear/Conv2d before it; only
                      MaxPool2d and Flatten may stand between them (ReLU commutes with both)
  nn.MaxPool2d     -> maxpool: size, stride; padding 0, dilation 1, ceil_mode False only
  nn.Flatten       -> flatten (start_dim 1, end_dim -1 only); dropped where the
                      activation is already a vector (it is then the identity)

Any other module, or an unsupported setting, is refused with the layer's index and name:
the script exits 1 and writes nothing. The input shape is --input-shape, else (in_features)
when the first layer is a Linear, else (1, 28, 28) (an MNIST image). The loss (not part of
an nn.Sequential) is --loss, cross_entropy by default. The converted model carries no
"data" source: give the commands that evaluate it their samples (--data).

The directory is written atomically (a temporary sibling directory renamed into place);
an existing OUT_DIR is refused. Parameters are written as float64 .npy files; the result
is checked against the PyTorch model on random inputs before it is written.

Loading MODEL.pt unpickles it: only convert files you trust. Needs PyTorch and NumPy
(Debian: python3-torch, python3-numpy).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # to_torch, beside this file
sys.dont_write_bytecode = True  # no __pycache__ in the checkout

FORMAT = "minima/model/v1"
LOSSES = ("cross_entropy", "mse")
DEFAULT_IMAGE = (1, 28, 28)
# Largest relative difference between the PyTorch model and the converted one
# (rebuilt by to_torch) on random inputs, both in float64: the conversion copies
# every number, so only the order of floating-point sums may differ.
SELF_CHECK_TOL = 1e-12


class Refused(Exception):
    """A model, layer or setting the conversion does not support; the message names it."""


def _pair(v):
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _label(i, key, module):
    name = type(module).__name__
    return f"layer {i} ({name})" if key == str(i) else f"layer {i} '{key}' ({name})"


def _param_file(kind, k, name):
    """The file name minima's graph.Param.File gives parameter name of layer k of a kind:
    the parameter's name "<kind><k>/<name>" with "/" as "_"."""
    return f"params/{kind}{k}_{name}.npy"


def _conv_padding(m, label):
    if isinstance(m.padding, str):
        if m.padding == "valid":
            return (0, 0)
        k = _pair(m.kernel_size)
        if m.padding == "same" and k[0] % 2 == 1 and k[1] % 2 == 1 and _pair(m.stride) == (1, 1):
            return (k[0] // 2, k[1] // 2)
        raise Refused(f"{label}: padding {m.padding!r} with kernel {k} is not symmetric zero padding")
    return _pair(m.padding)


def _out_size(n, k, s, p, label, what):
    if k > n + 2 * p:
        raise Refused(f"{label}: {what} {k} is larger than its padded input {n + 2 * p}")
    return (n + 2 * p - k) // s + 1


def convert(model, input_shape=None, loss="cross_entropy"):
    """Returns (model.json as a dict, {file: float64 ndarray}) for an nn.Sequential.
    Raises Refused naming the first module or setting minima cannot represent."""
    import numpy as np
    import torch.nn as nn

    if not isinstance(model, nn.Sequential):
        hint = " (a state_dict? save the module whole: torch.save(model, path))" if isinstance(model, dict) else ""
        raise Refused(f"the file holds a {type(model).__name__}, not an nn.Sequential{hint}")
    if loss not in LOSSES:
        raise Refused(f"--loss {loss!r}: want one of {', '.join(LOSSES)}")
    items = list(model.named_children())
    if not items:
        raise Refused("the nn.Sequential is empty")
    if input_shape is None:
        first = items[0][1]
        input_shape = (first.in_features,) if isinstance(first, nn.Linear) else DEFAULT_IMAGE
    shape = tuple(int(d) for d in input_shape)
    if len(shape) not in (1, 3) or min(shape) < 1:
        raise Refused(f"input shape {shape}: want (D) or (C, H, W) with positive sizes")

    layers, params = [], {}
    entries = []
    last = None  # index in layers of the last dense/conv2d layer a ReLU may fold into

    def add_param(k, kind, name, array):
        f = _param_file(kind, k, name)
        a = np.ascontiguousarray(array.detach().cpu().double().numpy())
        entries.append({"name": f"{kind}{k}/{name}", "shape": list(a.shape), "file": f})
        params[f] = a

    supported = (nn.Linear, nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.Flatten)
    in_shape = shape
    for i, (key, m) in enumerate(items):
        label = _label(i, key, m)
        if type(m) not in supported:
            if isinstance(m, supported):
                raise Refused(f"{label} cannot be converted: a subclass of {type(m).__mro__[1].__name__} may compute something else")
            raise Refused(f"{label} cannot be converted: minima supports Linear, Conv2d, ReLU, MaxPool2d and Flatten")
        k = len(layers)
        if isinstance(m, nn.Linear):
            if len(shape) != 1:
                raise Refused(f"{label} receives an image of shape {shape}: add an nn.Flatten() before it")
            if m.in_features != shape[0]:
                raise Refused(f"{label} has in_features={m.in_features}, but receives {shape[0]} values")
            bias = m.bias is not None
            layers.append({"type": "dense", "in": m.in_features, "out": m.out_features, "bias": bias, "activation": "linear"})
            add_param(k, "dense", "W", m.weight.t())
            if bias:
                add_param(k, "dense", "b", m.bias)
            shape, last = (m.out_features,), k
        elif isinstance(m, nn.Conv2d):
            if _pair(m.dilation) != (1, 1):
                raise Refused(f"{label}: dilation {_pair(m.dilation)} is not supported (only 1)")
            if m.groups != 1:
                raise Refused(f"{label}: groups={m.groups} is not supported (only 1)")
            if m.padding_mode != "zeros":
                raise Refused(f"{label}: padding_mode {m.padding_mode!r} is not supported (only 'zeros')")
            if len(shape) != 3:
                raise Refused(f"{label} receives a vector of {shape[0]} values, not an image (C, H, W): check --input-shape")
            if m.in_channels != shape[0]:
                raise Refused(f"{label} has in_channels={m.in_channels}, but receives {shape[0]} channels (input shape {shape}): check --input-shape")
            kh, kw = _pair(m.kernel_size)
            sh, sw = _pair(m.stride)
            ph, pw = _conv_padding(m, label)
            bias = m.bias is not None
            layers.append({"type": "conv2d", "in": m.in_channels, "out": m.out_channels, "kernel": [kh, kw],
                           "stride": [sh, sw], "padding": [ph, pw], "bias": bias, "activation": "linear"})
            add_param(k, "conv2d", "W", m.weight)
            if bias:
                add_param(k, "conv2d", "b", m.bias)
            shape = (m.out_channels, _out_size(shape[1], kh, sh, ph, label, "kernel height"),
                     _out_size(shape[2], kw, sw, pw, label, "kernel width"))
            last = k
        elif isinstance(m, nn.ReLU):
            if last is None:
                raise Refused(f"{label}: a ReLU must follow a Linear or Conv2d (with only MaxPool2d or Flatten between) to be folded into it")
            layers[last]["activation"] = "relu"
        elif isinstance(m, nn.MaxPool2d):
            if _pair(m.padding) != (0, 0):
                raise Refused(f"{label}: padding {_pair(m.padding)} is not supported (only 0)")
            if _pair(m.dilation) != (1, 1):
                raise Refused(f"{label}: dilation {_pair(m.dilation)} is not supported (only 1)")
            if m.ceil_mode:
                raise Refused(f"{label}: ceil_mode=True is not supported")
            if m.return_indices:
                raise Refused(f"{label}: return_indices=True is not supported")
            if len(shape) != 3:
                raise Refused(f"{label} receives a vector of {shape[0]} values, not an image (C, H, W)")
            size = _pair(m.kernel_size)
            stride = _pair(m.stride if m.stride is not None else m.kernel_size)
            layers.append({"type": "maxpool", "size": list(size), "stride": list(stride)})
            shape = (shape[0], _out_size(shape[1], size[0], stride[0], 0, label, "window height"),
                     _out_size(shape[2], size[1], stride[1], 0, label, "window width"))
        else:  # nn.Flatten
            if (m.start_dim, m.end_dim) != (1, -1):
                raise Refused(f"{label}: start_dim={m.start_dim}, end_dim={m.end_dim} is not supported (only 1, -1)")
            if len(shape) == 3:
                layers.append({"type": "flatten"})
                shape = (shape[0] * shape[1] * shape[2],)

    if len(shape) != 1:
        raise Refused(f"the network ends with an image of shape {shape}: end with Flatten or Linear")
    mj = {"format": FORMAT, "input_shape": list(in_shape), "layers": layers, "loss": loss, "params": entries}
    return mj, params


def self_check(model, mj, params):
    """Raises Refused unless the model rebuilt from (mj, params) by to_torch computes the
    same outputs as model on random inputs, in float64, to SELF_CHECK_TOL."""
    import copy
    import torch
    import to_torch
    rebuilt = to_torch.build(mj, params)
    orig = copy.deepcopy(model).double().eval()
    g = torch.Generator().manual_seed(0)
    x = torch.rand((4, *mj["input_shape"]), generator=g, dtype=torch.float64)
    x[:, ...] = torch.where(x < 0.3, torch.zeros_like(x), x)  # zeros: pooling ties as in MNIST
    with torch.no_grad():
        want, got = orig(x), rebuilt(x)
    scale = max(float(want.abs().max()), 1e-300)
    diff = float((want - got).abs().max()) / scale
    if not diff <= SELF_CHECK_TOL:
        raise Refused(f"internal error: the converted model differs from the PyTorch model by {diff:.3g} (relative)")


def write_model_dir(out_dir, mj, params):
    """Writes model.json and params/ into a temporary sibling of out_dir and renames it
    into place. Refuses an existing out_dir; creates missing parents (removed again on
    failure)."""
    import numpy as np
    out_dir = os.path.abspath(out_dir)
    if os.path.lexists(out_dir):
        raise Refused(f"{out_dir} already exists: choose a new directory")
    parent = os.path.dirname(out_dir)
    created = []
    p = parent
    while not os.path.exists(p):
        created.append(p)
        p = os.path.dirname(p)
    os.makedirs(parent, exist_ok=True)
    tmp = None
    try:
        tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out_dir) + ".tmp-", dir=parent)
        os.mkdir(os.path.join(tmp, "params"))
        for f, a in params.items():
            with open(os.path.join(tmp, f), "wb") as fh:
                np.save(fh, np.ascontiguousarray(a, dtype="<f8"), allow_pickle=False)
                fh.flush()
                os.fsync(fh.fileno())
        with open(os.path.join(tmp, "model.json"), "w") as fh:
            json.dump(mj, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.lexists(out_dir):
            raise Refused(f"{out_dir} appeared while converting: choose a new directory")
        os.rename(tmp, out_dir)
        tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
            for d in created:  # innermost first
                try:
                    os.rmdir(d)
                except OSError:
                    break


def parse_shape(s):
    try:
        shape = tuple(int(v) for v in s.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"want comma-separated sizes such as 1,28,28 or 784, got {s!r}")
    if len(shape) not in (1, 3) or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"want (D) or (C,H,W) with positive sizes, got {s!r}")
    return shape


def main(argv=None):
    ap = argparse.ArgumentParser(prog="from_torch.py", description="Convert a PyTorch nn.Sequential (saved with torch.save(model, path)) into a minima model directory.")
    ap.add_argument("model", metavar="MODEL.pt")
    ap.add_argument("out", metavar="OUT_DIR")
    ap.add_argument("--loss", choices=LOSSES, default="cross_entropy")
    ap.add_argument("--input-shape", type=parse_shape, help="one sample's shape, e.g. 1,28,28 or 784 (default: in_features of a first Linear, else 1,28,28)")
    a = ap.parse_args(argv)
    if os.path.lexists(a.out):
        print(f"from_torch: OUT_DIR {a.out} already exists: choose a new directory", file=sys.stderr)
        return 1
    try:
        import numpy  # noqa: F401
        import torch
    except ImportError as e:
        print(f"from_torch: needs PyTorch and NumPy (Debian: python3-torch python3-numpy): {e}", file=sys.stderr)
        return 1
    try:
        import to_torch
        model = to_torch.load_module(a.model)
    except Exception as e:  # unreadable, not a torch file, or classes that cannot be unpickled
        print(f"from_torch: cannot load {a.model}: {e}", file=sys.stderr)
        return 1
    try:
        mj, params = convert(model, a.input_shape, a.loss)
        self_check(model, mj, params)
        write_model_dir(a.out, mj, params)
    except Refused as e:
        print(f"from_torch: {a.model}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"from_torch: writing {a.out}: {e}", file=sys.stderr)
        return 1
    print(f"wrote {a.out}: {len(mj['layers'])} layers, {sum(v.size for v in params.values())} parameters, input {tuple(mj['input_shape'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
