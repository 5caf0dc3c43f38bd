package study

import (
	"slices"
	"testing"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
)

// trainTiny trains a 4-4-3 MLP on the 30 tiny cluster points with batch 7
// (5 steps per epoch, the last of 2 samples) for epochs or steps.
func trainTiny(t *testing.T, epochs, steps int) *graph.Model {
	t.Helper()
	ts := graph.TrainSettings{BatchSize: 7, Epochs: epochs, Steps: steps, LR: 0.05, Momentum: 0.9, Init: graph.He, Seed: 3}
	m, _, _, err := trainModel(tinySource(), ArchSettings{Arch: ArchMLP, Hidden: []int{4}, Bias: true, Loss: loss.CrossEntropy}, ts, Env{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Whole epochs' worth of steps is those epochs, bit for bit.
func TestTrainStepsOfWholeEpochsEqualEpochs(t *testing.T) {
	if a, b := trainTiny(t, 2, 0), trainTiny(t, 0, 10); !slices.Equal(a.Theta, b.Theta) || len(b.Train.History) != 2 {
		t.Fatalf("10 steps (%d epochs recorded) differ from 2 epochs of 5 steps", len(b.Train.History))
	}
}

// One step more is a third epoch cut short after its first step: θ moves
// and the history records the partial epoch.
func TestTrainStepsCutTheLastEpochShort(t *testing.T) {
	a, b := trainTiny(t, 2, 0), trainTiny(t, 0, 11)
	if slices.Equal(a.Theta, b.Theta) || len(b.Train.History) != 3 {
		t.Fatalf("11 steps: θ equal to 2 epochs' %v, %d epochs recorded (want 3)", slices.Equal(a.Theta, b.Theta), len(b.Train.History))
	}
	if c := trainTiny(t, 3, 0); slices.Equal(c.Theta, b.Theta) {
		t.Fatal("11 steps equal 3 whole epochs (15 steps)")
	}
}
