package graph

import (
	"fmt"
	"strings"

	"github.com/minima-project/minima/loss"
)

// Size limits that Validate enforces, so that a corrupt or hostile model.json
// cannot make minima allocate absurd amounts of memory.
const (
	MaxWidth  = 1 << 24 // values of one sample's activation, units of a layer
	MaxParams = 1 << 28 // parameters of a network (2 GiB as float64)
	MaxLayers = 1 << 10 // layers of a network
)

// Activation names.
const (
	ReLU   = "relu"
	Linear = "linear"
)

// Spec is a network architecture and its loss: layers applied in order to
// samples of shape Input.
type Spec struct {
	// Input is the shape of one sample: (D) for an MLP, (C, H, W) for a CNN
	// (MNIST: (1, 28, 28); the flat 784 pixels are read row-major).
	Input  Shape
	Layers []Layer
	Loss   loss.Kind
}

// MLP returns the spec of a ReLU multi-layer perceptron in → hidden… → out with a
// linear last layer; bias says whether every layer has a bias.
func MLP(in int, hidden []int, out int, bias bool, l loss.Kind) Spec {
	s := Spec{Input: Shape{in}, Loss: l}
	prev := in
	for _, h := range hidden {
		s.Layers = append(s.Layers, &Dense{In: prev, Out: h, Bias: bias, Activation: ReLU})
		prev = h
	}
	s.Layers = append(s.Layers, &Dense{In: prev, Out: out, Bias: bias, Activation: Linear})
	return s
}

// CNNSettings describe the convolutional network CNN builds; the zero value of
// a field takes its default.
type CNNSettings struct {
	Input    Shape // (C, H, W); default (1, 28, 28)
	Channels []int // output channels of each convolution; default 8, 16
	Kernel   int   // square kernel of every convolution; default 5
	Pool     int   // max-pooling window and stride after each convolution; default 2
	Hidden   []int // widths of the dense layers after flattening; default 64
	Classes  int   // outputs; default 10
	NoBias   bool  // layers without biases
}

// CNN returns the spec of conv(→Channels[0], Kernel, relu) → maxpool(Pool) → …
// → flatten → dense(→Hidden…, relu) → dense(→Classes): with the defaults,
// Sagun et al.'s "CNN with ReLU and max-pooling + 2 dense layers" on MNIST.
func CNN(c CNNSettings, l loss.Kind) (Spec, error) {
	if c.Input == nil {
		c.Input = Shape{1, 28, 28}
	}
	if c.Channels == nil {
		c.Channels = []int{8, 16}
	}
	if c.Kernel == 0 {
		c.Kernel = 5
	}
	if c.Pool == 0 {
		c.Pool = 2
	}
	if c.Hidden == nil {
		c.Hidden = []int{64}
	}
	if c.Classes == 0 {
		c.Classes = 10
	}
	s := Spec{Input: c.Input, Loss: l}
	shape := c.Input
	add := func(layer Layer) error {
		out, err := layer.OutShape(shape)
		if err != nil {
			return fmt.Errorf("graph: layer %d (%s): %w", len(s.Layers), layer.Kind(), err)
		}
		s.Layers, shape = append(s.Layers, layer), out
		return nil
	}
	if len(shape) != 3 {
		return Spec{}, fmt.Errorf("graph: a CNN needs an image input (C, H, W), got %v", shape)
	}
	for _, ch := range c.Channels {
		if err := add(&Conv2D{In: shape[0], Out: ch, Kernel: Pair{c.Kernel, c.Kernel}, Stride: Pair{1, 1}, Bias: !c.NoBias, Activation: ReLU}); err != nil {
			return Spec{}, err
		}
		if c.Pool > 1 {
			if err := add(&MaxPool{Size: Pair{c.Pool, c.Pool}, Stride: Pair{c.Pool, c.Pool}}); err != nil {
				return Spec{}, err
			}
		}
	}
	if err := add(&Flatten{}); err != nil {
		return Spec{}, err
	}
	for _, h := range c.Hidden {
		if err := add(&Dense{In: shape[0], Out: h, Bias: !c.NoBias, Activation: ReLU}); err != nil {
			return Spec{}, err
		}
	}
	if err := add(&Dense{In: shape[0], Out: c.Classes, Bias: !c.NoBias, Activation: Linear}); err != nil {
		return Spec{}, err
	}
	return s, s.Validate()
}

// Shapes returns the shape of the input of every layer and of the output:
// Shapes()[k] enters layer k, Shapes()[len(Layers)] leaves the network.
func (s Spec) Shapes() ([]Shape, error) {
	if err := s.Input.validate(); err != nil {
		return nil, fmt.Errorf("graph: input %w", err)
	}
	shapes := []Shape{s.Input}
	for k, l := range s.Layers {
		if l == nil {
			return nil, fmt.Errorf("graph: layer %d is missing", k)
		}
		out, err := l.OutShape(shapes[k])
		if err != nil {
			return nil, fmt.Errorf("graph: layer %d (%s): %w", k, l.Kind(), err)
		}
		if err := out.validate(); err != nil {
			return nil, fmt.Errorf("graph: layer %d (%s): output %w", k, l.Kind(), err)
		}
		shapes = append(shapes, out)
	}
	return shapes, nil
}

// Validate checks that the layers chain from Input to a vector of outputs, that
// every setting is valid, the size is bounded and the loss is known.
func (s Spec) Validate() error {
	if len(s.Layers) == 0 {
		return fmt.Errorf("graph: network has no layers")
	}
	if len(s.Layers) > MaxLayers {
		return fmt.Errorf("graph: network has %d layers, more than the %d supported", len(s.Layers), MaxLayers)
	}
	shapes, err := s.Shapes()
	if err != nil {
		return err
	}
	if out := shapes[len(shapes)-1]; len(out) != 1 {
		return fmt.Errorf("graph: the network's output is %v, want a vector of class scores (end with flatten or dense)", out)
	}
	n := 0
	for _, l := range s.Layers {
		for _, p := range l.Params() {
			n += Shape(p.Shape).Size()
			if n > MaxParams {
				return fmt.Errorf("graph: network has more than the %d parameters supported", MaxParams)
			}
		}
	}
	if err := s.Loss.Validate(); err != nil {
		return fmt.Errorf("graph: %w", err)
	}
	return nil
}

// String describes the network in one line: input shape, layers, loss.
func (s Spec) String() string {
	parts := []string{s.Input.String()}
	for _, l := range s.Layers {
		parts = append(parts, l.String())
	}
	return strings.Join(parts, " → ") + " (" + string(s.Loss) + ")"
}

// Inputs is the number of input values of one sample.
func (s Spec) Inputs() int { return s.Input.Size() }

// Outputs is the number of outputs (classes).
func (s Spec) Outputs() int {
	shapes, err := s.Shapes()
	if err != nil {
		return 0
	}
	return shapes[len(shapes)-1].Size()
}

// ActivationSize is the number of values the layers' outputs of one sample
// hold together: the memory one sample costs a forward pass, in float64s.
func (s Spec) ActivationSize() int {
	shapes, err := s.Shapes()
	if err != nil {
		return 0
	}
	n := 0
	for _, sh := range shapes[1:] {
		n += sh.Size()
	}
	return n
}

// Param describes one parameter array inside the flat vector.
type Param struct {
	ParamSpec
	Name   string // "<kind><layer>/<W|b>", e.g. "dense0/W", "conv2d0/b"
	Layer  int    // index of the layer it belongs to
	Offset int    // position of its first element in the flat vector
	Size   int    // number of elements
}

// File is the params file name used in a model directory, relative to it:
// the name with "/" as "_", e.g. params/conv2d0_W.npy.
func (p Param) File() string {
	return "params/" + strings.ReplaceAll(p.Name, "/", "_") + ".npy"
}

// Params lists the parameter arrays in flat order: layer by layer, each layer's
// arrays in its own order (W then b).
func (s Spec) Params() []Param {
	var ps []Param
	off := 0
	for k, l := range s.Layers {
		for _, p := range l.Params() {
			n := Shape(p.Shape).Size()
			ps = append(ps, Param{ParamSpec: p, Name: fmt.Sprintf("%s%d/%s", l.Kind(), k, p.Name), Layer: k, Offset: off, Size: n})
			off += n
		}
	}
	return ps
}

// NumParams is the length of the flat parameter vector.
func (s Spec) NumParams() int {
	n := 0
	for _, l := range s.Layers {
		for _, p := range l.Params() {
			n += Shape(p.Shape).Size()
		}
	}
	return n
}

// HasBias reports whether any layer has a bias array.
func (s Spec) HasBias() bool {
	for _, p := range s.Params() {
		if p.Bias {
			return true
		}
	}
	return false
}

// ParamLayers lists the indices of the layers that have parameters, in order.
func (s Spec) ParamLayers() []int {
	var ks []int
	for k, l := range s.Layers {
		if len(l.Params()) > 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

// View returns the slice of theta holding parameter p (shares memory).
func (p Param) View(theta []float64) []float64 { return theta[p.Offset : p.Offset+p.Size] }

// layerParams splits theta into the parameter arrays of each layer.
func (s Spec) layerParams(theta []float64) [][][]float64 {
	out := make([][][]float64, len(s.Layers))
	for _, p := range s.Params() {
		out[p.Layer] = append(out[p.Layer], p.View(theta))
	}
	return out
}
