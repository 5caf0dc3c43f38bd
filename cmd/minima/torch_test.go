package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// torchPython returns Debian's python3 if it has torch (the .ci/run installs
// python3-torch), else skips — failing instead under CI, where it must run.
func torchPython(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch, numpy").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs python3-torch for the PyTorch cross-check: %v", err)
		}
		t.Skipf("no torch for %s: %v", py, err)
	}
	return py
}

// crosscheck runs scripts/crosscheck_torch.py, which recomputes with PyTorch
// autograd what minima wrote: logits (1e-12), loss (1e-12) and gradient
// (1e-10) from eval --dump; the full Hessian spectrum (1e-9 of max|λ|) and the
// Lanczos ends (1e-6) from hessian.
func crosscheck(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(torchPython(t), append([]string{"../../scripts/crosscheck_torch.py"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("crosscheck %v: %v\n%s", args, err, out)
	}
	t.Logf("crosscheck %v: %s", args, out)
}

// minima's numbers against PyTorch on a small network, with and without
// biases, cross-entropy and MSE.
func TestCrossCheckWithPyTorch(t *testing.T) {
	torchPython(t)
	for _, extra := range [][]string{nil, {"--no-bias", "--loss", "mse", "--lr", "0.001"}} {
		dir := t.TempDir()
		model := filepath.Join(dir, "model")
		args := e2eTrainArgs(model, 1, extra...)
		e2eExpect(t, e2eRun(t, args...), 0, args...)
		dump, exact, lanczos := filepath.Join(dir, "dump"), filepath.Join(dir, "exact"), filepath.Join(dir, "lanczos")
		for _, a := range [][]string{
			{"eval", "--model", model, "--dump", dump, "--quiet"},
			{"hessian", "--model", model, "--method", "exact", "--top", "3", "--bottom", "3", "--trace", "--out", exact, "--quiet"},
			{"hessian", "--model", model, "--top", "4", "--bottom", "2", "--out", lanczos, "--quiet"},
		} {
			e2eExpect(t, e2eRun(t, a...), 0, a...)
		}
		crosscheck(t, "--model", model, "--dump", dump, "--hessian", exact)
		crosscheck(t, "--model", model, "--hessian", lanczos)
	}
}

// The same on real MNIST images with a 784-32-10 network (the dump only: its
// Hessian is too large for PyTorch's dense Hessian here).
func TestCrossCheckWithPyTorchMNIST(t *testing.T) {
	torchPython(t)
	if _, err := os.Stat("../../data/mnist"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("MNIST missing in CI (make test runs make data first)")
		}
		t.Skip("MNIST not available (run 'make data')")
	}
	dir := t.TempDir()
	model, dump := filepath.Join(dir, "model"), filepath.Join(dir, "dump")
	for _, a := range [][]string{
		{"train", "--data", "mnist", "--data-dir", "../../data/mnist", "--subset", "300", "--test-subset", "100",
			"--hidden", "32", "--epochs", "2", "--batch-size", "32", "--out", model, "--quiet"},
		{"eval", "--model", model, "--data-dir", "../../data/mnist", "--dump", dump, "--chunk", "128", "--quiet"},
	} {
		e2eExpect(t, e2eRun(t, a...), 0, a...)
	}
	crosscheck(t, "--model", model, "--dump", dump)
}
