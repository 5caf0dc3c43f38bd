package main

// Cross-checks of minima's numbers against PyTorch autograd
// (scripts/crosscheck_torch.py). Python starts once per model: each start
// imports torch, which costs seconds, so every check of a model runs in that
// one start, and MNIST is looked for before Python is started at all.

import (
	"path/filepath"
	"testing"
)

// minima's numbers against PyTorch on a small MLP on clustered data, with and
// without biases, cross-entropy and MSE: the dump, the exact spectrum and the
// Lanczos ends.
func TestCrossCheckWithPyTorch(t *testing.T) {
	torchPython(t)
	for _, extra := range [][]string{nil, {"--no-bias", "--loss", "mse", "--lr", "0.001"}} {
		dir := t.TempDir()
		model, dump, exact, lanczos := filepath.Join(dir, "model"), filepath.Join(dir, "dump"), filepath.Join(dir, "exact"), filepath.Join(dir, "lanczos")
		runAllOK(t, trainArgs(model, 1, extra...),
			[]string{"eval", "--model", model, "--dump", dump, "--quiet"},
			hessianArgs(model, exact, "exact", "--top", "3", "--bottom", "3", "--trace"),
			hessianArgs(model, lanczos, "lanczos", "--top", "4", "--bottom", "2"))
		crosscheck(t, "--model", model, "--dump", dump, "--hessian", exact, "--hessian", lanczos)
	}
}

// The same on a small CNN (two 5×5 convolutions with ReLU and 2×2
// max-pooling, 336 parameters) on 10 MNIST images, whose ReLU zeros make
// pooling ties: the dump, the full spectrum of the exact Hessian and the
// Lanczos ends against PyTorch's dense Hessian.
func TestCrossCheckWithPyTorchCNN(t *testing.T) {
	data := mnistDir(t)
	torchPython(t)
	dir := t.TempDir()
	model, dump, exact, lanczos := filepath.Join(dir, "model"), filepath.Join(dir, "dump"), filepath.Join(dir, "exact"), filepath.Join(dir, "lanczos")
	samples := []string{"--data-dir", data, "--samples", "10"}
	runAllOK(t, []string{"train", "--data", "mnist", "--data-dir", data, "--subset", "40", "--test-subset", "20",
		"--arch", "cnn", "--conv", "2,2", "--kernel", "5", "--hidden", "4", "--epochs", "2", "--batch-size", "10",
		"--out", model, "--quiet"},
		append([]string{"eval", "--model", model, "--dump", dump, "--quiet"}, samples...),
		hessianArgs(model, exact, "exact", append([]string{"--top", "3", "--bottom", "3", "--trace"}, samples...)...),
		hessianArgs(model, lanczos, "lanczos", append([]string{"--top", "3", "--bottom", "2"}, samples...)...))
	crosscheck(t, "--model", model, "--dump", dump, "--hessian", exact, "--hessian", lanczos)
}

// The dump of a 784-32-10 MLP on real MNIST images (its Hessian is checked on
// the CNN below).
func TestCrossCheckWithPyTorchMNIST(t *testing.T) {
	data := mnistDir(t)
	torchPython(t)
	dir := t.TempDir()
	model, dump := filepath.Join(dir, "model"), filepath.Join(dir, "dump")
	runAllOK(t, []string{"train", "--data", "mnist", "--data-dir", data, "--subset", "300", "--test-subset", "100",
		"--hidden", "32", "--epochs", "2", "--batch-size", "32", "--out", model, "--quiet"},
		[]string{"eval", "--model", model, "--data-dir", data, "--dump", dump, "--chunk", "128", "--quiet"})
	crosscheck(t, "--model", model, "--dump", dump)
}

// The Lanczos ends (top 3, bottom 2) of the Hessian of train --arch cnn's
// default CNN (20,522 parameters) on 20 MNIST images, against ARPACK on
// PyTorch's double-backward Hessian-vector products.
func TestCrossCheckWithPyTorchMNISTCNN(t *testing.T) {
	data := mnistDir(t)
	torchPython(t)
	dir := t.TempDir()
	model, lanczos := filepath.Join(dir, "model"), filepath.Join(dir, "lanczos")
	runAllOK(t, []string{"train", "--data", "mnist", "--data-dir", data, "--subset", "100", "--test-subset", "20",
		"--arch", "cnn", "--epochs", "1", "--batch-size", "20", "--out", model, "--quiet"},
		hessianArgs(model, lanczos, "lanczos", "--top", "3", "--bottom", "2", "--data-dir", data, "--samples", "20"))
	crosscheck(t, "--model", model, "--hessian", lanczos)
}
