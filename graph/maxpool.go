package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/minima-project/minima/graph/ops"
)

const kindMaxPool = "maxpool"

// MaxPool takes the maximum of each channel over Size windows moved by Stride
// (no padding, as PyTorch's nn.MaxPool2d with padding 0, dilation 1 and
// ceil_mode off). A tie — common after a ReLU: whole windows of zeros — is
// broken as PyTorch breaks it: the first maximum in row-major order within
// the window takes the gradient.
//
//	{"type": "maxpool", "size": [2, 2], "stride": [2, 2]}
//
// A zero stride means Size (in JSON, a missing one).
type MaxPool struct {
	Size   Pair `json:"size"`
	Stride Pair `json:"stride"`
}

// Kind is "maxpool".
func (l *MaxPool) Kind() string { return kindMaxPool }

func (l *MaxPool) setDefaults() {
	for i := range l.Stride {
		if l.Stride[i] == 0 {
			l.Stride[i] = l.Size[i]
		}
	}
}

func (l *MaxPool) geom(in Shape, batch int) ops.Geom {
	s := *l
	s.setDefaults()
	return ops.Geom{Batch: batch, C: in[0], H: in[1], W: in[2], KH: l.Size[0], KW: l.Size[1], SH: s.Stride[0], SW: s.Stride[1]}
}

// OutShape needs an image and returns (C, OH, OW).
func (l *MaxPool) OutShape(in Shape) (Shape, error) {
	if !in.spatial() {
		return nil, fmt.Errorf("input is %v, a maxpool layer needs an image (C, H, W)", in)
	}
	g := l.geom(in, 1)
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return Shape{in[0], g.OutH(), g.OutW()}, nil
}

// Params: none.
func (l *MaxPool) Params() []ParamSpec { return nil }

func (l *MaxPool) build(in act, _ []*G.Node) (act, error) {
	x, err := toNHWC(in)
	if err != nil {
		return act{}, err
	}
	g := l.geom(in.shape, in.batch)
	h, err := ops.MaxPool(x, g)
	if err != nil {
		return act{}, err
	}
	return act{node: h, shape: Shape{in.shape[0], g.OutH(), g.OutW()}, batch: in.batch, nhwc: true}, nil
}

// argmax calls f(yi, xi) with, for every output value of one sample, the index
// of the input value it takes: the first maximum of its window in row-major
// order.
func (l *MaxPool) argmax(in Shape, xs []float64, f func(yi, xi int)) {
	g := l.geom(in, 1)
	H, W, OH, OW := g.H, g.W, g.OutH(), g.OutW()
	for c := range in[0] {
		for r := range OH {
			for q := range OW {
				best := -1
				for u := range g.KH {
					for v := range g.KW {
						xi := (c*H+r*g.SH+u)*W + q*g.SW + v
						if best < 0 || xs[xi] > xs[best] {
							best = xi
						}
					}
				}
				f((c*OH+r)*OW+q, best)
			}
		}
	}
}

func (l *MaxPool) forward(x []float64, n int, in Shape, _ [][]float64) []float64 {
	out, _ := l.OutShape(in)
	isz, osz := in.Size(), out.Size()
	y := make([]float64, n*osz)
	for s := range n {
		xs, ys := x[s*isz:(s+1)*isz], y[s*osz:(s+1)*osz]
		l.argmax(in, xs, func(yi, xi int) { ys[yi] = xs[xi] })
	}
	return y
}

func (l *MaxPool) backward(x, _, dy []float64, n int, in Shape, _, _ [][]float64) []float64 {
	out, _ := l.OutShape(in)
	isz, osz := in.Size(), out.Size()
	dx := make([]float64, n*isz)
	for s := range n {
		xs, dxs, dys := x[s*isz:(s+1)*isz], dx[s*isz:(s+1)*isz], dy[s*osz:(s+1)*osz]
		l.argmax(in, xs, func(yi, xi int) { dxs[xi] += dys[yi] })
	}
	return dx
}

// rescale: the maximum of a channel scaled by c > 0 is c times its maximum,
// so each channel keeps its factor.
func (l *MaxPool) rescale(_ Shape, cin, _ []float64, _ [][]float64) []float64 { return cin }

// String is "maxpool(2×2, stride 2)".
func (l *MaxPool) String() string {
	s := *l
	s.setDefaults()
	return fmt.Sprintf("maxpool(%d×%d, stride %v)", l.Size[0], l.Size[1], s.Stride)
}
