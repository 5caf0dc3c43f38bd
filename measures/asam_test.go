package measures_test

import (
	"math"
	"testing"

	"github.com/minima-project/minima/measures"
	"gonum.org/v1/gonum/mat"
)

// geoLinear is L(θ) = gᵀθ.
type geoLinear struct{ g []float64 }

func (l *geoLinear) Dim() int { return len(l.g) }
func (l *geoLinear) Loss(th []float64) (float64, error) {
	return mat.Dot(mat.NewVecDense(len(th), th), mat.NewVecDense(len(l.g), l.g)), nil
}
func (l *geoLinear) LossGrad(gr, th []float64) (float64, error) {
	copy(gr, l.g)
	return l.Loss(th)
}

func TestASAMLinear(t *testing.T) {
	// For a linear loss the maximum over the ellipsoid is ρ‖T_w g‖ and the
	// one-step solution attains it.
	g := []float64{1, -2, 0.5, 3}
	theta := []float64{0.5, -1, 0, 2}
	// Settings.Eta −1 means η = 0, and 0 means the default.
	for _, c := range []struct{ set, eta float64 }{{-1, 0}, {0.03, 0.03}, {0, measures.DefaultASAMEta}} {
		eta := c.eta
		res, err := measures.ASAM(&geoLinear{g}, theta, &measures.ASAMSettings{Rho: 0.1, Eta: c.set})
		if err != nil {
			t.Fatal(err)
		}
		if res.Eta != eta || res.Rho != 0.1 {
			t.Errorf("Eta setting %g: result reports ρ = %g, η = %g; want 0.1, %g", c.set, res.Rho, res.Eta, eta)
		}
		s := 0.0
		for i := range g {
			w := math.Abs(theta[i]) + eta
			s += w * w * g[i] * g[i]
		}
		want := 0.1 * math.Sqrt(s)
		if math.Abs(res.OneStep-want) > 1e-12*want || math.Abs(res.Sharpness-want) > 1e-12*want {
			t.Errorf("eta=%g: OneStep %g Sharpness %g, want %g", eta, res.OneStep, res.Sharpness, want)
		}
		if eta == 0 && res.Delta[2] != 0 {
			t.Errorf("η=0: zero weight perturbed: δ = %v", res.Delta)
		}
		if math.Abs(res.Z-0.1) > 1e-12 {
			t.Errorf("‖z‖ = %g, want ρ", res.Z)
		}
	}
}

// geoTrustMax returns max_{‖z‖≤ρ} ½(θ+Tz)ᵀH(θ+Tz) for SPD H (the global maximum
// of a convex quadratic on a ball, on the boundary): z(λ) = (λI − M)⁻¹ b with
// M = THT, b = THθ, λ > λ_max(M), ‖z(λ)‖ = ρ, found by bisection.
func geoTrustMax(H, T, theta []float64, rho float64) float64 {
	n := len(theta)
	M := mat.NewSymDense(n, nil)
	b := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		s := 0.0
		for j := 0; j < n; j++ {
			M.SetSym(i, j, T[i]*H[i*n+j]*T[j])
			s += H[i*n+j] * theta[j]
		}
		b.SetVec(i, T[i]*s)
	}
	var eig mat.EigenSym
	eig.Factorize(M, false)
	vals := eig.Values(nil)
	lmax := vals[n-1]
	z := func(lam float64) *mat.VecDense {
		A := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				A.Set(i, j, -M.At(i, j))
			}
			A.Set(i, i, A.At(i, i)+lam)
		}
		var x mat.VecDense
		x.SolveVec(A, b)
		return &x
	}
	lo, hi := lmax*(1+1e-15)+1e-300, lmax+1
	for mat.Norm(z(hi), 2) > rho {
		hi = lmax + 2*(hi-lmax)
	}
	for k := 0; k < 200; k++ {
		mid := 0.5 * (lo + hi)
		if mat.Norm(z(mid), 2) > rho {
			lo = mid
		} else {
			hi = mid
		}
	}
	zz := z(hi)
	p := make([]float64, n)
	for i := range p {
		p[i] = theta[i] + T[i]*zz.AtVec(i)
	}
	f := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			f += 0.5 * p[i] * H[i*n+j] * p[j]
		}
	}
	return f
}

func TestASAMQuadratic(t *testing.T) {
	H := []float64{
		3, 0.5, 0, 0.2,
		0.5, 2, 0.3, 0,
		0, 0.3, 1, 0.1,
		0.2, 0, 0.1, 0.5,
	}
	theta := []float64{0.4, -1.2, 0.7, 2}
	q := &geoQuad{H: H, C: make([]float64, 4)}
	rho, eta := 0.3, 0.01
	T := make([]float64, 4)
	for i := range T {
		T[i] = math.Abs(theta[i]) + eta
	}
	want := geoTrustMax(H, T, theta, rho)
	l0, _ := q.Loss(theta)
	res, err := measures.ASAM(q, theta, &measures.ASAMSettings{Rho: rho, Eta: eta, Steps: 200})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.MaxLoss-want) > 1e-9*want {
		t.Errorf("MaxLoss = %.12g, global max %.12g", res.MaxLoss, want)
	}
	if res.Sharpness < res.OneStep || res.OneStep <= 0 || res.LossAt != l0 {
		t.Errorf("Sharpness %g < OneStep %g", res.Sharpness, res.OneStep)
	}
	// Default steps: at least the one-step value, at most the maximum.
	r2, _ := measures.ASAM(q, theta, &measures.ASAMSettings{Rho: rho, Eta: eta})
	if r2.MaxLoss > want*(1+1e-12) || r2.Sharpness < r2.OneStep {
		t.Errorf("default steps: %g vs max %g", r2.MaxLoss, want)
	}
	t.Logf("one-step %.6g, 10 steps %.6g, global %.6g", res.OneStep+l0, r2.MaxLoss, want)
	// At the exact minimum θ = 0 ... with η > 0 the gradient vanishes: a random
	// first direction is used and the ascent still finds the top eigen-direction
	// of T H T = η²H.
	r3, err := measures.ASAM(q, make([]float64, 4), &measures.ASAMSettings{Rho: rho, Eta: eta, Steps: 200})
	if err != nil {
		t.Fatal(err)
	}
	var eig mat.EigenSym
	eig.Factorize(mat.NewSymDense(4, H), false)
	want3 := 0.5 * rho * rho * eta * eta * eig.Values(nil)[3] // ½ρ²η²λ_max(H)
	if math.Abs(r3.MaxLoss-want3) > 1e-6*want3 {
		t.Errorf("at the minimum: MaxLoss %g, want %g", r3.MaxLoss, want3)
	}
}

// TestASAMZeroValueIsDefault: a nil pointer, the zero value and the documented
// defaults written out give the same result, reported as ρ = 0.05, η = 0.01.
func TestASAMZeroValueIsDefault(t *testing.T) {
	q := &geoQuad{H: geoDiag([]float64{3, 2, 1, 0.5}), C: make([]float64, 4)}
	theta := []float64{0.4, -1.2, 0.7, 2}
	explicit, err := measures.ASAM(q, theta, &measures.ASAMSettings{Rho: measures.DefaultASAMRho, Eta: measures.DefaultASAMEta, Steps: measures.DefaultASAMSteps})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*measures.ASAMSettings{"nil": nil, "zero value": {}} {
		r, err := measures.ASAM(q, theta, s)
		if err != nil {
			t.Fatal(err)
		}
		if r.MaxLoss != explicit.MaxLoss || r.Iterations != explicit.Iterations || r.Rho != 0.05 || r.Eta != 0.01 {
			t.Errorf("%s: MaxLoss %v, %d iterations, ρ %v, η %v; want %v, %d, 0.05, 0.01", name, r.MaxLoss, r.Iterations, r.Rho, r.Eta, explicit.MaxLoss, explicit.Iterations)
		}
	}
	if _, err := measures.ASAM(q, theta, &measures.ASAMSettings{Eta: math.NaN()}); err == nil {
		t.Error("η = NaN accepted")
	}
}
