package ops

import (
	"fmt"
	"hash"
	"hash/fnv"

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

// hashOp is the FNV-1a hash of what op.WriteHash writes.
func hashOp(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
