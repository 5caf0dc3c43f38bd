package reparam

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

// Tolerances used below:
//   - function preservation: Equivalence ≤ 1e-12 (rounding is ≈1e-15);
//   - gradient relation ∇L(Tθ) = D∇L(θ): analytic gradients, ≤ 1e-10 relative;
//     plus the same relation with finite-difference gradients, ≤ 1e-6;
//   - Hessian relation by finite differences of gradients: ≤ 1e-4 relative.

func TestLayerwisePreservesFunction(t *testing.T) {
	alphaSets := map[int][][]float64{
		2: {{0.1, 10}, {37, 1.0 / 37}},
		3: {{0.5, 4, 0.5}, {1e-3, 1e3, 1}, {3, 1, 1.0 / 3}},
		4: {{2, 0.25, 8, 0.25}, {0.1, 0.1, 10, 10}},
	}
	for K, sets := range alphaSets {
		sizes := []int{5}
		for k := 0; k < K-1; k++ {
			sizes = append(sizes, 7)
		}
		sizes = append(sizes, 3)
		for _, bias := range []bool{false, true} {
			tn := newTNet(t, sizes, bias, 20, uint64(K))
			out := tn.forward(t, tn.theta)
			for _, a := range sets {
				th2, err := Layerwise(tn.spec, tn.theta, a)
				if err != nil {
					t.Fatal(err)
				}
				out2 := tn.forward(t, th2)
				if e := Equivalence(out, out2); e > 1e-12 {
					t.Errorf("K=%d bias=%v alpha=%v: Equivalence = %g", K, bias, a, e)
				}
				// Negative control: scaling the weights without compensating the
				// biases changes the function.
				if bias {
					bad := append([]float64(nil), tn.theta...)
					for k := range a {
						w := tn.weights(bad, k)
						for i := range w {
							w[i] *= a[k]
						}
					}
					if e := Equivalence(out, tn.forward(t, bad)); e < 1e-3 {
						t.Errorf("K=%d alpha=%v: weights-only scaling with biases should change f, Equivalence = %g", K, a, e)
					}
				}
			}
		}
	}
}

func TestLayerwiseErrors(t *testing.T) {
	tn := newTNet(t, []int{3, 4, 2}, false, 2, 1)
	if _, err := Layerwise(tn.spec, tn.theta, []float64{2, 0.6}); err == nil {
		t.Error("∏α ≠ 1 accepted")
	}
	if _, err := Layerwise(tn.spec, tn.theta, []float64{2, 0.5 * (1 + 1e-10)}); err == nil {
		t.Error("∏α = 1+1e-10 accepted")
	}
	if _, err := Layerwise(tn.spec, tn.theta, []float64{-2, -0.5}); err == nil {
		t.Error("negative α accepted")
	}
	if _, err := Layerwise(tn.spec, tn.theta, []float64{1}); err == nil {
		t.Error("wrong number of α accepted")
	}
	if _, err := Layerwise(tn.spec, tn.theta[:3], []float64{1, 1}); err == nil {
		t.Error("short theta accepted")
	}
	if _, err := Layerwise(tn.spec, tn.theta, []float64{1e200, 1e-200}); err != nil {
		t.Errorf("extreme but valid α rejected: %v", err)
	}
}

func TestTwoLayerAlpha(t *testing.T) {
	a, err := TwoLayerAlpha(4, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if a[0] != 1 || a[1] != 5 || a[2] != 0.2 || a[3] != 1 {
		t.Errorf("TwoLayerAlpha(4,1,5) = %v", a)
	}
	a, _ = TwoLayerAlpha(3, 2, 5)
	if a[1] != 0.2 || a[2] != 5 || a[0] != 1 {
		t.Errorf("TwoLayerAlpha(3,2,5) = %v", a)
	}
	if err := CheckAlphas(a); err != nil {
		t.Error(err)
	}
	if _, err := TwoLayerAlpha(1, 0, 2); err == nil {
		t.Error("K=1 accepted")
	}
	if _, err := TwoLayerAlpha(3, 0, 0); err == nil {
		t.Error("alpha=0 accepted")
	}
}

func TestDiagGradientRelation(t *testing.T) {
	for _, bias := range []bool{false, true} {
		for _, kind := range []loss.Kind{loss.MSE, loss.CrossEntropy} {
			tn := newTNet(t, []int{4, 5, 5, 3}, bias, 12, 7)
			r := tn.ref(kind)
			alphas := []float64{0.3, 5, 1 / 1.5}
			th2, err := Layerwise(tn.spec, tn.theta, alphas)
			if err != nil {
				t.Fatal(err)
			}
			D, _ := Diag(tn.spec, alphas)
			g1 := make([]float64, r.Dim())
			g2 := make([]float64, r.Dim())
			l1, _ := r.LossGrad(g1, tn.theta)
			l2, _ := r.LossGrad(g2, th2)
			if math.Abs(l1-l2) > 1e-12*math.Abs(l1) {
				t.Errorf("loss changed: %v vs %v", l1, l2)
			}
			want := make([]float64, len(g1))
			for i := range g1 {
				want[i] = D[i] * g1[i]
			}
			if e := numtest.MaxRelDiff(g2, want); e > 1e-10 {
				t.Errorf("bias=%v %s: analytic ∇L(Tθ) vs D∇L(θ): rel err %g", bias, kind, e)
			}
			// Same with finite-difference gradients (also validates the analytic
			// gradient of Reference).
			f1 := fdGrad(t, r, tn.theta, 1e-6)
			f2 := fdGrad(t, r, th2, 1e-6)
			if e := numtest.MaxRelDiff(f1, g1); e > 1e-6 {
				t.Errorf("analytic vs FD gradient: rel err %g", e)
			}
			for i := range f1 {
				want[i] = D[i] * f1[i]
			}
			if e := numtest.MaxRelDiff(f2, want); e > 1e-6 {
				t.Errorf("bias=%v %s: FD ∇L(Tθ) vs D∇L(θ): rel err %g", bias, kind, e)
			}
		}
	}
}

func TestDiagHessianRelation(t *testing.T) {
	for _, bias := range []bool{false, true} {
		tn := newTNet(t, []int{3, 4, 3, 2}, bias, 10, 11)
		r := tn.ref(loss.CrossEntropy)
		alphas := []float64{4, 0.5, 0.5}
		th2, _ := Layerwise(tn.spec, tn.theta, alphas)
		D, _ := Diag(tn.spec, alphas)
		H1 := fdHessian(t, r, tn.theta, 1e-5)
		H2 := fdHessian(t, r, th2, 1e-5)
		n := len(D)
		var a, b []float64
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				a = append(a, H2[i][j])
				b = append(b, D[i]*H1[i][j]*D[j])
			}
		}
		if e := numtest.MaxRelDiff(a, b); e > 1e-4 {
			t.Errorf("bias=%v: H(Tθ) vs D H(θ) D: rel err %g", bias, e)
		}
		// Negative control: H itself is not invariant.
		if e := numtest.MaxRelDiff(a, flatten(H1)); e < 0.1 {
			t.Errorf("bias=%v: Hessian unexpectedly invariant (rel diff %g)", bias, e)
		}
	}
}

func flatten(H [][]float64) []float64 {
	var o []float64
	for _, r := range H {
		o = append(o, r...)
	}
	return o
}

// TestDinhSharpnessConstruction checks the construction behind Dinh et al.'s
// Theorem on ε-sharpness: for a bias-free 2-layer ReLU net and α = ε/‖θ_1‖₂, the
// point T_αθ = (αθ_1, θ_2/α) lies within ε (in L2) of (0, θ_2/α), where the network
// outputs exactly 0; so every L2 ball of radius ε around T_αθ contains a point of
// loss L(f≡0), however flat the minimum looked at θ.
func TestDinhSharpnessConstruction(t *testing.T) {
	tn := newTNet(t, []int{6, 8, 3}, false, 15, 3)
	for _, eps := range []float64{1e-1, 1e-3, 1e-6} {
		w1 := tn.weights(tn.theta, 0)
		alpha := eps / mat.Norm(mat.NewVecDense(len(w1), w1), 2)
		th2, err := Layerwise(tn.spec, tn.theta, []float64{alpha, 1 / alpha})
		if err != nil {
			t.Fatal(err)
		}
		if e := Equivalence(tn.forward(t, tn.theta), tn.forward(t, th2)); e > 1e-12 {
			t.Errorf("eps=%g: T_α changed f: %g", eps, e)
		}
		zero := append([]float64(nil), th2...)
		w := tn.weights(zero, 0)
		for i := range w {
			w[i] = 0
		}
		for i, v := range tn.forward(t, zero) {
			if v != 0 {
				t.Fatalf("eps=%g: output %d at θ_1=0 is %v, want exactly 0", eps, i, v)
			}
		}
		d := 0.0
		for i := range zero {
			d = math.Hypot(d, zero[i]-th2[i])
		}
		if d > eps*(1+1e-12) {
			t.Errorf("eps=%g: distance to θ_1=0 is %g > ε", eps, d)
		}
		// The original θ is far from that point (not within ε for small ε).
		if w1n := mat.Norm(mat.NewVecDense(len(w1), w1), 2); eps < 0.5*w1n && d >= w1n {
			t.Errorf("construction did not shrink distance: %g vs %g", d, w1n)
		}
	}
}

// TestLambdaMaxGrowth checks with explicit matrices that for a 2-layer net
// λ_max(D_α H D_α) ≥ α⁻² λ_max(H_11) (Rayleigh quotient on block 1), so λ_max grows
// at least like α⁻² as α → 0; uses a Hessian of the reference network.
func TestLambdaMaxGrowth(t *testing.T) {
	tn := newTNet(t, []int{3, 4, 2}, false, 10, 5)
	r := tn.ref(loss.MSE)
	H := fdHessian(t, r, tn.theta, 1e-5)
	n := len(H)
	n1 := 12
	h11 := mat.NewSymDense(n1, nil)
	for i := 0; i < n1; i++ {
		for j := 0; j < n1; j++ {
			h11.SetSym(i, j, H[i][j])
		}
	}
	lam11 := topEig(t, h11)
	if lam11 <= 0 {
		t.Fatalf("λ_max(H_11) = %g, want > 0", lam11)
	}
	prev := 0.0
	for _, alpha := range []float64{1, 0.1, 0.01, 0.001} {
		D, _ := Diag(tn.spec, []float64{alpha, 1 / alpha})
		M := mat.NewSymDense(n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				M.SetSym(i, j, D[i]*H[i][j]*D[j])
			}
		}
		lam := topEig(t, M)
		if lam < lam11/(alpha*alpha)*(1-1e-9) {
			t.Errorf("alpha=%g: λ_max(DHD) = %g < α⁻²λ_max(H_11) = %g", alpha, lam, lam11/(alpha*alpha))
		}
		if lam <= prev {
			t.Errorf("alpha=%g: λ_max did not grow (%g ≤ %g)", alpha, lam, prev)
		}
		prev = lam
	}
}

func topEig(t *testing.T, S *mat.SymDense) float64 {
	t.Helper()
	var e mat.EigenSym
	if !e.Factorize(S, false) {
		t.Fatal("eigendecomposition failed")
	}
	v := e.Values(nil)
	return v[len(v)-1]
}

// T_α keeps a CNN's function: it scales a convolution's kernel (and bias as
// for dense layers) and the next parametrised layer's weights by 1/α, and
// max-pooling commutes with the positive factor (1e-12).
func TestLayerwisePreservesCNNFunction(t *testing.T) {
	for _, bias := range []bool{false, true} {
		tn := newTCNN(t, bias, 7, 2)
		out := tn.forward(t, tn.theta)
		for _, a := range [][]float64{{10, 0.1, 1}, {1, 1e-3, 1e3}, {0.5, 4, 0.5}} {
			th, err := Layerwise(tn.spec, tn.theta, a)
			if err != nil {
				t.Fatal(err)
			}
			if e := Equivalence(out, tn.forward(t, th)); e > 1e-12 {
				t.Errorf("bias=%v alpha=%v: Equivalence %g", bias, a, e)
			}
		}
	}
}

func TestParamIndexNamesLayersWithParameters(t *testing.T) {
	tn := newTCNN(t, true, 1, 1)
	if i, err := ParamIndex(tn.spec, 3); err != nil || i != 1 { // conv, pool, flatten, dense, dense
		t.Errorf("ParamIndex(dense at 3) = %d, %v; want 1", i, err)
	}
	if _, err := ParamIndex(tn.spec, 1); err == nil {
		t.Error("a maxpool layer has no parameter index")
	}
}
