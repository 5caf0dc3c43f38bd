package measures

import (
	"errors"
	"fmt"
	"math"

	"github.com/minima-project/minima/loss"
)

// ErrNotHomogeneous is returned by FisherRao for a network with biases: there
// ⟨θ, ∇_θ f(x)⟩ ≠ K·f(x), so the closed form does not apply (use FisherRaoJVP
// with the true directional derivative).
var ErrNotHomogeneous = errors.New("measures: Fisher–Rao closed form ⟨θ,∇f⟩ = K·f needs a bias-free ReLU network")

// FisherRaoSettings describes the network for FisherRao.
type FisherRaoSettings struct {
	// Loss is the per-sample loss; "" means cross-entropy.
	Loss loss.Kind
	// Depth is K, the number of weight layers (≥ 1).
	Depth int
	// HasBias must be set when the network has biases; FisherRao then returns
	// ErrNotHomogeneous.
	HasBias bool
}

// FisherRaoResult holds squared Fisher–Rao norms ‖θ‖²_fr = θᵀF(θ)θ.
type FisherRaoResult struct {
	// Empirical uses the empirical Fisher, with the loss derivative at the given
	// labels: (1/N)Σ_i ⟨∂ℓ(f_i, y_i)/∂f, J_i⟩².
	Empirical float64
	// Model uses the model Fisher, with y drawn from the model, computed in
	// closed form (no sampling): for cross-entropy y ~ softmax(f) and
	// E_y⟨softmax(f) − e_y, J⟩² = Var_{y~softmax(f)}(J_y); for MSE the model is
	// y ~ N(f, I) (the Gaussian whose negative log-likelihood is ℓ up to a
	// constant), giving E_y⟨f − y, J⟩² = ‖J‖².
	Model float64
	// N is the number of samples.
	N int
}

// FisherRao computes the squared Fisher–Rao norm of Liang, Poggio, Rakhlin &
// Stokes (AISTATS 2019) of a bias-free ReLU network of depth K from its outputs:
// by positive K-homogeneity, f_{cθ} = c^K f_θ, so Euler's identity gives
// J = ⟨θ, ∇_θ f(x)⟩ = K·f(x) and
//
//	‖θ‖²_fr = θᵀFθ = E_x[⟨∂ℓ/∂f(x), K·f(x)⟩²].
//
// logits holds N×C network outputs (row-major), labels the N classes.
//
// The norm is defined through the function alone, so it is invariant under all
// function-preserving reparametrizations (layer-wise T_α and per-neuron
// rescalings) of a bias-free network. With biases the closed form is wrong and
// ErrNotHomogeneous is returned; θᵀFθ itself is still defined and, because those
// rescalings are linear maps T with F(Tθ) = T⁻ᵀF(θ)T⁻¹, still invariant:
// compute it with FisherRaoJVP.
func FisherRao(logits []float64, labels []int, classes int, s FisherRaoSettings) (*FisherRaoResult, error) {
	if s.HasBias {
		return nil, ErrNotHomogeneous
	}
	if s.Depth < 1 {
		return nil, fmt.Errorf("measures: FisherRao: Depth = %d, want ≥ 1", s.Depth)
	}
	jvp := make([]float64, len(logits))
	K := float64(s.Depth)
	for i, v := range logits {
		jvp[i] = K * v
	}
	return FisherRaoJVP(logits, jvp, labels, classes, s.Loss)
}

// FisherRaoJVP computes θᵀF(θ)θ = E_x[⟨∂ℓ/∂f(x), J(x)⟩²] from the outputs
// (logits, N×C) and the directional derivatives J(x) = ⟨θ, ∇_θ f(x)⟩ = d/dt
// f_{θ+tθ}(x)|_{t=0} (jvp, N×C), e.g. from a forward-mode product or finite
// differences. It is valid for any network, with or without biases.
func FisherRaoJVP(logits, jvp []float64, labels []int, classes int, kind loss.Kind) (*FisherRaoResult, error) {
	if kind == "" {
		kind = loss.CrossEntropy
	}
	if err := kind.Validate(); err != nil {
		return nil, fmt.Errorf("measures: FisherRao: %w", err)
	}
	N := len(labels)
	if classes < 1 || N == 0 || len(logits) != N*classes || len(jvp) != N*classes {
		return nil, fmt.Errorf("measures: FisherRao: len(logits) = %d, len(jvp) = %d, want %d×%d", len(logits), len(jvp), N, classes)
	}
	p := make([]float64, classes)
	var emp, model float64
	for i := 0; i < N; i++ {
		f := logits[i*classes : (i+1)*classes]
		J := jvp[i*classes : (i+1)*classes]
		y := labels[i]
		if y < 0 || y >= classes {
			return nil, fmt.Errorf("measures: FisherRao: label %d out of range [0,%d)", y, classes)
		}
		switch kind {
		case loss.CrossEntropy:
			m := math.Inf(-1)
			for _, v := range f {
				m = math.Max(m, v)
			}
			z := 0.0
			for c, v := range f {
				p[c] = math.Exp(v - m)
				z += p[c]
			}
			pj := 0.0
			for c := range p {
				p[c] /= z
				pj += p[c] * J[c]
			}
			d := pj - J[y] // ⟨softmax − e_y, J⟩
			emp += d * d
			for c := range p { // Var_{y~p}(J_y)
				model += p[c] * (J[c] - pj) * (J[c] - pj)
			}
		case loss.MSE:
			d, jj := 0.0, 0.0
			for c, v := range f {
				t := v
				if c == y {
					t--
				}
				d += t * J[c]
				jj += J[c] * J[c]
			}
			emp += d * d
			model += jj
		}
	}
	return &FisherRaoResult{Empirical: emp / float64(N), Model: model / float64(N), N: N}, nil
}
