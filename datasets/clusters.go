package datasets

import (
	"fmt"
	"math"
	"math/rand"
)

// Defaults applied by ClusterConfig.WithDefaults to zero fields.
const (
	// DefaultClusterSpread is the default standard deviation of points
	// around their cluster centre.
	DefaultClusterSpread = 1.0
	// DefaultClusterSeparation is the default standard deviation of the
	// cluster centres around the origin. Two centres then differ by a
	// N(0, 2·5² I) vector, about 5·√(2·Dim) apart, i.e. about 5·√(Dim/2)
	// spreads from the midpoint: the clusters are mostly separable once
	// Dim ≳ 2, while in 1 or 2 dimensions an occasional pair of centres
	// lands close enough to overlap.
	DefaultClusterSeparation = 5.0
)

// maxClusterValues bounds Classes·(PerClass+TestPerClass)·Dim, the number of
// float64 values Clusters allocates (2^28 values = 2 GiB).
const maxClusterValues = 1 << 28

// ClusterConfig describes a synthetic data set of Gaussian clusters, as used
// by Sagun et al. (2018), "Empirical Analysis of the Hessian of
// Over-Parametrized Neural Networks". It is JSON-serialisable; storing it is
// enough to regenerate the data exactly with Clusters.
type ClusterConfig struct {
	// Classes is the number of clusters, one class each (>= 2).
	Classes int `json:"classes"`
	// Dim is the dimension of the input space (>= 1).
	Dim int `json:"dim"`
	// PerClass is the number of training samples per class (>= 1).
	PerClass int `json:"per_class"`
	// TestPerClass is the number of test samples per class (>= 0; 0 gives
	// an empty test set).
	TestPerClass int `json:"test_per_class"`
	// Spread is the standard deviation of points around their centre;
	// 0 means DefaultClusterSpread.
	Spread float64 `json:"spread"`
	// Separation scales the centres, drawn from N(0, Separation² I);
	// 0 means DefaultClusterSeparation.
	Separation float64 `json:"separation"`
	// Seed determines the data completely.
	Seed int64 `json:"seed"`
}

// WithDefaults returns c with zero Spread and Separation replaced by their
// defaults. Clusters applies it itself; it is exported so callers can record
// the effective values. The data generated is the same either way.
func (c ClusterConfig) WithDefaults() ClusterConfig {
	if c.Spread == 0 {
		c.Spread = DefaultClusterSpread
	}
	if c.Separation == 0 {
		c.Separation = DefaultClusterSeparation
	}
	return c
}

// Validate reports the first invalid field of c (after defaults).
func (c ClusterConfig) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Classes < 2:
		return fmt.Errorf("datasets: cluster config: Classes=%d, want >= 2", c.Classes)
	case c.Dim < 1:
		return fmt.Errorf("datasets: cluster config: Dim=%d, want >= 1", c.Dim)
	case c.PerClass < 1:
		return fmt.Errorf("datasets: cluster config: PerClass=%d, want >= 1", c.PerClass)
	case c.TestPerClass < 0:
		return fmt.Errorf("datasets: cluster config: TestPerClass=%d, want >= 0", c.TestPerClass)
	case !(c.Spread > 0) || math.IsInf(c.Spread, 0):
		return fmt.Errorf("datasets: cluster config: Spread=%v, want finite > 0 (0 means default %v)", c.Spread, DefaultClusterSpread)
	case !(c.Separation > 0) || math.IsInf(c.Separation, 0):
		return fmt.Errorf("datasets: cluster config: Separation=%v, want finite > 0 (0 means default %v)", c.Separation, DefaultClusterSeparation)
	}
	// Overflow-safe size check, in float64.
	values := float64(c.Classes) * (float64(c.PerClass) + float64(c.TestPerClass)) * float64(c.Dim)
	if values > maxClusterValues {
		return fmt.Errorf("datasets: cluster config: %d classes × (%d+%d) samples × %d dims = %.0f values, above the limit %d",
			c.Classes, c.PerClass, c.TestPerClass, c.Dim, values, maxClusterValues)
	}
	return nil
}

// Clusters generates a training and a test set of Classes Gaussian clusters
// in Dim dimensions. Centre k is drawn from N(0, Separation² I); a sample of
// class k is centre k plus N(0, Spread² I) noise; its label is k.
//
// Samples are interleaved by class: sample i has label i mod Classes, so the
// training set has N = Classes·PerClass, the test set N = Classes·TestPerClass,
// and any prefix of Classes·m samples is exactly balanced.
//
// Everything is determined by cfg. Seed drives a master generator
// (math/rand.New(rand.NewSource(Seed))) that draws separate seeds for the
// centres, the training points and the test points, so changing PerClass
// does not change the centres or the test set, and vice versa.
func Clusters(cfg ClusterConfig) (train, test *Set, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	cfg = cfg.WithDefaults()
	master := rand.New(rand.NewSource(cfg.Seed))
	centreSeed, trainSeed, testSeed := master.Int63(), master.Int63(), master.Int63()

	rng := rand.New(rand.NewSource(centreSeed))
	centres := make([]float64, cfg.Classes*cfg.Dim)
	for i := range centres {
		centres[i] = cfg.Separation * rng.NormFloat64()
	}
	train = clusterSamples(cfg, centres, cfg.PerClass, trainSeed)
	test = clusterSamples(cfg, centres, cfg.TestPerClass, testSeed)
	return train, test, nil
}

// clusterSamples draws perClass samples of every class around centres,
// interleaved by class.
func clusterSamples(cfg ClusterConfig, centres []float64, perClass int, seed int64) *Set {
	rng := rand.New(rand.NewSource(seed))
	n := cfg.Classes * perClass
	d := cfg.Dim
	s := &Set{X: make([]float64, n*d), Y: make([]int, n), N: n, D: d, Classes: cfg.Classes}
	for i := 0; i < n; i++ {
		k := i % cfg.Classes
		s.Y[i] = k
		c := centres[k*d : (k+1)*d]
		x := s.X[i*d : (i+1)*d]
		for j := range x {
			x[j] = c[j] + cfg.Spread*rng.NormFloat64()
		}
	}
	return s
}
