package graph

import (
	"fmt"
)

// Size limits that Validate enforces, so that a corrupt or hostile model.json
// cannot make minima allocate absurd amounts of memory.
const (
	MaxWidth  = 1 << 24 // units of one layer
	MaxParams = 1 << 28 // parameters of a network (2 GiB as float64)
)

// Activation names.
const (
	ReLU   = "relu"
	Linear = "linear"
)

// Loss names.
const (
	// CrossEntropy is the mean over samples of −log softmax(f(x))_y (natural log).
	CrossEntropy = "cross_entropy"
	// MSE is the mean over samples of ½‖f(x) − onehot(y)‖².
	MSE = "mse"
)

// Layer is one dense layer: x·W + b with W shaped (In, Out), then Activation.
// Its JSON form is the one model.json uses.
type Layer struct {
	Type       string `json:"type"`
	In         int    `json:"in"`
	Out        int    `json:"out"`
	Bias       bool   `json:"bias"`
	Activation string `json:"activation"`
}

// Spec is a network architecture and its loss.
type Spec struct {
	Layers []Layer
	Loss   string
}

// MLP returns the spec of a ReLU multi-layer perceptron in → hidden… → out with a
// linear last layer; bias says whether every layer has a bias.
func MLP(in int, hidden []int, out int, bias bool, loss string) Spec {
	var s Spec
	s.Loss = loss
	prev := in
	for _, h := range hidden {
		s.Layers = append(s.Layers, Layer{Type: "dense", In: prev, Out: h, Bias: bias, Activation: ReLU})
		prev = h
	}
	s.Layers = append(s.Layers, Layer{Type: "dense", In: prev, Out: out, Bias: bias, Activation: Linear})
	return s
}

// Validate checks that the layers chain, sizes are positive, and the activation
// and loss names are known.
func (s Spec) Validate() error {
	if len(s.Layers) == 0 {
		return fmt.Errorf("graph: network has no layers")
	}
	for k, l := range s.Layers {
		if l.Type != "dense" {
			return fmt.Errorf("graph: layer %d: unknown type %q (want \"dense\")", k, l.Type)
		}
		if l.In <= 0 || l.Out <= 0 || l.In > MaxWidth || l.Out > MaxWidth {
			return fmt.Errorf("graph: layer %d: sizes in=%d out=%d must be in [1, %d]", k, l.In, l.Out, MaxWidth)
		}
		if l.Activation != ReLU && l.Activation != Linear {
			return fmt.Errorf("graph: layer %d: unknown activation %q (want relu or linear)", k, l.Activation)
		}
		if k > 0 && s.Layers[k-1].Out != l.In {
			return fmt.Errorf("graph: layer %d: in=%d does not match layer %d out=%d", k, l.In, k-1, s.Layers[k-1].Out)
		}
	}
	if n := s.NumParams(); n > MaxParams {
		return fmt.Errorf("graph: network has %d parameters, more than the %d supported", n, MaxParams)
	}
	if s.Loss != CrossEntropy && s.Loss != MSE {
		return fmt.Errorf("graph: unknown loss %q (want %s or %s)", s.Loss, CrossEntropy, MSE)
	}
	return nil
}

// Inputs is the number of input features.
func (s Spec) Inputs() int { return s.Layers[0].In }

// Outputs is the number of outputs (classes).
func (s Spec) Outputs() int { return s.Layers[len(s.Layers)-1].Out }

// Param describes one parameter array inside the flat vector.
type Param struct {
	Name   string // "dense<k>/W" or "dense<k>/b"
	Layer  int    // index of the layer it belongs to
	Shape  []int  // (In, Out) for W, (Out) for b
	Offset int    // position of its first element in the flat vector
	Size   int    // number of elements
}

// File is the params file name used in a model directory, relative to it.
func (p Param) File() string {
	kind := "W"
	if len(p.Shape) == 1 {
		kind = "b"
	}
	return fmt.Sprintf("params/dense%d_%s.npy", p.Layer, kind)
}

// Params lists the parameter arrays in flat order: layer by layer, W then b.
func (s Spec) Params() []Param {
	var ps []Param
	off := 0
	for k, l := range s.Layers {
		ps = append(ps, Param{Name: fmt.Sprintf("dense%d/W", k), Layer: k, Shape: []int{l.In, l.Out}, Offset: off, Size: l.In * l.Out})
		off += l.In * l.Out
		if l.Bias {
			ps = append(ps, Param{Name: fmt.Sprintf("dense%d/b", k), Layer: k, Shape: []int{l.Out}, Offset: off, Size: l.Out})
			off += l.Out
		}
	}
	return ps
}

// NumParams is the length of the flat parameter vector.
func (s Spec) NumParams() int {
	n := 0
	for _, l := range s.Layers {
		n += l.In * l.Out
		if l.Bias {
			n += l.Out
		}
	}
	return n
}

// View returns the slice of theta holding parameter p (shares memory).
func (p Param) View(theta []float64) []float64 { return theta[p.Offset : p.Offset+p.Size] }
