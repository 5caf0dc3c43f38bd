package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AddBias is x + 1·bᵀ, a bias vector b of C values added to every row of an
// R×C float64 matrix x: the values and derivatives of
// G.BroadcastAdd(x, b, nil, []byte{0}), bit for bit, in one pass where
// gorgonia repeats b into an R×C matrix and then adds the two. Its
// derivatives are the incoming gradient for x and its column sums,
// G.Sum(grad, 0), for b, both gorgonia's own, so a second Grad goes through
// them as through BroadcastAdd's.
func AddBias(x, b *G.Node) (*G.Node, error) {
	if x == nil || x.Dims() != 2 {
		return nil, fmt.Errorf("ops: AddBias input must be a matrix, got %v", x)
	}
	r, c := x.Shape()[0], x.Shape()[1]
	if err := checkNode(x, r, c, "AddBias input"); err != nil {
		return nil, err
	}
	if b == nil || b.Dtype() != tensor.Float64 || b.Dims() != 1 || b.Shape()[0] != c {
		return nil, fmt.Errorf("ops: AddBias bias must be a float64 vector of %d, got %v", c, b)
	}
	return G.ApplyOp(biasOp{R: r, C: c}, x, b)
}

// biasOp is AddBias of an R×C matrix and a vector of C.
type biasOp struct{ R, C int }

func (op biasOp) Arity() int { return 2 }
func (op biasOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, G.TensorType{Dims: 1, Of: a}, m)
}
func (op biasOp) ReturnsPtr() bool                  { return false }
func (op biasOp) CallsExtern() bool                 { return false }
func (op biasOp) OverwritesInput() int              { return -1 }
func (op biasOp) WriteHash(h hash.Hash)             { fmt.Fprintf(h, "ops.bias %d %d", op.R, op.C) }
func (op biasOp) Hashcode() uint32                  { return hashOp(op) }
func (op biasOp) String() string                    { return fmt.Sprintf("AddBias{%dx%d}", op.R, op.C) }
func (op biasOp) Do(vs ...G.Value) (G.Value, error) { return doAlloc(op, vs) }
func (op biasOp) DiffWRT(int) []bool                { return []bool{true, true} }

// SymDiff: ∂/∂x is grad itself, ∂/∂b the sum of grad's rows.
func (op biasOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	db, err := G.Sum(grad, 0)
	if err != nil {
		return nil, err
	}
	return G.Nodes{grad, db}, nil
}

func (op biasOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("ops: %v takes 2 inputs, got %d", op, len(in))
	}
	out, err := inferShapes(op, in[:1], []tensor.Shape{{op.R, op.C}}, tensor.Shape{op.R, op.C})
	if err != nil {
		return nil, err
	}
	if s, ok := in[1].(tensor.Shape); !ok || len(s) != 1 || s[0] != op.C {
		return nil, fmt.Errorf("ops: %v: bias has shape %v, want (%d)", op, in[1], op.C)
	}
	return out, nil
}

// UsePreallocDo computes Do's value into prealloc, an R×C matrix of the
// inputs' dtype.
func (op biasOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return doInto(op, prealloc, vs)
}

func (op biasOp) outShape() tensor.Shape               { return tensor.Shape{op.R, op.C} }
func (op biasOp) inSizes() []int                       { return []int{op.R * op.C, op.C} }
func (op biasOp) into64(dst []float64, in [][]float64) { addRows(dst, in[0], in[1]) }
func (op biasOp) into32(dst []float32, in [][]float32) { addRows(dst, in[0], in[1]) }

// addRows writes x + b into dst, row by row (x and dst hold rows of len(b)).
func addRows[T float](dst, x, b []T) {
	c := len(b)
	for r := 0; r+c <= len(x); r += c {
		d, s := dst[r:r+c], x[r:r+c]
		for j, v := range b {
			d[j] = s[j] + v
		}
	}
}
