package measures

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// SharpnessSettings controls Sharpness. The zero value, or a nil pointer, gives
// the defaults.
type SharpnessSettings struct {
	// Eps is ε, the relative size of the box; 0 means DefaultSharpnessEps (1e-3,
	// one of the two values used by Keskar et al.; they also report 5e-4).
	Eps float64
	// Subspace is p, the dimension of the random subspace: A is an n×p matrix of
	// independent N(0,1) entries with every column scaled to unit Euclidean norm
	// (so that the "+1" in the box means the same absolute size ε per direction as
	// in the full space, where A = I has unit columns). 0 means the full space,
	// A = I. Keskar et al. use p = 100 for their random-subspace variant. p must
	// not exceed n.
	Subspace int
	// A, if not nil, is an explicit n×p matrix (row-major, p = len(A)/n) used
	// instead of a random one; Subspace and Seed are then ignored.
	A []float64
	// Seed seeds the generator of A (and of a random start).
	Seed int64
	// MaxIter is the number of ascent iterations; 0 means DefaultSharpnessMaxIter
	// (10, as Keskar et al., who ran L-BFGS-B for 10 iterations; the projected-
	// gradient method used here is, per iteration, weaker than L-BFGS-B, so the
	// value is a lower bound of the box maximum, as theirs is).
	MaxIter int
	// RandomStart starts the ascent at a uniform random point of the box instead
	// of y = 0. Use it at an exact stationary point, where ∇L(θ) = 0 and an ascent
	// started at 0 cannot move.
	RandomStart bool
}

// Defaults of SharpnessSettings.
const (
	DefaultSharpnessEps     = 1e-3
	DefaultSharpnessMaxIter = 10
)

// SharpnessResult is the outcome of Sharpness.
type SharpnessResult struct {
	// Sharpness is φ = 100·(MaxLoss − LossAt)/(1 + LossAt).
	Sharpness float64
	// LossAt is L(θ) and MaxLoss the largest L(θ + Ay) found in the box.
	LossAt, MaxLoss float64
	// Y is the maximiser y ∈ C_ε (length p, or n in the full space) and
	// PerturbationNorm = ‖Ay‖₂ the Euclidean size of the perturbation of θ.
	Y                []float64
	PerturbationNorm float64
	// Subspace is the p used (n for the full space).
	Subspace int
	// Evaluations counts the objective evaluations (Loss or LossGrad), including
	// the one at θ.
	Evaluations int
	// Iterations is the number of ascent iterations done.
	Iterations int
	// Status tells why the ascent stopped.
	Status AscentStatus
}

// Sharpness computes the ε-sharpness of Keskar et al. (ICLR 2017, Metric 2.1):
//
//	φ_{θ,f}(ε, A) = 100 · (max_{y∈C_ε} L(θ + Ay) − L(θ)) / (1 + L(θ)),
//	C_ε = {z ∈ R^p : |z_i| ≤ ε(|(A⁺θ)_i| + 1)},
//
// where A = I (full space, p = n) or a random n×p matrix (see SharpnessSettings)
// and A⁺ its pseudo-inverse, computed as the least-squares solution of Ay = θ by
// a QR factorisation of A (gonum mat.QR; A has full column rank with probability
// one; nothing n×n is formed). The maximum is sought by a spectral
// projected-gradient ascent (Birgin, Martínez & Raydan 2000) on y ↦ L(θ + Ay),
// whose gradient is Aᵀ∇L(θ + Ay), from y = 0 (or a random point).
//
// Cost: MaxIter+1 or a few more gradient evaluations, and for a subspace 8·n·p
// bytes for A (80 MB for n = 10⁵, p = 100) plus O(np²) for the QR.
//
// Sharpness is not invariant under function-preserving rescalings (see
// invariant.go): in the full space the box is per-coordinate relative except for
// its "+1", so a rescaling that makes some |θ_i| small relative to 1 changes φ;
// in a random subspace A⁺ mixes coordinates.
func Sharpness(obj Objective, theta []float64, s *SharpnessSettings) (*SharpnessResult, error) {
	n := obj.Dim()
	if len(theta) != n {
		return nil, fmt.Errorf("measures: Sharpness: len(theta) = %d, Dim = %d", len(theta), n)
	}
	var set SharpnessSettings
	if s != nil {
		set = *s
	}
	eps := set.Eps
	if eps == 0 {
		eps = DefaultSharpnessEps
	}
	if !(eps > 0) || math.IsInf(eps, 1) {
		return nil, fmt.Errorf("measures: Sharpness: Eps = %v", eps)
	}
	maxIter := set.MaxIter
	if maxIter <= 0 {
		maxIter = DefaultSharpnessMaxIter
	}
	rng := newRNG(set.Seed, streamSharpness)

	// A and the box centre A⁺θ.
	var A *mat.Dense
	var center []float64
	switch {
	case set.A != nil:
		if len(set.A)%n != 0 || len(set.A) == 0 {
			return nil, fmt.Errorf("measures: Sharpness: len(A) = %d is not a multiple of n = %d", len(set.A), n)
		}
		A = mat.NewDense(n, len(set.A)/n, append([]float64(nil), set.A...))
	case set.Subspace > 0:
		p := set.Subspace
		if p > n {
			return nil, fmt.Errorf("measures: Sharpness: Subspace = %d > n = %d", p, n)
		}
		data := make([]float64, n*p)
		gaussian(rng, data)
		A = mat.NewDense(n, p, data)
		for j := 0; j < p; j++ {
			col := mat.Col(nil, j, A)
			nrm := floats.Norm(col, 2)
			floats.Scale(1/nrm, col)
			A.SetCol(j, col)
		}
	case set.Subspace < 0:
		return nil, fmt.Errorf("measures: Sharpness: Subspace = %d", set.Subspace)
	}
	p := n
	if A != nil {
		_, p = A.Dims()
		if p > n {
			return nil, fmt.Errorf("measures: Sharpness: A is %d×%d, want p ≤ n", n, p)
		}
		var qr mat.QR
		qr.Factorize(A)
		var x mat.VecDense
		if err := qr.SolveVecTo(&x, false, mat.NewVecDense(n, append([]float64(nil), theta...))); err != nil {
			return nil, fmt.Errorf("measures: Sharpness: A⁺θ: %w", err)
		}
		center = mat.Col(nil, 0, &x)
	} else {
		center = theta
	}
	lower := make([]float64, p)
	upper := make([]float64, p)
	for i := range lower {
		w := eps * (math.Abs(center[i]) + 1)
		lower[i], upper[i] = -w, w
	}

	evals := 0
	point := make([]float64, n)
	gfull := make([]float64, n)
	setPoint := func(y []float64) {
		if A == nil {
			for i := range point {
				point[i] = theta[i] + y[i]
			}
			return
		}
		pv := mat.NewVecDense(n, point)
		pv.MulVec(A, mat.NewVecDense(p, y))
		floats.Add(point, theta)
	}
	prob := boxProblem{
		Func: func(y []float64) (float64, error) {
			setPoint(y)
			evals++
			return obj.Loss(point)
		},
		Grad: func(grad, y []float64) (float64, error) {
			setPoint(y)
			evals++
			f, err := obj.LossGrad(gfull, point)
			if err != nil {
				return f, err
			}
			if A == nil {
				copy(grad, gfull)
			} else {
				gv := mat.NewVecDense(p, grad)
				gv.MulVec(A.T(), mat.NewVecDense(n, gfull))
			}
			return f, nil
		},
	}
	l0, err := obj.Loss(theta)
	evals++
	if err != nil {
		return nil, err
	}
	if math.IsNaN(l0) || math.IsInf(l0, 0) {
		return nil, errors.New("measures: Sharpness: L(θ) is not finite")
	}
	y0 := make([]float64, p)
	if set.RandomStart {
		for i := range y0 {
			y0[i] = lower[i] + (upper[i]-lower[i])*rng.Float64()
		}
	}
	res, err := boxAscent(prob, lower, upper, y0, maxIter)
	if err != nil {
		return nil, err
	}
	maxLoss := res.F
	if !(res.F > l0) {
		// The ascent found nothing above L(θ): the maximiser reported is
		// y = 0 itself, so Y, MaxLoss and PerturbationNorm agree.
		maxLoss = l0
		clear(res.Y)
	}
	setPoint(res.Y)
	floats.Sub(point, theta)
	return &SharpnessResult{
		Sharpness:        100 * (maxLoss - l0) / (1 + l0),
		LossAt:           l0,
		MaxLoss:          maxLoss,
		Y:                res.Y,
		PerturbationNorm: floats.Norm(point, 2),
		Subspace:         p,
		Evaluations:      evals,
		Iterations:       res.Iterations,
		Status:           res.Status,
	}, nil
}
