package reparam

import (
	"fmt"
	"math"

	"github.com/minima-project/minima/graph"
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
// length s.NumParams(): T_α(θ) = Scales ⊙ θ. alphas holds one factor per layer
// with parameters (s.ParamLayers(), in order; max-pooling and flattening have
// none): with K such layers, α_1 … α_K.
//
// The weights of the k-th parametrised layer get α_k, its bias c_k = ∏_{j≤k} α_j.
// This keeps the network function: by induction on k, the output of that layer
// becomes h_k' = c_k h_k, because
//
//	h_k' = φ(h_{k−1}'·α_kW_k + c_k b_k) = φ(c_k (h_{k−1}W_k + b_k)) = c_k h_k
//
// for c_k > 0 and φ = ReLU (positively homogeneous: φ(cz) = cφ(z)) or the
// identity; a convolution is linear in its input like a dense layer, and
// max-pooling and flattening between layers commute with the positive factor.
// The last layer has c_K = ∏α = 1, so the output is unchanged. Without biases,
// only the weights are scaled and T_α is exactly Dinh et al.'s map.
//
// Scales returns an error if len(alphas) ≠ K or CheckAlphas fails.
func Scales(s graph.Spec, alphas []float64) ([]float64, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	pl := s.ParamLayers()
	if len(alphas) != len(pl) {
		return nil, fmt.Errorf("reparam: %d alphas for %d layers with parameters", len(alphas), len(pl))
	}
	if err := CheckAlphas(alphas); err != nil {
		return nil, err
	}
	c := make([][]float64, len(s.Layers))
	prod := 1.0
	for i, k := range pl[:len(pl)-1] {
		prod *= alphas[i]
		c[k] = make([]float64, s.Units(k))
		for j := range c[k] {
			c[k][j] = prod
		}
	}
	return s.Rescaling(c)
}

// Layerwise returns T_α(θ) = Scales(spec, alphas) ⊙ θ as a new slice: W_k ← α_kW_k
// and b_k ← (∏_{j≤k}α_j) b_k. Every α_k must be positive and ∏α_k = 1 (relative
// ProdTol), otherwise an error is returned; theta must have length spec.NumParams().
func Layerwise(spec graph.Spec, theta, alphas []float64) ([]float64, error) {
	s, err := Scales(spec, alphas)
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
func Diag(spec graph.Spec, alphas []float64) ([]float64, error) {
	s, err := Scales(spec, alphas)
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

// TwoLayerAlpha returns α ∈ R^K (K layers with parameters, indexed in
// Spec.ParamLayers order) with α[layer] = alpha, 1/alpha on one partner layer
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

// ParamIndex returns the position of layer k of spec among its layers with
// parameters (the index TwoLayerAlpha and Scales use), or an error naming the
// layers that have parameters.
func ParamIndex(spec graph.Spec, k int) (int, error) {
	pl := spec.ParamLayers()
	for i, l := range pl {
		if l == k {
			return i, nil
		}
	}
	if k < 0 || k >= len(spec.Layers) {
		return 0, fmt.Errorf("reparam: layer %d out of range [0,%d)", k, len(spec.Layers))
	}
	return 0, fmt.Errorf("reparam: layer %d (%s) has no parameters; the layers with parameters are %v", k, spec.Layers[k].Kind(), pl)
}
