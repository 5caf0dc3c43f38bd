package reparam

import (
	"math"
	"testing"
)

func TestNeuronPreservesFunction(t *testing.T) {
	for _, sizes := range [][]int{{4, 6, 3}, {4, 6, 5, 3}, {3, 5, 5, 4, 2}} {
		for _, bias := range []bool{false, true} {
			tn := newTNet(t, sizes, bias, 20, 9)
			out := Forward(tn.layout, tn.theta, tn.X, tn.n)
			K := tn.layout.NumLayers()
			for layer := 0; layer < K-1; layer++ {
				th2, err := Neuron(tn.layout, tn.theta, layer, 1, 13.5)
				if err != nil {
					t.Fatal(err)
				}
				if e := Equivalence(out, Forward(tn.layout, th2, tn.X, tn.n)); e > 1e-12 {
					t.Errorf("sizes=%v bias=%v layer=%d: Equivalence %g", sizes, bias, layer, e)
				}
				// The incoming column and outgoing row really changed.
				if tn.layout.W(th2, layer)[1] == tn.layout.W(tn.theta, layer)[1] {
					t.Errorf("incoming weight not rescaled")
				}
				d := tn.layout.Layers[layer+1]
				if got, want := tn.layout.W(th2, layer+1)[1*d.Out], tn.layout.W(tn.theta, layer+1)[1*d.Out]/13.5; math.Abs(got-want) > 1e-15*math.Abs(want) {
					t.Errorf("outgoing weight not rescaled by 1/c")
				}
			}
			th3, err := RandomNeurons(tn.layout, tn.theta, 1.0, 42)
			if err != nil {
				t.Fatal(err)
			}
			if e := Equivalence(out, Forward(tn.layout, th3, tn.X, tn.n)); e > 1e-12 {
				t.Errorf("sizes=%v bias=%v RandomNeurons: Equivalence %g", sizes, bias, e)
			}
			th4, _ := RandomNeurons(tn.layout, tn.theta, 1.0, 42)
			th5, _ := RandomNeurons(tn.layout, tn.theta, 1.0, 43)
			if relErr(th3, th4) != 0 {
				t.Errorf("RandomNeurons not deterministic")
			}
			if relErr(th3, th5) == 0 {
				t.Errorf("RandomNeurons ignores the seed")
			}
		}
	}
}

func TestNeuronErrors(t *testing.T) {
	tn := newTNet(t, []int{3, 4, 2}, true, 2, 1)
	if _, err := Neuron(tn.layout, tn.theta, 1, 0, 2); err == nil {
		t.Error("output layer accepted as hidden")
	}
	if _, err := Neuron(tn.layout, tn.theta, 0, 4, 2); err == nil {
		t.Error("unit out of range accepted")
	}
	if _, err := Neuron(tn.layout, tn.theta, 0, 0, -1); err == nil {
		t.Error("negative c accepted")
	}
	if _, err := RandomNeurons(tn.layout, tn.theta, -1, 1); err == nil {
		t.Error("negative logStd accepted")
	}
}

func TestNeuronGradientRelation(t *testing.T) {
	tn := newTNet(t, []int{4, 5, 4, 3}, true, 10, 21)
	r := tn.ref(CrossEntropy)
	c, _ := RandomNeuronFactors(tn.layout, 0.7, 5)
	s, err := NeuronwiseScales(tn.layout, c)
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
	if e := relErr(g2, g1); e > 1e-10 {
		t.Errorf("∇L(Sθ) vs D∇L(θ): rel err %g", e)
	}
	for i, v := range D {
		if math.IsInf(v, 0) || v <= 0 {
			t.Fatalf("bad D[%d] = %v", i, v)
		}
	}
}
