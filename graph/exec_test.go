package graph

import (
	"runtime"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

// A program reuses its buffers: a second product with another v on the same
// compiled graph must not see anything of the first. Both are checked against
// finite differences (bound as in TestHVPMatchesFiniteDifferencesOfGradient),
// over two chunks, and repeating the first gives the same bits.
func TestConsecutiveHVPsWithDifferentVectors(t *testing.T) {
	s := MLP(6, []int{5, 4}, 3, true, loss.CrossEntropy)
	o := mustObjective(t, s, randomSet(13, s.Inputs(), s.Outputs(), 7), 8)
	n := o.Dim()
	theta := randomVec(n, 0.7, 8)
	v1, v2 := randomVec(n, 1, 9), randomVec(n, 1, 10)
	hv1, hv2, again := make([]float64, n), make([]float64, n), make([]float64, n)
	if _, err := o.HVP(hv1, nil, theta, v1); err != nil {
		t.Fatal(err)
	}
	if _, err := o.HVP(hv2, nil, theta, v2); err != nil {
		t.Fatal(err)
	}
	if d := numtest.MaxRelDiff(hv1, fdHVP(t, o, theta, v1)); d > 1e-6 {
		t.Fatalf("first Hv differs from finite differences by %.3g relative", d)
	}
	if d := numtest.MaxRelDiff(hv2, fdHVP(t, o, theta, v2)); d > 1e-6 {
		t.Fatalf("second Hv differs from finite differences by %.3g relative", d)
	}
	if _, err := o.HVP(again, nil, theta, v1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hv1, again) {
		t.Fatalf("the same product twice gave different bits")
	}
}

// Intermediates are allocated when a program is compiled, not per run: the
// bytes one HVP allocates stay below the size of a single hidden activation
// of the chunk (400 × 64 float64 = 200 KiB).
func TestHVPAllocatesNoIntermediates(t *testing.T) {
	s := MLP(50, []int{64, 64}, 10, true, loss.CrossEntropy)
	o := mustObjective(t, s, randomSet(400, s.Inputs(), s.Outputs(), 11), 0)
	n := o.Dim()
	theta, v, hv := randomVec(n, 0.1, 12), randomVec(n, 1, 13), make([]float64, n)
	if _, err := o.HVP(hv, nil, theta, v); err != nil { // compiles
		t.Fatal(err)
	}
	var a, b runtime.MemStats
	const runs = 5
	runtime.ReadMemStats(&a)
	for range runs {
		if _, err := o.HVP(hv, nil, theta, v); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&b)
	per := (b.TotalAlloc - a.TotalAlloc) / runs
	if limit := uint64(400 * 64 * 8); per >= limit {
		t.Fatalf("one HVP allocates %d bytes, want < %d", per, limit)
	}
}

// Only what the outputs depend on runs: the gradient program computes no
// ∂L/∂x (a chunk × inputs product), and the HVP program without the gradient
// has fewer matrix products than with it.
func TestProgramsSkipUnusedDerivatives(t *testing.T) {
	s := MLP(30, []int{20, 20}, 10, true, loss.CrossEntropy)
	o := mustObjective(t, s, randomSet(40, s.Inputs(), s.Outputs(), 14), 0)
	grad, err := o.MatMuls(ProductGradient)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grad {
		if g.M == 40 && g.N == 30 {
			t.Fatalf("gradient program computes ∂L/∂x: %+v", g)
		}
	}
	// forward 3 + backward 2 per layer except ∂/∂x of the first: 3 + 5.
	if len(grad) != 8 {
		t.Fatalf("gradient program has %d products, want 8: %+v", len(grad), grad)
	}
	hv, err := o.MatMuls(ProductHVP)
	if err != nil {
		t.Fatal(err)
	}
	hvg, err := o.MatMuls(ProductHVPGradient)
	if err != nil {
		t.Fatal(err)
	}
	if len(hv) >= len(hvg) {
		t.Fatalf("HVP alone has %d products, with the gradient %d", len(hv), len(hvg))
	}
}

// A product at a new θ recomputes what it kept from the last one, even when
// the caller changed θ in place: Hv at θ2 (written over θ1's slice) equals a
// fresh objective's, bit for bit.
func TestHVPAfterThetaChangedInPlace(t *testing.T) {
	s := MLP(6, []int{5, 4}, 3, true, loss.CrossEntropy)
	set := randomSet(13, s.Inputs(), s.Outputs(), 15)
	o := mustObjective(t, s, set, 0)
	n := o.Dim()
	theta, v := randomVec(n, 0.7, 16), randomVec(n, 1, 17)
	hv := make([]float64, n)
	if _, err := o.HVP(hv, nil, theta, v); err != nil {
		t.Fatal(err)
	}
	theta2 := randomVec(n, 0.7, 18)
	copy(theta, theta2)
	if _, err := o.HVP(hv, nil, theta, v); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, n)
	if _, err := mustObjective(t, s, set, 0).HVP(want, nil, theta2, v); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hv, want) {
		t.Fatalf("Hv after θ changed in place differs from a fresh objective's by %.3g", numtest.MaxRelDiff(hv, want))
	}
}

// Kept values change speed, not results: products with every chunk's values
// kept, with some kept (a budget of one chunk's) and with none give the same
// bits, twice at the same θ.
func TestHVPKeptValuesSameBits(t *testing.T) {
	s := MLP(6, []int{5, 4}, 3, true, loss.CrossEntropy)
	set := randomSet(13, s.Inputs(), s.Outputs(), 19)
	n := s.NumParams()
	theta, v := randomVec(n, 0.7, 20), randomVec(n, 1, 21)
	hvp := func(keep int) []float64 {
		hv := make([]float64, n)
		o := mustObjectiveWith(t, s, set, ObjectiveSettings{Chunk: 4, KeepBytes: keep})
		for range 2 {
			if _, err := o.HVP(hv, nil, theta, v); err != nil {
				t.Fatal(err)
			}
		}
		return hv
	}
	all := hvp(0)
	for _, keep := range []int{-1, 4 * (5 + 5 + 4 + 4 + 3) * 8} {
		if got := hvp(keep); !slices.Equal(all, got) {
			t.Fatalf("KeepBytes %d: products differ from all kept by %.3g", keep, numtest.MaxRelDiff(got, all))
		}
	}
}

// At a fixed θ a product reuses every chunk's kept values: after the first
// product each chunk's store is valid, and a second product runs no step of
// the first phase (the stores' generation stays that of θ).
func TestHVPKeepsEveryChunkAtFixedTheta(t *testing.T) {
	s := MLP(6, []int{5, 4}, 3, true, loss.CrossEntropy)
	o := mustObjective(t, s, randomSet(13, s.Inputs(), s.Outputs(), 22), 4)
	n := s.NumParams()
	theta, hv := randomVec(n, 0.7, 23), make([]float64, n)
	for k := range 2 {
		if _, err := o.HVP(hv, nil, theta, randomVec(n, 1, int64(24+k))); err != nil {
			t.Fatal(err)
		}
	}
	if len(o.hvp.kept) != o.Chunks() {
		t.Fatalf("%d chunks have kept values, want all %d", len(o.hvp.kept), o.Chunks())
	}
	for key, st := range o.hvp.kept {
		if !st.valid || st.gen != o.hvp.gen {
			t.Fatalf("chunk of %d samples: kept values valid %v at generation %d, θ's is %d", key.chunk.n, st.valid, st.gen, o.hvp.gen)
		}
	}
}

// The loss and gradient a product returns come from the chunk's kept values
// when the first phase is skipped: a second product at the same θ returns the
// bits of the first.
func TestHVPKeptLossAndGradient(t *testing.T) {
	s := MLP(6, []int{5, 4}, 3, true, loss.CrossEntropy)
	o := mustObjective(t, s, randomSet(13, s.Inputs(), s.Outputs(), 26), 4)
	n := s.NumParams()
	theta, hv := randomVec(n, 0.7, 27), make([]float64, n)
	g1, g2 := make([]float64, n), make([]float64, n)
	l1, err := o.HVP(hv, g1, theta, randomVec(n, 1, 28))
	if err != nil {
		t.Fatal(err)
	}
	l2, err := o.HVP(hv, g2, theta, randomVec(n, 1, 29))
	if err != nil {
		t.Fatal(err)
	}
	if l1 != l2 || !slices.Equal(g1, g2) {
		t.Fatalf("second product at the same θ: loss %v (first %v), gradient differs by %.3g", l2, l1, numtest.MaxRelDiff(g2, g1))
	}
}

// TestProductWithOnesIsTheInput: x ⊙ 1 of an input x (the first derivative of
// a sum times v, in every HVP) runs no step: its value is x's own.
func TestProductWithOnesIsTheInput(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("x"))
	ones := G.NewConstant(tensor.New(tensor.WithShape(3, 4), tensor.WithBacking([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})))
	y, err := G.HadamardProd(ones, x)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compile(g, []*G.Node{x}, nil, []*G.Node{y}, tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.steps) != 1 || p.steps[0].mode != modeAlias {
		t.Fatalf("steps %+v, want one alias", p.steps)
	}
	xv := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking(randomVec(12, 1, 1)))
	p.set(x, xv)
	if err := p.run(); err != nil {
		t.Fatal(err)
	}
	if p.value(y) != G.Value(xv) {
		t.Fatalf("x ⊙ 1 is %v, want x itself", p.value(y))
	}
}

// TestProductWithNonOnesIsComputed: a constant with one value other than 1
// keeps its product.
func TestProductWithNonOnesIsComputed(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 2), G.WithName("x"))
	c := G.NewConstant(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 1, 1, 0.5})))
	y, err := G.HadamardProd(x, c)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compile(g, []*G.Node{x}, nil, []*G.Node{y}, tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	p.set(x, tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{2, 4, 6, 8})))
	if err := p.run(); err != nil {
		t.Fatal(err)
	}
	if got := p.value(y).Data().([]float64); got[3] != 4 || got[0] != 2 {
		t.Fatalf("x ⊙ c = %v, want [2 4 6 4]", got)
	}
}
