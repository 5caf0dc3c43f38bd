package main

// End-to-end tests of the command line, run in process through run(). They
// replace os.Stdout and os.Stderr while a command runs, so they must not run
// in parallel with each other.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/filetest"
	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/report"
)

// modelJSON reads model.json of the shared clusters model (trained with
// trainArgs(dir, 1)) by key.
func modelJSON(t *testing.T) (dir string, m map[string]json.RawMessage) {
	t.Helper()
	dir = sharedClustersModel(t)
	return dir, filetest.ReadJSONObject(t, filepath.Join(dir, "model.json"))
}

// train writes model.json with every section, and leaves no temporary
// directory.
func TestE2ETrainWritesModel(t *testing.T) {
	dir, m := modelJSON(t)
	for _, k := range []string{"format", "layers", "loss", "params", "data", "train"} {
		if _, ok := m[k]; !ok {
			t.Errorf("model.json has no %q", k)
		}
	}
	noLeftovers(t, filepath.Dir(dir), filepath.Base(dir))
}

// model.json names its format and the loss.
func TestE2ETrainModelFormatAndLoss(t *testing.T) {
	_, m := modelJSON(t)
	var format, lossName string
	unmarshal(t, m["format"], &format)
	unmarshal(t, m["loss"], &lossName)
	if format != "minima/model/v1" || lossName != "cross_entropy" {
		t.Errorf("format %q, loss %q", format, lossName)
	}
}

// model.json's layers are the 5-8-3 MLP asked for.
func TestE2ETrainModelLayers(t *testing.T) {
	_, m := modelJSON(t)
	var layers []map[string]any
	unmarshal(t, m["layers"], &layers)
	want := []map[string]any{
		{"type": "dense", "in": 5.0, "out": 8.0, "bias": true, "activation": "relu"},
		{"type": "dense", "in": 8.0, "out": 3.0, "bias": true, "activation": "linear"},
	}
	if !reflect.DeepEqual(layers, want) {
		t.Errorf("layers %+v, want %+v", layers, want)
	}
}

// model.json lists the parameter arrays, each in a .npy file of its shape.
func TestE2ETrainModelParams(t *testing.T) {
	dir, m := modelJSON(t)
	var params []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		File  string `json:"file"`
	}
	unmarshal(t, m["params"], &params)
	if len(params) != len(modelParams) {
		t.Fatalf("params: %+v", params)
	}
	for i, p := range params {
		w := modelParams[i]
		if p.Name != w.name || !slices.Equal(p.Shape, w.shape) || p.File != w.file {
			t.Errorf("params[%d] = %+v, want %s %v %s", i, p, w.name, w.shape, w.file)
		}
		data, shape, err := report.ReadNpyFloat64(filepath.Join(dir, p.File))
		if err != nil {
			t.Errorf("params[%d]: %v", i, err)
			continue
		}
		size := 1
		for _, s := range p.Shape {
			size *= s
		}
		if !slices.Equal(shape, p.Shape) || len(data) != size {
			t.Errorf("%s: shape %v with %d values, model.json says %v", p.File, shape, len(data), p.Shape)
		}
	}
}

// model.json records the data source.
func TestE2ETrainModelData(t *testing.T) {
	_, m := modelJSON(t)
	var data datasets.Source
	unmarshal(t, m["data"], &data)
	if data.Kind != "clusters" || data.Seed != 1 || data.Clusters == nil ||
		data.Clusters.Classes != 3 || data.Clusters.Dim != 5 || data.Clusters.PerClass != 30 || data.Clusters.TestPerClass != 10 || data.Clusters.Seed != 1 {
		t.Errorf("data %+v (clusters %+v)", data, data.Clusters)
	}
}

// modelTrainInfo decodes model.json's training record.
func modelTrainInfo(t *testing.T, m map[string]json.RawMessage) graph.TrainInfo {
	t.Helper()
	var info graph.TrainInfo
	unmarshal(t, m["train"], &info)
	return info
}

// model.json records the training settings, a history entry per epoch and
// the last as the final one.
func TestE2ETrainModelTrainInfo(t *testing.T) {
	_, m := modelJSON(t)
	info := modelTrainInfo(t, m)
	if info.BatchSize != 16 || info.Epochs != 3 || info.LR != 0.05 || info.Seed != 1 || info.Init != "he" ||
		len(info.History) != 3 || info.Final == nil || info.Final.TrainLoss != info.History[2].TrainLoss ||
		info.Final.TestAcc == nil || *info.Final.TestAcc != *info.History[2].TestAcc {
		t.Errorf("train %+v", info)
	}
}

// The saved model loads and is the θ of the .npy files.
func TestE2ETrainModelLoads(t *testing.T) {
	dir := sharedClustersModel(t)
	lm := loadModel(t, dir)
	if !slices.Equal(lm.Theta, readTheta(t, dir)) || lm.Spec.NumParams() != 75 {
		t.Errorf("LoadModel: %d parameters, θ differs from the .npy files", lm.Spec.NumParams())
	}
}

// The recorded final training loss is the loss of the saved θ.
func TestE2ETrainFinalLossIsSavedModels(t *testing.T) {
	dir, m := modelJSON(t)
	info := modelTrainInfo(t, m)
	if info.Final == nil {
		t.Fatalf("train %+v: no final entry", info)
	}
	train, _ := clusterSets(t, 30, 1)
	o := objective(t, graph.MLP(5, []int{8}, 3, true, loss.CrossEntropy), train)
	l, err := o.Loss(loadModel(t, dir).Theta)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l-info.Final.TrainLoss) > 1e-12*l {
		t.Errorf("final train_loss %.17g, loss of the saved θ %.17g", info.Final.TrainLoss, l)
	}
}

// Same seed, same bits; another seed, other parameters.
func TestE2ETrainDeterministic(t *testing.T) {
	a, b, c := trainModel(t, 1), trainModel(t, 1), trainModel(t, 2)
	for _, p := range modelParams {
		fa, err := os.ReadFile(filepath.Join(a, p.file))
		if err != nil {
			t.Fatal(err)
		}
		fb, err := os.ReadFile(filepath.Join(b, p.file))
		if err != nil {
			t.Fatal(err)
		}
		fc, err := os.ReadFile(filepath.Join(c, p.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between two runs with seed 1", p.file)
		}
		if bytes.Equal(fa, fc) {
			t.Errorf("%s is the same with seeds 1 and 2", p.file)
		}
	}
}

// An existing --out is refused (exit 2, untouched) without --overwrite and
// replaced with it.
func TestE2ETrainOverwrite(t *testing.T) {
	dir := trainModel(t, 1)
	before := readTheta(t, dir)
	args := trainArgs(dir, 2)
	r := runMinima(t, args...)
	expectExit(t, r, 2, args...)
	if !strings.Contains(r.stderr, "already exists") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr %q", r.stderr)
	}
	if !slices.Equal(readTheta(t, dir), before) {
		t.Errorf("refused run changed the model")
	}
	args = trainArgs(dir, 2, "--overwrite")
	runOK(t, args...)
	if slices.Equal(readTheta(t, dir), before) {
		t.Errorf("--overwrite with another seed left the old parameters")
	}
	noLeftovers(t, filepath.Dir(dir), "model")
}

// crossEntropy is the mean of log Σ_c exp(f_ic) − f_{i,y_i}, computed with the
// row maximum subtracted.
func crossEntropy(logits []float64, y []int64, classes int) float64 {
	s := 0.0
	for i, yi := range y {
		row := logits[i*classes : (i+1)*classes]
		m := slices.Max(row)
		se := 0.0
		for _, v := range row {
			se += math.Exp(v - m)
		}
		s += math.Log(se) - (row[yi] - m)
	}
	return s / float64(len(y))
}

// accuracy is the fraction of rows of f whose first largest entry is the
// label.
func accuracy(f []float64, y []int64, classes int) float64 {
	correct := 0
	for i, yi := range y {
		row := f[i*classes : (i+1)*classes]
		if slices.Index(row, slices.Max(row)) == int(yi) {
			correct++
		}
	}
	return float64(correct) / float64(len(y))
}

// trainDump is `minima eval --split train --dump` of the clusters model, run
// once per test binary: the model directory, the dump directory (shared:
// tests only read them) and what the command printed.
type trainDump struct {
	model, out string
	result
}

var trainDumpRun shared[trainDump]

// sharedTrainDump returns the eval --dump of the clusters model's training
// set.
func sharedTrainDump(tb testing.TB) trainDump {
	tb.Helper()
	model := sharedClustersModel(tb)
	return trainDumpRun.get(tb, func() (trainDump, error) {
		out := filepath.Join(fixtures, "train-dump")
		r, err := captureOK("eval", "--model", model, "--split", "train", "--dump", out, "--quiet")
		return trainDump{model, out, r}, err
	})
}

// evalJSON is eval.json; every field must be present.
type evalJSON struct {
	Loss     *float64 `json:"loss"`
	Accuracy *float64 `json:"accuracy"`
	Samples  *int     `json:"samples"`
}

// readEval reads dir/eval.json, failing unless it has every field.
func readEval(tb testing.TB, dir string) evalJSON {
	tb.Helper()
	var ev evalJSON
	if err := report.ReadJSON(filepath.Join(dir, "eval.json"), &ev); err != nil {
		tb.Fatal(err)
	}
	if ev.Loss == nil || ev.Accuracy == nil || ev.Samples == nil {
		tb.Fatalf("%s/eval.json: loss %v accuracy %v samples %v", dir, ev.Loss, ev.Accuracy, ev.Samples)
	}
	return ev
}

// eval --dump says how many samples it evaluated and leaves no temporary
// directory behind.
func TestE2EEvalDumpReportsSamples(t *testing.T) {
	d := sharedTrainDump(t)
	if !strings.Contains(d.stdout, "90 samples") {
		t.Errorf("stdout %q", d.stdout)
	}
	noLeftovers(t, filepath.Dir(d.out), filepath.Base(d.out))
}

// X.npy is the training set, regenerated independently of model.json.
func TestE2EEvalDumpXIsTrainingSet(t *testing.T) {
	d := sharedTrainDump(t)
	train, _ := clusterSets(t, 30, 1)
	x, shape := readNpy(t, filepath.Join(d.out, "X.npy"))
	if !slices.Equal(shape, []int{clustersSamples, 5}) || !slices.Equal(x, train.X) {
		t.Errorf("X.npy: shape %v, equal to the training set: %v", shape, slices.Equal(x, train.X))
	}
}

// y.npy holds the training labels.
func TestE2EEvalDumpYIsTrainingLabels(t *testing.T) {
	d := sharedTrainDump(t)
	train, _ := clusterSets(t, 30, 1)
	y := readLabels(t, filepath.Join(d.out, "y.npy"), clustersSamples)
	for i, v := range y {
		if int(v) != train.Y[i] {
			t.Fatalf("y[%d] = %d, training label %d", i, v, train.Y[i])
		}
	}
}

// eval.json holds loss, accuracy and samples, nothing else, and samples is
// the size of the training set.
func TestE2EEvalJSONFields(t *testing.T) {
	d := sharedTrainDump(t)
	if m := filetest.ReadJSONObject(t, filepath.Join(d.out, "eval.json")); len(m) != 3 {
		t.Errorf("eval.json keys: %v", m)
	}
	if ev := readEval(t, d.out); *ev.Samples != clustersSamples {
		t.Errorf("samples %d, want %d", *ev.Samples, clustersSamples)
	}
}

// eval.json's loss and accuracy are those of logits.npy and y.npy.
func TestE2EEvalLossOfDumpedLogits(t *testing.T) {
	d := sharedTrainDump(t)
	ev := readEval(t, d.out)
	logits := readNpyShaped(t, filepath.Join(d.out, "logits.npy"), clustersSamples, 3)
	y := readLabels(t, filepath.Join(d.out, "y.npy"), clustersSamples)
	if want := crossEntropy(logits, y, 3); math.Abs(*ev.Loss-want) > 1e-12*want {
		t.Errorf("loss %.17g, cross-entropy of logits.npy %.17g", *ev.Loss, want)
	}
	if acc := accuracy(logits, y, 3); *ev.Accuracy != acc {
		t.Errorf("accuracy %v, from logits.npy %v", *ev.Accuracy, acc)
	}
}

// eval.json's loss and accuracy are recomputed from the .npy parameters, the
// architecture and the regenerated data. (Loss and accuracy are invariant to
// a per-row shift of the logits; that logits.npy holds f(x) itself is
// TestE2EEvalLogitsAreOutputs.)
func TestE2EEvalLossOfReferenceForward(t *testing.T) {
	d := sharedTrainDump(t)
	ev := readEval(t, d.out)
	y := readLabels(t, filepath.Join(d.out, "y.npy"), clustersSamples)
	train, _ := clusterSets(t, 30, 1)
	f := forward(t, graph.MLP(5, []int{8}, 3, true, loss.CrossEntropy), readTheta(t, d.model), train.X, clustersSamples)
	if want := crossEntropy(f, y, 3); math.Abs(*ev.Loss-want) > 1e-12*want {
		t.Errorf("loss %.17g, cross-entropy of the hand-computed outputs %.17g", *ev.Loss, want)
	}
	if acc := accuracy(f, y, 3); *ev.Accuracy != acc {
		t.Errorf("accuracy %v, of the hand-computed outputs %v", *ev.Accuracy, acc)
	}
}

// grad.npy is the gradient of the mean training loss (Objective.LossGrad at
// the .npy parameters), whose loss is eval.json's.
func TestE2EEvalDumpGradIsLossGrad(t *testing.T) {
	d := sharedTrainDump(t)
	ev := readEval(t, d.out)
	grad := readNpyShaped(t, filepath.Join(d.out, "grad.npy"), clustersParams)
	train, _ := clusterSets(t, 30, 1)
	o := objective(t, graph.MLP(5, []int{8}, 3, true, loss.CrossEntropy), train)
	g := make([]float64, clustersParams)
	l, err := o.LossGrad(g, readTheta(t, d.model))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l-*ev.Loss) > 1e-12*l {
		t.Errorf("loss %.17g, LossGrad %.17g", *ev.Loss, l)
	}
	gscale := numtest.MaxAbs(g)
	for i := range g {
		if math.Abs(g[i]-grad[i]) > 1e-12*gscale {
			t.Errorf("grad[%d] = %.17g, LossGrad %.17g", i, grad[i], g[i])
		}
	}
}

// logits.npy is Objective.Logits at the .npy parameters, bit for bit.
func TestE2EEvalDumpLogitsAreObjectiveLogits(t *testing.T) {
	d := sharedTrainDump(t)
	logits := readNpyShaped(t, filepath.Join(d.out, "logits.npy"), clustersSamples, 3)
	train, _ := clusterSets(t, 30, 1)
	o := objective(t, graph.MLP(5, []int{8}, 3, true, loss.CrossEntropy), train)
	want, err := o.Logits(readTheta(t, d.model))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(want, logits) {
		t.Errorf("logits.npy differs from Objective.Logits")
	}
}

// --split test --samples 6 evaluates a stratified subset of 6 test samples.
func TestE2EEvalTestSubset(t *testing.T) {
	dir := clustersModel(t)
	out := filepath.Join(t.TempDir(), "dump")
	args := []string{"eval", "--model", dir, "--split", "test", "--samples", "6", "--dump", out, "--quiet"}
	runOK(t, args...)
	var ev struct {
		Samples int `json:"samples"`
	}
	if err := report.ReadJSON(filepath.Join(out, "eval.json"), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Samples != 6 {
		t.Errorf("samples %d, want 6", ev.Samples)
	}
	x, shape, err := report.ReadNpyFloat64(filepath.Join(out, "X.npy"))
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := report.ReadNpyInt64(filepath.Join(out, "y.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shape, []int{6, 5}) || len(y) != 6 {
		t.Fatalf("X.npy shape %v, %d labels", shape, len(y))
	}
	// Stratified: two of each class; every row is a test sample with its
	// label.
	_, test := clusterSets(t, 30, 1)
	counts := map[int64]int{}
	for i, yi := range y {
		counts[yi]++
		found := false
		for j := range test.N {
			if slices.Equal(test.X[j*5:(j+1)*5], x[i*5:(i+1)*5]) {
				found = int64(test.Y[j]) == yi
				break
			}
		}
		if !found {
			t.Errorf("row %d (label %d) is not a test sample with that label", i, yi)
		}
	}
	if counts[0] != 2 || counts[1] != 2 || counts[2] != 2 {
		t.Errorf("class counts %v, want 2 each", counts)
	}
	g, shape, err := report.ReadNpyFloat64(filepath.Join(out, "grad.npy"))
	if err != nil || !slices.Equal(shape, []int{75}) || len(g) != 75 {
		t.Errorf("grad.npy: shape %v, err %v", shape, err)
	}
}

// An existing --dump is not replaced without --overwrite, and is with it.
func TestE2EEvalDumpExists(t *testing.T) {
	dir := clustersModel(t)
	out := filepath.Join(t.TempDir(), "dump")
	args := []string{"eval", "--model", dir, "--dump", out, "--quiet"}
	runOK(t, args...)
	if err := os.WriteFile(filepath.Join(out, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMinima(t, args...)
	if r.code == 0 {
		t.Fatalf("second eval into an existing --dump succeeded")
	}
	if _, err := os.Stat(filepath.Join(out, "marker")); err != nil {
		t.Errorf("existing --dump was replaced: %v", err)
	}
	noLeftovers(t, filepath.Dir(out), "dump")
	args2 := append(slices.Clone(args), "--overwrite")
	runOK(t, args2...)
	if _, err := os.Stat(filepath.Join(out, "marker")); !os.IsNotExist(err) {
		t.Errorf("--overwrite kept the old directory's files")
	}
	noLeftovers(t, filepath.Dir(out), "dump")
	// Like train and hessian, eval refuses an existing --dump up front as a
	// usage error (exit 2) that names the flag.
	if r.code != 2 || !strings.Contains(r.stderr, "--overwrite") {
		t.Fatalf("exit %d, stderr %q; want exit 2 mentioning --overwrite", r.code, r.stderr)
	}
}

// hessianRun is one `minima hessian` run of the clusters model, run once per
// test binary: its results directory (shared: tests only read it) and what
// it printed.
type hessianRun struct {
	out string
	result
}

var exactHessianOnce, lanczosHessianOnce shared[hessianRun]

// sharedHessian runs hessian --method method --top 3 --bottom 2 --trace on
// the clusters model, with extra flags, once per test binary.
func sharedHessian(tb testing.TB, once *shared[hessianRun], method string, extra ...string) hessianRun {
	tb.Helper()
	model := sharedClustersModel(tb)
	return once.get(tb, func() (hessianRun, error) {
		out := filepath.Join(fixtures, "hessian-"+method)
		r, err := captureOK(hessianArgs(model, out, method, append([]string{"--top", "3", "--bottom", "2", "--trace"}, extra...)...)...)
		return hessianRun{out, r}, err
	})
}

// sharedExactHessian is the exact spectrum of the clusters model, failing
// unless hessian.json holds its 75 eigenvalues in ascending order.
func sharedExactHessian(tb testing.TB) (hessianRun, *hessianJSON) {
	tb.Helper()
	run := sharedHessian(tb, &exactHessianOnce, "exact")
	ex := readHessian(tb, run.out)
	ev, n := ex.Eigenvalues, clustersParams
	if ex.Method != "exact" || ex.Samples != clustersSamples || ex.Params != n || len(ev) != n || !slices.IsSorted(ev) {
		tb.Fatalf("exact: method %q samples %d params %d, %d eigenvalues (sorted %v)", ex.Method, ex.Samples, ex.Params, len(ev), slices.IsSorted(ev))
	}
	return run, ex
}

// sharedLanczosHessian is the Lanczos run (with the density) on the clusters
// model, failing unless hessian.json holds its method's fields.
func sharedLanczosHessian(tb testing.TB) (hessianRun, *hessianJSON) {
	tb.Helper()
	run := sharedHessian(tb, &lanczosHessianOnce, "lanczos", "--density")
	h := readHessian(tb, run.out)
	if h.Method != "lanczos" || h.Samples != clustersSamples || h.Params != clustersParams || h.Eigenvalues != nil ||
		len(h.Top) != 3 || len(h.Bottom) != 2 || len(h.TopResiduals) != 3 || len(h.BottomResiduals) != 2 || h.Trace == nil || h.TraceStdErr == nil {
		tb.Fatalf("lanczos hessian.json: %+v", h)
	}
	return run, h
}

// hessian --method exact mentions the trace and writes its files.
func TestE2EHessianExactWritesFiles(t *testing.T) {
	run, _ := sharedExactHessian(t)
	if !strings.Contains(run.stdout, "trace") {
		t.Errorf("stdout %q", run.stdout)
	}
	nonEmptyFiles(t, run.out, "hessian.json", "X.npy", "y.npy", "eigenvalues.csv", "eigenvalues.png")
	noLeftovers(t, fixtures, filepath.Base(run.out))
}

// The exact top and bottom are the ends of the eigenvalues.
func TestE2EHessianExactEnds(t *testing.T) {
	_, ex := sharedExactHessian(t)
	ev, n := ex.Eigenvalues, clustersParams
	if !slices.Equal(ex.Top, []float64{ev[n-1], ev[n-2], ev[n-3]}) || !slices.Equal(ex.Bottom, ev[:2]) {
		t.Errorf("top %v bottom %v are not the ends of the eigenvalues", ex.Top, ex.Bottom)
	}
}

// The exact trace is Σλ, with no standard error.
func TestE2EHessianExactTrace(t *testing.T) {
	_, ex := sharedExactHessian(t)
	ev, n := ex.Eigenvalues, clustersParams
	scale := math.Max(math.Abs(ev[0]), math.Abs(ev[n-1]))
	sum := 0.0
	for _, v := range ev {
		sum += v
	}
	if ex.Trace == nil || math.Abs(*ex.Trace-sum) > 1e-12*scale || ex.TraceStdErr != nil {
		t.Errorf("exact trace %v, Σλ %v", ex.Trace, sum)
	}
}

// hessian writes the samples it used: the training set.
func TestE2EHessianDumpsTrainingSet(t *testing.T) {
	run, _ := sharedExactHessian(t)
	x, shape := readNpy(t, filepath.Join(run.out, "X.npy"))
	train, _ := clusterSets(t, 30, 1)
	if !slices.Equal(shape, []int{90, 5}) || !slices.Equal(x, train.X) {
		t.Errorf("X.npy: shape %v, not the training set", shape)
	}
	if y, shape, err := report.ReadNpyInt64(filepath.Join(run.out, "y.npy")); err != nil || !slices.Equal(shape, []int{90}) || len(y) != 90 {
		t.Errorf("y.npy: shape %v, err %v", shape, err)
	}
}

// eigenvalues.csv lists every exact eigenvalue, in ascending order.
func TestE2EHessianEigenvaluesCSV(t *testing.T) {
	run, ex := sharedExactHessian(t)
	ev, n := ex.Eigenvalues, clustersParams
	recs := filetest.ReadCSV(t, filepath.Join(run.out, "eigenvalues.csv"))
	if len(recs) != n+1 || !slices.Equal(recs[0], []string{"index", "eigenvalue"}) {
		t.Errorf("eigenvalues.csv: %d records, header %v", len(recs), recs[0])
	} else if v, _ := strconv.ParseFloat(recs[n][1], 64); v != ev[n-1] {
		t.Errorf("eigenvalues.csv last row %v, want %v", recs[n], ev[n-1])
	}
}

// hessian --method lanczos --density writes its files.
func TestE2EHessianLanczosWritesFiles(t *testing.T) {
	run, _ := sharedLanczosHessian(t)
	nonEmptyFiles(t, run.out, "hessian.json", "X.npy", "y.npy", "eigenvalues.csv", "eigenvalues.png", "density.csv", "density.png")
	noLeftovers(t, fixtures, filepath.Base(run.out))
}

// The Lanczos ends agree with the exact ones: the top to 1e-6 relative, the
// bottom to 1e-6 of the scale (the default tolerance is 1e-6·scale on the
// residual, which bounds the error of a bulk eigenvalue).
func TestE2EHessianLanczosMatchesExact(t *testing.T) {
	_, ex := sharedExactHessian(t)
	_, h := sharedLanczosHessian(t)
	ev, n := ex.Eigenvalues, clustersParams
	scale := math.Max(math.Abs(ev[0]), math.Abs(ev[n-1]))
	for i, v := range h.Top {
		if w := ex.Top[i]; math.Abs(v-w) > 1e-6*math.Abs(w) {
			t.Errorf("lanczos top[%d] = %.17g, exact %.17g", i, v, w)
		}
	}
	for i, v := range h.Bottom {
		if w := ex.Bottom[i]; math.Abs(v-w) > 1e-6*scale {
			t.Errorf("lanczos bottom[%d] = %.17g, exact %.17g", i, v, w)
		}
	}
}

// With Lanczos the trace is Hutchinson's, within 4 standard errors of Σλ.
func TestE2EHessianLanczosTrace(t *testing.T) {
	_, ex := sharedExactHessian(t)
	_, h := sharedLanczosHessian(t)
	sum := 0.0
	for _, v := range ex.Eigenvalues {
		sum += v
	}
	if d := math.Abs(*h.Trace - sum); d > 4**h.TraceStdErr {
		t.Errorf("Hutchinson trace %v ± %v, exact %v", *h.Trace, *h.TraceStdErr, sum)
	}
}

// An existing --out is a usage error before any work.
func TestE2EHessianExistingOut(t *testing.T) {
	run, _ := sharedExactHessian(t)
	exact := copyDir(t, run.out)
	args := []string{"hessian", "--model", clustersModel(t), "--method", "exact", "--out", exact, "--quiet"}
	r := runMinima(t, args...)
	expectExit(t, r, 2, args...)
	if !strings.Contains(r.stderr, "already exists") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// --split test --samples 6 takes the Hessian of a test subset.
func TestE2EHessianTestSubset(t *testing.T) {
	tmp := t.TempDir()
	sub := filepath.Join(tmp, "sub")
	runOK(t, "hessian", "--model", clustersModel(t), "--method", "exact", "--split", "test", "--samples", "6", "--top", "1", "--bottom", "0", "--out", sub, "--quiet")
	if s := readHessian(t, sub); s.Samples != 6 || len(s.Eigenvalues) != clustersParams || len(s.Bottom) != 0 || s.Trace != nil {
		t.Errorf("subset: samples %d, %d eigenvalues, %d bottom, trace %v", s.Samples, len(s.Eigenvalues), len(s.Bottom), s.Trace)
	}
	noLeftovers(t, tmp, "sub")
}

// Command-line mistakes exit 2 with one line on stderr, and write nothing.
func TestE2EUsageErrors(t *testing.T) {
	model := clustersModel(t)
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	clusters := []string{"train", "--data", "clusters", "--classes", "3", "--dim", "5", "--per-class", "10", "--hidden", "4", "--quiet"}
	with := func(extra ...string) []string { return append(slices.Clone(clusters), extra...) }
	for _, c := range []struct {
		name string
		args []string
		msg  string // in the message
	}{
		{"batch size 0", with("--batch-size", "0", "--out", out), "batch size"},
		{"unknown loss", with("--loss", "hinge", "--out", out), "--loss"},
		{"missing out", with(), "--out"},
		{"bogus data", []string{"train", "--data", "bogus", "--out", out, "--quiet"}, "--data"},
		{"bad hidden", with("--hidden", "a,b", "--out", out), "--hidden"},
		{"zero hidden", with("--hidden", "4,0", "--out", out), "--hidden"},
		{"lr 0", with("--lr", "0", "--out", out), "learning rate"},
		{"momentum 1", with("--momentum", "1", "--out", out), "momentum"},
		{"unknown init", with("--init", "xavier", "--out", out), "--init"},
		{"one class", with("--classes", "1", "--out", out), "--classes"},
		{"extra argument", with("--out", out, "extra"), "extra"},
		{"unknown train flag", with("--bogus", "--out", out), "bogus"},
		{"non-integer epochs", with("--epochs", "two", "--out", out), "epochs"},
		{"eval without model", []string{"eval", "--dump", out, "--quiet"}, "--model"},
		{"eval bad split", []string{"eval", "--model", model, "--split", "validation", "--dump", out, "--quiet"}, "--split"},
		{"eval negative samples", []string{"eval", "--model", model, "--samples", "-1", "--dump", out, "--quiet"}, "--samples"},
		{"eval chunk 0", []string{"eval", "--model", model, "--chunk", "0", "--dump", out, "--quiet"}, "--chunk"},
		{"hessian bad method", []string{"hessian", "--model", model, "--method", "foo", "--out", out, "--quiet"}, "--method"},
		{"hessian without out", []string{"hessian", "--model", model, "--quiet"}, "--out"},
		{"hessian without model", []string{"hessian", "--out", out, "--quiet"}, "--model"},
		{"hessian nothing asked", []string{"hessian", "--model", model, "--top", "0", "--bottom", "0", "--out", out, "--quiet"}, "--top"},
		{"hessian tol 0", []string{"hessian", "--model", model, "--tol", "0", "--out", out, "--quiet"}, "--tol"},
		{"unknown global flag", []string{"--bogus", "train"}, "bogus"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runMinima(t, c.args...)
			expectExit(t, r, 2, c.args...)
			if !strings.HasPrefix(r.stderr, "minima: ") || !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
			if !strings.Contains(r.stderr, c.msg) {
				t.Errorf("stderr %q does not mention %q", r.stderr, c.msg)
			}
			nothingWritten(t, out)
		})
	}
}

// The hint of a usage error names the command to ask for help on.
func TestE2EUsageHint(t *testing.T) {
	r := runMinima(t, "train", "--data", "bogus", "--out", filepath.Join(t.TempDir(), "x"))
	expectExit(t, r, 2)
	if !strings.Contains(r.stderr, "'minima train --help'") {
		t.Errorf("stderr %q", r.stderr)
	}
	r = runMinima(t, "--bogus")
	expectExit(t, r, 2)
	if strings.Contains(r.stderr, "minima minima") {
		t.Fatalf("regression: top-level usage error hints %q", strings.TrimSpace(r.stderr))
	}
	if !strings.Contains(r.stderr, "'minima --help'") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// A missing or damaged model directory is a runtime error (exit 1) whose
// one-line message names the file; nothing is written.
func TestE2EBrokenModel(t *testing.T) {
	good := clustersModel(t)
	tmp := t.TempDir()
	clone := func(name string) string {
		dst := filepath.Join(tmp, name)
		if err := os.CopyFS(dst, os.DirFS(good)); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	missingNpy := clone("missing-npy")
	if err := os.Remove(filepath.Join(missingNpy, "params/dense1_b.npy")); err != nil {
		t.Fatal(err)
	}
	truncated := clone("truncated")
	p := filepath.Join(truncated, "params/dense0_W.npy")
	if err := os.Truncate(p, 100); err != nil {
		t.Fatal(err)
	}
	badJSON := clone("bad-json")
	if err := os.WriteFile(filepath.Join(badJSON, "model.json"), []byte("{\"format\": "), 0o644); err != nil {
		t.Fatal(err)
	}
	wrongShape := clone("wrong-shape")
	if err := report.WriteNpyFloat64(filepath.Join(wrongShape, "params/dense1_W.npy"), make([]float64, 24), 3, 8); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, dir, file string
	}{
		{"no directory", filepath.Join(tmp, "nope"), filepath.Join(tmp, "nope", "model.json")},
		{"missing npy", missingNpy, filepath.Join(missingNpy, "params", "dense1_b.npy")},
		{"truncated npy", truncated, p},
		{"corrupt model.json", badJSON, filepath.Join(badJSON, "model.json")},
		{"wrong shape", wrongShape, filepath.Join(wrongShape, "params", "dense1_W.npy")},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			for _, args := range [][]string{
				{"eval", "--model", c.dir, "--dump", out, "--quiet"},
				{"hessian", "--model", c.dir, "--method", "exact", "--out", out, "--quiet"},
			} {
				r := runMinima(t, args...)
				expectExit(t, r, 1, args...)
				if !strings.HasPrefix(r.stderr, "minima: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, c.file) {
					t.Errorf("%s: stderr %q should be one line naming %s", args[0], r.stderr, c.file)
				}
				nothingWritten(t, out)
			}
		})
	}
}

// Divergence stops training with exit 1 and writes no model.
func TestE2ETrainDivergence(t *testing.T) {
	out := filepath.Join(t.TempDir(), "model")
	args := trainArgs(out, 1, "--lr", "1e6", "--loss", "mse")
	r := runMinima(t, args...)
	expectExit(t, r, 1, args...)
	if !strings.Contains(r.stderr, "diverged") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr %q", r.stderr)
	}
	nothingWritten(t, out)
}

// mseTrainArgs trains a 5-6-4-3 MSE model (75 parameters).
func mseTrainArgs(out string) []string {
	return trainArgs(out, 1, "--loss", "mse", "--hidden", "6,4", "--epochs", "5", "--lr", "0.02")
}

// MSE models train and evaluate too; eval's loss is ½‖f − onehot‖²
// averaged, with f computed by hand.
func TestE2EMSEModel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	args := mseTrainArgs(dir)
	runOK(t, args...)
	lm, err := graph.LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if lm.Spec.Loss != loss.MSE || len(lm.Spec.Layers) != 3 || lm.Spec.NumParams() != 5*6+6+6*4+4+4*3+3 {
		t.Fatalf("spec %+v", lm.Spec)
	}
	out := filepath.Join(t.TempDir(), "dump")
	args = []string{"eval", "--model", dir, "--dump", out, "--quiet"}
	runOK(t, args...)
	y, _, err := report.ReadNpyInt64(filepath.Join(out, "y.npy"))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Loss float64 `json:"loss"`
	}
	if err := report.ReadJSON(filepath.Join(out, "eval.json"), &ev); err != nil {
		t.Fatal(err)
	}
	train, _ := clusterSets(t, 30, 1)
	f := forward(t, lm.Spec, lm.Theta, train.X, train.N)
	want := 0.0
	for i, yi := range y {
		for c := range 3 {
			d := f[i*3+c]
			if int64(c) == yi {
				d--
			}
			want += 0.5 * d * d
		}
	}
	want /= float64(len(y))
	if !(want < 0.5) {
		t.Fatalf("MSE %v: the network did not train (all outputs 0 give 0.5)", want)
	}
	if math.Abs(ev.Loss-want) > 1e-12*want {
		t.Errorf("MSE loss %.17g, recomputed %.17g", ev.Loss, want)
	}
}

// logits.npy is documented as the network outputs f(x) (graph.Objective.Logits:
// "the network outputs at θ"), and eval.json's accuracy is the fraction of
// samples whose largest output is the label. Both are checked against f
// computed by hand, for a cross-entropy and an MSE model.
func TestE2EEvalLogitsAreOutputs(t *testing.T) {
	var known []string
	for _, loss := range []string{"cross_entropy", "mse"} {
		dir := filepath.Join(t.TempDir(), "model")
		args := trainArgs(dir, 1)
		if loss == "mse" {
			args = mseTrainArgs(dir)
		}
		runOK(t, args...)
		lm, err := graph.LoadModel(dir)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "dump")
		args = []string{"eval", "--model", dir, "--dump", out, "--quiet"}
		runOK(t, args...)
		logits, _, err := report.ReadNpyFloat64(filepath.Join(out, "logits.npy"))
		if err != nil {
			t.Fatal(err)
		}
		y, _, err := report.ReadNpyInt64(filepath.Join(out, "y.npy"))
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Accuracy float64 `json:"accuracy"`
		}
		if err := report.ReadJSON(filepath.Join(out, "eval.json"), &ev); err != nil {
			t.Fatal(err)
		}
		train, _ := clusterSets(t, 30, 1)
		f := forward(t, lm.Spec, lm.Theta, train.X, train.N)
		// What the bug produces: the loss graph's first subtraction done in
		// place on the logits (f − rowmax f for cross-entropy, f − onehot(y)
		// for MSE).
		buggy := slices.Clone(f)
		for i, yi := range y {
			row := buggy[i*3 : (i+1)*3]
			if loss == "mse" {
				row[yi]--
			} else {
				m := slices.Max(row)
				for c := range row {
					row[c] -= m
				}
			}
		}
		scale := 0.0
		for _, v := range f {
			scale = math.Max(scale, math.Abs(v))
		}
		near := func(a, b []float64) bool {
			for i := range a {
				if math.Abs(a[i]-b[i]) > 1e-12*scale {
					return false
				}
			}
			return true
		}
		switch {
		case near(logits, f):
		case near(logits, buggy):
			known = append(known, loss+": logits.npy holds the loss's in-place subtraction, not f(x)")
		default:
			t.Errorf("%s: logits.npy is not f(x): first row %v, f %v", loss, logits[:3], f[:3])
		}
		if acc := accuracy(f, y, 3); ev.Accuracy != acc {
			if loss == "mse" && ev.Accuracy == accuracy(buggy, y, 3) {
				known = append(known, fmt.Sprintf("mse: accuracy %v is that of f − onehot(y); of f it is %v", ev.Accuracy, acc))
			} else {
				t.Errorf("%s: accuracy %v, of f(x) %v", loss, ev.Accuracy, acc)
			}
		}
	}
	if len(known) > 0 {
		t.Fatalf("regression: %s", strings.Join(known, "; "))
	}
}

// ClusterConfig documents TestPerClass = 0 as "an empty test set" and the
// CLI accepts --test-per-class 0, so training without a test set should work.
func TestE2ETrainWithoutTestSet(t *testing.T) {
	out := filepath.Join(t.TempDir(), "model")
	args := []string{"train", "--data", "clusters", "--classes", "3", "--dim", "5", "--per-class", "10",
		"--test-per-class", "0", "--hidden", "4", "--epochs", "1", "--out", out, "--quiet"}
	r := runMinima(t, args...)
	if r.code == 1 && strings.Contains(r.stderr, "empty sample set") {
		nothingWritten(t, out)
		t.Fatalf("regression: %s", strings.TrimSpace(r.stderr))
	}
	expectExit(t, r, 0, args...)
	if _, err := graph.LoadModel(out); err != nil {
		t.Error(err)
	}
}

// An output directory that is, or contains, the model directory is refused
// even with --overwrite: replacing it would delete the input.
func TestE2EOutputMustNotReplaceInput(t *testing.T) {
	model := clustersModel(t)
	for _, args := range [][]string{
		{"eval", "--model", model, "--dump", model, "--overwrite"},
		{"hessian", "--model", model, "--out", filepath.Dir(model), "--overwrite"},
		{"sharpness", "--model", model, "--out", model, "--overwrite"},
		{"reparam", "--model", model, "--out", model, "--overwrite"},
	} {
		r := runMinima(t, args...)
		expectExit(t, r, 2, args...)
		if !strings.Contains(r.stderr, "would replace --model") {
			t.Errorf("%v: stderr %q", args, r.stderr)
		}
		if _, err := graph.LoadModel(model); err != nil {
			t.Fatalf("%v: model damaged: %v", args, err)
		}
	}
}

// More bad values that are usage errors (exit 2), caught before any work.
func TestE2EMoreUsageErrors(t *testing.T) {
	model := clustersModel(t)
	out := filepath.Join(t.TempDir(), "out")
	for _, args := range [][]string{
		{"trian"},
		{"train", "--data", "mnist", "--classes", "3", "--out", out},
		{"train", "--data", "clusters", "--subset", "30", "--out", out},
		{"train", "--data", "mnist", "--subset", "70000", "--out", out},
		{"eval", "--model", model, "--samples", "5000"},
		{"hessian", "--model", model, "--method", "exact", "--exact-limit", "10", "--out", out},
		{"hessian", "--model", model, "--tol", "NaN", "--out", out},
	} {
		r := runMinima(t, args...)
		expectExit(t, r, 2, args...)
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
			t.Errorf("%v: stderr is not one line: %q", args, r.stderr)
		}
		nothingWritten(t, out)
	}
}

// An output inside the model directory that holds its parameters, or that
// reaches the model through "..", is refused too.
func TestE2EOutputMustNotReplaceModelFiles(t *testing.T) {
	model := clustersModel(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Dir(link), model)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"eval", "--model", model, "--dump", filepath.Join(model, "params"), "--overwrite"},
		{"eval", "--model", model, "--dump", filepath.Join(filepath.Dir(link), rel), "--overwrite"},
	} {
		r := runMinima(t, args...)
		expectExit(t, r, 2, args...)
		if _, err := graph.LoadModel(model); err != nil {
			t.Fatalf("%v: model damaged: %v", args, err)
		}
	}
}
