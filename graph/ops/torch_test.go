package ops

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
)

// torchPython returns Debian's python3 if it has torch (the .ci/run installs
// python3-torch), else skips — failing instead under CI, where it must run.
func torchPython(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs python3-torch for the PyTorch cross-check: %v", err)
		}
		t.Skipf("no torch for %s: %v", py, err)
	}
	return py
}

// torchCNN recomputes a cnn's summed cross-entropy, its gradient and H·v
// (double backward) with PyTorch's conv2d, max_pool2d, flatten and matmul,
// reading θ in the same parameter order and layouts: conv weights (O, C, KH,
// KW) row-major, dense weights (in, out).
const torchCNN = `
import json, sys, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
d = json.load(sys.stdin)
B, C, H, W = d["shape"]
x = torch.tensor(d["x"]).reshape(B, C, H, W)
y = torch.tensor(d["y"]).reshape(B, -1)
theta = torch.tensor(d["theta"], requires_grad=True)
v = torch.tensor(d["v"])
def loss(theta):
    off = 0
    def take(*shape):
        nonlocal off
        n = 1
        for s in shape:
            n *= s
        t = theta[off:off + n].reshape(*shape)
        off += n
        return t
    h = x
    for l in d["layers"]:
        k = l["kind"]
        if k == "c":
            w = take(l["o"], h.shape[1], l["kh"], l["kw"])
            b = take(l["o"]) if d["bias"] else None
            h = F.conv2d(h, w, b, stride=l["s"], padding=l["p"])
        elif k == "p":
            h = F.max_pool2d(h, (l["kh"], l["kw"]), stride=l["s"])
            continue
        elif k == "f":
            h = torch.flatten(h, 1)
            continue
        else:
            h = h @ take(h.shape[1], l["o"])
            if d["bias"]:
                h = h + take(l["o"])
        if l["relu"]:
            h = F.relu(h)
    assert off == theta.numel()
    return (torch.logsumexp(h, 1) - (y * h).sum(1)).sum()
L = loss(theta)
g, = torch.autograd.grad(L, theta, create_graph=True)
hv, = torch.autograd.grad(g @ v, theta)
json.dump({"loss": L.item(), "grad": g.tolist(), "hv": hv.tolist()}, sys.stdout)
`

// TestCNNMatchesPyTorch: the small CNN's loss, gradient and H·v (reverse
// over reverse with CopyDAG) equal PyTorch's (float64, double backward) to
// 1e-10 relative, with and without biases, on inputs whose first pooling
// layer has windows of equal values.
func TestCNNMatchesPyTorch(t *testing.T) {
	py := torchPython(t)
	for _, bc := range biasCases {
		t.Run(bc.name, func(t *testing.T) {
			m, theta, v, data := cnnCase(t, bc.bias, 81)
			loss, grad, hv := newHVPMachine(t, m).eval(t, theta, v, data)

			n := smallCNN(bc.bias)
			var layers []map[string]any
			for _, l := range n.layers {
				layers = append(layers, map[string]any{"kind": string(l.kind), "o": l.o, "kh": l.kh, "kw": l.kw, "s": l.s, "p": l.p, "relu": l.relu})
			}
			in, err := json.Marshal(map[string]any{
				"shape": []int{n.batch, n.c, n.h, n.w}, "x": data[0], "y": data[1],
				"theta": theta, "v": v, "bias": n.bias, "layers": layers,
			})
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "-c", torchCNN)
			cmd.Stdin = bytes.NewReader(in)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("PyTorch: %v: %s", err, stderr.String())
			}
			var want struct {
				Loss     float64
				Grad, Hv []float64
			}
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			checkClose(t, "loss", []float64{loss}, []float64{want.Loss}, 1e-10)
			checkClose(t, "gradient", grad, want.Grad, 1e-10)
			checkClose(t, "Hv", hv, want.Hv, 1e-10)
		})
	}
}

// torchPoolGrad is the gradient of Σ c ⊙ max_pool2d(x) in PyTorch.
const torchPoolGrad = `
import json, sys, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
x = torch.tensor(d["x"], dtype=torch.float64).reshape(d["shape"]).requires_grad_()
y = F.max_pool2d(x, (d["kh"], d["kw"]), stride=(d["sh"], d["sw"]))
(y.flatten() * torch.tensor(d["c"], dtype=torch.float64)).sum().backward()
json.dump(x.grad.flatten().tolist(), sys.stdout)
`

// TestMaxPoolTiesMatchPyTorch: with many tied values (and whole windows of
// zeros), the gradient of Σ c ⊙ maxpool(x) equals PyTorch's exactly: both
// send each window's gradient to the same maximum.
func TestMaxPoolTiesMatchPyTorch(t *testing.T) {
	py := torchPython(t)
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			x := tiedInput(g, 91)
			c := randVec(g.Batch*g.C*g.OutH()*g.OutW(), 1, 92)
			_, grad, _ := newGradMachine(t, tiedPoolModel(g, c)).eval(t, x, nil, nil)
			in, err := json.Marshal(map[string]any{"x": x, "c": c, "shape": []int{g.Batch, g.C, g.H, g.W}, "kh": g.KH, "kw": g.KW, "sh": g.SH, "sw": g.SW})
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "-c", torchPoolGrad)
			cmd.Stdin = bytes.NewReader(in)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("PyTorch: %v: %s", err, stderr.String())
			}
			var want []float64
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			checkClose(t, "gradient", grad, want, 0)
		})
	}
}
