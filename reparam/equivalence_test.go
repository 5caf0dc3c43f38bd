package reparam

import (
	"math"
	"testing"
)

func TestEquivalence(t *testing.T) {
	if e := Equivalence([]float64{1, -4}, []float64{1, -4}); e != 0 {
		t.Errorf("identical: %g", e)
	}
	if e := Equivalence([]float64{1, -4}, []float64{1.5, -4}); e != 0.125 {
		t.Errorf("got %g, want 0.125", e)
	}
	if e := Equivalence([]float64{0, 0}, []float64{0, 0.5}); e != 0.5 {
		t.Errorf("zero reference: got %g, want 0.5", e)
	}
	if e := Equivalence([]float64{1}, []float64{1, 2}); !math.IsInf(e, 1) {
		t.Errorf("length mismatch: %g", e)
	}
}

func TestForwardByHand(t *testing.T) {
	// 2 inputs → 2 hidden (ReLU, bias) → 1 output (linear, bias).
	l, _ := NewLayout(Dense{In: 2, Out: 2, Bias: true}, Dense{In: 2, Out: 1, Bias: true})
	theta := []float64{
		1, -1, // W1 row 0
		2, 1, // W1 row 1
		0.5, -3, // b1
		2,    // W2 row 0
		-1,   // W2 row 1
		0.25, // b2
	}
	X := []float64{1, 1, -1, 2}
	// x=(1,1): z1 = (1+2+0.5, -1+1-3) = (3.5, -3) → h = (3.5, 0) → f = 7 + 0.25
	// x=(-1,2): z1 = (-1+4+0.5, 1+2-3) = (3.5, 0) → h = (3.5, 0) → 7.25
	out := Forward(l, theta, X, 2)
	if out[0] != 7.25 || out[1] != 7.25 {
		t.Errorf("Forward = %v, want [7.25 7.25]", out)
	}
}

func TestReferenceGradient(t *testing.T) {
	for _, kind := range []string{MSE, CrossEntropy} {
		for _, bias := range []bool{false, true} {
			tn := newTNet(t, []int{3, 5, 4, 3}, bias, 8, 17)
			r := tn.ref(kind)
			g := make([]float64, r.Dim())
			l, err := r.LossGrad(g, tn.theta)
			if err != nil {
				t.Fatal(err)
			}
			l2, _ := r.Loss(tn.theta)
			if l != l2 {
				t.Errorf("Loss %v ≠ LossGrad %v", l2, l)
			}
			if e := relErr(g, fdGrad(t, r, tn.theta, 1e-6)); e > 1e-6 {
				t.Errorf("%s bias=%v: gradient rel err %g", kind, bias, e)
			}
		}
	}
	bad := &Reference{Layout: Layout{Layers: []Dense{{In: 2, Out: 2}}}, X: []float64{1, 2}, N: 1, Labels: []int{5}, Kind: MSE}
	if _, err := bad.Loss(make([]float64, 4)); err == nil {
		t.Error("label out of range accepted")
	}
}
