package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxPool is PyTorch's max_pool2d without padding on NHWC activations: x is
// (B·H·W, C) and the result (B·OH·OW, C) holds, per channel, the maximum of
// each KH×KW window moved with stride SH, SW (PyTorch's MaxPool2d(k) has
// stride k: set SH = KH, SW = KW). g.PH and g.PW must be 0.
//
// Ties are broken as PyTorch does: the derivative goes to the first maximum of
// the window in row-major order (windows of zeros after a ReLU are common).
// A NaN in a window is selected, as in PyTorch, so it propagates.
//
// The derivative of MaxPool is a scatter of the output gradient to each
// window's argmax, whose derivative is the adjoint gather, whose derivative is
// the scatter again; each recomputes the argmax from x, so the chain can be
// differentiated any number of times.
func MaxPool(x *G.Node, g Geom) (*G.Node, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if g.PH != 0 || g.PW != 0 {
		return nil, fmt.Errorf("ops: MaxPool padding %d×%d: must be 0", g.PH, g.PW)
	}
	if err := checkNode(x, g.inRows(), g.C, "MaxPool input"); err != nil {
		return nil, err
	}
	return G.ApplyOp(poolOp{g}, x)
}

// poolOp is MaxPool as a gorgonia op: x ↦ max over each window.
type poolOp struct{ g Geom }

func (op poolOp) Arity() int            { return 1 }
func (op poolOp) Type() hm.Type         { return matFnType(1) }
func (op poolOp) ReturnsPtr() bool      { return false }
func (op poolOp) CallsExtern() bool     { return false }
func (op poolOp) OverwritesInput() int  { return -1 }
func (op poolOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "ops.maxpool %v", op.g) }
func (op poolOp) Hashcode() uint32      { return hashOp(op) }
func (op poolOp) String() string        { return fmt.Sprintf("MaxPool{%v}", op.g) }
func (op poolOp) DiffWRT(int) []bool    { return []bool{true} }

func (op poolOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	g := op.g
	return inferShapes(op, in, []tensor.Shape{{g.inRows(), g.C}}, tensor.Shape{g.outRows(), g.C})
}

// SymDiff: ∂/∂x ⟨dy, pool(x)⟩ = scatter(x, dy).
func (op poolOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(scatterOp(op), in[0], grad)
	return G.Nodes{d}, err
}

func (op poolOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix (B·OH·OW, C) of the
// inputs' dtype.
func (op poolOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op poolOp) outShape() tensor.Shape { return tensor.Shape{op.g.outRows(), op.g.C} }

func (op poolOp) inSizes() []int                     { return []int{op.g.inRows() * op.g.C} }
func (op poolOp) into64(y []float64, in [][]float64) { pool(op.g, y, in[0]) }
func (op poolOp) into32(y []float32, in [][]float32) { pool(op.g, y, in[0]) }

// pool writes the maximum of every window of x into y, every output row.
func pool[T float](g Geom, y, x []T) {
	arg := make([]int, g.C)
	forWindows(g, x, arg, func(r int, arg []int) {
		row := y[r*g.C : (r+1)*g.C]
		for c, a := range arg {
			row[c] = x[a]
		}
	})
}

// scatterOp is (x, dy) ↦ dx: x's shape, dy (pool's output shape) added at
// each window's argmax of x, zero elsewhere. It is linear in dy and piecewise
// constant in x, so it is differentiated with respect to dy only.
type scatterOp struct{ g Geom }

func (op scatterOp) Arity() int            { return 2 }
func (op scatterOp) Type() hm.Type         { return matFnType(2) }
func (op scatterOp) ReturnsPtr() bool      { return false }
func (op scatterOp) CallsExtern() bool     { return false }
func (op scatterOp) OverwritesInput() int  { return -1 }
func (op scatterOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "ops.maxpool.scatter %v", op.g) }
func (op scatterOp) Hashcode() uint32      { return hashOp(op) }
func (op scatterOp) String() string        { return fmt.Sprintf("MaxPoolScatter{%v}", op.g) }
func (op scatterOp) DiffWRT(int) []bool    { return []bool{false, true} }

func (op scatterOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	g := op.g
	return inferShapes(op, in, []tensor.Shape{{g.inRows(), g.C}, {g.outRows(), g.C}}, tensor.Shape{g.inRows(), g.C})
}

// SymDiff: ∂/∂dy ⟨z, scatter(x, dy)⟩ = gather(x, z); nothing for x.
func (op scatterOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(gatherOp(op), in[0], grad)
	return G.Nodes{nil, d}, err
}

func (op scatterOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix (B·H·W, C) of the
// inputs' dtype.
func (op scatterOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op scatterOp) outShape() tensor.Shape { return tensor.Shape{op.g.inRows(), op.g.C} }

func (op scatterOp) inSizes() []int                      { return []int{op.g.inRows() * op.g.C, op.g.outRows() * op.g.C} }
func (op scatterOp) into64(dx []float64, in [][]float64) { scatter(op.g, dx, in[0], in[1]) }
func (op scatterOp) into32(dx []float32, in [][]float32) { scatter(op.g, dx, in[0], in[1]) }

// scatter adds dy at the argmaxes of x's windows into dx (overlapping
// windows may share one), so dx is cleared first.
func scatter[T float](g Geom, dx, x, dy []T) {
	clear(dx)
	arg := make([]int, g.C)
	forWindows(g, x, arg, func(r int, arg []int) {
		row := dy[r*g.C : (r+1)*g.C]
		for c, a := range arg {
			dx[a] += row[c]
		}
	})
}

// gatherOp is (x, z) ↦ z read at each window's argmax of x: z has x's shape
// and the result pool's output shape. It is scatter's adjoint in z.
type gatherOp struct{ g Geom }

func (op gatherOp) Arity() int            { return 2 }
func (op gatherOp) Type() hm.Type         { return matFnType(2) }
func (op gatherOp) ReturnsPtr() bool      { return false }
func (op gatherOp) CallsExtern() bool     { return false }
func (op gatherOp) OverwritesInput() int  { return -1 }
func (op gatherOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "ops.maxpool.gather %v", op.g) }
func (op gatherOp) Hashcode() uint32      { return hashOp(op) }
func (op gatherOp) String() string        { return fmt.Sprintf("MaxPoolGather{%v}", op.g) }
func (op gatherOp) DiffWRT(int) []bool    { return []bool{false, true} }

func (op gatherOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	g := op.g
	return inferShapes(op, in, []tensor.Shape{{g.inRows(), g.C}, {g.inRows(), g.C}}, tensor.Shape{g.outRows(), g.C})
}

// SymDiff: ∂/∂z ⟨dy, gather(x, z)⟩ = scatter(x, dy); nothing for x.
func (op gatherOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(scatterOp(op), in[0], grad)
	return G.Nodes{nil, d}, err
}

func (op gatherOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix (B·OH·OW, C) of the
// inputs' dtype.
func (op gatherOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op gatherOp) outShape() tensor.Shape { return tensor.Shape{op.g.outRows(), op.g.C} }

func (op gatherOp) inSizes() []int                     { return []int{op.g.inRows() * op.g.C, op.g.inRows() * op.g.C} }
func (op gatherOp) into64(y []float64, in [][]float64) { gather(op.g, y, in[0], in[1]) }
func (op gatherOp) into32(y []float32, in [][]float32) { gather(op.g, y, in[0], in[1]) }

// gather writes z read at the argmaxes of x's windows into y, every output
// row.
func gather[T float](g Geom, y, x, z []T) {
	arg := make([]int, g.C)
	forWindows(g, x, arg, func(r int, arg []int) {
		row := y[r*g.C : (r+1)*g.C]
		for c, a := range arg {
			row[c] = z[a]
		}
	})
}

// forWindows calls f for every output row r of pooling x (NHWC, no padding)
// with arg[c] the flat index into x of the first maximum, in row-major window
// order, of channel c's window; a NaN is taken whenever met (the last NaN of
// a window wins), as PyTorch's `val > maxval || isnan(val)` does. arg is
// scratch of length g.C, reused.
//
// The comparison selects without a branch (an integer mask from a
// conditional move): on data of random order a branch mispredicts often;
// this is 1.5–2× faster (BenchmarkKernelMaxPool against
// BenchmarkKernelMaxPoolBranch, 8 channels of 24×24).
// Values are compared as float64, exact for float32.
func forWindows[T float](g Geom, x []T, arg []int, f func(r int, arg []int)) {
	oh, ow, C := g.OutH(), g.OutW(), g.C
	best := make([]float64, C)
	r := 0
	for b := 0; b < g.Batch; b++ {
		for p := 0; p < oh; p++ {
			for q := 0; q < ow; q++ {
				first := ((b*g.H+p*g.SH)*g.W + q*g.SW) * C
				for c := range arg {
					best[c], arg[c] = float64(x[first+c]), first+c
				}
				for i := 0; i < g.KH; i++ {
					for j := 0; j < g.KW; j++ {
						if i == 0 && j == 0 {
							continue
						}
						base := ((b*g.H+p*g.SH+i)*g.W + q*g.SW + j) * C
						px := x[base : base+C]
						best := best[:len(px)]
						arg := arg[:len(px)]
						for c, v := range px {
							w := float64(v)
							// v > best and v is NaN exclude each other, so
							// their != is their "or", without a branch.
							var m int
							if (w > best[c]) != (w != w) {
								m = -1
							}
							bb := math.Float64bits(best[c])
							best[c] = math.Float64frombits(bb ^ (bb^math.Float64bits(w))&uint64(m))
							arg[c] ^= (arg[c] ^ (base + c)) & m
						}
					}
				}
				f(r, arg)
				r++
			}
		}
	}
}
