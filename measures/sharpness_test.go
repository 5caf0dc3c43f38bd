package measures_test

import (
	"math"
	"testing"

	"github.com/minima-project/minima/measures"
	"gonum.org/v1/gonum/mat"
)

// geoQuad is the Objective L(θ) = L0 + ½(θ−C)ᵀH(θ−C), H row-major n×n.
type geoQuad struct {
	H  []float64
	C  []float64
	L0 float64
}

func (q *geoQuad) Dim() int { return len(q.C) }

func (q *geoQuad) Loss(theta []float64) (float64, error) {
	return q.LossGrad(nil, theta)
}

func (q *geoQuad) LossGrad(grad, theta []float64) (float64, error) {
	n := len(q.C)
	f := q.L0
	for i := 0; i < n; i++ {
		s := 0.0
		for j := 0; j < n; j++ {
			s += q.H[i*n+j] * (theta[j] - q.C[j])
		}
		f += 0.5 * (theta[i] - q.C[i]) * s
		if grad != nil {
			grad[i] = s
		}
	}
	return f, nil
}

func geoDiag(h []float64) []float64 {
	n := len(h)
	H := make([]float64, n*n)
	for i, v := range h {
		H[i*n+i] = v
	}
	return H
}

// Tolerances: answers at box corners are exact up to rounding (1e-12 relative).

func TestSharpnessFullSpaceCorner(t *testing.T) {
	h := []float64{1, 4, 0.5, 10, 2}
	c := []float64{0.5, -2, 0, 3, -0.1}
	q := &geoQuad{H: geoDiag(h), C: c, L0: 0.5}
	eps := 1e-3
	// θ off the minimum: the maximum of the separable convex quadratic over the
	// box is at y_i = sign(θ_i − c_i)·w_i, w_i = ε(|θ_i| + 1).
	theta := []float64{0.51, -2.02, 0.003, 2.99, -0.1 + 1e-4}
	res, err := measures.Sharpness(q, theta, &measures.SharpnessSettings{Eps: eps})
	if err != nil {
		t.Fatal(err)
	}
	l0, _ := q.Loss(theta)
	maxL := q.L0
	for i := range h {
		w := eps * (math.Abs(theta[i]) + 1)
		d := math.Abs(theta[i]-c[i]) + w
		maxL += 0.5 * h[i] * d * d
	}
	want := 100 * (maxL - l0) / (1 + l0)
	if math.Abs(res.Sharpness-want) > 1e-10*want {
		t.Errorf("Sharpness = %.15g, want %.15g (iterations %d, status %v)", res.Sharpness, want, res.Iterations, res.Status)
	}
	if res.LossAt != l0 || res.Subspace != 5 || res.Iterations > measures.DefaultSharpnessMaxIter {
		t.Errorf("result fields: %+v", res)
	}
}

func TestSharpnessAtExactMinimum(t *testing.T) {
	h := []float64{1, 4, 0.5}
	c := []float64{0.5, -2, 0}
	q := &geoQuad{H: geoDiag(h), C: c, L0: 0.2}
	eps := 5e-4
	// ∇L(θ) = 0: from y = 0 the ascent cannot move ...
	res, err := measures.Sharpness(q, c, &measures.SharpnessSettings{Eps: eps})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sharpness != 0 || res.Status != measures.AscentGradientConverged {
		t.Errorf("zero start at a stationary point: sharpness %v status %v", res.Sharpness, res.Status)
	}
	// ... a random start reaches the corner: max = ½Σ h_i w_i².
	res, err = measures.Sharpness(q, c, &measures.SharpnessSettings{Eps: eps, RandomStart: true, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	maxL := q.L0
	for i := range h {
		w := eps * (math.Abs(c[i]) + 1)
		maxL += 0.5 * h[i] * w * w
	}
	want := 100 * (maxL - q.L0) / (1 + q.L0)
	if math.Abs(res.Sharpness-want) > 1e-10*want {
		t.Errorf("random start: Sharpness = %g, want %g", res.Sharpness, want)
	}
}

func TestSharpnessSubspace(t *testing.T) {
	n := 6
	h := []float64{1, 4, 0.5, 10, 2, 3}
	c := make([]float64, n)
	q := &geoQuad{H: geoDiag(h), C: c}
	theta := []float64{0.3, -0.2, 0.5, 0.1, -1, 2}
	eps := 1e-2
	// Explicit A = first 3 columns of I: A⁺θ = θ[:3], y ranges over the box of
	// those coordinates, answer at the corner sign(θ_i).
	A := make([]float64, n*3)
	for j := 0; j < 3; j++ {
		A[j*3+j] = 1
	}
	res, err := measures.Sharpness(q, theta, &measures.SharpnessSettings{Eps: eps, A: A})
	if err != nil {
		t.Fatal(err)
	}
	l0, _ := q.Loss(theta)
	maxL := l0
	for i := 0; i < 3; i++ {
		w := eps * (math.Abs(theta[i]) + 1)
		maxL += 0.5 * h[i] * ((math.Abs(theta[i])+w)*(math.Abs(theta[i])+w) - theta[i]*theta[i])
	}
	want := 100 * (maxL - l0) / (1 + l0)
	if res.Subspace != 3 || math.Abs(res.Sharpness-want) > 1e-10*want {
		t.Errorf("identity subspace: Sharpness = %g, want %g", res.Sharpness, want)
	}

	// A general A: the box is centred on A⁺θ = (AᵀA)⁻¹Aᵀθ (checked here by the
	// normal equations), the value cannot exceed the best corner, and for this
	// small convex problem the ascent finds it.
	Ad := mat.NewDense(n, 3, []float64{
		1, 0.2, -0.3,
		0.5, 1, 0.1,
		-0.2, 0.4, 1,
		0.3, -0.5, 0.2,
		0.1, 0.1, -0.4,
		0.7, 0.2, 0.3,
	})
	var AtA mat.Dense
	AtA.Mul(Ad.T(), Ad)
	var Atth, xp mat.VecDense
	Atth.MulVec(Ad.T(), mat.NewVecDense(n, theta))
	if err := xp.SolveVec(&AtA, &Atth); err != nil {
		t.Fatal(err)
	}
	res, err = measures.Sharpness(q, theta, &measures.SharpnessSettings{Eps: eps, A: Ad.RawMatrix().Data, MaxIter: 100})
	if err != nil {
		t.Fatal(err)
	}
	best := math.Inf(-1)
	for m := 0; m < 8; m++ {
		y := make([]float64, 3)
		for i := range y {
			y[i] = eps * (math.Abs(xp.AtVec(i)) + 1)
			if m>>i&1 == 1 {
				y[i] = -y[i]
			}
		}
		var pt mat.VecDense
		pt.MulVec(Ad, mat.NewVecDense(3, y))
		pt.AddVec(&pt, mat.NewVecDense(n, theta))
		l, _ := q.Loss(pt.RawVector().Data)
		best = math.Max(best, l)
	}
	for i, y := range res.Y {
		if math.Abs(y) > eps*(math.Abs(xp.AtVec(i))+1)*(1+1e-12) {
			t.Errorf("y[%d] = %g outside the box", i, y)
		}
	}
	if res.MaxLoss > best*(1+1e-12) || res.MaxLoss < best*(1-1e-12) {
		t.Errorf("general A: MaxLoss = %.15g, best corner %.15g", res.MaxLoss, best)
	}

	// Random subspace: deterministic in the seed.
	r1, _ := measures.Sharpness(q, theta, &measures.SharpnessSettings{Eps: eps, Subspace: 4, Seed: 1})
	r2, _ := measures.Sharpness(q, theta, &measures.SharpnessSettings{Eps: eps, Subspace: 4, Seed: 1})
	r3, _ := measures.Sharpness(q, theta, &measures.SharpnessSettings{Eps: eps, Subspace: 4, Seed: 2})
	if r1.Sharpness != r2.Sharpness || r1.Sharpness == r3.Sharpness || r1.Subspace != 4 {
		t.Errorf("random subspace: %g %g %g", r1.Sharpness, r2.Sharpness, r3.Sharpness)
	}
	if _, err := measures.Sharpness(q, theta, &measures.SharpnessSettings{Subspace: 7}); err == nil {
		t.Error("p > n accepted")
	}
}
