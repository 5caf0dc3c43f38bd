package reparam

import "math"

// Equivalence returns the relative output difference
//
//	max_{i} |outA[i] − outB[i]| / max_{i} |outA[i]|
//
// over all samples and outputs of two flat output (e.g. logits) arrays, typically
// f_θ(X) and f_{T(θ)}(X). A function-preserving reparametrization gives a value
// at rounding level (≈1e-15 for float64). If outA is identically zero the
// absolute difference max|outA − outB| is returned instead; if the lengths differ
// the result is +Inf, and any NaN makes it NaN.
func Equivalence(outA, outB []float64) float64 {
	if len(outA) != len(outB) {
		return math.Inf(1)
	}
	diff, scale := 0.0, 0.0
	for i, a := range outA {
		d := math.Abs(a - outB[i])
		if math.IsNaN(d) {
			return math.NaN()
		}
		diff = math.Max(diff, d)
		scale = math.Max(scale, math.Abs(a))
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}
