package main

// Helpers shared by the tests of package main: running minima in process,
// the small models the tests train (each trained once per test binary and
// copied to the tests that ask for it), reading what the commands wrote, and
// the PyTorch side of the cross-checks.
//
// runMinima replaces os.Stdout and os.Stderr while a command runs, so the
// tests of this package must not run in parallel with each other.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/mnisttest"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/study"
)

// fixtures is the directory of what is computed once per test binary and
// shared by its tests (see shared); TestMain removes it.
var fixtures string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "minima-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtures = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// shared is a value computed the first time a test asks for it; later tests
// get the same value, or fail with the same error.
type shared[T any] struct {
	once sync.Once
	v    T
	err  error
}

// get returns the value, computing it with build on the first call.
func (s *shared[T]) get(tb testing.TB, build func() (T, error)) T {
	tb.Helper()
	s.once.Do(func() { s.v, s.err = build() })
	if s.err != nil {
		tb.Fatalf("shared fixture: %v", s.err)
	}
	return s.v
}

// result is the outcome of one in-process invocation of minima.
type result struct {
	code           int
	stdout, stderr string
}

// capture runs `minima args...` in process with stdout and stderr captured.
func capture(args ...string) (result, error) {
	oldOut, oldErr := os.Stdout, os.Stderr
	rOut, wOut, err := os.Pipe()
	if err != nil {
		return result{}, err
	}
	rErr, wErr, err := os.Pipe()
	if err != nil {
		rOut.Close()
		wOut.Close()
		return result{}, err
	}
	var bo, be bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _, _ = io.Copy(&bo, rOut) }()
	go func() { defer wg.Done(); _, _ = io.Copy(&be, rErr) }()
	os.Stdout, os.Stderr = wOut, wErr
	var res result
	func() {
		defer func() { os.Stdout, os.Stderr = oldOut, oldErr }()
		res.code = run(append([]string{"minima"}, args...))
	}()
	wOut.Close()
	wErr.Close()
	wg.Wait()
	rOut.Close()
	rErr.Close()
	res.stdout, res.stderr = bo.String(), be.String()
	return res, nil
}

// runMinima runs `minima args...` in process with stdout and stderr captured.
func runMinima(tb testing.TB, args ...string) result {
	tb.Helper()
	r, err := capture(args...)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// exitError describes an invocation that exited with another code than want.
func exitError(r result, want int, args ...string) error {
	if r.code == want {
		return nil
	}
	return fmt.Errorf("minima %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
}

// expectExit fails unless the invocation exited with code.
func expectExit(tb testing.TB, r result, code int, args ...string) {
	tb.Helper()
	if err := exitError(r, code, args...); err != nil {
		tb.Fatal(err)
	}
}

// runOK runs `minima args...` in process and fails unless it exits 0.
func runOK(tb testing.TB, args ...string) result {
	tb.Helper()
	r := runMinima(tb, args...)
	expectExit(tb, r, 0, args...)
	return r
}

// runAllOK runs minima commands in process, failing on the first that does
// not exit 0.
func runAllOK(tb testing.TB, cmds ...[]string) {
	tb.Helper()
	for _, a := range cmds {
		runOK(tb, a...)
	}
}

// buildOnce runs `minima args...` for a fixture: an error unless it exits 0.
func buildOnce(args ...string) error {
	_, err := captureOK(args...)
	return err
}

// captureOK runs `minima args...` for a fixture and returns what it printed:
// an error unless it exits 0.
func captureOK(args ...string) (result, error) {
	r, err := capture(args...)
	if err != nil {
		return r, err
	}
	return r, exitError(r, 0, args...)
}

// copyDir copies directory src (a shared fixture) into a new temporary
// directory of tb, under the same base name, and returns the copy.
func copyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// The clusters model: 3 Gaussian clusters in 5 dimensions, 30 training and
// 10 test samples per class, a 5-8-3 MLP (75 parameters), 3 epochs.

// trainArgs are the arguments of the clusters model's training run.
func trainArgs(out string, seed int, extra ...string) []string {
	return append([]string{"train", "--data", "clusters", "--classes", "3", "--dim", "5", "--per-class", "30",
		"--test-per-class", "10", "--hidden", "8", "--epochs", "3", "--batch-size", "16", "--lr", "0.05",
		"--seed", strconv.Itoa(seed), "--out", out, "--quiet"}, extra...)
}

// trainModel trains the clusters model with seed into a fresh directory and
// returns it (for tests of train itself; others take clustersModel).
func trainModel(tb testing.TB, seed int) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "model")
	runOK(tb, trainArgs(dir, seed)...)
	return dir
}

// Sizes of the clusters model and its training set.
const (
	clustersSamples = 3 * 30
	clustersParams  = 5*8 + 8 + 8*3 + 3
)

var clustersModelDir shared[string]

// sharedClustersModel is the clusters model trained with seed 1, once per
// test binary, for tests and fixtures that only read it.
func sharedClustersModel(tb testing.TB) string {
	tb.Helper()
	return clustersModelDir.get(tb, func() (string, error) {
		dir := filepath.Join(fixtures, "model")
		return dir, buildOnce(trainArgs(dir, 1)...)
	})
}

// clustersModel returns a copy, the test's own, of sharedClustersModel.
func clustersModel(tb testing.TB) string {
	tb.Helper()
	return copyDir(tb, sharedClustersModel(tb))
}

// modelParams are the parameter arrays of the clusters model, in flat order.
var modelParams = []struct {
	name  string
	shape []int
	file  string
}{
	{"dense0/W", []int{5, 8}, "params/dense0_W.npy"},
	{"dense0/b", []int{8}, "params/dense0_b.npy"},
	{"dense1/W", []int{8, 3}, "params/dense1_W.npy"},
	{"dense1/b", []int{3}, "params/dense1_b.npy"},
}

// readTheta assembles the clusters model's θ from a model directory's .npy
// files directly (not through graph.LoadModel).
func readTheta(tb testing.TB, dir string) []float64 {
	tb.Helper()
	var theta []float64
	for _, p := range modelParams {
		data, shape, err := report.ReadNpyFloat64(filepath.Join(dir, p.file))
		if err != nil {
			tb.Fatal(err)
		}
		if !slices.Equal(shape, p.shape) {
			tb.Fatalf("%s: shape %v, want %v", p.file, shape, p.shape)
		}
		theta = append(theta, data...)
	}
	return theta
}

// clusterSets regenerates the data of the models of these tests (3 classes
// in 5 dimensions, 10 test samples per class) independently of model.json.
func clusterSets(tb testing.TB, perClass int, seed int64) (train, test *datasets.Set) {
	tb.Helper()
	train, test, err := datasets.Clusters(datasets.ClusterConfig{Classes: 3, Dim: 5, PerClass: perClass, TestPerClass: 10, Seed: seed})
	if err != nil {
		tb.Fatal(err)
	}
	return train, test
}

// The measures model: a 5-6-3 ReLU MLP (57 parameters) trained for 5 epochs
// on 3 Gaussian clusters in 5 dimensions, 20 training and 10 test samples per
// class: small enough for its exact Hessian spectrum.
const (
	measuresPerClass = 20
	measuresSamples  = 3 * measuresPerClass
	measuresParams   = 5*6 + 6 + 6*3 + 3
)

var measuresModelDir shared[string]

// sharedMeasuresModel is the measures model, trained once per test binary,
// for tests and fixtures that only read it.
func sharedMeasuresModel(tb testing.TB) string {
	tb.Helper()
	return measuresModelDir.get(tb, func() (string, error) {
		dir := filepath.Join(fixtures, "measures-model")
		return dir, buildOnce("train", "--data", "clusters", "--classes", "3", "--dim", "5", "--per-class", strconv.Itoa(measuresPerClass),
			"--test-per-class", "10", "--hidden", "6", "--epochs", "5", "--batch-size", "16", "--lr", "0.05",
			"--seed", "1", "--out", dir, "--quiet")
	})
}

// measuresModel returns a copy, the test's own, of sharedMeasuresModel.
func measuresModel(tb testing.TB) string {
	tb.Helper()
	return copyDir(tb, sharedMeasuresModel(tb))
}

// mnistDir returns the repository's MNIST directory (make data), skipping
// the test when it is missing — failing instead under CI.
func mnistDir(tb testing.TB) string {
	tb.Helper()
	return mnisttest.Dir(tb, "../../data/mnist")
}

var cnnModelDir shared[string]

// cnnModel returns a copy, the test's own, of a small CNN — conv(1→2, 5×5)
// → pool → conv(2→3, 5×5) → pool → flatten → dense(→8) → dense(→10) —
// trained on 60 MNIST images (once per test binary).
func cnnModel(tb testing.TB) string {
	tb.Helper()
	data := mnistDir(tb)
	return copyDir(tb, cnnModelDir.get(tb, func() (string, error) {
		dir := filepath.Join(fixtures, "cnn")
		return dir, buildOnce("train", "--arch", "cnn", "--conv", "2,3", "--hidden", "8", "--data", "mnist", "--data-dir", data,
			"--subset", "60", "--test-subset", "30", "--epochs", "2", "--batch-size", "16", "--lr", "0.05", "--seed", "3", "--out", dir, "--quiet")
	}))
}

// readNpy reads a float64 .npy file.
func readNpy(tb testing.TB, path string) ([]float64, []int) {
	tb.Helper()
	data, shape, err := report.ReadNpyFloat64(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data, shape
}

// readNpyShaped reads a float64 .npy file, failing unless its shape is shape.
func readNpyShaped(tb testing.TB, path string, shape ...int) []float64 {
	tb.Helper()
	data, got := readNpy(tb, path)
	if !slices.Equal(got, shape) {
		tb.Fatalf("%s: shape %v, want %v", path, got, shape)
	}
	return data
}

// readLabels reads an int64 .npy file of n labels.
func readLabels(tb testing.TB, path string, n int) []int64 {
	tb.Helper()
	y, shape, err := report.ReadNpyInt64(path)
	if err != nil {
		tb.Fatal(err)
	}
	if !slices.Equal(shape, []int{n}) || len(y) != n {
		tb.Fatalf("%s: shape %v", path, shape)
	}
	return y
}

// loadModel loads a model directory.
func loadModel(tb testing.TB, dir string) *graph.Model {
	tb.Helper()
	m, err := graph.LoadModel(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// objective is the mean loss of spec over set; closed with the test.
func objective(tb testing.TB, spec graph.Spec, set *datasets.Set) *graph.Objective {
	tb.Helper()
	o, err := graph.NewObjective(spec, set, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(o.Close)
	return o
}

// forward computes the network outputs f(x) with graph's plain-Go reference
// forward pass (independent of the gorgonia graphs the commands run).
func forward(tb testing.TB, s graph.Spec, theta, x []float64, n int) []float64 {
	tb.Helper()
	f, err := graph.Forward(s, theta, x, n)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// noLeftovers fails if parent holds anything whose name starts with
// "."+base (the temporary and set-aside directories of report.AtomicDir).
func noLeftovers(tb testing.TB, parent, base string) {
	tb.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+base) {
			tb.Errorf("leftover %s in %s", e.Name(), parent)
		}
	}
}

// nothingWritten fails if path exists, or its temporary directories do.
func nothingWritten(tb testing.TB, path string) {
	tb.Helper()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		tb.Errorf("%s exists (stat: %v), want nothing written", path, err)
	}
	noLeftovers(tb, filepath.Dir(path), filepath.Base(path))
}

// nonEmptyFiles fails unless dir holds each of names, none of them empty.
func nonEmptyFiles(tb testing.TB, dir string, names ...string) {
	tb.Helper()
	for _, f := range names {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			tb.Error(err)
		} else if fi.Size() == 0 {
			tb.Errorf("%s/%s is empty", dir, f)
		}
	}
}

// unmarshal decodes raw into v, failing tb on error.
func unmarshal(tb testing.TB, raw json.RawMessage, v any) {
	tb.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		tb.Fatalf("%s: %v", raw, err)
	}
}

// jsonKeys are the JSON keys of the exported fields of struct type typ,
// following embedded structs (as encoding/json does).
func jsonKeys(typ reflect.Type) []string {
	var keys []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			keys = append(keys, jsonKeys(ft)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys = append(keys, name)
	}
	return keys
}

// hessianJSON is the part of hessian.json these tests read.
type hessianJSON struct {
	Method          string    `json:"method"`
	Samples         int       `json:"samples"`
	Params          int       `json:"params"`
	Top             []float64 `json:"top"`
	Bottom          []float64 `json:"bottom"`
	TopResiduals    []float64 `json:"top_residuals"`
	BottomResiduals []float64 `json:"bottom_residuals"`
	Converged       bool      `json:"converged"`
	Eigenvalues     []float64 `json:"eigenvalues"`
	Trace           *float64  `json:"trace"`
	TraceStdErr     *float64  `json:"trace_stderr"`
	Outliers        *int      `json:"outliers"`
	OutliersNote    string    `json:"outliers_note"`
	Negative        *struct {
		Count *int     `json:"count"`
		Mass  *float64 `json:"mass"`
	} `json:"negative"`
	HVPs int `json:"hvps"`
}

// readHessian reads dir/hessian.json and checks the fields every run
// writes.
func readHessian(tb testing.TB, dir string) *hessianJSON {
	tb.Helper()
	var h hessianJSON
	if err := report.ReadJSON(filepath.Join(dir, "hessian.json"), &h); err != nil {
		tb.Fatal(err)
	}
	// outliers is present, or absent with a note saying why (Lanczos lists
	// that do not reach the bulk).
	if (h.Outliers == nil) == (h.OutliersNote == "") || h.Negative == nil || h.Negative.Count == nil || h.Negative.Mass == nil || h.HVPs <= 0 {
		tb.Errorf("%s/hessian.json: outliers %v negative %+v hvps %d", dir, h.Outliers, h.Negative, h.HVPs)
	}
	return &h
}

// hessianArgs are the arguments of minima hessian writing out.
func hessianArgs(model, out, method string, extra ...string) []string {
	return append([]string{"hessian", "--model", model, "--method", method, "--out", out, "--quiet"}, extra...)
}

// reparamFile is reparam.json.
type reparamFile struct {
	Model   string           `json:"model"`
	Kind    string           `json:"kind"`
	Split   string           `json:"split"`
	Layer   int              `json:"layer"`
	Samples int              `json:"samples"`
	Params  int              `json:"params"`
	Rows    []study.SweepRow `json:"rows"`
}

// reparamArgs are the arguments of `minima reparam` with the small measure
// settings.
func reparamArgs(model, out string, extra ...string) []string {
	return append([]string{"reparam", "--model", model, "--probes", "8", "--flatness-directions", "4",
		"--subspace", "5", "--out", out, "--quiet"}, extra...)
}

// readReparam reads out/reparam.json.
func readReparam(tb testing.TB, out string) reparamFile {
	tb.Helper()
	var f reparamFile
	if err := report.ReadJSON(filepath.Join(out, "reparam.json"), &f); err != nil {
		tb.Fatal(err)
	}
	return f
}

// runReparam runs `minima reparam` with the small measure settings and
// checks it said where it wrote and left nothing temporary.
func runReparam(tb testing.TB, model, out string, extra ...string) reparamFile {
	tb.Helper()
	r := runOK(tb, reparamArgs(model, out, extra...)...)
	if !strings.Contains(r.stdout, "wrote "+out) {
		tb.Errorf("stdout %q", r.stdout)
	}
	f := readReparam(tb, out)
	noLeftovers(tb, filepath.Dir(out), filepath.Base(out))
	return f
}

// studyArgs is a tiny cluster study (3 runs of a few dozen parameters).
func studyArgs(out string, extra ...string) []string {
	return append([]string{"--quiet", "study", "clusters", "--k", "2,3,4", "--dim", "5", "--per-class", "10",
		"--test-per-class", "5", "--hidden", "6", "--epochs", "3", "--out", out}, extra...)
}

// studyTables are the files a cluster study writes.
var studyTables = []string{"clusters.json", "clusters.csv", "clusters.png", "spectra.png", "report.md"}

// buildBinary builds the minima binary into dir and returns its path.
func buildBinary(tb testing.TB, dir string) string {
	tb.Helper()
	bin := filepath.Join(dir, "minima")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

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
func torchPython(tb testing.TB) string {
	tb.Helper()
	torchFound.once.Do(func() {
		probe := "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') and u.find_spec('numpy') else 1)"
		torchFound.err = exec.Command(torchPy, "-c", probe).Run()
	})
	if torchFound.err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI needs python3-torch and python3-numpy for the PyTorch tests: %v", torchFound.err)
		}
		tb.Skipf("no torch for %s: %v", torchPy, torchFound.err)
	}
	return torchPy
}

// runPython runs torchPy on a script with args and returns its stdout; a
// non-zero exit fails the test with both outputs.
func runPython(tb testing.TB, script string, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command(torchPython(tb), append([]string{script}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", script, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// crosscheck runs scripts/crosscheck_torch.py once on a model and the files
// minima wrote about it. Its tolerances (relative to PyTorch's largest |value|,
// eigenvalues to max|λ|): logits 1e-12, loss 1e-12 and gradient 1e-10 from
// eval --dump; from hessian, up to 3000 parameters PyTorch's dense Hessian:
// its full spectrum 1e-9, the exact top/bottom 1e-9, Lanczos ends 1e-6; above,
// ARPACK's ends on PyTorch's Hessian-vector products 1e-6.
func crosscheck(tb testing.TB, args ...string) {
	tb.Helper()
	tb.Logf("crosscheck %v: %s", args, runPython(tb, "../../scripts/crosscheck_torch.py", args...))
}
