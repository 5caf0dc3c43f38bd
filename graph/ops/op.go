package ops

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds what the ops of the package share: their type, shape checks,
// access to their float64 or float32 data, matrix products, scratch and
// hashing.

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

// float is the element type the ops compute in: float64, or float32 when
// package graph executes a float64 graph in single precision (buffers,
// inputs and constants all float32; see the package doc).
type float interface{ float32 | float64 }

// floats returns the data of a value of n elements of type T, in row-major
// order (a non-contiguous view is materialised first).
func floats[T float](op G.Op, v G.Value, n int) ([]T, error) {
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
	d, ok := t.Data().([]T)
	if !ok {
		return nil, fmt.Errorf("ops: %v: input holds %T, want %T", op, t.Data(), d)
	}
	if len(d) != n {
		return nil, fmt.Errorf("ops: %v: input has %d values, want %d", op, len(d), n)
	}
	return d, nil
}

// inputs returns the data of vs as []T, vs[i] having sizes[i] elements.
func inputs[T float](op G.Op, vs []G.Value, sizes []int) ([][]T, error) {
	if len(vs) != len(sizes) {
		return nil, fmt.Errorf("ops: %v takes %d inputs, got %d", op, len(sizes), len(vs))
	}
	ds := make([][]T, len(vs))
	for i, v := range vs {
		var err error
		if ds[i], err = floats[T](op, v, sizes[i]); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// kernelOp is an op of the package whose value is one matrix computed by a
// kernel that can write into any buffer: Do is doAlloc (a fresh matrix) and
// UsePreallocDo is doInto (the caller's), so the two share the kernel and
// give the same bits. The kernel is generic over the element type: into64
// and into32 are its two instances (float64 and float32 inputs and output).
type kernelOp interface {
	G.Op
	// outShape is the shape of the op's value.
	outShape() tensor.Shape
	// inSizes is the number of elements of each input.
	inSizes() []int
	// into64 and into32 write the op's value on in (inputs of inSizes)
	// into dst, every element of it: dst may hold anything on entry
	// (buffers are reused across runs and shared between nodes), so a
	// kernel that accumulates clears it first.
	into64(dst []float64, in [][]float64)
	into32(dst []float32, in [][]float32)
}

// doAlloc is the Do of a kernelOp: the kernel into a fresh zeroed matrix of
// the inputs' dtype (that of the first input; the others must match).
func doAlloc(op kernelOp, vs []G.Value) (G.Value, error) {
	if len(vs) == 0 {
		return nil, fmt.Errorf("ops: %v: no inputs", op)
	}
	dt := vs[0].Dtype()
	if dt != tensor.Float64 && dt != tensor.Float32 {
		return nil, fmt.Errorf("ops: %v: input is %v, want float64 or float32", op, dt)
	}
	return doInto(op, tensor.New(tensor.WithShape(op.outShape()...), tensor.Of(dt)), vs)
}

// doInto is the UsePreallocDo of a kernelOp: the kernel into prealloc, which
// must be a contiguous float64 or float32 tensor of the op's output shape,
// the inputs being of the same dtype; prealloc is returned.
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
	switch d := t.Data().(type) {
	case []float64:
		return prealloc, into(op, d, vs, op.into64)
	case []float32:
		return prealloc, into(op, d, vs, op.into32)
	}
	return nil, fmt.Errorf("ops: %v: preallocated value holds %T, want []float64 or []float32", op, t.Data())
}

// into checks dst's length and the inputs, then runs the kernel.
func into[T float](op kernelOp, dst []T, vs []G.Value, kernel func([]T, [][]T)) error {
	if n := op.outShape().TotalSize(); len(dst) != n {
		return fmt.Errorf("ops: %v: preallocated value has %d values, want %d", op, len(dst), n)
	}
	in, err := inputs[T](op, vs, op.inSizes())
	if err != nil {
		return err
	}
	kernel(dst, in)
	return nil
}

// gemm is C = A·B (op(A) m×k, op(B) k×n) + beta·C with gorgonia's BLAS
// (G.WhichBLAS): Dgemm for float64, Sgemm for float32.
func gemm[T float](tA, tB blas.Transpose, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float64:
		G.WhichBLAS().Dgemm(tA, tB, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	case []float32:
		G.WhichBLAS().Sgemm(tA, tB, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}

// scratchCap is the capacity of the convolutions' patch scratch: a block
// needs at most 2¹⁹ values (4 MB in float64) unless one sample needs more,
// so scratches are interchangeable between ops.
const scratchCap = 1 << 19

// maxFreeScratch bounds the scratches kept between calls, per element type:
// one per op running at the same time.
const maxFreeScratch = 8

// scratchPool keeps the convolutions' patch scratch between calls, so runs
// of a compiled graph do not allocate it again. Unlike a sync.Pool it
// survives garbage collections: the process keeps at most maxFreeScratch
// scratches of each type, as many as ever ran at once (one per goroutine
// running a convolution).
type scratchPool[T float] struct {
	sync.Mutex
	s []*[]T
}

var (
	freeScratch64 scratchPool[float64]
	freeScratch32 scratchPool[float32]
)

// freeScratch returns the pool of scratches of type T.
func freeScratch[T float]() *scratchPool[T] {
	var p any = &freeScratch64
	if _, ok := any(T(0)).(float32); ok {
		p = &freeScratch32
	}
	return p.(*scratchPool[T])
}

// getScratch returns scratch of n values, contents undefined; give it back
// with putScratch.
func getScratch[T float](n int) *[]T {
	f := freeScratch[T]()
	f.Lock()
	for i := len(f.s) - 1; i >= 0; i-- {
		if p := f.s[i]; cap(*p) >= n {
			f.s = append(f.s[:i], f.s[i+1:]...)
			f.Unlock()
			*p = (*p)[:n]
			return p
		}
	}
	f.Unlock()
	s := make([]T, n, max(n, scratchCap))
	return &s
}

// putScratch returns scratch from getScratch for reuse (dropped if
// maxFreeScratch are kept already).
func putScratch[T float](p *[]T) {
	f := freeScratch[T]()
	f.Lock()
	if len(f.s) < maxFreeScratch {
		f.s = append(f.s, p)
	}
	f.Unlock()
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
}{convOp{}, convDataOp{}, convFilterOp{}, im2colOp{}, col2imOp{}, poolOp{}, scatterOp{}, gatherOp{}, permOp{}, reluOp{}, biasOp{}}
