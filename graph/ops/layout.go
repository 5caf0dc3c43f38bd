package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// NCHWToNHWC converts b samples of c channels of h×w pixels from PyTorch's
// flat layout (b, c·h·w), pixel (i, j) of channel k of sample n at row n,
// column k·h·w + i·w + j, to NHWC rows (b·h·w, c), the same value at row
// n·h·w + i·w + j, column k. Its derivative is NHWCToNCHW.
func NCHWToNHWC(x *G.Node, b, c, h, w int) (*G.Node, error) {
	op := permOp{B: b, C: c, H: h, W: w, toNHWC: true}
	if err := op.validate(); err != nil {
		return nil, err
	}
	if err := checkNode(x, b, c*h*w, "NCHWToNHWC input"); err != nil {
		return nil, err
	}
	return G.ApplyOp(op, x)
}

// NHWCToNCHW converts NHWC rows (b·h·w, c) to PyTorch's flat layout
// (b, c·h·w), column k·h·w + i·w + j: torch.flatten(t, 1) of the NCHW tensor
// t, what a dense layer after a convolution expects. Its derivative is
// NCHWToNHWC.
func NHWCToNCHW(x *G.Node, b, c, h, w int) (*G.Node, error) {
	op := permOp{B: b, C: c, H: h, W: w}
	if err := op.validate(); err != nil {
		return nil, err
	}
	if err := checkNode(x, b*h*w, c, "NHWCToNCHW input"); err != nil {
		return nil, err
	}
	return G.ApplyOp(op, x)
}

// permOp is NCHWToNHWC (toNHWC) or NHWCToNCHW as a gorgonia op.
type permOp struct {
	B, C, H, W int
	toNHWC     bool
}

func (op permOp) validate() error {
	if op.B < 1 || op.C < 1 || op.H < 1 || op.W < 1 {
		return fmt.Errorf("ops: %v: batch %d, channels %d, size %d×%d: each must be ≥ 1", op, op.B, op.C, op.H, op.W)
	}
	return nil
}

// shapes returns the input and output shapes.
func (op permOp) shapes() (in, out tensor.Shape) {
	nchw, nhwc := tensor.Shape{op.B, op.C * op.H * op.W}, tensor.Shape{op.B * op.H * op.W, op.C}
	if op.toNHWC {
		return nchw, nhwc
	}
	return nhwc, nchw
}

func (op permOp) Arity() int           { return 1 }
func (op permOp) Type() hm.Type        { return matFnType(1) }
func (op permOp) ReturnsPtr() bool     { return false }
func (op permOp) CallsExtern() bool    { return false }
func (op permOp) OverwritesInput() int { return -1 }
func (op permOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "ops.perm %t %d %d %d %d", op.toNHWC, op.B, op.C, op.H, op.W)
}
func (op permOp) Hashcode() uint32   { return hashOp(op) }
func (op permOp) DiffWRT(int) []bool { return []bool{true} }
func (op permOp) String() string {
	name := "NHWCToNCHW"
	if op.toNHWC {
		name = "NCHWToNHWC"
	}
	return fmt.Sprintf("%s{B%d C%d %dx%d}", name, op.B, op.C, op.H, op.W)
}

func (op permOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	i, o := op.shapes()
	return inferShapes(op, in, []tensor.Shape{i}, o)
}

// SymDiff: the adjoint of a permutation is its inverse.
func (op permOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	inv := op
	inv.toNHWC = !op.toNHWC
	d, err := G.ApplyOp(inv, grad)
	return G.Nodes{d}, err
}

func (op permOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// UsePreallocDo computes Do's value into prealloc, a matrix of the output
// layout and of the input's dtype.
func (op permOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op permOp) outShape() tensor.Shape { _, o := op.shapes(); return o }

func (op permOp) inSizes() []int                       { i, _ := op.shapes(); return []int{i.TotalSize()} }
func (op permOp) into64(dst []float64, in [][]float64) { permute(op, dst, in[0]) }
func (op permOp) into32(dst []float32, in [][]float32) { permute(op, dst, in[0]) }

// permute writes the permutation of src into dst, every element of it.
func permute[T float](op permOp, dst, src []T) {
	hw, chw := op.H*op.W, op.C*op.H*op.W
	for b := 0; b < op.B; b++ {
		for c := 0; c < op.C; c++ {
			plane := b*chw + c*hw // (b, c, ·) in NCHW
			for p := 0; p < hw; p++ {
				row := (b*hw + p) * op.C // (b, p, ·) in NHWC
				if op.toNHWC {
					dst[row+c] = src[plane+p]
				} else {
					dst[plane+p] = src[row+c]
				}
			}
		}
	}
}
