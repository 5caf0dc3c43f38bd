package graph

import (
	"math/rand"
	"testing"

	"github.com/minima-project/minima/datasets"
)

// randomSet returns n Gaussian samples of d features with random labels.
func randomSet(n, d, classes int, seed int64) *datasets.Set {
	return datasets.Noise(n, d, classes, seed)
}

func randomVec(n int, scale float64, seed int64) []float64 {
	r := rand.New(rand.NewSource(seed))
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

func mustObjective(t testing.TB, s Spec, set *datasets.Set, chunk int) *Objective {
	t.Helper()
	return mustObjectiveWith(t, s, set, ObjectiveSettings{Chunk: chunk})
}

func mustObjectiveWith(t testing.TB, s Spec, set *datasets.Set, st ObjectiveSettings) *Objective {
	t.Helper()
	o, err := NewObjectiveWith(s, set, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o
}

// fdHVP is the central difference of the gradient along v:
// (∇L(θ+hv) − ∇L(θ−hv)) / 2h with h = 1e-5.
func fdHVP(t *testing.T, o *Objective, theta, v []float64) []float64 {
	t.Helper()
	return fdHVPStep(t, o, theta, v, 1e-5)
}

// fdHVPStep is fdHVP with step h.
func fdHVPStep(t *testing.T, o *Objective, theta, v []float64, h float64) []float64 {
	t.Helper()
	n := len(theta)
	tp, tm := make([]float64, n), make([]float64, n)
	for j := range theta {
		tp[j], tm[j] = theta[j]+h*v[j], theta[j]-h*v[j]
	}
	gp, gm := make([]float64, n), make([]float64, n)
	if _, err := o.LossGrad(gp, tp); err != nil {
		t.Fatal(err)
	}
	if _, err := o.LossGrad(gm, tm); err != nil {
		t.Fatal(err)
	}
	fd := make([]float64, n)
	for j := range fd {
		fd[j] = (gp[j] - gm[j]) / (2 * h)
	}
	return fd
}
