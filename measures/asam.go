package measures

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// ASAMSettings controls ASAM. The zero value of each field, or a nil pointer,
// selects its documented default.
type ASAMSettings struct {
	// Rho is ρ, the radius of the adaptive ball ‖δ/(|θ|+η)‖₂ ≤ ρ; 0 means
	// DefaultASAMRho (0.05). Kwon et al. trained with ρ = 0.5 (and η = 0.01); as a
	// measurement of an already trained float64 network a smaller ρ keeps the
	// perturbation in the region where the loss is locally described by θ: the
	// constraint is an ℓ2 norm over all n coordinates, so a perturbation of the
	// same relative size r in every coordinate has norm r√n, i.e. ρ = 0.05 allows
	// r ≈ 0.05/√n. Compare values only between networks of the same size.
	Rho float64
	// Eta is η, the offset that keeps zero weights perturbable; 0 means
	// DefaultASAMEta (0.01, Kwon et al.'s), and any negative value means η = 0.
	// With η > 0 the measure is only approximately invariant under rescalings
	// (exactly so when |θ_i| ≫ η); with η = 0 it is exactly invariant under
	// every positive diagonal reparametrization θ ↦ S⊙θ that preserves the
	// function — layer-wise T_α and per-neuron rescalings, with or without
	// biases — but coordinates with θ_i = 0 are then frozen.
	Eta float64
	// Steps is the number of ascent iterations, the first being the one-step
	// ASAM solution and the others projected-gradient steps; 0 means
	// DefaultASAMSteps (10), 1 gives the one-step value alone.
	Steps int
	// Seed is used only when ∇L(θ) vanishes on the ball's axes (T_w∇L = 0), to
	// draw a random first direction.
	Seed int64
}

// Defaults of ASAMSettings.
const (
	DefaultASAMRho   = 0.05
	DefaultASAMEta   = 0.01
	DefaultASAMSteps = 10
)

// ASAMResult is the outcome of ASAM.
type ASAMResult struct {
	// Sharpness is MaxLoss − LossAt ≥ 0, the adaptive sharpness found.
	Sharpness float64
	// OneStep is L(θ + δ₁) − L(θ) for the one-step ASAM solution
	// δ₁ = ρ T_w²∇L/‖T_w∇L‖ (the perturbation used by ASAM training).
	OneStep float64
	// Rho and Eta are the ρ and η used.
	Rho, Eta float64
	// LossAt is L(θ) and MaxLoss the largest loss found in the ball.
	LossAt, MaxLoss float64
	// Delta is the maximising perturbation δ = T_w z, and Z = ‖z‖₂ ≤ ρ.
	Delta []float64
	Z     float64
	// Evaluations counts the objective evaluations.
	Evaluations int
	// Iterations is the number of accepted projected-gradient steps after the
	// one-step solution.
	Iterations int
	// Status tells why the ascent stopped.
	Status AscentStatus
}

// ballSet is the Euclidean ball of radius rho centred at 0.
type ballSet struct{ rho float64 }

func (b ballSet) project(y []float64) {
	if nrm := floats.Norm(y, 2); nrm > b.rho {
		floats.Scale(b.rho/nrm, y)
	}
}

func (b ballSet) maxStep(y, g []float64) float64 {
	gn := floats.Norm(g, 2)
	if gn == 0 {
		return math.Inf(1)
	}
	// Beyond this, P(y + t g) turns by less than ~1e-3 rad.
	return 1e3 * 2 * b.rho / gn
}

func (b ballSet) width() float64 { return 2 * b.rho }

// ASAM computes the adaptive sharpness of Kwon et al. (ICML 2021),
//
//	max_{‖δ/(|θ|+η)‖₂ ≤ ρ} L(θ + δ) − L(θ)      (elementwise division),
//
// by the substitution δ = T_w z, T_w = diag(|θ| + η), which turns the ellipsoid
// into the ball ‖z‖₂ ≤ ρ: the ascent maximises z ↦ L(θ + T_w z), gradient
// T_w∇L(θ + T_w z), by projected gradient (projection = rescaling onto the ball,
// steps as in Sharpness's box ascent). The first trial point is the one-step ASAM solution
// z₁ = ρ T_w∇L(θ)/‖T_w∇L(θ)‖, which is always evaluated and reported as OneStep.
//
// Cost: about Steps+1 gradient evaluations (plus line-search backtracks).
func ASAM(obj Objective, theta []float64, s *ASAMSettings) (*ASAMResult, error) {
	n := obj.Dim()
	if len(theta) != n {
		return nil, fmt.Errorf("measures: ASAM: len(theta) = %d, Dim = %d", len(theta), n)
	}
	var set ASAMSettings
	if s != nil {
		set = *s
	}
	rho := zeroDefault(set.Rho, DefaultASAMRho)
	eta := zeroDefault(set.Eta, DefaultASAMEta)
	if eta < 0 {
		eta = 0
	}
	steps := set.Steps
	if steps <= 0 {
		steps = DefaultASAMSteps
	}
	if !(rho > 0) || math.IsInf(rho, 1) || math.IsNaN(eta) || math.IsInf(eta, 1) {
		return nil, fmt.Errorf("measures: ASAM: Rho = %v, Eta = %v", rho, set.Eta)
	}
	tw := make([]float64, n)
	for i, v := range theta {
		tw[i] = math.Abs(v) + eta
	}
	res := &ASAMResult{Rho: rho, Eta: eta}
	point := make([]float64, n)
	gfull := make([]float64, n)
	setPoint := func(z []float64) {
		for i := range point {
			point[i] = theta[i] + tw[i]*z[i]
		}
	}
	prob := boxProblem{
		Func: func(z []float64) (float64, error) {
			setPoint(z)
			res.Evaluations++
			return obj.Loss(point)
		},
		Grad: func(grad, z []float64) (float64, error) {
			setPoint(z)
			res.Evaluations++
			f, err := obj.LossGrad(gfull, point)
			floats.MulTo(grad, tw, gfull)
			return f, err
		},
	}
	z := make([]float64, n)
	gz := make([]float64, n)
	l0, err := prob.Grad(gz, z)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(l0) || math.IsInf(l0, 0) {
		return nil, errors.New("measures: ASAM: L(θ) is not finite")
	}
	res.LossAt = l0
	// One-step solution z₁ = ρ g/‖g‖ with g = T_w∇L(θ).
	z1 := make([]float64, n)
	copy(z1, gz)
	gn := floats.Norm(z1, 2)
	if gn == 0 {
		rng := newRNG(set.Seed, streamASAM)
		for i := range z1 {
			if tw[i] != 0 {
				z1[i] = rng.NormFloat64()
			}
		}
		gn = floats.Norm(z1, 2)
	}
	if gn == 0 { // every coordinate frozen (η = 0, θ = 0)
		res.MaxLoss = l0
		res.Delta = make([]float64, n)
		res.Status = AscentGradientConverged
		return res, nil
	}
	floats.Scale(rho/gn, z1)
	l1, err := prob.Func(z1)
	if err != nil {
		return nil, err
	}
	res.OneStep = l1 - l0
	start, fstart := z, l0
	if l1 > l0 {
		start, fstart = z1, l1
	}
	var ar *boxResult
	if steps > 1 {
		ar, err = projectedAscent(prob, ballSet{rho: rho}, append([]float64(nil), start...), steps-1)
		if err != nil {
			return nil, err
		}
	}
	best, fbest := start, fstart
	if ar != nil {
		res.Iterations = ar.Iterations
		res.Status = ar.Status
		if ar.F > fbest {
			best, fbest = ar.Y, ar.F
		}
	} else {
		res.Status = AscentIterationLimit
	}
	res.MaxLoss = fbest
	res.Sharpness = fbest - l0
	res.Z = floats.Norm(best, 2)
	res.Delta = make([]float64, n)
	floats.MulTo(res.Delta, tw, best)
	return res, nil
}
