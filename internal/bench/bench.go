// Package bench holds the workloads behind `go test -bench` and `make bench`:
// loss, gradient and Hessian-vector product of a ReLU MLP and of a CNN over a
// fixed sample set (the problems scripts/torch_hvp.py times in PyTorch), and
// the floor of each: its matrix products alone in the same BLAS.
package bench

import (
	"math/rand"
	"runtime"
	"syscall"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
)

// Problem is an objective with a θ and a v to evaluate at.
type Problem struct {
	Name      string
	DenseOnly bool // every layer is dense: MatMuls lists every product
	Obj       *graph.Objective
	Theta, V  []float64
	theta2    []float64 // Theta with one parameter changed (HVPNewTheta)
	flip      bool
	hv, g     []float64
}

// NewProblem builds the MLP sizes[0]-…-sizes[last] (biases, ReLU, cross-entropy)
// on n random samples; see NewSpecProblem.
func NewProblem(sizes []int, n int, seed int64) (*Problem, error) {
	return NewMLPProblem(sizes, n, seed, false)
}

// NewMLPProblem is NewProblem, computing in float32 if asked.
func NewMLPProblem(sizes []int, n int, seed int64, float32 bool) (*Problem, error) {
	s := graph.MLP(sizes[0], sizes[1:len(sizes)-1], sizes[len(sizes)-1], true, loss.CrossEntropy)
	return newProblem(s, n, seed, float32)
}

// NewCNNProblem builds graph.CNN's default network (Sagun et al.'s CNN on
// 1×28×28 images) on n random samples; see NewSpecProblem.
func NewCNNProblem(n int, seed int64) (*Problem, error) {
	return NewCNNDtypeProblem(n, seed, false)
}

// NewCNNDtypeProblem is NewCNNProblem, computing in float32 if asked.
func NewCNNDtypeProblem(n int, seed int64, float32 bool) (*Problem, error) {
	s, err := graph.CNN(graph.CNNSettings{}, loss.CrossEntropy)
	if err != nil {
		return nil, err
	}
	return newProblem(s, n, seed, float32)
}

// NewSpecProblem builds network s on n random samples with pixel-like features
// in [0,1) and random labels, as the peer does, He-initialised parameters and
// a Gaussian v, evaluated in one chunk.
func NewSpecProblem(s graph.Spec, n int, seed int64) (*Problem, error) {
	return newProblem(s, n, seed, false)
}

func newProblem(s graph.Spec, n int, seed int64, float32 bool) (*Problem, error) {
	r := rand.New(rand.NewSource(seed))
	d := s.Inputs()
	set := &datasets.Set{X: make([]float64, n*d), Y: make([]int, n), N: n, D: d, Classes: s.Outputs()}
	for i := range set.X {
		set.X[i] = r.Float64()
	}
	for i := range set.Y {
		set.Y[i] = r.Intn(s.Outputs())
	}
	o, err := graph.NewObjectiveWith(s, set, graph.ObjectiveSettings{Chunk: n, Float32: float32})
	if err != nil {
		return nil, err
	}
	theta, err := graph.Init(s, graph.He, seed)
	if err != nil {
		return nil, err
	}
	v := make([]float64, len(theta))
	for i := range v {
		v[i] = r.NormFloat64()
	}
	theta2 := append([]float64(nil), theta...)
	theta2[0] += 1e-3
	dense := true
	for _, l := range s.Layers {
		dense = dense && l.Kind() == "dense"
	}
	return &Problem{Name: s.String(), DenseOnly: dense, Obj: o, Theta: theta, V: v, theta2: theta2, hv: make([]float64, len(theta)), g: make([]float64, len(theta))}, nil
}

// Forward evaluates the loss.
func (p *Problem) Forward() error { _, err := p.Obj.Loss(p.Theta); return err }

// Gradient evaluates loss and gradient.
func (p *Problem) Gradient() error { _, err := p.Obj.LossGrad(p.g, p.Theta); return err }

// HVP evaluates one Hessian-vector product at θ, as a Lanczos or power
// iteration does: the values that do not depend on v are kept from the last
// product at the same θ.
func (p *Problem) HVP() error { _, err := p.Obj.HVP(p.hv, nil, p.Theta, p.V); return err }

// HVPNewTheta evaluates one Hessian-vector product at a θ other than the last
// product's (it alternates between two), so nothing is kept.
func (p *Problem) HVPNewTheta() error {
	p.flip = !p.flip
	theta := p.Theta
	if p.flip {
		theta = p.theta2
	}
	_, err := p.Obj.HVP(p.hv, nil, theta, p.V)
	return err
}

// Op is one timed evaluation of a Problem: minima's function, the graph
// product whose matrix products make its floor (those depending on v only, if
// Varying), and the peer's op name.
type Op struct {
	Name    string
	Run     func() error
	Product graph.Product
	Varying bool
	Peer    string
}

// Ops lists forward, gradient and HVP (at a fixed θ and at a new θ) of p.
func (p *Problem) Ops() []Op {
	return []Op{
		{"forward", p.Forward, graph.ProductLoss, false, "forward"},
		{"gradient", p.Gradient, graph.ProductGradient, false, "gradient"},
		{"hvp", p.HVP, graph.ProductHVP, true, "hvp"},
		{"hvp, new θ", p.HVPNewTheta, graph.ProductHVP, false, "hvp"},
	}
}

// Allocs returns the heap allocations and bytes of one call of f, averaged
// over runs calls (after one warm-up call).
func Allocs(f func() error, runs int) (allocs, bytes float64, err error) {
	if err := f(); err != nil {
		return 0, 0, err
	}
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	for range runs {
		if err := f(); err != nil {
			return 0, 0, err
		}
	}
	runtime.ReadMemStats(&b)
	return float64(b.Mallocs-a.Mallocs) / float64(runs), float64(b.TotalAlloc-a.TotalAlloc) / float64(runs), nil
}

// Run benchmarks f with b.N calls and reports CPU time per call.
func Run(b *testing.B, f func() error) {
	if err := f(); err != nil { // warm-up: builds the graph
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := CPUTime()
	for i := 0; i < b.N; i++ {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((CPUTime()-c0)/float64(b.N)*1e3, "cpu-ms/op")
}

// CPUTime is the CPU time (user + system, all threads) this process has used,
// in seconds: on a shared machine it varies less than wall time.
func CPUTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
