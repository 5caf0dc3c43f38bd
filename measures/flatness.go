package measures

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// FlatnessSettings controls Flatness. The zero value, or a nil pointer, gives the
// defaults.
type FlatnessSettings struct {
	// Eps is the allowed loss increase ε; 0 means DefaultFlatnessEps (0.01, an
	// absolute loss increment: choose it relative to the loss scale).
	Eps float64
	// Directions is the number of random unit directions (Gaussian, normalised,
	// drawn from Seed). 0 means DefaultFlatnessDirections when Extra is empty and
	// none when Extra is given; a negative value means none.
	Directions int
	// Extra are caller-supplied directions, such as top Hessian eigenvectors; they
	// are normalised to unit length (not modified) and come first in the result.
	Extra [][]float64
	// Seed seeds the random directions.
	Seed int64
	// InitStep is the first radius tried; 0 means DefaultFlatnessInitStep (1e-2).
	InitStep float64
	// MaxRadius caps the search; 0 means DefaultFlatnessMaxRadius (1e2). A
	// direction along which L never exceeds L(θ) + ε within MaxRadius reports
	// MaxRadius and is flagged as capped.
	MaxRadius float64
	// RelTol is the relative width of the final bisection bracket; 0 means
	// DefaultFlatnessRelTol (1e-3).
	RelTol float64
}

// Defaults of FlatnessSettings.
const (
	DefaultFlatnessEps        = 1e-2
	DefaultFlatnessDirections = 16
	DefaultFlatnessInitStep   = 1e-2
	DefaultFlatnessMaxRadius  = 1e2
	DefaultFlatnessRelTol     = 1e-3
)

// FlatnessResult is the outcome of Flatness. Per-direction slices are in the
// order Extra, then the random directions.
type FlatnessResult struct {
	// LossAt is L(θ).
	LossAt float64
	// Plus[i] and Minus[i] are the radii found along +d_i and −d_i;
	// CappedPlus[i], CappedMinus[i] tell whether they hit MaxRadius.
	Plus, Minus             []float64
	CappedPlus, CappedMinus []bool
	// Radii[i] = min(Plus[i], Minus[i]): the half-width of the ε-flat segment
	// through θ along d_i, measured to its nearer end (a connected ε-flat region
	// containing θ is no wider than that in this direction). Capped[i] is true if
	// both sides were capped.
	Radii  []float64
	Capped []bool
	// GeoMean is the geometric mean of Radii.
	GeoMean float64
	// LogVolume = n·mean(log Radii) = n·log GeoMean is a log-volume PROXY: the
	// log-volume of an n-ball of radius GeoMean without the unit-ball constant,
	// i.e. what Σ_{i=1}^n log r_i would be if the n principal half-widths of the
	// ε-flat region were like the sampled radii. It is not the volume of the
	// region (a handful of directions cannot give that) and is meant for
	// comparing minima of the same network.
	LogVolume float64
	// Evaluations counts the Loss calls.
	Evaluations int
}

// Flatness estimates the ε-flatness of Hochreiter & Schmidhuber (1997) around θ
// by the size of the region where L stays within L(θ) + ε, probed along
// directions d: for each, the radius r(d) at which L(θ + r d) first exceeds
// L(θ) + ε is bracketed by doubling from InitStep (or halving, if InitStep
// already exceeds) and then located by bisection to RelTol, separately along +d
// and −d. If L is not monotone along the ray the crossing found is the one inside
// the first doubling bracket, which may miss a narrower excursion before it.
// Only Loss is used.
//
// Cost: per direction and side about log2(r/InitStep) + log2(1/RelTol) loss
// evaluations (≈ 12–20).
//
// The radii are not invariant under function-preserving rescalings (the
// ε-flat region of T(θ) is T of that of θ, with different widths along fixed
// unit directions); see invariant.go.
func Flatness(obj Objective, theta []float64, s *FlatnessSettings) (*FlatnessResult, error) {
	n := obj.Dim()
	if len(theta) != n {
		return nil, fmt.Errorf("measures: Flatness: len(theta) = %d, Dim = %d", len(theta), n)
	}
	var set FlatnessSettings
	if s != nil {
		set = *s
	}
	eps := zeroDefault(set.Eps, DefaultFlatnessEps)
	r0 := zeroDefault(set.InitStep, DefaultFlatnessInitStep)
	rmax := zeroDefault(set.MaxRadius, DefaultFlatnessMaxRadius)
	tol := zeroDefault(set.RelTol, DefaultFlatnessRelTol)
	if !(eps > 0) || !(r0 > 0) || !(rmax >= r0) || !(tol > 0 && tol < 1) {
		return nil, fmt.Errorf("measures: Flatness: bad settings Eps=%v InitStep=%v MaxRadius=%v RelTol=%v", eps, r0, rmax, tol)
	}
	nRand := set.Directions
	if nRand == 0 && len(set.Extra) == 0 {
		nRand = DefaultFlatnessDirections
	}
	if nRand < 0 {
		nRand = 0
	}
	dirs := make([][]float64, 0, len(set.Extra)+nRand)
	for i, d := range set.Extra {
		if len(d) != n {
			return nil, fmt.Errorf("measures: Flatness: Extra[%d] has length %d, want %d", i, len(d), n)
		}
		nrm := floats.Norm(d, 2)
		if !(nrm > 0) || math.IsInf(nrm, 0) {
			return nil, fmt.Errorf("measures: Flatness: Extra[%d] has norm %v", i, nrm)
		}
		u := make([]float64, n)
		floats.ScaleTo(u, 1/nrm, d)
		dirs = append(dirs, u)
	}
	rng := newRNG(set.Seed, streamFlatness)
	for i := 0; i < nRand; i++ {
		u := make([]float64, n)
		gaussian(rng, u)
		floats.Scale(1/floats.Norm(u, 2), u)
		dirs = append(dirs, u)
	}
	if len(dirs) == 0 {
		return nil, errors.New("measures: Flatness: no directions")
	}

	res := &FlatnessResult{}
	l0, err := obj.Loss(theta)
	res.Evaluations++
	if err != nil {
		return nil, err
	}
	if math.IsNaN(l0) || math.IsInf(l0, 0) {
		return nil, errors.New("measures: Flatness: L(θ) is not finite")
	}
	res.LossAt = l0
	x := make([]float64, n)
	// exceeds reports whether L(θ + r d) > L(θ) + ε. A NaN loss counts as
	// exceeding.
	exceeds := func(d []float64, r float64) (bool, error) {
		floats.AddScaledTo(x, theta, r, d)
		l, err := obj.Loss(x)
		res.Evaluations++
		if err != nil {
			return false, err
		}
		return !(l <= l0+eps), nil
	}
	radius := func(d []float64) (float64, bool, error) {
		lo, hi := 0.0, r0
		ex, err := exceeds(d, hi)
		if err != nil {
			return 0, false, err
		}
		if ex {
			// Shrink until inside; if even InitStep·2⁻⁶⁰ exceeds, report it.
			for k := 0; lo == 0; k++ {
				if k == 60 {
					return hi, false, nil
				}
				r := hi / 2
				ex, err := exceeds(d, r)
				if err != nil {
					return 0, false, err
				}
				if !ex {
					lo = r
					break
				}
				hi = r
			}
		} else {
			for {
				lo = hi
				if lo >= rmax {
					return rmax, true, nil
				}
				hi = math.Min(2*lo, rmax)
				ex, err := exceeds(d, hi)
				if err != nil {
					return 0, false, err
				}
				if ex {
					break
				}
			}
		}
		for hi-lo > tol*hi {
			mid := 0.5 * (lo + hi)
			ex, err := exceeds(d, mid)
			if err != nil {
				return 0, false, err
			}
			if ex {
				hi = mid
			} else {
				lo = mid
			}
		}
		return 0.5 * (lo + hi), false, nil
	}
	neg := make([]float64, n)
	sumLog := 0.0
	for _, d := range dirs {
		rp, cp, err := radius(d)
		if err != nil {
			return nil, err
		}
		floats.ScaleTo(neg, -1, d)
		rm, cm, err := radius(neg)
		if err != nil {
			return nil, err
		}
		r := math.Min(rp, rm)
		res.Plus = append(res.Plus, rp)
		res.Minus = append(res.Minus, rm)
		res.CappedPlus = append(res.CappedPlus, cp)
		res.CappedMinus = append(res.CappedMinus, cm)
		res.Radii = append(res.Radii, r)
		res.Capped = append(res.Capped, cp && cm)
		sumLog += math.Log(r)
	}
	meanLog := sumLog / float64(len(dirs))
	res.GeoMean = math.Exp(meanLog)
	res.LogVolume = float64(n) * meanLog
	return res, nil
}

// zeroDefault returns v, or def if v is zero.
func zeroDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
