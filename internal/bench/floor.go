package bench

import (
	"math/rand"
	"time"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"

	"github.com/minima-project/minima/graph"
)

// Floor runs, alone, the matrix products of one evaluation of an Objective:
// the same shapes and transpositions, the same number of chunks, through the
// BLAS gorgonia uses (same implementation, same threads), on operands
// allocated once. Its time is what the evaluation cannot go below.
type Floor struct {
	gemms   []graph.Gemm
	a, b, c [][]float64
	s       [3][][]float32 // a, b, c in single precision (float32 objectives)
	chunks  int
}

// NewFloor prepares the products of evaluation p of o; with varyingOnly,
// only those that depend on v (what a product at an unchanged θ runs).
func NewFloor(o *graph.Objective, p graph.Product, varyingOnly bool) (*Floor, error) {
	all, err := o.MatMuls(p)
	if err != nil {
		return nil, err
	}
	var gs []graph.Gemm
	for _, g := range all {
		if g.Varying || !varyingOnly {
			gs = append(gs, g)
		}
	}
	r := rand.New(rand.NewSource(1))
	fill := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.Float64()
		}
		return x
	}
	f := &Floor{gemms: gs, chunks: o.Chunks()}
	for _, g := range gs {
		f.a = append(f.a, fill(g.M*g.K))
		f.b = append(f.b, fill(g.K*g.N))
		f.c = append(f.c, make([]float64, g.M*g.N))
	}
	if o.Float32() {
		for i := range 3 {
			for _, x := range [3][][]float64{f.a, f.b, f.c}[i] {
				y := make([]float32, len(x))
				for j, v := range x {
					y[j] = float32(v)
				}
				f.s[i] = append(f.s[i], y)
			}
		}
		f.a, f.b, f.c = nil, nil, nil
	}
	return f, nil
}

// Run computes every product once per chunk.
func (f *Floor) Run() error { f.run(0); return nil }

// RunPaused is Run with the calling thread busy for pause (a spin, touching
// no memory) after each product, as an evaluation's element-wise steps keep
// it between its products; it returns the time spent in the products alone.
func (f *Floor) RunPaused(pause time.Duration) time.Duration { return f.run(pause) }

func (f *Floor) run(pause time.Duration) time.Duration {
	var inGemm time.Duration
	for range f.chunks {
		for i := range f.gemms {
			if pause == 0 {
				f.gemm(i)
				continue
			}
			t := time.Now()
			f.gemm(i)
			inGemm += time.Since(t)
			for t = time.Now(); time.Since(t) < pause; {
			}
		}
	}
	return inGemm
}

// gemm computes product i.
func (f *Floor) gemm(i int) {
	g := f.gemms[i]
	tA, lda := blas.NoTrans, g.K
	if g.TransA {
		tA, lda = blas.Trans, g.M
	}
	tB, ldb := blas.NoTrans, g.N
	if g.TransB {
		tB, ldb = blas.Trans, g.K
	}
	if f.s[0] != nil {
		G.WhichBLAS().Sgemm(tA, tB, g.M, g.N, g.K, 1, f.s[0][i], lda, f.s[1][i], ldb, 0, f.s[2][i], g.N)
		return
	}
	G.WhichBLAS().Dgemm(tA, tB, g.M, g.N, g.K, 1, f.a[i], lda, f.b[i], ldb, 0, f.c[i], g.N)
}

// Products is the number of matrix products per chunk.
func (f *Floor) Products() int { return len(f.gemms) }

// Flops is the floating-point operations of one Run (2mnk per product).
func (f *Floor) Flops() float64 {
	s := 0.0
	for _, g := range f.gemms {
		s += 2 * float64(g.M) * float64(g.N) * float64(g.K)
	}
	return s * float64(f.chunks)
}
