package measures

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// trapezoid integrates y over the grid x.
func trapezoid(x, y []float64) float64 {
	s := 0.0
	for i := 1; i < len(x); i++ {
		s += 0.5 * (y[i] + y[i-1]) * (x[i] - x[i-1])
	}
	return s
}

func TestSpectralDensity(t *testing.T) {
	n := 300
	rng := rand.New(rand.NewPCG(1, 0))
	lams := make([]float64, n)
	for i := range lams {
		lams[i] = 1 + rng.Float64() // bulk in [1, 2]
	}
	lams[0], lams[1], lams[2] = 4, 4.2, -0.5
	a := spectralDense(lams, 2)
	r, err := SpectralDensity(a, &DensitySettings{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Nodes) != DefaultDensityRuns || r.Products != DefaultDensityRuns*DefaultDensitySteps || len(r.Grid) != DefaultDensityGridPoints {
		t.Errorf("runs %d products %d grid %d", len(r.Nodes), r.Products, len(r.Grid))
	}
	// Quadrature: weights sum to 1 (1e-12), nodes inside [λmin, λmax] (Ritz
	// values interlace; 1e-10 for rounding).
	for i := range r.Nodes {
		if s := floats.Sum(r.Weights[i]); math.Abs(s-1) > 1e-12 {
			t.Errorf("run %d: weights sum to %v", i, s)
		}
		for j, x := range r.Nodes[i] {
			if x < -0.5-1e-10 || x > 4.2+1e-10 || r.Weights[i][j] < 0 {
				t.Errorf("run %d: node %v weight %v", i, x, r.Weights[i][j])
			}
		}
	}
	// The density integrates to 1: the grid covers ±5σ beyond the extreme
	// nodes (mass outside < 6e-7) and the trapezoid rule with spacing ~0.1σ is
	// accurate to far better than 1e-3.
	if integral := trapezoid(r.Grid, r.Density); math.Abs(integral-1) > 1e-3 {
		t.Errorf("density integrates to %v", integral)
	}
	// Mean = tr(A)/n within 2%: the Rademacher estimate of one run has
	// relative standard deviation √(2Σ_{i≠j}A_ij²)/tr = 2.0% for this matrix,
	// and 10 runs reduce it to 0.65% (measured over 200 seeds: 0.67%); 2% is
	// 3σ. Weights from the wrong components of T's eigenvectors or wrong
	// nodes miss by far more.
	tr, err := exactTrace(a)
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Mean(); math.Abs(m-tr/float64(n)) > 0.02*math.Abs(tr/float64(n)) {
		t.Errorf("mean %v, tr/n %v", m, tr/float64(n))
	}
	// Against the exact smoothed density (1/n)·Σ N(x; λ_i, σ²) on the same
	// grid: L1 distance ≤ 0.15. Each run's weights (vᵀu_i)² fluctuate by ~100%
	// per eigenvalue, but σ = 0.047 spans ~14 bulk eigenvalues and 10 runs
	// average; a wrong weight (e.g. last instead of first components) or
	// wrong nodes gives an L1 distance near 1.
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 1 / float64(n)
	}
	exact := smoothDensity([][]float64{lams}, [][]float64{ones}, r.Sigma, r.Grid)
	diff := make([]float64, len(exact))
	for i := range diff {
		diff[i] = math.Abs(exact[i] - r.Density[i])
	}
	l1 := trapezoid(r.Grid, diff)
	if l1 > 0.15 {
		t.Errorf("L1 distance to the exact smoothed density %v", l1)
	}
	// Outlier mass: the two outliers near 4.1 hold 2/300 of the spectrum.
	var outlier []float64
	var grid []float64
	for i, x := range r.Grid {
		if x > 3 {
			outlier = append(outlier, r.Density[i])
			grid = append(grid, x)
		}
	}
	if m := trapezoid(grid, outlier); m < 0.2/float64(n) || m > 20/float64(n) {
		t.Errorf("mass above 3: %v, want ≈ %v", m, 2/float64(n))
	}
	t.Logf("σ = %.3g, L1 to exact smoothed density %.3f, mean %.5f vs tr/n %.5f", r.Sigma, l1, r.Mean(), tr/float64(n))

	// Gaussian starts work as well.
	r, err = SpectralDensity(a, &DensitySettings{Seed: 3, Start: GaussianStart, Runs: 4, Steps: 30, GridPoints: 500})
	if err != nil {
		t.Fatal(err)
	}
	if integral := trapezoid(r.Grid, r.Density); math.Abs(integral-1) > 1e-3 || len(r.Nodes[0]) != 30 {
		t.Errorf("Gaussian start: integral %v, %d nodes", integral, len(r.Nodes[0]))
	}
}

// TestSpectralDensityFewEigenvalues: with 3 distinct eigenvalues every run
// breaks down after 3 steps; the nodes are the exact eigenvalues and the
// weights the squared projections of the start vector.
func TestSpectralDensityFewEigenvalues(t *testing.T) {
	var lams []float64
	for i := 0; i < 30; i++ {
		lams = append(lams, 1, 2, 5)
	}
	r, err := SpectralDensity(diagOp(lams), &DensitySettings{Runs: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Products != 9 {
		t.Errorf("products %d, want 9", r.Products)
	}
	for i, nodes := range r.Nodes {
		if !floats.EqualApprox(nodes, []float64{1, 2, 5}, 1e-12) {
			t.Errorf("run %d: nodes %v", i, nodes)
		}
		// Rademacher start on a diagonal operator: each eigenvalue's
		// projection is exactly 30/90.
		if !floats.EqualApprox(r.Weights[i], []float64{1. / 3, 1. / 3, 1. / 3}, 1e-12) {
			t.Errorf("run %d: weights %v", i, r.Weights[i])
		}
	}
	if math.Abs(r.Mean()-8./3) > 1e-12 {
		t.Errorf("mean %v", r.Mean())
	}
}

func TestSpectralDensityDegenerate(t *testing.T) {
	r, err := SpectralDensity(diagOp(make([]float64, 10)), &DensitySettings{GridPoints: 11})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sigma != DefaultDensitySigmaFraction || floats.HasNaN(r.Density) || floats.HasNaN(r.Grid) {
		t.Errorf("zero operator: sigma %v density %v", r.Sigma, r.Density)
	}
	if integral := trapezoid(r.Grid, r.Density); math.Abs(integral-1) > 1e-2 {
		t.Errorf("zero operator integral %v", integral) // 11 points over ±5σ: coarse
	}
	for _, s := range []*DensitySettings{{Steps: -1}, {GridPoints: 1}, {Sigma: -1}, {Start: 7}} {
		if _, err := SpectralDensity(diagOp{1, 2}, s); err == nil {
			t.Errorf("settings %+v: no error", s)
		}
	}
}

func TestSmoothDensity(t *testing.T) {
	got := smoothDensity([][]float64{{0}, {1}}, [][]float64{{1}, {1}}, 0.5, []float64{0, 1, 100})
	g := func(d float64) float64 { return math.Exp(-d*d/(2*0.25)) / (0.5 * math.Sqrt(2*math.Pi)) }
	want := []float64{(g(0) + g(1)) / 2, (g(1) + g(0)) / 2, 0}
	if !floats.EqualApprox(got, want, 1e-15) {
		t.Errorf("smoothDensity = %v, want %v", got, want)
	}
	if smoothDensity([][]float64{{0}}, [][]float64{{1}}, 0, []float64{0}) != nil {
		t.Error("sigma 0 accepted")
	}
}
