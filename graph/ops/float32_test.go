package ops

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The ops in float32: each op alone on float32 inputs against its float64
// value on the same inputs (the float64 inputs are the float32 ones, widened,
// so only the arithmetic differs).

// to32 returns the values of vs (float64 matrices) rounded to float32.
func to32(vs []G.Value) []G.Value {
	out := make([]G.Value, len(vs))
	for i, v := range vs {
		d := v.Data().([]float64)
		f := make([]float32, len(d))
		for j, x := range d {
			f[j] = float32(x)
		}
		out[i] = tensor.New(tensor.WithShape(v.Shape().Clone()...), tensor.WithBacking(f))
	}
	return out
}

// widen returns the float32 data of vs as float64 matrices.
func widen(vs []G.Value) []G.Value {
	out := make([]G.Value, len(vs))
	for i, v := range vs {
		f := v.Data().([]float32)
		d := make([]float64, len(f))
		for j, x := range f {
			d[j] = float64(x)
		}
		out[i] = tensor.New(tensor.WithShape(v.Shape().Clone()...), tensor.WithBacking(d))
	}
	return out
}

// float32Case is a case's float32 inputs with Do's value on them, and the
// float64 value on the same inputs widened.
func float32Case(t *testing.T, pc preallocCase, seed int64) (vs32 []G.Value, got []float32, want []float64) {
	t.Helper()
	vs32 = to32(pc.values(seed))
	w, err := pc.op.Do(widen(vs32)...)
	if err != nil {
		t.Fatal(err)
	}
	g, err := pc.op.Do(vs32...)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := g.Data().([]float32)
	if !ok {
		t.Fatalf("float32 inputs gave %T, want []float32", g.Data())
	}
	if !g.Shape().Eq(w.Shape()) {
		t.Fatalf("float32 shape %v, float64 %v", g.Shape(), w.Shape())
	}
	return vs32, got, w.Data().([]float64)
}

// movesValues reports whether op only moves values of its inputs (no
// arithmetic): im2col, the layout permutations, max-pooling and its gather;
// and ReLU and its mask, which multiply by 0 or 1, exactly in either precision.
func movesValues(op kernelOp) bool {
	switch op.(type) {
	case im2colOp, permOp, poolOp, gatherOp, reluOp:
		return true
	}
	return false
}

// TestFloat32MovingOpsAreExact: the ops that move values give in float32
// exactly the float32 rounding of their float64 value on the same inputs,
// bit for bit. For max-pooling and gather this means the same element of
// each window is chosen: the inputs are rounded to halves, so windows hold
// ties, and the first maximum must win in both precisions.
func TestFloat32MovingOpsAreExact(t *testing.T) {
	for _, pc := range preallocCases() {
		if !movesValues(pc.op) {
			continue
		}
		t.Run(pc.name, func(t *testing.T) {
			_, got, want := float32Case(t, pc, 21)
			for i := range want {
				if got[i] != float32(want[i]) {
					t.Fatalf("element %d: float32 %v, float64 %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestFloat32SummingOpsMatchFloat64: the ops that add (the three
// convolutions, col2im, max-pooling's scatter and the bias) agree with float64 to
// 1e-5 relative to the largest value. A float32 sum of K terms of random
// signs errs by about √K·u times the terms' scale (u = 6e-8; K·u at worst);
// here K ≤ 200 (8 channels of 5×5) in the forward and data products and
// 3,072 (every output pixel of 3 samples) in the filter gradient, so
// √K·u ≤ 3.3e-6 (measured ≤ 6e-7), and 1e-5 leaves room while an op
// computing on the wrong elements (errors of order 1) fails.
func TestFloat32SummingOpsMatchFloat64(t *testing.T) {
	for _, pc := range preallocCases() {
		if movesValues(pc.op) {
			continue
		}
		t.Run(pc.name, func(t *testing.T) {
			_, got, want := float32Case(t, pc, 21)
			g := make([]float64, len(got))
			for i, x := range got {
				g[i] = float64(x)
			}
			checkClose(t, "float32 vs float64", g, want, 1e-5)
		})
	}
}

// TestFloat32UsePreallocDoMatchesDo: in float32 as in float64, UsePreallocDo
// into a dirty (NaN-filled) float32 buffer returns that buffer holding Do's
// value bit for bit.
func TestFloat32UsePreallocDoMatchesDo(t *testing.T) {
	for _, pc := range preallocCases() {
		t.Run(pc.name, func(t *testing.T) {
			vs, want, _ := float32Case(t, pc, 42)
			s := pc.op.outShape()
			d := make([]float32, s.TotalSize())
			for i := range d {
				d[i] = float32(math.NaN())
			}
			buf := tensor.New(tensor.WithShape(s...), tensor.WithBacking(d))
			got, err := pc.op.(G.UsePreallocDoer).UsePreallocDo(buf, vs...)
			if err != nil {
				t.Fatal(err)
			}
			if got != G.Value(buf) {
				t.Fatal("UsePreallocDo returned a new value, not the buffer")
			}
			for i := range want {
				if math.Float32bits(d[i]) != math.Float32bits(want[i]) {
					t.Fatalf("element %d is %v, Do's %v", i, d[i], want[i])
				}
			}
		})
	}
}

// TestMixedDtypesRejected: inputs of different dtypes are an error naming
// the op, for Do and for UsePreallocDo.
func TestMixedDtypesRejected(t *testing.T) {
	for _, pc := range preallocCases() {
		if len(pc.in) < 2 {
			continue
		}
		t.Run(pc.name, func(t *testing.T) {
			vs := pc.values(1)
			vs[1] = to32(vs[1:2])[0] // float64 first input, float32 second
			if _, err := pc.op.Do(vs...); err == nil {
				t.Error("Do: no error")
			}
			buf := tensor.New(tensor.WithShape(pc.op.outShape()...), tensor.Of(tensor.Float64))
			if _, err := pc.op.(G.UsePreallocDoer).UsePreallocDo(buf, vs...); err == nil {
				t.Error("UsePreallocDo: no error")
			}
		})
	}
}

// gemmCounter is gorgonia's BLAS counting the calls of Sgemm and Dgemm.
type gemmCounter struct {
	G.BLAS
	s, d int
}

func (b *gemmCounter) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, x []float32, ldb int, beta float32, c []float32, ldc int) {
	b.s++
	b.BLAS.Sgemm(tA, tB, m, n, k, alpha, a, lda, x, ldb, beta, c, ldc)
}

func (b *gemmCounter) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, x []float64, ldb int, beta float64, c []float64, ldc int) {
	b.d++
	b.BLAS.Dgemm(tA, tB, m, n, k, alpha, a, lda, x, ldb, beta, c, ldc)
}

// convOf returns the geometry of a convolution op.
func convOf(op kernelOp) (conv, bool) {
	switch op := op.(type) {
	case convOp:
		return conv(op), true
	case convDataOp:
		return conv(op), true
	case convFilterOp:
		return conv(op), true
	}
	return conv{}, false
}

// TestFloat32ConvUsesSgemm: in float32 the convolutions' matrix products
// are Sgemm, one per block of samples, and never Dgemm (no float64 round
// trip); in float64 they are Dgemm.
func TestFloat32ConvUsesSgemm(t *testing.T) {
	orig := G.WhichBLAS()
	defer G.Use(orig)
	for _, pc := range preallocCases() {
		c, ok := convOf(pc.op)
		if !ok {
			continue
		}
		blocks := (c.g.Batch + c.blockSamples() - 1) / c.blockSamples()
		vs64 := pc.values(5)
		for _, vs := range [][]G.Value{to32(vs64), vs64} {
			n := &gemmCounter{BLAS: orig}
			G.Use(n)
			_, err := pc.op.Do(vs...)
			G.Use(orig)
			if err != nil {
				t.Fatal(err)
			}
			want := [2]int{blocks, 0}
			if vs[0].Dtype() == tensor.Float64 {
				want = [2]int{0, blocks}
			}
			if got := [2]int{n.s, n.d}; got != want {
				t.Errorf("%s in %v: %d Sgemm and %d Dgemm calls, want %d and %d", pc.name, vs[0].Dtype(), n.s, n.d, want[0], want[1])
			}
		}
	}
}
