package measures

import "math"

// Sampling helpers shared by the stochastic estimators (Hutchinson,
// SpectralDensity, BlockTraces, RelativeFlatness).

// rademacher fills v with independent ±1 entries taken from a stream of random
// words: next returns a word whose low width bits are random, consumed
// least-significant bit first, one new word every width entries; a set bit
// gives one and a clear bit −one (one is +1 or −1).
//
// The callers draw from different generators, and each keeps its own stream:
//
//   - math/rand (Hutchinson, SpectralDensity): next = uint64(rng.Int63()),
//     width 63, one = −1;
//   - math/rand/v2 PCG (BlockTraces, RelativeFlatness): next = rng.Uint64,
//     width 64, one = +1.
func rademacher(v []float64, next func() uint64, width int, one float64) {
	var bits uint64
	for i := range v {
		if i%width == 0 {
			bits = next()
		}
		if bits&1 == 1 {
			v[i] = one
		} else {
			v[i] = -one
		}
		bits >>= 1
	}
}

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
