package graph

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kernelCases build, on a matrix x, each op kernelFor takes over: the
// reductions directly, the repeats through the broadcasts that make them.
var kernelCases = map[string]func(x *G.Node) (*G.Node, error){
	"Σ[0]":        func(x *G.Node) (*G.Node, error) { return G.Sum(x, 0) },
	"Σ[1]":        func(x *G.Node) (*G.Node, error) { return G.Sum(x, 1) },
	"MaxAlong[1]": func(x *G.Node) (*G.Node, error) { return G.Max(x, 1) },
	"Repeat0": func(x *G.Node) (*G.Node, error) {
		s, err := G.Sum(x, 0)
		if err != nil {
			return nil, err
		}
		return G.BroadcastAdd(x, s, nil, []byte{0})
	},
	"Repeat1": func(x *G.Node) (*G.Node, error) {
		m, err := G.Max(x, 1)
		if err != nil {
			return nil, err
		}
		return G.BroadcastSub(x, m, nil, []byte{1})
	},
}

// kernelInput is an r×c matrix of values rounded to halves (so rows hold
// ties for the maximum) with, in its last rows, NaN, ±Inf, −0 and a row of
// −0 only (whose sum is +0).
func kernelInput(r, c int) []float64 {
	x := randomVec(r*c, 2, 7)
	for i := range x {
		x[i] = math.Round(2*x[i]) / 2
	}
	copy(x[(r-3)*c:], []float64{math.NaN(), 1, math.Inf(1), -2})
	copy(x[(r-2)*c:], []float64{math.Inf(-1), 3, math.NaN(), math.Copysign(0, -1)})
	for j := range c {
		x[(r-1)*c+j] = math.Copysign(0, -1)
	}
	return x
}

// runBoth evaluates y = f(x) on x = kernelInput with the program (dtype dt)
// and with gorgonia's tape machine on a graph of dtype dt; it fails t unless
// the program ran at least one step with a kernel.
func runBoth(t *testing.T, f func(*G.Node) (*G.Node, error), r, c int, dt tensor.Dtype) (got, want []float64) {
	t.Helper()
	x64 := kernelInput(r, c)
	value := func(dt tensor.Dtype) G.Value {
		if dt == tensor.Float32 {
			x32 := make([]float32, len(x64))
			for i, v := range x64 {
				x32[i] = float32(v)
			}
			return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(x32))
		}
		return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(append([]float64(nil), x64...)))
	}
	floats := func(v G.Value) []float64 {
		switch d := v.Data().(type) {
		case []float32:
			out := make([]float64, len(d))
			for i, f := range d {
				out[i] = float64(f)
			}
			return out
		case []float64:
			return append([]float64(nil), d...)
		}
		t.Fatalf("value holds %T", v.Data())
		return nil
	}

	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName("x"))
	y, err := f(x)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compile(g, []*G.Node{x}, nil, []*G.Node{y}, dt)
	if err != nil {
		t.Fatal(err)
	}
	kernels := 0
	for _, st := range p.steps {
		if st.mode == modeKernel {
			kernels++
		}
	}
	if kernels == 0 {
		t.Fatal("no step ran a kernel")
	}
	p.set(x, value(dt))
	if err := p.run(); err != nil {
		t.Fatal(err)
	}
	got = floats(p.value(y))

	g2 := G.NewGraph()
	x2 := G.NewMatrix(g2, dt, G.WithShape(r, c), G.WithName("x"))
	y2, err := f(x2)
	if err != nil {
		t.Fatal(err)
	}
	if err := G.Let(x2, value(dt)); err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g2)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	return got, floats(y2.Value())
}

// TestKernelsMatchGorgonia: each kernel gives gorgonia's values bit for bit
// (NaN, ±Inf, −0 and ties included), in float64 and float32, on a square
// matrix (where only the axis tells Σ[0] from Σ[1]) and on oblong ones.
func TestKernelsMatchGorgonia(t *testing.T) {
	for name, f := range kernelCases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			for _, sh := range [][2]int{{6, 4}, {5, 5}, {7, 9}} {
				got, want := runBoth(t, f, sh[0], sh[1], dt)
				if len(got) != len(want) {
					t.Fatalf("%s %v %v: %d values, gorgonia %d", name, dt, sh, len(got), len(want))
				}
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Errorf("%s %v %v: value %d is %v, gorgonia's %v", name, dt, sh, i, got[i], want[i])
						break
					}
				}
			}
		}
	}
}

// benchReduce times node f(x) of an r×c matrix x: run by a compiled program
// (with its kernel) or, with gorgonia, by the node's op's Do.
func benchReduce(b *testing.B, f func(*G.Node) (*G.Node, error), r, c int, gorgonia bool) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName("x"))
	y, err := f(x)
	if err != nil {
		b.Fatal(err)
	}
	xv := tensor.New(tensor.WithShape(r, c), tensor.WithBacking(randomVec(r*c, 1, 1)))
	if gorgonia {
		for b.Loop() {
			if _, err := y.Op().Do(xv); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	p, err := compile(g, []*G.Node{x}, nil, []*G.Node{y}, tensor.Float64)
	if err != nil {
		b.Fatal(err)
	}
	p.set(x, xv)
	for b.Loop() {
		if err := p.run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReduce times the reductions of the loss (1,000×10) and of a bias
// gradient (1,000×256), as kernels and as gorgonia's ops.
func BenchmarkReduce(b *testing.B) {
	for _, c := range []struct {
		name, op string
		r, c     int
	}{
		{"MaxRows", "MaxAlong[1]", 1000, 10},
		{"SumRows", "Σ[1]", 1000, 10},
		{"SumCols", "Σ[0]", 1000, 256},
	} {
		for _, gorgonia := range []bool{false, true} {
			name := c.name + "/kernel"
			if gorgonia {
				name = c.name + "/gorgonia"
			}
			b.Run(name, func(b *testing.B) { benchReduce(b, kernelCases[c.op], c.r, c.c, gorgonia) })
		}
	}
}
