package numtest

import (
	"math"
	"testing"
)

func TestMaxRelDiff(t *testing.T) {
	if d := MaxRelDiff([]float64{1, 2.5}, []float64{1, 2}); d != 0.25 {
		t.Errorf("MaxRelDiff = %v, want 0.25", d)
	}
	if d := MaxRelDiff([]float64{1}, []float64{1, 2}); !math.IsInf(d, 1) {
		t.Errorf("lengths differ: %v, want +Inf", d)
	}
	if d := MaxRelDiff([]float64{math.NaN()}, []float64{1}); !math.IsNaN(d) {
		t.Errorf("NaN: %v, want NaN", d)
	}
}

// On f(x) = x₀²x₁ + sin x₁, whose gradient and Hessian are known.
func TestFiniteDifferencesOfKnownFunction(t *testing.T) {
	f := func(x []float64) (float64, error) { return x[0]*x[0]*x[1] + math.Sin(x[1]), nil }
	grad := func(g, x []float64) error {
		g[0], g[1] = 2*x[0]*x[1], x[0]*x[0]+math.Cos(x[1])
		return nil
	}
	x := []float64{0.7, -1.3}
	g, _ := Gradient(f, x, 1e-6)
	want := make([]float64, 2)
	grad(want, x)
	if d := MaxRelDiff(g, want); d > 1e-8 {
		t.Errorf("gradient off by %.3g", d)
	}
	H, _ := Hessian(grad, x, 1e-5)
	wantH := []float64{2 * x[1], 2 * x[0], 2 * x[0], -math.Sin(x[1])}
	if d := MaxRelDiff(H, wantH); d > 1e-8 {
		t.Errorf("Hessian %v, want %v", H, wantH)
	}
}

func TestGaussianIsSeeded(t *testing.T) {
	a, b, c := Gaussian(5, 1, 1), Gaussian(5, 1, 1), Gaussian(5, 1, 2)
	if MaxRelDiff(a, b) != 0 || MaxRelDiff(a, c) == 0 {
		t.Errorf("Gaussian(·, 1) twice: %v %v; seed 2: %v", a, b, c)
	}
}
