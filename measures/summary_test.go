package measures

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bulkPlus returns n−k bulk eigenvalues near zero (N(2e-5, (5e-5)²): about a
// third negative, spread ~1e-4) and k outliers from outlier(i).
func bulkPlus(n, k int, seed int64, outlier func(i int) float64) []float64 {
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	l := make([]float64, n)
	for i := range l {
		l[i] = 2e-5 + 5e-5*rng.NormFloat64()
	}
	for i := 0; i < k; i++ {
		l[i] = outlier(i)
	}
	rng.Shuffle(n, func(i, j int) { l[i], l[j] = l[j], l[i] })
	return l
}

func TestOutliers(t *testing.T) {
	shapes := map[string]func(k int) func(i int) float64{
		"geometric 0.7": func(k int) func(int) float64 {
			return func(i int) float64 { return 10 * math.Pow(0.7, float64(i)) }
		},
		"clustered": func(k int) func(int) float64 {
			return func(i int) float64 { return 5 + 0.1*float64(i) }
		},
		"spread 10..0.3": func(k int) func(int) float64 {
			return func(i int) float64 { return 10 * math.Pow(0.03, float64(i)/float64(max(k-1, 1))) }
		},
	}
	for name, shape := range shapes {
		for _, k := range []int{2, 5, 10} {
			eigs := bulkPlus(1000, k, int64(k), shape(k))
			got, ratio := Outliers(eigs, nil)
			if got != k {
				t.Errorf("%s, k=%d, full spectrum: %d outliers (ratio %.3g)", name, k, got, ratio)
			}
			// Only the top part, as from Lanczos Top.
			desc := ascending(eigs)
			slices.Reverse(desc)
			if got, ratio := Outliers(desc[:k+10], nil); got != k {
				t.Errorf("%s, k=%d, top %d only: %d outliers (ratio %.3g)", name, k, k+10, got, ratio)
			}
		}
	}
	// A bulk of tiny positive values with huge mutual ratios (1e-12..1e-6):
	// the floor keeps them in the bulk.
	var tiny []float64
	for i := 0; i < 200; i++ {
		tiny = append(tiny, math.Pow(10, -12+6*float64(i)/199))
	}
	tiny = append(tiny, 1, 0.5, 0.3)
	if got, _ := Outliers(tiny, nil); got != 3 {
		t.Errorf("tiny positive bulk: %d outliers, want 3", got)
	}
	// No outliers: a flat spectrum, an all-negative one, an empty one.
	flat := make([]float64, 100)
	for i := range flat {
		flat[i] = 1 + float64(i)/100
	}
	for name, e := range map[string][]float64{"flat": flat, "negative": {-1, -2, -3}, "empty": nil, "single": {3}} {
		if got, _ := Outliers(e, nil); got != 0 {
			t.Errorf("%s: %d outliers, want 0", name, got)
		}
	}
	// The documented limit of the largest-ratio rule: a dominant λ_1.
	dominant := []float64{200, 40, 30, 20, 10}
	for _, edge := range []struct {
		bulkTop float64
		want    int
	}{{1, 5}, {3, 1}} {
		e := slices.Clone(dominant)
		for i := 0; i < 500; i++ { // dense bulk on [-0.1·edge, edge]
			e = append(e, edge.bulkTop*(-0.1+1.1*float64(i)/499))
		}
		if got, _ := Outliers(e, nil); got != edge.want {
			t.Errorf("dominant λ_1, bulk edge %v: %d outliers, want %d", edge.bulkTop, got, edge.want)
		}
	}
	// Max caps the count.
	if got, _ := Outliers(bulkPlus(100, 5, 1, func(i int) float64 { return 1 }), &OutlierSettings{Max: 3}); got > 3 {
		t.Errorf("Max 3: %d", got)
	}
}

func TestNegativeSummary(t *testing.T) {
	e := []float64{-2, -0.5, 0, 0, 1, 3, math.NaN()}
	s := NegativeSummary(e)
	want := SignSummary{Count: 2, Mass: 2.5, PositiveCount: 2, PositiveMass: 4, ZeroCount: 2, Ratio: 2.5 / 6.5}
	if s != want {
		t.Errorf("NegativeSummary = %+v, want %+v", s, want)
	}
	if s := NegativeSummary([]float64{0, 0}); s.Ratio != 0 || s.ZeroCount != 2 {
		t.Errorf("zeros: %+v", s)
	}
}
