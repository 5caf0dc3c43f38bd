package ops

import (
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tiedInput returns NCHW values in {0, 1, 2} (many ties inside windows) with
// channel 0 of sample 0 all zeros (whole windows of zeros, as after a ReLU).
func tiedInput(g Geom, seed int64) []float64 {
	r := rand.New(rand.NewSource(seed))
	x := make([]float64, g.Batch*g.C*g.H*g.W)
	for i := g.H * g.W; i < len(x); i++ {
		x[i] = float64(r.Intn(3))
	}
	return x
}

// pooledNCHW builds NHWCToNCHW(MaxPool(NCHWToNHWC(x))) for x (B, C·H·W).
func pooledNCHW(x *G.Node, g Geom) (*G.Node, error) {
	xn, err := NCHWToNHWC(x, g.Batch, g.C, g.H, g.W)
	if err != nil {
		return nil, err
	}
	y, err := MaxPool(xn, g)
	if err != nil {
		return nil, err
	}
	return NHWCToNCHW(y, g.Batch, g.C, g.OutH(), g.OutW())
}

// tiedPoolModel is Σ c ⊙ maxpool(x) for x (B, C·H·W) in NCHW order.
func tiedPoolModel(g Geom, c []float64) model {
	return model{
		params: []input{{"x", tensor.Shape{g.Batch, g.C * g.H * g.W}}},
		build: func(ps, _ []*G.Node) (*G.Node, error) {
			y, err := pooledNCHW(ps[0], g)
			if err != nil {
				return nil, err
			}
			p, err := G.HadamardProd(y, y.Graph().Constant(dense(y.Shape(), c)))
			if err != nil {
				return nil, err
			}
			return G.Sum(p)
		},
	}
}

// TestMaxPoolGradientGoesToFirstMaximum: with tied inputs, the gradient of
// Σ c ⊙ maxpool(x) puts each c at the first maximum of its window in
// row-major order (PyTorch's choice), exactly.
func TestMaxPoolGradientGoesToFirstMaximum(t *testing.T) {
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			out := g.Batch * g.C * g.OutH() * g.OutW()
			c := randVec(out, 1, 71)
			m := tiedPoolModel(g, c)
			x := tiedInput(g, 72)
			_, grad, _ := newGradMachine(t, m).eval(t, x, nil, nil)
			_, arg := refMaxPool(x, g)
			want := make([]float64, len(x))
			for o, a := range arg {
				want[a] += c[o]
			}
			checkClose(t, "gradient", grad, want, 1e-15)
		})
	}
}

// TestMaxPoolHVPGoesToFirstMaximum: with tied inputs, the Hessian of
// Σ maxpool(x)² is 2PᵀP for P the selection of each window's first maximum:
// H·v is 2·v at each first maximum, times the number of windows it wins
// (overlapping windows), and 0 elsewhere, exactly.
func TestMaxPoolHVPGoesToFirstMaximum(t *testing.T) {
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			m := model{
				params: []input{{"x", tensor.Shape{g.Batch, g.C * g.H * g.W}}},
				build: func(ps, _ []*G.Node) (*G.Node, error) {
					y, err := pooledNCHW(ps[0], g)
					if err != nil {
						return nil, err
					}
					sq, err := G.Square(y)
					if err != nil {
						return nil, err
					}
					return G.Sum(sq)
				},
			}
			x := tiedInput(g, 73)
			v := randVec(len(x), 1, 74)
			_, _, hv := newHVPMachine(t, m).eval(t, x, v, nil)
			_, arg := refMaxPool(x, g)
			want := make([]float64, len(x))
			for _, a := range arg {
				want[a] += 2 * v[a]
			}
			checkClose(t, "Hv", hv, want, 1e-15)
		})
	}
}

// TestMaxPoolTakesNaNAsPyTorch: on tied inputs holding NaNs of distinct
// payloads, max-pooling returns, bit for bit, the value PyTorch's rule
// selects (the first maximum; a NaN whenever met, so a window's last NaN).
func TestMaxPoolTakesNaNAsPyTorch(t *testing.T) {
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			x := tiedInput(g, 75)
			for i := 3; i < len(x); i += 5 {
				x[i] = math.Float64frombits(0x7FF8000000000000 | uint64(i)) // a NaN naming its index
			}
			eg := G.NewGraph()
			y, err := pooledNCHW(bound(t, eg, tensor.Shape{g.Batch, g.C * g.H * g.W}, x), g)
			if err != nil {
				t.Fatal(err)
			}
			got := run(t, y)[0]
			want, _ := refMaxPool(x, g)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("output %d: %x, want %x", i, math.Float64bits(got[i]), math.Float64bits(want[i]))
			}
		})
	}
}
