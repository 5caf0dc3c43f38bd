package measures

import (
	"math"
	"math/rand"
	randv2 "math/rand/v2"
	"testing"
)

// TestRademacherStreams pins the shared rademacher helper to the two
// generators it replaced, so that every estimator keeps its random stream for a
// given seed.
func TestRademacherStreams(t *testing.T) {
	// The former math/rand generator of Hutchinson and SpectralDensity.
	oldV1 := func(rng *rand.Rand, v []float64) {
		var bits int64
		for i := range v {
			if i%63 == 0 {
				bits = rng.Int63()
			}
			v[i] = float64(1 - 2*(bits&1))
			bits >>= 1
		}
	}
	// The former math/rand/v2 generator of BlockTraces and RelativeFlatness.
	oldV2 := func(rng *randv2.Rand, v []float64) {
		var bits uint64
		for i := range v {
			if i%64 == 0 {
				bits = rng.Uint64()
			}
			if bits&1 == 1 {
				v[i] = 1
			} else {
				v[i] = -1
			}
			bits >>= 1
		}
	}
	for _, n := range []int{0, 1, 62, 63, 64, 65, 127, 128, 300} {
		r1, r2 := rand.New(rand.NewSource(5)), rand.New(rand.NewSource(5))
		int63 := func() uint64 { return uint64(r2.Int63()) }
		p1, p2 := randv2.New(randv2.NewPCG(5, 9)), randv2.New(randv2.NewPCG(5, 9))
		for rep := 0; rep < 3; rep++ { // successive vectors share the stream
			want, got := make([]float64, n), make([]float64, n)
			oldV1(r1, want)
			rademacher(got, int63, 63, -1)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("math/rand stream, n=%d, vector %d, entry %d: %v, want %v", n, rep, i, got[i], want[i])
				}
			}
			oldV2(p1, want)
			rademacher(got, p2.Uint64, 64, 1)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("PCG stream, n=%d, vector %d, entry %d: %v, want %v", n, rep, i, got[i], want[i])
				}
			}
		}
	}
}

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
