package ops

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func addBiasOf(in []*G.Node) (*G.Node, error) { return AddBias(in[0], in[1]) }
func broadcastAddOf(in []*G.Node) (*G.Node, error) {
	return G.BroadcastAdd(in[0], in[1], nil, []byte{0})
}

// TestAddBiasMatchesBroadcastAdd: AddBias's value, gradients (x and b) and
// derivative through the gradients are those of gorgonia's BroadcastAdd bit
// for bit, with zeros of both signs, infinities and NaN among the values.
func TestAddBiasMatchesBroadcastAdd(t *testing.T) {
	x := dense(tensor.Shape{3, 4}, reluInput())
	b := dense(tensor.Shape{4}, []float64{1.5, math.Copysign(0, -1), math.Inf(-1), -2e-300})
	got := derivatives(t, addBiasOf, x, b)
	want := derivatives(t, broadcastAddOf, x, b)
	checkSameDerivatives(t, got, want, "value", "gradient in x", "gradient in b", "derivative of the gradients")
}

// TestAddBiasRejectsBadBias: a bias of the wrong length, or a matrix, is an
// error naming it.
func TestAddBiasRejectsBadBias(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("x"))
	for _, b := range []*G.Node{
		G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("short")),
		G.NewMatrix(g, tensor.Float64, G.WithShape(1, 4), G.WithName("row")),
		G.NewVector(g, tensor.Float32, G.WithShape(4), G.WithName("f32")),
	} {
		if _, err := AddBias(x, b); err == nil {
			t.Errorf("bias %v %v: no error", b.Shape(), b.Dtype())
		}
	}
}
