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
	"github.com/minima-project/minima/internal/filetest"
	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/study"
)

// runSharpness runs `minima sharpness` with the small settings into out and
// returns measures.json raw and decoded.
func runSharpness(t *testing.T, model, out string, extra ...string) (map[string]json.RawMessage, study.Measures) {
	t.Helper()
	args := append([]string{"sharpness", "--model", model, "--out", out, "--subspace", "5", "--probes", "8",
		"--flatness-directions", "4", "--quiet"}, extra...)
	r := runMinima(t, args...)
	expectExit(t, r, 0, args...)
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

// `minima sharpness` writes every field of study.Measures; λ_max is the top
// of the exact spectrum, loss and accuracy are graph's, and the same seed
// gives the same file (but for the timing).
func TestE2ESharpnessMeasures(t *testing.T) {
	model := measuresModel(t)
	tmp := t.TempDir()
	out := filepath.Join(tmp, "res")
	raw, m := runSharpness(t, model, out)

	// Every field, by the documented names and by study.Measures' tags, and
	// nothing else.
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
	var sharp []map[string]json.RawMessage
	unmarshal(t, raw["sharpness"], &sharp)
	for i, s := range sharp {
		if ks := slices.Sorted(maps.Keys(s)); !slices.Equal(ks, []string{"eps", "max_loss", "subspace", "value"}) {
			t.Errorf("sharpness[%d] keys %v", i, ks)
		}
	}

	if m.Samples != measuresSamples || m.Params != measuresParams {
		t.Errorf("samples %d params %d, want %d %d", m.Samples, m.Params, measuresSamples, measuresParams)
	}

	// ε-sharpness: ε ∈ {1e-3, 5e-4} × {full space, p = 5}, each once.
	type key struct {
		eps float64
		p   int
	}
	var got []key
	for _, s := range m.Sharpness {
		got = append(got, key{s.Eps, s.Subspace})
		if !(s.Value >= 0) || math.IsInf(s.Value, 0) {
			t.Errorf("ε=%g p=%d: sharpness %v", s.Eps, s.Subspace, s.Value)
		}
		// φ = 100·(max L − L)/(1 + L).
		if want := 100 * (s.MaxLoss - m.Loss) / (1 + m.Loss); !numtest.RelClose(s.Value, want, 1e-9) {
			t.Errorf("ε=%g p=%d: sharpness %v, 100(max_loss − loss)/(1 + loss) = %v", s.Eps, s.Subspace, s.Value, want)
		}
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

	// λ_max against the exact spectrum of the same Hessian.
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
	exactTrace := 0.0
	for _, v := range ex.Values {
		exactTrace += v
	}
	if !(m.TraceStdErr > 0) || math.Abs(m.Trace-exactTrace) > 5*m.TraceStdErr {
		t.Errorf("Hutchinson trace %v ± %v, exact %v", m.Trace, m.TraceStdErr, exactTrace)
	}

	// Loss and accuracy are graph's.
	loss, acc, err := o.Evaluate(lm.Theta)
	if err != nil {
		t.Fatal(err)
	}
	if !numtest.RelClose(m.Loss, loss, 1e-12) || m.Accuracy != acc {
		t.Errorf("loss %.17g accuracy %v, Evaluate %.17g %v", m.Loss, m.Accuracy, loss, acc)
	}

	// The rest: present, finite and consistent with each other.
	if m.FlatnessEps != measures.DefaultFlatnessEps {
		t.Errorf("flatness_eps %v, want the default %v", m.FlatnessEps, measures.DefaultFlatnessEps)
	}
	if !(m.FlatnessGeoMean > 0) || !(m.FlatnessTopRadius > 0) || math.IsInf(m.FlatnessGeoMean, 0) {
		t.Errorf("flatness radii: geomean %v, top eigenvector %v", m.FlatnessGeoMean, m.FlatnessTopRadius)
	}
	if want := float64(measuresParams) * math.Log(m.FlatnessGeoMean); !numtest.RelClose(m.FlatnessLogVolume, want, 1e-9) {
		t.Errorf("flatness_log_volume %v, n·log(geomean) %v", m.FlatnessLogVolume, want)
	}
	for name, v := range map[string]float64{"asam": m.ASAM, "asam_eta": m.ASAMEta, "asam_rho": m.ASAMRho,
		"fisher_rao": m.FisherRao, "fisher_rao_model": m.FisherRaoM, "normalized_trace": m.NormTrace} {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want positive and finite", name, v)
		}
	}
	if math.IsNaN(m.RelFlatness) || math.IsInf(m.RelFlatness, 0) || !(m.RelFlatErr >= 0) {
		t.Errorf("relative_flatness %v ± %v", m.RelFlatness, m.RelFlatErr)
	}
	var timing report.Timing
	if err := report.ReadJSON(filepath.Join(out, "timing.json"), &timing); err != nil || m.HVPs <= 0 || !(timing.Seconds > 0) {
		t.Errorf("hvps %d, timing.json %+v (%v)", m.HVPs, timing, err)
	}

	// Same seed, same measures: identical files (the wall clock is in
	// timing.json).
	raw2, _ := runSharpness(t, model, filepath.Join(tmp, "res2"))
	if !reflect.DeepEqual(raw, raw2) {
		for k, v := range raw {
			if string(raw2[k]) != string(v) {
				t.Errorf("second run: %s = %s, first %s", k, raw2[k], v)
			}
		}
	}

	// --overwrite replaces the results directory.
	_, m3 := runSharpness(t, model, out, "--overwrite", "--eps", "2e-3", "--subspace", "0")
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

// `minima reparam` over α ∈ {0.1, 1, 10} on layer 0: every file, every model
// the same function, λ_max moving like α⁻², the invariant measures fixed.
func TestE2EReparamSweep(t *testing.T) {
	model := measuresModel(t)
	out := filepath.Join(t.TempDir(), "sweep")
	alphas := []float64{0.1, 1, 10}
	f := runReparam(t, model, out, "--alpha", "0.1,1,10")
	nonEmptyFiles(t, out, "reparam.json", "reparam.csv", "reparam.png", "report.md")

	if f.Kind != "layer" || f.Split != "train" || f.Layer != 0 || f.Samples != measuresSamples || f.Params != measuresParams || f.Model != model {
		t.Errorf("reparam.json header: model %q kind %q split %q layer %d samples %d params %d",
			f.Model, f.Kind, f.Split, f.Layer, f.Samples, f.Params)
	}
	rows := f.Rows
	if len(rows) != len(alphas) {
		t.Fatalf("%d rows, want %d", len(rows), len(alphas))
	}
	for i, r := range rows {
		if r.Alpha != alphas[i] || r.Measures == nil {
			t.Fatalf("row %d: alpha %v, measures %v", i, r.Alpha, r.Measures)
		}
	}

	// reparam.csv: the documented columns, and the values of reparam.json.
	recs := filetest.ReadCSV(t, filepath.Join(out, "reparam.csv"))
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

	// reparam.png decodes; report.md holds the sweep table.
	pf, err := os.Open(filepath.Join(out, "reparam.png"))
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
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if tbl := report.Markdown(table, "%.4g"); !strings.Contains(string(md), tbl) {
		t.Errorf("report.md does not contain the sweep table\n%s\nreport.md:\n%s", tbl, md)
	}
	if !strings.Contains(string(md), "| alpha |") || !strings.Contains(string(md), "reparam.png") {
		t.Errorf("report.md:\n%s", md)
	}

	// One model directory per α, loadable, holding T_α θ: layer 0 (W and b)
	// × α, layer 1's W × 1/α, its bias unchanged.
	orig := loadModel(t, model)
	const nW0, nb0, nW1 = 5 * 6, 6, 6 * 3
	for _, a := range alphas {
		dir := filepath.Join(out, "alpha_"+strconv.FormatFloat(a, 'g', -1, 64))
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

	// The α = 10 model computes the same function as the original, on the
	// training and the test samples.
	train, test := clusterSets(t, measuresPerClass, 1)
	a10 := loadModel(t, filepath.Join(out, "alpha_10"))
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

	// Same function: equivalence, loss and test accuracy agree in every row.
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

	// λ_max: α = 1 is the model's own; α = 0.1 is at least α⁻²·λ_max(H_11),
	// H_11 the first layer's weight block at α = 1, and so ≥ 10× α = 1's.
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

	// ASAM (η = 0) and the Fisher–Rao norm do not move.
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
