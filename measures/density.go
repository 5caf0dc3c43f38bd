package measures

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// Defaults of DensitySettings. Steps and Runs follow google/spectral-density
// (its examples run 90 Lanczos steps, its README says 80–90 suffice for most
// models, and its TensorFlow driver defaults to 10 draws); the grid, the
// smoothing width and the margin are this package's choices (google/spectral-
// density smooths with a Gaussian of variance 1e-5·max(1, range) on 10,000
// points).
const (
	DefaultDensitySteps      = 90   // Lanczos steps per run (order of the Gauss quadrature)
	DefaultDensityRuns       = 10   // independent random start vectors
	DefaultDensityGridPoints = 1000 // points of the output grid
	// DefaultDensitySigmaFraction is the Gaussian smoothing width as a fraction
	// of the range of the nodes, when DensitySettings.Sigma is zero.
	DefaultDensitySigmaFraction = 0.01
	// DefaultDensityMarginSigmas is the grid margin beyond the extreme nodes, in
	// units of Sigma, when DensitySettings.Margin is zero: 5σ leaves a
	// Gaussian's mass outside the grid below 3e-7.
	DefaultDensityMarginSigmas = 5
)

// StartVector is the distribution of the random start vectors of
// SpectralDensity.
type StartVector int

const (
	// RademacherStart draws independent ±1 entries, Hutchinson's probes. The
	// mean vᵀAv of one run then has variance 2Σ_{i≠j}A_ij²/n²: zero for a
	// diagonal operator, and at most (n+2)/n times that of GaussianStart.
	RademacherStart StartVector = iota
	// GaussianStart draws independent standard normal entries, as
	// google/spectral-density does; normalised, the start vector is uniform
	// on the sphere.
	GaussianStart
)

// DensitySettings configures SpectralDensity. The zero value of each field
// selects its documented default.
type DensitySettings struct {
	Steps int         // Lanczos steps per run m (capped at n); 0 means DefaultDensitySteps
	Runs  int         // random start vectors; 0 means DefaultDensityRuns
	Seed  int64       // seed of the start vectors (see the package doc)
	Start StartVector // start vector distribution; the zero value is RademacherStart

	// Sigma is the standard deviation of the Gaussian that smooths each node.
	// 0 means DefaultDensitySigmaFraction·(largest − smallest node over all
	// runs), which resolves features about 1% of the spectral range wide; if
	// all nodes coincide, 1% of their magnitude, or 0.01 if they are all zero.
	// A Hessian whose bulk is ~1e-4 wide next to outliers of ~10 needs a much
	// smaller Sigma (or a density of log|λ|) to show the bulk's shape.
	Sigma float64

	GridPoints int // points of the evenly spaced grid (≥ 2); 0 means DefaultDensityGridPoints

	// Margin is how far the grid extends beyond the smallest and largest node;
	// 0 means DefaultDensityMarginSigmas·Sigma.
	Margin float64
}

// DensityResult is the outcome of SpectralDensity.
type DensityResult struct {
	// Nodes[r] and Weights[r] are the Gauss quadrature of run r: the
	// eigenvalues of its tridiagonal matrix T and the squared first components
	// of T's eigenvectors, which sum to 1. A run has fewer than Steps nodes
	// only if its Krylov space became invariant, in which case the nodes are
	// exact eigenvalues.
	Nodes, Weights [][]float64

	Grid    []float64 // evenly spaced evaluation points
	Density []float64 // smoothed density at Grid (average over runs of Σ_i w_i·N(x; λ_i, σ²)); integrates to ≈1
	Sigma   float64   // the smoothing width used

	Products int // operator products (Σ over runs of the Lanczos steps)
}

// Mean returns the mean of the estimated spectral density, the average over
// runs of Σ_i w_i·λ_i = vᵀAv for the unit start vector v: an unbiased estimate
// of tr(A)/n for Rademacher or Gaussian starts.
func (r *DensityResult) Mean() float64 {
	if len(r.Nodes) == 0 {
		return 0
	}
	m := 0.0
	for i, nodes := range r.Nodes {
		m += floats.Dot(nodes, r.Weights[i])
	}
	return m / float64(len(r.Nodes))
}

// SpectralDensity estimates the spectral density φ(λ) = (1/n)·Σ_i δ(λ − λ_i)
// of op by stochastic Lanczos quadrature (Ghorbani, Krishnan & Xiao 2019;
// google/spectral-density): for each of Runs random start vectors v (normalised),
// m = Steps steps of Lanczos with full reorthogonalisation
// give T; its eigenvalues and the squared first components of its eigenvectors
// are the nodes and weights of the Gauss quadrature of the measure
// Σ_i (vᵀu_i)²·δ(λ − λ_i), whose expectation is φ. The density is the average
// over runs of Σ_i w_i·N(x; λ_i, σ²) on an evenly spaced grid
// from the smallest node − Margin to the largest + Margin.
//
// The quadrature is exact for polynomials of degree < 2m, so moments up to that
// degree are estimated without bias; the error of smooth functionals is
// dominated by the Monte Carlo error over runs. Memory is Steps vectors of
// length n at a time. A nil s means the defaults.
func SpectralDensity(op Operator, s *DensitySettings) (*DensityResult, error) {
	if s == nil {
		s = &DensitySettings{}
	}
	n := op.Dim()
	steps, runs, points := s.Steps, s.Runs, s.GridPoints
	if steps == 0 {
		steps = DefaultDensitySteps
	}
	if runs == 0 {
		runs = DefaultDensityRuns
	}
	if points == 0 {
		points = DefaultDensityGridPoints
	}
	switch {
	case n <= 0:
		return nil, fmt.Errorf("measures: SpectralDensity: operator dimension %d", n)
	case steps < 1 || runs < 1 || points < 2:
		return nil, fmt.Errorf("measures: SpectralDensity: invalid Steps %d, Runs %d or GridPoints %d", steps, runs, points)
	case s.Sigma < 0 || math.IsNaN(s.Sigma) || math.IsInf(s.Sigma, 0) || s.Margin < 0 || math.IsNaN(s.Margin) || math.IsInf(s.Margin, 0):
		return nil, fmt.Errorf("measures: SpectralDensity: invalid Sigma %v or Margin %v", s.Sigma, s.Margin)
	case s.Start != RademacherStart && s.Start != GaussianStart:
		return nil, fmt.Errorf("measures: SpectralDensity: unknown start vector kind %d", s.Start)
	}
	rng := newRNG(s.Seed, streamDensity)
	res := &DensityResult{}
	v := make([]float64, n)
	lo, hi := math.Inf(1), math.Inf(-1)
	for r := 0; r < runs; r++ {
		if s.Start == GaussianStart {
			gaussian(rng, v)
		} else {
			rademacher(rng, v)
		}
		alpha, beta, _, err := lanczosTridiagonal(op, v, steps, true)
		if err != nil {
			return nil, fmt.Errorf("measures: SpectralDensity: run %d: %w", r, err)
		}
		res.Products += len(alpha)
		nodes, w, err := quadrature(alpha, beta)
		if err != nil {
			return nil, fmt.Errorf("measures: SpectralDensity: run %d: %w", r, err)
		}
		res.Nodes = append(res.Nodes, nodes)
		res.Weights = append(res.Weights, w)
		lo = math.Min(lo, nodes[0])
		hi = math.Max(hi, nodes[len(nodes)-1])
	}
	sigma := s.Sigma
	if sigma == 0 {
		sigma = DefaultDensitySigmaFraction * (hi - lo)
		if sigma == 0 {
			sigma = DefaultDensitySigmaFraction * math.Max(math.Abs(lo), math.Abs(hi))
		}
		if sigma == 0 {
			sigma = DefaultDensitySigmaFraction
		}
	}
	margin := s.Margin
	if margin == 0 {
		margin = DefaultDensityMarginSigmas * sigma
	}
	res.Sigma = sigma
	res.Grid = floats.Span(make([]float64, points), lo-margin, hi+margin)
	res.Density = smoothDensity(res.Nodes, res.Weights, sigma, res.Grid)
	return res, nil
}

// quadrature returns the Gauss quadrature nodes (eigenvalues of T, ascending)
// and weights (squared first components of T's eigenvectors, renormalised to
// sum to exactly 1 against rounding).
func quadrature(alpha, beta []float64) (nodes, weights []float64, err error) {
	k := len(alpha)
	nodes, z, err := tridiagonalEigen(alpha, beta)
	if err != nil {
		return nil, nil, err
	}
	weights = make([]float64, k)
	for i := range weights {
		weights[i] = z[i] * z[i] // row 0 of z
	}
	floats.Scale(1/floats.Sum(weights), weights)
	return nodes, weights, nil
}

// smoothDensity evaluates at each point of grid the average over runs r of
// Σ_i weights[r][i]·N(x; nodes[r][i], sigma²), the Gaussian-smoothed density of
// the quadratures (nodes[r], weights[r]). With weights summing to 1 per run it
// integrates to 1 over the real line. sigma must be positive; it returns nil if
// it is not or if there are no runs.
func smoothDensity(nodes, weights [][]float64, sigma float64, grid []float64) []float64 {
	if !(sigma > 0) || len(nodes) == 0 || len(nodes) != len(weights) {
		return nil
	}
	out := make([]float64, len(grid))
	norm := 1 / (sigma * math.Sqrt(2*math.Pi) * float64(len(nodes)))
	inv := 1 / (2 * sigma * sigma)
	for r, nr := range nodes {
		wr := weights[r]
		for i, lam := range nr {
			w := wr[i] * norm
			for g, x := range grid {
				d := x - lam
				if e := d * d * inv; e < 745 { // exp(-745) underflows to 0
					out[g] += w * math.Exp(-e)
				}
			}
		}
	}
	return out
}
