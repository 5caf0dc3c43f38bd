package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv2D is PyTorch's conv2d without bias (a cross-correlation with zero
// padding and stride) on NHWC activations: x is (B·H·W, C), w is
// (O, C·KH·KW) holding a PyTorch weight (O, C, KH, KW) in row-major order,
// and the result is (B·OH·OW, O) = Im2Col(x)·w̃ᵀ, again NHWC, w̃ being w with
// each row's columns permuted to Im2Col's (KH, KW, C) order (done inside the
// op, on a copy of O·C·KH·KW values).
//
// It is one fused op, computed a block of samples at a time (patches of a
// block, then a matrix product with gorgonia's BLAS, G.WhichBLAS: Dgemm, or
// Sgemm when the graph runs in float32), so the patch matrix is never a graph
// node. Its derivatives are two more fused ops, the data gradient
// Col2Im(dy·w̃) and the filter gradient dyᵀ·Im2Col(x) (its columns permuted
// back to w's order); the three are the partial derivatives of the trilinear
// form ⟨y, Conv2D(x, w)⟩, so each one's derivatives are again among them.
//
// Add a bias b (a vector of O) with AddBias (or G.BroadcastAdd(y, b, nil,
// []byte{0})) and apply ReLU with ReLU (or G.Rectify); all survive a second
// Grad.
func Conv2D(x, w *G.Node, g Geom) (*G.Node, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if w == nil || w.Dims() != 2 {
		return nil, fmt.Errorf("ops: Conv2D weight must be a matrix (O, C·KH·KW)")
	}
	o := w.Shape()[0]
	if err := checkNode(w, o, g.C*g.patch(), "Conv2D weight"); err != nil {
		return nil, err
	}
	if err := checkNode(x, g.inRows(), g.C, "Conv2D input"); err != nil {
		return nil, err
	}
	return G.ApplyOp(convOp{g, o}, x, w)
}

// conv is what the three convolution ops share: the geometry and the number
// of output channels. With K = C·KH·KW, w̃ = w with its columns in Im2Col's
// order and the trilinear form T(x, w, y) = ⟨y, Im2Col(x)·w̃ᵀ⟩:
//
//	convOp       (x, w)  ↦ ∂T/∂y = Im2Col(x)·w̃ᵀ    (B·OH·OW, O)
//	convDataOp   (y, w)  ↦ ∂T/∂x = Col2Im(y·w̃)     (B·H·W, C)
//	convFilterOp (x, y)  ↦ ∂T/∂w = yᵀ·Im2Col(x)    (O, K), columns permuted to w's order
type conv struct {
	g Geom
	o int
}

func (c conv) k() int                      { return c.g.C * c.g.patch() }
func (c conv) xShape() tensor.Shape        { return tensor.Shape{c.g.inRows(), c.g.C} }
func (c conv) wShape() tensor.Shape        { return tensor.Shape{c.o, c.k()} }
func (c conv) yShape() tensor.Shape        { return tensor.Shape{c.g.outRows(), c.o} }
func (c conv) write(h hash.Hash, s string) { fmt.Fprintf(h, "ops.%s %v o%d", s, c.g, c.o) }

// blockSamples is how many samples a block holds: patch scratch of at most
// about 2¹⁹ values (4 MB), at least one sample.
func (c conv) blockSamples() int {
	per := c.g.OutH() * c.g.OutW() * c.k()
	n := scratchCap / per
	if n < 1 {
		n = 1
	}
	if n > c.g.Batch {
		n = c.g.Batch
	}
	return n
}

// blocks calls f for consecutive blocks of samples b0 … b0+n−1 with the
// geometry of that block and, if withCols, the block's patches of x (pooled
// scratch, valid during the call).
func blocks[T float](c conv, x []T, withCols bool, f func(b0, n int, gb Geom, cols []T)) {
	nb := c.blockSamples()
	var scratch []T
	if withCols {
		p := getScratch[T](nb * c.g.OutH() * c.g.OutW() * c.k())
		defer putScratch(p)
		scratch = *p
	}
	in := c.g.H * c.g.W * c.g.C
	for b0 := 0; b0 < c.g.Batch; b0 += nb {
		n := min(nb, c.g.Batch-b0)
		gb := c.g
		gb.Batch = n
		var cols []T
		if withCols {
			cols = scratch[:gb.outRows()*c.k()]
			if c.g.PH > 0 || c.g.PW > 0 {
				clear(cols) // im2col leaves the padding untouched
			}
			im2col(gb, x[b0*in:(b0+n)*in], cols)
		}
		f(b0, n, gb, cols)
	}
}

// patchWeights returns w (O, C·KH·KW: a PyTorch weight, row-major) with each
// row's columns in Im2Col's order (KH·KW·C), so that patches times its
// transpose is the convolution; done with it, call the release function. With
// one channel the orders agree and w itself is returned.
func patchWeights[T float](c conv, w []T) ([]T, func()) {
	if c.g.C == 1 {
		return w, func() {}
	}
	p := getScratch[T](c.o * c.k())
	permuteWeights(c, *p, w, true)
	return *p, func() { putScratch(p) }
}

// permuteWeights writes w into dst with each row's columns permuted from
// PyTorch's order (c, i, j) to Im2Col's (i, j, c) (toPatch) or back.
func permuteWeights[T float](c conv, dst, w []T, toPatch bool) {
	C, kk, k := c.g.C, c.g.patch(), c.k()
	for o := 0; o < c.o; o++ {
		src, out := w[o*k:(o+1)*k], dst[o*k:(o+1)*k]
		for ch := 0; ch < C; ch++ {
			for t := 0; t < kk; t++ {
				if toPatch {
					out[t*C+ch] = src[ch*kk+t]
				} else {
					out[ch*kk+t] = src[t*C+ch]
				}
			}
		}
	}
}

// convOp is Conv2D as a gorgonia op: (x, w) ↦ Im2Col(x)·w̃ᵀ.
type convOp conv

func (op convOp) Arity() int            { return 2 }
func (op convOp) Type() hm.Type         { return matFnType(2) }
func (op convOp) ReturnsPtr() bool      { return false }
func (op convOp) CallsExtern() bool     { return false }
func (op convOp) OverwritesInput() int  { return -1 }
func (op convOp) WriteHash(h hash.Hash) { conv(op).write(h, "conv") }
func (op convOp) Hashcode() uint32      { return hashOp(op) }
func (op convOp) String() string        { return fmt.Sprintf("Conv2D{%v o%d}", op.g, op.o) }
func (op convOp) DiffWRT(int) []bool    { return []bool{true, true} }

func (op convOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	c := conv(op)
	return inferShapes(op, in, []tensor.Shape{c.xShape(), c.wShape()}, c.yShape())
}

// SymDiff: ⟨dy, conv(x, w)⟩ = T(x, w, dy).
func (op convOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(convDataOp(op), grad, in[1])
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(convFilterOp(op), in[0], grad)
	return G.Nodes{dx, dw}, err
}

func (op convOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix (B·OH·OW, O) of the
// inputs' dtype.
func (op convOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op convOp) outShape() tensor.Shape { return conv(op).yShape() }

func (op convOp) inSizes() []int {
	c := conv(op)
	return []int{c.xShape().TotalSize(), c.wShape().TotalSize()}
}
func (op convOp) into64(y []float64, in [][]float64) { convForward(conv(op), y, in[0], in[1]) }
func (op convOp) into32(y []float32, in [][]float32) { convForward(conv(op), y, in[0], in[1]) }

// convForward writes Im2Col(x)·w̃ᵀ into y: every block's product overwrites
// its rows of y (β = 0).
func convForward[T float](c conv, y, x, w []T) {
	k, ohw := c.k(), c.g.OutH()*c.g.OutW()
	wp, release := patchWeights(c, w)
	defer release()
	blocks(c, x, true, func(b0, n int, gb Geom, cols []T) {
		m := gb.outRows()
		gemm(blas.NoTrans, blas.Trans, m, c.o, k, cols, k, wp, k, 0, y[b0*ohw*c.o:], c.o)
	})
}

// convDataOp is (y, w) ↦ Col2Im(y·w̃), the gradient of Conv2D with respect to
// its input.
type convDataOp conv

func (op convDataOp) Arity() int            { return 2 }
func (op convDataOp) Type() hm.Type         { return matFnType(2) }
func (op convDataOp) ReturnsPtr() bool      { return false }
func (op convDataOp) CallsExtern() bool     { return false }
func (op convDataOp) OverwritesInput() int  { return -1 }
func (op convDataOp) WriteHash(h hash.Hash) { conv(op).write(h, "conv.data") }
func (op convDataOp) Hashcode() uint32      { return hashOp(op) }
func (op convDataOp) String() string        { return fmt.Sprintf("Conv2DData{%v o%d}", op.g, op.o) }
func (op convDataOp) DiffWRT(int) []bool    { return []bool{true, true} }

func (op convDataOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	c := conv(op)
	return inferShapes(op, in, []tensor.Shape{c.yShape(), c.wShape()}, c.xShape())
}

// SymDiff: ⟨gx, convData(y, w)⟩ = T(gx, w, y).
func (op convDataOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dy, err := G.ApplyOp(convOp(op), grad, in[1])
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(convFilterOp(op), grad, in[0])
	return G.Nodes{dy, dw}, err
}

func (op convDataOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix (B·H·W, C) of the
// inputs' dtype.
func (op convDataOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op convDataOp) outShape() tensor.Shape { return conv(op).xShape() }

func (op convDataOp) inSizes() []int {
	c := conv(op)
	return []int{c.yShape().TotalSize(), c.wShape().TotalSize()}
}
func (op convDataOp) into64(x []float64, in [][]float64) { convData(conv(op), x, in[0], in[1]) }
func (op convDataOp) into32(x []float32, in [][]float32) { convData(conv(op), x, in[0], in[1]) }

// convData writes Col2Im(y·w̃) into x: col2im adds into x, so x is cleared
// first.
func convData[T float](c conv, x, y, w []T) {
	clear(x)
	k, ohw, in := c.k(), c.g.OutH()*c.g.OutW(), c.g.H*c.g.W*c.g.C
	wp, release := patchWeights(c, w)
	defer release()
	p := getScratch[T](c.blockSamples() * ohw * k)
	defer putScratch(p)
	scratch := *p
	blocks(c, nil, false, func(b0, n int, gb Geom, _ []T) {
		m := gb.outRows()
		cols := scratch[:m*k]
		gemm(blas.NoTrans, blas.NoTrans, m, k, c.o, y[b0*ohw*c.o:], c.o, wp, k, 0, cols, k)
		col2im(gb, cols, x[b0*in:(b0+n)*in])
	})
}

// convFilterOp is (x, y) ↦ yᵀ·Im2Col(x), the gradient of Conv2D with respect
// to its weight.
type convFilterOp conv

func (op convFilterOp) Arity() int            { return 2 }
func (op convFilterOp) Type() hm.Type         { return matFnType(2) }
func (op convFilterOp) ReturnsPtr() bool      { return false }
func (op convFilterOp) CallsExtern() bool     { return false }
func (op convFilterOp) OverwritesInput() int  { return -1 }
func (op convFilterOp) WriteHash(h hash.Hash) { conv(op).write(h, "conv.filter") }
func (op convFilterOp) Hashcode() uint32      { return hashOp(op) }
func (op convFilterOp) String() string        { return fmt.Sprintf("Conv2DFilter{%v o%d}", op.g, op.o) }
func (op convFilterOp) DiffWRT(int) []bool    { return []bool{true, true} }

func (op convFilterOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	c := conv(op)
	return inferShapes(op, in, []tensor.Shape{c.xShape(), c.yShape()}, c.wShape())
}

// SymDiff: ⟨gw, convFilter(x, y)⟩ = T(x, gw, y).
func (op convFilterOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(convDataOp(op), in[1], grad)
	if err != nil {
		return nil, err
	}
	dy, err := G.ApplyOp(convOp(op), in[0], grad)
	return G.Nodes{dx, dy}, err
}

func (op convFilterOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix (O, C·KH·KW) of the
// inputs' dtype.
func (op convFilterOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op convFilterOp) outShape() tensor.Shape { return conv(op).wShape() }

func (op convFilterOp) inSizes() []int {
	c := conv(op)
	return []int{c.xShape().TotalSize(), c.yShape().TotalSize()}
}
func (op convFilterOp) into64(w []float64, in [][]float64) { convFilter(conv(op), w, in[0], in[1]) }
func (op convFilterOp) into32(w []float32, in [][]float32) { convFilter(conv(op), w, in[0], in[1]) }

// convFilter writes yᵀ·Im2Col(x) into w, its columns permuted to PyTorch's
// order: the blocks' products are summed (β = 1) into a cleared matrix in
// Im2Col's order (w itself with one channel), then permuted into w.
func convFilter[T float](c conv, w, x, y []T) {
	k, ohw := c.k(), c.g.OutH()*c.g.OutW()
	wp := w
	if c.g.C > 1 {
		p := getScratch[T](c.o * k)
		defer putScratch(p)
		wp = *p
	}
	clear(wp)
	blocks(c, x, true, func(b0, n int, gb Geom, cols []T) {
		m := gb.outRows()
		gemm(blas.Trans, blas.NoTrans, c.o, k, m, y[b0*ohw*c.o:], c.o, cols, k, 1, wp, k)
	})
	if c.g.C > 1 {
		permuteWeights(c, w, wp, false)
	}
}
