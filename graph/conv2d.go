package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/minima-project/minima/graph/ops"
)

const kindConv2D = "conv2d"

// Conv2D is a 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d with
// dilation 1 and groups 1) followed by an activation:
//
//	y[o, r, c] = φ(b[o] + Σ_{i,u,v} W[o, i, u, v] · x_pad[i, r·SH + u, c·SW + v])
//
// where x_pad is the input zero-padded by Padding. W is shaped (Out, In, KH, KW)
// and b (Out), exactly as PyTorch stores them.
//
//	{"type": "conv2d", "in": 1, "out": 8, "kernel": [5, 5], "stride": [1, 1],
//	 "padding": [0, 0], "bias": true, "activation": "relu"}
//
// A zero stride means 1 (in JSON, a missing one); "kernel", "stride" and
// "padding" may also be written as one number.
type Conv2D struct {
	In         int    `json:"in"`  // input channels
	Out        int    `json:"out"` // output channels
	Kernel     Pair   `json:"kernel"`
	Stride     Pair   `json:"stride"`
	Padding    Pair   `json:"padding"`
	Bias       bool   `json:"bias"`
	Activation string `json:"activation"`
}

// Kind is "conv2d".
func (l *Conv2D) Kind() string { return kindConv2D }

func (l *Conv2D) setDefaults() {
	for i := range l.Stride {
		if l.Stride[i] == 0 {
			l.Stride[i] = 1
		}
	}
}

// geom is the window geometry over an input of shape in, batch samples.
func (l *Conv2D) geom(in Shape, batch int) ops.Geom {
	s := *l
	s.setDefaults()
	return ops.Geom{Batch: batch, C: in[0], H: in[1], W: in[2], KH: l.Kernel[0], KW: l.Kernel[1],
		SH: s.Stride[0], SW: s.Stride[1], PH: l.Padding[0], PW: l.Padding[1]}
}

// OutShape needs an image of In channels and returns (Out, OH, OW).
func (l *Conv2D) OutShape(in Shape) (Shape, error) {
	if l.In < 1 || l.Out < 1 || l.In > MaxWidth || l.Out > MaxWidth {
		return nil, fmt.Errorf("channels in=%d out=%d must be in [1, %d]", l.In, l.Out, MaxWidth)
	}
	if err := checkActivation(l.Activation); err != nil {
		return nil, err
	}
	if !in.spatial() {
		return nil, fmt.Errorf("input is %v, a conv2d layer needs an image (C, H, W)", in)
	}
	if in[0] != l.In {
		return nil, fmt.Errorf("in=%d channels does not match the %d channels it receives", l.In, in[0])
	}
	g := l.geom(in, 1)
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return Shape{l.Out, g.OutH(), g.OutW()}, nil
}

// patch is the number of weights of one output channel, In·KH·KW.
func (l *Conv2D) patch() int { return l.In * l.Kernel[0] * l.Kernel[1] }

// Params are W (Out, In, KH, KW) and, with Bias, b (Out).
func (l *Conv2D) Params() []ParamSpec {
	kk := l.Kernel[0] * l.Kernel[1]
	ps := []ParamSpec{{Name: "W", Shape: []int{l.Out, l.In, l.Kernel[0], l.Kernel[1]}, FanIn: l.patch(), FanOut: l.Out * kk}}
	if l.Bias {
		ps = append(ps, ParamSpec{Name: "b", Shape: []int{l.Out}, FanIn: l.patch(), FanOut: l.Out * kk, Bias: true})
	}
	return ps
}

func (l *Conv2D) build(in act, p []*G.Node) (act, error) {
	x, err := toNHWC(in)
	if err != nil {
		return act{}, err
	}
	w, err := G.Reshape(p[0], []int{l.Out, l.patch()})
	if err != nil {
		return act{}, err
	}
	g := l.geom(in.shape, in.batch)
	h, err := ops.Conv2D(x, w, g)
	if err != nil {
		return act{}, err
	}
	if l.Bias {
		if h, err = ops.AddBias(h, p[1]); err != nil {
			return act{}, err
		}
	}
	if h, err = activate(h, l.Activation); err != nil {
		return act{}, err
	}
	return act{node: h, shape: Shape{l.Out, g.OutH(), g.OutW()}, batch: in.batch, nhwc: true}, nil
}

// window calls f(yi, wi, xi) for every output position yi and every
// weight wi whose input pixel xi lies inside the image (not in the padding), for one
// sample; indices are into one sample's (In, H, W) and (Out, OH, OW) arrays.
func (l *Conv2D) window(in Shape, f func(yi, wi, xi int)) {
	g := l.geom(in, 1)
	H, W, OH, OW := g.H, g.W, g.OutH(), g.OutW()
	kh, kw := l.Kernel[0], l.Kernel[1]
	for o := range l.Out {
		for r := range OH {
			for c := range OW {
				yi := (o*OH+r)*OW + c
				for i := range l.In {
					for u := range kh {
						hr := r*g.SH + u - g.PH
						if hr < 0 || hr >= H {
							continue
						}
						for v := range kw {
							wc := c*g.SW + v - g.PW
							if wc < 0 || wc >= W {
								continue
							}
							f(yi, ((o*l.In+i)*kh+u)*kw+v, (i*H+hr)*W+wc)
						}
					}
				}
			}
		}
	}
}

func (l *Conv2D) forward(x []float64, n int, in Shape, p [][]float64) []float64 {
	out, _ := l.OutShape(in)
	isz, osz, plane := in.Size(), out.Size(), out[1]*out[2]
	y := make([]float64, n*osz)
	for s := range n {
		xs, ys := x[s*isz:(s+1)*isz], y[s*osz:(s+1)*osz]
		if l.Bias {
			for i := range ys {
				ys[i] = p[1][i/plane]
			}
		}
		l.window(in, func(yi, wi, xi int) { ys[yi] += p[0][wi] * xs[xi] })
	}
	if l.Activation == ReLU {
		reluInPlace(y)
	}
	return y
}

func (l *Conv2D) backward(x, y, dy []float64, n int, in Shape, p, dp [][]float64) []float64 {
	out, _ := l.OutShape(in)
	isz, osz, plane := in.Size(), out.Size(), out[1]*out[2]
	dz := reluBackward(y, dy, l.Activation)
	dx := make([]float64, n*isz)
	for s := range n {
		xs, dxs, dzs := x[s*isz:(s+1)*isz], dx[s*isz:(s+1)*isz], dz[s*osz:(s+1)*osz]
		l.window(in, func(yi, wi, xi int) {
			dp[0][wi] += dzs[yi] * xs[xi]
			dxs[xi] += dzs[yi] * p[0][wi]
		})
		if l.Bias {
			for i, g := range dzs {
				dp[1][i/plane] += g
			}
		}
	}
	return dx
}

// rescale: a rescaling acts per channel: W[o, i, ·, ·] × cout[o]/cin[i],
// b[o] × cout[o].
func (l *Conv2D) rescale(_ Shape, cin, cout []float64, f [][]float64) []float64 {
	kk := l.Kernel[0] * l.Kernel[1]
	for o := range l.Out {
		for i := range l.In {
			blk := f[0][(o*l.In+i)*kk : (o*l.In+i+1)*kk]
			for k := range blk {
				blk[k] = cout[o] / cin[i]
			}
		}
	}
	if l.Bias {
		copy(f[1], cout)
	}
	return cout
}

// String is "conv2d(1→8, 5×5, stride 1, padding 0, relu)".
func (l *Conv2D) String() string {
	s := *l
	s.setDefaults()
	return fmt.Sprintf("conv2d(%d→%d, %d×%d, stride %v, padding %v, %s%s)", l.In, l.Out, l.Kernel[0], l.Kernel[1], s.Stride, l.Padding, l.Activation, biasNote(l.Bias))
}
