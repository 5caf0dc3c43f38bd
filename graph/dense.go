package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/minima-project/minima/graph/ops"
)

const kindDense = "dense"

// Dense is a fully connected layer: y = φ(x·W + b) with W shaped (In, Out)
// (so W[i, j] connects input i to output j; PyTorch's nn.Linear stores the
// transpose), b shaped (Out) when Bias is set, and φ = Activation.
//
//	{"type": "dense", "in": 784, "out": 100, "bias": true, "activation": "relu"}
type Dense struct {
	In         int    `json:"in"`
	Out        int    `json:"out"`
	Bias       bool   `json:"bias"`
	Activation string `json:"activation"`
}

// Kind is "dense".
func (d *Dense) Kind() string { return kindDense }

// OutShape needs a feature vector of In values and returns (Out).
func (d *Dense) OutShape(in Shape) (Shape, error) {
	if d.In < 1 || d.Out < 1 || d.In > MaxWidth || d.Out > MaxWidth {
		return nil, fmt.Errorf("sizes in=%d out=%d must be in [1, %d]", d.In, d.Out, MaxWidth)
	}
	if err := checkActivation(d.Activation); err != nil {
		return nil, err
	}
	if len(in) != 1 {
		return nil, fmt.Errorf("input is %v, a dense layer needs a feature vector (add a flatten layer)", in)
	}
	if in[0] != d.In {
		return nil, fmt.Errorf("in=%d does not match the %d inputs it receives", d.In, in[0])
	}
	return Shape{d.Out}, nil
}

// Params are W (In, Out) and, with Bias, b (Out).
func (d *Dense) Params() []ParamSpec {
	ps := []ParamSpec{{Name: "W", Shape: []int{d.In, d.Out}, FanIn: d.In, FanOut: d.Out}}
	if d.Bias {
		ps = append(ps, ParamSpec{Name: "b", Shape: []int{d.Out}, FanIn: d.In, FanOut: d.Out, Bias: true})
	}
	return ps
}

func (d *Dense) build(in act, p []*G.Node) (act, error) {
	h, err := G.Mul(in.node, p[0]) // in is a feature vector: OutShape checked it
	if err != nil {
		return act{}, err
	}
	if d.Bias {
		if h, err = ops.AddBias(h, p[1]); err != nil {
			return act{}, err
		}
	}
	if h, err = activate(h, d.Activation); err != nil {
		return act{}, err
	}
	return act{node: h, shape: Shape{d.Out}, batch: in.batch}, nil
}

func (d *Dense) forward(x []float64, n int, _ Shape, p [][]float64) []float64 {
	W := p[0]
	y := make([]float64, n*d.Out)
	for s := range n {
		ys := y[s*d.Out : (s+1)*d.Out]
		if d.Bias {
			copy(ys, p[1])
		}
		for i, xv := range x[s*d.In : (s+1)*d.In] {
			if xv == 0 {
				continue
			}
			for j, w := range W[i*d.Out : (i+1)*d.Out] {
				ys[j] += xv * w
			}
		}
	}
	if d.Activation == ReLU {
		reluInPlace(y)
	}
	return y
}

func (d *Dense) backward(x, y, dy []float64, n int, _ Shape, p, dp [][]float64) []float64 {
	dz := reluBackward(y, dy, d.Activation)
	W, dW := p[0], dp[0]
	dx := make([]float64, n*d.In)
	for s := range n {
		dzs := dz[s*d.Out : (s+1)*d.Out]
		xs := x[s*d.In : (s+1)*d.In]
		for i := range d.In {
			row, drow := W[i*d.Out:(i+1)*d.Out], dW[i*d.Out:(i+1)*d.Out]
			v := 0.0
			for j, g := range dzs {
				drow[j] += xs[i] * g
				v += row[j] * g
			}
			dx[s*d.In+i] = v
		}
		if d.Bias {
			for j, g := range dzs {
				dp[1][j] += g
			}
		}
	}
	return dx
}

// rescale: W[i, j] × cout[j]/cin[i], b[j] × cout[j].
func (d *Dense) rescale(_ Shape, cin, cout []float64, f [][]float64) []float64 {
	for i := range d.In {
		for j := range d.Out {
			f[0][i*d.Out+j] = cout[j] / cin[i]
		}
	}
	if d.Bias {
		copy(f[1], cout)
	}
	return cout
}

// String is "dense(100→10, relu)".
func (d *Dense) String() string {
	return fmt.Sprintf("dense(%d→%d, %s%s)", d.In, d.Out, d.Activation, biasNote(d.Bias))
}
