package ops

import (
	"math"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// preallocCase is one op of the package applied to random inputs.
type preallocCase struct {
	name string
	op   kernelOp
	in   []tensor.Shape
}

// preallocCases lists every op over the geometries of convCases, bigConvs
// (several blocks of samples) and poolCases.
func preallocCases() []preallocCase {
	var cs []preallocCase
	for _, tc := range append(append([]struct {
		name string
		g    Geom
		o    int
	}{}, convCases...), bigConvs...) {
		c := conv{tc.g, tc.o}
		g := tc.g
		cs = append(cs,
			preallocCase{"Conv2D/" + tc.name, convOp(c), []tensor.Shape{c.xShape(), c.wShape()}},
			preallocCase{"Conv2DData/" + tc.name, convDataOp(c), []tensor.Shape{c.yShape(), c.wShape()}},
			preallocCase{"Conv2DFilter/" + tc.name, convFilterOp(c), []tensor.Shape{c.xShape(), c.yShape()}},
			preallocCase{"Im2Col/" + tc.name, im2colOp{g}, []tensor.Shape{{g.inRows(), g.C}}},
			preallocCase{"Col2Im/" + tc.name, col2imOp{g}, []tensor.Shape{{g.outRows(), g.C * g.patch()}}},
		)
	}
	for _, tc := range poolCases {
		g := tc.g
		x, y := tensor.Shape{g.inRows(), g.C}, tensor.Shape{g.outRows(), g.C}
		cs = append(cs,
			preallocCase{"MaxPool/" + tc.name, poolOp{g}, []tensor.Shape{x}},
			preallocCase{"scatter/" + tc.name, scatterOp{g}, []tensor.Shape{x, y}},
			preallocCase{"gather/" + tc.name, gatherOp{g}, []tensor.Shape{x, x}},
		)
	}
	const b, c, h, w = 2, 3, 4, 5
	cs = append(cs,
		preallocCase{"NCHWToNHWC", permOp{B: b, C: c, H: h, W: w, toNHWC: true}, []tensor.Shape{{b, c * h * w}}},
		preallocCase{"NHWCToNCHW", permOp{B: b, C: c, H: h, W: w}, []tensor.Shape{{b * h * w, c}}},
		preallocCase{"ReLU", reluOp{R: b * h, C: c * w}, []tensor.Shape{{b * h, c * w}}},
		preallocCase{"ReLUMask", reluOp{R: b * h, C: c * w, mask: true}, []tensor.Shape{{b * h, c * w}, {b * h, c * w}}},
		preallocCase{"AddBias", biasOp{R: b * h, C: c * w}, []tensor.Shape{{b * h, c * w}, {c * w}}},
	)
	return cs
}

// values returns random inputs of the case; the first is rounded to halves
// so that pooling windows hold ties.
func (pc preallocCase) values(seed int64) []G.Value {
	vs := make([]G.Value, len(pc.in))
	for i, s := range pc.in {
		d := randVec(s.TotalSize(), 1, seed+int64(i))
		if i == 0 {
			for j := range d {
				d[j] = math.Round(2*d[j]) / 2
			}
		}
		vs[i] = dense(s, d)
	}
	return vs
}

// nanMatrix returns a matrix of the given shape full of NaN.
func nanMatrix(s tensor.Shape) *tensor.Dense {
	d := make([]float64, s.TotalSize())
	for i := range d {
		d[i] = math.NaN()
	}
	return tensor.New(tensor.WithShape(s...), tensor.WithBacking(d))
}

// sameBits reports the first index where got and want differ bit for bit,
// or −1.
func sameBits(got, want []float64) int {
	if len(got) != len(want) {
		return 0
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			return i
		}
	}
	return -1
}

// TestUsePreallocDoMatchesDo: every op's UsePreallocDo into a NaN-filled
// buffer returns that buffer holding Do's value bit for bit, and so does a
// second call on other inputs into the same (now dirty) buffer.
func TestUsePreallocDoMatchesDo(t *testing.T) {
	for _, pc := range preallocCases() {
		t.Run(pc.name, func(t *testing.T) {
			buf := nanMatrix(pc.op.outShape())
			for run, seed := range []int64{21, 42} {
				vs := pc.values(seed)
				want, err := pc.op.Do(vs...)
				if err != nil {
					t.Fatal(err)
				}
				got, err := pc.op.(G.UsePreallocDoer).UsePreallocDo(buf, vs...)
				if err != nil {
					t.Fatal(err)
				}
				if got != G.Value(buf) {
					t.Fatalf("run %d: UsePreallocDo returned a new value, not the buffer", run)
				}
				if !got.Shape().Eq(want.Shape()) {
					t.Fatalf("run %d: shape %v, Do's %v", run, got.Shape(), want.Shape())
				}
				w := want.Data().([]float64)
				if i := sameBits(buf.Data().([]float64), w); i >= 0 {
					t.Fatalf("run %d: element %d is %v, Do's %v", run, i, buf.Data().([]float64)[i], w[i])
				}
			}
		})
	}
}

// TestUsePreallocDoRejectsBadBuffer: a buffer of the wrong shape or dtype is
// an error naming the op, and the buffer is left as it was.
func TestUsePreallocDoRejectsBadBuffer(t *testing.T) {
	for _, pc := range preallocCases() {
		t.Run(pc.name, func(t *testing.T) {
			s := pc.op.outShape()
			bad := []G.Value{
				nanMatrix(tensor.Shape{s[0], s[1] + 1}),
				nanMatrix(tensor.Shape{s[1], s[0]}),
				tensor.New(tensor.WithShape(s...), tensor.Of(tensor.Float32)),
			}
			if s[0] == s[1] {
				bad = bad[:1] // a square transpose has the right shape
				bad = append(bad, tensor.New(tensor.WithShape(s...), tensor.Of(tensor.Float32)))
			}
			for _, b := range bad {
				_, err := pc.op.(G.UsePreallocDoer).UsePreallocDo(b, pc.values(1)...)
				if err == nil {
					t.Fatalf("buffer %v %v: no error", b.Dtype(), b.Shape())
				}
				if !strings.Contains(err.Error(), pc.op.String()) {
					t.Errorf("error %q does not name the op %v", err, pc.op)
				}
				if d, ok := b.Data().([]float64); ok && !math.IsNaN(d[0]) {
					t.Errorf("buffer %v written despite the error", b.Shape())
				}
			}
		})
	}
}
