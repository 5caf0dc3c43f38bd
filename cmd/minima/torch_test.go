package main

// Cross-checks of minima's numbers against PyTorch autograd
// (scripts/crosscheck_torch.py). Python starts once per model: each start
// imports torch, which costs seconds, so every check of a model runs in that
// one start, and MNIST is looked for before Python is started at all.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// torchPy is Debian's python3, which has python3-torch (.ci/run installs it).
const torchPy = "/usr/bin/python3"

// torchFound caches whether torchPy has torch and numpy.
var torchFound struct {
	once sync.Once
	err  error
}

// torchPython returns torchPy if it has torch and numpy, else skips — failing
// instead under CI, where the PyTorch tests must run. The modules are found
// without importing them (importing torch takes seconds), once per test binary.
func torchPython(t *testing.T) string {
	t.Helper()
	torchFound.once.Do(func() {
		probe := "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') and u.find_spec('numpy') else 1)"
		torchFound.err = exec.Command(torchPy, "-c", probe).Run()
	})
	if torchFound.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs python3-torch and python3-numpy for the PyTorch tests: %v", torchFound.err)
		}
		t.Skipf("no torch for %s: %v", torchPy, torchFound.err)
	}
	return torchPy
}

// mnistDir returns the MNIST directory of the repository (make data), skipping
// the test when it is missing — failing instead under CI.
func mnistDir(t *testing.T) string {
	t.Helper()
	const dir = "../../data/mnist"
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("MNIST missing in CI (make test runs make data first)")
		}
		t.Skip("MNIST not available (run 'make data')")
	}
	return dir
}

// runPython runs torchPy on a script with args and returns its stdout; a
// non-zero exit fails the test with both outputs.
func runPython(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(torchPython(t), append([]string{script}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", script, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// minimaOK runs minima commands in process, failing on the first that does
// not exit 0.
func minimaOK(t *testing.T, cmds ...[]string) {
	t.Helper()
	for _, a := range cmds {
		e2eExpect(t, e2eRun(t, a...), 0, a...)
	}
}

// crosscheck runs scripts/crosscheck_torch.py once on a model and the files
// minima wrote about it. Its tolerances (relative to PyTorch's largest |value|,
// eigenvalues to max|λ|): logits 1e-12, loss 1e-12 and gradient 1e-10 from
// eval --dump; from hessian, up to 3000 parameters PyTorch's dense Hessian:
// its full spectrum 1e-9, the exact top/bottom 1e-9, Lanczos ends 1e-6; above,
// ARPACK's ends on PyTorch's Hessian-vector products 1e-6.
func crosscheck(t *testing.T, args ...string) {
	t.Helper()
	t.Logf("crosscheck %v: %s", args, runPython(t, "../../scripts/crosscheck_torch.py", args...))
}

// hessianArgs are the arguments of minima hessian writing out.
func hessianArgs(model, out, method string, extra ...string) []string {
	return append([]string{"hessian", "--model", model, "--method", method, "--out", out, "--quiet"}, extra...)
}

// minima's numbers against PyTorch on a small MLP on clustered data, with and
// without biases, cross-entropy and MSE: the dump, the exact spectrum and the
// Lanczos ends.
func TestCrossCheckWithPyTorch(t *testing.T) {
	torchPython(t)
	for _, extra := range [][]string{nil, {"--no-bias", "--loss", "mse", "--lr", "0.001"}} {
		dir := t.TempDir()
		model, dump, exact, lanczos := filepath.Join(dir, "model"), filepath.Join(dir, "dump"), filepath.Join(dir, "exact"), filepath.Join(dir, "lanczos")
		minimaOK(t, e2eTrainArgs(model, 1, extra...),
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
	minimaOK(t, []string{"train", "--data", "mnist", "--data-dir", data, "--subset", "40", "--test-subset", "20",
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
	minimaOK(t, []string{"train", "--data", "mnist", "--data-dir", data, "--subset", "300", "--test-subset", "100",
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
	minimaOK(t, []string{"train", "--data", "mnist", "--data-dir", data, "--subset", "100", "--test-subset", "20",
		"--arch", "cnn", "--epochs", "1", "--batch-size", "20", "--out", model, "--quiet"},
		hessianArgs(model, lanczos, "lanczos", "--top", "3", "--bottom", "2", "--data-dir", data, "--samples", "20"))
	crosscheck(t, "--model", model, "--hessian", lanczos)
}
