package reparam

import (
	"math"
	"testing"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

func TestNeuronPreservesFunction(t *testing.T) {
	for _, sizes := range [][]int{{4, 6, 3}, {4, 6, 5, 3}, {3, 5, 5, 4, 2}} {
		for _, bias := range []bool{false, true} {
			tn := newTNet(t, sizes, bias, 20, 9)
			out := tn.forward(t, tn.theta)
			K := len(tn.spec.Layers)
			for layer := 0; layer < K-1; layer++ {
				th2, err := Neuron(tn.spec, tn.theta, layer, 1, 13.5)
				if err != nil {
					t.Fatal(err)
				}
				if e := Equivalence(out, tn.forward(t, th2)); e > 1e-12 {
					t.Errorf("sizes=%v bias=%v layer=%d: Equivalence %g", sizes, bias, layer, e)
				}
				// The incoming column and outgoing row really changed.
				if tn.weights(th2, layer)[1] == tn.weights(tn.theta, layer)[1] {
					t.Errorf("incoming weight not rescaled")
				}
				d := tn.spec.Layers[layer+1].(*graph.Dense)
				if got, want := tn.weights(th2, layer+1)[1*d.Out], tn.weights(tn.theta, layer+1)[1*d.Out]/13.5; math.Abs(got-want) > 1e-15*math.Abs(want) {
					t.Errorf("outgoing weight not rescaled by 1/c")
				}
			}
			th3, err := RandomNeurons(tn.spec, tn.theta, 1.0, 42)
			if err != nil {
				t.Fatal(err)
			}
			if e := Equivalence(out, tn.forward(t, th3)); e > 1e-12 {
				t.Errorf("sizes=%v bias=%v RandomNeurons: Equivalence %g", sizes, bias, e)
			}
			th4, _ := RandomNeurons(tn.spec, tn.theta, 1.0, 42)
			th5, _ := RandomNeurons(tn.spec, tn.theta, 1.0, 43)
			if numtest.MaxRelDiff(th3, th4) != 0 {
				t.Errorf("RandomNeurons not deterministic")
			}
			if numtest.MaxRelDiff(th3, th5) == 0 {
				t.Errorf("RandomNeurons ignores the seed")
			}
		}
	}
}

func TestNeuronErrors(t *testing.T) {
	tn := newTNet(t, []int{3, 4, 2}, true, 2, 1)
	if _, err := Neuron(tn.spec, tn.theta, 1, 0, 2); err == nil {
		t.Error("output layer accepted as hidden")
	}
	if _, err := Neuron(tn.spec, tn.theta, 0, 4, 2); err == nil {
		t.Error("unit out of range accepted")
	}
	if _, err := Neuron(tn.spec, tn.theta, 0, 0, -1); err == nil {
		t.Error("negative c accepted")
	}
	if _, err := RandomNeurons(tn.spec, tn.theta, -1, 1); err == nil {
		t.Error("negative logStd accepted")
	}
}

func TestNeuronGradientRelation(t *testing.T) {
	tn := newTNet(t, []int{4, 5, 4, 3}, true, 10, 21)
	r := tn.ref(loss.CrossEntropy)
	c, _ := RandomNeuronFactors(tn.spec, 0.7, 5)
	s, err := NeuronwiseScales(tn.spec, c)
	if err != nil {
		t.Fatal(err)
	}
	th2, _ := ApplyScales(tn.theta, s)
	D := DiagFromScales(s)
	g1 := make([]float64, r.Dim())
	g2 := make([]float64, r.Dim())
	r.LossGrad(g1, tn.theta)
	r.LossGrad(g2, th2)
	for i := range g1 {
		g1[i] *= D[i]
	}
	if e := numtest.MaxRelDiff(g2, g1); e > 1e-10 {
		t.Errorf("∇L(Sθ) vs D∇L(θ): rel err %g", e)
	}
	for i, v := range D {
		if math.IsInf(v, 0) || v <= 0 {
			t.Fatalf("bad D[%d] = %v", i, v)
		}
	}
}

// Per-channel rescaling — the CNN form of a neuron — keeps a CNN's function,
// through max-pooling and flattening, with and without biases (1e-12).
func TestChannelRescalingPreservesCNNFunction(t *testing.T) {
	for _, bias := range []bool{false, true} {
		tn := newTCNN(t, bias, 7, 3)
		out := tn.forward(t, tn.theta)
		c, err := RandomNeuronFactors(tn.spec, 1.0, 8)
		if err != nil {
			t.Fatal(err)
		}
		th, err := Neuronwise(tn.spec, tn.theta, c)
		if err != nil {
			t.Fatal(err)
		}
		if numtest.MaxRelDiff(th, tn.theta) < 1e-3 {
			t.Fatal("the rescaling changed nothing")
		}
		if e := Equivalence(out, tn.forward(t, th)); e > 1e-12 {
			t.Errorf("bias=%v: Equivalence %g", bias, e)
		}
	}
}

// The gradient transforms with D = 1/S under a per-channel rescaling of a CNN
// (analytic reference gradients, 1e-10 relative).
func TestChannelRescalingGradientRelation(t *testing.T) {
	tn := newTCNN(t, true, 6, 4)
	r := tn.ref(loss.CrossEntropy)
	c, _ := RandomNeuronFactors(tn.spec, 0.7, 5)
	s, err := NeuronwiseScales(tn.spec, c)
	if err != nil {
		t.Fatal(err)
	}
	th2, _ := ApplyScales(tn.theta, s)
	g1, g2 := make([]float64, r.Dim()), make([]float64, r.Dim())
	r.LossGrad(g1, tn.theta)
	r.LossGrad(g2, th2)
	for i, d := range DiagFromScales(s) {
		g1[i] *= d
	}
	if e := numtest.MaxRelDiff(g2, g1); e > 1e-10 {
		t.Errorf("∇L(Sθ) vs D∇L(θ): rel err %g", e)
	}
}

// A layer without parameters (max-pooling) cannot be rescaled.
func TestNeuronRefusesLayersWithoutParameters(t *testing.T) {
	tn := newTCNN(t, true, 2, 1)
	if _, err := Neuron(tn.spec, tn.theta, 1, 0, 2); err == nil {
		t.Error("a maxpool layer accepted as hidden")
	}
}
