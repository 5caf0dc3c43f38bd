package datasets

import "math/rand"

// Noise returns n samples of d standard Gaussian features with labels drawn
// uniformly from [0, classes): a set with no structure, for tests and
// random-label baselines. The same seed gives the same set.
func Noise(n, d, classes int, seed int64) *Set {
	r := rand.New(rand.NewSource(seed))
	s := &Set{X: make([]float64, n*d), Y: make([]int, n), N: n, D: d, Classes: classes}
	for i := range s.X {
		s.X[i] = r.NormFloat64()
	}
	for i := range s.Y {
		s.Y[i] = r.Intn(classes)
	}
	return s
}
