package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Im2Col returns the patch matrix of x: x is (B·H·W, C) in NHWC rows and the
// result is (B·OH·OW, KH·KW·C), row b·OH·OW + oh·OW + ow holding the window
// at output pixel (oh, ow) of sample b, column (i·KW + j)·C + c holding the
// input at channel c, row oh·SH − PH + i, column ow·SW − PW + j, or 0 in the
// padding. Channels vary fastest, as in x, so each kernel row of a window is
// one contiguous copy; a PyTorch weight (O, C, KH, KW) matches once permuted
// to (O, KH, KW, C) (Conv2D does this itself). Its derivative is Col2Im, and
// Col2Im's is Im2Col.
func Im2Col(x *G.Node, g Geom) (*G.Node, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if err := checkNode(x, g.inRows(), g.C, "Im2Col input"); err != nil {
		return nil, err
	}
	return G.ApplyOp(im2colOp{g}, x)
}

// Col2Im is the adjoint of Im2Col: it takes a patch matrix (B·OH·OW, KH·KW·C)
// and adds every entry back at the input position Im2Col read it from,
// returning (B·H·W, C); entries read from the padding are dropped.
func Col2Im(cols *G.Node, g Geom) (*G.Node, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if err := checkNode(cols, g.outRows(), g.C*g.patch(), "Col2Im input"); err != nil {
		return nil, err
	}
	return G.ApplyOp(col2imOp{g}, cols)
}

// im2colOp is Im2Col as a gorgonia op.
type im2colOp struct{ g Geom }

func (op im2colOp) Arity() int            { return 1 }
func (op im2colOp) Type() hm.Type         { return matFnType(1) }
func (op im2colOp) ReturnsPtr() bool      { return false }
func (op im2colOp) CallsExtern() bool     { return false }
func (op im2colOp) OverwritesInput() int  { return -1 }
func (op im2colOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "ops.im2col %v", op.g) }
func (op im2colOp) Hashcode() uint32      { return hashOp(op) }
func (op im2colOp) String() string        { return fmt.Sprintf("Im2Col{%v}", op.g) }
func (op im2colOp) DiffWRT(int) []bool    { return []bool{true} }

func (op im2colOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	g := op.g
	return inferShapes(op, in, []tensor.Shape{{g.inRows(), g.C}}, tensor.Shape{g.outRows(), g.C * g.patch()})
}

func (op im2colOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(col2imOp(op), grad)
	return G.Nodes{d}, err
}

func (op im2colOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix (B·OH·OW, KH·KW·C) of the
// inputs' dtype.
func (op im2colOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op im2colOp) outShape() tensor.Shape {
	return tensor.Shape{op.g.outRows(), op.g.C * op.g.patch()}
}

func (op im2colOp) inSizes() []int                        { return []int{op.g.inRows() * op.g.C} }
func (op im2colOp) into64(cols []float64, in [][]float64) { im2colInto(op.g, cols, in[0]) }
func (op im2colOp) into32(cols []float32, in [][]float32) { im2colInto(op.g, cols, in[0]) }

// im2colInto writes the patches of x into cols: im2col skips the padding, so
// with padding cols is cleared first.
func im2colInto[T float](g Geom, cols, x []T) {
	if g.PH > 0 || g.PW > 0 {
		clear(cols)
	}
	im2col(g, x, cols)
}

// col2imOp is Col2Im as a gorgonia op.
type col2imOp struct{ g Geom }

func (op col2imOp) Arity() int            { return 1 }
func (op col2imOp) Type() hm.Type         { return matFnType(1) }
func (op col2imOp) ReturnsPtr() bool      { return false }
func (op col2imOp) CallsExtern() bool     { return false }
func (op col2imOp) OverwritesInput() int  { return -1 }
func (op col2imOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "ops.col2im %v", op.g) }
func (op col2imOp) Hashcode() uint32      { return hashOp(op) }
func (op col2imOp) String() string        { return fmt.Sprintf("Col2Im{%v}", op.g) }
func (op col2imOp) DiffWRT(int) []bool    { return []bool{true} }

func (op col2imOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	g := op.g
	return inferShapes(op, in, []tensor.Shape{{g.outRows(), g.C * g.patch()}}, tensor.Shape{g.inRows(), g.C})
}

func (op col2imOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(im2colOp(op), grad)
	return G.Nodes{d}, err
}

func (op col2imOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix (B·H·W, C) of the
// inputs' dtype.
func (op col2imOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op col2imOp) outShape() tensor.Shape { return tensor.Shape{op.g.inRows(), op.g.C} }

func (op col2imOp) inSizes() []int                     { return []int{op.g.outRows() * op.g.C * op.g.patch()} }
func (op col2imOp) into64(x []float64, in [][]float64) { col2imInto(op.g, x, in[0]) }
func (op col2imOp) into32(x []float32, in [][]float32) { col2imInto(op.g, x, in[0]) }

// col2imInto writes the adjoint of im2col on cols into x: col2im adds into
// x, so x is cleared first.
func col2imInto[T float](g Geom, x, cols []T) {
	clear(x)
	col2im(g, cols, x)
}

// span returns the window offsets j0 ≤ j < j1 of a window starting at
// input position start (may be negative) that fall inside [0, size).
func span(start, k, size int) (j0, j1 int) {
	j0, j1 = 0, k
	if start < 0 {
		j0 = -start
	}
	if start+k > size {
		j1 = size - start
	}
	if j1 < j0 {
		j1 = j0
	}
	return j0, j1
}

// im2col writes the patches of x (NHWC) into cols, in Im2Col's column order
// (i, j, c); entries in the padding are left as they are (zero in a fresh
// matrix).
//
// Pixels j0…j1−1 of an input row are contiguous in x with their channels, and
// so is their place in a patch row: one copy per kernel row. (In PyTorch's
// (c, i, j) column order each value was a strided write: about 5× slower on
// 8 channels of 12×12, BenchmarkKernelIm2ColChannelMajor against
// BenchmarkKernelIm2Col/conv2.)
func im2col[T float](g Geom, x, cols []T) {
	oh, ow, C := g.OutH(), g.OutW(), g.C
	width := C * g.patch()
	r := 0
	for b := 0; b < g.Batch; b++ {
		for p := 0; p < oh; p++ {
			h0 := p*g.SH - g.PH
			i0, i1 := span(h0, g.KH, g.H)
			for q := 0; q < ow; q++ {
				row := cols[r*width : (r+1)*width]
				r++
				w0 := q*g.SW - g.PW
				j0, j1 := span(w0, g.KW, g.W)
				for i := i0; i < i1; i++ {
					src := x[((b*g.H+h0+i)*g.W+w0+j0)*C : ((b*g.H+h0+i)*g.W+w0+j1)*C]
					dst := row[(i*g.KW+j0)*C : (i*g.KW+j1)*C]
					if len(src) <= 16 {
						// Short spans (one channel): a loop beats a call to memmove.
						for t, v := range src {
							dst[t] = v
						}
						continue
					}
					copy(dst, src)
				}
			}
		}
	}
}

// col2im adds every patch entry of cols back into x (NHWC), the adjoint of
// im2col.
func col2im[T float](g Geom, cols, x []T) {
	oh, ow, C := g.OutH(), g.OutW(), g.C
	width := C * g.patch()
	r := 0
	for b := 0; b < g.Batch; b++ {
		for p := 0; p < oh; p++ {
			h0 := p*g.SH - g.PH
			i0, i1 := span(h0, g.KH, g.H)
			for q := 0; q < ow; q++ {
				row := cols[r*width : (r+1)*width]
				r++
				w0 := q*g.SW - g.PW
				j0, j1 := span(w0, g.KW, g.W)
				for i := i0; i < i1; i++ {
					dst := x[((b*g.H+h0+i)*g.W+w0+j0)*C : ((b*g.H+h0+i)*g.W+w0+j1)*C]
					src := row[(i*g.KW+j0)*C : (i*g.KW+j1)*C]
					for t := range dst {
						dst[t] += src[t]
					}
				}
			}
		}
	}
}
