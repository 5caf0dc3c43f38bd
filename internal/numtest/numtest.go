// Package numtest holds the numerical helpers the tests of every package
// share: relative differences, random vectors, and finite-difference
// gradients and Hessians to check analytic derivatives against.
package numtest

import (
	"math"
	"math/rand/v2"
)

// MaxRelDiff is max_i |a_i − b_i| / max_i |b_i| (the denominator floored at
// the smallest positive float64); +Inf when the lengths differ, NaN when
// either holds a NaN.
func MaxRelDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	scale, d := 0.0, 0.0
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			return math.NaN()
		}
		scale = math.Max(scale, math.Abs(b[i]))
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d / math.Max(scale, math.SmallestNonzeroFloat64)
}

// MaxAbs is max_i |x_i|.
func MaxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// RelClose reports whether |a − b| ≤ tol·max(|a|, |b|).
func RelClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b))
}

// Gaussian returns n independent N(0, scale²) values from a PCG seeded with
// seed.
func Gaussian(n int, scale float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 0x6e756d74657374)) // "numtest"
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

// Gradient is the central finite-difference gradient of f at theta, with
// step h·max(1, |θ_i|) in coordinate i.
func Gradient(f func([]float64) (float64, error), theta []float64, h float64) ([]float64, error) {
	g := make([]float64, len(theta))
	x := append([]float64(nil), theta...)
	for i := range x {
		hi := h * math.Max(1, math.Abs(theta[i]))
		x[i] = theta[i] + hi
		fp, err := f(x)
		if err != nil {
			return nil, err
		}
		x[i] = theta[i] - hi
		fm, err := f(x)
		if err != nil {
			return nil, err
		}
		x[i] = theta[i]
		g[i] = (fp - fm) / (2 * hi)
	}
	return g, nil
}

// Hessian is the Hessian at theta by central differences of the analytic
// gradient grad (which writes ∇f(θ) into its first argument), with step
// h·max(1, |θ_j|) in coordinate j, symmetrised; row-major n×n.
func Hessian(grad func(g, theta []float64) error, theta []float64, h float64) ([]float64, error) {
	n := len(theta)
	H := make([]float64, n*n)
	x := append([]float64(nil), theta...)
	gp, gm := make([]float64, n), make([]float64, n)
	for j := range n {
		hj := h * math.Max(1, math.Abs(theta[j]))
		x[j] = theta[j] + hj
		if err := grad(gp, x); err != nil {
			return nil, err
		}
		x[j] = theta[j] - hj
		if err := grad(gm, x); err != nil {
			return nil, err
		}
		x[j] = theta[j]
		for i := range n {
			H[i*n+j] = (gp[i] - gm[i]) / (2 * hj)
		}
	}
	for i := range n {
		for j := range i {
			m := 0.5 * (H[i*n+j] + H[j*n+i])
			H[i*n+j], H[j*n+i] = m, m
		}
	}
	return H, nil
}
