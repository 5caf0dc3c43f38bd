package reparam

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tnet is a random network with data for tests.
type tnet struct {
	layout Layout
	theta  []float64
	X      []float64
	n      int
	labels []int
}

// newTNet builds a random MLP with the given sizes, bias flag and n samples.
func newTNet(t testing.TB, sizes []int, bias bool, n int, seed uint64) tnet {
	t.Helper()
	l, err := MLP(sizes, bias)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	theta := make([]float64, l.Dim())
	for k, d := range l.Layers {
		w := l.W(theta, k)
		sc := 1 / math.Sqrt(float64(d.In))
		for i := range w {
			w[i] = rng.NormFloat64() * sc * 1.5
		}
		bb := l.B(theta, k)
		for i := range bb {
			bb[i] = 0.3 * rng.NormFloat64()
		}
	}
	X := make([]float64, n*sizes[0])
	for i := range X {
		X[i] = rng.NormFloat64()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(sizes[len(sizes)-1])
	}
	return tnet{layout: l, theta: theta, X: X, n: n, labels: labels}
}

func (tn tnet) ref(kind string) *Reference {
	return &Reference{Layout: tn.layout, X: tn.X, N: tn.n, Labels: tn.labels, Kind: kind}
}

// fdGrad returns the central finite-difference gradient of r at theta.
func fdGrad(t testing.TB, r *Reference, theta []float64, h float64) []float64 {
	t.Helper()
	g := make([]float64, len(theta))
	x := append([]float64(nil), theta...)
	for i := range x {
		hi := h * math.Max(1, math.Abs(theta[i]))
		x[i] = theta[i] + hi
		fp, err := r.Loss(x)
		if err != nil {
			t.Fatal(err)
		}
		x[i] = theta[i] - hi
		fm, _ := r.Loss(x)
		x[i] = theta[i]
		g[i] = (fp - fm) / (2 * hi)
	}
	return g
}

// fdHessian returns the Hessian of r at theta by central differences of the
// analytic gradient, symmetrised.
func fdHessian(t testing.TB, r *Reference, theta []float64, h float64) [][]float64 {
	t.Helper()
	n := len(theta)
	H := make([][]float64, n)
	x := append([]float64(nil), theta...)
	gp := make([]float64, n)
	gm := make([]float64, n)
	for j := 0; j < n; j++ {
		hj := h * math.Max(1, math.Abs(theta[j]))
		x[j] = theta[j] + hj
		if _, err := r.LossGrad(gp, x); err != nil {
			t.Fatal(err)
		}
		x[j] = theta[j] - hj
		r.LossGrad(gm, x)
		x[j] = theta[j]
		H[j] = make([]float64, n)
		for i := range H[j] {
			H[j][i] = (gp[i] - gm[i]) / (2 * hj)
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			m := 0.5 * (H[i][j] + H[j][i])
			H[i][j], H[j][i] = m, m
		}
	}
	return H
}

// relErr returns max|a−b| / max|b| (max|b| floored at tiny).
func relErr(a, b []float64) float64 {
	d, s := 0.0, 1e-300
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
		s = math.Max(s, math.Abs(b[i]))
	}
	return d / s
}
