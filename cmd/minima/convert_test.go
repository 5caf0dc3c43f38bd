package main

// Tests of the PyTorch converters scripts/from_torch.py and scripts/to_torch.py.
// The PyTorch side of each test runs in one Python start
// (testdata/convert_check.py); the minima side is checked here, with graph's
// reference forward pass and the gorgonia graphs the commands run.

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/numtest"
)

// convertLogitsTol bounds the difference of minima's and PyTorch's outputs
// (float64) of the same converted network, relative to the largest |output|.
const convertLogitsTol = 1e-12

// convertCheck is testdata/convert_check.py, the PyTorch side of these tests.
const convertCheck = "testdata/convert_check.py"

// checkLogits fails unless model m computes logits (n rows) on the n inputs x,
// both with graph's reference forward pass and with the gorgonia graph of an
// Objective (what eval, hessian, … run).
func checkLogits(t *testing.T, name string, m *graph.Model, x, logits []float64, n int) {
	t.Helper()
	ref, err := graph.Forward(m.Spec, m.Theta, x, n)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if d := numtest.MaxRelDiff(ref, logits); !(d <= convertLogitsTol) {
		t.Errorf("%s: reference forward differs from the PyTorch outputs by %.3g (relative) > %g", name, d, convertLogitsTol)
	}
	set := &datasets.Set{X: x, Y: make([]int, n), N: n, D: m.Spec.Inputs(), Classes: m.Spec.Outputs()}
	o, err := graph.NewObjective(m.Spec, set, graph.DefaultChunk)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer o.Close()
	got, err := o.Logits(m.Theta)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if d := numtest.MaxRelDiff(got, logits); !(d <= convertLogitsTol) {
		t.Errorf("%s: Objective.Logits differs from the PyTorch outputs by %.3g (relative) > %g", name, d, convertLogitsTol)
	}
}

// PyTorch → minima → PyTorch: nn.Sequential models saved in float32 (an MLP
// with and without biases, CNNs with stride, padding 1 and "same", no bias, a
// non-square kernel, overlapping pooling windows, ReLU after pooling and after
// Flatten, three input channels, Flatten first) convert to minima models
// without a data source whose logits, by graph's reference forward pass and by
// the Objective's graph, agree with PyTorch's float64 outputs on inputs with
// ties to 1e-12; converted back, PyTorch's outputs agree to 1e-12 (checked in
// convert_check.py).
func TestConvertTorchRoundTrip(t *testing.T) {
	work := t.TempDir()
	var res map[string]json.RawMessage
	out := runPython(t, convertCheck, "torch", work)
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("convert_check torch: %s", out)
	for _, name := range []string{"mlp", "cnn", "cnn_rgb", "flatten_first"} {
		if _, ok := res[name]; !ok {
			t.Errorf("%s: convert_check.py did not report it", name)
			continue
		}
		dir := filepath.Join(work, name)
		m, err := graph.LoadModel(filepath.Join(dir, "minima"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Data != nil || m.Train != nil {
			t.Errorf("%s: converted model has data %v, train %v; want neither", name, m.Data, m.Train)
		}
		x, xs := readNpy(t, filepath.Join(dir, "X.npy"))
		logits, _ := readNpy(t, filepath.Join(dir, "logits.npy"))
		checkLogits(t, name, m, x, logits, xs[0])
	}
}

// minima → PyTorch → minima, for a trained MLP (clusters) and a trained CNN
// (MNIST): the nn.Sequential computes minima's logits (eval --dump) to 1e-12
// (checked in convert_check.py), and converted back it is the same model: the
// same layers, input shape and loss, bit for bit the same parameters, and no
// data source.
func TestConvertMinimaRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		train func(t *testing.T, model string) []string // the data flags of eval
	}{
		{"mlp", func(t *testing.T, model string) []string {
			runOK(t, trainArgs(model, 1)...)
			return nil
		}},
		{"cnn", func(t *testing.T, model string) []string {
			data := mnistDir(t)
			runOK(t, "train", "--data", "mnist", "--data-dir", data, "--subset", "40", "--test-subset", "20",
				"--arch", "cnn", "--conv", "3,4", "--kernel", "3", "--hidden", "8", "--epochs", "1", "--batch-size", "10",
				"--out", model, "--quiet")
			return []string{"--data-dir", data, "--samples", "20"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			torchPython(t)
			dir := t.TempDir()
			model, dump, work := filepath.Join(dir, "model"), filepath.Join(dir, "dump"), filepath.Join(dir, "work")
			flags := tc.train(t, model)
			runOK(t, append([]string{"eval", "--model", model, "--dump", dump, "--quiet"}, flags...)...)
			if err := os.Mkdir(work, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Logf("convert_check minima: %s", runPython(t, convertCheck, "minima", work, model, dump))
			orig, err := graph.LoadModel(model)
			if err != nil {
				t.Fatal(err)
			}
			back, err := graph.LoadModel(filepath.Join(work, "back"))
			if err != nil {
				t.Fatal(err)
			}
			lo, _ := json.Marshal(graph.Layers(orig.Spec.Layers))
			lb, _ := json.Marshal(graph.Layers(back.Spec.Layers))
			if !bytes.Equal(lo, lb) || !slices.Equal(orig.Spec.Input, back.Spec.Input) || orig.Spec.Loss != back.Spec.Loss {
				t.Errorf("converted back: %v\nlayers %s\nwant %v\nlayers %s", back.Spec, lb, orig.Spec, lo)
			}
			if !slices.Equal(back.Theta, orig.Theta) {
				t.Errorf("converted back: parameters differ (max relative %.3g)", numtest.MaxRelDiff(back.Theta, orig.Theta))
			}
			if back.Data != nil || back.Train != nil {
				t.Errorf("converted back: data %v, train %v; want neither", back.Data, back.Train)
			}
		})
	}
}

// from_torch refuses what minima cannot represent — each case named by the
// layer's index and class (and its name in the nn.Sequential when it has
// one) — and an existing OUT_DIR, exiting 1 with nothing written; to_torch
// refuses a model directory whose arrays disagree with model.json, and an
// existing OUT.pt. The command line itself exits 1 on a Sigmoid.
func TestConvertRefusesUnsupported(t *testing.T) {
	work := t.TempDir()
	var res map[string]json.RawMessage
	out := runPython(t, convertCheck, "refuse", work)
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for name, want := range map[string]string{
		"sigmoid":               "layer 1 (Sigmoid) cannot be converted",
		"dilation":              "layer 0 (Conv2d): dilation (2, 2) is not supported",
		"groups":                "layer 0 (Conv2d): groups=2 is not supported",
		"padding_mode":          "layer 0 (Conv2d): padding_mode 'reflect' is not supported",
		"pool_padding":          "layer 1 (MaxPool2d): padding (1, 1) is not supported",
		"ceil_mode":             "layer 1 (MaxPool2d): ceil_mode=True is not supported",
		"relu_first":            "layer 0 (ReLU): a ReLU must follow a Linear or Conv2d",
		"linear_on_image":       "layer 1 (Linear) receives an image of shape (2, 6, 6)",
		"nested":                "layer 0 (Sequential) cannot be converted",
		"named":                 "layer 1 'act' (Tanh) cannot be converted",
		"subclass":              "layer 2 (Linear2) cannot be converted: a subclass of Linear",
		"not_sequential":        "holds a Linear, not an nn.Sequential",
		"ends_with_image":       "ends with an image of shape (2, 6, 6)",
		"wrong_input_shape":     "layer 0 (Conv2d) has in_channels=3, but receives 1 channels",
		"existing_out":          "already exists",
		"to_torch_bad_shape":    "params/dense0_W.npy: shape [3, 2], model.json says [2, 2]",
		"to_torch_existing_out": "ok.pt already exists",
	} {
		var r struct {
			Code   int    `json:"code"`
			Stderr string `json:"stderr"`
			Wrote  bool   `json:"wrote"`
		}
		raw, ok := res[name]
		if ok {
			unmarshal(t, raw, &r)
		}
		switch {
		case !ok:
			t.Errorf("%s: convert_check.py did not report it", name)
		case r.Code != 1 || !strings.Contains(r.Stderr, want) || strings.Count(strings.TrimSpace(r.Stderr), "\n") > 0:
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and one line containing %q", name, r.Code, r.Stderr, want)
		case r.Wrote:
			t.Errorf("%s: refused, but the output was written", name)
		}
	}
	entries, err := os.ReadDir(work)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary %s left behind", e.Name())
		}
	}

	cli := filepath.Join(work, "cli")
	cmd := exec.Command(torchPython(t), "../../scripts/from_torch.py", filepath.Join(work, "sigmoid.pt"), cli)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "layer 1 (Sigmoid)") {
		t.Errorf("from_torch.py sigmoid.pt: %v, stderr %q; want exit 1 naming layer 1 (Sigmoid)", err, stderr.String())
	}
	if _, err := os.Lstat(cli); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("from_torch.py sigmoid.pt wrote %s", cli)
	}
}

// A PyTorch CNN converted by from_torch (348 parameters, no data source of its
// own) through minima's commands on 10 MNIST images chosen with --data:
// eval --dump and the exact Hessian agree with PyTorch (crosscheck's
// tolerances: logits and loss 1e-12, gradient 1e-10, spectrum 1e-9).
func TestConvertedModelCrossCheck(t *testing.T) {
	data := mnistDir(t)
	work := t.TempDir()
	runPython(t, convertCheck, "torch", work, "cnn")
	model := filepath.Join(work, "cnn", "minima")
	dump, exact := filepath.Join(work, "dump"), filepath.Join(work, "exact")
	samples := []string{"--data", "mnist", "--data-dir", data, "--subset", "10"}
	runAllOK(t, append([]string{"eval", "--model", model, "--dump", dump, "--quiet"}, samples...),
		hessianArgs(model, exact, "exact", append([]string{"--top", "3", "--bottom", "3", "--trace"}, samples...)...))
	crosscheck(t, "--model", model, "--dump", dump, "--hessian", exact)
}
