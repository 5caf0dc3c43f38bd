package measures

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// AscentStatus tells why the projected ascent inside Sharpness and ASAM
// stopped.
type AscentStatus int

const (
	// AscentNotTerminated means the ascent has not stopped.
	AscentNotTerminated AscentStatus = iota
	// AscentGradientConverged means the projected-gradient step ‖P(y+∇f) − y‖∞ fell
	// to 1e-10 or below: y is (numerically) a stationary point on the set.
	AscentGradientConverged
	// AscentIterationLimit means the iteration limit of the settings
	// (SharpnessSettings.MaxIter, ASAMSettings.Steps) was reached.
	AscentIterationLimit
	// AscentLineSearchFailed means no step satisfying the Armijo condition was
	// found; y is the best point found, usually numerically stationary.
	AscentLineSearchFailed
)

// String returns the name of the status.
func (s AscentStatus) String() string {
	switch s {
	case AscentNotTerminated:
		return "NotTerminated"
	case AscentGradientConverged:
		return "GradientConverged"
	case AscentIterationLimit:
		return "IterationLimit"
	case AscentLineSearchFailed:
		return "LineSearchFailed"
	}
	return fmt.Sprintf("AscentStatus(%d)", int(s))
}

// boxProblem is a function to maximise: Grad is required, Func is optional.
type boxProblem struct {
	// Grad returns f(y) and writes ∇f(y) into grad (len(grad) == len(y)).
	Grad func(grad, y []float64) (float64, error)
	// Func, if not nil, returns f(y) alone; it is used for backtracking trial
	// points, where the gradient is not needed. If nil, Grad is used throughout.
	Func func(y []float64) (float64, error)
}

// Limits of the projected ascent.
const (
	// defaultBoxMaxIter is the iteration limit when the caller gives none.
	defaultBoxMaxIter = 1000
	// boxGradTol stops the ascent when ‖P(y+∇f(y)) − y‖∞ ≤ boxGradTol.
	boxGradTol = 1e-10
)

// boxResult is the outcome of boxAscent.
type boxResult struct {
	// Y is the best point found; F = f(Y) and F0 = f(y0 projected onto the set).
	Y     []float64
	F, F0 float64
	// ProjGrad is ‖P(Y+∇f(Y)) − Y‖∞.
	ProjGrad float64
	// Iterations is the number of accepted steps.
	Iterations int
	// FuncEvals counts Func calls and GradEvals counts Grad calls.
	FuncEvals, GradEvals int
	// Status tells why the ascent stopped.
	Status AscentStatus
}

// ascentSet is a closed convex set with a Euclidean projection.
type ascentSet interface {
	// project replaces y by its projection onto the set.
	project(y []float64)
	// maxStep returns a step length beyond which P(y + t g) (practically) no
	// longer changes, or +Inf.
	maxStep(y, g []float64) float64
	// width returns a length scale of the set (for the default first step).
	width() float64
}

// boxSet is {y : lower ≤ y ≤ upper}.
type boxSet struct{ lo, hi []float64 }

func (b boxSet) project(y []float64) {
	for i, v := range y {
		y[i] = math.Min(math.Max(v, b.lo[i]), b.hi[i])
	}
}

func (b boxSet) maxStep(y, g []float64) float64 {
	t := 0.0
	for i, gi := range g {
		var ti float64
		switch {
		case gi > 0:
			ti = (b.hi[i] - y[i]) / gi
		case gi < 0:
			ti = (b.lo[i] - y[i]) / gi
		default:
			continue
		}
		t = math.Max(t, ti)
	}
	if t == 0 {
		return math.Inf(1)
	}
	// Slightly past the last hit time, so that rounding in y + t·g cannot leave a
	// coordinate a few ulps short of its bound; the projection clips the excess.
	return t * (1 + 1e-9)
}

func (b boxSet) width() float64 {
	w := 0.0
	for i := range b.lo {
		if d := b.hi[i] - b.lo[i]; !math.IsInf(d, 0) {
			w = math.Max(w, d)
		}
	}
	if w == 0 {
		return 1
	}
	return w
}

// boxAscent maximises f over the box {y : lower ≤ y ≤ upper} (bounds may be ±Inf)
// starting from y0 (nil means 0), projected onto the box, in at most maxIter
// iterations (≤ 0 means defaultBoxMaxIter).
//
// Gonum's optimize package has no bound-constrained method, so boxAscent is a
// spectral projected-gradient method (Birgin, Martínez & Raydan 2000): from y it
// tries y(t) = P(y + t∇f(y)), P the projection onto the box, and accepts the first
// t (halving from a Barzilai–Borwein trial step) that passes the Armijo test along
// the projected path,
//
//	f(y(t)) ≥ f(y) + 1e-4·∇f(y)ᵀ(y(t) − y).
//
// When the BB curvature estimate shows f convex along the last step (the usual
// case when maximising a loss around a minimum), the trial step is the largest
// step that still changes P(y + t∇f), which sends y to a face or corner of the box,
// where the maximum of a convex function lies. The method is monotone: F ≥ F0.
// It is a first-order method and per iteration is weaker than L-BFGS-B.
func boxAscent(p boxProblem, lower, upper, y0 []float64, maxIter int) (*boxResult, error) {
	n := len(lower)
	if len(upper) != n || (y0 != nil && len(y0) != n) {
		return nil, fmt.Errorf("measures: box ascent: lengths lower %d, upper %d, y0 %d", n, len(upper), len(y0))
	}
	for i := range lower {
		if !(lower[i] <= upper[i]) {
			return nil, fmt.Errorf("measures: box ascent: lower[%d] = %v > upper[%d] = %v", i, lower[i], i, upper[i])
		}
	}
	y := make([]float64, n)
	if y0 != nil {
		copy(y, y0)
	}
	return projectedAscent(p, boxSet{lo: lower, hi: upper}, y, maxIter)
}

// projectedAscent runs the spectral projected-gradient ascent of boxAscent on
// any ascentSet, starting from y (overwritten by its projection), in at most
// maxIter iterations (≤ 0 means defaultBoxMaxIter).
func projectedAscent(p boxProblem, set ascentSet, y []float64, maxIter int) (*boxResult, error) {
	if p.Grad == nil {
		return nil, errors.New("measures: projected ascent: Grad is nil")
	}
	if maxIter <= 0 {
		maxIter = defaultBoxMaxIter
	}
	const (
		armijo        = 1e-4
		maxBacktracks = 60
		minStep       = 1e-300
	)
	n := len(y)
	res := &boxResult{}
	set.project(y)
	g := make([]float64, n)
	f, err := p.Grad(g, y)
	res.GradEvals++
	if err != nil {
		return nil, err
	}
	if math.IsNaN(f) {
		return nil, errors.New("measures: projected ascent: f(y0) is NaN")
	}
	if !allFiniteVec(g) {
		return nil, errors.New("measures: projected ascent: gradient at y0 is not finite")
	}
	res.F0 = f
	yt := make([]float64, n)
	gt := make([]float64, n)
	pg := make([]float64, n)
	projGrad := func(y, g []float64) float64 {
		copy(pg, y)
		floats.Add(pg, g)
		set.project(pg)
		floats.Sub(pg, y)
		return floats.Norm(pg, math.Inf(1))
	}
	pgn := projGrad(y, g)
	// First trial step: the steepest coordinate crosses the whole set.
	t := 1.0
	if gi := floats.Norm(g, math.Inf(1)); gi > 0 {
		t = set.width() / gi
	}
	lastStep := t
	status := AscentNotTerminated
	for res.Iterations < maxIter {
		if pgn <= boxGradTol {
			status = AscentGradientConverged
			break
		}
		ms := set.maxStep(y, g)
		if math.IsInf(t, 1) && math.IsInf(ms, 1) {
			t = 10 * lastStep // unbounded set: grow geometrically
		}
		t = math.Max(math.Min(t, ms), minStep)
		accepted, stationary := false, false
		var ft float64
		for bt := 0; bt <= maxBacktracks; bt++ {
			copy(yt, y)
			floats.AddScaled(yt, t, g)
			set.project(yt)
			// gd = ∇fᵀ(y(t) − y) ≥ ‖y(t) − y‖²/t ≥ 0 for a convex set, and 0
			// only if y is stationary on the set.
			gd := 0.0
			for i := range y {
				gd += g[i] * (yt[i] - y[i])
			}
			if !(gd > 0) {
				stationary = bt == 0
				break
			}
			if bt == 0 || p.Func == nil {
				ft, err = p.Grad(gt, yt)
				res.GradEvals++
			} else {
				ft, err = p.Func(yt)
				res.FuncEvals++
			}
			if err != nil {
				return nil, err
			}
			if bt == 0 || p.Func == nil {
				if !allFiniteVec(gt) {
					return nil, errors.New("measures: projected ascent: gradient is not finite")
				}
			}
			if ft >= f+armijo*gd {
				if bt > 0 && p.Func != nil {
					ft, err = p.Grad(gt, yt)
					res.GradEvals++
					if err != nil {
						return nil, err
					}
				}
				accepted = true
				break
			}
			t *= 0.5
		}
		if !accepted {
			status = AscentLineSearchFailed
			if stationary {
				status = AscentGradientConverged
			}
			break
		}
		res.Iterations++
		lastStep = t
		// Barzilai–Borwein step for the minimisation of −f:
		// t = sᵀs / sᵀ(−Δg), with s = y(t) − y and Δg = ∇f(y(t)) − ∇f(y).
		ss, sy := 0.0, 0.0
		for i := range y {
			si := yt[i] - y[i]
			ss += si * si
			sy -= si * (gt[i] - g[i])
		}
		y, yt = yt, y
		g, gt = gt, g
		f = ft
		pgn = projGrad(y, g)
		if sy > 0 {
			t = ss / sy
		} else {
			t = math.Inf(1) // f convex along s: go as far as the set allows
		}
	}
	if status == AscentNotTerminated {
		status = AscentIterationLimit
		if pgn <= boxGradTol {
			status = AscentGradientConverged
		}
	}
	res.Y = y
	res.F = f
	res.ProjGrad = pgn
	res.Status = status
	return res, nil
}

// allFiniteVec reports whether every entry of x is finite.
func allFiniteVec(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
