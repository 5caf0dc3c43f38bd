package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ReLU is max(x, 0) of a float64 matrix x, built as gorgonia's Rectify builds
// it, x ⊙ step(x) with step(x) = 1 where x ≥ 0 and 0 elsewhere (NaN
// included), step being constant for differentiation: the same graph, the
// same derivatives and the same bits as G.Rectify.
//
// Only the step differs: gorgonia computes it with a branch per element
// (tensor's GteSameVS), which mispredicts on about half the elements of a
// hidden layer's pre-activations; the step here selects the bits of 1 or 0
// without a branch: 0.28 ms against 1.9 ms for 256,000 values
// (BenchmarkKernelStep, BenchmarkKernelGorgoniaStep).
func ReLU(x *G.Node) (*G.Node, error) {
	if x == nil || x.Dims() != 2 {
		return nil, fmt.Errorf("ops: ReLU input must be a matrix, got %v", x)
	}
	if err := checkNode(x, x.Shape()[0], x.Shape()[1], "ReLU input"); err != nil {
		return nil, err
	}
	s, err := G.ApplyOp(stepOp{R: x.Shape()[0], C: x.Shape()[1]}, x)
	if err != nil {
		return nil, err
	}
	return G.HadamardProd(x, s)
}

// stepOp is the step of ReLU, of an R×C matrix, as a gorgonia op.
type stepOp struct{ R, C int }

func (op stepOp) Arity() int                        { return 1 }
func (op stepOp) Type() hm.Type                     { return matFnType(1) }
func (op stepOp) ReturnsPtr() bool                  { return false }
func (op stepOp) CallsExtern() bool                 { return false }
func (op stepOp) OverwritesInput() int              { return -1 }
func (op stepOp) WriteHash(h hash.Hash)             { fmt.Fprintf(h, "ops.step %d %d", op.R, op.C) }
func (op stepOp) Hashcode() uint32                  { return hashOp(op) }
func (op stepOp) String() string                    { return fmt.Sprintf("Step{%dx%d}", op.R, op.C) }
func (op stepOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }

// DiffWRT: the step is piecewise constant, not differentiated (as gorgonia's
// comparison ops are not).
func (op stepOp) DiffWRT(int) []bool { return []bool{false} }

// SymDiff is never called (DiffWRT is false).
func (op stepOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("ops: %v is not differentiable", op)
}

func (op stepOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s := tensor.Shape{op.R, op.C}
	return inferShapes(op, in, []tensor.Shape{s}, s)
}

// UsePreallocDo computes Do's value into prealloc, an R×C matrix of the
// input's dtype.
func (op stepOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op stepOp) outShape() tensor.Shape { return tensor.Shape{op.R, op.C} }
func (op stepOp) inSizes() []int         { return []int{op.R * op.C} }

// into64 and into32 select the bits of 1 or of +0 with a comparison the
// compiler turns into a conditional move: a loop assigning 1 or 0 as floats
// keeps the branch (BenchmarkKernelGorgoniaStep).
func (op stepOp) into64(dst []float64, in [][]float64) {
	for i, x := range in[0] {
		var b uint64
		if x >= 0 {
			b = 0x3FF0000000000000 // 1.0
		}
		dst[i] = math.Float64frombits(b)
	}
}

func (op stepOp) into32(dst []float32, in [][]float32) {
	for i, x := range in[0] {
		var b uint32
		if x >= 0 {
			b = 0x3F800000 // 1.0
		}
		dst[i] = math.Float32frombits(b)
	}
}
