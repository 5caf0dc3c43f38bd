package reparam

import (
	"math"
	"testing"

	"github.com/minima-project/minima/internal/numtest"
)

func TestWeightNorm(t *testing.T) {
	tn := newTNet(t, []int{4, 3, 2}, false, 1, 2)
	W := tn.weights(tn.theta, 0)
	wn, err := NewWeightNorm(W, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if e := numtest.MaxRelDiff(wn.Weights(nil), W); e > 1e-15 {
		t.Errorf("reconstruction error %g", e)
	}
	// v ← αv leaves w unchanged.
	if err := wn.ScaleV(123.0); err != nil {
		t.Fatal(err)
	}
	if err := wn.ScaleV(1e-3, 1); err != nil {
		t.Fatal(err)
	}
	if e := numtest.MaxRelDiff(wn.Weights(nil), W); e > 1e-14 {
		t.Errorf("after ScaleV: reconstruction error %g", e)
	}
	if err := wn.ScaleV(0); err == nil {
		t.Error("alpha=0 accepted")
	}
	if err := wn.ScaleV(2, 3); err == nil {
		t.Error("unit out of range accepted")
	}
	// ∂w/∂v at αv is (1/α)·∂w/∂v at v: check by finite differences on one entry.
	deriv := func(wn *WeightNorm, idx, out int) float64 {
		h := 1e-6 * math.Max(1, math.Abs(wn.V[idx]))
		v0 := wn.V[idx]
		wn.V[idx] = v0 + h
		p := wn.Weights(nil)[out]
		wn.V[idx] = v0 - h
		m := wn.Weights(nil)[out]
		wn.V[idx] = v0
		return (p - m) / (2 * h)
	}
	wn2, _ := NewWeightNorm(W, 4, 3)
	d1 := deriv(wn2, 0, 3) // v[0,0] → w[1,0]
	wn2.ScaleV(10)
	d2 := deriv(wn2, 0, 3)
	if math.Abs(d2-d1/10) > 1e-6*math.Abs(d1) {
		t.Errorf("gradient wrt v did not scale by 1/α: %g vs %g", d2, d1/10)
	}
	// Zero column.
	z, _ := NewWeightNorm([]float64{0, 1, 0, 2}, 2, 2)
	if w := z.Weights(nil); w[0] != 0 || w[2] != 0 || w[1] != 1 || math.Abs(w[3]-2) > 1e-15 {
		t.Errorf("zero column reconstruction %v", w)
	}
}
