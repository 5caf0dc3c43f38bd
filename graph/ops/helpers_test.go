package ops

import (
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/minima-project/minima/internal/numtest"
)

// This file holds the package's shared test helpers: random data, a model
// harness building gradient and Hessian-vector-product machines exactly as
// package graph does (Grad, CopyDAG into a fresh graph, Grad of ⟨∇L, v⟩), and
// central finite differences to check them against.

// fdStep is the central-difference step of every finite-difference check.
const fdStep = 1e-5

func randVec(n int, scale float64, seed int64) []float64 {
	r := rand.New(rand.NewSource(seed))
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

// checkClose fails t unless numtest.MaxRelDiff(got, want) ≤ tol.
func checkClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	d := numtest.MaxRelDiff(got, want)
	if !(d <= tol) {
		t.Errorf("%s: max relative difference %.3g > %.0g", what, d, tol)
	}
	t.Logf("%s: max relative difference %.3g (largest |want| %.3g)", what, d, numtest.MaxAbs(want))
}

// dense returns a tensor of the given shape holding a copy of d.
func dense(shape tensor.Shape, d []float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), d...)))
}

// input is a named input node shape of a model.
type input struct {
	name  string
	shape tensor.Shape
}

func newInput(g *G.ExprGraph, in input) *G.Node {
	return G.NewTensor(g, tensor.Float64, len(in.shape), G.WithShape(in.shape...), G.WithName(in.name))
}

// model is a scalar loss of parameters (differentiated) and data (bound but
// not differentiated).
type model struct {
	params, data []input
	build        func(ps, data []*G.Node) (*G.Node, error)
}

// numParams is the length of the flat parameter vector (params concatenated).
func (m model) numParams() int {
	n := 0
	for _, p := range m.params {
		n += p.shape.TotalSize()
	}
	return n
}

// machine evaluates a model's loss, gradient and, if built for it, H·v.
type machine struct {
	m           model
	vm          G.VM
	ps, vs, dat []*G.Node
	loss        *G.Node
	grads, hv   []*G.Node
	// out receives copies of the loss, gradient and H·v values (G.Read), in
	// that order: a node's own value after a run may have been overwritten
	// by a later op reusing its register.
	out []G.Value
}

// compile sets up the reads of the outputs and the tape machine over g.
func (mc *machine) compile(t testing.TB, g *G.ExprGraph) {
	outs := append(append([]*G.Node{mc.loss}, mc.grads...), mc.hv...)
	mc.out = make([]G.Value, len(outs))
	for i, n := range outs {
		G.Read(n, &mc.out[i])
	}
	mc.vm = G.NewTapeMachine(g)
	t.Cleanup(func() { mc.vm.Close() })
}

// newGradMachine builds loss and gradient.
func newGradMachine(t testing.TB, m model) *machine {
	t.Helper()
	g := G.NewGraph()
	mc := &machine{m: m}
	for _, p := range m.params {
		mc.ps = append(mc.ps, newInput(g, p))
	}
	for _, d := range m.data {
		mc.dat = append(mc.dat, newInput(g, d))
	}
	var err error
	if mc.loss, err = m.build(mc.ps, mc.dat); err != nil {
		t.Fatal(err)
	}
	if mc.grads, err = G.Grad(mc.loss, mc.ps...); err != nil {
		t.Fatal(err)
	}
	mc.compile(t, g)
	return mc
}

// newHVPMachine builds loss, gradient and H·v by the notes' recipe: Grad,
// s = Σ_k ⟨∇_k L, v_k⟩, CopyDAG into a fresh graph, Grad of s there; then a
// last CopyDAG of the outputs drops the nodes they do not need.
func newHVPMachine(t testing.TB, m model) *machine {
	t.Helper()
	g := G.NewGraph()
	var ps, dat, vs []*G.Node
	for _, p := range m.params {
		ps = append(ps, newInput(g, p))
		vs = append(vs, newInput(g, input{"v_" + p.name, p.shape}))
	}
	for _, d := range m.data {
		dat = append(dat, newInput(g, d))
	}
	loss, err := m.build(ps, dat)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, ps...)
	if err != nil {
		t.Fatal(err)
	}
	var s *G.Node
	for k, gk := range grads {
		prod, err := G.HadamardProd(gk, vs[k])
		if err != nil {
			t.Fatal(err)
		}
		term, err := G.Sum(prod)
		if err != nil {
			t.Fatal(err)
		}
		if s == nil {
			s = term
		} else if s, err = G.Add(s, term); err != nil {
			t.Fatal(err)
		}
	}
	h := G.NewGraph()
	cp, err := CopyDAG(h, append([]*G.Node{s, loss}, grads...)...)
	if err != nil {
		t.Fatal(err)
	}
	get := func(old *G.Node) *G.Node {
		if c, ok := cp[old]; ok {
			return c
		}
		c := G.NewTensor(h, old.Dtype(), old.Dims(), G.WithShape(old.Shape()...), G.WithName(old.Name()))
		cp[old] = c
		return c
	}
	mc := &machine{m: m, loss: cp[loss]}
	for k := range ps {
		mc.ps = append(mc.ps, get(ps[k]))
		mc.vs = append(mc.vs, get(vs[k]))
		mc.grads = append(mc.grads, cp[grads[k]])
	}
	for _, d := range dat {
		mc.dat = append(mc.dat, get(d))
	}
	if mc.hv, err = G.Grad(cp[s], mc.ps...); err != nil {
		t.Fatal(err)
	}
	{
		// Copy once more, from the outputs only: the second Grad leaves dead
		// nodes (e.g. the derivative with respect to Im2Col of the data) that
		// the tape machine would otherwise compute on every run.
		h = G.NewGraph()
		roots := append(append([]*G.Node{mc.loss}, mc.grads...), mc.hv...)
		cp, err := CopyDAG(h, roots...)
		if err != nil {
			t.Fatal(err)
		}
		get := func(old *G.Node) *G.Node {
			if c, ok := cp[old]; ok {
				return c
			}
			return G.NewTensor(h, old.Dtype(), old.Dims(), G.WithShape(old.Shape()...), G.WithName(old.Name()))
		}
		mc.loss = cp[mc.loss]
		for k := range mc.ps {
			mc.ps[k], mc.vs[k], mc.grads[k], mc.hv[k] = get(mc.ps[k]), get(mc.vs[k]), cp[mc.grads[k]], cp[mc.hv[k]]
		}
		for k := range mc.dat {
			mc.dat[k] = get(mc.dat[k])
		}
	}
	mc.compile(t, h)
	return mc
}

// bindFlat binds consecutive pieces of flat to nodes.
func bindFlat(t testing.TB, nodes []*G.Node, shapes []input, flat []float64) {
	t.Helper()
	off := 0
	for k, n := range nodes {
		sz := shapes[k].shape.TotalSize()
		if err := G.Let(n, dense(shapes[k].shape, flat[off:off+sz])); err != nil {
			t.Fatal(err)
		}
		off += sz
	}
	if off != len(flat) {
		t.Fatalf("bind: %d values for %d", len(flat), off)
	}
}

// flat concatenates the data of vs.
func flat(vs []G.Value) []float64 {
	var out []float64
	for _, v := range vs {
		out = append(out, v.Data().([]float64)...)
	}
	return out
}

// eval runs the machine at θ (flat), v (flat, HVP machines only) and data, and
// returns copies of the loss, gradient and (for HVP machines) H·v.
func (mc *machine) eval(t testing.TB, theta, v []float64, data [][]float64) (loss float64, grad, hv []float64) {
	t.Helper()
	bindFlat(t, mc.ps, mc.m.params, theta)
	if mc.vs != nil {
		bindFlat(t, mc.vs, mc.m.params, v)
	}
	for k, n := range mc.dat {
		if err := G.Let(n, dense(mc.m.data[k].shape, data[k])); err != nil {
			t.Fatal(err)
		}
	}
	mc.vm.Reset()
	if err := mc.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	k := len(mc.grads)
	loss = mc.out[0].Data().(float64)
	grad = flat(mc.out[1 : 1+k])
	if mc.hv != nil {
		hv = flat(mc.out[1+k:])
	}
	return loss, grad, hv
}

// fdGrad is the central-difference gradient of the loss, one coordinate at a
// time, with step fdStep.
func fdGrad(t testing.TB, mc *machine, theta []float64, data [][]float64) []float64 {
	t.Helper()
	fd := make([]float64, len(theta))
	x := append([]float64(nil), theta...)
	for i := range x {
		x[i] = theta[i] + fdStep
		lp, _, _ := mc.eval(t, x, nil, data)
		x[i] = theta[i] - fdStep
		lm, _, _ := mc.eval(t, x, nil, data)
		x[i] = theta[i]
		fd[i] = (lp - lm) / (2 * fdStep)
	}
	return fd
}

// fdHVP is the central difference of the gradient along v:
// (∇L(θ+hv) − ∇L(θ−hv)) / 2h with h = fdStep.
func fdHVP(t testing.TB, mc *machine, theta, v []float64, data [][]float64) []float64 {
	t.Helper()
	tp, tm := make([]float64, len(theta)), make([]float64, len(theta))
	for i := range theta {
		tp[i], tm[i] = theta[i]+fdStep*v[i], theta[i]-fdStep*v[i]
	}
	_, gp, _ := mc.eval(t, tp, nil, data)
	_, gm, _ := mc.eval(t, tm, nil, data)
	fd := make([]float64, len(theta))
	for i := range fd {
		fd[i] = (gp[i] - gm[i]) / (2 * fdStep)
	}
	return fd
}

// run evaluates outs in a fresh tape machine over their graph and returns
// copies of their values.
func run(t testing.TB, outs ...*G.Node) [][]float64 {
	t.Helper()
	vm := G.NewTapeMachine(outs[0].Graph())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	var res [][]float64
	for _, o := range outs {
		res = append(res, append([]float64(nil), o.Value().Data().([]float64)...))
	}
	return res
}

// expLoss is Σ exp(c ⊙ y) for a constant c drawn from seed: a scalar with
// nonzero second derivatives that tells the entries of y apart.
func expLoss(y *G.Node, seed int64) (*G.Node, error) {
	c := y.Graph().Constant(dense(y.Shape(), randVec(y.Shape().TotalSize(), 0.5, seed)))
	p, err := G.HadamardProd(y, c)
	if err != nil {
		return nil, err
	}
	e, err := G.Exp(p)
	if err != nil {
		return nil, err
	}
	return G.Sum(e)
}

// Naive NCHW references, written from PyTorch's definitions with no shared
// code with the ops: x[b][c][h][w] is x[((b·C+c)·H+h)·W+w].

// refConv is conv2d(x, w, stride, padding) without bias: x (B, C, H, W),
// w (O, C, KH, KW), result (B, O, OH, OW).
func refConv(x, w []float64, g Geom, o int) []float64 {
	oh, ow := g.OutH(), g.OutW()
	y := make([]float64, g.Batch*o*oh*ow)
	for b := 0; b < g.Batch; b++ {
		for k := 0; k < o; k++ {
			for p := 0; p < oh; p++ {
				for q := 0; q < ow; q++ {
					s := 0.0
					for c := 0; c < g.C; c++ {
						for i := 0; i < g.KH; i++ {
							for j := 0; j < g.KW; j++ {
								h, v := p*g.SH-g.PH+i, q*g.SW-g.PW+j
								if h < 0 || h >= g.H || v < 0 || v >= g.W {
									continue
								}
								s += w[((k*g.C+c)*g.KH+i)*g.KW+j] * x[((b*g.C+c)*g.H+h)*g.W+v]
							}
						}
					}
					y[((b*o+k)*oh+p)*ow+q] = s
				}
			}
		}
	}
	return y
}

// refMaxPool is max_pool2d(x, kernel, stride) on x (B, C, H, W): the result
// (B, C, OH, OW) and, for each output, the NCHW index of the first maximum
// of its window in row-major order.
func refMaxPool(x []float64, g Geom) (y []float64, arg []int) {
	oh, ow := g.OutH(), g.OutW()
	y = make([]float64, g.Batch*g.C*oh*ow)
	arg = make([]int, len(y))
	for b := 0; b < g.Batch; b++ {
		for c := 0; c < g.C; c++ {
			for p := 0; p < oh; p++ {
				for q := 0; q < ow; q++ {
					best := -1
					for i := 0; i < g.KH; i++ {
						for j := 0; j < g.KW; j++ {
							idx := ((b*g.C+c)*g.H+p*g.SH+i)*g.W + q*g.SW + j
							// PyTorch's rule: the first maximum, a NaN whenever met.
							if best < 0 || x[idx] > x[best] || math.IsNaN(x[idx]) {
								best = idx
							}
						}
					}
					o := ((b*g.C+c)*oh+p)*ow + q
					y[o], arg[o] = x[best], best
				}
			}
		}
	}
	return y, arg
}

// refToNHWC permutes x (B, C, H, W) to rows (B·H·W, C).
func refToNHWC(x []float64, b, c, h, w int) []float64 {
	y := make([]float64, len(x))
	for n := 0; n < b; n++ {
		for k := 0; k < c; k++ {
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					y[((n*h+i)*w+j)*c+k] = x[((n*c+k)*h+i)*w+j]
				}
			}
		}
	}
	return y
}

// bound returns an input node of g holding a copy of d.
func bound(t testing.TB, g *G.ExprGraph, shape tensor.Shape, d []float64) *G.Node {
	t.Helper()
	n := newInput(g, input{"in", shape})
	if err := G.Let(n, dense(shape, d)); err != nil {
		t.Fatal(err)
	}
	return n
}
