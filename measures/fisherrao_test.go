package measures_test

import (
	"errors"
	"math"
	"testing"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/measures"
)

func TestFisherRaoByHand(t *testing.T) {
	// MSE: f = (1, 2), y = 0, K = 2: ∂ℓ/∂f = (0, 2), J = 2f = (2, 4), ⟨·,·⟩ = 8.
	r, err := measures.FisherRao([]float64{1, 2}, []int{0}, 2, measures.FisherRaoSettings{Loss: loss.MSE, Depth: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Empirical != 64 || r.Model != 20 {
		t.Errorf("mse: %+v, want Empirical 64, Model 20", r)
	}
	// Cross-entropy: f = (0, ln 3), p = (1/4, 3/4), y = 0, K = 2: J = (0, 2 ln 3),
	// ⟨p − e_0, J⟩ = 1.5 ln 3; Var_p(J) = p0 p1 (2 ln 3)² = 0.75 (ln 3)².
	l3 := math.Log(3)
	r, err = measures.FisherRao([]float64{0, l3, 0, l3}, []int{0, 0}, 2, measures.FisherRaoSettings{Depth: 2})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Empirical-2.25*l3*l3) > 1e-14 || math.Abs(r.Model-0.75*l3*l3) > 1e-14 || r.N != 2 {
		t.Errorf("ce: %+v, want %g, %g", r, 2.25*l3*l3, 0.75*l3*l3)
	}
	if _, err := measures.FisherRao([]float64{1, 2}, []int{0}, 2, measures.FisherRaoSettings{Depth: 2, HasBias: true}); !errors.Is(err, measures.ErrNotHomogeneous) {
		t.Errorf("biases: err = %v, want ErrNotHomogeneous", err)
	}
	if _, err := measures.FisherRao([]float64{1, 2}, []int{2}, 2, measures.FisherRaoSettings{Depth: 2}); err == nil {
		t.Error("label out of range accepted")
	}
}

// TestFisherRaoIsThetaFTheta checks ‖θ‖²_fr against θᵀF̂θ = (1/N)Σ⟨∇_θℓ_i, θ⟩²
// computed from per-sample gradients (empirical Fisher F̂), and the identity
// ⟨θ, ∇f⟩ = K·f for bias-free nets (which fails with biases). Tolerance 1e-6
// (finite-difference directional derivatives).
func TestFisherRaoIsThetaFTheta(t *testing.T) {
	for _, kind := range []loss.Kind{loss.CrossEntropy, loss.MSE} {
		for _, bias := range []bool{false, true} {
			net := newGeoNet(t, []int{3, 5, 4, 3}, bias, kind, 4)
			logits := geoForward(net.spec, net.theta, net.ref.X, net.ref.N)
			jvp := geoJVP(net.spec, net.theta, net.ref.X, net.ref.N)
			C := 3
			fr, err := measures.FisherRaoJVP(logits, jvp, net.ref.Labels, C, kind)
			if err != nil {
				t.Fatal(err)
			}
			// θᵀF̂θ from per-sample gradients.
			in := net.spec.Inputs()
			g := make([]float64, len(net.theta))
			sum := 0.0
			for i := 0; i < net.ref.N; i++ {
				one := &graph.Reference{Spec: net.spec, X: net.ref.X[i*in : (i+1)*in], N: 1, Labels: net.ref.Labels[i : i+1]}
				one.LossGrad(g, net.theta)
				d := 0.0
				for j := range g {
					d += g[j] * net.theta[j]
				}
				sum += d * d
			}
			want := sum / float64(net.ref.N)
			if math.Abs(fr.Empirical-want) > 1e-6*want {
				t.Errorf("%s bias=%v: FisherRaoJVP %g, θᵀF̂θ %g", kind, bias, fr.Empirical, want)
			}
			// K-homogeneity.
			maxDiff, scale := 0.0, 0.0
			for i := range jvp {
				maxDiff = math.Max(maxDiff, math.Abs(jvp[i]-3*logits[i]))
				scale = math.Max(scale, math.Abs(logits[i]))
			}
			if !bias {
				if maxDiff > 1e-7*scale {
					t.Errorf("%s: ⟨θ,∇f⟩ ≠ 3f: %g", kind, maxDiff/scale)
				}
				cf, err := measures.FisherRao(logits, net.ref.Labels, C, measures.FisherRaoSettings{Loss: kind, Depth: 3})
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(cf.Empirical-want) > 1e-6*want || math.Abs(cf.Model-fr.Model) > 1e-6*fr.Model {
					t.Errorf("%s: closed form %+v vs θᵀF̂θ %g / JVP %+v", kind, cf, want, fr)
				}
			} else if maxDiff < 1e-3*scale {
				t.Errorf("%s with biases: ⟨θ,∇f⟩ unexpectedly equals 3f", kind)
			}
		}
	}
}
