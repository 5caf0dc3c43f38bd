package measures

import (
	"math"
	"testing"
)

func TestWelford(t *testing.T) {
	var w welford
	if w.mean != 0 || w.stdErr() != 0 {
		t.Errorf("empty: mean %v, stdErr %v", w.mean, w.stdErr())
	}
	w.add(3)
	if w.n != 1 || w.mean != 3 || w.stdErr() != 0 {
		t.Errorf("one value: n %d, mean %v, stdErr %v", w.n, w.mean, w.stdErr())
	}
	xs := []float64{3, 1e8 + 1, 1e8 - 2, 7.5, -4, 1e8}
	for _, x := range xs[1:] {
		w.add(x)
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	se := math.Sqrt(ss / float64(len(xs)-1) / float64(len(xs)))
	if w.n != len(xs) || math.Abs(w.mean-mean) > 1e-12*math.Abs(mean) || math.Abs(w.stdErr()-se) > 1e-12*se {
		t.Errorf("n %d, mean %v, stdErr %v; want %d, %v, %v", w.n, w.mean, w.stdErr(), len(xs), mean, se)
	}
}
