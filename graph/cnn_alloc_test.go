package graph

import (
	"runtime"
	"testing"

	"github.com/minima-project/minima/loss"
)

// hvpBytes returns the bytes allocated per HVP of o over runs HVPs after a
// first, warming one, alternating θ between theta and a perturbed copy when
// newTheta (so every run computes the whole graph) or keeping θ (so runs
// after the first skip the steps that do not depend on v).
func hvpBytes(t *testing.T, o *Objective, theta, v []float64, runs int, newTheta bool) float64 {
	t.Helper()
	theta2 := append([]float64(nil), theta...)
	theta2[0] += 1e-3
	hv, grad := make([]float64, len(theta)), make([]float64, len(theta))
	hvp := func(i int) {
		th := theta
		if newTheta && i%2 == 1 {
			th = theta2
		}
		if _, err := o.HVP(hv, grad, th, v); err != nil {
			t.Fatal(err)
		}
	}
	hvp(0)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 1; i <= runs; i++ {
		hvp(i)
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// TestCNNHVPAllocations: after the first run, an HVP of the default CNN on
// 100 samples allocates less than a quarter of one activation of its first
// convolution (100 × 24·24 × 8 float64, 3.7 MB), whether θ changes between
// runs or not: the convolution, pooling and layout ops write into the
// program's buffers (UsePreallocDo) and reuse their patch scratch. (Before
// they did, an HVP allocated 46 MB at a fixed θ and 79 MB with a new θ. What
// is left is about 30–50 kB with OpenBLAS and 0.4–0.8 MB with gonum's BLAS,
// whose parallel dgemm allocates on each call.)
func TestCNNHVPAllocations(t *testing.T) {
	s, err := CNN(CNNSettings{}, loss.CrossEntropy)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	o := mustObjective(t, s, randomSet(n, s.Inputs(), s.Outputs(), 1), n)
	theta := randomVec(o.Dim(), 0.1, 2)
	v := randomVec(o.Dim(), 1, 3)
	act := float64(n * 24 * 24 * 8 * 8)
	for _, newTheta := range []bool{false, true} {
		b := hvpBytes(t, o, theta, v, 4, newTheta)
		t.Logf("new θ each run %v: %.0f bytes per HVP (%.4f of a conv activation)", newTheta, b, b/act)
		if b > act/4 {
			t.Errorf("new θ each run %v: %.0f bytes per HVP, want < %.0f (a quarter of a conv activation)", newTheta, b, act/4)
		}
	}
}
