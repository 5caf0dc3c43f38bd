package ops

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds what the ops of the package share: their type, shape checks,
// access to float64 data and hashing.

// matFnType is the type of an op taking arity matrices to a matrix:
// Matrix a → … → Matrix a.
func matFnType(arity int) hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	ts := make([]hm.Type, arity+1)
	for i := range ts {
		ts[i] = t
	}
	return hm.NewFnType(ts...)
}

// checkShape reports whether s is the matrix shape rows×cols.
func checkShape(s tensor.Shape, rows, cols int, what string) error {
	if len(s) != 2 || s[0] != rows || s[1] != cols {
		return fmt.Errorf("ops: %s has shape %v, want (%d, %d)", what, s, rows, cols)
	}
	return nil
}

// checkNode reports whether n is a float64 matrix of shape rows×cols.
func checkNode(n *G.Node, rows, cols int, what string) error {
	if n == nil {
		return fmt.Errorf("ops: %s is nil", what)
	}
	if n.Dtype() != tensor.Float64 {
		return fmt.Errorf("ops: %s is %v, want float64", what, n.Dtype())
	}
	return checkShape(n.Shape(), rows, cols, what)
}

// inferShapes checks the shapes of an op's inputs against want and returns
// out; every op of the package infers its shape this way.
func inferShapes(op G.Op, in []G.DimSizer, want []tensor.Shape, out tensor.Shape) (tensor.Shape, error) {
	if len(in) != len(want) {
		return nil, fmt.Errorf("ops: %v takes %d inputs, got %d", op, len(want), len(in))
	}
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("ops: %v: input %d has no shape (%T)", op, i, d)
		}
		if err := checkShape(s, want[i][0], want[i][1], fmt.Sprintf("input %d of %v", i, op)); err != nil {
			return nil, err
		}
	}
	return out.Clone(), nil
}

// floats returns the float64 data of a value of n elements, in row-major
// order (a non-contiguous view is materialised first).
func floats(op G.Op, v G.Value, n int) ([]float64, error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("ops: %v: input is %T, want a tensor", op, v)
	}
	if t.RequiresIterator() {
		m, ok := t.(tensor.View)
		if !ok {
			return nil, fmt.Errorf("ops: %v: input %T is not contiguous", op, v)
		}
		t = m.Materialize()
	}
	d, ok := t.Data().([]float64)
	if !ok {
		return nil, fmt.Errorf("ops: %v: input holds %T, want []float64", op, t.Data())
	}
	if len(d) != n {
		return nil, fmt.Errorf("ops: %v: input has %d values, want %d", op, len(d), n)
	}
	return d, nil
}

// inputs returns the float64 data of vs, vs[i] having sizes[i] elements.
func inputs(op G.Op, vs []G.Value, sizes ...int) ([][]float64, error) {
	if len(vs) != len(sizes) {
		return nil, fmt.Errorf("ops: %v takes %d inputs, got %d", op, len(sizes), len(vs))
	}
	ds := make([][]float64, len(vs))
	for i, v := range vs {
		var err error
		if ds[i], err = floats(op, v, sizes[i]); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// newMatrix allocates a zeroed rows×cols float64 matrix and returns it with
// its backing slice.
func newMatrix(rows, cols int) (*tensor.Dense, []float64) {
	d := make([]float64, rows*cols)
	return tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(d)), d
}

// kernelOp is an op of the package whose value is one float64 matrix
// computed by a kernel that can write into any buffer: Do is doAlloc (a
// fresh matrix) and UsePreallocDo is doInto (the caller's), so the two
// share the kernel and give the same bits.
type kernelOp interface {
	G.Op
	// outShape is the shape of the op's value.
	outShape() tensor.Shape
	// into writes the op's value on vs into dst, every element of it:
	// dst may hold anything on entry (buffers are reused across runs and
	// shared between nodes), so a kernel that accumulates clears it first.
	into(dst []float64, vs []G.Value) error
}

// doAlloc is the Do of a kernelOp: the kernel into a fresh matrix.
func doAlloc(op kernelOp, vs []G.Value) (G.Value, error) {
	s := op.outShape()
	t, d := newMatrix(s[0], s[1])
	if err := op.into(d, vs); err != nil {
		return nil, err
	}
	return t, nil
}

// doInto is the UsePreallocDo of a kernelOp: the kernel into prealloc, which
// must be a contiguous float64 tensor of the op's output shape; prealloc is
// returned.
func doInto(op kernelOp, prealloc G.Value, vs []G.Value) (G.Value, error) {
	s := op.outShape()
	t, ok := prealloc.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("ops: %v: preallocated value is %T, want a tensor", op, prealloc)
	}
	if !t.Shape().Eq(s) {
		return nil, fmt.Errorf("ops: %v: preallocated value has shape %v, want %v", op, t.Shape(), s)
	}
	if t.RequiresIterator() {
		return nil, fmt.Errorf("ops: %v: preallocated value is not contiguous", op)
	}
	d, ok := t.Data().([]float64)
	if !ok {
		return nil, fmt.Errorf("ops: %v: preallocated value holds %T, want []float64", op, t.Data())
	}
	if len(d) != s.TotalSize() {
		return nil, fmt.Errorf("ops: %v: preallocated value has %d values, want %d", op, len(d), s.TotalSize())
	}
	if err := op.into(d, vs); err != nil {
		return nil, err
	}
	return prealloc, nil
}

// scratchCap is the capacity of the convolutions' patch scratch: a block
// needs at most 2¹⁹ values (4 MB) unless one sample needs more, so scratches
// are interchangeable between ops.
const scratchCap = 1 << 19

// maxFreeScratch bounds the scratches kept between calls: one per op running
// at the same time.
const maxFreeScratch = 8

// freeScratch keeps the convolutions' patch scratch between calls, so runs of
// a compiled graph do not allocate it again. Unlike a sync.Pool it survives
// garbage collections: the process keeps at most maxFreeScratch scratches,
// as many as ever ran at once (one per goroutine running a convolution).
var freeScratch struct {
	sync.Mutex
	s []*[]float64
}

// getScratch returns scratch of n float64 values, contents undefined; give it
// back with putScratch.
func getScratch(n int) *[]float64 {
	freeScratch.Lock()
	for i := len(freeScratch.s) - 1; i >= 0; i-- {
		if p := freeScratch.s[i]; cap(*p) >= n {
			freeScratch.s = append(freeScratch.s[:i], freeScratch.s[i+1:]...)
			freeScratch.Unlock()
			*p = (*p)[:n]
			return p
		}
	}
	freeScratch.Unlock()
	s := make([]float64, n, max(n, scratchCap))
	return &s
}

// putScratch returns scratch from getScratch for reuse (dropped if
// maxFreeScratch are kept already).
func putScratch(p *[]float64) {
	freeScratch.Lock()
	if len(freeScratch.s) < maxFreeScratch {
		freeScratch.s = append(freeScratch.s, p)
	}
	freeScratch.Unlock()
}

// hashOp is the FNV-1a hash of what op.WriteHash writes.
func hashOp(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// Every op of the package writes into a preallocated buffer.
var _ = []interface {
	kernelOp
	G.UsePreallocDoer
}{convOp{}, convDataOp{}, convFilterOp{}, im2colOp{}, col2imOp{}, poolOp{}, scatterOp{}, gatherOp{}, permOp{}}
