package main

// End-to-end tests of `minima sharpness` and `minima reparam`, run in process
// through run() with the helpers of helpers_test.go (so not in parallel), on
// the measures model (measuresModel).

import (
	"cmp"
	"encoding/json"
	"image/png"
	"maps"
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
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/study"
)

// sharpnessArgs are the arguments of `minima sharpness` with the small
// settings.
func sharpnessArgs(model, out string, extra ...string) []string {
	return append([]string{"sharpness", "--model", model, "--out", out, "--subspace", "5", "--probes", "8",
		"--flatness-directions", "4", "--quiet"}, extra...)
}

// runSharpness runs `minima sharpness` with the small settings into out and
// returns measures.json raw and decoded.
func runSharpness(t *testing.T, model, out string, extra ...string) (map[string]json.RawMessage, study.Measures) {
	t.Helper()
	r := runOK(t, sharpnessArgs(model, out, extra...)...)
	if !strings.Contains(r.stdout, "wrote "+out) || !strings.Contains(r.stdout, "lambda_max") {
		t.Errorf("stdout %q", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("--quiet, yet stderr %q", r.stderr)
	}
	raw := filetest.ReadJSONObject(t, filepath.Join(out, "measures.json"))
	var m study.Measures
	if err := report.ReadJSON(filepath.Join(out, "measures.json"), &m); err != nil {
		t.Fatal(err)
	}
	noLeftovers(t, filepath.Dir(out), filepath.Base(out))
	return raw, m
}

// sharpnessRun is `minima sharpness` of the measures model with the small
// settings (runSharpness's), run once per test binary: the model and results
// directories (shared: tests only read them), what the command printed, and
// measures.json raw and decoded.
type sharpnessRun struct {
	model, out string
	result
	raw map[string]json.RawMessage
	m   study.Measures
}

var sharpnessOnce shared[sharpnessRun]

// sharedSharpness returns the sharpness run of the measures model.
func sharedSharpness(tb testing.TB) sharpnessRun {
	tb.Helper()
	model := sharedMeasuresModel(tb)
	return sharpnessOnce.get(tb, func() (sharpnessRun, error) {
		s := sharpnessRun{model: model, out: filepath.Join(fixtures, "sharpness")}
		var err error
		if s.result, err = captureOK(sharpnessArgs(model, s.out)...); err != nil {
			return s, err
		}
		path := filepath.Join(s.out, "measures.json")
		if err := report.ReadJSON(path, &s.raw); err != nil {
			return s, err
		}
		return s, report.ReadJSON(path, &s.m)
	})
}

// trainingSpectrum is the exact spectrum of the Hessian of the measures
// model's mean training loss (its data regenerated), and the objective.
func trainingSpectrum(t *testing.T, model string) (*graph.Model, *graph.Objective, *measures.ExactResult) {
	t.Helper()
	lm := loadModel(t, model)
	train, _ := clusterSets(t, measuresPerClass, 1)
	o := objective(t, lm.Spec, train)
	op, err := o.Hessian(lm.Theta)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := measures.ExactSpectrum(op, nil)
	if err != nil {
		t.Fatal(err)
	}
	return lm, o, ex
}

// `minima sharpness` says where it wrote and what λ_max is, prints nothing
// on stderr with --quiet, and leaves no temporary directory.
func TestE2ESharpnessOutput(t *testing.T) {
	s := sharedSharpness(t)
	if !strings.Contains(s.stdout, "wrote "+s.out) || !strings.Contains(s.stdout, "lambda_max") {
		t.Errorf("stdout %q", s.stdout)
	}
	if s.stderr != "" {
		t.Errorf("--quiet, yet stderr %q", s.stderr)
	}
	noLeftovers(t, filepath.Dir(s.out), filepath.Base(s.out))
}

// measures.json holds every field, by the documented names and by
// study.Measures' tags, and nothing else.
func TestE2ESharpnessWritesEveryField(t *testing.T) {
	raw := sharedSharpness(t).raw
	documented := []string{"samples", "params", "loss", "accuracy", "lambda_max", "lambda_max_residual",
		"lambda_max_converged", "top_k", "top_k_residuals", "trace", "trace_stderr", "sharpness", "flatness_eps", "flatness_radius_geomean",
		"flatness_radius_top_eigvec", "flatness_log_volume", "asam", "asam_eta", "asam_rho", "fisher_rao",
		"fisher_rao_model", "normalized_trace", "relative_flatness", "relative_flatness_stderr", "hvps"}
	tags := jsonKeys(reflect.TypeFor[study.Measures]())
	for _, k := range documented {
		if !slices.Contains(tags, k) {
			t.Errorf("study.Measures has no field tagged %q", k)
		}
	}
	for _, k := range tags {
		if _, ok := raw[k]; !ok {
			t.Errorf("measures.json has no %q", k)
		}
	}
	if len(raw) != len(tags) {
		t.Errorf("measures.json keys %v, study.Measures fields %v", slices.Sorted(maps.Keys(raw)), tags)
	}
}

// Each ε-sharpness entry has the fields eps, max_loss, subspace and value.
func TestE2ESharpnessEntryFields(t *testing.T) {
	var sharp []map[string]json.RawMessage
	unmarshal(t, sharedSharpness(t).raw["sharpness"], &sharp)
	for i, s := range sharp {
		if ks := slices.Sorted(maps.Keys(s)); !slices.Equal(ks, []string{"eps", "max_loss", "subspace", "value"}) {
			t.Errorf("sharpness[%d] keys %v", i, ks)
		}
	}
}

// samples and params are those of the measures model.
func TestE2ESharpnessSamplesAndParams(t *testing.T) {
	if m := sharedSharpness(t).m; m.Samples != measuresSamples || m.Params != measuresParams {
		t.Errorf("samples %d params %d, want %d %d", m.Samples, m.Params, measuresSamples, measuresParams)
	}
}

// ε-sharpness: ε ∈ {1e-3, 5e-4} × {full space, p = 5}, each once.
func TestE2ESharpnessEpsAndSubspaces(t *testing.T) {
	type key struct {
		eps float64
		p   int
	}
	var got []key
	for _, s := range sharedSharpness(t).m.Sharpness {
		got = append(got, key{s.Eps, s.Subspace})
	}
	want := []key{{1e-3, 0}, {1e-3, 5}, {5e-4, 0}, {5e-4, 5}}
	if len(got) != len(want) {
		t.Errorf("sharpness entries %v, want %v", got, want)
	}
	for _, k := range want {
		if !slices.Contains(got, k) {
			t.Errorf("no ε-sharpness for ε=%g subspace=%d (have %v)", k.eps, k.p, got)
		}
	}
}

// Each ε-sharpness value is finite, ≥ 0, and φ = 100·(max L − L)/(1 + L).
func TestE2ESharpnessValues(t *testing.T) {
	m := sharedSharpness(t).m
	for _, s := range m.Sharpness {
		if !(s.Value >= 0) || math.IsInf(s.Value, 0) {
			t.Errorf("ε=%g p=%d: sharpness %v", s.Eps, s.Subspace, s.Value)
		}
		if want := 100 * (s.MaxLoss - m.Loss) / (1 + m.Loss); !numtest.RelClose(s.Value, want, 1e-9) {
			t.Errorf("ε=%g p=%d: sharpness %v, 100(max_loss − loss)/(1 + loss) = %v", s.Eps, s.Subspace, s.Value, want)
		}
	}
}

// λ_max and top_k are the top of the exact spectrum of the same Hessian, with
// converged, small residuals.
func TestE2ESharpnessLambdaMaxIsExactTop(t *testing.T) {
	s := sharedSharpness(t)
	m := s.m
	_, _, ex := trainingSpectrum(t, s.model)
	top := ex.Values[len(ex.Values)-1]
	if !numtest.RelClose(m.LambdaMax, top, 1e-6) {
		t.Errorf("lambda_max %.17g, exact top eigenvalue %.17g", m.LambdaMax, top)
	}
	if len(m.TopK) != 5 || m.TopK[0] != m.LambdaMax || len(m.TopKResiduals) != 5 || !slices.IsSortedFunc(m.TopK, func(a, b float64) int { return cmp.Compare(b, a) }) {
		t.Errorf("top_k %v (residuals %v): want 5 values, descending, starting at lambda_max", m.TopK, m.TopKResiduals)
	}
	for i, v := range m.TopK {
		if want := ex.Values[len(ex.Values)-1-i]; !numtest.RelClose(v, want, 1e-6) {
			t.Errorf("top_k[%d] = %.17g, exact %.17g", i, v, want)
		}
	}
	if !m.LambdaMaxConverged || !(m.LambdaMaxResidual >= 0) || m.LambdaMaxResidual > 1e-6*math.Abs(top) {
		t.Errorf("lambda_max_converged %v, residual %v (λ_max %v)", m.LambdaMaxConverged, m.LambdaMaxResidual, top)
	}
}

// Hutchinson's trace lies within 5 standard errors of the exact trace.
func TestE2ESharpnessTraceWithinStdErr(t *testing.T) {
	s := sharedSharpness(t)
	m := s.m
	_, _, ex := trainingSpectrum(t, s.model)
	exactTrace := 0.0
	for _, v := range ex.Values {
		exactTrace += v
	}
	if !(m.TraceStdErr > 0) || math.Abs(m.Trace-exactTrace) > 5*m.TraceStdErr {
		t.Errorf("Hutchinson trace %v ± %v, exact %v", m.Trace, m.TraceStdErr, exactTrace)
	}
}

// Loss and accuracy are graph's.
func TestE2ESharpnessLossIsGraphs(t *testing.T) {
	s := sharedSharpness(t)
	m := s.m
	lm, o, _ := trainingSpectrum(t, s.model)
	loss, acc, err := o.Evaluate(lm.Theta)
	if err != nil {
		t.Fatal(err)
	}
	if !numtest.RelClose(m.Loss, loss, 1e-12) || m.Accuracy != acc {
		t.Errorf("loss %.17g accuracy %v, Evaluate %.17g %v", m.Loss, m.Accuracy, loss, acc)
	}
}

// The flatness radii are positive and finite at the default ε, and the log
// volume is n·log(geometric mean radius).
func TestE2ESharpnessFlatness(t *testing.T) {
	m := sharedSharpness(t).m
	if m.FlatnessEps != measures.DefaultFlatnessEps {
		t.Errorf("flatness_eps %v, want the default %v", m.FlatnessEps, measures.DefaultFlatnessEps)
	}
	if !(m.FlatnessGeoMean > 0) || !(m.FlatnessTopRadius > 0) || math.IsInf(m.FlatnessGeoMean, 0) {
		t.Errorf("flatness radii: geomean %v, top eigenvector %v", m.FlatnessGeoMean, m.FlatnessTopRadius)
	}
	if want := float64(measuresParams) * math.Log(m.FlatnessGeoMean); !numtest.RelClose(m.FlatnessLogVolume, want, 1e-9) {
		t.Errorf("flatness_log_volume %v, n·log(geomean) %v", m.FlatnessLogVolume, want)
	}
}

// ASAM, the Fisher–Rao norms and the normalized trace are positive and
// finite; the relative flatness is finite with a standard error ≥ 0.
func TestE2ESharpnessOtherMeasuresFinite(t *testing.T) {
	m := sharedSharpness(t).m
	for name, v := range map[string]float64{"asam": m.ASAM, "asam_eta": m.ASAMEta, "asam_rho": m.ASAMRho,
		"fisher_rao": m.FisherRao, "fisher_rao_model": m.FisherRaoM, "normalized_trace": m.NormTrace} {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want positive and finite", name, v)
		}
	}
	if math.IsNaN(m.RelFlatness) || math.IsInf(m.RelFlatness, 0) || !(m.RelFlatErr >= 0) {
		t.Errorf("relative_flatness %v ± %v", m.RelFlatness, m.RelFlatErr)
	}
}

// The run counts its Hessian-vector products and writes its wall clock to
// timing.json.
func TestE2ESharpnessTiming(t *testing.T) {
	s := sharedSharpness(t)
	var timing report.Timing
	if err := report.ReadJSON(filepath.Join(s.out, "timing.json"), &timing); err != nil || s.m.HVPs <= 0 || !(timing.Seconds > 0) {
		t.Errorf("hvps %d, timing.json %+v (%v)", s.m.HVPs, timing, err)
	}
}

// Same seed, same measures: identical files (the wall clock is in
// timing.json).
func TestE2ESharpnessDeterministic(t *testing.T) {
	s := sharedSharpness(t)
	raw2, _ := runSharpness(t, s.model, filepath.Join(t.TempDir(), "res2"))
	if !reflect.DeepEqual(s.raw, raw2) {
		for k, v := range s.raw {
			if string(raw2[k]) != string(v) {
				t.Errorf("second run: %s = %s, first %s", k, raw2[k], v)
			}
		}
	}
}

// --overwrite replaces the results directory.
func TestE2ESharpnessOverwrite(t *testing.T) {
	s := sharedSharpness(t)
	out := copyDir(t, s.out)
	_, m3 := runSharpness(t, s.model, out, "--overwrite", "--eps", "2e-3", "--subspace", "0")
	if len(m3.Sharpness) != 1 || m3.Sharpness[0].Eps != 2e-3 || m3.Sharpness[0].Subspace != 0 {
		t.Errorf("--overwrite --eps 2e-3 --subspace 0: sharpness %+v", m3.Sharpness)
	}
}

// A subspace at least as large as the parameter count is the full space: it
// is skipped, not an error.
func TestE2ESharpnessSubspaceBeyondParams(t *testing.T) {
	model := measuresModel(t)
	tmp := t.TempDir()
	for _, p := range []int{measuresParams, 1000} {
		out := filepath.Join(tmp, "p"+strconv.Itoa(p))
		_, m := runSharpness(t, model, out, "--subspace", strconv.Itoa(p))
		if len(m.Sharpness) != 2 {
			t.Errorf("--subspace %d: %d ε-sharpness entries, want 2 (full space only): %+v", p, len(m.Sharpness), m.Sharpness)
		}
		for _, s := range m.Sharpness {
			if s.Subspace != 0 {
				t.Errorf("--subspace %d with %d parameters: entry %+v", p, measuresParams, s)
			}
		}
	}
	// Just below: the subspace is measured.
	_, m := runSharpness(t, model, filepath.Join(tmp, "below"), "--subspace", strconv.Itoa(measuresParams-1))
	if len(m.Sharpness) != 4 || m.Sharpness[1].Subspace != measuresParams-1 {
		t.Errorf("--subspace %d: %+v", measuresParams-1, m.Sharpness)
	}
}

// sweepAlphas are the scales of the shared reparam sweep.
var sweepAlphas = []float64{0.1, 1, 10}

// sweepRun is `minima reparam` over α ∈ {0.1, 1, 10} on layer 0 of the
// measures model with the small measure settings, run once per test binary:
// the model and results directories (shared: tests only read them), what the
// command printed, and reparam.json.
type sweepRun struct {
	model, out string
	result
	f reparamFile
}

var sweepOnce shared[sweepRun]

// sharedSweep returns the reparam sweep of the measures model, failing
// unless reparam.json has one row with measures per α.
func sharedSweep(tb testing.TB) sweepRun {
	tb.Helper()
	model := sharedMeasuresModel(tb)
	s := sweepOnce.get(tb, func() (sweepRun, error) {
		s := sweepRun{model: model, out: filepath.Join(fixtures, "sweep")}
		var err error
		if s.result, err = captureOK(reparamArgs(model, s.out, "--alpha", "0.1,1,10")...); err != nil {
			return s, err
		}
		return s, report.ReadJSON(filepath.Join(s.out, "reparam.json"), &s.f)
	})
	rows := s.f.Rows
	if len(rows) != len(sweepAlphas) {
		tb.Fatalf("%d rows, want %d", len(rows), len(sweepAlphas))
	}
	for i, r := range rows {
		if r.Alpha != sweepAlphas[i] || r.Measures == nil {
			tb.Fatalf("row %d: alpha %v, measures %v", i, r.Alpha, r.Measures)
		}
	}
	return s
}

// `minima reparam` says where it wrote, writes every file, and leaves no
// temporary directory.
func TestE2EReparamWritesFiles(t *testing.T) {
	s := sharedSweep(t)
	if !strings.Contains(s.stdout, "wrote "+s.out) {
		t.Errorf("stdout %q", s.stdout)
	}
	nonEmptyFiles(t, s.out, "reparam.json", "reparam.csv", "reparam.png", "report.md")
	noLeftovers(t, filepath.Dir(s.out), filepath.Base(s.out))
}

// reparam.json's header describes the sweep.
func TestE2EReparamHeader(t *testing.T) {
	s := sharedSweep(t)
	if f := s.f; f.Kind != "layer" || f.Split != "train" || f.Layer != 0 || f.Samples != measuresSamples || f.Params != measuresParams || f.Model != s.model {
		t.Errorf("reparam.json header: model %q kind %q split %q layer %d samples %d params %d",
			f.Model, f.Kind, f.Split, f.Layer, f.Samples, f.Params)
	}
}

// reparam.csv has the documented columns and the values of reparam.json.
func TestE2EReparamCSV(t *testing.T) {
	s := sharedSweep(t)
	rows := s.f.Rows
	recs := filetest.ReadCSV(t, filepath.Join(s.out, "reparam.csv"))
	header := []string{"alpha", "loss", "train_accuracy", "test_accuracy", "equivalence", "lambda_max", "trace", "eps_sharpness",
		"eps_sharpness_subspace", "flatness_radius_geomean", "asam", "asam_eta", "fisher_rao", "normalized_trace", "relative_flatness"}
	if len(recs) != len(rows)+1 || !slices.Equal(recs[0], header) {
		t.Fatalf("reparam.csv: %d records, header %v, want %v", len(recs), recs[0], header)
	}
	table := study.SweepTable(rows)
	for i, rec := range recs[1:] {
		for j, cell := range rec {
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				t.Errorf("reparam.csv row %d column %s: %q", i+1, header[j], cell)
				continue
			}
			if w, ok := table.Rows[i][j].(float64); !ok || v != w {
				t.Errorf("reparam.csv row %d column %s = %v, reparam.json gives %v", i+1, header[j], v, table.Rows[i][j])
			}
		}
	}
	if v, _ := strconv.ParseFloat(recs[1][5], 64); v != rows[0].LambdaMax {
		t.Errorf("reparam.csv lambda_max %v, reparam.json %v", v, rows[0].LambdaMax)
	}
}

// reparam.png decodes to an image of some size.
func TestE2EReparamPNG(t *testing.T) {
	pf, err := os.Open(filepath.Join(sharedSweep(t).out, "reparam.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(pf)
	pf.Close()
	if err != nil {
		t.Errorf("reparam.png: %v", err)
	} else if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("reparam.png is %v", b)
	}
}

// report.md holds the sweep table and shows the plot.
func TestE2EReparamReport(t *testing.T) {
	s := sharedSweep(t)
	md, err := os.ReadFile(filepath.Join(s.out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if tbl := report.Markdown(study.SweepTable(s.f.Rows), "%.4g"); !strings.Contains(string(md), tbl) {
		t.Errorf("report.md does not contain the sweep table\n%s\nreport.md:\n%s", tbl, md)
	}
	if !strings.Contains(string(md), "| alpha |") || !strings.Contains(string(md), "reparam.png") {
		t.Errorf("report.md:\n%s", md)
	}
}

// One model directory per α, loadable, holding T_α θ: layer 0 (W and b)
// × α, layer 1's W × 1/α, its bias unchanged.
func TestE2EReparamModelsAreTAlpha(t *testing.T) {
	s := sharedSweep(t)
	orig := loadModel(t, s.model)
	const nW0, nb0, nW1 = 5 * 6, 6, 6 * 3
	for _, a := range sweepAlphas {
		dir := filepath.Join(s.out, "alpha_"+strconv.FormatFloat(a, 'g', -1, 64))
		am := loadModel(t, dir)
		if !reflect.DeepEqual(am.Spec, orig.Spec) || len(am.Theta) != measuresParams {
			t.Errorf("%s: spec %+v, %d parameters", dir, am.Spec, len(am.Theta))
			continue
		}
		for i, v := range orig.Theta {
			c := 1.0
			switch {
			case i < nW0+nb0:
				c = a
			case i < nW0+nb0+nW1:
				c = 1 / a
			}
			if w := c * v; math.Abs(am.Theta[i]-w) > 1e-15*math.Abs(w) {
				t.Errorf("%s: θ[%d] = %v, want %v·%v", dir, i, am.Theta[i], c, v)
				break
			}
		}
		if a == 1 && !slices.Equal(am.Theta, orig.Theta) {
			t.Errorf("α = 1 changed θ")
		}
	}
}

// The α = 10 model computes the same function as the original, on the
// training and the test samples.
func TestE2EReparamModelIsSameFunction(t *testing.T) {
	s := sharedSweep(t)
	orig := loadModel(t, s.model)
	a10 := loadModel(t, filepath.Join(s.out, "alpha_10"))
	train, test := clusterSets(t, measuresPerClass, 1)
	for _, set := range []*datasets.Set{train, test} {
		o := objective(t, orig.Spec, set)
		f0, err := o.Logits(orig.Theta)
		if err != nil {
			t.Fatal(err)
		}
		f1, err := o.Logits(a10.Theta)
		if err != nil {
			t.Fatal(err)
		}
		d := 0.0
		for i := range f0 {
			d = math.Max(d, math.Abs(f0[i]-f1[i]))
		}
		if eq := d / numtest.MaxAbs(f0); eq > 1e-12 {
			t.Errorf("α = 10: max|f_θ − f_Tθ|/max|f_θ| = %g over %d samples", eq, set.N)
		}
	}
}

// Same function: equivalence, loss and accuracies agree in every row.
func TestE2EReparamRowsAreSameFunction(t *testing.T) {
	rows := sharedSweep(t).f.Rows
	for _, r := range rows {
		if r.Equivalence > 1e-12 || !(r.Equivalence >= 0) {
			t.Errorf("α = %g: equivalence %g", r.Alpha, r.Equivalence)
		}
		if !numtest.RelClose(r.Loss, rows[1].Loss, 1e-12) || r.TrainAcc != rows[1].TrainAcc {
			t.Errorf("α = %g: loss %.17g train acc %v, at α = 1 %.17g %v", r.Alpha, r.Loss, r.TrainAcc, rows[1].Loss, rows[1].TrainAcc)
		}
		if r.TestAcc == nil || rows[1].TestAcc == nil || *r.TestAcc != *rows[1].TestAcc {
			t.Errorf("α = %g: test accuracy %v, at α = 1 %v", r.Alpha, r.TestAcc, rows[1].TestAcc)
		}
		if r.Samples != measuresSamples || r.Params != measuresParams {
			t.Errorf("α = %g: samples %d params %d", r.Alpha, r.Samples, r.Params)
		}
	}
}

// λ_max: α = 1 is the model's own; α = 0.1 is at least α⁻²·λ_max(H_11),
// H_11 the first layer's weight block at α = 1, and so ≥ 10× α = 1's.
func TestE2EReparamLambdaMaxMoves(t *testing.T) {
	s := sharedSweep(t)
	rows := s.f.Rows
	orig := loadModel(t, s.model)
	train, _ := clusterSets(t, measuresPerClass, 1)
	o := objective(t, orig.Spec, train)
	op, err := o.Hessian(orig.Theta)
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := measures.DenseMatrix(op, 0)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := measures.ExactSpectrum(op, nil)
	if err != nil {
		t.Fatal(err)
	}
	if top := ex.Values[len(ex.Values)-1]; !numtest.RelClose(rows[1].LambdaMax, top, 1e-6) {
		t.Errorf("α = 1: λ_max %.17g, exact %.17g", rows[1].LambdaMax, top)
	}
	const nW0 = 5 * 6
	block := &measures.Dense{N: nW0, Data: make([]float64, nW0*nW0)}
	for i := range nW0 {
		for j := range nW0 {
			block.Data[i*nW0+j] = h.At(i, j)
		}
	}
	bx, err := measures.ExactSpectrum(block, nil)
	if err != nil {
		t.Fatal(err)
	}
	l11 := bx.Values[nW0-1]
	if !(l11 > 0) {
		t.Fatalf("λ_max(H_11) = %v", l11)
	}
	if bound := l11 / (0.1 * 0.1); rows[0].LambdaMax < (1-1e-6)*bound {
		t.Errorf("α = 0.1: λ_max %v < α⁻²·λ_max(H_11) = %v", rows[0].LambdaMax, bound)
	}
	if rows[0].LambdaMax < 10*rows[1].LambdaMax {
		t.Errorf("λ_max at α = 0.1 is %v, at α = 1 %v: less than 10×", rows[0].LambdaMax, rows[1].LambdaMax)
	}
}

// ASAM (η = 0) and the Fisher–Rao norm do not move.
func TestE2EReparamInvariantsFixed(t *testing.T) {
	rows := sharedSweep(t).f.Rows
	for _, r := range rows {
		if !numtest.RelClose(r.ASAM, rows[1].ASAM, 1e-6) || !numtest.RelClose(r.FisherRao, rows[1].FisherRao, 1e-6) {
			t.Errorf("α = %g: asam %.17g fisher_rao %.17g, at α = 1 %.17g %.17g", r.Alpha, r.ASAM, r.FisherRao, rows[1].ASAM, rows[1].FisherRao)
		}
	}
}

// Per-neuron rescaling of the hidden layer runs too; the function, ASAM
// (η = 0) and the Fisher–Rao norm are unchanged.
func TestE2EReparamNeuron(t *testing.T) {
	model := measuresModel(t)
	out := filepath.Join(t.TempDir(), "neuron")
	f := runReparam(t, model, out, "--kind", "neuron", "--layer", "0", "--alpha", "0.3,1,3")
	nonEmptyFiles(t, out, "reparam.json", "reparam.csv", "reparam.png", "report.md")
	if f.Kind != "neuron" || len(f.Rows) != 3 {
		t.Fatalf("kind %q, %d rows", f.Kind, len(f.Rows))
	}
	ref := f.Rows[1]
	for _, r := range f.Rows {
		if r.Equivalence > 1e-12 || !numtest.RelClose(r.Loss, ref.Loss, 1e-12) || *r.TestAcc != *ref.TestAcc {
			t.Errorf("α = %g: equivalence %g, loss %v (α = 1: %v), test acc %v (%v)", r.Alpha, r.Equivalence, r.Loss, ref.Loss, *r.TestAcc, *ref.TestAcc)
		}
		if !numtest.RelClose(r.ASAM, ref.ASAM, 1e-6) || !numtest.RelClose(r.FisherRao, ref.FisherRao, 1e-6) {
			t.Errorf("α = %g: asam %v fisher_rao %v, at α = 1 %v %v", r.Alpha, r.ASAM, r.FisherRao, ref.ASAM, ref.FisherRao)
		}
	}
	for _, a := range []string{"0.3", "1", "3"} {
		loadModel(t, filepath.Join(out, "alpha_"+a))
	}
}

// Bad values for sharpness and reparam exit 2 with one line on stderr and
// create nothing; an existing --out is left as it was.
func TestE2EMeasuresUsageErrors(t *testing.T) {
	model := measuresModel(t)
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	existing := filepath.Join(tmp, "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(existing, "keep.txt")
	if err := os.WriteFile(marker, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	common := []struct {
		name  string
		extra []string
		msg   string
	}{
		{"eps 0", []string{"--eps", "0", "--out", out}, "--eps"},
		{"eps Inf", []string{"--eps", "Inf", "--out", out}, "--eps"},
		{"eps NaN", []string{"--eps", "1e-3,NaN", "--out", out}, "--eps"},
		{"lambda-tol 2", []string{"--lambda-tol", "2", "--out", out}, "--lambda-tol"},
		{"probes 1", []string{"--probes", "1", "--out", out}, "--probes"},
		{"missing out", nil, "--out"},
		{"existing out", []string{"--out", existing}, "already exists"},
	}
	type tc struct {
		name string
		args []string
		msg  string
	}
	var cases []tc
	for _, cmd := range []string{"sharpness", "reparam"} {
		for _, c := range common {
			cases = append(cases, tc{cmd + " " + c.name, append([]string{cmd, "--model", model, "--quiet"}, c.extra...), c.msg})
		}
	}
	rp := func(extra ...string) []string {
		return append([]string{"reparam", "--model", model, "--out", out, "--quiet"}, extra...)
	}
	cases = append(cases,
		tc{"alpha 0", rp("--alpha", "0"), "--alpha"},
		tc{"alpha negative", rp("--alpha", "1,-2"), "--alpha"},
		tc{"alpha duplicate", rp("--alpha", "1,2,1"), "twice"},
		tc{"kind bogus", rp("--kind", "bogus"), "--kind"},
		tc{"layer 5", rp("--layer", "5"), "--layer 5"},
		tc{"layer -1", rp("--layer", "-1"), "--layer -1"},
		tc{"neuron on the last layer", rp("--kind", "neuron", "--layer", "1"), "--layer 1"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runMinima(t, c.args...)
			expectExit(t, r, 2, c.args...)
			if !strings.HasPrefix(r.stderr, "minima: ") || !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
			if !strings.Contains(r.stderr, c.msg) {
				t.Errorf("stderr %q does not mention %q", r.stderr, c.msg)
			}
			if want := "'minima " + c.args[0] + " --help'"; !strings.Contains(r.stderr, want) {
				t.Errorf("stderr %q does not hint %s", r.stderr, want)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q", r.stdout)
			}
			nothingWritten(t, out)
			entries, err := os.ReadDir(existing)
			if err != nil || len(entries) != 1 || entries[0].Name() != "keep.txt" {
				t.Errorf("existing --out changed: %v, %v", entries, err)
			}
			if b, err := os.ReadFile(marker); err != nil || string(b) != "keep" {
				t.Errorf("existing --out's file: %q, %v", b, err)
			}
			noLeftovers(t, tmp, "existing")
		})
	}
}
