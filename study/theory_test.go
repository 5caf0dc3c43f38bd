package study

import (
	"math"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/reparam"
)

func tinySet(n, d, classes int, seed int64) *datasets.Set { return datasets.Noise(n, d, classes, seed) }

// exactHessian is the dense Hessian of o at θ from n HVPs (row-major).
func exactHessian(t *testing.T, o *graph.Objective, theta []float64) []float64 {
	t.Helper()
	op, err := o.Hessian(theta)
	if err != nil {
		t.Fatal(err)
	}
	a, asym, err := measures.DenseMatrix(op, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if asym > 1e-10 {
		t.Fatalf("Hessian asymmetric by %g", asym)
	}
	n := o.Dim()
	h := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			h[i*n+j] = a.At(i, j)
		}
	}
	return h
}

// The seed's relations, with the network's own HVPs (not finite differences):
// ∇L(T_αθ) = D_α∇L(θ) and ∇²L(T_αθ) = D_α∇²L(θ)D_α elementwise, for 2- and
// 3-layer nets and a small CNN (convolution, max-pooling, flatten, two dense
// layers) with and without biases. Both sides are exact up to rounding;
// 1e-9 relative to the largest entry.
func TestHessianTransformsWithDAlpha(t *testing.T) {
	for _, tc := range []struct {
		spec   graph.Spec
		alphas []float64
	}{
		{graph.MLP(3, []int{4}, 3, false, loss.CrossEntropy), []float64{0.3, 1 / 0.3}},
		{graph.MLP(3, []int{4, 3}, 2, false, loss.MSE), []float64{2, 0.25, 2}},
		{graph.MLP(3, []int{4, 3}, 3, true, loss.CrossEntropy), []float64{0.5, 4, 0.5}},
		{tinyCNN(t, true), []float64{0.5, 4, 0.5}},
		{tinyCNN(t, false), []float64{3, 0.5, 1 / 1.5}},
	} {
		set := tinySet(9, tc.spec.Inputs(), tc.spec.Outputs(), 1)
		o, err := graph.NewObjective(tc.spec, set, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		theta, _ := graph.Init(tc.spec, graph.He, 3)
		for i := range theta {
			theta[i] += 0.1 // non-zero biases
		}
		tt, err := reparam.Layerwise(tc.spec, theta, tc.alphas)
		if err != nil {
			t.Fatal(err)
		}
		d, err := reparam.Diag(tc.spec, tc.alphas)
		if err != nil {
			t.Fatal(err)
		}
		n := o.Dim()
		g, gt := make([]float64, n), make([]float64, n)
		l, _ := o.LossGrad(g, theta)
		lt, _ := o.LossGrad(gt, tt)
		if math.Abs(l-lt) > 1e-12*math.Abs(l) {
			t.Fatalf("%v: loss changed under T_α: %v → %v", tc.alphas, l, lt)
		}
		gs := 0.0
		for i := range g {
			gs = math.Max(gs, math.Abs(g[i]*d[i]))
		}
		for i := range g {
			if math.Abs(gt[i]-d[i]*g[i]) > 1e-9*gs {
				t.Fatalf("%v: ∇L(Tθ)[%d] = %v, D∇L(θ) = %v", tc.alphas, i, gt[i], d[i]*g[i])
			}
		}
		h, ht := exactHessian(t, o, theta), exactHessian(t, o, tt)
		scale := 0.0
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				scale = math.Max(scale, math.Abs(d[i]*h[i*n+j]*d[j]))
			}
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if want := d[i] * h[i*n+j] * d[j]; math.Abs(ht[i*n+j]-want) > 1e-9*scale {
					t.Fatalf("%v: H(Tθ)[%d,%d] = %v, (DHD) = %v", tc.alphas, i, j, ht[i*n+j], want)
				}
			}
		}
	}
}

// For a 2-layer net, λ_max(α) ≥ α⁻²·λ_max(H_11) where H_11 is the first layer's
// block at α = 1 (Rayleigh quotient of D H D on a first-layer vector), so it
// grows at least like α⁻² as α → 0; checked with Lanczos on the transformed
// network for α = 1e-1 … 1e-3.
func TestLambdaMaxGrowsLikeAlphaMinus2(t *testing.T) {
	spec := graph.MLP(3, []int{5}, 3, false, loss.CrossEntropy)
	set := tinySet(12, 3, 3, 2)
	o, err := graph.NewObjective(spec, set, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	theta, _ := graph.Init(spec, graph.He, 4)
	n1 := spec.Params()[0].Size // the first layer's weights
	h := exactHessian(t, o, theta)
	n := o.Dim()
	block := &measures.Dense{N: n1, Data: make([]float64, n1*n1)}
	for i := 0; i < n1; i++ {
		for j := 0; j < n1; j++ {
			block.Data[i*n1+j] = h[i*n+j]
		}
	}
	ex, err := measures.ExactSpectrum(block, nil)
	if err != nil {
		t.Fatal(err)
	}
	l11 := ex.Values[len(ex.Values)-1]
	if !(l11 > 0) {
		t.Fatalf("first-layer block has λ_max %v ≤ 0", l11)
	}
	for _, alpha := range []float64{1e-1, 1e-2, 1e-3} {
		tt, err := Transform(spec, theta, KindLayer, 0, alpha)
		if err != nil {
			t.Fatal(err)
		}
		op, _ := o.Hessian(tt)
		lr, err := measures.Lanczos(op, &measures.LanczosSettings{Top: 1, Tol: 1e-10, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if lr.Top[0] < (1-1e-8)*l11/(alpha*alpha) {
			t.Fatalf("α=%g: λ_max %v < α⁻²·λ_max(H_11) = %v", alpha, lr.Top[0], l11/(alpha*alpha))
		}
	}
}

// The sweep itself: on a tiny net, every row has the same loss and accuracy
// and equivalence ≤ 1e-12; λ_max moves by > 100× over α ∈ [1e-2, 1e2], and the
// exactly invariant measures (ASAM with η = 0, Fisher–Rao) move by < 1e-6.
func TestSweepTinyNet(t *testing.T) {
	spec := graph.MLP(4, []int{6}, 3, true, loss.CrossEntropy)
	train, test := tinySet(30, 4, 3, 5), tinySet(10, 4, 3, 6)
	res, err := graph.Train(spec, train, nil, graph.TrainSettings{BatchSize: 10, Epochs: 30, LR: 0.1, Init: graph.He, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ms := DefaultMeasureSettings()
	ms.Eps, ms.Subspace, ms.TraceProbes, ms.FlatnessDirections = []float64{1e-3}, 5, 8, 4
	rows, err := Sweep(spec, res.Theta, train, test, SweepSettings{Alphas: []float64{1e-2, 1, 1e2}, Kind: KindLayer, Layer: 0, Measures: ms})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Equivalence > 1e-12 || math.Abs(r.Loss-rows[1].Loss) > 1e-10*rows[1].Loss || *r.TestAcc != *rows[1].TestAcc {
			t.Fatalf("α=%g: equivalence %g, loss %v vs %v", r.Alpha, r.Equivalence, r.Loss, rows[1].Loss)
		}
	}
	lam := []float64{rows[0].LambdaMax, rows[1].LambdaMax, rows[2].LambdaMax}
	if Spread(lam) < 100 {
		t.Errorf("λ_max barely moved: %v", lam)
	}
	for name, xs := range map[string][]float64{
		"asam":       {rows[0].ASAM, rows[1].ASAM, rows[2].ASAM},
		"fisher_rao": {rows[0].FisherRao, rows[1].FisherRao, rows[2].FisherRao},
	} {
		if sp := Spread(xs); !(sp < 1+1e-6) {
			t.Errorf("%s moved under T_α: %v", name, xs)
		}
	}
}

// tinyCNN is conv(1→2, 3×3, relu) → maxpool 2 → flatten → dense(→3, relu) →
// dense(→2) on 1×6×6 images: 3 layers with parameters.
func tinyCNN(t testing.TB, bias bool) graph.Spec {
	t.Helper()
	s, err := graph.CNN(graph.CNNSettings{Input: graph.Shape{1, 6, 6}, Channels: []int{2}, Kernel: 3, Pool: 2, Hidden: []int{3}, Classes: 2, NoBias: !bias}, loss.CrossEntropy)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
