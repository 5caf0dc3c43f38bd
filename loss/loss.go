// Package loss names the per-sample losses minima's networks are trained and
// measured with, and evaluates them in plain Go (the reference computation that
// package graph's symbolic losses are checked against).
//
// One type, Kind, is the loss name everywhere: in model.json, on the command
// line, in graph, measures and reparam.
package loss

import (
	"fmt"
	"math"
)

// Kind names a per-sample loss ℓ(f, y) of a network output f ∈ R^C and a class
// y ∈ [0, C).
type Kind string

const (
	// CrossEntropy is ℓ = −log softmax(f)_y (natural log), with
	// ∂ℓ/∂f = softmax(f) − onehot(y).
	CrossEntropy Kind = "cross_entropy"
	// MSE is ℓ = ½‖f − onehot(y)‖², with ∂ℓ/∂f = f − onehot(y).
	MSE Kind = "mse"
)

// Kinds lists every loss, in the order help texts show them.
var Kinds = []Kind{CrossEntropy, MSE}

// Validate returns an error unless k is a known loss.
func (k Kind) Validate() error {
	switch k {
	case CrossEntropy, MSE:
		return nil
	}
	return fmt.Errorf("unknown loss %q (want %s or %s)", string(k), CrossEntropy, MSE)
}

// Eval returns ℓ(f, y) and, when df is not nil, writes ∂ℓ/∂f into df (len(f)
// values). The cross-entropy is computed from f shifted by its maximum, so
// large outputs neither overflow nor lose precision. Eval panics on an unknown
// kind or a label outside [0, len(f)): callers validate first.
func (k Kind) Eval(f []float64, y int, df []float64) float64 {
	if y < 0 || y >= len(f) {
		panic(fmt.Sprintf("loss: label %d out of range [0,%d)", y, len(f)))
	}
	switch k {
	case MSE:
		l := 0.0
		for c, v := range f {
			t := v
			if c == y {
				t--
			}
			l += 0.5 * t * t
			if df != nil {
				df[c] = t
			}
		}
		return l
	case CrossEntropy:
		m := math.Inf(-1)
		for _, v := range f {
			m = math.Max(m, v)
		}
		z := 0.0
		for _, v := range f {
			z += math.Exp(v - m)
		}
		lse := m + math.Log(z)
		if df != nil {
			for c, v := range f {
				df[c] = math.Exp(v - lse)
			}
			df[y]--
		}
		return lse - f[y]
	}
	panic(fmt.Sprintf("loss: unknown loss %q", string(k)))
}
