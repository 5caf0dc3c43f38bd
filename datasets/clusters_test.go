package datasets

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestClustersShapesAndLabels(t *testing.T) {
	cfg := ClusterConfig{Classes: 4, Dim: 6, PerClass: 50, TestPerClass: 20, Seed: 1}
	train, test, err := Clusters(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		s        *Set
		perClass int
	}{{"train", train, 50}, {"test", test, 20}} {
		s := c.s
		if s.N != 4*c.perClass || s.D != 6 || s.Classes != 4 || len(s.X) != s.N*6 {
			t.Fatalf("%s: N=%d D=%d Classes=%d len(X)=%d", c.name, s.N, s.D, s.Classes, len(s.X))
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i, y := range s.Y {
			if y != i%4 {
				t.Fatalf("%s: Y[%d]=%d, want interleaved label %d", c.name, i, y, i%4)
			}
		}
		if got := s.ClassCounts(); !reflect.DeepEqual(got, []int{c.perClass, c.perClass, c.perClass, c.perClass}) {
			t.Errorf("%s: class counts %v, want %d each", c.name, got, c.perClass)
		}
	}
	_, empty, err := Clusters(ClusterConfig{Classes: 2, Dim: 1, PerClass: 1})
	if err != nil || empty.N != 0 || empty.D != 1 || empty.Validate() != nil {
		t.Errorf("TestPerClass=0: got %+v, %v; want a valid empty set", empty, err)
	}
}

func TestClustersDeterminism(t *testing.T) {
	cfg := ClusterConfig{Classes: 3, Dim: 5, PerClass: 10, TestPerClass: 4, Seed: 99}
	a1, b1, _ := Clusters(cfg)
	a2, b2, _ := Clusters(cfg)
	if !reflect.DeepEqual(a1, a2) || !reflect.DeepEqual(b1, b2) {
		t.Error("same config gave different data")
	}
	cfg2 := cfg
	cfg2.Seed = 100
	a3, _, _ := Clusters(cfg2)
	if reflect.DeepEqual(a1.X, a3.X) {
		t.Error("different seeds gave the same data")
	}
	// Zero Spread/Separation mean the defaults, exactly.
	a4, b4, _ := Clusters(cfg.WithDefaults())
	if !reflect.DeepEqual(a1, a4) || !reflect.DeepEqual(b1, b4) {
		t.Error("explicit defaults gave different data from zero fields")
	}
	// Changing the training size leaves the test set unchanged and extends
	// nothing else: the test stream is independent.
	cfg3 := cfg
	cfg3.PerClass = 25
	_, b5, _ := Clusters(cfg3)
	if !reflect.DeepEqual(b1, b5) {
		t.Error("changing PerClass changed the test set")
	}
	// A JSON round trip of the config regenerates the same data.
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"per_class":10`) || !strings.Contains(string(js), `"seed":99`) {
		t.Errorf("unexpected JSON %s", js)
	}
	var back ClusterConfig
	if err := json.Unmarshal(js, &back); err != nil || back != cfg {
		t.Fatalf("JSON round trip: %+v, %v", back, err)
	}
	a6, _, _ := Clusters(back)
	if !reflect.DeepEqual(a1, a6) {
		t.Error("config after JSON round trip gave different data")
	}
	// Pinned value: the generator must not change silently.
	if got, want := math.Float64bits(a1.X[0]), uint64(0x40054011e0fb66ee); got != want {
		t.Errorf("X[0] bits = %#x, want pinned %#x (%v)", got, want, math.Float64frombits(want))
	}
}

func TestClustersGeometry(t *testing.T) {
	cfg := ClusterConfig{Classes: 5, Dim: 10, PerClass: 400, TestPerClass: 100, Spread: 0.5, Separation: 3, Seed: 5}
	train, test, err := Clusters(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Estimate centres and per-coordinate spread from the training set.
	d := cfg.Dim
	mean := make([]float64, cfg.Classes*d)
	for i := 0; i < train.N; i++ {
		k := train.Y[i]
		for j := 0; j < d; j++ {
			mean[k*d+j] += train.X[i*d+j] / float64(cfg.PerClass)
		}
	}
	var ss float64
	for i := 0; i < train.N; i++ {
		k := train.Y[i]
		for j := 0; j < d; j++ {
			r := train.X[i*d+j] - mean[k*d+j]
			ss += r * r
		}
	}
	if sd := math.Sqrt(ss / float64(train.N*d)); math.Abs(sd-cfg.Spread) > 0.05 {
		t.Errorf("within-cluster std %.3f, want about %v", sd, cfg.Spread)
	}
	var cs float64
	for _, v := range mean {
		cs += v * v
	}
	if sd := math.Sqrt(cs / float64(len(mean))); sd < 1.5 || sd > 5 {
		t.Errorf("centre scale %.3f, want about Separation=%v", sd, cfg.Separation)
	}
	// The clusters are separable: nearest-centre classification of the
	// test set is essentially perfect.
	wrong := 0
	for i := 0; i < test.N; i++ {
		best, bestD := -1, math.Inf(1)
		for k := 0; k < cfg.Classes; k++ {
			var dist float64
			for j := 0; j < d; j++ {
				r := test.X[i*d+j] - mean[k*d+j]
				dist += r * r
			}
			if dist < bestD {
				best, bestD = k, dist
			}
		}
		if best != test.Y[i] {
			wrong++
		}
	}
	if wrong > test.N/100 {
		t.Errorf("nearest-centre misclassified %d of %d test points", wrong, test.N)
	}
}

func TestClustersConfigErrors(t *testing.T) {
	base := ClusterConfig{Classes: 3, Dim: 2, PerClass: 5, TestPerClass: 1}
	cases := []struct {
		name   string
		mutate func(c *ClusterConfig)
		phrase string
	}{
		{"classes-low", func(c *ClusterConfig) { c.Classes = 1 }, "data.clusters.classes = 1, want 2 to 1024"},
		{"classes-high", func(c *ClusterConfig) { c.Classes = MaxClusterClasses + 1 }, "data.clusters.classes = 1025, want 2 to 1024"},
		{"dim-low", func(c *ClusterConfig) { c.Dim = 0 }, "data.clusters.dim = 0, want 1 to 65536"},
		{"dim-high", func(c *ClusterConfig) { c.Dim = MaxClusterDim + 1 }, "data.clusters.dim = 65537, want 1 to 65536"},
		{"per-class-low", func(c *ClusterConfig) { c.PerClass = 0 }, "data.clusters.per_class = 0, want 1 to 1048576"},
		{"per-class-high", func(c *ClusterConfig) { c.PerClass = 17895697 }, "data.clusters.per_class = 17895697, want 1 to 1048576"},
		{"test-per-class-low", func(c *ClusterConfig) { c.TestPerClass = -1 }, "data.clusters.test_per_class = -1, want 0 to 1048576"},
		{"test-per-class-high", func(c *ClusterConfig) { c.TestPerClass = MaxClusterPerClass + 1 }, "data.clusters.test_per_class = 1048577"},
		{"spread-negative", func(c *ClusterConfig) { c.Spread = -1 }, "data.clusters.spread = -1, want > 0"},
		{"spread-nan", func(c *ClusterConfig) { c.Spread = math.NaN() }, "data.clusters.spread = NaN"},
		{"spread-huge", func(c *ClusterConfig) { c.Spread = 1e300 }, "data.clusters.spread = 1e+300, want > 0 and ≤ 1e+100"},
		{"separation-inf", func(c *ClusterConfig) { c.Separation = math.Inf(1) }, "data.clusters.separation = +Inf"},
		{"values", func(c *ClusterConfig) { c.Dim, c.PerClass = 1<<16, 1<<20 }, "above the limit 268435456 (per_class ≤ 1364 fits)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mutate(&c)
			_, _, err := Clusters(c)
			var fe *FieldError
			if err == nil || !strings.Contains(err.Error(), tc.phrase) || !strings.HasPrefix(err.Error(), "datasets: ") || !errors.As(err, &fe) {
				t.Errorf("%+v: got %v, want a *FieldError containing %q", c, err, tc.phrase)
			}
		})
	}
}

// TestClustersConfigMemory: a configuration within the fixed bounds whose
// data do not fit in half the available memory is refused before anything
// is allocated, naming per_class and the largest value that fits.
func TestClustersConfigMemory(t *testing.T) {
	withMemory(t, 100<<20) // 100 MiB available: 50 MiB for the data
	c := ClusterConfig{Classes: 10, Dim: 100, PerClass: 100000, TestPerClass: 0, Seed: 1}
	// One sample costs 100·8+8 = 808 bytes; 10·808·per_class + 8000 ≤ 52428800.
	err := c.Validate()
	want := "datasets: data.clusters.per_class = 100000 needs 808.0 MB of memory for the data, more than half the 104.9 MB available: at most 6487 fits"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	c.PerClass = 6487
	if err := c.Validate(); err != nil {
		t.Errorf("per_class 6487 should fit: %v", err)
	}
	c.PerClass = 6488
	if err := c.Validate(); err == nil {
		t.Error("per_class 6488 should not fit")
	}
}
