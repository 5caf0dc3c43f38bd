package measures

import (
	"math"
	"slices"
)

// Defaults of OutlierSettings.
const (
	// DefaultOutlierFloor is the bulk floor as a fraction of the largest
	// eigenvalue: eigenvalues below 1e-4·λ_max are treated as bulk, however
	// their ratios to each other behave. It is low enough that an outlier at
	// 3% of λ_max still stands 300 times above the floor, and high enough
	// that the tiny eigenvalues in the middle of the bulk (1e-6·λ_max, 1e-9·…)
	// cannot form spurious ratios.
	DefaultOutlierFloor = 1e-4
	// DefaultOutlierMinRatio is the smallest separation ratio that counts as a
	// gap between outliers and bulk.
	DefaultOutlierMinRatio = 3
)

// OutlierSettings configures Outliers. The zero value of each field selects
// its documented default.
type OutlierSettings struct {
	// Floor is the bulk floor f as a fraction of the largest eigenvalue;
	// 0 means DefaultOutlierFloor.
	Floor float64
	// MinRatio is the smallest ratio that separates outliers from the bulk;
	// 0 means DefaultOutlierMinRatio. With a best ratio below it, Outliers
	// reports none.
	MinRatio float64
	// Max, if positive, caps the number of outliers considered.
	Max int
}

// Outliers counts the eigenvalues separated from the bulk at the top of the
// spectrum, for Hessians shaped as Sagun et al. (2018) describe: a bulk
// concentrated near zero (of either sign) and a few large positive outliers.
//
// Definition. Let p_1 ≥ p_2 ≥ … ≥ p_P be the positive eigenvalues, f =
// Floor·p_1 the bulk floor, and q_i = max(p_i, f), with q_{P+1} = f. The
// separation after position i is the ratio q_i / q_{i+1}; the count is the i
// that maximises it, over 1 ≤ i ≤ min(P, len(eigs)−1, Max) (at least one
// eigenvalue must be left for the bulk; ties go to the smaller i). If the
// largest ratio is below MinRatio, or no eigenvalue is positive, the count
// is 0. ratio is that largest ratio (0 when there are no positive
// eigenvalues).
//
// Ratios rather than differences make the rule scale-free and robust to
// decaying outliers (a geometric sequence 20, 12, 7, … has ratios 1.7 while the
// drop into a bulk a thousand times smaller has ratio ~1000); the floor stops
// ratios between tiny bulk eigenvalues (1e-6/1e-9) from masquerading as gaps.
// eigs may be the whole spectrum (ExactSpectrum) or only its top part (Lanczos
// Top), provided it reaches into the bulk. The rule assumes the bulk is dense
// down to zero, as in a Hessian spectrum: a sparse spectrum whose positive part
// sits well above zero (5, 4, 3, 2, 1, −1, −2) counts all its positive
// eigenvalues as outliers. eigs is not modified.
//
// The rule finds the most pronounced gap: if the outliers themselves contain
// a larger ratio than the drop into the bulk (λ_1 = 200, λ_2…λ_5 = 40…10, bulk
// edge at 3), the count stops there (1, not 5); the ratio returned helps to
// check such cases.
func Outliers(eigs []float64, s *OutlierSettings) (count int, ratio float64) {
	if s == nil {
		s = &OutlierSettings{}
	}
	floor, minRatio := s.Floor, s.MinRatio
	if floor <= 0 {
		floor = DefaultOutlierFloor
	}
	if minRatio <= 0 {
		minRatio = DefaultOutlierMinRatio
	}
	var pos []float64
	for _, v := range eigs {
		if v > 0 {
			pos = append(pos, v)
		}
	}
	if len(pos) == 0 {
		return 0, 0
	}
	slices.Sort(pos)
	slices.Reverse(pos)
	f := floor * pos[0]
	last := min(len(pos), len(eigs)-1)
	if s.Max > 0 {
		last = min(last, s.Max)
	}
	best, bestRatio := 0, 0.0
	for i := 1; i <= last; i++ {
		num := math.Max(pos[i-1], f)
		den := f
		if i < len(pos) {
			den = math.Max(pos[i], f)
		}
		if r := num / den; r > bestRatio {
			best, bestRatio = i, r
		}
	}
	if bestRatio < minRatio {
		return 0, bestRatio
	}
	return best, bestRatio
}

// SignSummary summarises the signs of a spectrum (NegativeSummary).
type SignSummary struct {
	Count         int     // eigenvalues < 0
	Mass          float64 // Σ |λ| over negative eigenvalues
	PositiveCount int     // eigenvalues > 0
	PositiveMass  float64 // Σ λ over positive eigenvalues
	ZeroCount     int     // eigenvalues exactly 0
	// Ratio is the negative share of the absolute spectral mass,
	// Mass / (Mass + PositiveMass), in [0, 1]; 0 when both masses are 0.
	Ratio float64
}

// NegativeSummary counts and weighs the negative and positive eigenvalues of
// eigs (how non-convex a minimum looks: Sagun et al. and Ghorbani et al. report
// small negative mass at the end of training). Exact zeros count as neither
// (drop near-zero noise from eigs first, as study.Hessian does); NaNs are
// ignored.
func NegativeSummary(eigs []float64) SignSummary {
	var s SignSummary
	for _, v := range eigs {
		switch {
		case v < 0:
			s.Count++
			s.Mass -= v
		case v > 0:
			s.PositiveCount++
			s.PositiveMass += v
		case v == 0:
			s.ZeroCount++
		}
	}
	if t := s.Mass + s.PositiveMass; t > 0 {
		s.Ratio = s.Mass / t
	}
	return s
}
