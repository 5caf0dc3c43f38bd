package graph

import (
	"math"
	"math/rand"
	"testing"

	"github.com/minima-project/minima/datasets"
)

// randomSet returns n samples of d Gaussian features with labels in [0, classes).
func randomSet(n, d, classes int, seed int64) *datasets.Set {
	r := rand.New(rand.NewSource(seed))
	s := &datasets.Set{X: make([]float64, n*d), Y: make([]int, n), N: n, D: d, Classes: classes}
	for i := range s.X {
		s.X[i] = r.NormFloat64()
	}
	for i := range s.Y {
		s.Y[i] = r.Intn(classes)
	}
	return s
}

func randomVec(n int, scale float64, seed int64) []float64 {
	r := rand.New(rand.NewSource(seed))
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

// maxRelDiff is max_i |a_i − b_i| / max(max_i |b_i|, tiny).
func maxRelDiff(a, b []float64) float64 {
	scale, d := 0.0, 0.0
	for i := range a {
		scale = math.Max(scale, math.Abs(b[i]))
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d / math.Max(scale, 1e-300)
}

func mustObjective(t testing.TB, s Spec, set *datasets.Set, chunk int) *Objective {
	t.Helper()
	o, err := NewObjective(s, set, chunk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o
}
