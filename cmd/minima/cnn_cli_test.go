package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/report"
)

func TestCNNTrainWritesConvLayers(t *testing.T) {
	m, err := graph.LoadModel(cnnModel(t))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, l := range m.Spec.Layers {
		kinds = append(kinds, l.Kind())
	}
	if got := strings.Join(kinds, ","); got != "conv2d,maxpool,conv2d,maxpool,flatten,dense,dense" {
		t.Errorf("layers %s", got)
	}
	if m.Spec.Input.String() != "(1, 28, 28)" || m.Data == nil || m.Data.Fingerprint == "" {
		t.Errorf("input %v, data %+v", m.Spec.Input, m.Data)
	}
}

// eval on a CNN reports the loss of the reference forward pass.
func TestCNNEvalMatchesReference(t *testing.T) {
	dir := cnnModel(t)
	out := filepath.Join(t.TempDir(), "dump")
	args := []string{"eval", "--model", dir, "--data-dir", mnistDir(t), "--dump", out, "--quiet"}
	runOK(t, args...)
	m, err := graph.LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := report.ReadNpyFloat64(filepath.Join(out, "X.npy"))
	if err != nil {
		t.Fatal(err)
	}
	logits, _, err := report.ReadNpyFloat64(filepath.Join(out, "logits.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want := forward(t, m.Spec, m.Theta, x, len(x)/784)
	for i := range want {
		if math.Abs(logits[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
			t.Fatalf("logit %d: %v, reference %v", i, logits[i], want[i])
		}
	}
}

// hessian on a CNN: Lanczos ends with explicit residuals, and the exact
// method's extremes agree with them.
func TestCNNHessianLanczosAgreesWithExact(t *testing.T) {
	dir := cnnModel(t)
	tmp := t.TempDir()
	base := []string{"hessian", "--model", dir, "--data-dir", mnistDir(t), "--samples", "20", "--top", "2", "--bottom", "1", "--quiet"}
	lz := append(append([]string(nil), base...), "--out", filepath.Join(tmp, "lz"))
	runOK(t, lz...)
	ex := append(append([]string(nil), base...), "--method", "exact", "--out", filepath.Join(tmp, "ex"))
	runOK(t, ex...)
	a, b := readHessian(t, filepath.Join(tmp, "lz")), readHessian(t, filepath.Join(tmp, "ex"))
	for i := range a.Top {
		if math.Abs(a.Top[i]-b.Top[i]) > 1e-6*math.Abs(b.Top[0]) {
			t.Errorf("top %d: Lanczos %v, exact %v", i, a.Top[i], b.Top[i])
		}
	}
	if math.Abs(a.Bottom[0]-b.Bottom[0]) > 1e-6*math.Abs(b.Top[0]) {
		t.Errorf("bottom: Lanczos %v, exact %v", a.Bottom[0], b.Bottom[0])
	}
}

// reparam on a CNN: T_α on the first convolution keeps the function
// (equivalence ≤ 1e-12, same test accuracy) while λ_max moves.
func TestCNNReparamKeepsFunction(t *testing.T) {
	dir := cnnModel(t)
	out := filepath.Join(t.TempDir(), "rp")
	r := runReparam(t, dir, out, "--data-dir", mnistDir(t), "--samples", "20", "--test-samples", "20", "--alpha", "0.1,1,10", "--layer", "0",
		"--probes", "2", "--flatness-directions", "1", "--subspace", "0", "--eps", "1e-3", "--sharpness-iters", "2")
	var lmax []float64
	for _, row := range r.Rows {
		if row.Equivalence > 1e-12 || *row.TestAcc != *r.Rows[1].TestAcc {
			t.Errorf("α=%v: equivalence %v, test accuracy %v", row.Alpha, row.Equivalence, *row.TestAcc)
		}
		lmax = append(lmax, row.LambdaMax)
	}
	if !(lmax[0] > 5*lmax[1]) {
		t.Errorf("λ_max over α = 0.1, 1, 10: %v; T_α should raise it at α = 0.1", lmax)
	}
}

func TestCNNFlagsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--arch", "cnn", "--data", "clusters", "--out", out}, "--data mnist"},
		{[]string{"train", "--arch", "mlp", "--conv", "4", "--out", out}, "--conv"},
		{[]string{"train", "--arch", "cnn", "--kernel", "40", "--out", out}, "--kernel"},
		{[]string{"train", "--arch", "rnn", "--out", out}, "--arch"},
	} {
		r := runMinima(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line naming %s", tc.args, r.code, r.stderr, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", tc.args, out)
		}
	}
}
