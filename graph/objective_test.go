package graph

import (
	"fmt"
	"math"
	"testing"

	"github.com/minima-project/minima/reparam"
)

var testSpecs = []Spec{
	MLP(5, []int{4, 3}, 3, true, CrossEntropy),
	MLP(5, []int{4, 3}, 3, false, CrossEntropy),
	MLP(5, []int{6}, 3, true, MSE),
	MLP(4, nil, 3, true, CrossEntropy), // no hidden layer: multinomial logistic regression
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
			if d := maxRelDiff(g, fd); d > 1e-6 {
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
			if math.Abs(loss-l0) > 1e-13*math.Abs(l0) || maxRelDiff(g, g0) > 1e-13 {
				t.Fatalf("HVP run's loss/gradient differ from the gradient run's")
			}
			if d := maxRelDiff(hv, fdHVP(t, o, theta, v)); d > 1e-6 {
				t.Fatalf("Hv differs from finite differences of the gradient by %.3g relative", d)
			}
			// A second product with another v on the same graph must not reuse
			// anything from the first.
			v2 := randomVec(n, 1, 6)
			hv2 := make([]float64, n)
			if _, err := o.HVP(hv2, nil, theta, v2); err != nil {
				t.Fatal(err)
			}
			if d := maxRelDiff(hv2, fdHVP(t, o, theta, v2)); d > 1e-6 {
				t.Fatalf("second Hv differs from finite differences by %.3g relative", d)
			}
		})
	}
}

// Logits are the network outputs f(x), equal to the independent pure-Go
// forward pass of package reparam (1e-12 relative), for both losses: the loss
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
		var ls []reparam.Dense
		for _, l := range s.Layers {
			ls = append(ls, reparam.Dense{In: l.In, Out: l.Out, Bias: l.Bias})
		}
		layout, err := reparam.NewLayout(ls...)
		if err != nil {
			t.Fatal(err)
		}
		want := reparam.Forward(layout, theta, set.X, set.N)
		if d := maxRelDiff(got, want); d > 1e-12 {
			t.Errorf("spec %d (%s): logits differ from the reference forward by %.3g", i, s.Loss, d)
		}
	}
}
