package study

import (
	"math"
	"testing"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/measures"
)

// lanczosAgrees fails unless Lanczos finds the largest eigenvalues top
// (descending) of the Hessian of the saved model's mean training loss, to
// 1e-8 relative to λ_max.
func lanczosAgrees(t *testing.T, model string, top []float64) {
	t.Helper()
	m, err := graph.LoadModel(model)
	if err != nil {
		t.Fatal(err)
	}
	train, _, err := m.Data.Load("")
	if err != nil {
		t.Fatal(err)
	}
	o, err := graph.NewObjective(m.Spec, train, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	op, err := o.Hessian(m.Theta)
	if err != nil {
		t.Fatal(err)
	}
	lr, err := measures.Lanczos(op, &measures.LanczosSettings{Top: len(top), Tol: 1e-10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range top {
		if math.Abs(lr.Top[i]-v) > 1e-8*top[0] {
			t.Errorf("eigenvalue %d: Lanczos %.12g, exact %.12g", i+1, lr.Top[i], v)
		}
	}
}

// exactAgrees fails unless top (descending) are the largest eigenvalues of
// the exact Hessian of the saved model's mean training loss, to 1e-8
// relative to λ_max.
func exactAgrees(t *testing.T, model string, top []float64) {
	t.Helper()
	m, err := graph.LoadModel(model)
	if err != nil {
		t.Fatal(err)
	}
	train, _, err := m.Data.Load("")
	if err != nil {
		t.Fatal(err)
	}
	h, err := exactSpectrum(m, train, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := topOf(h.Eigenvalues, len(top))
	for i, v := range top {
		if math.Abs(want[i]-v) > 1e-8*want[0] {
			t.Errorf("eigenvalue %d: Lanczos %.12g, exact %.12g", i+1, v, want[i])
		}
	}
}
