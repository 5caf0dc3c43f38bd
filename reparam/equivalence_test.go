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
