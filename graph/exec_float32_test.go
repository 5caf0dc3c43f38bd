package graph

import (
	"math"
	"testing"

	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/measures"
)

// float32Specs are the networks the float32 tests run: an MLP, and the
// two-convolution CNN (padding, stride 2, max-pooling) with and without
// biases.
var float32Specs = []struct {
	name string
	spec Spec
}{
	{"mlp", MLP(20, []int{16, 16}, 4, true, loss.CrossEntropy)},
	{"cnn", twoConvCNN(true, loss.CrossEntropy)},
	{"cnn-nobias-mse", twoConvCNN(false, loss.MSE)},
}

// float32Pair returns the same objective of s in float64 and in float32,
// over two chunks, with a θ and a v.
func float32Pair(t *testing.T, s Spec) (o64, o32 *Objective, theta, v []float64) {
	t.Helper()
	set := randomSet(60, s.Inputs(), s.Outputs(), 31)
	o64 = mustObjective(t, s, set, 40)
	o32 = mustObjectiveWith(t, s, set, ObjectiveSettings{Chunk: 40, Float32: true})
	return o64, o32, randomVec(o64.Dim(), 0.3, 32), randomVec(o64.Dim(), 1, 33)
}

// Single precision has a unit roundoff of 6e-8; a product accumulates a few
// hundred roundings of terms of similar size, so loss, gradient and Hv agree
// with float64 to ~1e-6 relative: 1e-4 is the bound, which a wrong float32
// path (errors of order 1) cannot meet, and neither can float64 bits be
// claimed (the difference must be above 1e-12, so a network silently run in
// float64 fails). In the CNNs, a rounding that moved a max-pooling argmax or
// a ReLU across its kink would break the bound; with continuous random data
// no near-tie within 1e-6 occurs.
func TestFloat32ProductsMatchFloat64(t *testing.T) {
	for _, tc := range float32Specs {
		t.Run(tc.name, func(t *testing.T) {
			o64, o32, theta, v := float32Pair(t, tc.spec)
			n := o64.Dim()
			hv64, g64, hv32, g32 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			l64, err := o64.HVP(hv64, g64, theta, v)
			if err != nil {
				t.Fatal(err)
			}
			l32, err := o32.HVP(hv32, g32, theta, v)
			if err != nil {
				t.Fatal(err)
			}
			dl, dg, dh := math.Abs(l32-l64)/math.Abs(l64), numtest.MaxRelDiff(g32, g64), numtest.MaxRelDiff(hv32, hv64)
			if dl > 1e-4 || dl < 1e-12 {
				t.Errorf("float32 loss differs from float64 by %.3g relative", dl)
			}
			if dg > 1e-4 || dg < 1e-12 {
				t.Errorf("float32 gradient differs from float64 by %.3g relative", dg)
			}
			if dh > 1e-4 || dh < 1e-12 {
				t.Errorf("float32 Hv differs from float64 by %.3g relative", dh)
			}
			t.Logf("float32 vs float64, relative: loss %.3g, gradient %.3g, Hv %.3g", dl, dg, dh)
		})
	}
}

// The top eigenvalues from float32 products (float64 Lanczos vectors) agree
// with float64's: |Δλ| ≤ 1e-4·λ_1. The float32 operator is H plus a
// perturbation of norm ~1e-6·‖H‖ (previous test), and Weyl's inequality bounds
// each eigenvalue's change by that norm.
func TestFloat32EigenvaluesMatchFloat64(t *testing.T) {
	for _, tc := range float32Specs {
		t.Run(tc.name, func(t *testing.T) {
			o64, o32, theta, _ := float32Pair(t, tc.spec)
			top := func(o *Objective) []float64 {
				h, err := o.Hessian(theta)
				if err != nil {
					t.Fatal(err)
				}
				r, err := measures.Lanczos(h, &measures.LanczosSettings{Top: 5, Tol: 1e-5, Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				return r.Top
			}
			want, got := top(o64), top(o32)
			worst := 0.0
			for i := range want {
				worst = math.Max(worst, math.Abs(got[i]-want[i])/math.Abs(want[0]))
			}
			if worst > 1e-4 {
				t.Fatalf("float32 top eigenvalues %v differ from float64 %v by %.3g·λ_1", got, want, worst)
			}
			t.Logf("float32 vs float64 top 5: worst |Δλ|/λ_1 = %.3g", worst)
		})
	}
}
