package datasets

import (
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

// Bounds on a ClusterConfig, so that a configuration read from an untrusted
// model.json cannot ask for an absurd allocation. Validate also checks that
// the data fit in memory.
const (
	MaxClusterClasses  = 1 << 10 // Classes
	MaxClusterDim      = 1 << 16 // Dim
	MaxClusterPerClass = 1 << 20 // PerClass and TestPerClass, each
	MaxClusterScale    = 1e100   // Spread and Separation: features stay finite
	maxClusterValues   = 1 << 28 // Classes·(PerClass+TestPerClass)·Dim (2 GiB of float64)
	clusterFieldPrefix = "data.clusters."
)

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

// Validate reports the first invalid field of c (after defaults) as a
// *FieldError naming the field as in model.json ("data.clusters.per_class").
// Every size is bounded (see MaxClusterClasses and the others) and the
// bytes the sets will take are checked against the available memory before
// anything is allocated.
func (c ClusterConfig) Validate() error {
	c = c.WithDefaults()
	sizes := []struct {
		name      string
		v, lo, hi int
	}{
		{"classes", c.Classes, 2, MaxClusterClasses},
		{"dim", c.Dim, 1, MaxClusterDim},
		{"per_class", c.PerClass, 1, MaxClusterPerClass},
		{"test_per_class", c.TestPerClass, 0, MaxClusterPerClass},
	}
	for _, f := range sizes {
		if f.v < f.lo || f.v > f.hi {
			return fieldErrorf(clusterFieldPrefix+f.name, "= %d, want %d to %d", f.v, f.lo, f.hi)
		}
	}
	scales := []struct {
		name     string
		v, deflt float64
	}{
		{"spread", c.Spread, DefaultClusterSpread},
		{"separation", c.Separation, DefaultClusterSeparation},
	}
	for _, f := range scales {
		if !(f.v > 0 && f.v <= MaxClusterScale) {
			return fieldErrorf(clusterFieldPrefix+f.name, "= %v, want > 0 and ≤ %g (0 means the default %v)", f.v, MaxClusterScale, f.deflt)
		}
	}
	// Sizes are now small enough for exact float64 products.
	classes, dim := float64(c.Classes), float64(c.Dim)
	perClass, testPerClass := float64(c.PerClass), float64(c.TestPerClass)
	if values := classes * (perClass + testPerClass) * dim; values > maxClusterValues {
		fits := math.Floor(maxClusterValues/(classes*dim)) - testPerClass
		return fieldErrorf(clusterFieldPrefix+"per_class", "= %d: %d classes × (%d+%d) samples × %d dims = %.0f values, above the limit %d (per_class ≤ %.0f fits)",
			c.PerClass, c.Classes, c.PerClass, c.TestPerClass, c.Dim, values, maxClusterValues, fits)
	}
	// A sample costs Dim float64 features and an int label.
	sample := 8*dim + 8
	need := classes*(perClass+testPerClass)*sample + 8*classes*dim // + centres
	fixed := classes*testPerClass*sample + 8*classes*dim
	return fitMemory(clusterFieldPrefix+"per_class", c.PerClass, need, fixed, classes*sample)
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
