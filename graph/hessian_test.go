package graph

import (
	"math"
	"testing"

	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

// The loss, gradient and Hv over chunks of 5 (the last one padded) equal the
// one-chunk results up to summation order: 1e-13 relative.
func TestChunkedMeanEqualsOneBatch(t *testing.T) {
	s := MLP(5, []int{4, 3}, 3, true, loss.CrossEntropy)
	set := randomSet(13, 5, 3, 7)
	one := mustObjective(t, s, set, 0)
	chunked := mustObjective(t, s, set, 5)
	if len(chunked.chunks) != 3 || len(one.chunks) != 1 {
		t.Fatalf("chunks: %d and %d, want 3 and 1", len(chunked.chunks), len(one.chunks))
	}
	n := one.Dim()
	theta, v := randomVec(n, 0.7, 8), randomVec(n, 1, 9)
	h1, g1 := make([]float64, n), make([]float64, n)
	h2, g2 := make([]float64, n), make([]float64, n)
	l1, err := one.HVP(h1, g1, theta, v)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := chunked.HVP(h2, g2, theta, v)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l1-l2) > 1e-13*math.Abs(l1) {
		t.Errorf("loss: one chunk %v, chunked %v", l1, l2)
	}
	if d := numtest.MaxRelDiff(g2, g1); d > 1e-13 {
		t.Errorf("gradient differs by %.3g relative", d)
	}
	if d := numtest.MaxRelDiff(h2, h1); d > 1e-13 {
		t.Errorf("Hv differs by %.3g relative", d)
	}
	_, a1, _ := one.Evaluate(theta)
	_, a2, _ := chunked.Evaluate(theta)
	if a1 != a2 {
		t.Errorf("accuracy: one chunk %v, chunked %v", a1, a2)
	}
	lg1, _ := one.Logits(theta)
	lg2, _ := chunked.Logits(theta)
	if len(lg2) != 13*3 || numtest.MaxRelDiff(lg2, lg1) > 0 {
		t.Errorf("logits differ between chunkings")
	}
}

// denseHessian builds H column by column from n HVPs on basis vectors.
func denseHessian(t *testing.T, o *Objective, theta []float64) [][]float64 {
	n := o.Dim()
	h, err := o.Hessian(theta)
	if err != nil {
		t.Fatal(err)
	}
	cols := make([][]float64, n)
	e := make([]float64, n)
	for j := 0; j < n; j++ {
		e[j] = 1
		cols[j] = make([]float64, n)
		if err := h.Apply(cols[j], e); err != nil {
			t.Fatal(err)
		}
		e[j] = 0
	}
	return cols
}

// The Hessian of a tiny net from n HVPs is symmetric to 1e-10 (absolute, the
// entries are O(1)) and equals the Hessian from central differences of the
// loss, (L(θ+he_i+he_j) − L(θ+he_i−he_j) − L(θ−he_i+he_j) + L(θ−he_i−he_j))/4h²,
// whose error with h = 1e-4 is O(h²) + O(ε/h²) ≈ 1e-7: bound 1e-5 relative.
func TestHessianOfTinyNet(t *testing.T) {
	for _, s := range []Spec{
		MLP(3, []int{4}, 3, true, loss.CrossEntropy),
		MLP(3, []int{3, 2}, 2, false, loss.MSE),
	} {
		o := mustObjective(t, s, randomSet(11, s.Inputs(), s.Outputs(), 10), 4)
		n := o.Dim()
		theta := randomVec(n, 0.8, 11)
		H := denseHessian(t, o, theta)
		asym, scale := 0.0, 0.0
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				asym = math.Max(asym, math.Abs(H[i][j]-H[j][i]))
				scale = math.Max(scale, math.Abs(H[i][j]))
			}
		}
		if asym > 1e-10 {
			t.Errorf("%v: Hessian asymmetric by %.3g", s.Layers, asym)
		}
		if scale == 0 {
			t.Fatalf("Hessian is zero")
		}
		const h = 1e-4
		at := func(i, j int, si, sj float64) float64 {
			p := append([]float64(nil), theta...)
			p[i] += si * h
			p[j] += sj * h
			l, err := o.Loss(p)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		worst := 0.0
		for i := 0; i < n; i++ {
			for j := 0; j <= i; j++ {
				fd := (at(i, j, 1, 1) - at(i, j, 1, -1) - at(i, j, -1, 1) + at(i, j, -1, -1)) / (4 * h * h)
				worst = math.Max(worst, math.Abs(fd-H[j][i]))
			}
		}
		if worst > 1e-5*scale {
			t.Errorf("%v: Hessian differs from finite differences by %.3g (scale %.3g)", s.Layers, worst, scale)
		}
	}
}
