package graph

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/loss"
)

// separable returns n samples labelled by which of 3 fixed directions has the
// largest projection: a task a small MLP learns quickly.
func separable(n int, seed int64) *datasets.Set {
	s := randomSet(n, 4, 3, seed)
	for i := 0; i < n; i++ {
		x := s.X[i*4 : i*4+4]
		p := []float64{x[0] + x[1], x[2] - x[0], x[3] - x[1]}
		s.Y[i] = argmax(p)
	}
	return s
}

func TestTrainDeterministicAndLearns(t *testing.T) {
	s := MLP(4, []int{16}, 3, true, loss.CrossEntropy)
	train, test := separable(200, 1), separable(100, 2)
	ts := TrainSettings{BatchSize: 32, Epochs: 15, LR: 0.1, Momentum: 0.9, Init: He, Seed: 5}
	a, err := Train(s, train, test, ts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(s, train, test, ts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Theta, b.Theta) {
		t.Fatal("same seed gave different parameters")
	}
	ts.Seed = 6
	c, _ := Train(s, train, test, ts)
	if slices.Equal(a.Theta, c.Theta) {
		t.Fatal("different seeds gave identical parameters")
	}
	first, last := a.History[0], a.History[len(a.History)-1]
	if len(a.History) != 15 || !(last.TrainLoss < first.TrainLoss) || *last.TestAcc < 0.85 {
		t.Fatalf("training did not learn: first %+v last %+v", first, last)
	}
	// The recorded metrics are those of the returned θ.
	o := mustObjective(t, s, test, 0)
	l, acc, _ := o.Evaluate(a.Theta)
	if math.Abs(l-*last.TestLoss) > 1e-12 || acc != *last.TestAcc {
		t.Fatalf("history says test loss %v acc %v, θ gives %v %v", *last.TestLoss, *last.TestAcc, l, acc)
	}
}

func TestTrainDivergenceIsAnError(t *testing.T) {
	s := MLP(4, []int{16}, 3, true, loss.MSE)
	_, err := Train(s, separable(64, 1), nil, TrainSettings{BatchSize: 8, Epochs: 5, LR: 1e6, Init: He, Seed: 1})
	if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "epoch 1") {
		t.Fatalf("want a divergence error naming the epoch, got %v", err)
	}
}

func TestTrainSettingsValidate(t *testing.T) {
	s := MLP(4, nil, 3, true, loss.MSE)
	for _, ts := range []TrainSettings{
		{BatchSize: 0, Epochs: 1, LR: 0.1, Init: He},
		{BatchSize: 1, Epochs: 1, LR: 0, Init: He},
		{BatchSize: 1, Epochs: 1, LR: 0.1, Momentum: 1, Init: He},
		{BatchSize: 1, Epochs: 1, LR: 0.1, Init: "zeros"},
	} {
		if _, err := Train(s, separable(8, 1), nil, ts); err == nil {
			t.Errorf("%+v: want an error", ts)
		}
	}
}
