package reparam

import (
	"fmt"
	"math"
)

// ProdTol is the tolerance on ∏α_k = 1 accepted by Layerwise, Scales and Diag:
// |Σ_k log α_k| ≤ ProdTol, i.e. the product is 1 to a relative 1e-12. The sum of
// logarithms is used instead of the product so that extreme factors such as
// α = (1e200, 1e-200) neither overflow nor underflow.
const ProdTol = 1e-12

// CheckAlphas returns an error unless every α_k is positive and finite and
// ∏α_k = 1 to a relative ProdTol.
func CheckAlphas(alphas []float64) error {
	s := 0.0
	for k, a := range alphas {
		if !(a > 0) || math.IsInf(a, 1) {
			return fmt.Errorf("reparam: alpha[%d] = %v, want a positive finite number", k, a)
		}
		s += math.Log(a)
	}
	if math.Abs(s) > ProdTol {
		return fmt.Errorf("reparam: product of alphas is exp(%g) ≠ 1", s)
	}
	return nil
}

// Scales returns the diagonal of the layer-wise rescaling T_α as a vector of
// length layout.Dim(): T_α(θ) = Scales ⊙ θ.
//
// The entries of W_k get α_k. The entries of b_k get c_k = ∏_{j≤k} α_j. This
// keeps the network function: by induction on k, the output of layer k becomes
// h_k' = c_k h_k, because
//
//	h_k' = φ(h_{k−1}'·α_kW_k + c_k b_k) = φ(c_k (h_{k−1}W_k + b_k)) = c_k h_k
//
// for c_k > 0 and φ = ReLU (positively homogeneous: φ(cz) = cφ(z)) or the identity.
// The last layer has c_K = ∏α = 1, so the output is unchanged. Without biases,
// only the W_k entries exist and T_α is exactly Dinh et al.'s map.
//
// Scales returns an error if len(alphas) ≠ K or CheckAlphas fails.
func Scales(layout Layout, alphas []float64) ([]float64, error) {
	if err := layout.Validate(); err != nil {
		return nil, err
	}
	if len(alphas) != layout.NumLayers() {
		return nil, fmt.Errorf("reparam: %d alphas for %d layers", len(alphas), layout.NumLayers())
	}
	if err := CheckAlphas(alphas); err != nil {
		return nil, err
	}
	s := make([]float64, layout.Dim())
	c := 1.0
	for k, d := range layout.Layers {
		c *= alphas[k]
		off := layout.WOffset(k)
		for i := 0; i < d.In*d.Out; i++ {
			s[off+i] = alphas[k]
		}
		if d.Bias {
			off += d.In * d.Out
			for j := 0; j < d.Out; j++ {
				s[off+j] = c
			}
		}
	}
	return s, nil
}

// Layerwise returns T_α(θ) = Scales(layout, alphas) ⊙ θ as a new slice: W_k ← α_kW_k
// and b_k ← (∏_{j≤k}α_j) b_k. Every α_k must be positive and ∏α_k = 1 (relative
// ProdTol), otherwise an error is returned; theta must have length layout.Dim().
func Layerwise(layout Layout, theta, alphas []float64) ([]float64, error) {
	s, err := Scales(layout, alphas)
	if err != nil {
		return nil, err
	}
	return ApplyScales(theta, s)
}

// Diag returns the diagonal of D_α = T_α⁻¹ (entrywise 1/Scales): α_k⁻¹ on the
// entries of W_k and (∏_{j≤k}α_j)⁻¹ on those of b_k. Since L(T_αθ) = L(θ) for every
// θ and T_α is linear and diagonal,
//
//	∇L(T_αθ) = D_α ∇L(θ),   ∇²L(T_αθ) = D_α ∇²L(θ) D_α,
//
// which holds with biases too. This is the D_α of Dinh et al. (Section 4).
func Diag(layout Layout, alphas []float64) ([]float64, error) {
	s, err := Scales(layout, alphas)
	if err != nil {
		return nil, err
	}
	return DiagFromScales(s), nil
}

// DiagFromScales returns 1/s elementwise: the diagonal D of the gradient and
// Hessian transformation (∇L(S⊙θ) = D⊙∇L(θ), ∇²L(S⊙θ) = D∇²L(θ)D) for any
// function-preserving diagonal reparametrization θ ↦ S⊙θ, such as those built by
// Scales, NeuronScales and NeuronwiseScales.
func DiagFromScales(s []float64) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = 1 / v
	}
	return d
}

// ApplyScales returns s ⊙ theta as a new slice. It returns an error if the lengths
// differ.
func ApplyScales(theta, s []float64) ([]float64, error) {
	if len(theta) != len(s) {
		return nil, fmt.Errorf("reparam: len(theta) = %d, len(scales) = %d", len(theta), len(s))
	}
	out := make([]float64, len(theta))
	for i := range theta {
		out[i] = s[i] * theta[i]
	}
	return out, nil
}

// TwoLayerAlpha returns α ∈ R^K with α[layer] = alpha, 1/alpha on one partner layer
// and 1 elsewhere, so that ∏α = 1. The partner is the next layer (layer+1), or the
// previous layer when layer is the last one. An adjacent partner is chosen because
// then, with biases, only b_layer is rescaled (by alpha, or, when the partner is the
// previous layer, only b_{layer−1} by 1/alpha): all other hidden representations
// are untouched. With K = 2 and layer = 0 this is Dinh et al.'s (α, α⁻¹).
//
// It returns an error if K < 2, layer is out of range or alpha is not positive.
func TwoLayerAlpha(K, layer int, alpha float64) ([]float64, error) {
	if K < 2 {
		return nil, fmt.Errorf("reparam: TwoLayerAlpha needs K ≥ 2, got %d", K)
	}
	if layer < 0 || layer >= K {
		return nil, fmt.Errorf("reparam: layer %d out of range [0,%d)", layer, K)
	}
	if !(alpha > 0) || math.IsInf(alpha, 1) {
		return nil, fmt.Errorf("reparam: alpha = %v, want a positive finite number", alpha)
	}
	a := make([]float64, K)
	for i := range a {
		a[i] = 1
	}
	partner := layer + 1
	if layer == K-1 {
		partner = layer - 1
	}
	a[layer] = alpha
	a[partner] = 1 / alpha
	return a, nil
}
