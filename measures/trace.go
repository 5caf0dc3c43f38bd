package measures

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// DefaultTraceSamples is the number of Hutchinson probe vectors used when
// TraceSettings.Samples is zero (PyHessian's trace() also defaults to 100
// iterations, with a relative-change stop).
const DefaultTraceSamples = 100

// DefaultTraceMinSamples is the number of samples taken before the
// relative-standard-error stop of Hutchinson may trigger, when
// TraceSettings.MinSamples is zero; fewer give an unreliable standard error.
const DefaultTraceMinSamples = 10

// TraceSettings configures Hutchinson. The zero value of each field selects
// its documented default.
type TraceSettings struct {
	// Samples is the maximum number of probe vectors (one product each);
	// 0 means DefaultTraceSamples. At least 2 are needed for a standard error.
	Samples int
	// Seed seeds the Rademacher probes (see the package doc).
	Seed int64
	// RelStdErr, if positive, stops early once StdErr ≤ RelStdErr·|Trace|
	// after at least MinSamples samples.
	RelStdErr float64
	// MinSamples is the minimum sample count for the RelStdErr stop; 0 means
	// DefaultTraceMinSamples.
	MinSamples int
}

// TraceResult is the outcome of Hutchinson.
type TraceResult struct {
	Trace    float64 // mean of the per-probe estimates zᵀAz
	StdErr   float64 // sample standard deviation of the estimates / √Samples
	Samples  int     // probe vectors used
	Products int     // operator products (= Samples)
}

// Hutchinson estimates tr(A) as the mean of zᵀAz over Rademacher vectors z
// (independent ±1 entries), which is unbiased with variance
// 2·Σ_{i≠j} A_ij² per probe: smaller than for Gaussian probes, and zero for a
// diagonal A. StdErr is the sample standard deviation of the per-probe values
// divided by √Samples, so the estimate is within ~2 StdErr of tr(A) about 95%
// of the time. A nil s means the defaults.
func Hutchinson(op Operator, s *TraceSettings) (*TraceResult, error) {
	if s == nil {
		s = &TraceSettings{}
	}
	n := op.Dim()
	samples := s.Samples
	if samples == 0 {
		samples = DefaultTraceSamples
	}
	minSamples := s.MinSamples
	if minSamples == 0 {
		minSamples = DefaultTraceMinSamples
	}
	switch {
	case n <= 0:
		return nil, fmt.Errorf("measures: Hutchinson: operator dimension %d", n)
	case samples < 2:
		return nil, fmt.Errorf("measures: Hutchinson: %d samples; at least 2 are needed for a standard error", samples)
	case s.RelStdErr < 0 || math.IsNaN(s.RelStdErr) || minSamples < 2:
		return nil, fmt.Errorf("measures: Hutchinson: invalid RelStdErr %v or MinSamples %d", s.RelStdErr, minSamples)
	}
	rng := newRNG(s.Seed, streamTrace)
	z := make([]float64, n)
	az := make([]float64, n)
	var w welford
	res := &TraceResult{}
	for res.Samples < samples {
		rademacher(rng, z)
		if err := op.Apply(az, z); err != nil {
			return nil, fmt.Errorf("measures: Hutchinson: operator product %d: %w", res.Products+1, err)
		}
		res.Products++
		x := floats.Dot(z, az)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("measures: Hutchinson: operator product %d is not finite", res.Products)
		}
		w.add(x)
		res.Samples = w.n
		res.Trace, res.StdErr = w.mean, w.stdErr()
		if s.RelStdErr > 0 && res.Samples >= minSamples && res.StdErr <= s.RelStdErr*math.Abs(res.Trace) {
			break
		}
	}
	return res, nil
}
