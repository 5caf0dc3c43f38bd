package graph

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

var testSpecs = []Spec{
	MLP(5, []int{4, 3}, 3, true, loss.CrossEntropy),
	MLP(5, []int{4, 3}, 3, false, loss.CrossEntropy),
	MLP(5, []int{6}, 3, true, loss.MSE),
	MLP(4, nil, 3, true, loss.CrossEntropy), // no hidden layer: multinomial logistic regression
	twoConvCNN(true, loss.CrossEntropy),
	twoConvCNN(false, loss.MSE),
}

// twoConvCNN is conv(2→3, 3×3, padding 1, relu) → maxpool 2 →
// conv(3→2, 3×3, stride 2, padding 1, relu) → maxpool 2 → flatten →
// dense(→4, relu) → dense(→3) on 2×8×8 images.
func twoConvCNN(bias bool, l loss.Kind) Spec {
	return Spec{Input: Shape{2, 8, 8}, Loss: l, Layers: []Layer{
		&Conv2D{In: 2, Out: 3, Kernel: Pair{3, 3}, Stride: Pair{1, 1}, Padding: Pair{1, 1}, Bias: bias, Activation: ReLU},
		&MaxPool{Size: Pair{2, 2}, Stride: Pair{2, 2}},
		&Conv2D{In: 3, Out: 2, Kernel: Pair{3, 3}, Stride: Pair{2, 2}, Padding: Pair{1, 1}, Bias: bias, Activation: ReLU},
		&MaxPool{Size: Pair{2, 2}, Stride: Pair{2, 2}},
		&Flatten{},
		&Dense{In: 2, Out: 4, Bias: bias, Activation: ReLU},
		&Dense{In: 4, Out: 3, Bias: bias, Activation: Linear},
	}}
}

// The graph's gradient equals the plain-Go reference backpropagation through
// every layer kind (1e-12 relative): two independent computations.
func TestGradientMatchesReference(t *testing.T) {
	for i, s := range testSpecs {
		set := randomSet(13, s.Inputs(), s.Outputs(), 31)
		o := mustObjective(t, s, set, 5)
		theta := randomVec(o.Dim(), 0.7, 32)
		g, want := make([]float64, o.Dim()), make([]float64, o.Dim())
		l, err := o.LossGrad(g, theta)
		if err != nil {
			t.Fatal(err)
		}
		r := &Reference{Spec: s, X: set.X, N: set.N, Labels: set.Y}
		lr, err := r.LossGrad(want, theta)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(l-lr) > 1e-12*math.Abs(lr) || numtest.MaxRelDiff(g, want) > 1e-12 {
			t.Errorf("spec %d (%s): loss %v vs %v, gradient differs by %.3g", i, describeSpec(s), l, lr, numtest.MaxRelDiff(g, want))
		}
	}
}

// Central finite differences of the loss with h = 1e-5 have error O(h²·L”') ≈
// 1e-10 plus rounding ε·L/h ≈ 1e-11 here; 1e-6 relative is a safe bound that a
// wrong derivative (errors of order 1) cannot meet.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for i, s := range testSpecs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			o := mustObjective(t, s, randomSet(13, s.Inputs(), s.Outputs(), 1), 0)
			theta := randomVec(o.Dim(), 0.7, 2)
			g := make([]float64, o.Dim())
			loss, err := o.LossGrad(g, theta)
			if err != nil {
				t.Fatal(err)
			}
			l0, err := o.Loss(theta)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(l0-loss) > 1e-13*math.Abs(loss) {
				t.Fatalf("loss from forward %v, from gradient run %v", l0, loss)
			}
			fd := make([]float64, o.Dim())
			const h = 1e-5
			for j := range theta {
				tp := append([]float64(nil), theta...)
				tp[j] += h
				lp, _ := o.Loss(tp)
				tp[j] -= 2 * h
				lm, _ := o.Loss(tp)
				fd[j] = (lp - lm) / (2 * h)
			}
			if d := numtest.MaxRelDiff(g, fd); d > 1e-6 {
				t.Fatalf("gradient differs from finite differences by %.3g relative", d)
			}
		})
	}
}

// Hv against central differences of the gradient: (∇L(θ+hv) − ∇L(θ−hv)) / 2h.
// ReLU kinks are not crossed for random θ and small h, so the difference is
// O(h²) ≈ 1e-10; 1e-6 relative is the bound.
func TestHVPMatchesFiniteDifferencesOfGradient(t *testing.T) {
	for i, s := range testSpecs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			o := mustObjective(t, s, randomSet(13, s.Inputs(), s.Outputs(), 3), 0)
			n := o.Dim()
			theta := randomVec(n, 0.7, 4)
			v := randomVec(n, 1, 5)
			hv := make([]float64, n)
			g := make([]float64, n)
			loss, err := o.HVP(hv, g, theta, v)
			if err != nil {
				t.Fatal(err)
			}
			g0 := make([]float64, n)
			l0, _ := o.LossGrad(g0, theta)
			if math.Abs(loss-l0) > 1e-13*math.Abs(l0) || numtest.MaxRelDiff(g, g0) > 1e-13 {
				t.Fatalf("HVP run's loss/gradient differ from the gradient run's")
			}
			if d := numtest.MaxRelDiff(hv, fdHVP(t, o, theta, v)); d > 1e-6 {
				t.Fatalf("Hv differs from finite differences of the gradient by %.3g relative", d)
			}
			// A second product with another v on the same graph must not reuse
			// anything from the first.
			v2 := randomVec(n, 1, 6)
			hv2 := make([]float64, n)
			if _, err := o.HVP(hv2, nil, theta, v2); err != nil {
				t.Fatal(err)
			}
			if d := numtest.MaxRelDiff(hv2, fdHVP(t, o, theta, v2)); d > 1e-6 {
				t.Fatalf("second Hv differs from finite differences by %.3g relative", d)
			}
		})
	}
}

// Logits are the network outputs f(x), equal to the independent pure-Go
// reference forward pass (1e-12 relative), for both losses: the loss
// ops must not leave their in-place work in the outputs.
func TestLogitsMatchReferenceForward(t *testing.T) {
	for i, s := range testSpecs {
		set := randomSet(13, s.Inputs(), s.Outputs(), 20)
		o := mustObjective(t, s, set, 5)
		theta := randomVec(o.Dim(), 0.7, 21)
		got, err := o.Logits(theta)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Forward(s, theta, set.X, set.N)
		if err != nil {
			t.Fatal(err)
		}
		if d := numtest.MaxRelDiff(got, want); d > 1e-12 {
			t.Errorf("spec %d (%s): logits differ from the reference forward by %.3g", i, s.Loss, d)
		}
	}
}

// Hessian.Prepare compiles the product's program before the first product,
// which then gives the same bits as without it.
func TestHessianPrepareCompilesAhead(t *testing.T) {
	s := testSpecs[4]
	set := randomSet(13, s.Inputs(), s.Outputs(), 3)
	theta := randomVec(s.NumParams(), 0.7, 4)
	v := randomVec(s.NumParams(), 1, 5)
	apply := func(prepare bool) []float64 {
		o := mustObjective(t, s, set, 0)
		h, err := o.Hessian(theta)
		if err != nil {
			t.Fatal(err)
		}
		if prepare {
			if err := h.Prepare(); err != nil {
				t.Fatal(err)
			}
			if o.hvp == nil || len(o.hvp.progs) != 1 {
				t.Fatal("Prepare compiled no program")
			}
		}
		hv := make([]float64, len(theta))
		if err := h.Apply(hv, v); err != nil {
			t.Fatal(err)
		}
		if len(o.hvp.progs) != 1 {
			t.Fatalf("%d programs after Prepare and Apply, want the one Prepare compiled", len(o.hvp.progs))
		}
		return hv
	}
	if a, b := apply(true), apply(false); !slices.Equal(a, b) {
		t.Fatal("Apply after Prepare differs from Apply alone")
	}
}
