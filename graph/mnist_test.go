package graph

import (
	"os"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/loss"
)

// mnistSubset loads n real MNIST training images (make data fetches them; CI
// runs it before the tests), or skips when they are absent.
func mnistSubset(t *testing.T, n int) *datasets.Set {
	t.Helper()
	dir, err := datasets.FindMNIST("../data/mnist")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MNIST missing in CI (make test runs make data first): %v", err)
		}
		t.Skipf("MNIST not available (run 'make data'): %v", err)
	}
	train, _, err := datasets.LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	sub, _, err := datasets.StratifiedSubset(train, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// On real MNIST images, over several chunks (the last one padded), briefly
// trained: Hv equals central differences of the gradient (1e-6 relative, as
// in TestHVPMatchesFiniteDifferencesOfGradient) and the chunked results equal
// the one-chunk ones (1e-12).
func TestHVPOnMNIST(t *testing.T) {
	set := mnistSubset(t, 1200)
	s := MLP(784, []int{16}, 10, true, loss.CrossEntropy)
	res, err := Train(s, set, nil, TrainSettings{BatchSize: 64, Epochs: 1, LR: 0.05, Momentum: 0.9, Init: He, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	o := mustObjective(t, s, set, 500)
	one := mustObjective(t, s, set, 0)
	n := o.Dim()
	theta, v := res.Theta, randomVec(n, 1, 7)
	hv, hv1 := make([]float64, n), make([]float64, n)
	if _, err := o.HVP(hv, nil, theta, v); err != nil {
		t.Fatal(err)
	}
	if _, err := one.HVP(hv1, nil, theta, v); err != nil {
		t.Fatal(err)
	}
	if d := maxRelDiff(hv, hv1); d > 1e-12 {
		t.Errorf("chunked Hv differs from one chunk by %.3g", d)
	}
	if d := maxRelDiff(hv, fdHVP(t, o, theta, v)); d > 1e-6 {
		t.Errorf("Hv on MNIST differs from finite differences of the gradient by %.3g relative", d)
	}
}
