package ops

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A small CNN written with the package's ops as the lead's layer types will
// use them, shared by the CNN tests and BenchmarkConvHVP.

// layer is one layer of a test CNN: a convolution (kind 'c', out channels o,
// kernel kh×kw, stride s, padding p), a max-pooling ('p', kernel kh×kw,
// stride s), a flatten ('f') or a dense layer ('d', o outputs); relu applies
// to 'c' and 'd'.
type layer struct {
	kind            byte
	o, kh, kw, s, p int
	relu            bool
}

// cnn is a network on batch samples of c×h×w in NCHW-flat rows, with
// cross-entropy over classes = the last dense layer's outputs.
type cnn struct {
	batch, c, h, w int
	layers         []layer
	bias           bool
}

// inputs lists the parameters in order (weights, then bias if any, per
// layer) and the data (x, one-hot y).
func (n cnn) inputs() (params, data []input, err error) {
	c, h, w, flat := n.c, n.h, n.w, 0
	for k, l := range n.layers {
		switch l.kind {
		case 'c':
			params = append(params, input{fmt.Sprintf("w%d", k), tensor.Shape{l.o, c * l.kh * l.kw}})
			if n.bias {
				params = append(params, input{fmt.Sprintf("b%d", k), tensor.Shape{l.o}})
			}
			g := Geom{Batch: n.batch, C: c, H: h, W: w, KH: l.kh, KW: l.kw, SH: l.s, SW: l.s, PH: l.p, PW: l.p}
			c, h, w = l.o, g.OutH(), g.OutW()
		case 'p':
			g := Geom{Batch: n.batch, C: c, H: h, W: w, KH: l.kh, KW: l.kw, SH: l.s, SW: l.s}
			h, w = g.OutH(), g.OutW()
		case 'f':
			flat = c * h * w
		case 'd':
			params = append(params, input{fmt.Sprintf("dw%d", k), tensor.Shape{flat, l.o}})
			if n.bias {
				params = append(params, input{fmt.Sprintf("db%d", k), tensor.Shape{l.o}})
			}
			flat = l.o
		default:
			return nil, nil, fmt.Errorf("layer %d: unknown kind %q", k, l.kind)
		}
	}
	data = []input{{"x", tensor.Shape{n.batch, n.c * n.h * n.w}}, {"y", tensor.Shape{n.batch, flat}}}
	return params, data, nil
}

// model returns the network's summed cross-entropy as a test model.
func (n cnn) model() (model, error) {
	params, data, err := n.inputs()
	if err != nil {
		return model{}, err
	}
	return model{params: params, data: data, build: n.build}, nil
}

func (n cnn) build(ps, data []*G.Node) (*G.Node, error) {
	c, h, w := n.c, n.h, n.w
	x, err := NCHWToNHWC(data[0], n.batch, c, h, w)
	if err != nil {
		return nil, err
	}
	pi := 0
	next := func() *G.Node { pi++; return ps[pi-1] }
	addBias := func(x *G.Node, relu bool) (*G.Node, error) {
		var err error
		if n.bias {
			if x, err = G.BroadcastAdd(x, next(), nil, []byte{0}); err != nil {
				return nil, err
			}
		}
		if relu {
			return G.Rectify(x)
		}
		return x, nil
	}
	for _, l := range n.layers {
		switch l.kind {
		case 'c':
			g := Geom{Batch: n.batch, C: c, H: h, W: w, KH: l.kh, KW: l.kw, SH: l.s, SW: l.s, PH: l.p, PW: l.p}
			if x, err = Conv2D(x, next(), g); err != nil {
				return nil, err
			}
			c, h, w = l.o, g.OutH(), g.OutW()
		case 'p':
			g := Geom{Batch: n.batch, C: c, H: h, W: w, KH: l.kh, KW: l.kw, SH: l.s, SW: l.s}
			if x, err = MaxPool(x, g); err != nil {
				return nil, err
			}
			h, w = g.OutH(), g.OutW()
			continue
		case 'f':
			if x, err = NHWCToNCHW(x, n.batch, c, h, w); err != nil {
				return nil, err
			}
			continue
		case 'd':
			if x, err = G.Mul(x, next()); err != nil {
				return nil, err
			}
		}
		if x, err = addBias(x, l.relu); err != nil {
			return nil, err
		}
	}
	per, err := crossEntropy(x, data[1])
	if err != nil {
		return nil, err
	}
	return G.Sum(per)
}

// crossEntropy is graph/net.go's: ℓ_i = log Σ_c exp(f_ic − m_i) −
// Σ_c y_ic (f_ic − m_i), m_i = max_c f_ic.
func crossEntropy(f, y *G.Node) (*G.Node, error) {
	m, err := G.Max(f, 1)
	if err != nil {
		return nil, err
	}
	z, err := G.BroadcastSub(f, m, nil, []byte{1})
	if err != nil {
		return nil, err
	}
	e, err := G.Exp(z)
	if err != nil {
		return nil, err
	}
	se, err := G.Sum(e, 1)
	if err != nil {
		return nil, err
	}
	lse, err := G.Log(se)
	if err != nil {
		return nil, err
	}
	yz, err := G.HadamardProd(y, z)
	if err != nil {
		return nil, err
	}
	picked, err := G.Sum(yz, 1)
	if err != nil {
		return nil, err
	}
	return G.Sub(lse, picked)
}

// init draws weights N(0, 2/fan-in) (He) and biases N(0, 0.1²).
func (n cnn) init(seed int64) []float64 {
	params, _, _ := n.inputs()
	r := rand.New(rand.NewSource(seed))
	var theta []float64
	for _, p := range params {
		sd := 0.1
		if len(p.shape) == 2 {
			fanIn := p.shape[1] // convolution (O, C·KH·KW)
			if p.name[0] == 'd' {
				fanIn = p.shape[0] // dense (in, out)
			}
			sd = math.Sqrt(2 / float64(fanIn))
		}
		for i := 0; i < p.shape.TotalSize(); i++ {
			theta = append(theta, sd*r.NormFloat64())
		}
	}
	return theta
}

// smallCNN is NCHW input → conv(2→3, 3×3, relu) → maxpool 2 → conv(3→4, 3×3,
// stride 2, padding 1, relu) → maxpool 2 stride 1 (overlapping) → flatten →
// dense(16→5) → cross-entropy, on 3 samples of 2×14×14.
func smallCNN(bias bool) cnn {
	return cnn{batch: 3, c: 2, h: 14, w: 14, bias: bias, layers: []layer{
		{kind: 'c', o: 3, kh: 3, kw: 3, s: 1, relu: true},
		{kind: 'p', kh: 2, kw: 2, s: 2},
		{kind: 'c', o: 4, kh: 3, kw: 3, s: 2, p: 1, relu: true},
		{kind: 'p', kh: 2, kw: 2, s: 1},
		{kind: 'f'},
		{kind: 'd', o: 5},
	}}
}

// cnnData returns MNIST-like inputs, uniform in [0, 1) inside a border of
// `border` zero pixels, and one-hot labels.
func cnnData(n cnn, border int, seed int64) [][]float64 {
	_, data, _ := n.inputs()
	classes := data[1].shape[1]
	r := rand.New(rand.NewSource(seed))
	x := make([]float64, n.batch*n.c*n.h*n.w)
	for b := 0; b < n.batch; b++ {
		for c := 0; c < n.c; c++ {
			for i := border; i < n.h-border; i++ {
				for j := border; j < n.w-border; j++ {
					x[((b*n.c+c)*n.h+i)*n.w+j] = r.Float64()
				}
			}
		}
	}
	y := make([]float64, n.batch*classes)
	for b := 0; b < n.batch; b++ {
		y[b*classes+r.Intn(classes)] = 1
	}
	return [][]float64{x, y}
}

// firstPoolTies counts the windows of the first pooling layer of smallCNN
// whose values are all equal (zeros after the ReLU, or a positive bias over
// the zero border), from the naive reference convolution.
func firstPoolTies(n cnn, theta, x []float64) int {
	c1 := n.layers[0]
	g := Geom{Batch: n.batch, C: n.c, H: n.h, W: n.w, KH: c1.kh, KW: c1.kw, SH: 1, SW: 1}
	nw := c1.o * n.c * c1.kh * c1.kw
	y := refConv(x, theta[:nw], g, c1.o)
	oh, ow := g.OutH(), g.OutW()
	for i := range y {
		if n.bias {
			y[i] += theta[nw+(i/(oh*ow))%c1.o]
		}
		y[i] = math.Max(y[i], 0)
	}
	ties := 0
	for b := 0; b < n.batch*c1.o; b++ {
		for p := 0; p+1 < oh; p += 2 {
			for q := 0; q+1 < ow; q += 2 {
				at := func(i, j int) float64 { return y[(b*oh+p+i)*ow+q+j] }
				if at(0, 0) == at(0, 1) && at(0, 0) == at(1, 0) && at(0, 0) == at(1, 1) {
					ties++
				}
			}
		}
	}
	return ties
}

// cnnCase returns smallCNN's model, θ, v and data, failing t unless the first
// pooling layer sees whole windows of equal values.
func cnnCase(t *testing.T, bias bool, seed int64) (model, []float64, []float64, [][]float64) {
	t.Helper()
	n := smallCNN(bias)
	m, err := n.model()
	if err != nil {
		t.Fatal(err)
	}
	theta := n.init(seed)
	data := cnnData(n, 3, seed+1)
	if firstPoolTies(n, theta, data[0]) == 0 {
		t.Fatal("test case has no pooling window of equal values")
	}
	return m, theta, randVec(len(theta), 1, seed+2), data
}

var biasCases = []struct {
	name string
	bias bool
}{{"bias", true}, {"nobias", false}}

// TestCNNGradientMatchesFD: the small CNN's gradient equals central finite
// differences of the loss to 1e-6, with and without biases.
func TestCNNGradientMatchesFD(t *testing.T) {
	for _, bc := range biasCases {
		t.Run(bc.name, func(t *testing.T) {
			m, theta, _, data := cnnCase(t, bc.bias, 31)
			mc := newGradMachine(t, m)
			_, grad, _ := mc.eval(t, theta, nil, data)
			checkClose(t, "gradient", grad, fdGrad(t, mc, theta, data), 1e-6)
		})
	}
}

// TestCNNHVPMatchesFD: the small CNN's Hessian-vector product equals central
// finite differences of the gradient to 1e-6, with and without biases.
func TestCNNHVPMatchesFD(t *testing.T) {
	for _, bc := range biasCases {
		t.Run(bc.name, func(t *testing.T) {
			m, theta, v, data := cnnCase(t, bc.bias, 41)
			_, _, hv := newHVPMachine(t, m).eval(t, theta, v, data)
			checkClose(t, "Hv", hv, fdHVP(t, newGradMachine(t, m), theta, v, data), 1e-6)
		})
	}
}

// TestCNNHVPRebind: one HVP machine run twice with θ, v and x rebound by Let
// gives, each time, the loss and gradient of a separate gradient machine
// (1e-12) and the finite differences of its gradient as H·v (1e-6): nothing
// stale survives a run.
func TestCNNHVPRebind(t *testing.T) {
	m, theta1, v1, data1 := cnnCase(t, true, 51)
	_, theta2, v2, data2 := cnnCase(t, true, 61)
	hm, gm := newHVPMachine(t, m), newGradMachine(t, m)
	for k, c := range []struct {
		theta, v []float64
		data     [][]float64
	}{{theta1, v1, data1}, {theta2, v2, data2}} {
		loss, grad, hv := hm.eval(t, c.theta, c.v, c.data)
		wantLoss, wantGrad, _ := gm.eval(t, c.theta, nil, c.data)
		checkClose(t, fmt.Sprintf("run %d loss", k+1), []float64{loss}, []float64{wantLoss}, 1e-12)
		checkClose(t, fmt.Sprintf("run %d gradient", k+1), grad, wantGrad, 1e-12)
		checkClose(t, fmt.Sprintf("run %d Hv", k+1), hv, fdHVP(t, gm, c.theta, c.v, c.data), 1e-6)
	}
}
