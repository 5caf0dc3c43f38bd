package datasets

import (
	"fmt"
	"math"
)

// Set is a labelled sample set: N samples of D features, row-major.
//
// Sample i occupies X[i*D : (i+1)*D] and has label Y[i] in [0, Classes).
//
// Index, when non-nil, says where each sample came from: Index[i] is the
// position of sample i in the data it was first drawn from (for MNIST, the
// image's position in its original file). A nil Index means the set is that
// data itself, sample i at position i. LoadMNIST, Source.Load and
// Source.Samples fill it; Subset, Rows and Clone carry it along.
type Set struct {
	X       []float64
	Y       []int
	N       int
	D       int
	Classes int
	Index   []int
}

// Validate reports the first inconsistency in s: negative N, D < 1,
// Classes < 1, len(X) != N*D, len(Y) != N, a non-nil Index of a length other
// than N or with a negative entry, a label outside [0, Classes) or a
// non-finite feature value. A nil *Set is invalid.
func (s *Set) Validate() error {
	if s == nil {
		return fmt.Errorf("datasets: nil Set")
	}
	switch {
	case s.N < 0:
		return fmt.Errorf("datasets: set has negative sample count N=%d", s.N)
	case s.D < 1:
		return fmt.Errorf("datasets: set has feature dimension D=%d, want >= 1", s.D)
	case s.Classes < 1:
		return fmt.Errorf("datasets: set has Classes=%d, want >= 1", s.Classes)
	case len(s.X) != s.N*s.D:
		return fmt.Errorf("datasets: set has len(X)=%d, want N*D=%d*%d=%d", len(s.X), s.N, s.D, s.N*s.D)
	case len(s.Y) != s.N:
		return fmt.Errorf("datasets: set has len(Y)=%d, want N=%d", len(s.Y), s.N)
	case s.Index != nil && len(s.Index) != s.N:
		return fmt.Errorf("datasets: set has len(Index)=%d, want N=%d", len(s.Index), s.N)
	}
	for i, j := range s.Index {
		if j < 0 {
			return fmt.Errorf("datasets: set Index[%d]=%d is negative", i, j)
		}
	}
	for i, y := range s.Y {
		if y < 0 || y >= s.Classes {
			return fmt.Errorf("datasets: set label Y[%d]=%d out of range [0,%d)", i, y, s.Classes)
		}
	}
	for k, v := range s.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("datasets: set feature X[%d] (sample %d, feature %d) is %v", k, k/s.D, k%s.D, v)
		}
	}
	return nil
}

// Row returns the features of sample i. The slice shares memory with s.X.
// It panics if i is out of range.
func (s *Set) Row(i int) []float64 {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("datasets: Row(%d) out of range [0,%d)", i, s.N))
	}
	return s.X[i*s.D : (i+1)*s.D : (i+1)*s.D]
}

// Rows returns a view of samples [i, j) as a Set, for chunking a set into
// mini-batches without copying. The view SHARES MEMORY with s: writes through
// either are visible in both. Its slices are capacity-limited, so appending
// to them reallocates rather than overwriting samples beyond j.
// It panics unless 0 <= i <= j <= s.N.
func (s *Set) Rows(i, j int) *Set {
	if i < 0 || j < i || j > s.N {
		panic(fmt.Sprintf("datasets: Rows(%d, %d) out of range for N=%d", i, j, s.N))
	}
	return &Set{
		X:       s.X[i*s.D : j*s.D : j*s.D],
		Y:       s.Y[i:j:j],
		N:       j - i,
		D:       s.D,
		Classes: s.Classes,
		Index:   s.indexRange(i, j),
	}
}

// origin returns the position of sample i in the data s was drawn from.
func (s *Set) origin(i int) int {
	if s.Index == nil {
		return i
	}
	return s.Index[i]
}

// indexRange returns the origins of samples [i, j): a capacity-limited view
// of s.Index, or a new slice i, …, j−1 when s.Index is nil.
func (s *Set) indexRange(i, j int) []int {
	if s.Index != nil {
		return s.Index[i:j:j]
	}
	out := make([]int, j-i)
	for k := range out {
		out[k] = i + k
	}
	return out
}

// Subset returns a new Set holding copies of the samples at the given
// indices, in the order given (duplicates are copied as often as they
// appear). It shares no memory with s. Its Index gives each sample's origin:
// s.Index[idx[k]], or idx[k] when s.Index is nil. It panics if an index is
// out of range.
func (s *Set) Subset(idx []int) *Set {
	out := &Set{
		X:       make([]float64, len(idx)*s.D),
		Y:       make([]int, len(idx)),
		N:       len(idx),
		D:       s.D,
		Classes: s.Classes,
		Index:   make([]int, len(idx)),
	}
	for k, i := range idx {
		if i < 0 || i >= s.N {
			panic(fmt.Sprintf("datasets: Subset index idx[%d]=%d out of range [0,%d)", k, i, s.N))
		}
		copy(out.X[k*s.D:(k+1)*s.D], s.X[i*s.D:(i+1)*s.D])
		out.Y[k] = s.Y[i]
		out.Index[k] = s.origin(i)
	}
	return out
}

// Clone returns a deep copy of s (a nil Index stays nil).
func (s *Set) Clone() *Set {
	c := &Set{
		X:       append([]float64(nil), s.X...),
		Y:       append([]int(nil), s.Y...),
		N:       s.N,
		D:       s.D,
		Classes: s.Classes,
	}
	if s.Index != nil {
		c.Index = append([]int(nil), s.Index...)
	}
	return c
}

// ClassCounts returns the number of samples of each class; it has length
// s.Classes. Labels outside [0, Classes) are ignored (Validate reports them).
func (s *Set) ClassCounts() []int {
	counts := make([]int, s.Classes)
	for _, y := range s.Y {
		if y >= 0 && y < s.Classes {
			counts[y]++
		}
	}
	return counts
}

// OneHot encodes labels as a row-major len(y)×classes matrix of 0s and 1s:
// row i has a 1 in column y[i]. It panics if a label is outside [0, classes).
func OneHot(y []int, classes int) []float64 {
	out := make([]float64, len(y)*classes)
	for i, c := range y {
		if c < 0 || c >= classes {
			panic(fmt.Sprintf("datasets: OneHot label y[%d]=%d out of range [0,%d)", i, c, classes))
		}
		out[i*classes+c] = 1
	}
	return out
}
