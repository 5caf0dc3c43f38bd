package loss

import (
	"math"
	"testing"
)

func TestEvalKnownValues(t *testing.T) {
	f := []float64{1, 2, 3}
	// −log softmax(f)_0 = log(e + e² + e³) − 1.
	want := math.Log(math.E+math.Exp(2)+math.Exp(3)) - 1
	if got := CrossEntropy.Eval(f, 0, nil); math.Abs(got-want) > 1e-15 {
		t.Errorf("cross-entropy = %v, want %v", got, want)
	}
	// ½((1)² + (2−1)² + 3²) = 5.5 with y = 1.
	if got := MSE.Eval(f, 1, nil); got != 5.5 {
		t.Errorf("mse = %v, want 5.5", got)
	}
}

func TestEvalDerivativeMatchesFiniteDifferences(t *testing.T) {
	f := []float64{0.3, -1.2, 2.5, 0.1}
	for _, k := range Kinds {
		df := make([]float64, len(f))
		k.Eval(f, 2, df)
		for c := range f {
			const h = 1e-6
			x := append([]float64(nil), f...)
			x[c] = f[c] + h
			lp := k.Eval(x, 2, nil)
			x[c] = f[c] - h
			lm := k.Eval(x, 2, nil)
			if fd := (lp - lm) / (2 * h); math.Abs(fd-df[c]) > 1e-8 {
				t.Errorf("%s: ∂ℓ/∂f_%d = %v, finite differences %v", k, c, df[c], fd)
			}
		}
	}
}

func TestCrossEntropyIsStableForLargeOutputs(t *testing.T) {
	if got := CrossEntropy.Eval([]float64{1000, 0}, 0, nil); got != 0 {
		t.Errorf("cross-entropy of a confident right answer = %v, want 0", got)
	}
}

func TestValidateRejectsUnknownNames(t *testing.T) {
	if err := Kind("hinge").Validate(); err == nil {
		t.Error("hinge accepted")
	}
	for _, k := range Kinds {
		if err := k.Validate(); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}
