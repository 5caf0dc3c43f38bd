package ops

import (
	"fmt"
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// reluInput is a 3×4 matrix holding every kind of value ReLU must treat as
// gorgonia's x ≥ 0 does: signed zeros, infinities, NaN, subnormals.
func reluInput() []float64 {
	return []float64{
		-1.5, 0, math.Copysign(0, -1), 2.25,
		math.Inf(1), math.Inf(-1), math.NaN(), 5e-324,
		-5e-324, 1e300, -1e-300, 0.5,
	}
}

// derivatives evaluates, with gorgonia's tape machine, y = f(inputs) on the
// values vals, the gradient of L = Σ c ⊙ y with respect to each input, and
// the gradient with respect to c of M = Σ_k Σ d_k ⊙ ∂L/∂input_k — a
// derivative through f's backward, as a Hessian-vector product takes it
// (c and the d_k are fixed random values). It returns y, the ∂L/∂input_k
// and ∂M/∂c, in that order, flattened.
func derivatives(t *testing.T, f func(in []*G.Node) (*G.Node, error), vals ...*tensor.Dense) [][]float64 {
	t.Helper()
	g := G.NewGraph()
	in := make([]*G.Node, len(vals))
	for i, v := range vals {
		in[i] = G.NewTensor(g, tensor.Float64, v.Dims(), G.WithShape(v.Shape()...), G.WithValue(v), G.WithName(fmt.Sprintf("in%d", i)))
	}
	y, err := f(in)
	if err != nil {
		t.Fatal(err)
	}
	c := G.NewTensor(g, tensor.Float64, y.Dims(), G.WithShape(y.Shape()...),
		G.WithValue(dense(y.Shape(), randVec(y.Shape().TotalSize(), 1, 3))), G.WithName("c"))
	must := func(n *G.Node, err error) *G.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	L := must(G.Sum(must(G.HadamardProd(y, c))))
	gs, err := G.Grad(L, in...)
	if err != nil {
		t.Fatal(err)
	}
	var M *G.Node
	for k, gk := range gs {
		d := G.NewConstant(dense(gk.Shape(), randVec(gk.Shape().TotalSize(), 1, int64(5+k))))
		term := must(G.Sum(must(G.HadamardProd(gk, d))))
		if M == nil {
			M = term
		} else {
			M = must(G.Add(M, term))
		}
	}
	g2, err := G.Grad(M, c)
	if err != nil {
		t.Fatal(err)
	}
	outs := append(append([]*G.Node{y}, gs...), g2...)
	vs := make([]G.Value, len(outs))
	for i, n := range outs {
		G.Read(n, &vs[i])
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	res := make([][]float64, len(vs))
	for i, v := range vs {
		res[i] = append([]float64(nil), v.Data().([]float64)...)
	}
	return res
}

// checkSameDerivatives fails t unless got and want (from derivatives) agree
// bit for bit; names names each of them.
func checkSameDerivatives(t *testing.T, got, want [][]float64, names ...string) {
	t.Helper()
	for k := range want {
		if i := sameBits(got[k], want[k]); i >= 0 {
			t.Errorf("%s, element %d: %v, gorgonia's %v", names[k], i, got[k][i], want[k][i])
		}
	}
}

func reluOf(in []*G.Node) (*G.Node, error)    { return ReLU(in[0]) }
func rectifyOf(in []*G.Node) (*G.Node, error) { return G.Rectify(in[0]) }

// TestReLUMatchesRectify: ReLU's value, gradient and derivative through the
// gradient are gorgonia's Rectify's bit for bit, on zeros of both signs,
// infinities, NaN and subnormals.
func TestReLUMatchesRectify(t *testing.T) {
	x := dense(tensor.Shape{3, 4}, reluInput())
	got := derivatives(t, reluOf, x)
	want := derivatives(t, rectifyOf, x)
	checkSameDerivatives(t, got, want, "value", "gradient", "derivative of the gradient")
}

// TestReLUKernelIsBranchFreeGte: the fused kernels give x where x ≥ 0 (−0
// included) and x·0 elsewhere (NaN for NaN and −Inf), and g·step(x), in
// float64 and float32.
func TestReLUKernelIsBranchFreeGte(t *testing.T) {
	x := reluInput()
	g := randVec(len(x), 1, 4)
	x32, g32 := make([]float32, len(x)), make([]float32, len(x))
	for i := range x {
		x32[i], g32[i] = float32(x[i]), float32(g[i])
	}
	step := func(v float64) float64 {
		if v >= 0 {
			return 1
		}
		return 0
	}
	for _, op := range []reluOp{{R: 3, C: 4}, {R: 3, C: 4, mask: true}} {
		in, in32 := [][]float64{x}, [][]float32{x32}
		if op.mask {
			in, in32 = [][]float64{g, x}, [][]float32{g32, x32}
		}
		d, f := make([]float64, len(x)), make([]float32, len(x))
		op.into64(d, in)
		op.into32(f, in32)
		for i, v := range x {
			want := in[0][i] * step(v)
			if math.Float64bits(d[i]) != math.Float64bits(want) {
				t.Errorf("%v, x = %v: float64 %v, want %v", op, v, d[i], want)
			}
			want32 := in32[0][i] * float32(step(float64(x32[i])))
			if math.Float32bits(f[i]) != math.Float32bits(want32) {
				t.Errorf("%v, x = %v: float32 %v, want %v", op, x32[i], f[i], want32)
			}
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

// TestReLUMaskIsReLUsBackward: ReLUMask(g, x) is the gradient of Σ g ⊙ ReLU(x)
// with respect to x, bit for bit.
func TestReLUMaskIsReLUsBackward(t *testing.T) {
	g := G.NewGraph()
	xv, gv := reluInput(), randVec(12, 1, 3)
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithValue(dense(tensor.Shape{3, 4}, xv)), G.WithName("x"))
	c := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithValue(dense(tensor.Shape{3, 4}, gv)), G.WithName("c"))
	m, err := ReLUMask(c, x)
	if err != nil {
		t.Fatal(err)
	}
	var got G.Value
	G.Read(m, &got)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	// derivatives weighs ReLU's value by the same randVec(12, 1, 3).
	want := derivatives(t, reluOf, dense(tensor.Shape{3, 4}, xv))[1]
	if i := sameBits(got.Data().([]float64), want); i >= 0 {
		t.Fatalf("element %d: ReLUMask %v, ReLU's gradient %v", i, got.Data().([]float64)[i], want[i])
	}
}

// TestReLUMaskRejectsMismatchedShapes: g and x of different shapes are an
// error, not a panic.
func TestReLUMaskRejectsMismatchedShapes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("x"))
	gr := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 3), G.WithName("g"))
	if _, err := ReLUMask(gr, x); err == nil {
		t.Fatal("ReLUMask of a 4×3 g and a 3×4 x: no error")
	}
}
