package measures

import "math"

// Sample statistics shared by the stochastic estimators (Hutchinson,
// BlockTraces, RelativeFlatness).

// welford accumulates the mean of a sample and the sum of squared deviations
// from it in one pass (Welford's algorithm). The zero value is an empty sample.
type welford struct {
	n    int     // values added
	mean float64 // running mean
	m2   float64 // running sum of squared deviations from the mean
}

// add adds x to the sample.
func (w *welford) add(x float64) {
	w.n++
	d := x - w.mean
	w.mean += d / float64(w.n)
	w.m2 += d * (x - w.mean)
}

// stdErr returns the standard error of the mean, the sample standard deviation
// divided by √n; 0 for fewer than 2 values.
func (w *welford) stdErr() float64 {
	if w.n < 2 {
		return 0
	}
	return math.Sqrt(w.m2 / float64(w.n-1) / float64(w.n))
}
