#!/usr/bin/env python3
"""The PyTorch side of cmd/minima's converter tests (convert_test.go): one Python start per
test does every conversion of it in process, through the converters' main() (their command
lines), and prints one JSON object for the Go test to check.

  convert_check.py torch WORK [NAME...]
      For each model of torch_models() (or those named): WORK/NAME/model.pt (float32, as users save them)
      -> from_torch -> WORK/NAME/minima -> to_torch -> WORK/NAME/back.pt; writes
      WORK/NAME/X.npy (inputs with ties and zeros) and WORK/NAME/logits.npy (the original
      model's outputs in float64) for Go to compare with minima's. Reports and checks the
      largest relative difference of back.pt's outputs (tolerance TOL).
  convert_check.py minima WORK MODEL_DIR DUMP_DIR
      MODEL_DIR -> to_torch -> WORK/model.pt -> from_torch -> WORK/back; checks that the
      nn.Sequential's outputs on DUMP_DIR/X.npy agree with DUMP_DIR/logits.npy (minima's,
      from eval --dump) to TOL.
  convert_check.py refuse WORK
      Saves each model of refused_models() in WORK/NAME.pt and runs from_torch on it (and to_torch
      on a broken model directory): reports exit code, stderr and whether
      the output appeared.

Exits 1 if a check fails.
"""
import collections
import contextlib
import io
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import from_torch  # noqa: E402
import to_torch  # noqa: E402

TOL = 1e-12  # relative to the largest |output|


class Linear2(nn.Linear):
    """A subclass of nn.Linear: may compute anything, so it is refused."""


def torch_models():
    """name -> (model, input shape, loss) for the torch -> minima -> torch round trip."""
    torch.manual_seed(0)
    return {
        "mlp": (nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4, bias=False), nn.ReLU(), nn.Linear(4, 3)),
                (6,), "mse"),
        # MNIST-shaped, 348 parameters: stride 2, padding 1, no bias; ReLU after pooling
        # (folded into the conv); a non-square kernel
        "cnn": (nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1, bias=False), nn.MaxPool2d(2), nn.ReLU(),
                              nn.Conv2d(3, 4, (3, 2), stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 3 * 3, 5),
                              nn.ReLU(), nn.Linear(5, 10)),
                (1, 28, 28), "cross_entropy"),
        # three channels, padding "same", overlapping pooling windows, ReLU after Flatten
        "cnn_rgb": (nn.Sequential(nn.Conv2d(3, 2, 3, padding="same"), nn.MaxPool2d(3, stride=2), nn.Flatten(),
                                  nn.ReLU(), nn.Linear(2 * 5 * 4, 4)),
                    (3, 12, 10), "cross_entropy"),
        # logistic regression on images: Flatten first; a Flatten of a vector is dropped
        "flatten_first": (nn.Sequential(nn.Flatten(), nn.Linear(49, 10), nn.Flatten()), (1, 7, 7), "cross_entropy"),
    }


def refused_models():
    """name -> (model, input shape or None) that from_torch must refuse."""
    return {
        "sigmoid": (nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2)), None),
        "dilation": (nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.Flatten(), nn.Linear(2 * 24 * 24, 3)), None),
        "groups": (nn.Sequential(nn.Conv2d(2, 2, 3, groups=2), nn.Flatten(), nn.Linear(2 * 6 * 6, 3)), (2, 8, 8)),
        "padding_mode": (nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), nn.Flatten()), (1, 4, 4)),
        "pool_padding": (nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2, padding=1), nn.Flatten()), (1, 8, 8)),
        "ceil_mode": (nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2, ceil_mode=True), nn.Flatten()), (1, 7, 7)),
        "relu_first": (nn.Sequential(nn.ReLU(), nn.Linear(4, 2)), (4,)),
        "linear_on_image": (nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(6, 2)), (1, 8, 8)),
        "nested": (nn.Sequential(nn.Sequential(nn.Linear(4, 2))), (4,)),
        "named": (nn.Sequential(collections.OrderedDict(fc=nn.Linear(4, 3), act=nn.Tanh())), None),
        "subclass": (nn.Sequential(nn.Linear(4, 3), nn.ReLU(), Linear2(3, 2)), None),
        "not_sequential": (nn.Linear(4, 2), None),
        "ends_with_image": (nn.Sequential(nn.Conv2d(1, 2, 3)), (1, 8, 8)),
        "wrong_input_shape": (nn.Sequential(nn.Conv2d(3, 2, 3), nn.Flatten()), None),
    }


def run_main(mod, argv):
    """Runs mod.main(argv) as its command line would: returns (exit code, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = mod.main(argv)
        except SystemExit as e:  # argparse errors
            code = e.code
    return code, err.getvalue()


def inputs(shape, n=6, seed=1):
    """n samples of shape: values in {0, 0.25, …, 1} — many zeros and ties, as in MNIST."""
    g = torch.Generator().manual_seed(seed)
    return torch.floor(torch.rand((n, *shape), generator=g, dtype=torch.float64) * 5).clamp(max=4) / 4 * (
        torch.rand((n, *shape), generator=g, dtype=torch.float64) > 0.3)


def rel(a, b):
    return float((a - b).abs().max() / max(float(b.abs().max()), 1e-300))


def outputs(model, X):
    with torch.no_grad():
        return model(X)


def cmd_torch(work, names):
    report, bad = {}, []
    for name, (model, shape, loss) in torch_models().items():
        if names and name not in names:
            continue
        d = os.path.join(work, name)
        os.makedirs(d)
        pt, mdir, back = os.path.join(d, "model.pt"), os.path.join(d, "minima"), os.path.join(d, "back.pt")
        torch.save(model, pt)
        args = [pt, mdir, "--loss", loss, "--input-shape", ",".join(map(str, shape))]
        for mod, argv in [(from_torch, args), (to_torch, [mdir, back])]:
            code, err = run_main(mod, argv)
            if code != 0:
                bad.append(f"{name}: {mod.__name__} exited {code}: {err.strip()}")
                break
        else:
            X = inputs(shape)
            want = outputs(model.double(), X)
            np.save(os.path.join(d, "X.npy"), X.reshape(X.shape[0], -1).numpy())
            np.save(os.path.join(d, "logits.npy"), want.numpy())
            got = outputs(to_torch.load_module(back), X)
            report[name] = {"back_rel": rel(got, want), "dtype": str(next(to_torch.load_module(back).parameters()).dtype)}
            if not report[name]["back_rel"] <= TOL:
                bad.append(f"{name}: torch -> minima -> torch outputs differ by {report[name]['back_rel']:.3g} > {TOL:g}")
            if report[name]["dtype"] != "torch.float64":
                bad.append(f"{name}: to_torch wrote {report[name]['dtype']} weights, want float64")
    return report, bad


def cmd_minima(work, model_dir, dump):
    mj = json.load(open(os.path.join(model_dir, "model.json")))
    pt, back = os.path.join(work, "model.pt"), os.path.join(work, "back")
    bad = []
    code, err = run_main(to_torch, [model_dir, pt])
    if code != 0:
        return {}, [f"to_torch exited {code}: {err.strip()}"]
    model = to_torch.load_module(pt)
    X = torch.tensor(np.load(os.path.join(dump, "X.npy")))
    got = outputs(model, X.reshape(X.shape[0], *mj["input_shape"]))
    d = rel(got, torch.tensor(np.load(os.path.join(dump, "logits.npy"))))
    if not d <= TOL:
        bad.append(f"the nn.Sequential's outputs differ from minima's logits by {d:.3g} > {TOL:g}")
    code, err = run_main(from_torch, [pt, back, "--loss", mj["loss"], "--input-shape", ",".join(map(str, mj["input_shape"]))])
    if code != 0:
        bad.append(f"from_torch exited {code}: {err.strip()}")
    return {"torch_vs_minima_rel": d, "modules": [type(m).__name__ for m in model]}, bad


def cmd_refuse(work):
    report = {}
    for name, (model, shape) in refused_models().items():
        pt, out = os.path.join(work, name + ".pt"), os.path.join(work, name)
        torch.save(model, pt)
        argv = [pt, out] + (["--input-shape", ",".join(map(str, shape))] if shape else [])
        code, err = run_main(from_torch, argv)
        report[name] = {"code": code, "stderr": err, "wrote": os.path.lexists(out)}
    # An existing OUT_DIR is refused and left alone.
    ok_pt, taken = os.path.join(work, "ok.pt"), os.path.join(work, "taken")
    torch.save(nn.Sequential(nn.Linear(2, 2)), ok_pt)
    os.mkdir(taken)
    code, err = run_main(from_torch, [ok_pt, taken])
    report["existing_out"] = {"code": code, "stderr": err, "wrote": os.listdir(taken) != []}
    # to_torch: a broken model directory, an existing OUT.pt.
    good = os.path.join(work, "good")
    run_main(from_torch, [ok_pt, good])
    broken = os.path.join(work, "broken")
    shutil.copytree(good, broken)
    np.save(os.path.join(broken, "params", "dense0_W.npy"), np.zeros((3, 2)))
    out = os.path.join(work, "broken.pt")
    code, err = run_main(to_torch, [broken, out])
    report["to_torch_bad_shape"] = {"code": code, "stderr": err, "wrote": os.path.lexists(out)}
    code, err = run_main(to_torch, [good, ok_pt])
    report["to_torch_existing_out"] = {"code": code, "stderr": err, "wrote": False}
    return report, []


def main():
    cmd, work = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    if cmd == "torch":
        report, bad = cmd_torch(work, sys.argv[3:])
    elif cmd == "minima":
        report, bad = cmd_minima(work, sys.argv[3], sys.argv[4])
    elif cmd == "refuse":
        report, bad = cmd_refuse(work)
    else:
        sys.exit(f"unknown command {cmd!r}")
    report["ok"] = not bad
    print(json.dumps(report))
    if bad:
        print("convert_check failed: " + "; ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
