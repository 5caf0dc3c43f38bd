package measures

import (
	"math"
	"testing"
)

// geoQuadFunc returns the boxProblem of f(y) = −½(y−c)ᵀA(y−c) (A row-major n×n).
func geoQuadFunc(A, c []float64) boxProblem {
	n := len(c)
	grad := func(g, y []float64) (float64, error) {
		d := make([]float64, n)
		for i := range d {
			d[i] = y[i] - c[i]
		}
		f := 0.0
		for i := 0; i < n; i++ {
			s := 0.0
			for j := 0; j < n; j++ {
				s += A[i*n+j] * d[j]
			}
			f -= 0.5 * d[i] * s
			if g != nil {
				g[i] = -s
			}
		}
		return f, nil
	}
	return boxProblem{
		Grad: grad,
		Func: func(y []float64) (float64, error) { return grad(nil, y) },
	}
}

func geoFill(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// Tolerances: interior optimum 1e-6 in y (boxGradTol 1e-10 on the projected step of
// a well-conditioned problem), optima on faces and corners 1e-8.

func TestBoxAscentInteriorConcave(t *testing.T) {
	A := []float64{
		4, 1, 0, 0.5, 0,
		1, 3, 0.5, 0, 0,
		0, 0.5, 2, 0.3, 0,
		0.5, 0, 0.3, 1.5, 0.2,
		0, 0, 0, 0.2, 1,
	}
	c := []float64{0.3, -0.5, 0.1, 0.8, -0.9}
	res, err := boxAscent(geoQuadFunc(A, c), geoFill(5, -1), geoFill(5, 1), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c {
		if math.Abs(res.Y[i]-c[i]) > 1e-6 {
			t.Errorf("y[%d] = %v, want %v", i, res.Y[i], c[i])
		}
	}
	if res.F < -1e-12 || res.F < res.F0 {
		t.Errorf("F = %v (F0 = %v), want 0", res.F, res.F0)
	}
	if res.Status != AscentGradientConverged {
		t.Errorf("status %v", res.Status)
	}
	t.Logf("interior: %d iterations, %d grad evals, %d func evals", res.Iterations, res.GradEvals, res.FuncEvals)
}

func TestBoxAscentFaceAndCorner(t *testing.T) {
	// f = −(y1−3)² − (y2 − 0.3·y1)² on [−1,1]²: maximum on the face y1 = 1, at
	// (1, 0.3) (KKT: ∂f/∂y1 = 4 > 0 there, ∂f/∂y2 = 0).
	face := boxProblem{Grad: func(g, y []float64) (float64, error) {
		a, b := y[0]-3, y[1]-0.3*y[0]
		g[0] = -2*a + 0.6*b
		g[1] = -2 * b
		return -a*a - b*b, nil
	}}
	res, err := boxAscent(face, geoFill(2, -1), geoFill(2, 1), []float64{-0.5, -0.5}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Y[0]-1) > 1e-8 || math.Abs(res.Y[1]-0.3) > 1e-8 {
		t.Errorf("face: y = %v, want (1, 0.3)", res.Y)
	}
	// Concave quadratic with unconstrained maximum outside: c = (3, −2, 0.5) with
	// diagonal A: answer is c clipped to the box.
	A := []float64{2, 0, 0, 0, 1, 0, 0, 0, 5}
	res, err = boxAscent(geoQuadFunc(A, []float64{3, -2, 0.5}), []float64{-1, -1, -1}, []float64{1, 1, 0.2}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, -1, 0.2}
	for i := range want {
		if math.Abs(res.Y[i]-want[i]) > 1e-8 {
			t.Errorf("corner: y = %v, want %v", res.Y, want)
			break
		}
	}
	// Convex function (as a loss around a minimum): f = Σ ½y_i² + b_i y_i on
	// [−w,w]: maximum at the corner y_i = sign(b_i)·w_i.
	b := []float64{0.1, -0.01, 1e-4, -3}
	w := []float64{1, 2, 0.5, 1e-3}
	convex := boxProblem{Grad: func(g, y []float64) (float64, error) {
		f := 0.0
		for i := range y {
			f += 0.5*y[i]*y[i] + b[i]*y[i]
			g[i] = y[i] + b[i]
		}
		return f, nil
	}}
	lo := make([]float64, 4)
	for i := range lo {
		lo[i] = -w[i]
	}
	res, err = boxAscent(convex, lo, w, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		if res.Y[i] != math.Copysign(w[i], b[i]) {
			t.Errorf("convex: y = %v, want corner sign(b)·w", res.Y)
			break
		}
	}
}

func TestBoxAscentSeparable(t *testing.T) {
	// f = Σ cos(y_i − c_i): separable, maximum at clip(c_i) (every c_i is within
	// π of its box, so the clipped point is the maximum of each term).
	c := []float64{0.5, 2.5, -1.7, 0, -0.2, 1}
	lo := []float64{-1, -1, -1, 0.3, -2, -1}
	hi := []float64{1, 1, 1, 1, 2, 1}
	p := boxProblem{Grad: func(g, y []float64) (float64, error) {
		f := 0.0
		for i := range y {
			f += math.Cos(y[i] - c[i])
			g[i] = -math.Sin(y[i] - c[i])
		}
		return f, nil
	}}
	res, err := boxAscent(p, lo, hi, geoFill(6, 0.5), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c {
		want := math.Min(math.Max(c[i], lo[i]), hi[i])
		if math.Abs(res.Y[i]-want) > 1e-6 {
			t.Errorf("y[%d] = %v, want %v", i, res.Y[i], want)
		}
	}
}

func TestBoxAscentUnbounded(t *testing.T) {
	A := []float64{2, 0.5, 0.5, 1}
	c := []float64{30, -70}
	inf := math.Inf(1)
	res, err := boxAscent(geoQuadFunc(A, c), []float64{-inf, -inf}, []float64{inf, inf}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Y[0]-30) > 1e-6 || math.Abs(res.Y[1]+70) > 1e-6 {
		t.Errorf("y = %v, want %v (status %v)", res.Y, c, res.Status)
	}
}

func TestBoxAscentErrors(t *testing.T) {
	p := geoQuadFunc([]float64{1}, []float64{0})
	if _, err := boxAscent(p, []float64{1}, []float64{0}, nil, 0); err == nil {
		t.Error("lower > upper accepted")
	}
	if _, err := boxAscent(p, []float64{0}, []float64{1, 2}, nil, 0); err == nil {
		t.Error("length mismatch accepted")
	}
	res, err := boxAscent(geoQuadFunc([]float64{1, 0, 0, 1}, []float64{5, 5}), []float64{-1, -1}, []float64{1, 1}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Iterations > 1 {
		t.Errorf("MaxIter ignored: %d iterations", res.Iterations)
	}
}
