package ops

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convCases cover stride 1 and 2, padding 0 and 1, square and non-square
// kernels and strides, with C > 1, O > 1 and B > 1.
var convCases = []struct {
	name string
	g    Geom
	o    int // output channels
}{
	{"k3s1p0", Geom{Batch: 2, C: 3, H: 5, W: 6, KH: 3, KW: 3, SH: 1, SW: 1}, 4},
	{"k3s2p1", Geom{Batch: 2, C: 2, H: 7, W: 6, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1}, 3},
	{"k2x3s2x1p1x0", Geom{Batch: 3, C: 2, H: 6, W: 7, KH: 2, KW: 3, SH: 2, SW: 1, PH: 1}, 2},
}

// poolCases cover non-overlapping, overlapping and non-square windows, and
// sizes that leave pixels out (floor).
var poolCases = []struct {
	name string
	g    Geom
}{
	{"k2s2", Geom{Batch: 2, C: 3, H: 6, W: 6, KH: 2, KW: 2, SH: 2, SW: 2}},
	{"k3x2s1x2", Geom{Batch: 2, C: 2, H: 5, W: 7, KH: 3, KW: 2, SH: 1, SW: 2}},
	{"k2s2odd", Geom{Batch: 1, C: 2, H: 5, W: 5, KH: 2, KW: 2, SH: 2, SW: 2}},
}

// TestConv2DMatchesReference: NCHWToNHWC → Conv2D → NHWCToNCHW equals the
// naive NCHW cross-correlation to 1e-12.
func TestConv2DMatchesReference(t *testing.T) {
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			xv := randVec(g.Batch*g.C*g.H*g.W, 1, 1)
			wv := randVec(tc.o*g.C*g.KH*g.KW, 1, 2)
			eg := G.NewGraph()
			x := bound(t, eg, tensor.Shape{g.Batch, g.C * g.H * g.W}, xv)
			w := bound(t, eg, tensor.Shape{tc.o, g.C * g.KH * g.KW}, wv)
			xn, err := NCHWToNHWC(x, g.Batch, g.C, g.H, g.W)
			if err != nil {
				t.Fatal(err)
			}
			y, err := Conv2D(xn, w, g)
			if err != nil {
				t.Fatal(err)
			}
			yc, err := NHWCToNCHW(y, g.Batch, tc.o, g.OutH(), g.OutW())
			if err != nil {
				t.Fatal(err)
			}
			checkClose(t, "conv", run(t, yc)[0], refConv(xv, wv, g, tc.o), 1e-12)
		})
	}
}

// TestMaxPoolMatchesReference: NCHWToNHWC → MaxPool → NHWCToNCHW equals the
// naive NCHW max-pooling exactly.
func TestMaxPoolMatchesReference(t *testing.T) {
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			xv := randVec(g.Batch*g.C*g.H*g.W, 1, 3)
			eg := G.NewGraph()
			x := bound(t, eg, tensor.Shape{g.Batch, g.C * g.H * g.W}, xv)
			xn, err := NCHWToNHWC(x, g.Batch, g.C, g.H, g.W)
			if err != nil {
				t.Fatal(err)
			}
			y, err := MaxPool(xn, g)
			if err != nil {
				t.Fatal(err)
			}
			yc, err := NHWCToNCHW(y, g.Batch, g.C, g.OutH(), g.OutW())
			if err != nil {
				t.Fatal(err)
			}
			want, _ := refMaxPool(xv, g)
			checkClose(t, "maxpool", run(t, yc)[0], want, 0)
		})
	}
}

// TestNCHWToNHWCMatchesReference: the permutation puts x[b][c][h][w] at row
// b·H·W + h·W + w, column c, exactly.
func TestNCHWToNHWCMatchesReference(t *testing.T) {
	b, c, h, w := 2, 3, 4, 5
	xv := randVec(b*c*h*w, 1, 4)
	eg := G.NewGraph()
	x := bound(t, eg, tensor.Shape{b, c * h * w}, xv)
	y, err := NCHWToNHWC(x, b, c, h, w)
	if err != nil {
		t.Fatal(err)
	}
	if s := y.Shape(); s[0] != b*h*w || s[1] != c {
		t.Fatalf("shape %v, want (%d, %d)", s, b*h*w, c)
	}
	checkClose(t, "NCHWToNHWC", run(t, y)[0], refToNHWC(xv, b, c, h, w), 0)
}

// TestNHWCToNCHWMatchesReference: NHWCToNCHW of the reference NHWC rows
// gives back the NCHW-flat (flatten(1)) input exactly.
func TestNHWCToNCHWMatchesReference(t *testing.T) {
	b, c, h, w := 2, 3, 4, 5
	xv := randVec(b*c*h*w, 1, 5)
	eg := G.NewGraph()
	x := bound(t, eg, tensor.Shape{b * h * w, c}, refToNHWC(xv, b, c, h, w))
	y, err := NHWCToNCHW(x, b, c, h, w)
	if err != nil {
		t.Fatal(err)
	}
	if s := y.Shape(); s[0] != b || s[1] != c*h*w {
		t.Fatalf("shape %v, want (%d, %d)", s, b, c*h*w)
	}
	checkClose(t, "NHWCToNCHW", run(t, y)[0], xv, 0)
}

// TestCol2ImIsAdjointOfIm2Col: ⟨Im2Col(x), z⟩ = ⟨x, Col2Im(z)⟩ to 1e-12.
func TestCol2ImIsAdjointOfIm2Col(t *testing.T) {
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			xv := randVec(g.inRows()*g.C, 1, 6)
			zv := randVec(g.outRows()*g.C*g.patch(), 1, 7)
			eg := G.NewGraph()
			x := bound(t, eg, tensor.Shape{g.inRows(), g.C}, xv)
			z := bound(t, eg, tensor.Shape{g.outRows(), g.C * g.patch()}, zv)
			cols, err := Im2Col(x, g)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Col2Im(z, g)
			if err != nil {
				t.Fatal(err)
			}
			r := run(t, cols, back)
			dot := func(a, b []float64) (s float64) {
				for i := range a {
					s += a[i] * b[i]
				}
				return s
			}
			checkClose(t, "⟨Im2Col(x), z⟩", []float64{dot(r[0], zv)}, []float64{dot(xv, r[1])}, 1e-12)
		})
	}
}

// bigConvs are split into blocks of 2 samples (and a last block of 1) by
// the fused convolution ops: see TestConvBlocks.
var bigConvs = []struct {
	name string
	g    Geom
	o    int
}{
	{"blocks", Geom{Batch: 3, C: 8, H: 36, W: 36, KH: 5, KW: 5, SH: 1, SW: 1}, 3},
	{"blocks-p2", Geom{Batch: 3, C: 8, H: 35, W: 35, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2}, 3},
}

// TestConvBlocks: bigConvs really are computed in several blocks of samples.
func TestConvBlocks(t *testing.T) {
	for _, tc := range bigConvs {
		c := conv{tc.g, tc.o}
		if n := c.blockSamples(); n >= c.g.Batch || c.g.Batch%n == 0 {
			t.Errorf("%s: %d samples per block for a batch of %d: want several blocks, the last one shorter", tc.name, n, c.g.Batch)
		}
	}
}

// TestConvTrilinear: for the three fused convolution ops,
// ⟨y, Conv2D(x, w)⟩ = ⟨x, data(y, w)⟩ = ⟨w, filter(x, y)⟩ to 1e-12 (relative),
// and Conv2D equals the NCHW reference (1e-12), also when the ops work in
// several blocks of samples.
func TestConvTrilinear(t *testing.T) {
	for _, tc := range append(convCases, bigConvs...) {
		t.Run(tc.name, func(t *testing.T) {
			c := conv{tc.g, tc.o}
			xv := randVec(c.xShape().TotalSize(), 1, 8)
			wv := randVec(c.wShape().TotalSize(), 1, 9)
			yv := randVec(c.yShape().TotalSize(), 1, 10)
			eg := G.NewGraph()
			x, w, y := bound(t, eg, c.xShape(), xv), bound(t, eg, c.wShape(), wv), bound(t, eg, c.yShape(), yv)
			fwd, err := Conv2D(x, w, c.g)
			if err != nil {
				t.Fatal(err)
			}
			data, err := G.ApplyOp(convDataOp(c), y, w)
			if err != nil {
				t.Fatal(err)
			}
			filter, err := G.ApplyOp(convFilterOp(c), x, y)
			if err != nil {
				t.Fatal(err)
			}
			r := run(t, fwd, data, filter)
			dot := func(a, b []float64) (s float64) {
				for i := range a {
					s += a[i] * b[i]
				}
				return s
			}
			tyw := dot(yv, r[0])
			checkClose(t, "⟨x, data(y, w)⟩", []float64{dot(xv, r[1])}, []float64{tyw}, 1e-12)
			checkClose(t, "⟨w, filter(x, y)⟩", []float64{dot(wv, r[2])}, []float64{tyw}, 1e-12)
			g := c.g
			nchw := make([]float64, len(xv)) // x back in NCHW order
			for b := 0; b < g.Batch; b++ {
				for ch := 0; ch < g.C; ch++ {
					for p := 0; p < g.H*g.W; p++ {
						nchw[(b*g.C+ch)*g.H*g.W+p] = xv[(b*g.H*g.W+p)*g.C+ch]
					}
				}
			}
			checkClose(t, "Conv2D", r[0], refToNHWC(refConv(nchw, wv, g, c.o), g.Batch, c.o, g.OutH(), g.OutW()), 1e-12)
		})
	}
}

// TestIm2ColLayout: Im2Col's entry at row b·OH·OW + oh·OW + ow, column
// (i·KW + j)·C + c is x's value at sample b, channel c, input row
// oh·SH − PH + i, column ow·SW − PW + j (NHWC), or exactly 0 in the padding.
func TestIm2ColLayout(t *testing.T) {
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			xv := randVec(g.inRows()*g.C, 1, 8)
			eg := G.NewGraph()
			cols, err := Im2Col(bound(t, eg, tensor.Shape{g.inRows(), g.C}, xv), g)
			if err != nil {
				t.Fatal(err)
			}
			got := run(t, cols)[0]
			width := g.KH * g.KW * g.C
			for b := 0; b < g.Batch; b++ {
				for oh := 0; oh < g.OutH(); oh++ {
					for ow := 0; ow < g.OutW(); ow++ {
						row := (b*g.OutH()+oh)*g.OutW() + ow
						for i := 0; i < g.KH; i++ {
							for j := 0; j < g.KW; j++ {
								for c := 0; c < g.C; c++ {
									h, w := oh*g.SH-g.PH+i, ow*g.SW-g.PW+j
									want := 0.0
									if h >= 0 && h < g.H && w >= 0 && w < g.W {
										want = xv[((b*g.H+h)*g.W+w)*g.C+c]
									}
									if v := got[row*width+(i*g.KW+j)*g.C+c]; v != want {
										t.Fatalf("sample %d, pixel (%d, %d), kernel (%d, %d), channel %d: %v, want %v", b, oh, ow, i, j, c, v, want)
									}
								}
							}
						}
					}
				}
			}
		})
	}
}
