package study_test

// Checks of study.ComputeMeasures against independent computations with the
// measures package on tiny trained networks.

import (
	"math"
	"reflect"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/study"
)

// measuresNet trains a tiny ReLU MLP (dim-hidden-3, biases, cross-entropy)
// on 3 Gaussian clusters and returns its objective over the training set
// (closed with the test), the labels and the trained θ.
func measuresNet(t *testing.T, dim, hidden int) (*graph.Objective, []int, []float64) {
	t.Helper()
	train, _, err := datasets.Clusters(datasets.ClusterConfig{Classes: 3, Dim: dim, PerClass: 15, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	spec := graph.MLP(dim, []int{hidden}, 3, true, loss.CrossEntropy)
	res, err := graph.Train(spec, train, nil, graph.TrainSettings{BatchSize: 15, Epochs: 20, LR: 0.1, Init: graph.He, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	o, err := graph.NewObjective(spec, train, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o, train.Y, res.Theta
}

// smallMeasureSettings keep ComputeMeasures fast on tiny nets.
func smallMeasureSettings() study.MeasureSettings {
	ms := study.DefaultMeasureSettings()
	ms.Eps, ms.Subspace, ms.TraceProbes, ms.FlatnessDirections = []float64{1e-3}, 5, 8, 4
	return ms
}

// flatnessRadius is the ε-flatness radius along d alone (no random
// directions).
func flatnessRadius(t *testing.T, o *graph.Objective, theta []float64, eps float64, d []float64) float64 {
	t.Helper()
	fr, err := measures.Flatness(o, theta, &measures.FlatnessSettings{Eps: eps, Extra: [][]float64{d}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fr.Radii) != 1 {
		t.Fatalf("Flatness with one Extra direction and Directions 0 gave %d radii", len(fr.Radii))
	}
	return fr.Radii[0]
}

// Measures.FlatnessTopRadius is the ε-flatness radius along the top Hessian
// eigenvector: recomputed with measures.Flatness along the exact top
// eigenvector (either sign: the radius is min(plus, minus)), it agrees to the
// bisection's relative tolerance, and it differs from the radius along the
// bottom eigenvector (so the check can tell the directions apart).
func TestFlatnessTopRadiusIsTopEigenvector(t *testing.T) {
	o, labels, theta := measuresNet(t, 4, 5)
	n := o.Dim()
	m, err := study.ComputeMeasures(o, labels, theta, smallMeasureSettings())
	if err != nil {
		t.Fatal(err)
	}
	op, err := o.Hessian(theta)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := measures.ExactSpectrum(op, &measures.ExactSettings{Vectors: true})
	if err != nil {
		t.Fatal(err)
	}
	top, second := ex.Values[n-1], ex.Values[n-2]
	if !(top > 0) || (top-second) < 1e-3*top {
		t.Fatalf("top eigenvalues %v, %v: no gap, the top eigenvector is ill-defined", top, second)
	}
	if math.Abs(m.LambdaMax-top) > 1e-6*top {
		t.Errorf("λ_max %.17g, exact %.17g", m.LambdaMax, top)
	}
	column := func(j int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = ex.Vectors.At(i, j)
		}
		return v
	}
	v := column(n - 1)
	neg := make([]float64, n)
	for i := range v {
		neg[i] = -v[i]
	}
	const tol = measures.DefaultFlatnessRelTol
	eps := m.FlatnessEps
	if eps != measures.DefaultFlatnessEps {
		t.Errorf("flatness_eps %v, want the default %v", eps, measures.DefaultFlatnessEps)
	}
	rTop := flatnessRadius(t, o, theta, eps, v)
	t.Logf("λ_max %.6g (next %.6g); FlatnessTopRadius %.9g, along the exact top eigenvector %.9g", top, second, m.FlatnessTopRadius, rTop)
	if rNeg := flatnessRadius(t, o, theta, eps, neg); rNeg != rTop {
		t.Errorf("radius along −v %v, along v %v: Radii should be sign-symmetric", rNeg, rTop)
	}
	if d := math.Abs(m.FlatnessTopRadius - rTop); d > 1.5*tol*math.Max(rTop, m.FlatnessTopRadius) {
		t.Errorf("FlatnessTopRadius %v, radius along the exact top eigenvector %v (relative difference %.2g > %g)",
			m.FlatnessTopRadius, rTop, d/rTop, 1.5*tol)
	}
	// The radius along the flattest eigenvector is far from it: the check
	// above identifies the direction.
	if rBottom := flatnessRadius(t, o, theta, eps, column(0)); !(rBottom > 2*rTop) {
		t.Errorf("radius along the bottom eigenvector %v, along the top %v: expected the top direction to be much sharper", rBottom, rTop)
	}
	// To second order the loss along the top eigenvector rises by λ r²/2
	// (plus the gradient term, small at a trained minimum): the radius is
	// near √(2ε/λ_max).
	if q := math.Sqrt(2 * eps / top); rTop > 2*q || rTop < q/2 {
		t.Errorf("radius along the top eigenvector %v, quadratic model √(2ε/λ) = %v", rTop, q)
	}
}

// ComputeMeasures skips the subspace ε-sharpness when p ≥ n (the subspace
// would be the full space) instead of failing; p = n − 1 is measured.
func TestComputeMeasuresSubspaceAtLeastParams(t *testing.T) {
	o, labels, theta := measuresNet(t, 2, 2)
	n := o.Dim()
	if n != 2*2+2+2*3+3 {
		t.Fatalf("%d parameters", n)
	}
	for _, p := range []int{0, n - 1, n, n + 1, 100} {
		ms := smallMeasureSettings()
		ms.Eps, ms.Subspace = []float64{1e-3, 5e-4}, p
		m, err := study.ComputeMeasures(o, labels, theta, ms)
		if err != nil {
			t.Errorf("subspace %d, %d parameters: %v", p, n, err)
			continue
		}
		want := 2
		if p > 0 && p < n {
			want = 4
		}
		if len(m.Sharpness) != want {
			t.Errorf("subspace %d, %d parameters: %d ε-sharpness entries, want %d: %+v", p, n, len(m.Sharpness), want, m.Sharpness)
		}
		for _, s := range m.Sharpness {
			if s.Subspace >= n || (s.Subspace != 0 && s.Subspace != p) {
				t.Errorf("subspace %d, %d parameters: entry %+v", p, n, s)
			}
		}
	}
}

// The same settings give the same measures (the seeds fix every random
// choice); only the timing may differ.
func TestComputeMeasuresDeterministic(t *testing.T) {
	o, labels, theta := measuresNet(t, 4, 5)
	a, err := study.ComputeMeasures(o, labels, theta, smallMeasureSettings())
	if err != nil {
		t.Fatal(err)
	}
	b, err := study.ComputeMeasures(o, labels, theta, smallMeasureSettings())
	if err != nil {
		t.Fatal(err)
	}
	a.Seconds, b.Seconds = 0, 0
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two runs differ:\n%+v\n%+v", a, b)
	}
}
