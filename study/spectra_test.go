package study_test

// Cross-checks of the spectral measures on real network Hessians: tiny ReLU
// MLPs built with graph (about 80 parameters, so the dense Hessian and its
// exact spectrum are ground truth in well under a second).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/filetest"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/study"
)

// netHessian is the Hessian of a tiny network's mean loss at one θ, with its
// exact spectrum and eigenvectors as ground truth.
type netHessian struct {
	name    string
	obj     *graph.Objective
	op      *graph.Hessian
	samples int
	exact   *measures.ExactResult
	dense   *mat.SymDense
}

// scale is max |λ|, the scale all tolerances are relative to.
func (h *netHessian) scale() float64 {
	v := h.exact.Values
	return math.Max(math.Abs(v[0]), math.Abs(v[len(v)-1]))
}

// trace is Σλ of the exact spectrum.
func (h *netHessian) trace() float64 { return floats.Sum(h.exact.Values) }

// hutchinsonVariance is the variance of one Rademacher probe zᵀHz,
// 2·Σ_{i≠j} H_ij², from the dense matrix.
func (h *netHessian) hutchinsonVariance() float64 {
	n := h.dense.SymmetricDim()
	s := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				s += h.dense.At(i, j) * h.dense.At(i, j)
			}
		}
	}
	return 2 * s
}

// spectraClusters is the 3-class clusters data set of these tests (60
// training samples in 4 dimensions).
func spectraClusters() (*datasets.Set, error) {
	train, _, err := datasets.Clusters(datasets.ClusterConfig{Classes: 3, Dim: 4, PerClass: 20, TestPerClass: 5, Seed: 1})
	return train, err
}

// spectra holds the Hessians of spectraNets, computed once per test binary.
// Their objectives stay open until the binary exits; the tests using them
// run one after the other and only read them (Products, which the HVP
// accounting reads as a difference, is the one thing that changes).
var spectra struct {
	once sync.Once
	nets []*netHessian
	err  error
}

// spectraNets returns the Hessians of a 4-6-5-3 ReLU MLP with biases (83
// parameters, cross-entropy) on the clusters data: after 40 epochs of SGD (a
// spectrum with a large outlier, a bulk near 0 and a few small negative
// eigenvalues) and at a random He initialisation.
func spectraNets(t testing.TB) []*netHessian {
	t.Helper()
	spectra.once.Do(func() { spectra.nets, spectra.err = buildSpectraNets() })
	if spectra.err != nil {
		t.Fatal(spectra.err)
	}
	return spectra.nets
}

func buildSpectraNets() ([]*netHessian, error) {
	set, err := spectraClusters()
	if err != nil {
		return nil, err
	}
	spec := graph.MLP(4, []int{6, 5}, 3, true, loss.CrossEntropy)
	trained, err := graph.Train(spec, set, nil, graph.TrainSettings{BatchSize: 10, Epochs: 40, LR: 0.05, Init: graph.He, Seed: 1})
	if err != nil {
		return nil, err
	}
	random, err := graph.Init(spec, graph.He, 7)
	if err != nil {
		return nil, err
	}
	var out []*netHessian
	for _, c := range []struct {
		name  string
		theta []float64
	}{{"trained", trained.Theta}, {"random", random}} {
		o, err := graph.NewObjective(spec, set, 0)
		if err != nil {
			return nil, err
		}
		op, err := o.Hessian(c.theta)
		if err != nil {
			return nil, err
		}
		ex, err := measures.ExactSpectrum(op, &measures.ExactSettings{Vectors: true})
		if err != nil {
			return nil, err
		}
		dense, _, err := measures.DenseMatrix(op, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, &netHessian{name: c.name, obj: o, op: op, samples: set.N, exact: ex, dense: dense})
	}
	return out, nil
}

// residual returns ‖Hv − λv‖ computed with one product.
func residual(t *testing.T, op measures.Operator, lambda float64, v []float64) float64 {
	t.Helper()
	hv := make([]float64, len(v))
	if err := op.Apply(hv, v); err != nil {
		t.Fatal(err)
	}
	floats.AddScaled(hv, -lambda, v)
	return floats.Norm(hv, 2)
}

// The dense Hessian from n products is symmetric to rounding, its exact
// spectrum is n ascending values whose sum is the trace from the diagonal,
// and its extreme eigenvectors are eigenvectors of the operator itself.
func TestNetHessianExactSpectrum(t *testing.T) {
	for _, h := range spectraNets(t) {
		t.Run(h.name, func(t *testing.T) {
			n := h.op.Dim()
			vals := h.exact.Values
			if n != 83 || len(vals) != n || h.exact.Products != n {
				t.Fatalf("dim %d, %d eigenvalues, %d products; want 83 each", n, len(vals), h.exact.Products)
			}
			if !slices.IsSorted(vals) {
				t.Errorf("eigenvalues not ascending")
			}
			// Exact second derivatives: the products are symmetric up to
			// summation-order rounding, ~1e-16 for entries of O(1).
			if h.exact.Asymmetry > 1e-10 {
				t.Errorf("asymmetry %.3g > 1e-10", h.exact.Asymmetry)
			}
			scale := h.scale()
			if !(scale > 0) {
				t.Fatalf("zero Hessian")
			}
			tr := mat.Trace(h.dense) // Σ e_iᵀ·H·e_i, from the products
			if d := math.Abs(h.trace() - tr); d > 1e-10*math.Max(math.Abs(tr), scale) {
				t.Errorf("Σλ = %.17g, trace of the products = %.17g", h.trace(), tr)
			}
			// Eigenvectors of the dense matrix are eigenvectors of Apply:
			// dsyev is backward stable, residual ~1e-15·scale.
			for _, i := range []int{0, 1, 2, n - 3, n - 2, n - 1} {
				u := mat.Col(nil, i, h.exact.Vectors)
				if r := residual(t, h.op, vals[i], u); r > 1e-10*scale {
					t.Errorf("eigenpair %d (λ = %.6g): ‖Hu − λu‖ = %.3g", i, vals[i], r)
				}
			}
			t.Logf("λ ∈ [%.4g, %.4g], trace %.6g", vals[0], vals[n-1], tr)
		})
	}
}

// Lanczos with Tol 1e-10 returns the 5 largest and 5 smallest eigenvalues of
// the exact spectrum to 1e-8 of the largest |λ| (a residual r bounds the
// eigenvalue error by r ≤ 1e-10·scale; 1e-8 leaves room for the scale being
// estimated from below), and its reported residuals are the true ones.
func TestLanczosMatchesExactOnNetHessian(t *testing.T) {
	const tol = 1e-10
	for _, h := range spectraNets(t) {
		t.Run(h.name, func(t *testing.T) {
			vals := h.exact.Values
			n := len(vals)
			scale := h.scale()
			res, err := measures.Lanczos(h.op, &measures.LanczosSettings{Top: 5, Bottom: 5, Tol: tol, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Converged || res.Incomplete {
				t.Errorf("converged %v, incomplete %v after %d products", res.Converged, res.Incomplete, res.Products)
			}
			if len(res.Top) != 5 || len(res.Bottom) != 5 || len(res.TopVectors) != 5 || len(res.BottomVectors) != 5 ||
				len(res.TopResiduals) != 5 || len(res.BottomResiduals) != 5 {
				t.Fatalf("lengths: top %d bottom %d vectors %d/%d residuals %d/%d", len(res.Top), len(res.Bottom),
					len(res.TopVectors), len(res.BottomVectors), len(res.TopResiduals), len(res.BottomResiduals))
			}
			if math.Abs(res.Scale-scale) > 1e-8*scale {
				t.Errorf("Lanczos scale %.17g, max|λ| %.17g", res.Scale, scale)
			}
			check := func(which string, i int, got, want float64, vec []float64, reported float64) {
				if math.Abs(got-want) > 1e-8*scale {
					t.Errorf("%s[%d] = %.17g, exact %.17g (diff %.3g, scale %.3g)", which, i, got, want, math.Abs(got-want), scale)
				}
				if nv := floats.Norm(vec, 2); math.Abs(nv-1) > 1e-10 {
					t.Errorf("%s[%d]: Ritz vector has norm %.17g", which, i, nv)
				}
				if !(reported <= tol*res.Scale) {
					t.Errorf("%s[%d]: reported residual %.3g > tol·scale %.3g", which, i, reported, tol*res.Scale)
				}
				// With full reorthogonalisation β·|s_m| equals ‖Hy − θy‖ up
				// to rounding in the basis, ~1e-15·scale per step.
				explicit := residual(t, h.op, got, vec)
				if math.Abs(explicit-reported) > 1e-12*scale {
					t.Errorf("%s[%d]: reported residual %.3g, explicit ‖Hy − θy‖ %.3g", which, i, reported, explicit)
				}
			}
			for i := range 5 {
				check("top", i, res.Top[i], vals[n-1-i], res.TopVectors[i], res.TopResiduals[i])
				check("bottom", i, res.Bottom[i], vals[i], res.BottomVectors[i], res.BottomResiduals[i])
			}
			t.Logf("%d products, Krylov dim %d, exhausted %v", res.Products, res.Dim, res.Exhausted)
		})
	}
}

// Hutchinson's estimate with 200 Rademacher probes lies within 3 standard
// errors of the exact trace (probability ≈ 99.7% for a Gaussian mean; the
// seed is fixed, so the test is deterministic), and its standard error is
// that of the exact per-probe variance 2·Σ_{i≠j}H_ij² within a factor 2 (the
// sample standard deviation of 200 heavy-tailed, chi-square-like values is
// accurate to ~15%).
func TestHutchinsonWithinStdErrOfExactTrace(t *testing.T) {
	for _, h := range spectraNets(t) {
		t.Run(h.name, func(t *testing.T) {
			const probes = 200
			before := h.obj.Products
			tr, err := measures.Hutchinson(h.op, &measures.TraceSettings{Samples: probes, Seed: 11})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Samples != probes || tr.Products != probes || h.obj.Products-before != probes {
				t.Errorf("samples %d, products %d, objective counted %d; want %d", tr.Samples, tr.Products, h.obj.Products-before, probes)
			}
			exact := h.trace()
			if !(tr.StdErr > 0) {
				t.Fatalf("standard error %v", tr.StdErr)
			}
			if d := math.Abs(tr.Trace - exact); d > 3*tr.StdErr {
				t.Errorf("Hutchinson %.6g ± %.3g, exact %.6g: off by %.2f standard errors", tr.Trace, tr.StdErr, exact, d/tr.StdErr)
			}
			theory := math.Sqrt(h.hutchinsonVariance() / probes)
			if ratio := tr.StdErr / theory; ratio < 0.5 || ratio > 2 {
				t.Errorf("standard error %.3g, theory %.3g (ratio %.2f)", tr.StdErr, theory, ratio)
			}
			t.Logf("Hutchinson %.6g ± %.3g (theory ± %.3g), exact %.6g", tr.Trace, tr.StdErr, theory, exact)
		})
	}
}

// trapezoidRule integrates y over the grid x.
func trapezoidRule(x, y []float64) float64 {
	s := 0.0
	for i := 1; i < len(x); i++ {
		s += 0.5 * (y[i] + y[i-1]) * (x[i] - x[i-1])
	}
	return s
}

// Stochastic Lanczos quadrature on a network Hessian: the smoothed density
// integrates to 1, its quadrature nodes lie in the spectrum's range, and its
// mean is an unbiased estimate of tr(H)/n.
func TestSpectralDensityOfNetHessian(t *testing.T) {
	for _, h := range spectraNets(t) {
		t.Run(h.name, func(t *testing.T) {
			const runs, steps = 10, 30
			n := h.op.Dim()
			vals := h.exact.Values
			scale := h.scale()
			d, err := measures.SpectralDensity(h.op, &measures.DensitySettings{Runs: runs, Steps: steps, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Nodes) != runs || len(d.Weights) != runs || d.Products != runs*steps || len(d.Grid) != len(d.Density) {
				t.Fatalf("%d runs, %d products, grid %d, density %d", len(d.Nodes), d.Products, len(d.Grid), len(d.Density))
			}
			// Ritz values interlace the spectrum: every node lies in
			// [λ_min, λ_max] (up to rounding), every weight is ≥ 0, and the
			// weights of a run sum to 1.
			mean := 0.0
			for r := range runs {
				if len(d.Nodes[r]) != steps {
					t.Errorf("run %d: %d nodes, want %d", r, len(d.Nodes[r]), steps)
				}
				if s := floats.Sum(d.Weights[r]); math.Abs(s-1) > 1e-12 {
					t.Errorf("run %d: weights sum to %.17g", r, s)
				}
				for j, x := range d.Nodes[r] {
					if x < vals[0]-1e-10*scale || x > vals[n-1]+1e-10*scale || d.Weights[r][j] < 0 {
						t.Errorf("run %d: node %.6g (weight %.3g) outside [%.6g, %.6g]", r, x, d.Weights[r][j], vals[0], vals[n-1])
					}
				}
				mean += floats.Dot(d.Nodes[r], d.Weights[r]) / runs
			}
			if math.Abs(mean-d.Mean()) > 1e-12*scale {
				t.Errorf("Σ weights·nodes averaged %.17g, Mean() %.17g", mean, d.Mean())
			}
			// The grid extends 5σ past the extreme nodes (Gaussian mass
			// outside < 1e-6) with ~0.1σ spacing, so the trapezoid rule is
			// far more accurate than the 1e-2 asked.
			if integral := trapezoidRule(d.Grid, d.Density); math.Abs(integral-1) > 1e-2 {
				t.Errorf("density integrates to %.6g", integral)
			}
			// Gaussian smoothing keeps the mean: ∫xφ(x)dx = Mean() up to the
			// same quadrature and truncation errors.
			xd := make([]float64, len(d.Grid))
			for i, x := range d.Grid {
				xd[i] = x * d.Density[i]
			}
			if m1 := trapezoidRule(d.Grid, xd); math.Abs(m1-d.Mean()) > 1e-3*scale {
				t.Errorf("∫xφ = %.6g, Mean() = %.6g", m1, d.Mean())
			}

			// Unbiasedness: E[vᵀHv] = tr/n with per-run variance
			// 2·Σ_{i≠j}H_ij²/n², known exactly from the dense matrix. These
			// Hessians are dominated by one outlier (H ≈ λ₁uuᵀ gives a
			// relative standard deviation ≈ √2·λ₁/tr per run), so with 10
			// runs the relative standard error is 20–40%, not "a few %": a
			// fixed 5–10% tolerance would be wrong (it would fail for most
			// seeds). The honest bound is 4 standard errors of the exact
			// variance (two-sided Chebyshev: fails with probability ≤ 1/16
			// even without normality, ~6e-5 for a Gaussian mean; the seed
			// is fixed, so the test is deterministic).
			trn := h.trace() / float64(n)
			sd := math.Sqrt(h.hutchinsonVariance()/runs) / float64(n)
			if dev := math.Abs(d.Mean() - trn); dev > 4*sd {
				t.Errorf("SLQ mean %.6g, tr/n %.6g: off by %.2f standard errors (σ = %.3g)", d.Mean(), trn, dev/sd, sd)
			}
			t.Logf("SLQ mean %.6g, tr/n %.6g (relative error %.1f%%, relative σ %.1f%%)",
				d.Mean(), trn, 100*math.Abs(d.Mean()-trn)/math.Abs(trn), 100*sd/math.Abs(trn))
		})
	}
}

// More SLQ runs shrink the error on tr/n as 1/√runs: with 100 runs of 4
// steps (the mean is exact for any number of steps ≥ 1: Gauss quadrature
// integrates λ exactly) the relative standard error on the trained Hessian
// is ~8%, and 4σ (~30%) bounds the error, which at 10 runs could exceed 100%.
func TestSpectralDensityMeanManyRuns(t *testing.T) {
	h := spectraNets(t)[0]
	const runs = 100
	n := float64(h.op.Dim())
	d, err := measures.SpectralDensity(h.op, &measures.DensitySettings{Runs: runs, Steps: 4, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	trn := h.trace() / n
	sd := math.Sqrt(h.hutchinsonVariance()/runs) / n
	if sd > 0.15*math.Abs(trn) {
		t.Fatalf("relative σ %.3g: the Hessian changed shape, revisit this test", sd/math.Abs(trn))
	}
	if dev := math.Abs(d.Mean() - trn); dev > 4*sd {
		t.Errorf("SLQ mean %.6g, tr/n %.6g: off by %.2f σ (σ = %.3g)", d.Mean(), trn, dev/sd, sd)
	}
	t.Logf("100 runs: SLQ mean %.6g, tr/n %.6g (relative error %.1f%%, relative σ %.1f%%)",
		d.Mean(), trn, 100*math.Abs(d.Mean()-trn)/math.Abs(trn), 100*sd/math.Abs(trn))
}

// studyHessianSettings are the settings of the study.Hessian runs below,
// with the method left to choose.
func studyHessianSettings() study.HessianSettings {
	return study.HessianSettings{
		Top: 5, Bottom: 3, Tol: 1e-10, Trace: true, TraceProbes: 100, Seed: 4,
		Density: true, DensitySettings: measures.DensitySettings{Runs: 4, Steps: 20},
	}
}

// studyHessianRun is one study.Hessian run on the trained net's Hessian:
// the result, its progress messages, and the products the objective counted
// while it ran.
type studyHessianRun struct {
	r        *study.HessianResult
	progress []string
	counted  int
}

// studyHessians holds the runs of study.Hessian with the exact spectrum
// and with Lanczos on the same operator, computed once per test binary.
var studyHessians struct {
	once sync.Once
	runs map[string]studyHessianRun
	err  error
}

// studyHessianRuns returns the trained net's Hessian and the exact and
// Lanczos runs of study.Hessian on it (by method), failing unless each
// has 5 top and 3 bottom eigenvalues, a trace, a negative summary, a
// density and either an outlier count (always for the exact method) or a
// note.
func studyHessianRuns(t *testing.T) (*netHessian, map[string]studyHessianRun) {
	t.Helper()
	h := spectraNets(t)[0]
	studyHessians.once.Do(func() {
		runs := map[string]studyHessianRun{}
		for _, method := range []string{study.MethodExact, study.MethodLanczos} {
			var run studyHessianRun
			s := studyHessianSettings()
			s.Method = method
			s.Progress = func(msg string) { run.progress = append(run.progress, msg) }
			before := h.obj.Products
			r, err := study.Hessian(h.op, h.samples, s)
			if err != nil {
				studyHessians.err = fmt.Errorf("%s: %w", method, err)
				return
			}
			run.r, run.counted = r, h.obj.Products-before
			runs[method] = run
		}
		studyHessians.runs = runs
	})
	if studyHessians.err != nil {
		t.Fatal(studyHessians.err)
	}
	for method, run := range studyHessians.runs {
		r := run.r
		if len(r.Top) != 5 || len(r.Bottom) != 3 {
			t.Fatalf("%s: %d top, %d bottom", method, len(r.Top), len(r.Bottom))
		}
		if r.Trace == nil || r.Negative == nil || r.Density == nil || (r.Outliers == nil) == (r.OutliersNote == "") ||
			(method == study.MethodExact && r.Outliers == nil) {
			t.Fatalf("%s: trace %v outliers %v (%q) negative %v density %v", method, r.Trace, r.Outliers, r.OutliersNote, r.Negative, r.Density != nil)
		}
	}
	return h, studyHessians.runs
}

// study.Hessian reports its progress, its method, the number of samples and
// parameters, and as many HVPs as the objective computed.
func TestStudyHessianReportsRun(t *testing.T) {
	h, runs := studyHessianRuns(t)
	for method, run := range runs {
		r := run.r
		if len(run.progress) == 0 {
			t.Errorf("%s: no progress messages", method)
		}
		if r.Method != method || r.Samples != h.samples || r.Params != h.op.Dim() {
			t.Errorf("%s: method %q samples %d params %d", method, r.Method, r.Samples, r.Params)
		}
		if r.HVPs != run.counted {
			t.Errorf("%s: reports %d HVPs, the objective computed %d", method, r.HVPs, run.counted)
		}
	}
}

// Both methods find the 5 largest and 3 smallest eigenvalues of the exact
// spectrum to 1e-8 of the largest |λ|.
func TestStudyHessianEndsMatchExact(t *testing.T) {
	h, runs := studyHessianRuns(t)
	vals, n, scale := h.exact.Values, h.op.Dim(), h.scale()
	for method, run := range runs {
		for i, v := range run.r.Top {
			if math.Abs(v-vals[n-1-i]) > 1e-8*scale {
				t.Errorf("%s: top[%d] = %.17g, exact %.17g", method, i, v, vals[n-1-i])
			}
		}
		for i, v := range run.r.Bottom {
			if math.Abs(v-vals[i]) > 1e-8*scale {
				t.Errorf("%s: bottom[%d] = %.17g, exact %.17g", method, i, v, vals[i])
			}
		}
	}
}

// The density uses runs × steps products, the outlier count is in range
// (below the length of the top list for Lanczos), and the summary text
// names the trace and the outliers.
func TestStudyHessianSummaries(t *testing.T) {
	_, runs := studyHessianRuns(t)
	for method, run := range runs {
		r := run.r
		if r.Density.Products != 4*20 {
			t.Errorf("%s: density used %d products", method, r.Density.Products)
		}
		if r.Outliers != nil && (*r.Outliers < 0 || (method == study.MethodLanczos && *r.Outliers >= len(r.Top))) {
			t.Errorf("%s: %d outliers", method, *r.Outliers)
		}
		if s := study.HessianSummary(r); !strings.Contains(s, "trace") || !strings.Contains(s, "outliers") {
			t.Errorf("%s: summary lacks trace or outliers:\n%s", method, s)
		}
	}
}

// The exact method returns all eigenvalues (those of measures.ExactSpectrum:
// ground truth was factorised with vectors, another LAPACK path, so equal to
// rounding, not bit for bit) and the asymmetry, and no Lanczos-only field.
func TestStudyHessianExactEigenvalues(t *testing.T) {
	h, runs := studyHessianRuns(t)
	ex := runs[study.MethodExact].r
	vals, n, scale := h.exact.Values, h.op.Dim(), h.scale()
	if len(ex.Eigenvalues) != n {
		t.Fatalf("exact: %d eigenvalues, want %d", len(ex.Eigenvalues), n)
	}
	for i, v := range ex.Eigenvalues {
		if math.Abs(v-vals[i]) > 1e-12*scale {
			t.Errorf("exact eigenvalue %d = %.17g, measures.ExactSpectrum %.17g", i, v, vals[i])
		}
	}
	if ex.Asymmetry == nil || *ex.Asymmetry > 1e-10 {
		t.Errorf("exact asymmetry %v", ex.Asymmetry)
	}
	if ex.TraceStdErr != nil || ex.Converged != nil {
		t.Errorf("exact result has Lanczos-only fields")
	}
}

// The exact ends carry residuals from explicit products with the dense
// eigenvectors: rounding-level (1e-10 of the scale).
func TestStudyHessianExactResiduals(t *testing.T) {
	h, runs := studyHessianRuns(t)
	ex, scale := runs[study.MethodExact].r, h.scale()
	if len(ex.TopResiduals) != len(ex.Top) || len(ex.BottomResiduals) != len(ex.Bottom) {
		t.Errorf("exact residuals %d/%d for %d/%d eigenvalues", len(ex.TopResiduals), len(ex.BottomResiduals), len(ex.Top), len(ex.Bottom))
	}
	for _, r := range append(slices.Clone(ex.TopResiduals), ex.BottomResiduals...) {
		if !(r >= 0 && r <= 1e-10*scale) {
			t.Errorf("exact residual %g (scale %g)", r, scale)
		}
	}
}

// The exact method's trace is Σλ.
func TestStudyHessianExactTrace(t *testing.T) {
	h, runs := studyHessianRuns(t)
	if ex := runs[study.MethodExact].r; math.Abs(*ex.Trace-h.trace()) > 1e-12*h.scale() {
		t.Errorf("exact trace %.17g, Σλ %.17g", *ex.Trace, h.trace())
	}
}

// The exact method spends n products on the matrix, one per residual check
// and the density's.
func TestStudyHessianExactHVPs(t *testing.T) {
	h, runs := studyHessianRuns(t)
	ex := runs[study.MethodExact].r
	if want := h.op.Dim() + len(ex.Top) + len(ex.Bottom) + ex.Density.Products; ex.HVPs != want {
		t.Errorf("exact: %d HVPs, want n + residual checks + density = %d", ex.HVPs, want)
	}
}

// exactNegative is the negative summary of the exact result's spectrum,
// leaving out eigenvalues within its zero tolerance; it fails t if there is
// no negative eigenvalue (the checks using it would be vacuous).
func exactNegative(t *testing.T, ex *study.HessianResult) measures.SignSummary {
	t.Helper()
	var nonzero []float64
	for _, v := range ex.Eigenvalues {
		if math.Abs(v) > ex.Negative.ZeroTol {
			nonzero = append(nonzero, v)
		}
	}
	wantNeg := measures.NegativeSummary(nonzero)
	if wantNeg.Count == 0 {
		t.Fatalf("trained Hessian has no negative eigenvalue; the negative checks are vacuous")
	}
	return wantNeg
}

// The exact negative summary counts the whole spectrum, leaving out
// eigenvalues within rounding of 0 (|λ| ≤ ZeroTol ≈ n·ε·max|λ|: their sign
// is noise).
func TestStudyHessianExactNegativeSummary(t *testing.T) {
	h, runs := studyHessianRuns(t)
	ex, scale := runs[study.MethodExact].r, h.scale()
	if zt := ex.Negative.ZeroTol; !(zt > 0 && zt < 1e-12*scale) {
		t.Errorf("exact zero tolerance %g, want ~n·ε·max|λ| (scale %g)", zt, scale)
	}
	wantNeg := exactNegative(t, ex)
	if ex.Negative.Count != wantNeg.Count || math.Abs(ex.Negative.Mass-wantNeg.Mass) > 1e-12*scale ||
		ex.Negative.PositiveCount != wantNeg.PositiveCount || math.Abs(ex.Negative.PositiveMass-wantNeg.PositiveMass) > 1e-12*scale {
		t.Errorf("exact negative summary %+v, want %+v", *ex.Negative, wantNeg)
	}
}

// The exact outlier count is measures.Outliers on the whole spectrum.
func TestStudyHessianExactOutliers(t *testing.T) {
	_, runs := studyHessianRuns(t)
	ex := runs[study.MethodExact].r
	desc := slices.Clone(ex.Eigenvalues)
	slices.Reverse(desc)
	if k, _ := measures.Outliers(desc, nil); *ex.Outliers != k {
		t.Errorf("exact: %d outliers, measures.Outliers on the spectrum says %d", *ex.Outliers, k)
	}
}

// Lanczos converges, returns a residual per eigenvalue and the trace's
// standard error, and no exact-only field.
func TestStudyHessianLanczosFields(t *testing.T) {
	_, runs := studyHessianRuns(t)
	lz := runs[study.MethodLanczos].r
	if lz.Eigenvalues != nil || lz.Asymmetry != nil {
		t.Errorf("Lanczos result has exact-only fields")
	}
	if lz.Converged == nil || !*lz.Converged || len(lz.TopResiduals) != 5 || len(lz.BottomResiduals) != 3 || lz.TraceStdErr == nil {
		t.Fatalf("Lanczos: converged %v, residuals %d/%d, stderr %v", lz.Converged, len(lz.TopResiduals), len(lz.BottomResiduals), lz.TraceStdErr)
	}
}

// Lanczos's residuals are within its tolerance (1e-10 of the scale).
func TestStudyHessianLanczosResiduals(t *testing.T) {
	h, runs := studyHessianRuns(t)
	lz := runs[study.MethodLanczos].r
	for i, r := range append(slices.Clone(lz.TopResiduals), lz.BottomResiduals...) {
		if r > 1e-10*h.scale()*(1+1e-8) {
			t.Errorf("Lanczos residual %d = %.3g > tol·scale", i, r)
		}
	}
}

// With Lanczos the trace is Hutchinson's, within 3 standard errors of Σλ.
func TestStudyHessianLanczosTrace(t *testing.T) {
	h, runs := studyHessianRuns(t)
	lz := runs[study.MethodLanczos].r
	if lz.TraceStdErr == nil {
		t.Fatal("Lanczos: no trace standard error")
	}
	if d := math.Abs(*lz.Trace - h.trace()); !(d <= 3**lz.TraceStdErr) {
		t.Errorf("Lanczos (Hutchinson) trace %.6g ± %.3g, exact %.6g", *lz.Trace, *lz.TraceStdErr, h.trace())
	}
}

// With Lanczos the negative summary counts the computed ends only.
func TestStudyHessianLanczosNegativeSummary(t *testing.T) {
	_, runs := studyHessianRuns(t)
	lz := runs[study.MethodLanczos].r
	ends := append(slices.Clone(lz.Top), lz.Bottom...)
	if ns := measures.NegativeSummary(ends); lz.Negative.Count != ns.Count || lz.Negative.Mass != ns.Mass {
		t.Errorf("Lanczos negative summary %+v, want %+v over the computed ends", *lz.Negative, ns)
	}
	wantNeg := exactNegative(t, runs[study.MethodExact].r)
	if lz.Negative.Count != min(3, wantNeg.Count) {
		t.Errorf("Lanczos: %d negative among the ends, want %d", lz.Negative.Count, min(3, wantNeg.Count))
	}
}

// writeHessian writes r with study.WriteHessian into a new directory of t
// and returns it.
func writeHessian(t *testing.T, r *study.HessianResult, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	ad, err := report.NewAtomicDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := study.WriteHessian(ad, r); err != nil {
		t.Fatalf("%s: WriteHessian: %v", r.Method, err)
	}
	if err := ad.Commit(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WriteHessian writes the documented files of each method: hessian.json
// with its method's fields, eigenvalues.csv, the plots, density.csv and the
// density's nodes and weights.
func TestStudyWriteHessianFiles(t *testing.T) {
	_, runs := studyHessianRuns(t)
	for _, c := range []struct {
		r       *study.HessianResult
		present []string
		absent  []string
	}{
		{runs[study.MethodExact].r, []string{"eigenvalues", "asymmetry", "top_residuals", "bottom_residuals"}, []string{"trace_stderr", "converged"}},
		{runs[study.MethodLanczos].r, []string{"top_residuals", "bottom_residuals", "trace_stderr", "converged"}, []string{"eigenvalues", "asymmetry"}},
	} {
		r := c.r
		t.Run(r.Method, func(t *testing.T) {
			dir := writeHessian(t, r, r.Method)
			checkHessianJSON(t, filepath.Join(dir, "hessian.json"), r, c.present, c.absent)
			checkEigenvaluesCSV(t, filepath.Join(dir, "eigenvalues.csv"), r)
			for _, f := range []string{"eigenvalues.png", "density.png"} {
				checkPNG(t, filepath.Join(dir, f))
			}
			checkDensityCSV(t, filepath.Join(dir, "density.csv"), r.Density)
			for _, f := range []string{"density_nodes.npy", "density_weights.npy"} {
				data, shape, err := report.ReadNpyFloat64(filepath.Join(dir, f))
				if err != nil {
					t.Errorf("%s: %v", r.Method, err)
					continue
				}
				if !slices.Equal(shape, []int{4, 20}) || len(data) != 80 {
					t.Errorf("%s: %s has shape %v", r.Method, f, shape)
				}
			}
			if nodes, _, err := report.ReadNpyFloat64(filepath.Join(dir, "density_nodes.npy")); err == nil && !slices.Equal(nodes[:20], r.Density.Nodes[0]) {
				t.Errorf("%s: density_nodes.npy row 0 differs from the result", r.Method)
			}
		})
	}
}

// Without Trace and Density, study.Hessian computes neither, and
// WriteHessian writes no density file and no trace.
func TestStudyWriteHessianWithoutDensity(t *testing.T) {
	h := spectraNets(t)[0]
	s := studyHessianSettings()
	s.Method, s.Density, s.Trace = study.MethodLanczos, false, false
	r, err := study.Hessian(h.op, h.samples, s)
	if err != nil {
		t.Fatal(err)
	}
	if r.Trace != nil || r.TraceStdErr != nil || r.Density != nil {
		t.Errorf("trace/density computed although not asked")
	}
	dir := writeHessian(t, r, "plain")
	for _, f := range []string{"density.csv", "density.png", "density_nodes.npy"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s written without Density (stat: %v)", f, err)
		}
	}
	checkHessianJSON(t, filepath.Join(dir, "hessian.json"), r, nil, []string{"trace", "trace_stderr", "eigenvalues"})
}

// checkHessianJSON decodes hessian.json and checks the documented field
// names and that the values are those of r.
func checkHessianJSON(t *testing.T, path string, r *study.HessianResult, present, absent []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := filetest.ReadJSONObject(t, path)
	always := []string{"method", "samples", "params", "top", "bottom", "top_residuals", "bottom_residuals", "hvps", "negative"}
	if r.Trace != nil {
		always = append(always, "trace")
	}
	// Either the outlier count or the note saying why it is not determined.
	if r.Outliers != nil {
		always = append(always, "outliers")
		absent = append(absent, "outliers_note")
	} else {
		always = append(always, "outliers_note")
		absent = append(absent, "outliers")
	}
	for _, k := range append(always, present...) {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no %q (keys %v)", path, k, slices.Sorted(maps.Keys(m)))
		}
	}
	for _, k := range absent {
		if _, ok := m[k]; ok {
			t.Errorf("%s: unexpected %q", path, k)
		}
	}
	if _, ok := m["density"]; ok {
		t.Errorf("%s: density belongs to density.csv, not hessian.json", path)
	}
	var neg map[string]json.RawMessage
	if err := json.Unmarshal(m["negative"], &neg); err != nil {
		t.Fatalf("%s: negative: %v", path, err)
	}
	for _, k := range []string{"count", "mass"} {
		if _, ok := neg[k]; !ok {
			t.Errorf("%s: negative has no %q", path, k)
		}
	}
	// Values round-trip exactly (encoding/json writes the shortest exact
	// decimal).
	var back study.HessianResult
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Method != r.Method || back.Samples != r.Samples || back.Params != r.Params || back.HVPs != r.HVPs ||
		!slices.Equal(back.Top, r.Top) || !slices.Equal(back.Bottom, r.Bottom) || !slices.Equal(back.Eigenvalues, r.Eigenvalues) ||
		!slices.Equal(back.TopResiduals, r.TopResiduals) || !slices.Equal(back.BottomResiduals, r.BottomResiduals) ||
		(back.Outliers == nil) != (r.Outliers == nil) || r.Outliers != nil && *back.Outliers != *r.Outliers || *back.Negative != *r.Negative {
		t.Errorf("%s does not round-trip the result", path)
	}
	if (back.Trace == nil) != (r.Trace == nil) || r.Trace != nil && *back.Trace != *r.Trace {
		t.Errorf("%s: trace does not round-trip", path)
	}
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkEigenvaluesCSV: (index, eigenvalue) for the exact spectrum, (which,
// rank, eigenvalue, residual) for Lanczos; values exact.
func checkEigenvaluesCSV(t *testing.T, path string, r *study.HessianResult) {
	t.Helper()
	recs := filetest.ReadCSV(t, path)
	if r.Eigenvalues != nil {
		if !slices.Equal(recs[0], []string{"index", "eigenvalue"}) || len(recs) != len(r.Eigenvalues)+1 {
			t.Fatalf("%s: header %v, %d rows", path, recs[0], len(recs)-1)
		}
		for i, rec := range recs[1:] {
			if rec[0] != strconv.Itoa(i) || parseFloat(t, rec[1]) != r.Eigenvalues[i] {
				t.Errorf("%s: row %d = %v, want %d, %v", path, i, rec, i, r.Eigenvalues[i])
			}
		}
		return
	}
	if !slices.Equal(recs[0], []string{"which", "rank", "eigenvalue", "residual"}) || len(recs) != len(r.Top)+len(r.Bottom)+1 {
		t.Fatalf("%s: header %v, %d rows", path, recs[0], len(recs)-1)
	}
	for i, rec := range recs[1:] {
		which, k, vs, res := "top", i, r.Top, r.TopResiduals
		if i >= len(r.Top) {
			which, k, vs, res = "bottom", i-len(r.Top), r.Bottom, r.BottomResiduals
		}
		if rec[0] != which || rec[1] != strconv.Itoa(k+1) || parseFloat(t, rec[2]) != vs[k] || parseFloat(t, rec[3]) != res[k] {
			t.Errorf("%s: row %d = %v, want %s %d %v %v", path, i, rec, which, k+1, vs[k], res[k])
		}
	}
}

func checkDensityCSV(t *testing.T, path string, d *measures.DensityResult) {
	t.Helper()
	recs := filetest.ReadCSV(t, path)
	if !slices.Equal(recs[0], []string{"lambda", "density"}) || len(recs) != len(d.Grid)+1 {
		t.Fatalf("%s: header %v, %d rows, grid %d", path, recs[0], len(recs)-1, len(d.Grid))
	}
	for i, rec := range recs[1:] {
		if parseFloat(t, rec[0]) != d.Grid[i] || parseFloat(t, rec[1]) != d.Density[i] {
			t.Fatalf("%s: row %d = %v, want %v %v", path, i, rec, d.Grid[i], d.Density[i])
		}
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 1000 {
		t.Errorf("%s is not a PNG (%d bytes)", path, len(b))
	}
}

// Unknown methods and over-limit exact spectra are errors; the exact limit
// error wraps measures.ErrExactLimit.
func TestStudyHessianErrors(t *testing.T) {
	set, err := spectraClusters()
	if err != nil {
		t.Fatal(err)
	}
	spec := graph.MLP(4, []int{3}, 3, true, loss.CrossEntropy)
	theta, err := graph.Init(spec, graph.He, 2)
	if err != nil {
		t.Fatal(err)
	}
	o, err := graph.NewObjective(spec, set, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	op, err := o.Hessian(theta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := study.Hessian(op, set.N, study.HessianSettings{Method: "power", Top: 1}); err == nil || !strings.Contains(err.Error(), "power") {
		t.Errorf("unknown method: %v", err)
	}
	_, err = study.Hessian(op, set.N, study.HessianSettings{Method: study.MethodExact, Top: 1, ExactLimit: op.Dim() - 1})
	if !errors.Is(err, measures.ErrExactLimit) {
		t.Errorf("exact above the limit: %v, want ErrExactLimit", err)
	}
	if o.Products != 0 {
		t.Errorf("%d products spent on refused requests", o.Products)
	}
}
