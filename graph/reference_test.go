package graph

import (
	"math/rand/v2"
	"testing"

	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

func TestForwardByHand(t *testing.T) {
	// 2 inputs → 2 hidden (ReLU, bias) → 1 output (linear, bias).
	s := MLP(2, []int{2}, 1, true, loss.MSE)
	theta := []float64{
		1, -1, // W1 row 0
		2, 1, // W1 row 1
		0.5, -3, // b1
		2,    // W2 row 0
		-1,   // W2 row 1
		0.25, // b2
	}
	X := []float64{1, 1, -1, 2}
	// x=(1,1): z1 = (1+2+0.5, -1+1-3) = (3.5, -3) → h = (3.5, 0) → f = 7 + 0.25
	// x=(-1,2): z1 = (-1+4+0.5, 1+2-3) = (3.5, 0) → h = (3.5, 0) → 7.25
	out, err := Forward(s, theta, X, 2)
	if err != nil {
		t.Fatal(err)
	}
	if out[0] != 7.25 || out[1] != 7.25 {
		t.Errorf("Forward = %v, want [7.25 7.25]", out)
	}
}

// A convolution by hand: one 3×3 image, a 2×2 kernel, stride 1, padding 0,
// then max-pooling 2×2 over the 2×2 result.
func TestConvPoolForwardByHand(t *testing.T) {
	s := Spec{Input: Shape{1, 3, 3}, Loss: loss.MSE, Layers: []Layer{
		&Conv2D{In: 1, Out: 1, Kernel: Pair{2, 2}, Stride: Pair{1, 1}, Bias: true, Activation: Linear},
		&MaxPool{Size: Pair{2, 2}},
		&Flatten{},
	}}
	theta := []float64{1, 0, 0, -1, 0.5} // W = [[1, 0], [0, −1]], b = 0.5
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 10}
	// y[r,c] = x[r,c] − x[r+1,c+1] + 0.5 = (1−5, 2−6, 4−8, 5−10) + 0.5 → max = −3.5
	out, err := Forward(s, theta, x, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0] != -3.5 {
		t.Errorf("Forward = %v, want [-3.5]", out)
	}
}

// The reference gradient equals central finite differences of the reference
// loss (1e-6 relative), for MLPs and CNNs (stride 2, padding 1, pooling), with
// and without biases, for both losses.
func TestReferenceGradientMatchesFiniteDifferences(t *testing.T) {
	for _, s := range referenceSpecs(t) {
		for _, k := range loss.Kinds {
			s.Loss = k
			r := randomReference(s, 5, 11)
			theta := randomVec(s.NumParams(), 0.8, 12)
			g := make([]float64, len(theta))
			if _, err := r.LossGrad(g, theta); err != nil {
				t.Fatal(err)
			}
			if e := numtest.MaxRelDiff(g, mustFDGradient(t, r.Loss, theta)); e > 1e-6 {
				t.Errorf("%s, %s: gradient differs from finite differences by %.3g", describeSpec(s), k, e)
			}
		}
	}
}

// Max-pooling over a tie (a window of equal values) passes the gradient to the
// first maximum in row-major order, as PyTorch does.
func TestMaxPoolTieGoesToFirstMaximum(t *testing.T) {
	l := &MaxPool{Size: Pair{2, 2}}
	in := Shape{1, 2, 4}
	x := []float64{0, 0, 1, 3, 0, 0, 3, 2}
	dx := l.backward(x, l.forward(x, 1, in, nil), []float64{1, 1}, 1, in, nil, nil)
	want := []float64{1, 0, 0, 1, 0, 0, 0, 0}
	for i := range want {
		if dx[i] != want[i] {
			t.Fatalf("∂/∂x = %v, want %v", dx, want)
		}
	}
}

func TestReferenceRefusesLabelsOutOfRange(t *testing.T) {
	r := &Reference{Spec: MLP(2, nil, 2, false, loss.MSE), X: []float64{1, 2}, N: 1, Labels: []int{5}}
	if _, err := r.Loss(make([]float64, 4)); err == nil {
		t.Error("label out of range accepted")
	}
}

// referenceSpecs are small networks of every layer kind.
func referenceSpecs(t testing.TB) []Spec {
	t.Helper()
	specs := []Spec{MLP(3, []int{5, 4}, 3, true, loss.CrossEntropy), MLP(3, []int{4}, 3, false, loss.CrossEntropy)}
	for _, bias := range []bool{true, false} {
		specs = append(specs, Spec{Input: Shape{2, 7, 6}, Loss: loss.CrossEntropy, Layers: []Layer{
			&Conv2D{In: 2, Out: 3, Kernel: Pair{3, 2}, Stride: Pair{1, 1}, Bias: bias, Activation: ReLU},
			&MaxPool{Size: Pair{2, 2}},
			&Conv2D{In: 3, Out: 2, Kernel: Pair{2, 2}, Stride: Pair{2, 2}, Padding: Pair{1, 1}, Bias: bias, Activation: ReLU},
			&Flatten{},
			&Dense{In: 8, Out: 3, Bias: bias, Activation: Linear},
		}})
	}
	for _, s := range specs {
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	return specs
}

func describeSpec(s Spec) string {
	d := s.Input.String()
	for _, l := range s.Layers {
		d += "→" + l.Kind()
	}
	if s.HasBias() {
		return d + " with biases"
	}
	return d + " without biases"
}

func randomReference(s Spec, n int, seed uint64) *Reference {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := make([]float64, n*s.Inputs())
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(s.Outputs())
	}
	return &Reference{Spec: s, X: x, N: n, Labels: y}
}

// mustFDGradient is the central finite-difference gradient of f (step 1e-6
// relative to each coordinate).
func mustFDGradient(t testing.TB, f func([]float64) (float64, error), theta []float64) []float64 {
	t.Helper()
	g, err := numtest.Gradient(f, theta, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
