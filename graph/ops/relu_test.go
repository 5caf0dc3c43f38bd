package ops

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// reluInput is a 3×4 matrix holding every kind of value the step must treat
// as gorgonia's x ≥ 0 does: signed zeros, infinities, NaN, subnormals.
func reluInput() []float64 {
	return []float64{
		-1.5, 0, math.Copysign(0, -1), 2.25,
		math.Inf(1), math.Inf(-1), math.NaN(), 5e-324,
		-5e-324, 1e300, -1e-300, 0.5,
	}
}

// reluRun evaluates f(x) and the gradient of Σ c ⊙ f(x) with respect to x
// with gorgonia's tape machine, on reluInput and fixed weights c.
func reluRun(t *testing.T, f func(*G.Node) (*G.Node, error)) (value, grad []float64) {
	t.Helper()
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("x"))
	c := G.NewConstant(tensor.New(tensor.WithShape(3, 4), tensor.WithBacking(randVec(12, 1, 3))))
	y, err := f(x)
	if err != nil {
		t.Fatal(err)
	}
	p, err := G.HadamardProd(y, c)
	if err != nil {
		t.Fatal(err)
	}
	s, err := G.Sum(p)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := G.Grad(s, x)
	if err != nil {
		t.Fatal(err)
	}
	var yv, gv G.Value
	G.Read(y, &yv)
	G.Read(gs[0], &gv)
	if err := G.Let(x, dense(tensor.Shape{3, 4}, reluInput())); err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), yv.Data().([]float64)...), append([]float64(nil), gv.Data().([]float64)...)
}

// TestReLUMatchesRectify: ReLU gives gorgonia's Rectify's value bit for bit
// on zeros of both signs, infinities, NaN and subnormals.
func TestReLUMatchesRectify(t *testing.T) {
	got, _ := reluRun(t, ReLU)
	want, _ := reluRun(t, G.Rectify)
	if i := sameBits(got, want); i >= 0 {
		t.Fatalf("element %d (x = %v): ReLU %v, Rectify %v", i, reluInput()[i], got[i], want[i])
	}
}

// TestReLUGradientMatchesRectify: the gradient through ReLU is Rectify's bit
// for bit: the step is a constant for differentiation in both.
func TestReLUGradientMatchesRectify(t *testing.T) {
	_, got := reluRun(t, ReLU)
	_, want := reluRun(t, G.Rectify)
	if i := sameBits(got, want); i >= 0 {
		t.Fatalf("element %d (x = %v): ReLU's gradient %v, Rectify's %v", i, reluInput()[i], got[i], want[i])
	}
}

// TestStepIsBranchFreeGte: the step is 1 exactly where x ≥ 0 (−0 included,
// NaN excluded) and +0 elsewhere, in float64 and float32.
func TestStepIsBranchFreeGte(t *testing.T) {
	x := reluInput()
	op := stepOp{R: 3, C: 4}
	d := make([]float64, len(x))
	op.into64(d, [][]float64{x})
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	f := make([]float32, len(x))
	op.into32(f, [][]float32{x32})
	for i, v := range x {
		want := 0.0
		if v >= 0 {
			want = 1
		}
		if math.Float64bits(d[i]) != math.Float64bits(want) {
			t.Errorf("x = %v: float64 step %v, want %v", v, d[i], want)
		}
		want32 := float32(0)
		if x32[i] >= 0 {
			want32 = 1
		}
		if math.Float32bits(f[i]) != math.Float32bits(want32) {
			t.Errorf("x = %v: float32 step %v, want %v", x32[i], f[i], want32)
		}
	}
}

// TestReLURejectsNonMatrix: a vector input is an error, not a panic.
func TestReLURejectsNonMatrix(t *testing.T) {
	g := G.NewGraph()
	v := G.NewVector(g, tensor.Float64, G.WithShape(4), G.WithName("v"))
	if _, err := ReLU(v); err == nil {
		t.Fatal("ReLU of a vector: no error")
	}
}
