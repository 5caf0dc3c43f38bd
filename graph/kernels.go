package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A kernel computes a step's value straight into its buffer, for some of
// gorgonia's own ops on matrices: row and column sums, row maxima and the
// repeats of a row or a column that broadcasting builds. gorgonia computes
// them through its generic reduction and repeat machinery, which for the
// small matrices of a loss (1,000 × 10) costs 30–150 µs an op, more than the
// arithmetic; the kernels do the same arithmetic in the same order, so the
// values are gorgonia's bit for bit (TestKernelsMatchGorgonia), in a few µs.
// The graph, and so every derivative, stays gorgonia's.
type kernel func(out G.Value, args []G.Value) error

// kernelFor returns the kernel of node n (with children cs), or nil when
// gorgonia's op runs it.
func kernelFor(n *G.Node, cs []*G.Node) kernel {
	if len(cs) == 0 || cs[0].Dims() != 2 {
		return nil
	}
	r, c := cs[0].Shape()[0], cs[0].Shape()[1]
	out := n.Shape()
	switch name := n.Op().String(); {
	case name == "Σ[0]" && isOp(n.Op(), "gorgonia.sumOp") && out.TotalSize() == c:
		return floatKernel(sumCols[float64], sumCols[float32], r, c)
	case name == "Σ[1]" && isOp(n.Op(), "gorgonia.sumOp") && out.TotalSize() == r:
		return floatKernel(sumRows[float64], sumRows[float32], r, c)
	case name == "MaxAlong[1]" && isOp(n.Op(), "*gorgonia.maxOp") && out.TotalSize() == r:
		return floatKernel(maxRows[float64], maxRows[float32], r, c)
	case name == "Repeat0" && isOp(n.Op(), "*gorgonia.repeatOp") && r == 1 && out.Dims() == 2 && out[1] == c:
		return floatKernel(repeatRow[float64], repeatRow[float32], out[0], c)
	case name == "Repeat1" && isOp(n.Op(), "*gorgonia.repeatOp") && c == 1 && out.Dims() == 2 && out[0] == r:
		return floatKernel(repeatCol[float64], repeatCol[float32], r, out[1])
	}
	return nil
}

// floatKernel wraps the float64 and float32 instances of a kernel on an r×c
// matrix (the input's shape, or the output's for repeats) as a kernel.
func floatKernel(k64 func(dst, src []float64, r, c int), k32 func(dst, src []float32, r, c int), r, c int) kernel {
	return func(out G.Value, args []G.Value) error {
		o, ok1 := out.(tensor.Tensor)
		a, ok2 := args[0].(tensor.Tensor)
		if !ok1 || !ok2 || a.RequiresIterator() {
			return fmt.Errorf("graph: kernel on %T → %T", args[0], out)
		}
		switch dst := o.Data().(type) {
		case []float64:
			if src, ok := a.Data().([]float64); ok {
				k64(dst, src, r, c)
				return nil
			}
		case []float32:
			if src, ok := a.Data().([]float32); ok {
				k32(dst, src, r, c)
				return nil
			}
		}
		return fmt.Errorf("graph: kernel on %T → %T", a.Data(), o.Data())
	}
}

type float interface{ float32 | float64 }

// sumCols is tensor's Sum along axis 0: the first row, then each following
// row added to it in turn (reduceFirst with VecAdd).
func sumCols[T float](dst, src []T, r, c int) {
	dst = dst[:c]
	copy(dst, src[:c])
	for i := 1; i < r; i++ {
		row := src[i*c : (i+1)*c]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// sumRows is tensor's Sum along axis 1: each row summed left to right from
// +0 (reduceLast with Sum).
func sumRows[T float](dst, src []T, r, c int) {
	for i := range r {
		var s T
		for _, v := range src[i*c : (i+1)*c] {
			s += v
		}
		dst[i] = s
	}
}

// maxRows is tensor's Max along axis 1: from the row's first value, m =
// m if m > v else v, left to right (SliceMax with Max), NaNs included.
func maxRows[T float](dst, src []T, r, c int) {
	for i := range r {
		row := src[i*c : (i+1)*c]
		m := row[0]
		for _, v := range row[1:] {
			if !(m > v) {
				m = v
			}
		}
		dst[i] = m
	}
}

// repeatRow fills the r×c dst with r copies of the row src.
func repeatRow[T float](dst, src []T, r, c int) {
	for i := range r {
		copy(dst[i*c:(i+1)*c], src[:c])
	}
}

// repeatCol fills the r×c dst with c copies of the column src.
func repeatCol[T float](dst, src []T, r, c int) {
	for i, v := range src[:r] {
		row := dst[i*c : (i+1)*c]
		for j := range row {
			row[j] = v
		}
	}
}
