package measures

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestExactTrace(t *testing.T) {
	// Integer entries: the trace is exact.
	rng := rand.New(rand.NewPCG(1, 0))
	n := 40
	d := &Dense{N: n, Data: make([]float64, n*n)}
	want := 0.0
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := float64(rng.IntN(21) - 10)
			d.Data[i*n+j], d.Data[j*n+i] = v, v
		}
		want += d.Data[i*n+i]
	}
	got, err := exactTrace(d)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("exactTrace = %v, want %v", got, want)
	}
	// Conjugated spectrum: Σλ to rounding (1e-12·n·max|λ|).
	lams := hessianLike(100, 3, 5, 0.5, 1)
	a := spectralDense(lams, 2)
	sum := 0.0
	for _, l := range lams {
		sum += l
	}
	got, err = exactTrace(a)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-sum) > 1e-12*100*5 {
		t.Errorf("exactTrace = %v, want Σλ = %v", got, sum)
	}
}

// TestHutchinson: within 3 standard errors of the exact trace for several
// seeds (a 3σ miss has probability 0.3% per seed), and the standard error
// within [0.7, 1.3] of its theoretical value √(2Σ_{i≠j}A_ij²/m) (the sample
// standard deviation of 100 near-Gaussian values has relative spread ~7%).
func TestHutchinson(t *testing.T) {
	n := 200
	rng := rand.New(rand.NewPCG(5, 0))
	lams := make([]float64, n)
	for i := range lams {
		lams[i] = 1 + rng.Float64()
	}
	a := spectralDense(lams, 6)
	exact, err := exactTrace(a)
	if err != nil {
		t.Fatal(err)
	}
	off := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				off += a.Data[i*n+j] * a.Data[i*n+j]
			}
		}
	}
	for seed := int64(1); seed <= 5; seed++ {
		r, err := Hutchinson(a, &TraceSettings{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if r.Samples != DefaultTraceSamples || r.Products != r.Samples {
			t.Errorf("samples %d products %d", r.Samples, r.Products)
		}
		if math.Abs(r.Trace-exact) > 3*r.StdErr {
			t.Errorf("seed %d: trace %v ± %v, exact %v (%.1f SE)", seed, r.Trace, r.StdErr, exact, math.Abs(r.Trace-exact)/r.StdErr)
		}
		theory := math.Sqrt(2 * off / float64(r.Samples))
		if q := r.StdErr / theory; q < 0.7 || q > 1.3 {
			t.Errorf("seed %d: StdErr %v vs theoretical %v", seed, r.StdErr, theory)
		}
	}

	// Relative standard error stop.
	r, err := Hutchinson(a, &TraceSettings{Samples: 1000, RelStdErr: 0.01, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Samples >= 1000 || r.Samples < DefaultTraceMinSamples || r.StdErr > 0.01*math.Abs(r.Trace) {
		t.Errorf("RelStdErr stop: %+v", r)
	}

	// Diagonal operator: Rademacher probes are exact (zero variance).
	r, err = Hutchinson(diagOp(lams), &TraceSettings{Samples: 5})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, l := range lams {
		sum += l
	}
	if math.Abs(r.Trace-sum) > 1e-12*sum || r.StdErr > 1e-12*sum {
		t.Errorf("diagonal: %+v, want %v exactly", r, sum)
	}

	for _, s := range []*TraceSettings{{Samples: 1}, {Samples: -2}, {RelStdErr: -1}} {
		if _, err := Hutchinson(a, s); err == nil {
			t.Errorf("settings %+v: no error", s)
		}
	}
}

// exactTrace returns tr(A) = Σ e_iᵀ·A·e_i from n products with the basis
// vectors (n products): the ground truth of the trace tests.
func exactTrace(op Operator) (float64, error) {
	n := op.Dim()
	if n <= 0 {
		return 0, fmt.Errorf("measures: exactTrace: operator dimension %d", n)
	}
	e := make([]float64, n)
	ae := make([]float64, n)
	tr := 0.0
	for i := 0; i < n; i++ {
		e[i] = 1
		if err := op.Apply(ae, e); err != nil {
			return 0, fmt.Errorf("measures: exactTrace: product with e_%d: %w", i, err)
		}
		e[i] = 0
		tr += ae[i]
	}
	if math.IsNaN(tr) || math.IsInf(tr, 0) {
		return 0, fmt.Errorf("measures: exactTrace: trace is not finite")
	}
	return tr, nil
}
