#!/usr/bin/env python3
"""Convert a minima model directory (minima/model/v1) into a PyTorch nn.Sequential.

  python3 scripts/to_torch.py MODEL_DIR OUT.pt

Writes the network as an nn.Sequential saved whole with torch.save(model, OUT.pt), float64
weights, in eval mode; load it with torch.load(OUT.pt) (PyTorch ≥ 2.6: torch.load(OUT.pt,
weights_only=False), as for any module saved whole). Layers map one to one, an
activation "relu" adding an nn.ReLU after its layer:

  dense    -> nn.Linear(in, out, bias): weight = W.T (minima stores W shaped (in, out) and
              computes x·W + b: the TRANSPOSE of nn.Linear.weight), bias = b
  conv2d   -> nn.Conv2d(in, out, kernel, stride, padding, bias): weight = W, bias = b
  maxpool  -> nn.MaxPool2d(size, stride)
  flatten  -> nn.Flatten()

The input shape (model.json's "input_shape") and the loss are not part of an nn.Sequential:
they are printed. OUT.pt is written to a temporary file and linked into place; an existing
OUT.pt is refused. Needs PyTorch and NumPy (Debian: python3-torch, python3-numpy).
"""
import json
import os
import sys
import tempfile

FORMAT = "minima/model/v1"


class Invalid(Exception):
    """A model directory this script cannot read; the message names the file or layer."""


def _pair(v, what):
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v)
    if isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return tuple(v)
    raise Invalid(f"{what}: want a number or a pair [h, w], got {v!r}")


# Fields each layer type may have, with their defaults (None: required).
_FIELDS = {
    "dense": {"in": None, "out": None, "bias": False, "activation": None},
    "conv2d": {"in": None, "out": None, "kernel": None, "stride": 0, "padding": 0, "bias": False, "activation": None},
    "maxpool": {"size": None, "stride": 0},
    "flatten": {},
}


def _layer(i, raw):
    """Returns layer i of model.json with defaults filled in, checking its fields."""
    if not isinstance(raw, dict) or raw.get("type") not in _FIELDS:
        kind = raw.get("type") if isinstance(raw, dict) else raw
        raise Invalid(f"layer {i}: unknown type {kind!r} (want one of {', '.join(sorted(_FIELDS))})")
    kind, fields = raw["type"], _FIELDS[raw["type"]]
    extra = set(raw) - set(fields) - {"type"}
    if extra:
        raise Invalid(f"layer {i} ({kind}): unknown field(s) {', '.join(sorted(extra))}")
    out = {"type": kind}
    for name, default in fields.items():
        if name not in raw and default is None:
            raise Invalid(f"layer {i} ({kind}): missing {name!r}")
        out[name] = raw.get(name, default)
    if "activation" in out and out["activation"] not in ("relu", "linear"):
        raise Invalid(f"layer {i} ({kind}): activation {out['activation']!r} (want relu or linear)")
    return out


def param_shapes(layer):
    """The (name, shape) of each parameter array of a layer, in flat order (W, then b)."""
    if layer["type"] == "dense":
        shapes = [("W", [layer["in"], layer["out"]])]
    elif layer["type"] == "conv2d":
        kh, kw = _pair(layer["kernel"], "kernel")
        shapes = [("W", [layer["out"], layer["in"], kh, kw])]
    else:
        return []
    if layer["bias"]:
        shapes.append(("b", [layer["out"]]))
    return shapes


def build(mj, params):
    """Returns the nn.Sequential (float64, eval mode) of model.json mj, whose parameter
    arrays params maps by their "file" entry."""
    return build_with_names(mj, params)[0]


def build_with_names(mj, params):
    """Returns build's nn.Sequential and, for each of minima's parameter arrays in flat
    order, the name of the module parameter holding it and whether it holds it
    transposed (a dense W is the transpose of nn.Linear.weight)."""
    import numpy as np
    import torch
    import torch.nn as nn

    if mj.get("format") != FORMAT:
        raise Invalid(f"format {mj.get('format')!r}, want {FORMAT!r}")
    raws = mj.get("layers")
    if not isinstance(raws, list) or not raws:
        raise Invalid("no layers")
    layers = [_layer(i, r) for i, r in enumerate(raws)]
    want = [(f"{l['type']}{k}/{n}", s) for k, l in enumerate(layers) for n, s in param_shapes(l)]
    entries = mj.get("params") or []
    if len(entries) != len(want):
        raise Invalid(f"lists {len(entries)} parameter arrays, the layers need {len(want)}")
    arrays = []
    for i, (e, (name, shape)) in enumerate(zip(entries, want)):
        if e.get("name") != name or list(e.get("shape", [])) != shape:
            raise Invalid(f"params[{i}] is {e.get('name')} {e.get('shape')}, the layers need {name} {shape}")
        a = np.asarray(params[e["file"]])
        if list(a.shape) != shape:
            raise Invalid(f"{e['file']}: shape {list(a.shape)}, model.json says {shape}")
        if not np.all(np.isfinite(a)):
            raise Invalid(f"{e['file']}: NaN or Inf")
        arrays.append(torch.tensor(a, dtype=torch.float64))

    mods, names, it = [], [], iter(arrays)
    for k, l in enumerate(layers):
        t = l["type"]
        if t in ("dense", "conv2d"):
            names.append((f"{len(mods)}.weight", t == "dense"))
            if l["bias"]:
                names.append((f"{len(mods)}.bias", False))
        if t == "dense":
            m = nn.Linear(l["in"], l["out"], bias=l["bias"], dtype=torch.float64)
        elif t == "conv2d":
            stride = _pair(l["stride"], f"layer {k} stride")
            m = nn.Conv2d(l["in"], l["out"], _pair(l["kernel"], f"layer {k} kernel"),
                          stride=tuple(s if s else 1 for s in stride),
                          padding=_pair(l["padding"], f"layer {k} padding"), bias=l["bias"], dtype=torch.float64)
        elif t == "maxpool":
            size = _pair(l["size"], f"layer {k} size")
            stride = _pair(l["stride"], f"layer {k} stride")
            m = nn.MaxPool2d(size, stride=tuple(s if s else z for s, z in zip(stride, size)))
        else:
            m = nn.Flatten()
        with torch.no_grad():
            if t == "dense":
                m.weight.copy_(next(it).t())
            elif t == "conv2d":
                m.weight.copy_(next(it))
            if l.get("bias"):
                m.bias.copy_(next(it))
        mods.append(m)
        if l.get("activation") == "relu":
            mods.append(nn.ReLU())
    model = nn.Sequential(*mods).eval()
    shape = input_shape(mj, layers)
    try:
        with torch.no_grad():
            out = model(torch.zeros((1, *shape), dtype=torch.float64))
    except RuntimeError as e:
        raise Invalid(f"the layers do not chain from input shape {tuple(shape)}: {e}")
    if out.dim() != 2:
        raise Invalid(f"the network's output has shape {tuple(out.shape[1:])}, want a vector")
    return model, names


def input_shape(mj, layers=None):
    """model.json's input_shape; before it existed, the "in" of a first dense layer."""
    s = mj.get("input_shape")
    if s is None:
        first = (layers or mj["layers"])[0]
        if first.get("type") != "dense":
            raise Invalid("no input_shape, and the first layer is not dense")
        return [first["in"]]
    if not isinstance(s, list) or len(s) not in (1, 3) or not all(isinstance(d, int) and d >= 1 for d in s):
        raise Invalid(f"input_shape {s!r}: want [D] or [C, H, W] with positive sizes")
    return s


def load(model_dir):
    """Reads a model directory: returns (model.json as a dict, {file: ndarray})."""
    import numpy as np
    path = os.path.join(model_dir, "model.json")
    try:
        with open(path) as f:
            mj = json.load(f)
    except (OSError, ValueError) as e:
        raise Invalid(f"{path}: {e}")
    if not isinstance(mj, dict):
        raise Invalid(f"{path}: not a JSON object")
    params = {}
    for i, e in enumerate(mj.get("params") or []):
        f = e.get("file") if isinstance(e, dict) else None
        if not isinstance(f, str) or not f or os.path.isabs(f) or os.path.normpath(f).startswith(".."):
            raise Invalid(f"{path}: params[{i}] file {f!r} must be a relative path inside the model directory")
        try:
            a = np.load(os.path.join(model_dir, f), allow_pickle=False)
        except (OSError, ValueError) as e:
            raise Invalid(f"loading {f}: {e}")
        if a.dtype != np.float64:
            raise Invalid(f"{f}: dtype {a.dtype}, want float64")
        params[f] = a
    return mj, params


def load_module(path):
    """torch.load of a module saved whole. Since PyTorch 2.6 torch.load unpickles only
    tensors unless weights_only=False; older versions lack the argument."""
    import torch
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


def save(model, out):
    """torch.save(model, out) through a temporary file linked into place: out appears
    complete or not at all, and an existing out is never replaced."""
    import torch
    out = os.path.abspath(out)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(out) + ".tmp-", dir=os.path.dirname(out))
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(model, f)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, out)  # fails if out exists
    finally:
        os.unlink(tmp)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0].startswith("-") or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        print("to_torch: want MODEL_DIR OUT.pt", file=sys.stderr)
        return 2
    model_dir, out = argv
    if os.path.lexists(out):
        print(f"to_torch: {out} already exists: choose a new file", file=sys.stderr)
        return 1
    if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
        print(f"to_torch: {out}: its directory does not exist", file=sys.stderr)
        return 1
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        print(f"to_torch: needs PyTorch and NumPy (Debian: python3-torch python3-numpy): {e}", file=sys.stderr)
        return 1
    try:
        mj, params = load(model_dir)
        model = build(mj, params)
        save(model, out)
    except Invalid as e:
        print(f"to_torch: {model_dir}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"to_torch: writing {out}: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out}: input shape {tuple(input_shape(mj))}, loss {mj.get('loss')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
