package measures

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// PowerStop selects the stopping rule of PowerIteration.
type PowerStop int

const (
	// PowerStopChange stops an eigenvalue's iteration when the relative change
	// of its estimate is below Tol: |λ_t − λ_{t−1}| / (|λ_{t−1}| + 1e-6) < Tol.
	// This is PyHessian's rule, including its 1e-6 guard; it says nothing about
	// the accuracy of the vector and stops early on slowly converging
	// eigenvalues.
	PowerStopChange PowerStop = iota

	// PowerStopResidual stops when the deflated residual ‖P(Av) − λv‖ ≤
	// Tol·|λ|, where P projects out the vectors already found: the quantity the
	// deflated iteration drives to zero. It costs no extra product (Av is the
	// product the iteration computes anyway). The true residual ‖Av − λv‖,
	// which is what PowerResult.Residuals reports, exceeds it by the
	// components u_jᵀAv = r_jᵀv of the earlier eigenpairs' residuals r_j:
	// deflation against approximate vectors limits the accuracy of later
	// eigenpairs to that of earlier ones (relative: ≈ Tol·|λ_j/λ|).
	PowerStopResidual
)

// DefaultPowerTol is the tolerance used when PowerSettings.Tol is zero:
// PyHessian's default 1e-3 (meant for PowerStopChange).
const DefaultPowerTol = 1e-3

// DefaultPowerMaxIter is the per-eigenvalue iteration limit used when
// PowerSettings.MaxIter is zero: PyHessian's default 100.
const DefaultPowerMaxIter = 100

// PowerSettings configures PowerIteration. The zero value of each field
// selects its documented default, which reproduces PyHessian's eigenvalues().
type PowerSettings struct {
	K       int       // number of eigenvalues (largest |λ| first); 0 means 1
	Tol     float64   // tolerance of Stop; 0 means DefaultPowerTol
	Stop    PowerStop // stopping rule; the zero value is PowerStopChange
	MaxIter int       // products per eigenvalue at most; 0 means DefaultPowerMaxIter
	Seed    int64     // seed of the Gaussian start vectors (see the package doc)
}

// PowerResult is the outcome of PowerIteration.
type PowerResult struct {
	Values     []float64   // eigenvalue estimates (Rayleigh quotients vᵀAv), in the order found
	Vectors    [][]float64 // the unit vectors v whose Rayleigh quotients are Values
	Residuals  []float64   // ‖Av − λv‖ for each (absolute)
	Iterations []int       // products spent on each eigenvalue
	Products   int         // total operator products
	Converged  bool        // every eigenvalue met the stopping rule within MaxIter
	// Incomplete reports that fewer than K values were returned because the
	// deflated space was exhausted (K > n).
	Incomplete bool
}

// PowerIteration computes the K eigenvalues of op largest in magnitude by power
// iteration with deflation, the baseline that PyHessian uses: for each
// eigenvalue, start from a Gaussian vector and repeat
//
//	v ← v orthonormalised against the vectors already found
//	λ ← vᵀAv, r ← ‖Av − λv‖
//	stop if the rule is met, else v ← Av/‖Av‖
//
// Unlike PyHessian, which keeps the normalised Av of the last step, the vector
// returned is the v whose Rayleigh quotient and residual are reported.
//
// Convergence of the i-th eigenvalue is linear with ratio |λ_{i+1}/λ_i|, so
// clustered eigenvalues need many products; Lanczos needs far fewer for the same
// residual (see TestLanczosVsPowerTable).
// A nil s means the defaults.
func PowerIteration(op Operator, s *PowerSettings) (*PowerResult, error) {
	if s == nil {
		s = &PowerSettings{}
	}
	n := op.Dim()
	switch {
	case n <= 0:
		return nil, fmt.Errorf("measures: PowerIteration: operator dimension %d", n)
	case s.K < 0 || s.MaxIter < 0:
		return nil, fmt.Errorf("measures: PowerIteration: negative K (%d) or MaxIter (%d)", s.K, s.MaxIter)
	case s.Tol < 0 || math.IsNaN(s.Tol):
		return nil, fmt.Errorf("measures: PowerIteration: invalid Tol %v", s.Tol)
	case s.Stop != PowerStopChange && s.Stop != PowerStopResidual:
		return nil, fmt.Errorf("measures: PowerIteration: unknown stopping rule %d", s.Stop)
	}
	k := s.K
	if k == 0 {
		k = 1
	}
	tol := s.Tol
	if tol == 0 {
		tol = DefaultPowerTol
	}
	maxIter := s.MaxIter
	if maxIter == 0 {
		maxIter = DefaultPowerMaxIter
	}
	rng := newRNG(s.Seed, streamPower)
	res := &PowerResult{Converged: true}
	av := make([]float64, n)
	rv := make([]float64, n)
	scratch := make([]float64, 0, k)
	for len(res.Values) < k {
		v := make([]float64, n)
		gaussian(rng, v)
		var (
			lam, prev, r float64
			iters        int
			done         bool
		)
		for iters < maxIter {
			// Deflate: orthonormalise against the vectors found (twice).
			before := floats.Norm(v, 2)
			for pass := 0; pass < 2; pass++ {
				scratch = scratch[:0]
				for _, u := range res.Vectors {
					scratch = append(scratch, floats.Dot(u, v))
				}
				for i, u := range res.Vectors {
					floats.AddScaled(v, -scratch[i], u)
				}
			}
			nrm := floats.Norm(v, 2)
			if nrm <= 1e-10*before {
				// v lies in the span of the vectors found: no direction is
				// left (K > n).
				res.Incomplete = true
				return res, nil
			}
			floats.Scale(1/nrm, v)
			if err := op.Apply(av, v); err != nil {
				return nil, fmt.Errorf("measures: PowerIteration: operator product %d: %w", res.Products+1, err)
			}
			res.Products++
			iters++
			lam = floats.Dot(v, av)
			avn := floats.Norm(av, 2)
			if math.IsNaN(avn) || math.IsInf(avn, 0) {
				return nil, fmt.Errorf("measures: PowerIteration: operator product %d is not finite", res.Products)
			}
			// True residual, and the deflated one P(Av) − λv.
			floats.AddScaledTo(rv, av, -lam, v)
			r = floats.Norm(rv, 2)
			switch s.Stop {
			case PowerStopChange:
				done = iters > 1 && math.Abs(lam-prev)/(math.Abs(prev)+1e-6) < tol
			case PowerStopResidual:
				for _, u := range res.Vectors {
					floats.AddScaled(rv, -floats.Dot(u, av), u)
				}
				done = floats.Norm(rv, 2) <= tol*math.Abs(lam)
			}
			if avn == 0 {
				// Av = 0: v is an exact eigenvector for λ = 0.
				done = true
			}
			if done || iters == maxIter {
				break // keep the v that λ and r describe
			}
			prev = lam
			floats.ScaleTo(v, 1/avn, av)
		}
		if !done {
			res.Converged = false
		}
		res.Values = append(res.Values, lam)
		res.Vectors = append(res.Vectors, v)
		res.Residuals = append(res.Residuals, r)
		res.Iterations = append(res.Iterations, iters)
	}
	return res, nil
}
