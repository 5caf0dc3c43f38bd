package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

const kindFlatten = "flatten"

// Flatten turns an image (C, H, W) into a feature vector of C·H·W values in
// channel-major order, as PyTorch's flatten(1) (nn.Flatten) does.
//
//	{"type": "flatten"}
type Flatten struct{}

// Kind is "flatten".
func (l *Flatten) Kind() string { return kindFlatten }

// OutShape needs an image and returns (C·H·W).
func (l *Flatten) OutShape(in Shape) (Shape, error) {
	if !in.spatial() {
		return nil, fmt.Errorf("input is %v, flatten needs an image (C, H, W)", in)
	}
	return Shape{in.Size()}, nil
}

// Params: none.
func (l *Flatten) Params() []ParamSpec { return nil }

func (l *Flatten) build(in act, _ []*G.Node) (act, error) {
	x, err := toFlat(in)
	if err != nil {
		return act{}, err
	}
	return act{node: x, shape: Shape{in.shape.Size()}, batch: in.batch}, nil
}

// forward: activations are already stored channel-major.
func (l *Flatten) forward(x []float64, _ int, _ Shape, _ [][]float64) []float64 {
	return append([]float64(nil), x...)
}

func (l *Flatten) backward(_, _, dy []float64, _ int, _ Shape, _, _ [][]float64) []float64 {
	return append([]float64(nil), dy...)
}

// rescale: feature c·H·W + p of the output is pixel p of channel c, and takes
// its factor.
func (l *Flatten) rescale(in Shape, cin, _ []float64, _ [][]float64) []float64 {
	plane := in[1] * in[2]
	out := make([]float64, in.Size())
	for i := range out {
		out[i] = cin[i/plane]
	}
	return out
}

// String is "flatten".
func (l *Flatten) String() string { return kindFlatten }
