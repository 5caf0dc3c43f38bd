package bench

import (
	"errors"
	"testing"
	"time"

	"github.com/minima-project/minima/graph"
)

var mnistMLP = []int{784, 256, 256, 10}

func problem(b *testing.B) *Problem {
	p, err := NewProblem(mnistMLP, 1000, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Obj.Close)
	return p
}

func floor(b *testing.B, p *Problem, kind graph.Product, varying bool) *Floor {
	f, err := NewFloor(p.Obj, kind, varying)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func BenchmarkForward(b *testing.B)  { p := problem(b); Run(b, p.Forward) }
func BenchmarkGradient(b *testing.B) { p := problem(b); Run(b, p.Gradient) }
func BenchmarkHVP(b *testing.B)      { p := problem(b); Run(b, p.HVP) }
func BenchmarkHVPNewTheta(b *testing.B) {
	p := problem(b)
	Run(b, p.HVPNewTheta)
}

// The floors: the same evaluations' matrix products alone.
func BenchmarkForwardFloor(b *testing.B) {
	Run(b, floor(b, problem(b), graph.ProductLoss, false).Run)
}
func BenchmarkGradientFloor(b *testing.B) {
	Run(b, floor(b, problem(b), graph.ProductGradient, false).Run)
}
func BenchmarkHVPFloor(b *testing.B) { Run(b, floor(b, problem(b), graph.ProductHVP, true).Run) }

// BenchmarkGradientFloorPaused is the gradient's floor with the calling thread
// spinning alone for 160 µs after each product, as it does for an
// evaluation's element-wise steps; gemm-ms/op is the products' own time, which
// at 2 OpenBLAS threads grows with such pauses (against BenchmarkGradientFloor).
func BenchmarkGradientFloorPaused(b *testing.B) {
	f := floor(b, problem(b), graph.ProductGradient, false)
	f.Run()
	b.ResetTimer()
	var inGemm time.Duration
	for range b.N {
		inGemm += f.RunPaused(160 * time.Microsecond)
	}
	b.ReportMetric(float64(inGemm.Microseconds())/1e3/float64(b.N), "gemm-ms/op")
}
func BenchmarkHVPNewThetaFloor(b *testing.B) {
	Run(b, floor(b, problem(b), graph.ProductHVP, false).Run)
}

func BenchmarkCNNHVP(b *testing.B) {
	p, err := NewCNNProblem(256, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Obj.Close)
	Run(b, p.HVP)
}

// halves builds two problems of 500 random samples each (seeds 1 and 2): the
// size of BenchmarkGradient's one chunk of 1,000, in two chunks.
func halves(b *testing.B) [2]*Problem {
	var ps [2]*Problem
	for i := range ps {
		p, err := NewProblem(mnistMLP, 500, int64(i+1))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(p.Obj.Close)
		ps[i] = p
	}
	return ps
}

// BenchmarkGradientHalves evaluates the gradient on the two chunks of 500,
// one after the other, on the BLAS threads set at start-up.
func BenchmarkGradientHalves(b *testing.B) {
	ps := halves(b)
	Run(b, func() error {
		if err := ps[0].Gradient(); err != nil {
			return err
		}
		return ps[1].Gradient()
	})
}

// BenchmarkGradientHalvesConcurrent is the other way to keep two cores busy
// that the speed issue names: the same two chunks of 500 evaluated at once by
// two goroutines, each on single-threaded BLAS. On the project's 2-core
// machine it was slower than the same chunks one after the other on 2 BLAS
// threads (BenchmarkGradientHalves) and no faster than one chunk
// (BenchmarkGradient), apparently because the two evaluations compete for
// the shared cache and memory.
func BenchmarkGradientHalvesConcurrent(b *testing.B) {
	ps := halves(b)
	threads := graph.BLASThreads()
	if err := graph.SetBLASThreads(1); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { graph.SetBLASThreads(threads) })
	Run(b, func() error {
		errs := make(chan error, 2)
		for _, p := range ps {
			go func() { errs <- p.Gradient() }()
		}
		return errors.Join(<-errs, <-errs)
	})
}
