package reparam

import (
	"fmt"
	"math"
)

// WeightNorm is the weight-normalisation reparametrization (Salimans & Kingma
// 2016) of an In×Out weight matrix W (row-major, as in Layout): each output unit j
// (column j) is written w_j = S[j]·v_j/‖v_j‖₂. The network depends on v only through
// its direction, so v_j ↦ α v_j (α > 0) leaves W — and the loss — unchanged, while
// ∂L/∂v_j scales by 1/α and the Hessian block of v_j by 1/α². This is the
// reparametrization discussed in Section 5 of Dinh et al.: the curvature in v can
// be made arbitrarily large or small without changing the function.
type WeightNorm struct {
	// In and Out are the dimensions of W (In×Out).
	In, Out int
	// S holds the Out column scales s_j.
	S []float64
	// V holds the In×Out direction parameters, row-major; column j is v_j.
	V []float64
}

// NewWeightNorm decomposes w (In×Out, row-major) as s_j = ‖w_j‖₂ and v_j = w_j
// (copied). A zero column gives s_j = 0 and v_j = 0, which Weights maps back to 0.
func NewWeightNorm(w []float64, in, out int) (*WeightNorm, error) {
	if in <= 0 || out <= 0 || len(w) != in*out {
		return nil, fmt.Errorf("reparam: NewWeightNorm: len(w) = %d, want %d×%d", len(w), in, out)
	}
	wn := &WeightNorm{In: in, Out: out, S: make([]float64, out), V: append([]float64(nil), w...)}
	for j := 0; j < out; j++ {
		wn.S[j] = wn.colNorm(j)
	}
	return wn, nil
}

// colNorm returns ‖v_j‖₂.
func (wn *WeightNorm) colNorm(j int) float64 {
	s := 0.0
	for i := 0; i < wn.In; i++ {
		v := wn.V[i*wn.Out+j]
		s = math.Hypot(s, v)
	}
	return s
}

// Weights reconstructs W = [s_j v_j/‖v_j‖] into dst (allocated if nil or too
// short) and returns it. Columns with ‖v_j‖ = 0 are set to 0.
func (wn *WeightNorm) Weights(dst []float64) []float64 {
	n := wn.In * wn.Out
	if len(dst) < n {
		dst = make([]float64, n)
	}
	dst = dst[:n]
	for j := 0; j < wn.Out; j++ {
		nv := wn.colNorm(j)
		f := 0.0
		if nv > 0 {
			f = wn.S[j] / nv
		}
		for i := 0; i < wn.In; i++ {
			dst[i*wn.Out+j] = f * wn.V[i*wn.Out+j]
		}
	}
	return dst
}

// ScaleV multiplies v_j by alpha for the listed units (all units if none are
// given). The reconstructed W is unchanged up to rounding. alpha must be positive.
func (wn *WeightNorm) ScaleV(alpha float64, units ...int) error {
	if !(alpha > 0) || math.IsInf(alpha, 1) {
		return fmt.Errorf("reparam: ScaleV: alpha = %v, want a positive finite number", alpha)
	}
	if len(units) == 0 {
		for i := range wn.V {
			wn.V[i] *= alpha
		}
		return nil
	}
	for _, j := range units {
		if j < 0 || j >= wn.Out {
			return fmt.Errorf("reparam: ScaleV: unit %d out of range [0,%d)", j, wn.Out)
		}
	}
	for _, j := range units {
		for i := 0; i < wn.In; i++ {
			wn.V[i*wn.Out+j] *= alpha
		}
	}
	return nil
}
